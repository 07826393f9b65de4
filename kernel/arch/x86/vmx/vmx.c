/*
 * The Intel VMX/EPT backend behind struct virt_ops (virt.h).
 *
 * A vCPU's VMCS is filled lazily, on its first use on its own pCPU. Several
 * vCPUs share a pCPU, so every op that touches the VMCS first makes it
 * current (VMPTRLD when this pCPU's current VMCS is another's); VMCSs stay
 * active on their pCPU for their lifetime because vCPUs never migrate, and
 * their launch state tells VMLAUNCH from VMRESUME (SDM 24.1, 24.11.3).
 */
#include "vmx.h"
#include "cpu.h"
#include "percpu.h"
#include "frame.h"
#include "domain.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "public/bulkhead.h"

static paddr_t vmx_vmcs_pa(const struct vmx_vcpu *st)
{
	return virt_to_phys(st->vmcs);
}

/* Passthrough MSRs that VMX does not switch follow the current VMCS. */
static void vmx_switch_msrs(struct vmx_vcpu *out, struct vmx_vcpu *in)
{
	for (unsigned i = 0; i < vmx_swap_msr_count; i++) {
		if (out)
			out->msrs[i] = rdmsr(vmx_swap_msrs[i]);
		wrmsr(vmx_swap_msrs[i], in->msrs[i]);
	}
}

/* Make v's VMCS current on this pCPU, filling it on first use. */
static struct vmx_vcpu *vmx_current(struct vcpu *v)
{
	struct pcpu *pc = this_cpu();
	struct vmx_pcpu *vp = pc->vendor;
	struct vmx_vcpu *st = vmx_of(v);

	if (likely(vp->current == st))
		return st;
	if (v->pcpu != pc->index)
		panic("vmx: d%u v%u (pCPU %u) used on pCPU %u", v->domain->id, v->id,
		      v->pcpu, pc->index);
	if (!st->set_up) {
		*(u32 *)st->vmcs = vmx_caps.basic & 0x7fffffff;	/* revision id */
		if (!vmx_vmclear(vmx_vmcs_pa(st)))
			panic("vmx: VMCLEAR of a fresh VMCS failed");
	}
	if (!vmx_vmptrld(vmx_vmcs_pa(st)))
		panic("vmx: VMPTRLD failed, VM-instruction error %u",
		      (unsigned)vmx_vmread(VMCS_INSN_ERROR));
	vmx_switch_msrs(vp->current, st);
	vp->current = st;
	if (!st->set_up) {
		vmx_vmcs_setup(st);
		st->set_up = true;
	}
	return st;
}

static int vmx_vcpu_create(struct vcpu *v, const struct vcpu_start *s)
{
	struct vmx_vcpu *st;

	BUILD_BUG_ON(sizeof(*st) > PAGE_SIZE);
	st = page_alloc();
	if (!st)
		return -ENOMEM;
	st->vmcs = page_alloc();
	if (!st->vmcs) {
		page_free(st);
		return -ENOMEM;
	}
	st->vcpu = v;
	st->start = *s;
	st->exit_rip = s->rip;
	v->vendor = st;
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *st = vmx_of(v);
	struct vmx_pcpu *vp = this_cpu()->vendor;

	if (!st)
		return;
	if (st->set_up && !vmx_vmclear(vmx_vmcs_pa(st)))
		pr_err("vmx: VMCLEAR of d%u v%u failed\n", v->domain->id, v->id);
	if (vp && vp->current == st)
		vp->current = NULL;
	page_free(st->vmcs);
	page_free(st);
	v->vendor = NULL;
}

/* SDM 26.2.1.3: a hardware exception delivers its error code exactly when
 * the guest is in protected mode and the vector has one (any vector may, or
 * may not, where IA32_VMX_BASIC[56] says so). */
static bool vmx_error_code(const struct guest_event *ev)
{
	static const u32 with_code = 1u << 8 | 1u << 10 | 1u << 11 | 1u << 12 |
				     1u << 13 | 1u << 14 | 1u << 17;

	if (ev->type != EVENT_EXCEPTION || !(vmx_vmread(VMCS_GUEST_CR0) & CR0_PE))
		return false;
	if (ev->vector < 32 && with_code & (1u << ev->vector))
		return true;
	return vmx_caps.basic & VMX_BASIC_NO_ERRCODE && ev->has_error;
}

/* The core's event in VM-entry interruption-information form (24.8.3). A
 * software interrupt returns to v->regs.rip, as on SVM: length 0 where the
 * CPU allows it, else RIP is moved back by the length it pretends. */
