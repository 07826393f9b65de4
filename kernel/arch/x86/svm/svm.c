/* AMD SVM with nested paging (AMD APM Vol 2 ch. 15) behind struct virt_ops. */
#include "virt.h"
#include "vcpu.h"
#include "domain.h"
#include "p2m.h"
#include "percpu.h"
#include "frame.h"
#include "cpu.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "vmcb.h"

#define CPUID_SVM_FEATURES 0x8000000a
#define SVM_FEATURE_NPT (1u << 0)
#define SVM_FEATURE_NRIPS (1u << 3)
#define VM_CR_SVMDIS (1u << 4)

struct svm_cpu {
	void *hsave;		/* host save area, VM_HSAVE_PA */
	void *host_vmcb;	/* host state for VMLOAD after each exit */
	void *last_vmcb;	/* the VMCB last run here: a switch flushes the TLB */
};

struct svm_vcpu {
	void *vmcb;
	u64 exit_rip;		/* guest RIP at the last exit */
	u64 p2m_gen;		/* the domain's p2m generation at the last entry */
};

void svm_enter(struct vcpu_regs *regs, u64 vmcb_pa, u64 host_vmcb_pa);

/* One I/O and one MSR permission map for every guest (12 KiB and 8 KiB, contiguous). */
static u8 iopm[3 * PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 msrpm[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
static bool have_nrips;
static u32 nr_asids;

bool svm_supported(const char **why)
{
	struct cpuid_regs r;

	cpuid_count(0x80000001, 0, &r);
	if (!(r.ecx & (1u << 2))) {
		*why = "no AMD-V (SVM)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by the firmware";
		return false;
	}
	cpuid_count(CPUID_SVM_FEATURES, 0, &r);
	if (!(r.edx & SVM_FEATURE_NPT)) {
		*why = "no nested paging (NPT)";
		return false;
	}
	have_nrips = r.edx & SVM_FEATURE_NRIPS;
	nr_asids = r.ebx;
	return true;
}

/* MSRPM: two bits per MSR in three ranges of 8192 MSRs (APM 15.11). */
static void msrpm_allow(u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x2000, msr -= 0xc0000000;
	else
		return;
	msr += base;
	msrpm[msr / 4] &= (u8)~(3u << ((msr % 4) * 2));
}

static void svm_maps_init(void)
{
	memset(iopm, 0xff, sizeof(iopm));
	memset(msrpm, 0xff, sizeof(msrpm));
	for (unsigned i = 0; i < msr_passthrough_count; i++)
		msrpm_allow(msr_passthrough[i]);
}

static int svm_cpu_enable(void)
{
	struct pcpu *c = this_cpu();
	struct svm_cpu *s = page_alloc();

	if (!s)
		return -ENOMEM;
	s->hsave = page_alloc();
	s->host_vmcb = page_alloc();
	if (!s->hsave || !s->host_vmcb)
		return -ENOMEM;
	if (c->index == 0)
		svm_maps_init();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(s->hsave));
	/* The host's FS/GS/TR/LDTR and syscall MSRs, restored after every exit. */
	__asm__ __volatile__("vmsave %%rax" ::"a"(virt_to_phys(s->host_vmcb)) : "memory");
	c->vendor = s;
	return 0;
}

static void seg_set(void *vmcb, unsigned off, u16 sel, u16 attr, u32 limit, u64 base)
{
	*vmcb_seg(vmcb, off) = (struct vmcb_seg){ sel, attr, limit, base };
}

static void svm_state_real(void *vmcb, const struct vcpu_start *st)
{
	static const unsigned data[] = { VMCB_ES, VMCB_SS, VMCB_DS, VMCB_FS, VMCB_GS };

	seg_set(vmcb, VMCB_CS, st->cs_sel, 0x9b, 0xffff, st->cs_base);
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++)
		seg_set(vmcb, data[i], 0, 0x93, 0xffff, 0);
	seg_set(vmcb, VMCB_GDTR, 0, 0, 0xffff, 0);
	seg_set(vmcb, VMCB_IDTR, 0, 0, 0xffff, 0);
	seg_set(vmcb, VMCB_TR, 0, 0x8b, 0xffff, 0);
	seg_set(vmcb, VMCB_LDTR, 0, 0x82, 0xffff, 0);
	*vmcb64(vmcb, VMCB_CR0) = CR0_ET;
	*vmcb64(vmcb, VMCB_EFER) = EFER_SVME;
}

