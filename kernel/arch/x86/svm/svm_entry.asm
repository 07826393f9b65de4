; svm_enter(struct vcpu_regs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa)
; Loads the guest's general registers (RAX, RSP, RIP, RFLAGS live in the
; VMCB), runs it, saves them back. VMLOAD/VMSAVE switch the state VMRUN does
; not (FS/GS/TR/LDTR hidden parts, KernelGSBase, STAR family, SYSENTER);
; the host's comes back from its own VMCB. Called with interrupts off; GIF is
; cleared around the switch (APM Vol 2 15.17).

bits 64
section .text
global svm_enter
svm_enter:
        push rbp
        push rbx
        push r12
        push r13
        push r14
        push r15
        push rdx                        ; [rsp+8] host VMCB
        push rdi                        ; [rsp]   regs
        clgi
        sti                             ; GIF holds interrupts until VMRUN; with V_INTR_MASKING
                                        ; the host IF saved here gates them in the guest (APM 15.21.1):
                                        ; 0 would let a guest that never exits keep this CPU forever
        mov rax, rsi
        mov rcx, [rdi + 8]
        mov rdx, [rdi + 16]
        mov rbx, [rdi + 24]
        mov rbp, [rdi + 40]
        mov rsi, [rdi + 48]
        mov r8, [rdi + 64]
        mov r9, [rdi + 72]
        mov r10, [rdi + 80]
        mov r11, [rdi + 88]
        mov r12, [rdi + 96]
        mov r13, [rdi + 104]
        mov r14, [rdi + 112]
        mov r15, [rdi + 120]
        mov rdi, [rdi + 56]
        vmload                          ; [rax]
        vmrun                          ; [rax]
        vmsave                          ; [rax]
        push rdi
        mov rdi, [rsp + 8]
        mov [rdi + 8], rcx
        mov [rdi + 16], rdx
        mov [rdi + 24], rbx
        mov [rdi + 40], rbp
        mov [rdi + 48], rsi
        mov [rdi + 64], r8
        mov [rdi + 72], r9
        mov [rdi + 80], r10
        mov [rdi + 88], r11
        mov [rdi + 96], r12
        mov [rdi + 104], r13
        mov [rdi + 112], r14
        mov [rdi + 120], r15
        pop rax
        mov [rdi + 56], rax
        pop rdi
        pop rax                         ; host VMCB
        vmload                          ; [rax]
        cli                             ; the caller runs with interrupts off
        stgi
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret
