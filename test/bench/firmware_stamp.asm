; firmware_stamp: a multiboot (v1) kernel that prints the TSC at its first
; instruction on COM1, as 16 hex digits and a newline, and powers the machine
; off. bench_ipc.py boots it in place of Bulkhead, with Dom0's modules, to
; time QEMU's firmware (SeaBIOS and its multiboot loader) under icount.
; Multiboot Specification 0.6.96 section 3.1 (header with the address fields:
; a flat binary, not ELF); entered in 32-bit protected mode, paging off.
	bits 32
	org 0x100000

MB_MAGIC	equ 0x1badb002
MB_AOUT_KLUDGE	equ 1 << 16		; the address fields below are valid
COM1		equ 0x3f8
PM1A_CNT	equ 0x604		; QEMU i440fx PIIX4 ACPI (the core finds the same)
SLP_EN_S5	equ 1 << 13		; SLP_TYP 0 = S5 on QEMU's PIIX4

header:
	dd MB_MAGIC
	dd MB_AOUT_KLUDGE
	dd -(MB_MAGIC + MB_AOUT_KLUDGE)
	dd header			; header_addr
	dd header			; load_addr
	dd 0				; load_end_addr: the whole file
	dd 0				; bss_end_addr: none
	dd start			; entry_addr

start:
	rdtsc
	mov esi, eax
	mov ebx, edx
	call hex32			; high half
	mov ebx, esi
	call hex32			; low half
	mov al, 10
	call putc
	mov dx, PM1A_CNT
	mov ax, SLP_EN_S5
	out dx, ax
.halt:	cli
	hlt
	jmp .halt

; Prints EBX as 8 hex digits. Clobbers EAX, ECX, EDX.
hex32:
	mov ecx, 8
.digit:	rol ebx, 4
	mov al, bl
	and al, 0xf
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'A' - '9' - 1
.out:	call putc
	loop .digit
	ret

; Writes AL to COM1 (QEMU's UART is always ready). Clobbers EDX.
putc:
	mov dx, COM1
	out dx, al
	ret
