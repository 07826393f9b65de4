; realmode: a mode=real guest (ABI.md "Start state") climbs to long mode by
; itself: real mode -> 32-bit protected mode -> its own page tables -> long
; mode, printing from each with that mode's hypercall convention.
;
; Layout (all below 64 KiB of the 4 MiB domain, linear = physical):
;   0x2000 hypercall page (only when the CPU vendor is unknown)
;   0x3000 PML4, 0x4000 PDPT, 0x5000 page directory (1 GiB in 2 MiB pages)
;   0x8000 this image (load address for mode=real)
;   0xfff0 stack top (the SP the guest starts with)

%include "xen.inc"

LOAD_ADDR	equ 0x8000
HC_PAGE		equ 0x2000
PML4		equ 0x3000
PDPT		equ 0x4000
PD		equ 0x5000
STACK_TOP	equ 0xfff0

SEL_CODE32	equ 0x08
SEL_DATA	equ 0x10
SEL_CODE64	equ 0x18

HC_VMCALL	equ 0		; values of hc_method
HC_VMMCALL	equ 1
HC_PAGE_CALL	equ 2

MSR_EFER	equ 0xc0000080
EFER_LME	equ 1 << 8
EFER_LMA	equ 1 << 10
CR0_PE		equ 1 << 0
CR0_PG		equ 1 << 31
CR4_PAE		equ 1 << 5
PTE_P_RW	equ 0x3
PDE_2M		equ 0x83	; present, writable, 2 MiB page

	org LOAD_ADDR

; ---------------------------------------------------------------- real mode
	bits 16
	; CS:IP = 0x800:0; make it 0:0x8000 so every address below is linear.
	jmp 0:real_start
real_start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, STACK_TOP

	call detect_vendor

	; ABI.md: a hypercall from real mode returns -ENOSYS. Should it print
	; after all, the line says so. The page's stubs are 32/64-bit code, so
	; this check needs vmcall/vmmcall.
	cmp byte [hc_method], HC_PAGE_CALL
	je .to_protected
	mov eax, __HYPERVISOR_console_io
	mov ebx, CONSOLEIO_write
	mov ecx, msg_rm_printed_len
	mov edx, msg_rm_printed
	cmp byte [hc_method], HC_VMMCALL
	je .amd
	vmcall
	jmp .done
.amd:	vmmcall
.done:	mov [rm_result], eax
	mov byte [rm_tried], 1

.to_protected:
	o32 lgdt [gdtr]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:pm_start

; EBX/EDX/ECX of CPUID leaf 0 -> hc_method (Intel SDM Vol. 2A, CPUID).
detect_vendor:
	xor eax, eax
	cpuid
	mov byte [hc_method], HC_VMCALL
	cmp ebx, 'Genu'
	jne .not_intel
	cmp edx, 'ineI'
	jne .not_intel
	cmp ecx, 'ntel'
	je .known
.not_intel:
	mov byte [hc_method], HC_VMMCALL
	cmp ebx, 'Auth'
	jne .not_amd
	cmp edx, 'enti'
	jne .not_amd
	cmp ecx, 'cAMD'
	je .known
.not_amd:
	mov byte [hc_method], HC_PAGE_CALL
.known:
	ret

; ------------------------------------------------------ 32-bit protected mode
	bits 32
pm_start:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, STACK_TOP

	cmp byte [hc_method], HC_PAGE_CALL
	jne .print
	mov ecx, XEN_HYPERCALL_PAGE_MSR
	mov eax, HC_PAGE
	xor edx, edx
	wrmsr
.print:
	mov esi, msg_pm
	mov ecx, msg_pm_len
	call print32

	cmp byte [rm_tried], 0
	je .build_tables
	mov eax, [rm_result]
	cmp eax, -ENOSYS
	je .rm_ok
	mov edi, msg_rm_bad_hex
	call hex32
	mov esi, msg_rm_bad
	mov ecx, msg_rm_bad_len
	call print32
	mov dword [shutdown_reason], SHUTDOWN_crash
	jmp .build_tables
.rm_ok:
	mov esi, msg_rm_ok
	mov ecx, msg_rm_ok_len
	call print32

.build_tables:
	; Identity-map 0..1 GiB with 2 MiB pages (Intel SDM Vol. 3A 4.5).
	mov edi, PML4
	mov ecx, 3 * 4096 / 4
	xor eax, eax
	rep stosd
	mov dword [PML4], PDPT | PTE_P_RW
	mov dword [PDPT], PD | PTE_P_RW
	mov edi, PD
	mov eax, PDE_2M
	mov ecx, 512
