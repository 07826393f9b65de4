/*
 * The vendor interface: everything above it is the same on Intel VMX/EPT and
 * AMD SVM/NPT. One table of operations is chosen once at boot (virt_select)
 * and never changes; vendor code fills a vendor-neutral exit record and the
 * generic dispatcher (exit.c) takes it from there.
 *
 * Calling rules, for every op except cpu_enable and vcpu_create: call on the
 * vCPU's own pCPU (vCPUs never migrate), with interrupts disabled, after the
 * vCPU has been run at least once; its VMCS is then current / its VMCB valid.
 */
#ifndef BULKHEAD_VIRT_H
#define BULKHEAD_VIRT_H

#include "types.h"
#include "compiler.h"

struct vcpu;
struct p2m_format;

/* The general-purpose registers in x86 encoding order, then rip and rflags.
 * Offsets are ABI for the vendors' entry assembly (VCPU_REGS_* below). */
struct vcpu_regs {
	u64 gpr[16];	/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	u64 rip;
	u64 rflags;
};

enum gpr_index {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

/* Segment attributes in the packed 12-bit form SVM uses: type[3:0], S[4],
 * DPL[6:5], P[7], AVL[8], L[9], D/B[10], G[11]. VMX code converts. */
#define SEG_ATTR_L (1u << 9)
#define SEG_ATTR_DB (1u << 10)

/* Where and how a fresh vCPU starts. */
enum vcpu_start_mode { VCPU_START_REAL, VCPU_START_LONG };

struct vcpu_start {
	enum vcpu_start_mode mode;
	u64 rip, rsp, rflags;
	u16 cs_sel;		/* real mode: CS selector ... */
	u64 cs_base;		/* ... and base (0xffff0000 for the reset vector) */
	u64 cr3;		/* long mode: page tables built by the domain builder */
	u64 gdt_base;		/* long mode: GDT with code64 at 0x08, data at 0x10 */
	u16 gdt_limit;
};

/* The guest's paging and execution mode, for page walks, decoding and the
 * hypercall calling convention. */
struct guest_mode {
	u64 cr0, cr3, cr4, efer;
	u64 cs_base;
	u16 cs_attr;		/* packed form above */
	u8 cpl;
};

/* Events the core delivers to a guest at the next entry. */
enum guest_event_type { EVENT_EXTINT, EVENT_NMI, EVENT_EXCEPTION, EVENT_SOFTINT };

struct guest_event {
	u8 type;		/* enum guest_event_type */
	u8 vector;
	bool has_error;
	u32 error;
};

/* Why the guest stopped running. Vendor code maps its reasons onto these. */
enum exit_kind {
	EXIT_EXTINT,		/* a host interrupt arrived (timer, IPI, kick) */
	EXIT_INTR_WINDOW,	/* the guest can take an interrupt now */
	EXIT_CPUID,
	EXIT_HLT,
	EXIT_HYPERCALL,		/* VMCALL or VMMCALL */
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_NPF,		/* EPT violation / nested page fault */
	EXIT_TRIPLE_FAULT,	/* shutdown */
	EXIT_VIRT_INSN,		/* VMX/SVM instruction in the guest: #UD */
	EXIT_XSETBV,
	EXIT_EXCEPTION,		/* an intercepted guest exception: #DB, #AC, #MC */
	EXIT_DR_ACCESS,		/* MOV to or from a debug register, while intercepted */
	EXIT_CACHE,		/* INVD or WBINVD */
	EXIT_INVALID,		/* entry failed: inconsistent guest state */
	EXIT_UNHANDLED,		/* a reason the vendor code does not map */
	EXIT_KIND_COUNT
};

struct exit_record {
	u32 kind;		/* enum exit_kind */
	u32 insn_len;		/* length of the exiting instruction; 0 = unknown, decode it */
	u64 raw;		/* the vendor's own exit code, for logs */
	u64 qual;		/* the vendor's qualification / exitinfo1, for logs */
	union {
		struct {
			u16 port;
			u8 size;	/* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			u64 gpa;
			bool read, write, exec;
		} npf;
		struct {
			u32 index;
		} msr;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u32 dr6;	/* #DB: DR6 bits the CPU reported but did not
					 * write (VMX's qualification); 0 on SVM */
		} exc;
		struct {
			u64 cr2;	/* the guest's CR2: its last page fault's address */
			u64 event;	/* the event being delivered, if any: vector 7:0,
					 * type 10:8, error valid 11, valid 31, error
					 * code 63:32 (SVM EXITINTINFO; VMX IDT-vectoring
					 * information and its error code) */
		} shutdown;
	};
};

struct virt_ops {
	const char *name;			/* "VMX/EPT" or "SVM/NPT" */
	const struct p2m_format *p2m_format;	/* its second-level entry format */
	u8 hypercall_insn[3];			/* VMCALL or VMMCALL, for the hypercall page */
	u32 caps;				/* BH_VIRT_CAP_* for the toolstack (bulkhead.h) */