static void vmx_event_from(struct vmx_vcpu *st, const struct guest_event *ev,
			   struct vmx_event *out)
{
	static const u8 type[] = {
		[EVENT_EXTINT] = INTR_TYPE_EXT, [EVENT_NMI] = INTR_TYPE_NMI,
		[EVENT_EXCEPTION] = INTR_TYPE_HW_EXC, [EVENT_SOFTINT] = INTR_TYPE_SW_INT,
	};

	out->info = INTR_INFO_VALID | (u32)type[ev->type & 3] << INTR_INFO_TYPE_SHIFT | ev->vector;
	out->error = ev->error;
	out->insn_len = 0;
	if (vmx_error_code(ev))
		out->info |= INTR_INFO_ERRCODE;
	if (ev->type == EVENT_SOFTINT && !(vmx_caps.misc & VMX_MISC_ZERO_LEN_INJECT)) {
		out->insn_len = 1;
		vmx_vmwrite(VMCS_GUEST_RIP, st->vcpu->regs.rip - 1);
	}
}

/* The event for this entry: one cut off by the last exit comes first
 * (27.2.4), then the one the core queued. */
static void vmx_inject_next(struct vmx_vcpu *st)
{
	struct vmx_event ev;
	u32 type;

	if (st->reinject.info) {
		ev = st->reinject;
		st->reinject.info = 0;
	} else if (st->has_pending) {
		vmx_event_from(st, &st->pending, &ev);
		st->has_pending = false;
	} else {
		return;
	}
	type = INTR_INFO_TYPE(ev.info);
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, ev.info);
	if (ev.info & INTR_INFO_ERRCODE)
		vmx_vmwrite(VMCS_ENTRY_ERR_CODE, ev.error);
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		vmx_vmwrite(VMCS_ENTRY_INSN_LEN, ev.insn_len);
}

/*
 * Bochs 2.7 re-evaluates its interrupt masking during VM entry before it
 * counts the CPU as in the guest, so a guest entered with RFLAGS.IF = 0 gets
 * no external-interrupt exits until it sets IF itself (SDM 25.2: with
 * external-interrupt exiting, the guest's IF does not matter). The
 * VMX-preemption timer (25.5.1) bounds such a stretch to one host tick; on
 * other CPUs it costs at most one exit per tick while the guest's IF is 0.
 */
static void vmx_arm_timer(struct vmx_vcpu *st)
{
	bool arm = vmx_caps.preempt_ticks && !(st->vcpu->regs.rflags & RFLAGS_IF);
	u32 pin = arm ? vmx_caps.pin_ctls | PIN_PREEMPT_TIMER : vmx_caps.pin_ctls;

	if (pin != st->pin_ctls) {
		st->pin_ctls = pin;
		vmx_vmwrite(VMCS_PIN_CTLS, pin);
	}
	if (arm)
		vmx_vmwrite(VMCS_GUEST_PREEMPT_TIMER, vmx_caps.preempt_ticks);
}

static void vmx_prepare_entry(struct vmx_vcpu *st)
{
	struct vcpu *v = st->vcpu;
	u32 proc = (st->proc_ctls & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW)) |
		   (st->want_intr_window ? PROC_INTR_WINDOW : 0) |
		   (st->want_nmi_window ? PROC_NMI_WINDOW : 0);

	/* The interrupt shadow covers one instruction: gone once the core moved
	 * RIP; STI blocking with IF clear would fail the entry (26.3.1.5). */
	if (st->intr_state & INTR_SHADOW &&
	    (v->regs.rip != st->exit_rip || !(v->regs.rflags & RFLAGS_IF))) {
		st->intr_state &= ~INTR_SHADOW;
		vmx_vmwrite(VMCS_GUEST_INTR_STATE, st->intr_state);
	}
	vmx_vmwrite(VMCS_GUEST_RIP, v->regs.rip);
	vmx_vmwrite(VMCS_GUEST_RSP, v->regs.gpr[GPR_RSP]);
	vmx_vmwrite(VMCS_GUEST_RFLAGS, v->regs.rflags);
	if (proc != st->proc_ctls) {
		st->proc_ctls = proc;
		vmx_vmwrite(VMCS_PROC_CTLS, proc);
	}
	/* The domain's p2m lost entries since this vCPU last ran (virt.h). */
	if (st->p2m_gen != READ_ONCE(v->domain->p2m_gen)) {
		st->p2m_gen = READ_ONCE(v->domain->p2m_gen);
		vmx_flush_ept(v->domain->p2m.root | EPTP_WB | EPTP_WALK4);
	}
	vmx_arm_timer(st);
	vmx_inject_next(st);
	if (read_cr2() != st->cr2)
		write_cr2(st->cr2);
}