static void svm_state_long(void *vmcb, const struct vcpu_start *st)
{
	static const unsigned data[] = { VMCB_ES, VMCB_SS, VMCB_DS, VMCB_FS, VMCB_GS };

	seg_set(vmcb, VMCB_CS, 0x08, 0xa9b, 0xffffffff, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++)
		seg_set(vmcb, data[i], 0x10, 0xc93, 0xffffffff, 0);
	seg_set(vmcb, VMCB_GDTR, 0, 0, st->gdt_limit, st->gdt_base);
	seg_set(vmcb, VMCB_IDTR, 0, 0, 0, 0);
	seg_set(vmcb, VMCB_TR, 0, 0x8b, 0x67, 0);
	seg_set(vmcb, VMCB_LDTR, 0, 0x82, 0, 0);
	*vmcb64(vmcb, VMCB_CR0) = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	*vmcb64(vmcb, VMCB_CR3) = st->cr3;
	*vmcb64(vmcb, VMCB_CR4) = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	*vmcb64(vmcb, VMCB_EFER) = EFER_SVME | EFER_LME | EFER_LMA;
}

static void svm_controls(void *vmcb, struct vcpu *v)
{
	*vmcb32(vmcb, VMCB_INTERCEPT_EXC) = 1u << 18;	/* #MC */
	*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) = MISC1_INTR | MISC1_NMI | MISC1_CPUID | MISC1_HLT |
					      MISC1_IOIO | MISC1_MSR | MISC1_SHUTDOWN;
	*vmcb32(vmcb, VMCB_INTERCEPT_MISC2) = MISC2_VMRUN | MISC2_VMMCALL | MISC2_VMLOAD |
					      MISC2_VMSAVE | MISC2_STGI | MISC2_CLGI |
					      MISC2_SKINIT | MISC2_XSETBV;
	*vmcb64(vmcb, VMCB_IOPM_BASE) = virt_to_phys(iopm);
	*vmcb64(vmcb, VMCB_MSRPM_BASE) = virt_to_phys(msrpm);
	/* ASIDs may be shared modulo the CPU's count: a switch flushes (svm_run). */
	*vmcb32(vmcb, VMCB_ASID) = nr_asids > 1 ? 1 + v->tag % (nr_asids - 1) : 1;
	*vmcb64(vmcb, VMCB_VINTR) = VINTR_MASKING | VINTR_IGN_TPR;
	*vmcb64(vmcb, VMCB_NP_ENABLE) = 1;
	*vmcb64(vmcb, VMCB_NCR3) = v->domain->p2m.root;
	*vmcb64(vmcb, VMCB_GPAT) = 0x0007040600070406ull;	/* the reset PAT */
	*vmcb64(vmcb, VMCB_DR7) = 0x400;
	*vmcb64(vmcb, VMCB_DR6) = 0xffff0ff0;
}

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
	svm_controls(s->vmcb, v);
	if (st->mode == VCPU_START_REAL)
		svm_state_real(s->vmcb, st);
	else
		svm_state_long(s->vmcb, st);
	s->exit_rip = st->rip;
	v->vendor = s;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = v->vendor;
	struct svm_cpu *c = this_cpu()->vendor;

	if (c->last_vmcb == s->vmcb)
		c->last_vmcb = NULL;
	page_free(s->vmcb);
	page_free(s);
	v->vendor = NULL;
}

static void svm_exit_io(struct exit_record *e, u64 info1)
{
	e->kind = EXIT_IO;
	e->io.in = info1 & 1;
	e->io.string = info1 & (1u << 2);
	e->io.rep = info1 & (1u << 3);
	e->io.size = info1 & (1u << 4) ? 1 : info1 & (1u << 5) ? 2 : 4;
	e->io.port = (u16)(info1 >> 16);
}