	/* Turn virtualization on for the calling pCPU (VMXON, or EFER.SVME and
	 * the host save area). 0 or a negative errno. */
	int (*cpu_enable)(void);
	/* Allocate and fill the vCPU's VMCS/VMCB for its start state; any CPU.
	 * v->domain->p2m is complete. 0 or -ENOMEM. */
	int (*vcpu_create)(struct vcpu *v, const struct vcpu_start *s);
	/* Free what vcpu_create allocated (VMCLEAR first on VMX). */
	void (*vcpu_destroy)(struct vcpu *v);
	/* Enter the guest with v->regs, return at its next exit with v->regs
	 * saved and e filled. If v->regs.rip changed since the last exit, the
	 * interrupt shadow (STI / MOV SS) is cleared. If v->domain->p2m_gen
	 * differs from the value this vCPU last entered with, its cached
	 * second-level translations are flushed first (INVEPT single-context /
	 * an ASID flush). Interrupts are off. */
	void (*run)(struct vcpu *v, struct exit_record *e);
	void (*get_mode)(struct vcpu *v, struct guest_mode *m);
	/* Queue an event for delivery at the next entry. */
	void (*inject)(struct vcpu *v, const struct guest_event *ev);
	/* True when an external interrupt can be delivered at the next entry:
	 * RFLAGS.IF set, no interrupt shadow, no event already queued. */
	bool (*intr_allowed)(struct vcpu *v);
	/* Ask for (or stop asking for) an EXIT_INTR_WINDOW exit. */
	void (*set_intr_window)(struct vcpu *v, bool on);
	/* True when an NMI can be delivered at the next entry: no NMI in
	 * service (delivered, its handler's IRET not yet run), no interrupt
	 * shadow, no event already queued. */
	bool (*nmi_allowed)(struct vcpu *v);
	/* Ask for an exit once that changes (it comes as EXIT_INTR_WINDOW). */
	void (*set_nmi_window)(struct vcpu *v);
	/* True while an event handed to the CPU (inject, or the re-delivery of
	 * one an exit cut short) waits for the guest to take it: a vCPU that
	 * halts then (STI;HLT) must not sleep. */
	bool (*event_queued)(struct vcpu *v);
	/* The guest writes EFER (after the core validated the value). */
	void (*set_efer)(struct vcpu *v, u64 efer);
	/* Make MOV to/from DR0-7 exit (EXIT_DR_ACCESS), or run natively once
	 * the core switches this vCPU's debug registers (vcpu.c). */
	void (*set_dr_intercept)(struct vcpu *v, bool on);
	/* The segment bases ES, CS, SS, DS, FS, GS (string I/O, MMIO decoding). */
	void (*seg_bases)(struct vcpu *v, u64 base[6]);
	/* INIT-SIPI (hvm.c): the guest state becomes s (real mode), with no
	 * event queued; v->regs are the caller's to set. */
	void (*reset)(struct vcpu *v, const struct vcpu_start *s);
};

/* The table chosen at boot: &vmx_ops or &svm_ops. */
extern const struct virt_ops *virt;
extern const struct virt_ops vmx_ops, svm_ops;

/* Picks the vendor for this machine or stops with one clear message. */
void virt_select(void);

/* MSRs the guest reads and writes directly; every other MSR exits. */
extern const u32 msr_passthrough[];
extern const unsigned msr_passthrough_count;

#endif
