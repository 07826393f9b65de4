/* vCPU life cycle and the entry/exit step; FPU state switching. */
#include "vcpu.h"
#include "domain.h"
#include "sched.h"
#include "exit.h"
#include "heap.h"
#include "frame.h"
#include "percpu.h"
#include "smp.h"
#include "cpu.h"
#include "console.h"
#include "lib.h"

static u16 next_tag = 1;

struct vcpu *vcpu_create(struct domain *d, u32 id, const struct vcpu_start *s)
{
	struct vcpu *v = page_alloc();

	BUILD_BUG_ON(sizeof(struct vcpu) > PAGE_SIZE);
	if (!v)
		return NULL;
	v->domain = d;
	v->id = id;
	v->pcpu = sched_place();
	v->tag = __atomic_fetch_add(&next_tag, 1, __ATOMIC_RELAXED);
	if (!v->tag)	/* wrapped: 0 means "host" to both vendors */
		v->tag = __atomic_fetch_add(&next_tag, 1, __ATOMIC_RELAXED);
	v->xcr0 = 0x3;	/* x87 and SSE, the architectural reset value plus SSE */
	v->regs.rip = s->rip;
	v->regs.rflags = s->rflags | 2;
	v->regs.gpr[GPR_RSP] = s->rsp;
	v->fpu = page_alloc();
	if (v->fpu) {	/* FXSAVE image of the reset state: FCW 0x37f, MXCSR 0x1f80 */
		*(u16 *)v->fpu = 0x37f;
		*(u32 *)((u8 *)v->fpu + 24) = 0x1f80;
	}
	if (!v->fpu || virt->vcpu_create(v, s)) {
		page_free(v->fpu);
		page_free(v);
		return NULL;
	}
	vlapic_init(v);
	return v;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->vendor)
		virt->vcpu_destroy(v);
	page_free(v->fpu);
	page_free(v);
}

/* Saves the previous vCPU's FPU state and loads v's (SDM Vol 1 13.7). */
static void fpu_switch(struct pcpu *c, struct vcpu *v)
{
	struct vcpu *prev = c->current;

	if (prev == v)
		return;
	if (prev && xsave_mask) {
		__asm__ __volatile__("xsave64 (%0)" ::"r"(prev->fpu), "a"(~0u), "d"(~0u) : "memory");
		xsetbv(0, v->xcr0);
	} else if (prev) {
		__asm__ __volatile__("fxsave64 (%0)" ::"r"(prev->fpu) : "memory");
	} else if (xsave_mask) {
		xsetbv(0, v->xcr0);
	}
	if (xsave_mask)
		__asm__ __volatile__("xrstor64 (%0)" ::"r"(v->fpu), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" ::"r"(v->fpu) : "memory");
	c->current = v;
}

void vcpu_enter(struct vcpu *v)
{
	struct pcpu *c = this_cpu();
	struct exit_record e;
	u64 t0;

	fpu_switch(c, v);
	exit_prepare_entry(v);
	t0 = rdtsc();
	virt->run(v, &e);
	v->cpu_tsc += rdtsc() - t0;
	v->exits++;
	exit_handle(v, &e);
}

void vcpu_mode(struct vcpu *v, struct guest_mode *m)
{
	virt->get_mode(v, m);
}
