/* The guest's IDT: every vector goes to a C handler or to a crash report. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

/* What entry.S leaves on the stack; handlers may change it (e.g. rip). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*trap_handler_t)(struct trap_frame *frame);

/* Fills the IDT (once per domain); trap_load() then loads it on each vCPU. */
void trap_init(void);
void trap_load(void);
/* A vector without a handler prints "NAME: unexpected vector ... FAILED" and crashes. */
void trap_set_handler(uint8_t vector, trap_handler_t handler);

#endif
