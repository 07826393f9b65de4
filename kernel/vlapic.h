/*
 * The virtual local APIC: the one device the core emulates, because
 * interrupt delivery and the timer are scheduling (SDM Vol 3A ch. 10).
 * Reached through the x2APIC MSRs (0x800-0x8ff) and, for HVM guests, the
 * xAPIC MMIO page (at APIC_BASE, 0xfee00000 after reset) through the MMIO
 * emulator. Timer: one-shot, periodic and TSC-deadline, on the host TSC
 * (guests see the host TSC unchanged, so every vCPU and the device model
 * share one clock). IPIs, INIT and SIPI reach the other vCPUs of the domain.
 */
#ifndef BULKHEAD_VLAPIC_H
#define BULKHEAD_VLAPIC_H

#include "types.h"

struct vcpu;
struct domain;

#define VLAPIC_HZ 100000000ull	/* timer input clock before the divider */
#define VLAPIC_LVTS 7		/* CMCI, timer, thermal, perf, LINT0, LINT1, error */
#define VLAPIC_DEFAULT_BASE 0xfee00000ull

/* (P): touched only on the owning pCPU, except irr/tmr (atomic, any pCPU). */
struct vlapic {
	u64 irr[4];		/* requested vectors (A) */
	u64 tmr[4];		/* level-triggered (A, set with irr) */
	u64 isr[4];		/* in service */
	u32 svr, tpr, ldr, dfr, icr_hi;
	u32 lvt[VLAPIC_LVTS];
	u32 divide, initial_count;
	u64 deadline_tsc;	/* 0 = timer not armed */
	u64 period_tsc;		/* periodic mode: reload interval */
	u64 base;		/* IA32_APIC_BASE: address | EN | EXTD | BSP */
	bool x2apic;		/* EXTD: x2APIC mode */
	bool nmi_pending;	/* (A) */
};

void vlapic_init(struct vcpu *v, bool x2apic);
/* MSR accesses in 0x800-0x8ff: 0 or -EINVAL (the caller injects #GP). */
int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);
/* IA32_APIC_BASE and IA32_TSC_DEADLINE. */
u64 vlapic_base(const struct vcpu *v);
int vlapic_set_base(struct vcpu *v, u64 val);
u64 vlapic_tsc_deadline(const struct vcpu *v);
void vlapic_set_tsc_deadline(struct vcpu *v, u64 tsc);
/* True when gpa is in v's xAPIC MMIO page (enabled, not x2APIC). */
bool vlapic_mmio_hit(const struct vcpu *v, u64 gpa);
/* A 1-4 byte access in that page (offset within it); reads of parts of a
 * register are shifted. */
u32 vlapic_mmio_read(struct vcpu *v, u32 off, unsigned size);
void vlapic_mmio_write(struct vcpu *v, u32 off, unsigned size, u32 val);
/* Raise vector (16-255) as pending, level-triggered or not; any pCPU. The
 * caller wakes the vCPU (vlapic_kick). */
void vlapic_set_irq(struct vcpu *v, u8 vector);
void vlapic_set_irq_level(struct vcpu *v, u8 vector, bool level);
/* Wakes v and makes a running v look at its interrupts. */
void vlapic_kick(struct vcpu *v);
/* Delivers an interrupt message to the matching vCPUs of d (ICR and MSI
 * alike): dest is the APIC id (physical) or a logical mask; delmode 0 fixed,
 * 1 lowest priority, 4 NMI, 5 INIT, 6 SIPI. */
void vlapic_deliver(struct domain *d, u32 dest, bool logical, u32 delmode, u8 vector,
		    bool level);
/* Fire the timer if its deadline is at or before now. True if it fired. */
bool vlapic_timer_check(struct vcpu *v, u64 now_tsc);
/* Highest pending vector that may be delivered now, or -1. */
int vlapic_pending(const struct vcpu *v);
/* The vector is being injected: move it from IRR to ISR. */
void vlapic_ack(struct vcpu *v, u8 vector);
/* LINT0 takes ExtINT (virtual wire: the APIC disabled, or LVT0 unmasked ExtINT). */
bool vlapic_accepts_extint(const struct vcpu *v);

#endif
