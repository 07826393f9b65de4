/*
 * Entry of a runtime domain (public/bulkhead.h): 64-bit mode, interrupts
 * off, RSP = top of RAM (or this vCPU's stack), RDI = the device tree.
 * vCPU 0 clears BSS, sets FS base to the TLS block and the stack-protector
 * canary at %fs:0x28 (where libfdt.a, built with -fstack-protector-strong,
 * reads it), then calls dom_start(fdt, stack_top). Other vCPUs never touch
 * memory or their stack (all vCPUs may start at once, on one stack): they
 * sleep in SCHEDOP_block for good.
 */
	.code64

#define MSR_FS_BASE 0xc0000100
#define MSR_X2APIC_ID 0x802
#define HYPERVISOR_sched_op 29
#define SCHEDOP_block 1
#define TLS_CANARY 0x28

	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	cld
	movq %rdi, %r12			/* the tree */
	movq %rsp, %r13			/* stack top */
	movl $MSR_X2APIC_ID, %ecx
	rdmsr
	testl %eax, %eax
	jnz secondary

	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb

	movq $dom_tls, %rax
	movq %rax, (%rax)		/* TLS convention: %fs:0 points to itself */
	movq %rax, %rdx
	shrq $32, %rdx
	movl $MSR_FS_BASE, %ecx
	wrmsr

	/* Canary: TSC scrambled by a multiplicative hash, low byte zero so a
	 * string overflow cannot reproduce it (the usual terminator canary). */
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movabsq $0x9e3779b97f4a7c15, %rcx
	imulq %rcx, %rax
	xorb %al, %al
	movq %rax, %fs:TLS_CANARY

	movq %r12, %rdi
	movq %r13, %rsi
	andq $-16, %rsp
	xorl %ebp, %ebp
	call dom_start
1:	cli
	hlt
	jmp 1b

/* No stack, no memory: choose the instruction by vendor and block forever. */
secondary:
	xorl %eax, %eax
	cpuid
	cmpl $0x756e6547, %ebx		/* "Genu": Intel, vmcall */
	je 3f
2:	movl $HYPERVISOR_sched_op, %eax
	movl $SCHEDOP_block, %edi
	xorl %esi, %esi
	vmmcall
	jmp 2b
3:	movl $HYPERVISOR_sched_op, %eax
	movl $SCHEDOP_block, %edi
	xorl %esi, %esi
	vmcall
	jmp 3b

	.section .note.GNU-stack, "", @progbits
