/*
 * The AMD SVM/NPT backend behind struct virt_ops (virt.h; AMD APM Vol 2
 * ch. 15). svm.h lists what each file of the backend holds.
 */
#include "svm.h"
#include "vcpu.h"
#include "domain.h"
#include "p2m.h"
#include "percpu.h"
#include "frame.h"
#include "cpu.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "public/bulkhead.h"
#include "vmcb.h"

static int svm_vcpu_create(struct vcpu *v, const struct vcpu_start *st)
{
	struct svm_vcpu *s = page_alloc();

	if (!s)
		return -ENOMEM;
	s->vmcb = page_alloc();
	if (!s->vmcb) {
		page_free(s);
		return -ENOMEM;
	}
	svm_vmcb_setup(s->vmcb, v, st);
	s->exit_rip = st->rip;
	v->vendor = s;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = v->vendor;
	struct svm_cpu *c = this_cpu()->vendor;

	/* sched.c reaps a vCPU on its own CPU, the only one that ran it. */
	if (c->last_vmcb == s->vmcb)
		c->last_vmcb = NULL;
	page_free(s->vmcb);
	page_free(s);
	v->vendor = NULL;
}

/*
 * External interrupts go in as virtual interrupts (V_IRQ with V_IGN_TPR,
 * APM 15.21.4), never through EVENTINJ: the CPU takes one as soon as the
 * guest can (IF set, no interrupt shadow) and clears V_IRQ, and until then
 * it waits in the VMCB across exits, as an injected event would. EVENTINJ
 * would do on silicon, but QEMU's SVM model (7.2) keeps an EVENTINJ
 * interrupt's vector as a pending exception after delivering it and can
 * deliver it a second time later, with the guest's interrupts off.
 * With the VINTR intercept off, a set V_IRQ is such an interrupt; with it
 * on, it is only the request for an interrupt window. Such an interrupt
 * can still wait when the guest halts (STI;HLT, or QEMU taking it late):
 * svm_event_queued keeps that vCPU awake.
 */
static bool vintr_pending(void *vmcb)
{
	return (*vmcb64(vmcb, VMCB_VINTR) & VINTR_IRQ) &&
	       !(*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) & MISC1_VINTR);
}

static void vintr_inject(void *vmcb, u8 vector)
{
	u64 *vintr = vmcb64(vmcb, VMCB_VINTR);

	*vintr = (*vintr & ~(VINTR_VECTOR_MASK | VINTR_PRIO_MASK)) | VINTR_IRQ | VINTR_IGN_TPR |
		 VINTR_PRIO_MASK | ((u64)vector << VINTR_VECTOR_SHIFT);
	*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) &= ~MISC1_VINTR;
}

/* At each exit while an NMI's handler runs: its IRET exited (the intercept
 * goes, the guest runs it), or the guest has moved on from that IRET. An
 * NMI that an exit cut short is delivered again (EXITINTINFO) and stays
 * blocking. */
static void nmi_track(struct svm_vcpu *s, void *vmcb, u64 rip)
{
	if (*vmcb64(vmcb, VMCB_EXITCODE) == SVM_EXIT_IRET) {
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) &= ~MISC1_IRET;
		s->iret_seen = true;
		s->iret_rip = rip;
	} else if (s->iret_seen && rip != s->iret_rip) {
		s->nmi_blocked = false;
		s->iret_seen = false;
	}
}

