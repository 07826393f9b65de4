/* The virtual local APIC (vlapic.h; SDM Vol 3A ch. 10): xAPIC MMIO and
 * x2APIC MSRs over one register file, the timer, IPIs, INIT/SIPI, EOI. */
#include "vlapic.h"
#include "vcpu.h"
#include "domain.h"
#include "hvm.h"
#include "sched.h"
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"

/* Register indices: xAPIC offset >> 4 = x2APIC MSR - 0x800 (SDM Table 10-6). */
enum {
	R_ID = 0x02, R_VER = 0x03, R_TPR = 0x08, R_APR = 0x09, R_PPR = 0x0a, R_EOI = 0x0b,
	R_LDR = 0x0d, R_DFR = 0x0e, R_SVR = 0x0f, R_ISR = 0x10, R_TMR = 0x18, R_IRR = 0x20,
	R_ESR = 0x28, R_CMCI = 0x2f, R_ICR = 0x30, R_ICR2 = 0x31, R_TIMER = 0x32,
	R_LINT0 = 0x35, R_ERROR = 0x37, R_TMICT = 0x38, R_TMCCT = 0x39, R_TDCR = 0x3e,
	R_SELF_IPI = 0x3f,
};

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE (3u << 17)
#define TIMER_PERIODIC (1u << 17)
#define TIMER_DEADLINE (2u << 17)
#define SVR_ENABLE (1u << 8)
#define BASE_BSP (1ull << 8)
#define BASE_EXTD (1ull << 10)
#define BASE_EN (1ull << 11)
#define DELMODE_EXTINT 7u

static void bit_set(u64 *map, unsigned v) { map[v / 64] |= 1ull << (v % 64); }
static void bit_clear(u64 *map, unsigned v) { map[v / 64] &= ~(1ull << (v % 64)); }
static bool bit_test(const u64 *map, unsigned v) { return map[v / 64] >> (v % 64) & 1; }

static int highest(const u64 *map)
{
	for (int w = 3; w >= 0; w--) {
		u64 x = __atomic_load_n(&map[w], __ATOMIC_ACQUIRE);

		if (x)
			return w * 64 + 63 - __builtin_clzll(x);
	}
	return -1;
}

static u32 *lvt(struct vlapic *l, unsigned reg)
{
	return &l->lvt[reg == R_CMCI ? 0 : reg - R_TIMER + 1];
}

void vlapic_init(struct vcpu *v, bool x2apic)
{
	struct vlapic *l = &v->lapic;

	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < VLAPIC_LVTS; i++)
		l->lvt[i] = LVT_MASKED;
	l->svr = 0xff;
	l->dfr = 0xffffffff;
	l->x2apic = x2apic;
	l->base = VLAPIC_DEFAULT_BASE | BASE_EN | (x2apic ? BASE_EXTD : 0) |
		  (v->id == 0 ? BASE_BSP : 0);
}

/* Divide configuration register encoding (SDM Figure 10-10): bits 0,1,3. */
static u64 tsc_per_count(const struct vlapic *l)
{
	u32 code = (l->divide & 3) | ((l->divide >> 1) & 4);
	u64 div = code == 7 ? 1 : 2u << code;

	return div * tsc_per_ms / (VLAPIC_HZ / 1000);
}

static void timer_arm(struct vlapic *l)
{
	l->deadline_tsc = 0;
	l->period_tsc = 0;
	if (!l->initial_count || (l->lvt[1] & LVT_TIMER_MODE) == TIMER_DEADLINE)
		return;
	l->period_tsc = MAX(l->initial_count * tsc_per_count(l), 1ull);
	l->deadline_tsc = rdtsc() + l->period_tsc;
}

static u32 timer_current(const struct vlapic *l)
{
	u64 now = rdtsc(), per = tsc_per_count(l);

	if (!l->deadline_tsc || !l->period_tsc || now >= l->deadline_tsc || !per)
		return 0;
	return (u32)((l->deadline_tsc - now) / per);
}

