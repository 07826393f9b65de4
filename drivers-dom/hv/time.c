/*
 * The x2APIC timer (ABI.md: MSRs 0x832 LVT timer, 0x838 initial count, 0x839
 * current count, 0x83e divide configuration; 100 MHz before the divider)
 * drives a queue of one-shot software timers; the TSC is the clock.
 */
#include "dom.h"
#include "dom/time.h"
#include "dom/trap.h"
#include "dom/cpu.h"
#include "dom/start.h"
#include "dom/evtchn.h"
#include "public/shared_info.h"

#define X2APIC_SVR 0x80f
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_TDCR 0x83e
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define TDCR_DIVIDE_1 0xb		/* SDM Vol. 3A Figure 10-10 */
#define APIC_TIMER_HZ 100000000ull	/* ABI.md */
#define NS_PER_COUNT 10ull		/* 1e9 / APIC_TIMER_HZ */
#define CALIBRATE_COUNTS 2000000u	/* 20 ms */
#define DEFAULT_TSC_HZ 1000000000ull

static uint64_t tsc_start, tsc_hz = DEFAULT_TSC_HZ;
static uint64_t ns_mult;		/* ns = tsc_delta * ns_mult >> 32 */
static struct dom_timer *queue;		/* soonest first */
/* When the one-shot now programmed fires (0: none). The hardware is left
 * alone when a timer is cancelled or a later one is queued: an interrupt
 * with nothing due only programs the next. So a wait that an event ends
 * before its timeout costs one TMICT write (an exit) instead of two. */
static uint64_t hw_deadline;

uint64_t dom_now_ns(void)
{
	unsigned __int128 d = (unsigned __int128)(dom_rdtsc() - tsc_start) * ns_mult;

	return (uint64_t)(d >> 32);
}

/* shared_info's wall clock (its time at system time 0) plus system time from
 * vCPU 0's pvclock, each read under its version (odd: being written). */
uint64_t dom_wallclock_sec(void)
{
	const struct shared_info *s = dom_evtchn_shared_info();
	const struct vcpu_time_info *t;
	uint64_t wc_ns, sys, delta;
	uint32_t v;

	if (!s)
		return 0;
	do {
		v = __atomic_load_n(&s->wc_version, __ATOMIC_ACQUIRE);
		wc_ns = ((uint64_t)s->wc_sec_hi << 32 | s->wc_sec) * 1000000000ull + s->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* the fields before the re-read */
	} while ((v & 1) || v != __atomic_load_n(&s->wc_version, __ATOMIC_ACQUIRE));
	if (!wc_ns)
		return 0;
	t = &s->vcpu_info[0].time;
	do {
		v = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
		delta = dom_rdtsc() - t->tsc_timestamp;
		delta = t->tsc_shift < 0 ? delta >> -t->tsc_shift : delta << t->tsc_shift;
		sys = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != __atomic_load_n(&t->version, __ATOMIC_ACQUIRE));
	return (wc_ns + sys) / 1000000000ull;
}

uint64_t dom_tsc_hz(void)
{
	return tsc_hz;
}

/*
 * The current-count register reads 0 from the moment the count has run
 * down: time a known count by the TSC. The core derives both from its TSC,
 * so the only error is when each end is seen: the arming write and the
 * polls are VM exits (slow under emulation), and each end is taken as the
 * midpoint of the TSC readings around it.
 */
static void calibrate(void)
{
	uint64_t t0, t1, last, now, start, end;

	dom_wrmsr(X2APIC_LVT_TIMER, LVT_MASKED | DOM_VECTOR_TIMER);
	dom_wrmsr(X2APIC_TDCR, TDCR_DIVIDE_1);
	t0 = dom_rdtsc();
	dom_wrmsr(X2APIC_TMICT, CALIBRATE_COUNTS);
	t1 = dom_rdtsc();
	last = t1;
	for (;;) {	/* expiry lies between the last non-zero poll and the zero one */
		uint32_t count = (uint32_t)dom_rdmsr(X2APIC_TMCCT);

		now = dom_rdtsc();
		if (count == 0)
			break;
		last = now;
	}
	start = t0 + (t1 - t0) / 2;
	end = last + (now - last) / 2;
	if (end > start)
		tsc_hz = (end - start) * (APIC_TIMER_HZ / CALIBRATE_COUNTS);
	dom_wrmsr(X2APIC_TMICT, 0);
}

