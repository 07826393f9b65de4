/*
 * VM exits: each basic exit reason (SDM Vol 3D appendix C) maps through one
 * table onto the vendor-neutral exit_record. Control-register accesses are
 * resolved here, because the bits they trap on are VMX's own business (the
 * CR0/CR4 bits VMX fixes, CR8 as the virtual TPR); the guest is then
 * re-entered without the core seeing the exit.
 */
#include "vmx.h"
#include "cpu.h"
#include "domain.h"
#include "console.h"

#define CR0_TS (1ul << 3)
#define CR4_PCIDE (1ul << 17)
#define CR3_NOFLUSH (1ull << 63)
#define AR_L (1u << 13)			/* 64-bit code segment */
#define VEC_GP 13

/* The guest's view: host-owned bits from the read shadow (24.6.6). */
u64 vmx_guest_cr0(void)
{
	u64 mask = vmx_cr0_owned();

	return (vmx_vmread(VMCS_GUEST_CR0) & ~mask) | (vmx_vmread(VMCS_CR0_SHADOW) & mask);
}

u64 vmx_guest_cr4(void)
{
	u64 mask = vmx_cr4_owned();

	return (vmx_vmread(VMCS_GUEST_CR4) & ~mask) | (vmx_vmread(VMCS_CR4_SHADOW) & mask);
}

static void vmx_queue_gp(struct vmx_vcpu *st)
{
	st->pending = (struct guest_event){ .type = EVENT_EXCEPTION, .vector = VEC_GP,
					    .has_error = true, .error = 0 };
	st->has_pending = true;
}

/* PAE paging outside IA-32e mode takes its PDPTEs from the VMCS when EPT is
 * on (26.3.2.4); a CR write we emulate must load them as the CPU would. */
static bool vmx_load_pdptes(struct vmx_vcpu *st, u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	u64 pdpte[4];

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || efer & EFER_LMA)
		return true;
	if (gpa_read(st->vcpu->domain, cr3 & 0xffffffe0, pdpte, sizeof(pdpte)) < 0)
		return false;
	for (unsigned i = 0; i < 4; i++)
		vmx_vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return true;
}

/* MOV to CR0. Toggling PG with EFER.LME set enters or leaves IA-32e mode:
 * EFER.LMA and the "IA-32e mode guest" entry control follow (24.8.1). */
static bool vmx_set_cr0(struct vmx_vcpu *st, u64 val)
{
	u64 old = vmx_guest_cr0(), efer = vmx_vmread(VMCS_GUEST_EFER);
	u32 entry = vmx_vmread(VMCS_ENTRY_CTLS);

	val |= CR0_ET;
	if (val >> 32 || (val & CR0_PG && !(val & CR0_PE)) || (val & CR0_NW && !(val & CR0_CD)))
		return false;
	if (!(old & CR0_PG) && val & CR0_PG && efer & EFER_LME) {
		if (!(vmx_guest_cr4() & CR4_PAE))
			return false;
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E;
	} else if (old & CR0_PG && !(val & CR0_PG) && efer & EFER_LMA) {
		if (vmx_vmread(VMCS_GUEST_CS_AR) & AR_L)
			return false;
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E;
	}
	if (!vmx_load_pdptes(st, val, vmx_vmread(VMCS_GUEST_CR3), vmx_guest_cr4(), efer))
		return false;
	vmx_vmwrite(VMCS_CR0_SHADOW, val);
	vmx_vmwrite(VMCS_GUEST_CR0, val | vmx_cr0_forced());
	vmx_vmwrite(VMCS_GUEST_EFER, efer);
	vmx_vmwrite(VMCS_ENTRY_CTLS, entry);
	vmx_flush_vpid(st->vcpu->tag);
	return true;
}

/* MOV to CR4: bits VMX owns (VMXE, unsupported ones) are reserved to the
 * guest. */
