; Interrupt and exception entry: one stub per vector pushes a uniform frame
; (error code or 0, vector, then the general registers) and calls
; trap_dispatch(struct trap_frame *). See kernel/arch/x86/traps.h.

bits 64
section .text

%macro STUB 1
        align 16
vector_%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
        ; the CPU pushed an error code
%else
        push 0
%endif
        push %1
        jmp trap_common
%endmacro

%assign i 0
%rep 256
        STUB i
%assign i i + 1
%endrep

trap_common:
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        mov rdi, rsp
        cld
        extern trap_dispatch
        call trap_dispatch
        pop r15
        pop r14
        pop r13
        pop r12
        pop r11
        pop r10
        pop r9
        pop r8
        pop rbp
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rbx
        pop rax
        add rsp, 16
        iretq

section .rodata
global trap_vectors
        align 8
trap_vectors:
%assign i 0
%rep 256
        dq vector_ %+ i
%assign i i + 1
%endrep
