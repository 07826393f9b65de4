/*
 * Filling a fresh VMCS on its vCPU's pCPU (the VMCS is current): execution,
 * exit and entry controls (SDM 24.6-24.8), the host state a VM exit loads
 * (24.5, 27.5), and the guest's start state (24.4) checked by VM entry
 * (26.3.1). Also the segment access-rights conversion and a state dump.
 */
#include "vmx.h"
#include "cpu.h"
#include "percpu.h"
#include "domain.h"
#include "console.h"

#define GUEST_PAT_RESET 0x0007040600070406ull	/* IA32_PAT at power-on */

/* VMX access rights: the SVM packed attributes' low byte in bits 7:0 and
 * AVL/L/D/G in bits 15:12 (24.4.1). */
u32 vmx_ar_from_attr(u16 attr)
{
	return (attr & 0xff) | ((u32)(attr >> 8) & 0xf) << 12;
}

u16 vmx_attr_from_ar(u32 ar)
{
	return (ar & 0xff) | ((ar >> 12) & 0xf) << 8;
}

void vmx_vmwrite(u32 field, u64 val)
{
	if (unlikely(!vmx_vmwrite_raw(field, val)))
		pr_err("vmx: VMWRITE 0x%x failed, VM-instruction error %u\n", field,
		       (unsigned)vmx_vmread(VMCS_INSN_ERROR));
}

static void vmx_setup_controls(struct vmx_vcpu *st)
{
	struct vcpu *v = st->vcpu;
	bool long_mode = st->start.mode == VCPU_START_LONG;

	st->pin_ctls = vmx_caps.pin_ctls;
	st->proc_ctls = vmx_caps.proc_ctls;
	vmx_vmwrite(VMCS_PIN_CTLS, st->pin_ctls);
	vmx_vmwrite(VMCS_PROC_CTLS, st->proc_ctls);
	vmx_vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2_ctls);
	vmx_vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit_ctls);
	vmx_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry_ctls | (long_mode ? ENTRY_IA32E : 0));
	vmx_vmwrite(VMCS_VPID, v->tag);
	vmx_vmwrite(VMCS_EPTP, v->domain->p2m.root | EPTP_WB | EPTP_WALK4);
	vmx_vmwrite(VMCS_MSR_BITMAP, vmx_msr_bitmap_pa());
	/* #DB and #AC: a delivery loop of either is then a loop of exits, not of
	 * microcode (CVE-2015-8104, CVE-2015-5307); #MC: the host's. */
	vmx_vmwrite(VMCS_EXCEPTION_BITMAP, 1u << 1 | 1u << 17 | 1u << 18);
	vmx_vmwrite(VMCS_PF_ERR_MASK, 0);
	vmx_vmwrite(VMCS_PF_ERR_MATCH, 0);
	vmx_vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmx_vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmx_vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmx_vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmx_vmwrite(VMCS_TSC_OFFSET, 0);
	if (vmx_caps.proc2_ctls & PROC2_XSAVES)
		vmx_vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
	vmx_vmwrite(VMCS_CR0_MASK, vmx_cr0_owned());
	vmx_vmwrite(VMCS_CR4_MASK, vmx_cr4_owned());
	vmx_vmwrite(VMCS_LINK_POINTER, ~0ull);
}

struct vmx_dtr {
	u16 limit;
	u64 base;
} __packed;

static u16 vmx_str(void)
{
	u16 sel;

	__asm__ __volatile__("str %0" : "=r"(sel));
	return sel;
}