static void svm_run(struct vcpu *v, struct exit_record *e)
{
	struct svm_vcpu *s = v->vendor;
	struct svm_cpu *c = this_cpu()->vendor;
	void *vmcb = s->vmcb;
	u64 intinfo;

	if (v->regs.rip != s->exit_rip)
		*vmcb64(vmcb, VMCB_INT_STATE) &= ~1ull;	/* STI/MOV SS shadow ends */
	*vmcb64(vmcb, VMCB_RIP) = v->regs.rip;
	*vmcb64(vmcb, VMCB_RSP) = v->regs.gpr[GPR_RSP];
	*vmcb64(vmcb, VMCB_RAX) = v->regs.gpr[GPR_RAX];
	*vmcb64(vmcb, VMCB_RFLAGS) = v->regs.rflags;
	/* 1: flush everything: another VMCB ran here (ASIDs may be shared), or
	 * the domain's p2m lost entries since this vCPU last ran. */
	*vmcb8(vmcb, VMCB_TLB_CONTROL) = c->last_vmcb != vmcb ||
					 s->p2m_gen != READ_ONCE(v->domain->p2m_gen);
	s->p2m_gen = READ_ONCE(v->domain->p2m_gen);
	c->last_vmcb = vmcb;
	svm_enter(&v->regs, virt_to_phys(vmcb), virt_to_phys(c->host_vmcb));
	v->regs.rip = s->exit_rip = *vmcb64(vmcb, VMCB_RIP);
	v->regs.gpr[GPR_RSP] = *vmcb64(vmcb, VMCB_RSP);
	v->regs.gpr[GPR_RAX] = *vmcb64(vmcb, VMCB_RAX);
	v->regs.rflags = *vmcb64(vmcb, VMCB_RFLAGS);
	*vmcb64(vmcb, VMCB_EVENTINJ) = 0;
	if (unlikely(s->nmi_blocked))
		nmi_track(s, vmcb, v->regs.rip);
	/* An event cut short by the exit is delivered again (APM 15.7.2): an
	 * interrupt as a virtual one (vintr_inject), anything else as it was.
	 * QEMU records an interrupt it was delivering as an "exception" of
	 * its vector; no exception has a vector above 31. */
	intinfo = *vmcb64(vmcb, VMCB_EXITINTINFO);
	if ((intinfo & EVENT_VALID) &&
	    ((intinfo & EVENT_TYPE_MASK) == EVENT_TYPE_INTR ||
	     ((intinfo & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION && (u8)intinfo > 31)))
		vintr_inject(vmcb, (u8)intinfo);
	else if (intinfo & EVENT_VALID)
		*vmcb64(vmcb, VMCB_EVENTINJ) = intinfo;
	svm_exit_decode(vmcb, v->regs.rip, e);
}

static void svm_get_mode(struct vcpu *v, struct guest_mode *m)
{
	void *vmcb = svm_vmcb(v);

	m->cr0 = *vmcb64(vmcb, VMCB_CR0);
	m->cr3 = *vmcb64(vmcb, VMCB_CR3);
	m->cr4 = *vmcb64(vmcb, VMCB_CR4);
	m->efer = *vmcb64(vmcb, VMCB_EFER) & ~EFER_SVME;
	m->cs_base = vmcb_seg(vmcb, VMCB_CS)->base;
	m->cs_attr = vmcb_seg(vmcb, VMCB_CS)->attr;
	m->cpl = *vmcb8(vmcb, VMCB_CPL);
}

static void svm_seg_bases(struct vcpu *v, u64 base[6])
{
	void *vmcb = svm_vmcb(v);

	for (unsigned i = 0; i < 6; i++)
		base[i] = vmcb_seg(vmcb, VMCB_ES + 0x10 * i)->base;
}

static void svm_reset(struct vcpu *v, const struct vcpu_start *st)
{
	struct svm_vcpu *s = v->vendor;

	svm_vmcb_reset(s->vmcb, st);	/* the IRET intercept goes with the rest */
	s->exit_rip = ~0ull;
	s->nmi_blocked = s->iret_seen = false;
}

static void svm_inject(struct vcpu *v, const struct guest_event *ev)
{
	static const u8 type[] = { [EVENT_EXTINT] = 0, [EVENT_NMI] = 2, [EVENT_EXCEPTION] = 3,
				   [EVENT_SOFTINT] = 4 };
	void *vmcb = svm_vmcb(v);

	if (ev->type == EVENT_EXTINT) {
		vintr_inject(vmcb, ev->vector);
		return;
	}
	if (ev->type == EVENT_NMI) {
		struct svm_vcpu *s = v->vendor;

		s->nmi_blocked = true;
		s->iret_seen = false;
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) |= MISC1_IRET;
	}
	*vmcb64(vmcb, VMCB_EVENTINJ) = ev->vector | ((u64)type[ev->type] << 8) | EVENT_VALID |
				       (ev->has_error ? EVENT_ERROR_VALID | ((u64)ev->error << 32) : 0);
}

