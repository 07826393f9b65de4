/*
 * The virtual local APIC: the one device the core emulates, because
 * interrupt delivery and the timer are scheduling. Reached through the
 * x2APIC MSRs (0x800-0x8ff) only; the xAPIC MMIO page is a device model's.
 */
#ifndef BULKHEAD_VLAPIC_H
#define BULKHEAD_VLAPIC_H

#include "types.h"

struct vcpu;

#define VLAPIC_HZ 100000000ull	/* timer input clock before the divider */

/* (P): touched only on the owning pCPU. */
struct vlapic {
	u64 irr[4];		/* requested vectors */
	u64 isr[4];		/* vectors in service */
	u32 svr, tpr;
	u32 lvt_timer, divide, initial_count;
	u64 deadline_tsc;	/* 0 = timer not armed */
	u64 period_tsc;		/* periodic mode: reload interval */
	bool x2apic;		/* the guest enabled x2APIC mode */
};

void vlapic_init(struct vcpu *v);
/* MSR accesses in 0x800-0x8ff: 0 or -EINVAL (the caller injects #GP). */
int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);
/* Raise vector (16-255) as pending. */
void vlapic_set_irq(struct vcpu *v, u8 vector);
/* Fire the timer if its deadline is at or before now. True if it fired. */
bool vlapic_timer_check(struct vcpu *v, u64 now_tsc);
/* Highest pending vector that may be delivered now, or -1. */
int vlapic_pending(const struct vcpu *v);
/* The vector is being injected: move it from IRR to ISR. */
void vlapic_ack(struct vcpu *v, u8 vector);

#endif
