/*
 * The Intel VMX/EPT backend's private interface between its files:
 *   vmx_cpu.c    capabilities, VMXON, the shared MSR bitmap
 *   vmx_setup.c  filling a fresh VMCS (controls, host and guest state)
 *   vmx_exit.c   turning a VM exit into an exit_record, or resolving it here
 *   vmx.c        struct virt_ops vmx_ops: create, run, inject, ...
 *   vmx_entry.asm  the VMLAUNCH/VMRESUME stub and the host's VM-exit RIP
 * Everything outside this folder sees only vmx_ops and vmx_supported().
 */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include "types.h"
#include "vcpu.h"
#include "vmcs.h"

struct vcpu;

/* What this machine's VMX offers, read once by vmx_supported(). */
struct vmx_caps {
	u64 basic;
	u64 misc;
	u64 ept_vpid;
	u64 pin, proc, proc2, exit, entry;	/* allowed-0 low, allowed-1 high */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* The controls every VMCS starts with (vmx_cpu.c). */
	u32 pin_ctls, proc_ctls, proc2_ctls, exit_ctls, entry_ctls;
	u32 preempt_ticks;	/* one host tick in preemption-timer units; 0 = none */
	bool virt_nmi;		/* virtual NMIs and NMI-window exiting: guests get NMIs */
};

extern struct vmx_caps vmx_caps;

/* Passthrough MSRs that VMX does not switch itself (SYSCALL targets,
 * KERNEL_GS_BASE, TSC_AUX): swapped when the current vCPU of a pCPU changes. */
#define VMX_SWAP_MSRS_MAX 8
extern u32 vmx_swap_msrs[VMX_SWAP_MSRS_MAX];
extern unsigned vmx_swap_msr_count;

/* An event for the next VM entry, in VM-entry interruption-info form. */
struct vmx_event {
	u32 info;		/* 0 = none; else INTR_INFO_VALID | type | vector */
	u32 error;
	u32 insn_len;		/* software interrupts and exceptions */
};

/* Per-vCPU state, v->vendor. All fields (P): owning pCPU only. */
struct vmx_vcpu {
	struct vcpu *vcpu;
	void *vmcs;			/* the VMCS region, one page */
	struct vcpu_start start;	/* applied at the first run */
	bool set_up;			/* VMCS filled on the owning pCPU */
	bool launched;			/* VMLAUNCH done: VMRESUME from now on */
	u32 pin_ctls;			/* pin-based controls as last written */
	u32 proc_ctls;			/* primary controls as last written */
	bool want_intr_window;		/* set_intr_window() asked for it */
	bool want_nmi_window;		/* set_nmi_window() asked, since the last exit */
	bool had_nmi;			/* ever injected one: its IRET may be cut short */
	u64 exit_rip;			/* guest RIP at the last exit */
	u32 intr_state;			/* guest interruptibility at the last exit */
	u64 cr2;			/* guest CR2: not in the VMCS */
	struct guest_event pending;	/* queued by inject() */
	bool has_pending;
	struct vmx_event reinject;	/* cut off by the last exit (SDM 27.2.4) */
	u64 msrs[VMX_SWAP_MSRS_MAX];	/* values of vmx_swap_msrs while not loaded */
	u64 p2m_gen;			/* the domain's p2m generation at the last entry */
};

/* Per-pCPU state, this_cpu()->vendor. */
struct vmx_pcpu {
	void *vmxon;			/* the VMXON region */
	struct vmx_vcpu *current;	/* whose VMCS is current here, or NULL */
};

static inline struct vmx_vcpu *vmx_of(struct vcpu *v) { return v->vendor; }

/* vmx_cpu.c */
bool vmx_supported(const char **why);
int vmx_cpu_enable(void);
paddr_t vmx_msr_bitmap_pa(void);
u64 vmx_cr0_owned(void);	/* CR0 bits the host owns (guest/host mask) */
u64 vmx_cr4_owned(void);
u64 vmx_cr0_forced(void);	/* CR0 bits that must be 1 while in VMX */
u64 vmx_cr4_forced(void);
void vmx_flush_vpid(u16 vpid);
void vmx_flush_ept(paddr_t eptp);

/* vmx_setup.c */
void vmx_vmcs_setup(struct vmx_vcpu *st);
/* The guest-state area from st->start (first run, and INIT-SIPI). */
void vmx_setup_guest(struct vmx_vcpu *st);
void vmx_vmwrite(u32 field, u64 val);
u32 vmx_ar_from_attr(u16 attr);
u16 vmx_attr_from_ar(u32 ar);
void vmx_dump_guest(const char *why);

/* vmx_exit.c: true when the exit was resolved here and the guest may be
 * re-entered at once; false when *e now describes it for the core. */
bool vmx_exit_handle(struct vmx_vcpu *st, struct exit_record *e);
u64 vmx_guest_cr0(void);
u64 vmx_guest_cr4(void);

/* vmx_entry.asm: loads regs, VMLAUNCH (launched = 0) or VMRESUME, and
 * returns at the VM exit with regs saved: 0, or 1 for VMfailInvalid and
 * 2 for VMfailValid when the instruction itself failed. */
int vmx_enter(struct vcpu_regs *regs, u64 launched);
void vmx_exit_stub(void);

#endif
