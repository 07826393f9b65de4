/* Host interrupts and exceptions: IDT, GDT/TSS per CPU, handler registry. */
#ifndef ARCH_X86_TRAPS_H
#define ARCH_X86_TRAPS_H

#include "types.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

#define VECTOR_TIMER 0xf0
#define VECTOR_KICK 0xf1
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct trap_frame *f);

/* Load this CPU's GDT, TSS (with IST stacks for NMI, #DF, #MC) and the IDT. */
void traps_cpu_init(void);
void traps_set_handler(u8 vector, irq_handler_t h);
/* Host interrupts taken on vector (>= 32) since boot, all CPUs (racy: the 'q' dump). */
u32 traps_vector_count(u8 vector);
/* Print a backtrace from a frame pointer. */
void traps_backtrace(u64 rbp);

#endif