static bool vmx_set_cr4(struct vmx_vcpu *st, u64 val)
{
	u64 efer = vmx_vmread(VMCS_GUEST_EFER);

	if (val >> 32 || val & vmx_cr4_owned() || (efer & EFER_LMA && !(val & CR4_PAE)))
		return false;
	if (!vmx_load_pdptes(st, vmx_guest_cr0(), vmx_vmread(VMCS_GUEST_CR3), val, efer))
		return false;
	vmx_vmwrite(VMCS_CR4_SHADOW, val);
	vmx_vmwrite(VMCS_GUEST_CR4, val | vmx_cr4_forced());
	vmx_flush_vpid(st->vcpu->tag);
	return true;
}

/* MOV to CR3 exits only where the CPU forces CR3-load exiting (no TRUE
 * controls). */
static bool vmx_set_cr3(struct vmx_vcpu *st, u64 val)
{
	u64 efer = vmx_vmread(VMCS_GUEST_EFER);

	if (efer & EFER_LMA && vmx_guest_cr4() & CR4_PCIDE)
		val &= ~CR3_NOFLUSH;
	if (!vmx_load_pdptes(st, vmx_guest_cr0(), val, vmx_guest_cr4(), efer))
		return false;
	vmx_vmwrite(VMCS_GUEST_CR3, val);
	vmx_flush_vpid(st->vcpu->tag);
	return true;
}

static bool vmx_long_code(void)
{
	return vmx_vmread(VMCS_GUEST_EFER) & EFER_LMA && vmx_vmread(VMCS_GUEST_CS_AR) & AR_L;
}

/* MOV to CR0/3/4/8; *tpr is set for CR8 (the virtual TPR, TPR[7:4]). */
static bool vmx_cr_write(struct vmx_vcpu *st, unsigned cr, u64 val, bool *tpr)
{
	switch (cr) {
	case 0:
		return vmx_set_cr0(st, val);
	case 3:
		return vmx_set_cr3(st, val);
	case 4:
		return vmx_set_cr4(st, val);
	case 8:
		if (val >> 4)
			return false;
		st->vcpu->lapic.tpr = val << 4;
		*tpr = true;
		return true;
	}
	return false;
}

static bool vmx_cr_read(struct vmx_vcpu *st, unsigned cr, u64 *reg)
{
	if (cr == 3)
		*reg = vmx_vmread(VMCS_GUEST_CR3);
	else if (cr == 8)
		*reg = (st->vcpu->lapic.tpr >> 4) & 0xf;
	else
		return false;
	return true;
}

/* MOV to/from CRn, CLTS, LMSW (qualification: Table 27-3). A write to CR8
 * ends as EXIT_EXTINT so the core re-evaluates pending interrupts against
 * the new priority; the rest re-enter the guest at once. */
static bool vmx_exit_cr(struct vmx_vcpu *st, struct exit_record *e)
{
	struct vcpu *v = st->vcpu;
	u64 q = e->qual, *reg = &v->regs.gpr[CRQ_GPR(q)];
	u64 cr0 = vmx_guest_cr0();
	bool ok = false, tpr = false;

	switch (CRQ_TYPE(q)) {
	case CRQ_MOV_TO:
		ok = vmx_cr_write(st, CRQ_CR(q), vmx_long_code() ? *reg : (u32)*reg, &tpr);
		break;
	case CRQ_MOV_FROM:
		ok = vmx_cr_read(st, CRQ_CR(q), reg);
		break;
	case CRQ_CLTS:
		ok = vmx_set_cr0(st, cr0 & ~CR0_TS);
		break;
	case CRQ_LMSW:	/* loads PE, MP, EM, TS; cannot clear PE */
		ok = vmx_set_cr0(st, (cr0 & ~0xful) | (CRQ_LMSW_SRC(q) & 0xf) | (cr0 & CR0_PE));
		break;
	}
	if (!ok) {
		vmx_queue_gp(st);
		return true;
	}
	v->regs.rip += vmx_vmread(VMCS_EXIT_INSN_LEN);
	if (!tpr)
		return true;
	e->kind = EXIT_EXTINT;
	return false;
}

