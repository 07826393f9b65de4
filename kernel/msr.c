/* Guest MSRs: EFER, the APIC base and TSC deadline, the x2APIC range, Xen's hypercall page. */
#include "msr.h"
#include "vcpu.h"
#include "vlapic.h"
#include "domain.h"
#include "hypercall.h"
#include "cpu.h"
#include "errno.h"
#include "public/xen.h"
#include "lib.h"

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRR_CAP 0xfe
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MCG_CAP 0x179	/* no machine-check banks (SDM Vol 3B 16.3.1) */
#define MSR_MCG_STATUS 0x17a
#define MSR_AMD_INT_PENDING 0xc0010055	/* C1E message bits: none (APM Vol 2 A.8) */
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_TSC_DEADLINE 0x6e0

const u32 msr_passthrough[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
	MSR_SFMASK, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_PAT,
};
const unsigned msr_passthrough_count = ARRAY_SIZE(msr_passthrough);


int msr_read(struct vcpu *v, u32 index, u64 *val)
{
	struct guest_mode m;

	if (index >= 0x800 && index <= 0x8ff)
		return vlapic_msr_read(v, index, val);
	switch (index) {
	case MSR_EFER:
		virt->get_mode(v, &m);
		*val = m.efer & ~EFER_SVME;
		return 0;
	case MSR_APIC_BASE:
		*val = vlapic_base(v);
		return 0;
	case MSR_TSC_DEADLINE:
		*val = vlapic_tsc_deadline(v);
		return 0;
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	case MSR_FEATURE_CONTROL:
		*val = 1;	/* locked, VMX off */
		return 0;
	case MSR_PLATFORM_ID:
	case MSR_MCG_CAP:
	case MSR_MCG_STATUS:
	case MSR_AMD_INT_PENDING:
	case MSR_BIOS_SIGN_ID:
	case MSR_MTRR_CAP:
	case MSR_MTRR_DEF_TYPE:
		*val = 0;
		return 0;
	case MSR_MISC_ENABLE:
		*val = 1;	/* fast strings */
		return 0;
	case XEN_HYPERCALL_PAGE_MSR:
		*val = v->domain->hypercall_page_gpa;
		return 0;
	default:
		return -EINVAL;
	}
}

static int efer_write(struct vcpu *v, u64 val)
{
	const u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	struct guest_mode m;

	if (val & ~allowed)
		return -EINVAL;
	virt->get_mode(v, &m);
	/* LMA is the CPU's; LME may not change while paging is on (SDM 9.8.5). */
	val = (val & ~EFER_LMA) | (m.efer & EFER_LMA);
	if ((m.cr0 & CR0_PG) && ((val ^ m.efer) & EFER_LME))
		return -EINVAL;
	virt->set_efer(v, val);
	return 0;
}

int msr_write(struct vcpu *v, u32 index, u64 val)
{
	if (index >= 0x800 && index <= 0x8ff)
		return vlapic_msr_write(v, index, val);
	switch (index) {
	case MSR_EFER:
		return efer_write(v, val);
	case MSR_APIC_BASE:
		return vlapic_set_base(v, val);
	case MSR_TSC_DEADLINE:
		vlapic_set_tsc_deadline(v, val);
		return 0;
	case MSR_BIOS_SIGN_ID:
	case MSR_MISC_ENABLE:
	case MSR_MTRR_DEF_TYPE:
	case MSR_MCG_STATUS:
		return 0;	/* accepted and ignored */
	case XEN_HYPERCALL_PAGE_MSR:
		return hypercall_page_install(v, val);
	default:
		return -EINVAL;
	}
}
