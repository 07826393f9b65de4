/*
 * The runtime's IDT. Exceptions (vectors 0-31) print a register dump on the
 * console and shut the domain down with reason crash. Interrupt vectors call
 * the handler registered for them, then signal EOI to the x2APIC.
 *
 * Interrupt model: runtime code runs with interrupts disabled; they are
 * enabled only while the vCPU halts in dom_wait_event() (dom/time.h). So an
 * interrupt handler never interrupts other runtime code and may use anything
 * except blocking calls (dom_wait_event, dom_sleep_ms, dom_console_getc, the
 * xenstore client). Handlers run on vCPU 0's stack.
 */
#ifndef DOM_TRAP_H
#define DOM_TRAP_H

#include <stdint.h>

/* Vectors the runtime uses itself. */
#define DOM_VECTOR_TIMER 0xf0		/* x2APIC timer (dom/time.h) */
#define DOM_VECTOR_EVENT 0xf3		/* event channel upcall (dom/evtchn.h) */
#define DOM_VECTOR_SPURIOUS 0xff
#define DOM_VECTOR_DYN_FIRST 0x30	/* dom_irq_alloc() hands out 0x30..0xdf */
#define DOM_VECTOR_DYN_LAST 0xdf

/* What the entry stubs leave on the stack; a handler may change it. */
struct dom_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error;			/* 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

typedef void (*dom_irq_fn)(struct dom_trap_frame *frame, void *arg);

/* Builds and loads the IDT (start of day). */
void dom_trap_init(void);
/* Runs vector on interrupt stack ist (1-7) of the TSS (start/guard.c loads it). */
void dom_trap_set_ist(uint8_t vector, uint8_t ist);
/* Installs fn for an interrupt vector (32..254); 0 or -EINVAL. */
int dom_irq_set_handler(uint8_t vector, dom_irq_fn fn, void *arg);
/* A free vector in the dynamic range with fn installed, or -ENOSPC. */
int dom_irq_alloc(dom_irq_fn fn, void *arg);
void dom_irq_free(uint8_t vector);

/* Prints the frame (and a frame-pointer backtrace) to the console. */
void dom_trap_dump(const struct dom_trap_frame *frame);

#endif