/* Maps an exit code onto the vendor-neutral record. */
static void svm_exit_decode(void *vmcb, u64 rip, struct exit_record *e)
{
	u64 code = *vmcb64(vmcb, VMCB_EXITCODE), info1 = *vmcb64(vmcb, VMCB_EXITINFO1);
	u64 info2 = *vmcb64(vmcb, VMCB_EXITINFO2);

	memset(e, 0, sizeof(*e));
	e->raw = code;
	e->qual = info1;
	if (have_nrips && *vmcb64(vmcb, VMCB_NRIP) > rip)
		e->insn_len = (u32)(*vmcb64(vmcb, VMCB_NRIP) - rip);
	switch (code) {
	case SVM_EXIT_INTR: case SVM_EXIT_NMI: case SVM_EXIT_SMI:
		e->kind = EXIT_EXTINT; break;
	case SVM_EXIT_VINTR: e->kind = EXIT_INTR_WINDOW; break;
	case SVM_EXIT_CPUID: e->kind = EXIT_CPUID; break;
	case SVM_EXIT_HLT: e->kind = EXIT_HLT; break;
	case SVM_EXIT_VMMCALL: e->kind = EXIT_HYPERCALL; break;
	case SVM_EXIT_MSR: e->kind = info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ; break;
	case SVM_EXIT_SHUTDOWN: e->kind = EXIT_TRIPLE_FAULT; break;
	case SVM_EXIT_XSETBV: e->kind = EXIT_XSETBV; break;
	case SVM_EXIT_INVALID: e->kind = EXIT_INVALID; break;
	case SVM_EXIT_IOIO:
		svm_exit_io(e, info1);
		e->insn_len = (u32)(info2 - rip);	/* EXITINFO2 is the next RIP */
		break;
	case SVM_EXIT_NPF:
		e->kind = EXIT_NPF;
		e->npf.gpa = info2;
		e->npf.write = info1 & 2;
		e->npf.exec = info1 & 16;
		e->npf.read = !e->npf.write && !e->npf.exec;
		break;
	case SVM_EXIT_EXCP_BASE + 18:
		e->kind = EXIT_EXCEPTION;
		e->exc.vector = 18;
		break;
	default:
		e->kind = code >= SVM_EXIT_VMRUN && code <= SVM_EXIT_SKINIT ? EXIT_VIRT_INSN
									  : EXIT_UNHANDLED;
		break;
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
	/* An event cut short by the exit is delivered again (APM 15.7.2). */
	intinfo = *vmcb64(vmcb, VMCB_EXITINTINFO);
	if (intinfo & EVENT_VALID)
		*vmcb64(vmcb, VMCB_EVENTINJ) = intinfo;
	svm_exit_decode(vmcb, v->regs.rip, e);
}

static void svm_get_mode(struct vcpu *v, struct guest_mode *m)
{
	void *vmcb = ((struct svm_vcpu *)v->vendor)->vmcb;

	m->cr0 = *vmcb64(vmcb, VMCB_CR0);
	m->cr3 = *vmcb64(vmcb, VMCB_CR3);
	m->cr4 = *vmcb64(vmcb, VMCB_CR4);
	m->efer = *vmcb64(vmcb, VMCB_EFER) & ~EFER_SVME;
	m->cs_base = vmcb_seg(vmcb, VMCB_CS)->base;
	m->cs_attr = vmcb_seg(vmcb, VMCB_CS)->attr;
	m->cpl = *vmcb8(vmcb, VMCB_CPL);
}

static void svm_inject(struct vcpu *v, const struct guest_event *ev)
{
	static const u8 type[] = { [EVENT_EXTINT] = 0, [EVENT_NMI] = 2, [EVENT_EXCEPTION] = 3,
				   [EVENT_SOFTINT] = 4 };
	void *vmcb = ((struct svm_vcpu *)v->vendor)->vmcb;

	*vmcb64(vmcb, VMCB_EVENTINJ) = ev->vector | ((u64)type[ev->type] << 8) | EVENT_VALID |
				       (ev->has_error ? EVENT_ERROR_VALID | ((u64)ev->error << 32) : 0);
}

static bool svm_intr_allowed(struct vcpu *v)
{
	void *vmcb = ((struct svm_vcpu *)v->vendor)->vmcb;

	return (v->regs.rflags & RFLAGS_IF) && !(*vmcb64(vmcb, VMCB_INT_STATE) & 1) &&
	       !(*vmcb64(vmcb, VMCB_EVENTINJ) & EVENT_VALID);
}

/* A virtual interrupt request makes the CPU exit (VINTR) once it could be taken. */
static void svm_set_intr_window(struct vcpu *v, bool on)
{
	void *vmcb = ((struct svm_vcpu *)v->vendor)->vmcb;

	if (on) {
		*vmcb64(vmcb, VMCB_VINTR) |= VINTR_IRQ;
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) |= MISC1_VINTR;
	} else {
		*vmcb64(vmcb, VMCB_VINTR) &= ~VINTR_IRQ;
		*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) &= ~MISC1_VINTR;
	}
}

static void svm_set_efer(struct vcpu *v, u64 efer)
{
	void *vmcb = ((struct svm_vcpu *)v->vendor)->vmcb;

	*vmcb64(vmcb, VMCB_EFER) = efer | EFER_SVME;	/* VMRUN requires SVME (APM 15.5.1) */
}

const struct virt_ops svm_ops = {
	.name = "SVM/NPT",
	.p2m_format = &p2m_format_npt,
	.cpu_enable = svm_cpu_enable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.get_mode = svm_get_mode,
	.inject = svm_inject,
	.intr_allowed = svm_intr_allowed,
	.set_intr_window = svm_set_intr_window,
	.set_efer = svm_set_efer,
};