/* An exit in the middle of the guest's IRET out of an NMI handler (an EPT
 * violation or an intercepted exception while it popped its frame) has
 * already ended the NMI blocking; the IRET runs again, so the blocking is
 * put back (SDM 27.2.3, "NMI unblocking due to IRET", bit 12). */
static void vmx_iret_reblock(struct vmx_vcpu *st)
{
	u32 reason = (u32)vmx_vmread(VMCS_EXIT_REASON) & 0xffff;
	u64 bit12 = 0;

	if (reason == VMX_EXIT_EPT_VIOLATION)
		bit12 = vmx_vmread(VMCS_EXIT_QUAL) & (1u << 12);
	else if (reason == VMX_EXIT_EXCEPTION_NMI)
		bit12 = vmx_vmread(VMCS_EXIT_INTR_INFO) & (1u << 12);
	if (bit12 && !(st->intr_state & INTR_BLOCK_NMI)) {
		st->intr_state |= INTR_BLOCK_NMI;
		vmx_vmwrite(VMCS_GUEST_INTR_STATE, st->intr_state);
	}
}

static void vmx_after_exit(struct vmx_vcpu *st)
{
	struct vcpu *v = st->vcpu;
	u32 idt = 0;

	/* A failed entry launches nothing (26.7) and saves no guest state. */
	if (!(vmx_vmread(VMCS_EXIT_REASON) & EXIT_REASON_ENTRY_FAIL)) {
		st->launched = true;
		idt = vmx_vmread(VMCS_IDT_VEC_INFO);
	}
	st->cr2 = read_cr2();
	v->regs.rip = vmx_vmread(VMCS_GUEST_RIP);
	v->regs.gpr[GPR_RSP] = vmx_vmread(VMCS_GUEST_RSP);
	v->regs.rflags = vmx_vmread(VMCS_GUEST_RFLAGS);
	st->exit_rip = v->regs.rip;
	st->intr_state = vmx_vmread(VMCS_GUEST_INTR_STATE);
	st->want_nmi_window = false;	/* asked again at the entry while an NMI waits */
	if (unlikely(st->had_nmi) && !(idt & INTR_INFO_VALID))
		vmx_iret_reblock(st);
	if (idt & INTR_INFO_VALID) {
		st->reinject.info = idt & (INTR_INFO_VALID | INTR_INFO_ERRCODE | 0x7ff);
		st->reinject.error = vmx_vmread(VMCS_IDT_VEC_ERR);
		st->reinject.insn_len = vmx_vmread(VMCS_EXIT_INSN_LEN);
	}
}

/* VMLAUNCH/VMRESUME itself failed (SDM 30.2, 30.4): nothing ran. */
static void vmx_insn_failed(struct vmx_vcpu *st, int rc, struct exit_record *e)
{
	u32 err = rc == 2 ? vmx_vmread(VMCS_INSN_ERROR) : 0;

	pr_err("vmx: d%u v%u %s failed: %s, VM-instruction error %u\n",
	       st->vcpu->domain->id, st->vcpu->id, st->launched ? "VMRESUME" : "VMLAUNCH",
	       rc == 2 ? "VMfailValid" : "VMfailInvalid", err);
	if (rc == 2)
		vmx_dump_guest("failed VM instruction");
	e->kind = EXIT_INVALID;
	e->raw = err;
	e->qual = 0;
	e->insn_len = 0;
}

static void vmx_run(struct vcpu *v, struct exit_record *e)
{
	struct vmx_vcpu *st = vmx_current(v);
	int rc;

	do {
		vmx_prepare_entry(st);
		rc = vmx_enter(&v->regs, st->launched);
		if (rc) {
			vmx_insn_failed(st, rc, e);
			return;
		}
		vmx_after_exit(st);
		if (!vmx_exit_handle(st, e))
			return;
		v->exits++;	/* resolved here, counted like the core's */
	} while (true);
}

