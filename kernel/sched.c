/* The per-pCPU scheduling loop (mechanics of the queues are in runq.c). */
#include "sched.h"
#include "vtime.h"
#include "vcpu.h"
#include "domain.h"
#include "percpu.h"
#include "apic.h"
#include "traps.h"
#include "cpu.h"
#include "console.h"
#include "lib.h"
#include "iommu/iommu.h"

bool sched_idle_poll;
static u32 next_place;
static bool reap_flag[MAX_CPUS];
static bool resched_flag[MAX_CPUS];
static u64 slice_end[MAX_CPUS];	/* tick at which the running vCPU's slice ends */

u32 sched_place(void)
{
	return __atomic_fetch_add(&next_place, 1, __ATOMIC_RELAXED) % nr_cpus;
}

void sched_kick(unsigned cpu)
{
	if (cpu != this_cpu()->index)
		apic_send_ipi(pcpus[cpu].apic_id, VECTOR_KICK);
}

/* domain_unpause adds a domain's vCPUs once, refusing a dying domain; one
 * added after its domain started dying is reaped when it is picked. */
void sched_add(struct vcpu *v)
{
	struct runqueue *q = &pcpus[v->pcpu].rq;
	u64 f = irq_save();

	spin_lock(&q->lock);
	v->state = VCPU_RUNNABLE;
	v->cpu_next = pcpus[v->pcpu].vcpus;
	pcpus[v->pcpu].vcpus = v;
	runq_push(q, &v->rq);
	spin_unlock(&q->lock);
	irq_restore(f);
	sched_kick(v->pcpu);
}

void sched_wake(struct vcpu *v)
{
	struct runqueue *q = &pcpus[v->pcpu].rq;
	u64 f = irq_save();
	bool woke = false;

	spin_lock(&q->lock);
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		runq_push(q, &v->rq);
		woke = true;
	}
	spin_unlock(&q->lock);
	irq_restore(f);
	if (woke)
		sched_kick(v->pcpu);
}

void sched_block_until(struct vcpu *v, u64 wake_tsc)
{
	struct runqueue *q = &pcpus[v->pcpu].rq;

	spin_lock(&q->lock);
	v->wake_tsc = wake_tsc;
	spin_unlock(&q->lock);
	sched_block(v);
}

/*
 * A blocked vCPU is never on the run queue: a wake while it ran (below, or
 * from another CPU) may have queued it, and picking that stale entry later
 * would run a vCPU marked blocked, which then stays blocked with nothing
 * left to wake it once it stops (a lost wakeup, seen as a domain frozen
 * after a WRMSR with its timer off).
 */
void sched_block(struct vcpu *v)
{
	struct runqueue *q = &pcpus[v->pcpu].rq;

	spin_lock(&q->lock);
	if (v->state == VCPU_RUNNABLE) {
		v->state = VCPU_BLOCKED;
		runq_remove(q, &v->rq);
	}
	spin_unlock(&q->lock);
	/* An interrupt raised between the caller's check and the block found
	 * the vCPU still runnable and did not wake it: look again. */
	if (vcpu_has_event(v))
		sched_wake(v);
}

void sched_yield(struct vcpu *v)
{
	resched_flag[v->pcpu] = true;
}

void sched_reap(unsigned cpu)
{
	__atomic_store_n(&reap_flag[cpu], true, __ATOMIC_RELEASE);
	sched_kick(cpu);
}

/* Timer interrupt: wake vCPUs whose virtual timer or poll timeout expired, end slices. */
void sched_tick(void)
{
	struct pcpu *c = this_cpu();
	u64 now = rdtsc();
	struct vcpu *vtimer[8];
	unsigned nv = 0;

	c->ticks++;
	if (c->index == 0)
		console_poll_input();
	if (c->index == 0 && c->ticks % 100 == 0)	/* every 100 ms at TIMER_HZ */
		iommu_poll_faults();
	spin_lock(&c->rq.lock);
	for (struct vcpu *v = c->vcpus; v; v = v->cpu_next) {
		bool timeout = v->wake_tsc && now >= v->wake_tsc;
		u64 vt = __atomic_load_n(&v->vtimer_tsc, __ATOMIC_ACQUIRE);

		if (vt && now >= vt && nv < ARRAY_SIZE(vtimer))
			vtimer[nv++] = v;	/* raised below: that takes this lock */

		if (timeout)
			v->wake_tsc = 0;
		if ((!vlapic_timer_check(v, now) && !timeout) || v->state != VCPU_BLOCKED)
			continue;
		v->state = VCPU_RUNNABLE;
		runq_push(&c->rq, &v->rq);
	}
	if (c->ticks >= slice_end[c->index] && c->rq.nr)
		resched_flag[c->index] = true;
	spin_unlock(&c->rq.lock);
	/* Reaped only on this pCPU with interrupts off: these vCPUs still exist. */
	for (unsigned i = 0; i < nv; i++)
		vtime_check(vtimer[i], now);
}

