; Application-processor start: 16-bit real mode at the SIPI page, to 32-bit
; protected mode, to 64-bit mode on the core's page tables, then a jump to
; ap_entry on the stack the boot CPU prepared. Copied to TRAMPOLINE_BASE at run
; time, so every address is computed relative to that base.

%define TRAMPOLINE_BASE 0x8000
%define REL(x) ((x) - trampoline_start + TRAMPOLINE_BASE)

section .data
bits 16
global trampoline_start, trampoline_end
global trampoline_cr3, trampoline_stack, trampoline_entry
trampoline_start:
        cli
        cld
        xor ax, ax
        mov ds, ax
        lgdt [REL(tr_gdtr)]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword 0x18:REL(tr_protected)

bits 32
tr_protected:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, [REL(trampoline_cr3)]
        mov cr3, eax
        mov eax, cr4
        or eax, 1 << 5                      ; PAE
        mov cr4, eax
        mov ecx, 0xc0000080
        rdmsr
        or eax, (1 << 8) | (1 << 11)        ; LME, NXE
        wrmsr
        mov eax, cr0
        or eax, (1 << 31) | (1 << 16)       ; PG, WP
        mov cr0, eax
        jmp 0x08:REL(tr_long)

bits 64
tr_long:
        mov rsp, [REL(trampoline_stack)]
        mov rax, [REL(trampoline_entry)]
        xor ebp, ebp
        jmp rax

        align 8
tr_gdt:
        dq 0
        dq 0x00af9a000000ffff                ; 0x08: 64-bit code
        dq 0x00cf92000000ffff                ; 0x10: data
        dq 0x00cf9a000000ffff                ; 0x18: 32-bit code
tr_gdtr:
        dw tr_gdtr - tr_gdt - 1
        dd REL(tr_gdt)
        align 8
trampoline_cr3:         dq 0
trampoline_stack:       dq 0
trampoline_entry:       dq 0
trampoline_end:
