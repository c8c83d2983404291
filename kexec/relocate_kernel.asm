; The relocate stub: copies every staged page to its destination by walking
; the IND_* list, then jumps to the purgatory.  kernel_kexec() (kexec -e),
; or machine_kexec_arm_crash() at kexec -p time, copies this code into the
; control page (a page that is no segment's destination), which is called
; there, so nothing it uses can be overwritten while it copies.
;
; Entered from: kernel_kexec() or, on a panic, machine_crash_kexec()
;               (kexec/machine_kexec.c), by a call to the control page's
;               physical address, which the current page tables map 1:1.
; CPU state:    64-bit mode, interrupts off, devices quiesced.
; Arguments:    RDI = image->head (first entry: IND_INDIRECTION | page, or
;               just IND_DONE for a crash image, already in its window)
;               RSI = physical address of the control page (= RIP's page)
;               RDX = physical entry point to jump to (the purgatory)
;               RCX = physical address of the identity-mapped PML4
; Registers:    RAX current entry, R9 next entry's address, R10 destination,
;               R11 entry point; RSI/RDI/RCX for rep movsq.
; Clobbers:     everything; the old kernel is gone when this returns (never).
; Leaves to:    the purgatory at RDX, 64-bit, on the identity page tables,
;               with this stub's GDT and its stack at the top of the page.
; Linux's counterpart: arch/x86/kernel/relocate_kernel_64.S.

%include "x86.inc"			; lib/x86.h: PAGE_SIZE, GDT selectors and descriptors
%include "kexec_layout.inc"		; kexec/kexec_layout.h: IND_*, control page

bits 64
section .rodata
align 16
global relocate_kernel
global relocate_kernel_size
relocate_kernel:
	cli
	cld					; rep movsq copies upwards
	mov r11, rdx				; entry point, kept to the end
	lea rsp, [rsi + KEXEC_CONTROL_PAGE_SIZE]	; stack: top of the control page

	; Page tables that map every page involved at its own address.  We run
	; at our physical address, which both the old and new tables map.
	mov cr3, rcx

	; Our own GDT, inside the control page: the kernel's may be overwritten.
	lea rax, [rel stub_gdt]
	mov [rel stub_gdtr + 2], rax
	lgdt [rel stub_gdtr]
	lea rax, [rel .reload_cs]
	push GDT_KERNEL_CODE
	push rax
	retfq
.reload_cs:
	mov ax, GDT_KERNEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax

	; Walk the list.  Every entry is a page address with flags in the low
	; bits; the first (in RDI) is an indirection to the first list page.
	mov rax, rdi
.entry:
	mov rbx, rax
	and rbx, -PAGE_SIZE			; the address part
	test al, IND_DESTINATION
	jz .not_destination
	mov r10, rbx				; following sources land here
	jmp .fetch
.not_destination:
	test al, IND_INDIRECTION
	jz .not_indirection
	mov r9, rbx				; continue in that list page
	jmp .fetch
.not_indirection:
	test al, IND_DONE
	jnz .done
	test al, IND_SOURCE
	jz .fetch				; unknown flags: skip, as Linux does
	mov rsi, rbx
	mov rdi, r10
	mov ecx, PAGE_SIZE / 8
	rep movsq
	mov r10, rdi				; destination advances one page
.fetch:
	mov rax, [r9]
	add r9, 8
	jmp .entry

.done:
	; Leave no stale state for the purgatory to trip over.
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor edi, edi
	jmp r11

align 8
stub_gdt:
	dq 0
	dq GDT_DESC_CODE64			; GDT_KERNEL_CODE 0x08
	dq GDT_DESC_DATA			; GDT_KERNEL_DATA 0x10
stub_gdt_end:
align 8
	dw 0, 0, 0
stub_gdtr:
	dw stub_gdt_end - stub_gdt - 1
	dq 0					; filled in at run time
relocate_kernel_end:

	; The stub and its data must fit below the stack in the control page:
	; a negative count here fails the build, not the boot.
	times KEXEC_CONTROL_CODE_MAX - (relocate_kernel_end - relocate_kernel) db 0

align 8
relocate_kernel_size:
	dq relocate_kernel_end - relocate_kernel