/*
 * Tears down this pCPU's vCPUs of dying domains. The list walk is under the
 * run-queue lock: sched_add pushes onto c->vcpus from other CPUs, and an
 * unlink racing with that push could drop the new vCPU from the list. Only
 * the vendor state is freed here, on the CPU it was used on (a VMCS is
 * cleared where it is active, SDM Vol 3C 25.11.1); the struct vcpu stays
 * until its domain is freed, so d->vcpus[] never dangles for a CPU holding
 * a reference on d. Interrupts are off.
 */
static void reap(struct pcpu *c)
{
	struct vcpu *gone = NULL;

	__atomic_store_n(&reap_flag[c->index], false, __ATOMIC_RELEASE);
	spin_lock(&c->rq.lock);
	for (struct vcpu **pp = &c->vcpus; *pp;) {
		struct vcpu *v = *pp;

		if (!__atomic_load_n(&v->domain->dying, __ATOMIC_ACQUIRE)) {
			pp = &v->cpu_next;
			continue;
		}
		runq_remove(&c->rq, &v->rq);
		v->state = VCPU_DOWN;
		*pp = v->cpu_next;
		v->cpu_next = gone;
		gone = v;
	}
	spin_unlock(&c->rq.lock);
	while (gone) {
		struct vcpu *v = gone;

		gone = v->cpu_next;
		if (c->current == v)
			c->current = NULL;
		virt->vcpu_destroy(v);
		domain_vcpu_gone(v->domain);	/* its domain's last put frees v */
	}
}

static struct vcpu *pick(struct pcpu *c)
{
	struct rq_node *n;

	spin_lock(&c->rq.lock);
	n = runq_pop(&c->rq);
	spin_unlock(&c->rq.lock);
	return n ? container_of(n, struct vcpu, rq) : NULL;
}

/* Runs v until its slice ends, it blocks, or its domain dies. */
static void run_slice(struct pcpu *c, struct vcpu *v)
{
	slice_end[c->index] = c->ticks + SCHED_SLICE_TICKS;
	resched_flag[c->index] = false;
	do {
		vcpu_enter(v);
		/* Take the interrupt that caused the exit, if any: the NOP sits in
		 * STI's one-instruction shadow so the interrupt lands before CLI. */
		__asm__ __volatile__("sti; nop; cli" ::: "memory");
	} while (v->state == VCPU_RUNNABLE && !resched_flag[c->index] &&
		 !__atomic_load_n(&reap_flag[c->index], __ATOMIC_ACQUIRE) &&
		 !READ_ONCE(v->domain->pause_count));
	spin_lock(&c->rq.lock);
	if (v->state == VCPU_RUNNABLE)
		runq_push(&c->rq, &v->rq);
	spin_unlock(&c->rq.lock);
}

void sched_loop(void)
{
	struct pcpu *c = this_cpu();

	for (;;) {
		struct vcpu *v;
		u64 t0 = rdtsc();

		irq_disable();
		if (__atomic_load_n(&reap_flag[c->index], __ATOMIC_ACQUIRE))
			reap(c);
		v = pick(c);
		if (!v && sched_idle_poll) {
			/* The interrupt window is the NOP, as in run_slice; PAUSE
			 * comes after CLI: QEMU's PAUSE leaves its CPU loop, and
			 * an STI shadow on it never opened the window. */
			__asm__ __volatile__("sti; nop; cli; pause" ::: "memory");
		} else if (!v) {
			/* STI's one-instruction shadow makes sti;hlt race-free. */
			__asm__ __volatile__("sti; hlt" ::: "memory");
		}
		if (!v) {
			c->idle_tsc += rdtsc() - t0;	/* the 'q' dump's idle ticks */
			continue;
		}
		if (__atomic_load_n(&v->domain->dying, __ATOMIC_ACQUIRE)) {
			reap(c);
			continue;
		}
		if (v->state != VCPU_RUNNABLE)	/* never queued blocked (sched_block); cheap to check */
			continue;
		if (READ_ONCE(v->domain->pause_count)) {	/* domain_unpause wakes it */
			sched_block(v);
			continue;
		}
		run_slice(c, v);
	}
}
