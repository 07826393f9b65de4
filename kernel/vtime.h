/*
 * Xen's PV time for every domain (public/shared_info.h, public/vcpu.h): the
 * pvclock in each vcpu_info (the TSC is the host's for every vCPU, constant
 * and synchronized, so one scale serves all and never changes) and each
 * vCPU's single-shot timer, which raises its VIRQ_TIMER.
 */
#ifndef BULKHEAD_VTIME_H
#define BULKHEAD_VTIME_H

#include "types.h"

struct vcpu;
struct vcpu_info;
struct shared_info;

/* The TSC at system time ns (Xen's absolute timeouts). */
u64 vtime_ns_to_tsc(u64 ns);
/* Fills vi's pvclock (a new shared_info slot or a registered vcpu_info). */
void vtime_fill(struct vcpu_info *vi);
/* The wall-clock time at system time 0, from seconds since 1970 now (0:
 * unknown, left at 1970 as before). Once at boot, before any domain. */
void vtime_set_wallclock(u64 unix_now);
/* Writes it into a new shared_info's wc_* fields. */
void vtime_fill_wallclock(struct shared_info *s);
/* VCPUOP_* timer commands for vCPU id (the caller checked it exists). */
long vtime_vcpu_op(struct vcpu *v, u32 cmd, u32 id, u64 arg);
/* From sched_tick, under nothing: raises VIRQ_TIMER if v's timer expired. */
void vtime_check(struct vcpu *v, u64 now_tsc);

#endif
