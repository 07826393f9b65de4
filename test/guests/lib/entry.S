/*
 * Entry point and interrupt stubs of the C test guests. The image is linked
 * at the mode=long load address; _start is its first byte (guest.ld).
 */
	.code64

	.section .text.entry, "ax"
	.globl _start
_start:
	/* RDI = vCPU id, RSI = domain id, RSP = this vCPU's stack top (ABI.md) */
	xorl %ebp, %ebp
	call guest_start
1:	cli
	hlt
	jmp 1b

/*
 * 256 stubs, one per vector, each 16 bytes apart (trap.c relies on it).
 * Vectors with a CPU-pushed error code (Intel SDM Vol. 3A 6.13) skip the
 * dummy push so every frame has the same layout (struct trap_frame).
 */
	.text
	.p2align 4
	.globl trap_stubs
trap_stubs:
	.set trap_vector, 0
	.rept 256
	.p2align 4
	.if (trap_vector == 8) || (trap_vector >= 10 && trap_vector <= 14) || (trap_vector == 17) || (trap_vector == 21) || (trap_vector == 29) || (trap_vector == 30)
	.else
	pushq $0
	.endif
	pushq $trap_vector
	jmp trap_common
	.set trap_vector, trap_vector + 1
	.endr

/* 5 (CPU) + 2 (stub) + 15 pushes = 176 bytes: RSP stays 16-byte aligned. */
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