/* What a VM exit loads (27.5): this CPU's registers as they are now. */
static void vmx_setup_host(void)
{
	struct vmx_dtr gdtr, idtr;
	u16 tr = vmx_str();

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vmx_vmwrite(VMCS_HOST_CR0, read_cr0());
	vmx_vmwrite(VMCS_HOST_CR3, read_cr3());
	vmx_vmwrite(VMCS_HOST_CR4, read_cr4());
	vmx_vmwrite(VMCS_HOST_CS_SEL, GDT_CODE64);
	vmx_vmwrite(VMCS_HOST_SS_SEL, GDT_DATA);
	vmx_vmwrite(VMCS_HOST_DS_SEL, GDT_DATA);
	vmx_vmwrite(VMCS_HOST_ES_SEL, GDT_DATA);
	vmx_vmwrite(VMCS_HOST_FS_SEL, GDT_DATA);
	vmx_vmwrite(VMCS_HOST_GS_SEL, GDT_DATA);
	vmx_vmwrite(VMCS_HOST_TR_SEL, tr ? tr : GDT_TSS);
	vmx_vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmx_vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmx_vmwrite(VMCS_HOST_TR_BASE, (u64)(uintptr_t)&this_cpu()->tss);
	vmx_vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmx_vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmx_vmwrite(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS) & 0xffffffff);
	vmx_vmwrite(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmx_vmwrite(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmx_vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmx_vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmx_vmwrite(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_stub);
	/* VMCS_HOST_RSP is written by vmx_enter before each entry. */
}

static void vmx_set_seg(enum vmx_seg s, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmx_vmwrite(vmcs_seg_field(VMCS_GUEST_ES_SEL, s), sel);
	vmx_vmwrite(vmcs_seg_field(VMCS_GUEST_ES_BASE, s), base);
	vmx_vmwrite(vmcs_seg_field(VMCS_GUEST_ES_LIMIT, s), limit);
	vmx_vmwrite(vmcs_seg_field(VMCS_GUEST_ES_AR, s), ar);
}

static void vmx_set_crs(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	vmx_vmwrite(VMCS_GUEST_CR0, cr0 | vmx_cr0_forced());
	vmx_vmwrite(VMCS_CR0_SHADOW, cr0);
	vmx_vmwrite(VMCS_GUEST_CR3, cr3);
	vmx_vmwrite(VMCS_GUEST_CR4, cr4 | vmx_cr4_forced());
	vmx_vmwrite(VMCS_CR4_SHADOW, cr4);
	vmx_vmwrite(VMCS_GUEST_EFER, efer);
}

/* Real mode under unrestricted guest (26.3.1.2): 64 KiB segments, a busy
 * 32-bit TSS (type 11) and an unusable LDTR satisfy the entry checks. */
static void vmx_setup_guest_real(const struct vcpu_start *s)
{
	static const enum vmx_seg data[] = { SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

	vmx_set_seg(SEG_CS, s->cs_sel, s->cs_base, 0xffff, 0x9b);
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++)
		vmx_set_seg(data[i], 0, 0, 0xffff, 0x93);
	vmx_set_seg(SEG_TR, 0, 0, 0xffff, 0x8b);
	vmx_set_seg(SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	vmx_vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmx_vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmx_vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmx_vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmx_set_crs(CR0_ET, 0, 0, 0);
}

/* 64-bit mode with the domain builder's page tables and GDT. */
static void vmx_setup_guest_long(const struct vcpu_start *s)
{
	static const enum vmx_seg data[] = { SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

	vmx_set_seg(SEG_CS, GDT_CODE64, 0, 0xffffffff, 0xa09b);
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++)
		vmx_set_seg(data[i], GDT_DATA, 0, 0xffffffff, 0xc093);
	vmx_set_seg(SEG_TR, 0, 0, 0xffff, 0x8b);
	vmx_set_seg(SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	vmx_vmwrite(VMCS_GUEST_GDTR_BASE, s->gdt_base);
	vmx_vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdt_limit);
	vmx_vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmx_vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
	vmx_set_crs(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG, s->cr3,
		    CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT, EFER_LME | EFER_LMA);
}

void vmx_setup_guest(struct vmx_vcpu *st)
{
	const struct vcpu_start *s = &st->start;

	if (s->mode == VCPU_START_LONG)
		vmx_setup_guest_long(s);
	else
		vmx_setup_guest_real(s);
	vmx_vmwrite(VMCS_GUEST_RIP, s->rip);
	vmx_vmwrite(VMCS_GUEST_RSP, s->rsp);
	vmx_vmwrite(VMCS_GUEST_RFLAGS, s->rflags | 2);
	vmx_vmwrite(VMCS_GUEST_DR7, DR7_RESET);
	vmx_vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmx_vmwrite(VMCS_GUEST_PAT, GUEST_PAT_RESET);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmx_vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmx_vmwrite(VMCS_GUEST_INTR_STATE, 0);
	vmx_vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	for (unsigned i = 0; i < 4; i++)
		vmx_vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, 0);
}

/* The VMCS is current and clear; fill every field the backend relies on
 * (VMCLEAR leaves the others undefined), then drop stale translations a
 * recycled VPID or EPT root may have left behind. */
void vmx_vmcs_setup(struct vmx_vcpu *st)
{
	struct vcpu *v = st->vcpu;

	vmx_setup_controls(st);
	vmx_setup_host();
	vmx_setup_guest(st);
	vmx_flush_ept(v->domain->p2m.root | EPTP_WB | EPTP_WALK4);
	vmx_flush_vpid(v->tag);
}

/* The current VMCS's guest state, for a failed entry. */
void vmx_dump_guest(const char *why)
{
	pr_err("vmx: %s: rip %lx rsp %lx rflags %lx intr %x activity %x\n", why,
	       vmx_vmread(VMCS_GUEST_RIP), vmx_vmread(VMCS_GUEST_RSP),
	       vmx_vmread(VMCS_GUEST_RFLAGS), (u32)vmx_vmread(VMCS_GUEST_INTR_STATE),
	       (u32)vmx_vmread(VMCS_GUEST_ACTIVITY));
	pr_err("vmx:  cr0 %lx (shadow %lx) cr3 %lx cr4 %lx (shadow %lx) efer %lx\n",
	       vmx_vmread(VMCS_GUEST_CR0), vmx_vmread(VMCS_CR0_SHADOW),
	       vmx_vmread(VMCS_GUEST_CR3), vmx_vmread(VMCS_GUEST_CR4),
	       vmx_vmread(VMCS_CR4_SHADOW), vmx_vmread(VMCS_GUEST_EFER));
	for (enum vmx_seg s = SEG_ES; s < SEG_COUNT; s++)
		pr_err("vmx:  seg %d sel %lx base %lx limit %lx ar %lx\n", s,
		       vmx_vmread(vmcs_seg_field(VMCS_GUEST_ES_SEL, s)),
		       vmx_vmread(vmcs_seg_field(VMCS_GUEST_ES_BASE, s)),
		       vmx_vmread(vmcs_seg_field(VMCS_GUEST_ES_LIMIT, s)),
		       vmx_vmread(vmcs_seg_field(VMCS_GUEST_ES_AR, s)));
	pr_err("vmx:  pin %lx proc %lx proc2 %lx exit %lx entry %lx event %lx\n",
	       vmx_vmread(VMCS_PIN_CTLS), vmx_vmread(VMCS_PROC_CTLS),
	       vmx_vmread(VMCS_PROC_CTLS2), vmx_vmread(VMCS_EXIT_CTLS),
	       vmx_vmread(VMCS_ENTRY_CTLS), vmx_vmread(VMCS_ENTRY_INTR_INFO));
}