.pde:	mov [edi], eax
	add eax, 0x200000
	add edi, 8
	loop .pde

	; Intel SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, then CR0.PG.
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	jmp SEL_CODE64:lm_start

; console_io(CONSOLEIO_write, ECX bytes, ESI) with the 32-bit convention.
print32:
	mov edx, esi
	mov ebx, CONSOLEIO_write
	mov eax, __HYPERVISOR_console_io
	; fall through
; Hypercall EAX with EBX, ECX, EDX; result in EAX.
hypercall32:
	cmp byte [hc_method], HC_VMCALL
	jne .not_vmcall
	vmcall
	ret
.not_vmcall:
	cmp byte [hc_method], HC_VMMCALL
	jne .page
	vmmcall
	ret
.page:	shl eax, 5		; page + 32 * nr; the stub reloads EAX
	add eax, HC_PAGE
	jmp eax			; the stub's ret returns to our caller

; EAX as 8 hex digits at [EDI].
hex32:
	mov ecx, 8
.digit:	rol eax, 4
	mov edx, eax
	and edx, 0xf
	mov dl, [hex_digits + edx]
	mov [edi], dl
	inc edi
	loop .digit
	ret

; --------------------------------------------------------------- long mode
	bits 64
lm_start:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, STACK_TOP

	mov ecx, MSR_EFER
	rdmsr
	test eax, EFER_LMA
	jnz .lm_ok
	lea rsi, [rel msg_lma_bad]
	mov edx, msg_lma_bad_len
	call print64
	mov dword [rel shutdown_reason], SHUTDOWN_crash
	jmp .shutdown
.lm_ok:
	lea rsi, [rel msg_lm]
	mov edx, msg_lm_len
	call print64

.shutdown:
	mov eax, __HYPERVISOR_sched_op
	mov edi, SCHEDOP_shutdown
	lea rsi, [rel shutdown_reason]
	call hypercall64
	; Still here: the shutdown failed. Crash instead, then stop.
	mov dword [rel shutdown_reason], SHUTDOWN_crash
	mov eax, __HYPERVISOR_sched_op
	mov edi, SCHEDOP_shutdown
	lea rsi, [rel shutdown_reason]
	call hypercall64
.stop:	cli
	hlt
	jmp .stop

; console_io(CONSOLEIO_write, EDX bytes, RSI) with the 64-bit convention.
print64:
	xchg rsi, rdx		; RSI = count, RDX = buffer
	mov edi, CONSOLEIO_write
	mov eax, __HYPERVISOR_console_io
	; fall through
; Hypercall RAX with RDI, RSI, RDX; result in RAX.
hypercall64:
	cmp byte [rel hc_method], HC_VMCALL
	jne .not_vmcall
	vmcall
	ret
.not_vmcall:
	cmp byte [rel hc_method], HC_VMMCALL
	jne .page
	vmmcall
	ret
.page:	shl eax, 5
	add eax, HC_PAGE
	jmp rax

; -------------------------------------------------------------------- data
	align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff	; 0x08: 32-bit code, flat
	dq 0x00cf92000000ffff	; 0x10: data, flat
	dq 0x00af9a000000ffff	; 0x18: 64-bit code
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dd gdt

hc_method:	db 0
rm_tried:	db 0
	align 4
rm_result:	dd 0
shutdown_reason: dd SHUTDOWN_poweroff	; struct sched_shutdown

hex_digits:	db "0123456789abcdef"

msg_pm:		db "realmode: protected mode ok", 10
msg_pm_len	equ $ - msg_pm
msg_rm_printed:	db "realmode: real-mode hypercall was not refused FAILED", 10
msg_rm_printed_len equ $ - msg_rm_printed
msg_rm_ok:	db "realmode: real-mode hypercall refused ok", 10
msg_rm_ok_len	equ $ - msg_rm_ok
msg_rm_bad:	db "realmode: real-mode hypercall refused FAILED (got 0x"
msg_rm_bad_hex:	db "????????)", 10
msg_rm_bad_len	equ $ - msg_rm_bad
msg_lm:		db "realmode: long mode ok", 10
msg_lm_len	equ $ - msg_lm
msg_lma_bad:	db "realmode: EFER.LMA clear in 64-bit code FAILED", 10
msg_lma_bad_len	equ $ - msg_lma_bad
