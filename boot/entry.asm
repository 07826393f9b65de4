; Bulkhead start of day: multiboot1 and multiboot2 headers, the 32-bit entry,
; early identity paging of the first 4 GiB, and the switch to 64-bit mode.
; The image is linked at its physical address (1 MiB) and shipped as ELF32
; (QEMU's multiboot loader refuses ELF64), so all of this runs identity-mapped.

%define MB1_MAGIC       0x1badb002
%define MB1_FLAGS       0x00000003          ; page-align modules, memory info
%define MB2_MAGIC       0xe85250d6

%define CR0_PE          (1 << 0)
%define CR0_WP          (1 << 16)
%define CR0_PG          (1 << 31)
%define CR4_PAE         (1 << 5)
%define MSR_EFER        0xc0000080
%define EFER_LME        (1 << 8)
%define EFER_NXE        (1 << 11)

%define COM1            0x3f8

section .multiboot progbits alloc noexec nowrite align=8
mb1_header:
        dd MB1_MAGIC
        dd MB1_FLAGS
        dd -(MB1_MAGIC + MB1_FLAGS)

        align 8
mb2_header:
        dd MB2_MAGIC
        dd 0                                ; i386 protected mode
        dd mb2_header_end - mb2_header
        dd -(MB2_MAGIC + (mb2_header_end - mb2_header))
        ; module alignment tag: page-aligned modules
        dw 6, 0
        dd 8
        ; end tag
        dw 0, 0
        dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
        cli
        cld
        mov esp, boot_stack_top
        mov [boot_magic], eax
        mov [boot_info], ebx

        ; Long mode needs CPUID leaf 0x80000001 EDX bit 29.
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        jb .no_long_mode
        mov eax, 0x80000001
        cpuid
        test edx, 1 << 29
        jz .no_long_mode

        call build_early_tables

        mov eax, early_pml4
        mov cr3, eax
        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME | EFER_NXE
        wrmsr
        mov eax, cr0
        or eax, CR0_PE | CR0_PG | CR0_WP
        mov cr0, eax

        lgdt [early_gdtr]
        jmp 0x08:long_entry

.no_long_mode:
        mov esi, msg_no_long_mode
        call serial_puts32
.halt:
        hlt
        jmp .halt

; Identity-map 0-4 GiB with 2 MiB pages: PML4[0] -> PDPT, PDPT[0..3] -> PD0..3.
build_early_tables:
        mov dword [early_pml4], early_pdpt + 3
        xor ecx, ecx
.pdpt:
        mov eax, ecx
        shl eax, 12
        add eax, early_pd + 3
        mov [early_pdpt + ecx * 8], eax
        inc ecx
        cmp ecx, 4
        jb .pdpt
        xor ecx, ecx                        ; 2048 entries of 2 MiB
.pd:
        mov eax, ecx
        shl eax, 21
        or eax, 0x83                        ; present, writable, 2 MiB
        mov [early_pd + ecx * 8], eax
        mov eax, ecx
        shr eax, 11
        mov [early_pd + ecx * 8 + 4], eax
        inc ecx
        cmp ecx, 2048
        jb .pd
        ret

; Polled output on COM1 with the firmware's settings (before the C console).
serial_puts32:
        lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        mov dx, COM1
        mov al, ah
        out dx, al
        jmp serial_puts32
.done:
        ret

bits 64
long_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        mov rsp, boot_stack_top
        xor ebp, ebp
        mov edi, [boot_magic]
        mov esi, [boot_info]
        extern kmain
        call kmain
.halt:
        cli
        hlt
        jmp .halt

section .boot.data progbits alloc noexec write align=16
msg_no_long_mode:
        db "Bulkhead: this CPU has no 64-bit long mode; cannot start.", 13, 10, 0
        align 8
early_gdt:
        dq 0
        dq 0x00af9a000000ffff                ; 0x08: 64-bit code
        dq 0x00cf92000000ffff                ; 0x10: data
early_gdtr:
        dw early_gdtr - early_gdt - 1
        dd early_gdt
boot_magic:     dd 0
boot_info:      dd 0

section .boot.bss nobits alloc noexec write align=4096
early_pml4:     resb 4096
early_pdpt:     resb 4096
early_pd:       resb 4 * 4096
boot_stack:     resb 16384
boot_stack_top:
