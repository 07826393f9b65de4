; VM entry and VM exit for the VMX backend (Intel SDM Vol 3C ch. 26, 27).
;
; VMX switches RSP, RIP and RFLAGS through the VMCS but none of the other
; general-purpose registers: they travel through struct vcpu_regs (virt.h),
; gpr[i] at 8 * i in x86 encoding order. The guest's RSP slot (gpr[4]) is
; the C code's business (VMCS guest RSP field).
;
; A VM exit lands at vmx_exit_stub with the host RSP that vmx_enter wrote
; into the VMCS just before entering, so the exit continues vmx_enter's frame
; and returns to vmx_enter's caller as if VMLAUNCH/VMRESUME were a call.

bits 64
default rel

%define VMCS_HOST_RSP   0x6c14
%define GPR(i)          (8 * (i))

section .text

; int vmx_enter(struct vcpu_regs *regs [rdi], u64 launched [rsi])
; 0 after a VM exit (regs saved); 1 VMfailInvalid, 2 VMfailValid when the
; VMLAUNCH/VMRESUME instruction itself failed (SDM 30.2).
global vmx_enter
vmx_enter:
        push rbp                            ; C callee-saved registers
        push rbx
        push r12
        push r13
        push r14
        push r15
        push rdi                            ; regs: [rsp] for the exit stub
        mov eax, VMCS_HOST_RSP
        vmwrite rax, rsp

        test rsi, rsi                       ; ZF survives the loads (mov keeps flags)
        mov rax, [rdi + GPR(0)]
        mov rcx, [rdi + GPR(1)]
        mov rdx, [rdi + GPR(2)]
        mov rbx, [rdi + GPR(3)]
        mov rbp, [rdi + GPR(5)]
        mov rsi, [rdi + GPR(6)]
        mov r8,  [rdi + GPR(8)]
        mov r9,  [rdi + GPR(9)]
        mov r10, [rdi + GPR(10)]
        mov r11, [rdi + GPR(11)]
        mov r12, [rdi + GPR(12)]
        mov r13, [rdi + GPR(13)]
        mov r14, [rdi + GPR(14)]
        mov r15, [rdi + GPR(15)]
        mov rdi, [rdi + GPR(7)]
        jnz .resume
        vmlaunch
        jmp .failed
.resume:
        vmresume
.failed:
        ; Still in the host with the guest's values in registers; CF set
        ; means VMfailInvalid, ZF set VMfailValid.
        mov eax, 2
        mov ecx, 1
        cmovc eax, ecx
        add rsp, 8                          ; drop regs
        jmp vmx_leave

; The VMCS host RIP. RSP = vmx_enter's frame, [rsp] = regs; RFLAGS = 0x2.
global vmx_exit_stub
vmx_exit_stub:
        push rdi                            ; the guest's rdi
        mov rdi, [rsp + 8]
        mov [rdi + GPR(0)], rax
        mov [rdi + GPR(1)], rcx
        mov [rdi + GPR(2)], rdx
        mov [rdi + GPR(3)], rbx
        mov [rdi + GPR(5)], rbp
        mov [rdi + GPR(6)], rsi
        mov [rdi + GPR(8)], r8
        mov [rdi + GPR(9)], r9
        mov [rdi + GPR(10)], r10
        mov [rdi + GPR(11)], r11
        mov [rdi + GPR(12)], r12
        mov [rdi + GPR(13)], r13
        mov [rdi + GPR(14)], r14
        mov [rdi + GPR(15)], r15
        pop rax
        mov [rdi + GPR(7)], rax
        add rsp, 8                          ; drop regs
        xor eax, eax

vmx_leave:
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret

section .note.GNU-stack noalloc noexec nowrite progbits
