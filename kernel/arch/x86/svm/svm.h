/*
 * The AMD SVM/NPT backend's private interface between its files (mirrors
 * vmx/vmx.h):
 *   svm_cpu.c    capabilities, EFER.SVME and the host save area, the shared
 *                I/O and MSR permission maps
 *   svm_setup.c  filling a fresh VMCB (intercepts, start state)
 *   svm_exit.c   turning a #VMEXIT into an exit_record through one table
 *   svm.c        struct virt_ops svm_ops: create, run, inject, ...
 *   svm_entry.asm  the VMRUN stub
 * Everything outside this folder sees only svm_ops and svm_supported().
 */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include "types.h"
#include "vcpu.h"

/* Per-pCPU state, this_cpu()->vendor. */
struct svm_cpu {
	void *hsave;		/* host save area, VM_HSAVE_PA */
	void *host_vmcb;	/* host state for VMLOAD after each exit */
	void *last_vmcb;	/* the VMCB last run here: a switch flushes the TLB */
};

/* Per-vCPU state, v->vendor. All fields (P): owning pCPU only. */
struct svm_vcpu {
	void *vmcb;
	u64 exit_rip;		/* guest RIP at the last exit */
	u64 p2m_gen;		/* the domain's p2m generation at the last entry */
	/* An NMI's handler runs from its delivery to its IRET, which exits
	 * (MISC1_IRET) before it executes: NMIs stay blocked until the guest
	 * has left iret_rip (SVM keeps no such state for injected NMIs). */
	bool nmi_blocked;
	bool iret_seen;
	u64 iret_rip;
};

static inline void *svm_vmcb(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->vendor)->vmcb;
}

/* svm_cpu.c */
bool svm_supported(const char **why);
int svm_cpu_enable(void);
extern bool svm_have_nrips;
extern u32 svm_nr_asids;
paddr_t svm_iopm_pa(void);
paddr_t svm_msrpm_pa(void);

/* svm_setup.c: intercepts and the start state of a fresh VMCB. */
void svm_vmcb_setup(void *vmcb, struct vcpu *v, const struct vcpu_start *st);
void svm_vmcb_reset(void *vmcb, const struct vcpu_start *st);
/* Debug-register accesses exit (on) or run natively (off). */
void svm_dr_intercept(void *vmcb, bool on);

/* svm_exit.c: the exit record for the VMCB's last #VMEXIT; rip is the
 * guest RIP it stopped at. */
void svm_exit_decode(void *vmcb, u64 rip, struct exit_record *e);

/* svm_entry.asm */
void svm_enter(struct vcpu_regs *regs, u64 vmcb_pa, u64 host_vmcb_pa);

#endif