bool vlapic_timer_check(struct vcpu *v, u64 now)
{
	struct vlapic *l = &v->lapic;

	if (!l->deadline_tsc || now < l->deadline_tsc)
		return false;
	l->deadline_tsc = (l->lvt[1] & LVT_TIMER_MODE) == TIMER_PERIODIC ? now + l->period_tsc : 0;
	if (l->lvt[1] & LVT_MASKED || !(l->svr & SVR_ENABLE))
		return false;
	vlapic_set_irq(v, (u8)l->lvt[1]);
	return true;
}

u64 vlapic_tsc_deadline(const struct vcpu *v)
{
	const struct vlapic *l = &v->lapic;

	return (l->lvt[1] & LVT_TIMER_MODE) == TIMER_DEADLINE ? l->deadline_tsc : 0;
}

void vlapic_set_tsc_deadline(struct vcpu *v, u64 tsc)
{
	struct vlapic *l = &v->lapic;

	if ((l->lvt[1] & LVT_TIMER_MODE) != TIMER_DEADLINE)
		return;		/* SDM 10.5.4.1: ignored outside TSC-deadline mode */
	l->period_tsc = 0;
	l->deadline_tsc = tsc;
}

void vlapic_set_irq_level(struct vcpu *v, u8 vector, bool level)
{
	u64 m = 1ull << (vector % 64);

	if (vector < 16)
		return;
	if (level)
		__atomic_fetch_or(&v->lapic.tmr[vector / 64], m, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&v->lapic.tmr[vector / 64], ~m, __ATOMIC_RELEASE);
	__atomic_fetch_or(&v->lapic.irr[vector / 64], m, __ATOMIC_RELEASE);
}

void vlapic_set_irq(struct vcpu *v, u8 vector)
{
	vlapic_set_irq_level(v, vector, false);
}

void vlapic_kick(struct vcpu *v)
{
	sched_wake(v);
	sched_kick(v->pcpu);	/* a running vCPU takes it at its next entry */
}

int vlapic_pending(const struct vcpu *v)
{
	const struct vlapic *l = &v->lapic;
	int irr = highest(l->irr), isr;

	if (irr < 0)	/* the common case at every entry: nothing requested */
		return -1;
	isr = highest(l->isr);
	/* Priority classes: a vector is taken only above what is in service and TPR. */
	if ((isr >= 0 && (irr >> 4) <= (isr >> 4)) || (irr >> 4) <= (int)(l->tpr >> 4))
		return -1;
	return irr;
}

void vlapic_ack(struct vcpu *v, u8 vector)
{
	__atomic_fetch_and(&v->lapic.irr[vector / 64], ~(1ull << (vector % 64)), __ATOMIC_ACQ_REL);
	bit_set(v->lapic.isr, vector);
}

bool vlapic_accepts_extint(const struct vcpu *v)
{
	const struct vlapic *l = &v->lapic;
	u32 lint0 = l->lvt[R_LINT0 - R_TIMER + 1];

	if (!(l->base & BASE_EN))
		return true;
	return (l->svr & SVR_ENABLE) && !(lint0 & LVT_MASKED) &&
	       ((lint0 >> 8) & 7) == DELMODE_EXTINT;
}

static void eoi(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	int vec = highest(l->isr);

	if (vec < 0)
		return;
	bit_clear(l->isr, (unsigned)vec);
	if (bit_test(l->tmr, (unsigned)vec) && v->domain->hvm) {
		__atomic_fetch_and(&l->tmr[vec / 64], ~(1ull << (vec % 64)), __ATOMIC_ACQ_REL);
		hvm_eoi(v, (u8)vec);
	}
}

/* Does v's APIC accept dest (SDM 10.6.2)? */
static bool match(const struct vcpu *v, u32 dest, bool logical)
{
	const struct vlapic *l = &v->lapic;

	if (!logical)
		return dest == v->id || dest == (l->x2apic ? 0xffffffffu : 0xffu);
	if (l->x2apic)
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	if ((l->dfr >> 28) == 0xf)	/* flat */
		return (l->ldr >> 24) & dest & 0xff;
	return ((l->ldr >> 28) == ((dest >> 4) & 0xf)) && ((l->ldr >> 24) & dest & 0xf);
}

