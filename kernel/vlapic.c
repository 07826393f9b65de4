/* Virtual local APIC through x2APIC MSRs (SDM Vol 3A 10.12): IRR/ISR, EOI, timer. */
#include "vlapic.h"
#include "vcpu.h"
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"

#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_PPR 0x80a
#define X2APIC_EOI 0x80b
#define X2APIC_LDR 0x80d
#define X2APIC_SVR 0x80f
#define X2APIC_ISR0 0x810
#define X2APIC_IRR0 0x820
#define X2APIC_ESR 0x828
#define X2APIC_ICR 0x830
#define X2APIC_LVT_FIRST 0x82f
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_LVT_LAST 0x837
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_TDCR 0x83e
#define X2APIC_SELF_IPI 0x83f

#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)

static void bit_set(u64 *map, unsigned v) { map[v / 64] |= 1ull << (v % 64); }
static void bit_clear(u64 *map, unsigned v) { map[v / 64] &= ~(1ull << (v % 64)); }

static int highest(const u64 *map)
{
	for (int w = 3; w >= 0; w--)
		if (map[w])
			return w * 64 + 63 - __builtin_clzll(map[w]);
	return -1;
}

void vlapic_init(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;

	memset(l, 0, sizeof(*l));
	l->lvt_timer = LVT_MASKED;
	l->svr = 0xff;
	l->x2apic = true;
}

/* Divide configuration register encoding (SDM Figure 10-10): bits 0,1,3. */
static u32 divisor(u32 tdcr)
{
	u32 code = (tdcr & 3) | ((tdcr >> 1) & 4);

	return code == 7 ? 1 : 2u << code;
}

static u64 count_to_tsc(struct vlapic *l, u64 count)
{
	return count * divisor(l->divide) * tsc_per_ms / (VLAPIC_HZ / 1000);
}

static void timer_arm(struct vlapic *l)
{
	u64 now = rdtsc();

	l->deadline_tsc = 0;
	l->period_tsc = 0;
	if (!l->initial_count)
		return;
	l->period_tsc = count_to_tsc(l, l->initial_count);
	if (!l->period_tsc)
		l->period_tsc = 1;
	l->deadline_tsc = now + l->period_tsc;
}

static u32 timer_current(struct vlapic *l)
{
	u64 now = rdtsc(), left, per;

	if (!l->deadline_tsc || now >= l->deadline_tsc)
		return 0;
	left = l->deadline_tsc - now;
	per = divisor(l->divide) * tsc_per_ms / (VLAPIC_HZ / 1000);
	return (u32)(per ? left / per : 0);
}

bool vlapic_timer_check(struct vcpu *v, u64 now)
{
	struct vlapic *l = &v->lapic;

	if (!l->deadline_tsc || now < l->deadline_tsc)
		return false;
	l->deadline_tsc = (l->lvt_timer & LVT_PERIODIC) ? now + l->period_tsc : 0;
	if (l->lvt_timer & LVT_MASKED || !(l->svr & SVR_ENABLE))
		return false;
	vlapic_set_irq(v, (u8)l->lvt_timer);
	return true;
}

void vlapic_set_irq(struct vcpu *v, u8 vector)
{
	if (vector >= 16)
		__atomic_fetch_or(&v->lapic.irr[vector / 64], 1ull << (vector % 64), __ATOMIC_RELEASE);
}

int vlapic_pending(const struct vcpu *v)
{
	const struct vlapic *l = &v->lapic;
	int irr = highest(l->irr), isr = highest(l->isr);

	/* Priority classes: a vector is taken only above what is in service and TPR. */
	if (irr < 0 || (isr >= 0 && (irr >> 4) <= (isr >> 4)) || (irr >> 4) <= (int)(l->tpr >> 4))
		return -1;
	return irr;
}

void vlapic_ack(struct vcpu *v, u8 vector)
{
	__atomic_fetch_and(&v->lapic.irr[vector / 64], ~(1ull << (vector % 64)), __ATOMIC_ACQ_REL);
	bit_set(v->lapic.isr, vector);
}

static int read_reg(struct vcpu *v, u32 msr, u64 *val)
{
	struct vlapic *l = &v->lapic;

	if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8)
		*val = (u32)(l->isr[(msr - X2APIC_ISR0) / 2] >> ((msr & 1) * 32));
	else if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8)
		*val = (u32)(l->irr[(msr - X2APIC_IRR0) / 2] >> ((msr & 1) * 32));
	else if (msr == X2APIC_ID)
		*val = v->id;
	else if (msr == X2APIC_VERSION)
		*val = 0x50014;	/* version 0x14, 6 LVT entries */
	else if (msr == X2APIC_TPR)
		*val = l->tpr;
	else if (msr == X2APIC_PPR)
		*val = MAX(l->tpr & 0xf0, highest(l->isr) < 0 ? 0u : (u32)highest(l->isr) & 0xf0);
	else if (msr == X2APIC_LDR)
		*val = ((v->id >> 4) << 16) | (1u << (v->id & 0xf));
	else if (msr == X2APIC_SVR)
		*val = l->svr;
	else if (msr == X2APIC_LVT_TIMER)
		*val = l->lvt_timer;
	else if (msr >= X2APIC_LVT_FIRST && msr <= X2APIC_LVT_LAST)
		*val = LVT_MASKED;
	else if (msr == X2APIC_TMICT)
		*val = l->initial_count;
	else if (msr == X2APIC_TMCCT)
		*val = timer_current(l);
	else if (msr == X2APIC_TDCR)
		*val = l->divide;
	else if (msr == X2APIC_ESR)
		*val = 0;
	else
		return -EINVAL;
	return 0;
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (!v->lapic.x2apic || msr == X2APIC_EOI || msr == X2APIC_SELF_IPI)
		return -EINVAL;
	return read_reg(v, msr, val);
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic *l = &v->lapic;
	int isr;

	if (!v->lapic.x2apic || (msr != X2APIC_ICR && val >> 32))
		return -EINVAL;
	switch (msr) {
	case X2APIC_EOI:
		if ((isr = highest(l->isr)) >= 0)
			bit_clear(l->isr, (unsigned)isr);
		return 0;
	case X2APIC_TPR:
		l->tpr = val & 0xff;
		return 0;
	case X2APIC_SVR:
		l->svr = val & 0x1ff;
		return 0;
	case X2APIC_LVT_TIMER:
		l->lvt_timer = val & (0xff | LVT_MASKED | LVT_PERIODIC);
		return 0;
	case X2APIC_TMICT:
		l->initial_count = (u32)val;
		timer_arm(l);
		return 0;
	case X2APIC_TDCR:
		l->divide = val & 0xb;
		return 0;
	case X2APIC_SELF_IPI:
		vlapic_set_irq(v, (u8)val);
		return 0;
	case X2APIC_ESR:
		return 0;
	default:	/* LVTs other than the timer, LDR, ICR: not emulated yet */
		return (msr >= X2APIC_LVT_FIRST && msr <= X2APIC_LVT_LAST) ? 0 : -EINVAL;
	}
}
