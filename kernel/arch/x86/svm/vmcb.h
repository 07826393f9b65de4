/* The VMCB layout (AMD APM Vol 2, appendix B) as offsets; only what Bulkhead uses. */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "types.h"

/* Control area */
#define VMCB_INTERCEPT_DR 0x004	/* reads 15:0, writes 31:16 */
#define VMCB_INTERCEPT_EXC 0x008
#define VMCB_INTERCEPT_MISC1 0x00c
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_VINTR 0x060
#define VMCB_INT_STATE 0x068
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_NCR3 0x0b0
#define VMCB_CLEAN 0x0c0
#define VMCB_NRIP 0x0c8

/* State save area: segments are {u16 sel, u16 attr, u32 limit, u64 base} */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_CR2 0x640
#define VMCB_GPAT 0x668

/* Intercept bits */
#define MISC1_INTR (1u << 0)
#define MISC1_NMI (1u << 1)
#define MISC1_VINTR (1u << 4)
#define MISC1_CPUID (1u << 18)
#define MISC1_INVD (1u << 22)
#define MISC1_IRET (1u << 20)
#define MISC1_HLT (1u << 24)
#define MISC1_INVLPGA (1u << 26)
#define MISC1_IOIO (1u << 27)
#define MISC1_MSR (1u << 28)
#define MISC1_SHUTDOWN (1u << 31)
#define MISC2_VMRUN (1u << 0)
#define MISC2_VMMCALL (1u << 1)
#define MISC2_VMLOAD (1u << 2)
#define MISC2_VMSAVE (1u << 3)
#define MISC2_STGI (1u << 4)
#define MISC2_CLGI (1u << 5)
#define MISC2_SKINIT (1u << 6)
#define MISC2_WBINVD (1u << 9)
#define MISC2_MONITOR (1u << 10)
#define MISC2_MWAIT (1u << 11)
#define MISC2_MWAIT_ARMED (1u << 12)
#define MISC2_XSETBV (1u << 13)

#define VINTR_IRQ (1ull << 8)
#define VINTR_PRIO_MASK (0xfull << 16)
#define VINTR_IGN_TPR (1ull << 20)
#define VINTR_VECTOR_SHIFT 32
#define VINTR_VECTOR_MASK (0xffull << VINTR_VECTOR_SHIFT)
#define VINTR_MASKING (1ull << 24)

#define EVENT_VALID (1ull << 31)
#define EVENT_ERROR_VALID (1ull << 11)
#define EVENT_TYPE_MASK (7ull << 8)
#define EVENT_TYPE_INTR (0ull << 8)
#define EVENT_TYPE_EXCEPTION (3ull << 8)

/* Exit codes */
#define SVM_EXIT_DR_READ 0x20	/* + DR number */
#define SVM_EXIT_DR_WRITE 0x30
#define SVM_EXIT_EXCP_BASE 0x40
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IRET 0x74
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_WBINVD 0x89
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_MWAIT_ARMED 0x8c
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID (~0ull)

static inline u64 *vmcb64(void *vmcb, unsigned off) { return (u64 *)((u8 *)vmcb + off); }
static inline u32 *vmcb32(void *vmcb, unsigned off) { return (u32 *)((u8 *)vmcb + off); }
static inline u8 *vmcb8(void *vmcb, unsigned off) { return (u8 *)vmcb + off; }

struct vmcb_seg {
	u16 sel, attr;
	u32 limit;
	u64 base;
} __attribute__((packed));

static inline struct vmcb_seg *vmcb_seg(void *vmcb, unsigned off)
{
	return (struct vmcb_seg *)((u8 *)vmcb + off);
}

#endif
