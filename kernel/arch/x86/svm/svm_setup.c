/*
 * Filling a fresh VMCB (AMD APM Vol 2 15.5, appendix B): the intercepts
 * every guest runs under and its start state.
 */
#include "svm.h"
#include "vcpu.h"
#include "domain.h"
#include "cpu.h"
#include "lib.h"
#include "vmcb.h"

#define VEC_DB 1
#define VEC_AC 17
#define VEC_MC 18
#define DR_INTERCEPT_ALL 0x00ff00ffu	/* reads and writes of DR0-7 */

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

/*
 * What exits. #DB and #AC: so a delivery loop of either is a loop of exits,
 * not of microcode (CVE-2015-8104, CVE-2015-5307); #MC: the host's. Debug
 * registers until the vCPU's own are switched in (vcpu.c). The SVM
 * instructions the guest does not have (EFER.SVME is forced on for VMRUN,
 * so INVLPGA would otherwise flush other ASIDs' translations), INVD and
 * WBINVD (caches are the host's), MONITOR/MWAIT (CPUID does not offer them).
 */
static void svm_intercepts(void *vmcb)
{
	*vmcb32(vmcb, VMCB_INTERCEPT_DR) = DR_INTERCEPT_ALL;
	*vmcb32(vmcb, VMCB_INTERCEPT_EXC) = 1u << VEC_DB | 1u << VEC_AC | 1u << VEC_MC;
	*vmcb32(vmcb, VMCB_INTERCEPT_MISC1) = MISC1_INTR | MISC1_NMI | MISC1_CPUID | MISC1_HLT |
					      MISC1_IOIO | MISC1_MSR | MISC1_SHUTDOWN |
					      MISC1_INVD | MISC1_INVLPGA;
	*vmcb32(vmcb, VMCB_INTERCEPT_MISC2) = MISC2_VMRUN | MISC2_VMMCALL | MISC2_VMLOAD |
					      MISC2_VMSAVE | MISC2_STGI | MISC2_CLGI |
					      MISC2_SKINIT | MISC2_XSETBV | MISC2_WBINVD |
					      MISC2_MONITOR | MISC2_MWAIT | MISC2_MWAIT_ARMED;
}

void svm_dr_intercept(void *vmcb, bool on)
{
	*vmcb32(vmcb, VMCB_INTERCEPT_DR) = on ? DR_INTERCEPT_ALL : 0;
}

void svm_vmcb_setup(void *vmcb, struct vcpu *v, const struct vcpu_start *st)
{
	svm_intercepts(vmcb);
	*vmcb64(vmcb, VMCB_IOPM_BASE) = svm_iopm_pa();
	*vmcb64(vmcb, VMCB_MSRPM_BASE) = svm_msrpm_pa();
	/* ASIDs may be shared modulo the CPU's count: a switch flushes (svm_run). */
	*vmcb32(vmcb, VMCB_ASID) = svm_nr_asids > 1 ? 1 + v->tag % (svm_nr_asids - 1) : 1;
	*vmcb64(vmcb, VMCB_VINTR) = VINTR_MASKING | VINTR_IGN_TPR;
	*vmcb64(vmcb, VMCB_NP_ENABLE) = 1;
	*vmcb64(vmcb, VMCB_NCR3) = v->domain->p2m.root;
	*vmcb64(vmcb, VMCB_GPAT) = 0x0007040600070406ull;	/* the reset PAT */
	*vmcb64(vmcb, VMCB_DR7) = DR7_RESET;
	*vmcb64(vmcb, VMCB_DR6) = DR6_RESET;
	if (st->mode == VCPU_START_REAL)
		svm_state_real(vmcb, st);
	else
		svm_state_long(vmcb, st);
}

/* INIT-SIPI: real mode at the SIPI's vector (SDM Vol 3A 9.1.1). */
void svm_vmcb_reset(void *vmcb, const struct vcpu_start *st)
{
	svm_state_real(vmcb, st);
	*vmcb64(vmcb, VMCB_CR3) = 0;
	*vmcb64(vmcb, VMCB_CR4) = 0;
	*vmcb64(vmcb, VMCB_DR7) = DR7_RESET;
	*vmcb64(vmcb, VMCB_EVENTINJ) = 0;
	*vmcb64(vmcb, VMCB_INT_STATE) = 0;
	*vmcb8(vmcb, VMCB_CPL) = 0;
}
