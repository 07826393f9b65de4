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

/* The TSC at system time ns (Xen's absolute timeouts). */
u64 vtime_ns_to_tsc(u64 ns);
/* Fills vi's pvclock (a new shared_info slot or a registered vcpu_info). */
void vtime_fill(struct vcpu_info *vi);
/* VCPUOP_* timer commands for vCPU id (the caller checked it exists). */
long vtime_vcpu_op(struct vcpu *v, u32 cmd, u32 id, u64 arg);
/* From sched_tick, under nothing: raises VIRQ_TIMER if v's timer expired. */
void vtime_check(struct vcpu *v, u64 now_tsc);

#endif