static void vmx_get_mode(struct vcpu *v, struct guest_mode *m)
{
	vmx_current(v);
	m->cr0 = vmx_guest_cr0();
	m->cr3 = vmx_vmread(VMCS_GUEST_CR3);
	m->cr4 = vmx_guest_cr4();
	m->efer = vmx_vmread(VMCS_GUEST_EFER);
	m->cs_base = vmx_vmread(VMCS_GUEST_CS_BASE);
	m->cs_attr = vmx_attr_from_ar(vmx_vmread(VMCS_GUEST_CS_AR));
	m->cpl = (vmx_vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

static void vmx_seg_bases(struct vcpu *v, u64 base[6])
{
	vmx_current(v);
	for (enum vmx_seg s = SEG_ES; s <= SEG_GS; s++)
		base[s] = vmx_vmread(vmcs_seg_field(VMCS_GUEST_ES_BASE, s));
}

static void vmx_reset(struct vcpu *v, const struct vcpu_start *s)
{
	struct vmx_vcpu *st = vmx_current(v);

	st->start = *s;
	vmx_setup_guest(st);
	st->has_pending = false;
	st->reinject.info = 0;
	st->exit_rip = ~0ull;
}

static void vmx_inject(struct vcpu *v, const struct guest_event *ev)
{
	struct vmx_vcpu *st = vmx_of(v);

	st->pending = *ev;
	st->has_pending = true;
	if (ev->type == EVENT_NMI)
		st->had_nmi = true;
}

static bool vmx_intr_allowed(struct vcpu *v)
{
	struct vmx_vcpu *st = vmx_of(v);
	bool shadow = st->intr_state & INTR_SHADOW && v->regs.rip == st->exit_rip;

	return v->regs.rflags & RFLAGS_IF && !shadow && !st->has_pending && !st->reinject.info;
}

static void vmx_set_intr_window(struct vcpu *v, bool on)
{
	vmx_of(v)->want_intr_window = on;
}

/* Without virtual NMIs the core could not tell when the guest's NMI
 * handler ends: it delivers none (vmx_caps.virt_nmi). */
static bool vmx_nmi_allowed(struct vcpu *v)
{
	struct vmx_vcpu *st = vmx_of(v);
	bool shadow = st->intr_state & INTR_SHADOW && v->regs.rip == st->exit_rip;

	return vmx_caps.virt_nmi && !(st->intr_state & INTR_BLOCK_NMI) && !shadow &&
	       !st->has_pending && !st->reinject.info;
}

static void vmx_set_nmi_window(struct vcpu *v)
{
	vmx_of(v)->want_nmi_window = vmx_caps.virt_nmi;
}

static bool vmx_event_queued(struct vcpu *v)
{
	struct vmx_vcpu *st = vmx_of(v);

	return st->has_pending || st->reinject.info;
}

/* LMA is the CPU's (set while LME and CR0.PG), and with it the "IA-32e mode
 * guest" entry control (26.2.4). */
static void vmx_set_efer(struct vcpu *v, u64 efer)
{
	u32 entry;

	vmx_current(v);
	entry = vmx_vmread(VMCS_ENTRY_CTLS);
	efer &= ~EFER_LMA;
	if (efer & EFER_LME && vmx_vmread(VMCS_GUEST_CR0) & CR0_PG)
		efer |= EFER_LMA;
	vmx_vmwrite(VMCS_GUEST_EFER, efer);
	vmx_vmwrite(VMCS_ENTRY_CTLS, efer & EFER_LMA ? entry | ENTRY_IA32E : entry & ~ENTRY_IA32E);
}

/* MOV-DR exiting (24.6.2) on or off; the primary controls are written at
 * the next entry (vmx_prepare_entry). */
static void vmx_set_dr_intercept(struct vcpu *v, bool on)
{
	struct vmx_vcpu *st = vmx_current(v);
	u32 proc = on ? st->proc_ctls | (vmx_caps.proc_ctls & PROC_MOV_DR)
		      : st->proc_ctls & ~PROC_MOV_DR;

	if (proc != st->proc_ctls) {
		st->proc_ctls = proc;
		vmx_vmwrite(VMCS_PROC_CTLS, proc);
	}
}

const struct virt_ops vmx_ops = {
	.name = "VMX/EPT",
	.p2m_format = &p2m_format_ept,
	.hypercall_insn = { 0x0f, 0x01, 0xc1 },	/* VMCALL */
	.caps = BH_VIRT_CAP_VMX,
	.cpu_enable = vmx_cpu_enable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.run = vmx_run,
	.get_mode = vmx_get_mode,
	.inject = vmx_inject,
	.intr_allowed = vmx_intr_allowed,
	.set_intr_window = vmx_set_intr_window,
	.nmi_allowed = vmx_nmi_allowed,
	.set_nmi_window = vmx_set_nmi_window,
	.event_queued = vmx_event_queued,
	.set_efer = vmx_set_efer,
	.set_dr_intercept = vmx_set_dr_intercept,
	.seg_bases = vmx_seg_bases,
	.reset = vmx_reset,
};