/* The STI shadow counts only while the guest is still at the instruction it
 * covers: once the core moved RIP on (past an emulated HLT after STI, as in
 * every idle loop), svm_run ends it, so a wake-up injects at once rather
 * than asking for an interrupt window that opens on entry (one exit more). */
static bool svm_intr_allowed(struct vcpu *v)
{
	struct svm_vcpu *s = v->vendor;
	void *vmcb = s->vmcb;
	bool shadow = (*vmcb64(vmcb, VMCB_INT_STATE) & 1) && v->regs.rip == s->exit_rip;

	return (v->regs.rflags & RFLAGS_IF) && !shadow &&
	       !(*vmcb64(vmcb, VMCB_EVENTINJ) & EVENT_VALID) && !vintr_pending(vmcb);
}

static bool svm_nmi_allowed(struct vcpu *v)
{
	struct svm_vcpu *s = v->vendor;
	void *vmcb = s->vmcb;
	bool shadow = (*vmcb64(vmcb, VMCB_INT_STATE) & 1) && v->regs.rip == s->exit_rip;

	return !s->nmi_blocked && !shadow && !(*vmcb64(vmcb, VMCB_EVENTINJ) & EVENT_VALID);
}

/* Nothing to arm: the IRET intercept is on while an NMI blocks, and the
 * exit after the guest left the IRET ends it. */
static void svm_set_nmi_window(struct vcpu *v)
{
	(void)v;
}

static bool svm_event_queued(struct vcpu *v)
{
	void *vmcb = svm_vmcb(v);

	return (*vmcb64(vmcb, VMCB_EVENTINJ) & EVENT_VALID) || vintr_pending(vmcb);
}

/* A virtual interrupt request makes the CPU exit (VINTR) once it could be taken. */
static void svm_set_intr_window(struct vcpu *v, bool on)
{
	void *vmcb = svm_vmcb(v);

	if (vintr_pending(vmcb))
		return;	/* an interrupt waits there: the CPU takes it when it can */
	if (on) {
		*vmcb64(vmcb, VMCB_VINTR) |= VINTR_IRQ;
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) |= MISC1_VINTR;
	} else {
		*vmcb64(vmcb, VMCB_VINTR) &= ~VINTR_IRQ;
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) &= ~MISC1_VINTR;
	}
}

static void svm_set_dr_intercept(struct vcpu *v, bool on)
{
	svm_dr_intercept(svm_vmcb(v), on);
}

static void svm_set_efer(struct vcpu *v, u64 efer)
{
	void *vmcb = svm_vmcb(v);

	*vmcb64(vmcb, VMCB_EFER) = efer | EFER_SVME;	/* VMRUN requires SVME (APM 15.5.1) */
}

const struct virt_ops svm_ops = {
	.name = "SVM/NPT",
	.p2m_format = &p2m_format_npt,
	.hypercall_insn = { 0x0f, 0x01, 0xd9 },	/* VMMCALL */
	.caps = BH_VIRT_CAP_SVM,
	.cpu_enable = svm_cpu_enable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.get_mode = svm_get_mode,
	.inject = svm_inject,
	.intr_allowed = svm_intr_allowed,
	.event_queued = svm_event_queued,
	.set_intr_window = svm_set_intr_window,
	.nmi_allowed = svm_nmi_allowed,
	.set_nmi_window = svm_set_nmi_window,
	.set_efer = svm_set_efer,
	.set_dr_intercept = svm_set_dr_intercept,
	.seg_bases = svm_seg_bases,
	.reset = svm_reset,
};