/* An intercepted exception (#DB, #AC, #MC), or an NMI that arrived while
 * the guest ran: hand the NMI to the host's own handler (27.5.5 leaves NMIs
 * blocked until that handler's IRET). A #DB's DR6 bits come in the
 * qualification, DR6 itself is not written (27.1); one raised by INT1 is a
 * trap past the instruction. The intercepted exception replaces an event
 * whose delivery it interrupted, as on SVM. */
static bool vmx_exit_exception(struct vmx_vcpu *st, struct exit_record *e)
{
	u32 info = vmx_vmread(VMCS_EXIT_INTR_INFO);

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		__asm__ __volatile__("int $2" ::: "memory");
		e->kind = EXIT_EXTINT;
		return false;
	}
	e->exc.vector = info & 0xff;
	e->exc.has_error = info & INTR_INFO_ERRCODE;
	e->exc.error = e->exc.has_error ? vmx_vmread(VMCS_EXIT_INTR_ERR) : 0;
	e->exc.dr6 = 0;
	if (e->exc.vector == 1) {
		e->exc.dr6 = (u32)e->qual;
		if (INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW_EXC)
			st->vcpu->regs.rip += vmx_vmread(VMCS_EXIT_INSN_LEN);
	}
	if (e->exc.vector != 18)
		st->reinject.info = 0;
	return false;
}

static bool vmx_exit_io(struct vmx_vcpu *st, struct exit_record *e)
{
	(void)st;
	e->io.port = IOQ_PORT(e->qual);
	e->io.size = IOQ_SIZE(e->qual);
	e->io.in = e->qual & IOQ_IN;
	e->io.string = e->qual & IOQ_STRING;
	e->io.rep = e->qual & IOQ_REP;
	return false;
}

static bool vmx_exit_msr(struct vmx_vcpu *st, struct exit_record *e)
{
	e->msr.index = (u32)st->vcpu->regs.gpr[GPR_RCX];
	return false;
}

static bool vmx_exit_ept_violation(struct vmx_vcpu *st, struct exit_record *e)
{
	(void)st;
	e->npf.gpa = vmx_vmread(VMCS_GUEST_PHYS_ADDR);
	e->npf.read = e->qual & EPTQ_READ;
	e->npf.write = e->qual & EPTQ_WRITE;
	e->npf.exec = e->qual & EPTQ_EXEC;
	return false;
}

static bool vmx_exit_ept_misconfig(struct vmx_vcpu *st, struct exit_record *e)
{
	e->npf.gpa = vmx_vmread(VMCS_GUEST_PHYS_ADDR);
	pr_err("vmx: d%u v%u EPT misconfiguration at gpa 0x%lx rip 0x%lx\n",
	       st->vcpu->domain->id, st->vcpu->id, e->npf.gpa, st->vcpu->regs.rip);
	return false;
}

typedef bool (*vmx_exit_fn)(struct vmx_vcpu *st, struct exit_record *e);

struct vmx_exit_map {
	bool known;
	u8 kind;		/* enum exit_kind */
	bool insn;		/* an instruction exit: the length field is valid */
	vmx_exit_fn fn;		/* fills the kind's fields, or resolves the exit */
};

/* The guest's CR2 (vmx_after_exit saved it): its last page fault's address. */
static bool vmx_exit_triple(struct vmx_vcpu *st, struct exit_record *e)
{
	e->shutdown.cr2 = st->cr2;
	e->shutdown.event = vmx_vmread(VMCS_IDT_VEC_INFO) |
			    (u64)(u32)vmx_vmread(VMCS_IDT_VEC_ERR) << 32;
	return false;
}

#define MAP(k, i, f) { true, k, i, f }
#define INSN(k) MAP(k, true, NULL)

/* Every reason not listed is EXIT_UNHANDLED for the core to report. MWAIT,
 * MONITOR and GETSEC are "virtualization" instructions here in the sense that
 * the guest does not have them: the core answers #UD. The preemption timer
 * (vmx.c, vmx_arm_timer) means "a host tick is due", as an interrupt would. */