static void deliver_one(struct vcpu *t, u32 delmode, u8 vector, bool level)
{
	switch (delmode) {
	case 0:
	case 1:
		vlapic_set_irq_level(t, vector, level);
		vlapic_kick(t);
		break;
	case 4:
		__atomic_store_n(&t->lapic.nmi_pending, true, __ATOMIC_RELEASE);
		vlapic_kick(t);
		break;
	case 5:
		if (t->domain->hvm)
			hvm_init_ipi(t);
		break;
	case 6:
		if (t->domain->hvm)
			hvm_sipi(t, vector);
		break;
	default:	/* SMI, ExtINT by message, reserved: not delivered */
		break;
	}
}

void vlapic_deliver(struct domain *d, u32 dest, bool logical, u32 delmode, u8 vector, bool level)
{
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *t = d->vcpus[i];

		if (t && match(t, dest, logical)) {
			deliver_one(t, delmode, vector, level);
			if (delmode == 1)
				return;		/* lowest priority: one target */
		}
	}
}

/* ICR write (SDM 10.6.1): shorthand, destination, mode. */
static void send_ipi(struct vcpu *v, u32 lo, u32 dest)
{
	struct domain *d = v->domain;
	u32 shorthand = (lo >> 18) & 3, delmode = (lo >> 8) & 7;
	bool level = (lo >> 15) & 1;

	if (delmode == 5 && level && !((lo >> 14) & 1))
		return;		/* INIT level de-assert: nothing to do */
	if (shorthand == 0) {
		vlapic_deliver(d, dest, (lo >> 11) & 1, delmode, (u8)lo, false);
		return;
	}
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *t = d->vcpus[i];

		if (t && (shorthand == 2 || (shorthand == 1) == (t == v)))
			deliver_one(t, delmode, (u8)lo, false);
	}
}

static u32 ppr(const struct vlapic *l)
{
	int isr = highest(l->isr);

	return MAX(l->tpr & 0xf0, isr < 0 ? 0u : (u32)isr & 0xf0);
}

static int read_reg(struct vcpu *v, unsigned reg, u64 *val)
{
	struct vlapic *l = &v->lapic;

	if (reg >= R_ISR && reg < R_ISR + 8)
		*val = (u32)(l->isr[(reg - R_ISR) / 2] >> ((reg & 1) * 32));
	else if (reg >= R_TMR && reg < R_TMR + 8)
		*val = (u32)(l->tmr[(reg - R_TMR) / 2] >> ((reg & 1) * 32));
	else if (reg >= R_IRR && reg < R_IRR + 8)
		*val = (u32)(__atomic_load_n(&l->irr[(reg - R_IRR) / 2], __ATOMIC_ACQUIRE) >>
			     ((reg & 1) * 32));
	else if (reg == R_CMCI || (reg >= R_TIMER && reg <= R_ERROR))
		*val = *lvt(l, reg);
	else {
		switch (reg) {
		case R_ID: *val = l->x2apic ? v->id : v->id << 24; break;
		case R_VER: *val = 0x60014; break;	/* version 0x14, 7 LVT entries */
		case R_TPR: *val = l->tpr; break;
		case R_APR: *val = 0; break;
		case R_PPR: *val = ppr(l); break;
		case R_LDR: *val = l->ldr; break;
		case R_DFR: if (l->x2apic) return -EINVAL; *val = l->dfr; break;
		case R_SVR: *val = l->svr; break;
		case R_ESR: *val = 0; break;
		case R_ICR: *val = 0; break;	/* delivery status: idle */
		case R_ICR2: if (l->x2apic) return -EINVAL; *val = l->icr_hi; break;
		case R_TMICT: *val = l->initial_count; break;
		case R_TMCCT: *val = timer_current(l); break;
		case R_TDCR: *val = l->divide; break;
		default: return -EINVAL;
		}
	}
	return 0;
}

static void write_lvt(struct vlapic *l, unsigned reg, u32 val)
{
	static const u32 wmask[] = { 0x107ff, 0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff };
	u32 *e = lvt(l, reg), old = *e;

	if (!(l->svr & SVR_ENABLE))
		val |= LVT_MASKED;
	*e = val & wmask[e - l->lvt];
	if (e == &l->lvt[1] && (old ^ *e) & LVT_TIMER_MODE) {
		l->deadline_tsc = 0;	/* a mode change disarms (SDM 10.5.4.1) */
		l->period_tsc = 0;
	}
}

