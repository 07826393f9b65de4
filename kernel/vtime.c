/* Xen's PV time (vtime.h). */
#include "vtime.h"
#include "vcpu.h"
#include "domain.h"
#include "evtchn.h"
#include "guestmem.h"
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "public/vcpu.h"
#include "public/shared_info.h"
#include "public/event_channel.h"

/* ns per TSC tick as mul * 2^shift / 2^32 with 2^31 <= mul < 2^32 (the
 * pvclock form): halve or double the ratio 1e9 / tsc_hz into [1/2, 1). */
static void scale(u32 *mul, s8 *shift)
{
	u64 num = 1000000000ull, den = tsc_per_ms * 1000;
	s8 s = 0;

	while (num >= den) {
		den <<= 1;
		s++;
	}
	while (num < den / 2) {
		num <<= 1;
		s--;
	}
	*mul = 0;
	for (int i = 0; i < 32; i++) {	/* num * 2^32 / den, bit by bit: num < den */
		num <<= 1;
		*mul <<= 1;
		if (num >= den) {
			num -= den;
			*mul |= 1;
		}
	}
	*shift = s;
}

/* System time counts from the core's start (boot_tsc), as SCHEDOP_poll's
 * timeouts do: every vCPU and domain agrees, and nothing needs rewriting
 * while the TSC stays the host's. */
void vtime_fill(struct vcpu_info *vi)
{
	struct vcpu_time_info *t = &vi->time;

	__atomic_store_n(&t->version, t->version | 1, __ATOMIC_RELEASE);	/* odd: changing */
	t->tsc_timestamp = boot_tsc;
	t->system_time = 0;
	scale(&t->tsc_to_system_mul, &t->tsc_shift);
	t->flags = PVCLOCK_TSC_STABLE_BIT;
	__atomic_store_n(&t->version, (t->version | 1) + 1, __ATOMIC_RELEASE);
}

static u64 now_ns(void);
static u64 wallclock_ns;	/* ns since 1970 at system time 0 */

void vtime_set_wallclock(u64 unix_now)
{
	u64 since_boot = now_ns();

	if (unix_now && unix_now * 1000000000ull > since_boot)
		wallclock_ns = unix_now * 1000000000ull - since_boot;
}

void vtime_fill_wallclock(struct shared_info *s)
{
	u64 sec = wallclock_ns / 1000000000ull;

	__atomic_store_n(&s->wc_version, s->wc_version | 1, __ATOMIC_RELEASE);
	s->wc_sec = (u32)sec;
	s->wc_sec_hi = (u32)(sec >> 32);
	s->wc_nsec = (u32)(wallclock_ns % 1000000000ull);
	__atomic_store_n(&s->wc_version, (s->wc_version | 1) + 1, __ATOMIC_RELEASE);
}

u64 vtime_ns_to_tsc(u64 ns)
{
	return boot_tsc + ns / 1000000 * tsc_per_ms + ns % 1000000 * tsc_per_ms / 1000000;
}

static u64 now_ns(void)
{
	u64 d = rdtsc() - boot_tsc;

	return d / tsc_per_ms * 1000000 + d % tsc_per_ms * 1000000 / tsc_per_ms;
}

long vtime_vcpu_op(struct vcpu *v, u32 cmd, u32 id, u64 arg)
{
	struct vcpu_set_singleshot_timer t;

	switch (cmd) {
	case VCPUOP_set_singleshot_timer:
		if (id != v->id)
			return -EINVAL;	/* Xen: only the calling vCPU's own */
		if (copy_from_guest(v, &t, arg, sizeof(t)))
			return -EFAULT;
		if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < now_ns())
			return -ETIME;
		/* 0 means off: a timeout at TSC 0 fires at the next tick anyway. */
		__atomic_store_n(&v->vtimer_tsc, MAX(vtime_ns_to_tsc(t.timeout_abs_ns), 1ull),
				 __ATOMIC_RELEASE);
		return 0;
	case VCPUOP_stop_singleshot_timer:
		if (id != v->id)
			return -EINVAL;
		__atomic_store_n(&v->vtimer_tsc, 0, __ATOMIC_RELEASE);
		return 0;
	case VCPUOP_stop_periodic_timer:
		return 0;	/* there is none to stop */
	case VCPUOP_register_runstate_memory_area:
		return 0;	/* accepted, never written: no steal time (vcpu.h) */
	default:
		return -ENOSYS;
	}
}

void vtime_check(struct vcpu *v, u64 now_tsc)
{
	u64 due = __atomic_load_n(&v->vtimer_tsc, __ATOMIC_ACQUIRE);

	if (!due || now_tsc < due ||
	    !__atomic_compare_exchange_n(&v->vtimer_tsc, &due, 0, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	evtchn_send_virq_vcpu(v, VIRQ_TIMER);
}