static const struct vmx_exit_map vmx_exits[VMX_EXIT_REASON_MAX] = {
	[VMX_EXIT_EXCEPTION_NMI] = MAP(EXIT_EXCEPTION, false, vmx_exit_exception),
	[VMX_EXIT_EXT_INTR] = MAP(EXIT_EXTINT, false, NULL),
	[VMX_EXIT_TRIPLE_FAULT] = MAP(EXIT_TRIPLE_FAULT, false, vmx_exit_triple),
	[VMX_EXIT_INTR_WINDOW] = MAP(EXIT_INTR_WINDOW, false, NULL),
	[VMX_EXIT_NMI_WINDOW] = MAP(EXIT_INTR_WINDOW, false, NULL),
	[VMX_EXIT_CPUID] = INSN(EXIT_CPUID),
	[VMX_EXIT_GETSEC] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_HLT] = INSN(EXIT_HLT),
	[VMX_EXIT_VMCALL] = INSN(EXIT_HYPERCALL),
	[VMX_EXIT_VMCLEAR] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMLAUNCH] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMPTRLD] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMPTRST] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMREAD] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMRESUME] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMWRITE] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMXOFF] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_VMXON] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_INVD] = INSN(EXIT_CACHE),
	[VMX_EXIT_CR_ACCESS] = MAP(EXIT_UNHANDLED, true, vmx_exit_cr),
	[VMX_EXIT_MOV_DR] = INSN(EXIT_DR_ACCESS),
	[VMX_EXIT_IO] = MAP(EXIT_IO, true, vmx_exit_io),
	[VMX_EXIT_RDMSR] = MAP(EXIT_MSR_READ, true, vmx_exit_msr),
	[VMX_EXIT_WRMSR] = MAP(EXIT_MSR_WRITE, true, vmx_exit_msr),
	[VMX_EXIT_MWAIT] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_MONITOR] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_EPT_VIOLATION] = MAP(EXIT_NPF, false, vmx_exit_ept_violation),
	[VMX_EXIT_EPT_MISCONFIG] = MAP(EXIT_UNHANDLED, false, vmx_exit_ept_misconfig),
	[VMX_EXIT_INVEPT] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_INVVPID] = INSN(EXIT_VIRT_INSN),
	[VMX_EXIT_PREEMPT_TIMER] = MAP(EXIT_EXTINT, false, NULL),
	[VMX_EXIT_WBINVD] = INSN(EXIT_CACHE),
	[VMX_EXIT_XSETBV] = INSN(EXIT_XSETBV),
	[VMX_EXIT_VMFUNC] = INSN(EXIT_VIRT_INSN),
};

/* A VM exit that is really a failed VM entry (26.7, 26.8). */
static void vmx_exit_entry_failed(struct vmx_vcpu *st, u32 reason, struct exit_record *e)
{
	e->kind = EXIT_INVALID;
	pr_err("vmx: d%u v%u VM entry failed: exit reason %u, qualification 0x%lx\n",
	       st->vcpu->domain->id, st->vcpu->id, reason & 0xffff, e->qual);
	vmx_dump_guest("failed entry");
}

bool vmx_exit_handle(struct vmx_vcpu *st, struct exit_record *e)
{
	u32 reason = vmx_vmread(VMCS_EXIT_REASON);
	u32 basic = reason & 0xffff;
	const struct vmx_exit_map *m = basic < VMX_EXIT_REASON_MAX ? &vmx_exits[basic] : NULL;

	e->raw = basic;
	e->qual = vmx_vmread(VMCS_EXIT_QUAL);
	e->insn_len = 0;
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		vmx_exit_entry_failed(st, reason, e);
		return false;
	}
	if (!m || !m->known) {
		e->kind = EXIT_UNHANDLED;
		return false;
	}
	e->kind = m->kind;
	if (m->insn)
		e->insn_len = vmx_vmread(VMCS_EXIT_INSN_LEN);
	return m->fn ? m->fn(st, e) : false;
}