static int write_reg(struct vcpu *v, unsigned reg, u32 val, u32 hi)
{
	struct vlapic *l = &v->lapic;

	if (reg == R_CMCI || (reg >= R_TIMER && reg <= R_ERROR)) {
		write_lvt(l, reg, val);
		return 0;
	}
	switch (reg) {
	case R_ESR:
		return 0;	/* a write re-arms it (SDM 10.5.3); no errors to latch */
	case R_ID: case R_VER: case R_APR: case R_PPR: case R_TMCCT:
		return l->x2apic ? -EINVAL : 0;	/* read-only (xAPIC: ignored) */
	case R_TPR: l->tpr = val & 0xff; return 0;
	case R_EOI: eoi(v); return 0;
	case R_LDR: if (l->x2apic) return -EINVAL; l->ldr = val & 0xff000000; return 0;
	case R_DFR: if (l->x2apic) return -EINVAL; l->dfr = val | 0x0fffffff; return 0;
	case R_SVR:
		l->svr = val & 0x13ff;
		if (!(l->svr & SVR_ENABLE))
			for (unsigned i = 0; i < VLAPIC_LVTS; i++)
				l->lvt[i] |= LVT_MASKED;
		return 0;
	case R_ICR: send_ipi(v, val, l->x2apic ? hi : l->icr_hi >> 24); return 0;
	case R_ICR2: if (l->x2apic) return -EINVAL; l->icr_hi = val & 0xff000000; return 0;
	case R_TMICT: l->initial_count = val; timer_arm(l); return 0;
	case R_TDCR: l->divide = val & 0xb; return 0;
	case R_SELF_IPI: if (!l->x2apic) return -EINVAL; vlapic_set_irq(v, (u8)val); return 0;
	default: return -EINVAL;
	}
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	unsigned reg = msr - 0x800;

	if (!v->lapic.x2apic || reg == R_EOI || reg == R_SELF_IPI)
		return -EINVAL;
	if (reg == R_ICR) {	/* 64-bit in x2APIC mode, delivery status 0 */
		*val = 0;
		return 0;
	}
	return read_reg(v, reg, val);
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	unsigned reg = msr - 0x800;

	if (!v->lapic.x2apic || (reg != R_ICR && val >> 32))
		return -EINVAL;
	return write_reg(v, reg, (u32)val, (u32)(val >> 32));
}

u64 vlapic_base(const struct vcpu *v)
{
	return v->lapic.base;
}

/* IA32_APIC_BASE (SDM 10.4.4, 10.12.5): enable, x2APIC; no relocation,
 * EXTD only with EN, and x2APIC back to xAPIC only through disabled. */
int vlapic_set_base(struct vcpu *v, u64 val)
{
	struct vlapic *l = &v->lapic;
	bool en = val & BASE_EN, extd = val & BASE_EXTD;

	if ((val & ~0xfffull) != VLAPIC_DEFAULT_BASE || (val & 0x2ff) || (extd && !en) ||
	    (l->x2apic && en && !extd))
		return -EINVAL;
	l->base = val & ~BASE_BSP;
	l->base |= v->id == 0 ? BASE_BSP : 0;
	if (extd && !l->x2apic)
		l->ldr = ((v->id >> 4) << 16) | (1u << (v->id & 0xf));
	l->x2apic = extd;
	return 0;
}

bool vlapic_mmio_hit(const struct vcpu *v, u64 gpa)
{
	const struct vlapic *l = &v->lapic;

	return (l->base & BASE_EN) && !l->x2apic && (gpa & ~0xfffull) == VLAPIC_DEFAULT_BASE;
}

u32 vlapic_mmio_read(struct vcpu *v, u32 off, unsigned size)
{
	u64 val = 0;

	if ((off & 0xf) + size > 4 || read_reg(v, (off >> 4) & 0xff, &val))
		return 0;
	return (u32)(val >> ((off & 3) * 8));
}

void vlapic_mmio_write(struct vcpu *v, u32 off, unsigned size, u32 val)
{
	if ((off & 0xf) == 0 && size == 4)	/* SDM 10.4.1: aligned 32-bit only */
		write_reg(v, (off >> 4) & 0xff, val, 0);
}
