/*
 * Interrupt and exception entry. 256 stubs 16 bytes apart (trap.c computes
 * their addresses); those for vectors where the CPU pushes no error code push
 * a zero (SDM Vol. 3A 6.13, Table 6-1), so every frame is a
 * struct dom_trap_frame.
 */
	.code64
	.text
	.p2align 4
	.globl dom_trap_stubs
dom_trap_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	.if !((vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

/* CPU frame (5) + vector + error + 15 registers = 22 quadwords: the stack
 * stays 16-byte aligned for the C call when it was at the interrupt. */
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
	call dom_trap_dispatch
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
	addq $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
