/* vCPU life cycle and the entry/exit step; FPU state switching. */
#include "vcpu.h"
#include "hvm.h"
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
	v->xcr0 = v->xcr0_accum = 0x3;	/* x87 and SSE, the reset value plus SSE */
	v->dr6 = DR6_RESET;
	v->regs.rip = s->rip;
	v->regs.rflags = s->rflags | 2;
	v->regs.gpr[GPR_RSP] = s->rsp;
	v->fpu = page_alloc();
	if (!v->fpu)
		goto free_vcpu;
	/* FXSAVE image of the reset state: FCW 0x37f, MXCSR 0x1f80 */
	*(u16 *)v->fpu = 0x37f;
	*(u32 *)((u8 *)v->fpu + 24) = 0x1f80;
	if (virt->vcpu_create(v, s))
		goto free_fpu;
	vlapic_init(v, !d->hvm);
	return v;

free_fpu:
	page_free(v->fpu);
free_vcpu:
	page_free(v);
	return NULL;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->vendor)
		virt->vcpu_destroy(v);
	page_free(v->fpu);
	page_free(v);
}

/*
 * Saves the previous vCPU's FPU state and loads v's (SDM Vol 1 13.7). Both
 * run under the vCPU's accumulated XCR0, not its current one: a guest that
 * lowered XCR0 still has state saved under the higher mask in its XSTATE_BV,
 * and XRSTOR faults on a component XCR0 does not enable (13.8.1), so the
 * restore would #GP in the core. Xen's xcr0_accum, same reason.
 */
static void fpu_switch(struct vcpu *prev, struct vcpu *v)
{
	u64 hw = ~0ull;		/* XCR0 as the hardware has it; ~0: unknown */

	if (!xsave_mask) {
		if (prev)
			__asm__ __volatile__("fxsave64 (%0)" ::"r"(prev->fpu) : "memory");
		__asm__ __volatile__("fxrstor64 (%0)" ::"r"(v->fpu) : "memory");
		return;
	}
	if (prev) {
		hw = xgetbv(0);
		/* Lowered by the guest, or changed behind the core's back by an
		 * emulator that does not intercept XSETBV (QEMU's TCG). */
		if (unlikely(hw != prev->xcr0_accum)) {
			prev->xcr0 = hw;
			prev->xcr0_accum |= hw;
			if (prev->xcr0_accum != hw) {
				hw = prev->xcr0_accum;
				xsetbv(0, hw);
			}
		}
		__asm__ __volatile__("xsave64 (%0)" ::"r"(prev->fpu), "a"(~0u), "d"(~0u) : "memory");
	}
	if (v->xcr0_accum != hw)
		xsetbv(0, v->xcr0_accum);
	__asm__ __volatile__("xrstor64 (%0)" ::"r"(v->fpu), "a"(~0u), "d"(~0u) : "memory");
	if (unlikely(v->xcr0 != v->xcr0_accum))
		xsetbv(0, v->xcr0);
}

/*
 * DR0-3 and (on VMX) DR6 are not part of the VMCS/VMCB. A vCPU that never
 * touched them runs with debug-register accesses intercepted, so it can
 * neither read another vCPU's values nor arm them (its DR7, which the
 * vendor switches, stays as the core set it). On its first access it takes
 * EXIT_DR_ACCESS, becomes debug_live, and from then on its values travel
 * with it here and its accesses run natively (Xen's lazy switching).
 */
static void debug_save(struct vcpu *v)
{
	v->dr[0] = read_dr0();
	v->dr[1] = read_dr1();
	v->dr[2] = read_dr2();
	v->dr[3] = read_dr3();
	v->dr6 = read_dr6();
}

void vcpu_debug_load(struct vcpu *v)
{
	write_dr0(v->dr[0]);
	write_dr1(v->dr[1]);
	write_dr2(v->dr[2]);
	write_dr3(v->dr[3]);
	write_dr6(v->dr6);
}

/* The register state that is not the vendor's to switch. */
static void vcpu_switch(struct pcpu *c, struct vcpu *v)
{
	struct vcpu *prev = c->current;

	if (prev == v)
		return;
	fpu_switch(prev, v);
	if (prev && prev->debug_live)
		debug_save(prev);
	if (v->debug_live)
		vcpu_debug_load(v);
	c->current = v;
}

void vcpu_enter(struct vcpu *v)
{
	struct pcpu *c = this_cpu();
	struct exit_record e;
	u64 t0, t1;
	u32 k;

	vcpu_switch(c, v);
	if (v->domain->hvm && !hvm_vcpu_runnable_now(v)) {
		sched_block(v);		/* waits for its device model, or a SIPI */
		return;
	}
	exit_prepare_entry(v);
	t0 = rdtsc();
	virt->run(v, &e);
	k = e.kind < EXIT_KIND_COUNT ? e.kind : EXIT_UNHANDLED;
	t1 = rdtsc();
	v->cpu_tsc += t1 - t0;
	v->exits++;
	v->exit_kinds[k]++;
	exit_handle(v, &e);
	v->exit_tsc[k] += rdtsc() - t1;
}

bool vcpu_has_event(struct vcpu *v)
{
	if (v->domain->hvm)
		return hvm_vcpu_wakeable(v);
	return __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE) || vlapic_pending(v) >= 0 ||
	       __atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_ACQUIRE) || virt->event_queued(v);
}

void vcpu_mode(struct vcpu *v, struct guest_mode *m)
{
	virt->get_mode(v, m);
}