/* Programs the hardware one-shot for the queue head, unless one at or
 * before it is already coming (its handler programs the rest). */
static void program(void)
{
	uint64_t now, counts;

	if (!queue || (hw_deadline && hw_deadline <= queue->deadline_ns))
		return;
	now = dom_now_ns();
	counts = queue->deadline_ns > now ? (queue->deadline_ns - now) / NS_PER_COUNT : 0;
	if (counts == 0)
		counts = 1;
	if (counts > 0xffffffffu)
		counts = 0xffffffffu;	/* fires early; the handler re-arms */
	hw_deadline = now + counts * NS_PER_COUNT;
	dom_wrmsr(X2APIC_TMICT, counts);
}

static void unlink(struct dom_timer *t)
{
	for (struct dom_timer **p = &queue; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
}

void dom_timer_set(struct dom_timer *t, uint64_t deadline_ns, dom_timer_fn fn, void *arg)
{
	struct dom_timer **p;

	if (t->armed)
		unlink(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	for (p = &queue; *p && (*p)->deadline_ns <= deadline_ns; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = true;
	if (queue == t)
		program();
}

void dom_timer_cancel(struct dom_timer *t)
{
	if (t->armed)
		unlink(t);	/* its interrupt, if programmed, comes and finds nothing */
}

static void timer_interrupt(struct dom_trap_frame *f, void *arg)
{
	uint64_t now = dom_now_ns();

	(void)f;
	(void)arg;
	hw_deadline = 0;	/* the one-shot fired */
	while (queue && queue->deadline_ns <= now) {
		struct dom_timer *t = queue;

		queue = t->next;
		t->armed = false;
		t->fn(t, t->arg);
		now = dom_now_ns();
	}
	program();
}

void dom_time_init(void)
{
	dom_wrmsr(X2APIC_SVR, SVR_ENABLE | DOM_VECTOR_SPURIOUS);
	calibrate();
	ns_mult = (1000000000ull << 32) / tsc_hz;
	tsc_start = dom_rdtsc();
	dom_irq_set_handler(DOM_VECTOR_TIMER, timer_interrupt, NULL);
	dom_wrmsr(X2APIC_LVT_TIMER, DOM_VECTOR_TIMER);	/* one-shot, unmasked */
}

static bool (*idle_hook)(void);

void dom_set_idle_hook(bool (*fn)(void))
{
	idle_hook = fn;
}

void dom_wait_event(void)
{
	dom_stack_check();
	if (idle_hook && idle_hook()) {	/* let pending interrupts in, then return */
		__asm__ __volatile__("sti; nop; cli" ::: "memory");
		return;
	}
	/* STI's one-instruction shadow makes sti;hlt atomic: an interrupt that
	 * became pending before it still wakes the HLT (SDM Vol. 2B, STI). */
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

static void flag_timer(struct dom_timer *t, void *arg)
{
	(void)t;
	*(volatile bool *)arg = true;
}

void dom_wait_event_timeout(unsigned int ms)
{
	struct dom_timer t = { 0 };
	bool fired = false;

	dom_timer_set(&t, dom_now_ns() + ms * 1000000ull, flag_timer, &fired);
	dom_wait_event();
	dom_timer_cancel(&t);
}

void dom_sleep_ms(unsigned int ms)
{
	struct dom_timer t = { 0 };
	volatile bool fired = false;

	dom_timer_set(&t, dom_now_ns() + ms * 1000000ull, flag_timer, (void *)&fired);
	while (!fired)
		dom_wait_event();
}
