; The multiboot2 entry, and the way every entry goes on to long mode and
; the higher half.  All of it lives in the head (linker.ld): linked at its
; physical address, so e_entry (_start) is physical and labels here are
; physical link addresses (add EBP to reach them).
;
; Entered from: GRUB, our own purgatory after kexec, or kexec-tools'
;               multiboot2 loader (all multiboot2 handoffs), at _start;
;               from boot/entry_linux.asm (the Linux boot protocol) at boot32.
; CPU state:    32-bit protected mode, paging off, interrupts off,
;               EAX = 0x36d76289, EBX = physical address of the multiboot2
;               information (MBI); ESP undefined (kexec-tools leaves 0);
;               loaded at an unknown 2 MiB-aligned physical base.
; Registers:    EBP = load delta (physical base - link physical base), the
;               same number Linux calls phys_base; EDI = the boot magic and
;               ESI = the boot information's address (the MBI, or Linux's
;               boot_params) are kept in boot_magic/boot_info_pa until kmain.
; Clobbers:     everything.
;               long_mode_high (boot/entry64.asm) in 64-bit mode at its link
;               (higher-half) address, interrupts off, which calls
;               kmain(magic, info_pa, phys_base) on the boot stack.
; Linux's counterpart: arch/x86/boot/compressed/head_64.S startup_32.

%include "layout.inc"			; boot/layout.h: where the kernel lives
%include "multiboot2.inc"		; lib/multiboot2.h: the magic in EAX
%include "x86.inc"			; lib/x86.h: CR0, CR4, EFER, PTE and GDT bits

; Physical address of a higher-half kernel symbol, given EBP = load delta.
%define PHYS(sym) ebp + (sym - KERNEL_VIRT_BASE)
; Physical address of a label of the head (linked at its physical address).
%define HEAD(sym) ebp + sym

; Write a literal string to COM1 without memory, stack or known position.
%macro EARLY_SAY 1
	mov dx, 0x3f8
	%strlen .len %1
	%assign .i 1
	%rep .len
		%substr .c %1 .i
		mov al, .c
		out dx, al
		%assign .i .i + 1
	%endrep
	mov al, 10
	out dx, al
%endmacro

extern long_mode_high
global _start
global boot32
global early_fail32
global boot_pml4
global boot_stack_top
global boot_stack_guard
global early_nx_enabled
global boot_magic
global boot_info_pa

section .head.text progbits alloc exec nowrite align=16
bits 32
_start:
	cli
	cld
	cmp eax, MB2_BOOTLOADER_MAGIC
	jne .not_multiboot2
	mov edi, eax
	mov esi, ebx

	; No stack yet, and the spec leaves ESP undefined (kexec-tools: 0).
	; Borrow the MBI's 4-byte 'reserved' field as a one-slot stack for
	; call/pop to learn where we run (Linux borrows boot_params.scratch
	; the same way; so does boot/entry_linux.asm).
	lea esp, [ebx + 8]
	call .here
.here:
	pop ebp
	mov dword [ebx + 4], 0
	sub ebp, .here				; EBP = runtime phys - link phys
	jmp boot32

.not_multiboot2:
	EARLY_SAY "boot: error: not started by a multiboot2 boot loader (bad EAX magic)"
	jmp halt32

; Every entry joins here: EDI = boot magic, ESI = boot information (physical),
; EBP = load delta; no stack needed.
boot32:
	test ebp, KERNEL_ALIGN - 1
	jnz .misaligned
	lea esp, [PHYS(boot_stack_top)]
	mov [PHYS(boot_magic)], edi
	mov [PHYS(boot_info_pa)], esi

	; Long mode needs CPUID leaf 0x80000001 EDX.LM (bit 29).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_EDX_LM
	jz .no_long_mode
	xor ebx, ebx
	test edx, CPUID_EXT_EDX_NX		; NX available?
	jz .no_nx
	mov ebx, EFER_NXE
	mov byte [PHYS(early_nx_enabled)], 1
.no_nx:
	push ebx

	call build_boot_page_tables

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	lea eax, [PHYS(boot_pml4)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	pop ebx
	or eax, ebx
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax				; now in compatibility mode

	; The GDT pointer holds a physical base; patch it, then load.
	lea eax, [PHYS(boot_gdt)]
	mov [PHYS(boot_gdtr) + 2], eax
	lgdt [PHYS(boot_gdtr)]
	lea eax, [HEAD(long_mode_low)]
	push GDT_KERNEL_CODE
	push eax
	retf					; far return = far jump to 64-bit code

.misaligned:
	EARLY_SAY "boot: error: kernel loaded at a physical base that is not 2 MiB aligned"
	jmp halt32
.no_long_mode:
	EARLY_SAY "boot: error: this CPU has no long mode (x86-64); cannot boot"
halt32:
	hlt
	jmp halt32

; Print the NUL-terminated line at ESI (physical) on COM1 and halt: for
; entries that know where they run but have no stack yet.
early_fail32:
	mov dx, 0x3f8
.say:
	lodsb
	test al, al
	jz halt32
	out dx, al
	jmp .say

; Boot page tables: identity and direct map of [0, 4 GiB) with 2 MiB pages,
; and the kernel image window KERNEL_VIRT_BASE + [0, 1 GiB) mapped onto the
; physical base (EBP) we were really loaded at.  The .bss is already zero.
build_boot_page_tables:
	; 4 page directories, 2048 entries of 2 MiB each: phys = index * 2 MiB.
	lea edi, [PHYS(boot_pd_low)]
	xor ecx, ecx
.fill_low:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_PRESENT | PTE_WRITE | PTE_HUGE
	mov [edi + ecx * 8], eax
	mov eax, ecx
	shr eax, 11				; high dword of index * 2 MiB
	mov [edi + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_low

	lea edi, [PHYS(boot_pdpt_low)]
	lea eax, [PHYS(boot_pd_low)]
	or eax, PTE_PRESENT | PTE_WRITE
	mov ecx, 4
.fill_pdpt_low:
	mov [edi], eax
	add eax, PAGE_SIZE
	add edi, 8
	loop .fill_pdpt_low

	; Kernel window: 512 entries, entry i -> phys_base + i * 2 MiB.
	lea edi, [PHYS(boot_pd_kernel)]
	xor ecx, ecx
.fill_kernel:
	mov eax, ecx
	shl eax, 21
	add eax, ebp
	or eax, PTE_PRESENT | PTE_WRITE | PTE_HUGE
	mov [edi + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jb .fill_kernel

	lea edi, [PHYS(boot_pdpt_kernel)]
	lea eax, [PHYS(boot_pd_kernel)]
	or eax, PTE_PRESENT | PTE_WRITE
	mov [edi + 510 * 8], eax		; 0xffffffff80000000 is PDPT slot 510

	lea edi, [PHYS(boot_pml4)]
	lea eax, [PHYS(boot_pdpt_low)]
	or eax, PTE_PRESENT | PTE_WRITE
	mov [edi + 0 * 8], eax			; identity map, dropped by mm later
	mov [edi + 273 * 8], eax		; DIRECT_MAP_BASE is PML4 slot 273
	lea eax, [PHYS(boot_pdpt_kernel)]
	or eax, PTE_PRESENT | PTE_WRITE
	mov [edi + 511 * 8], eax
	ret

bits 64
long_mode_low:
	mov ax, GDT_KERNEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, long_mode_high			; boot/entry64.asm, in the higher half
	jmp rax


section .data
align 16
boot_gdt:
	dq 0					; null
	dq GDT_DESC_CODE64			; GDT_KERNEL_CODE 0x08
	dq GDT_DESC_DATA			; GDT_KERNEL_DATA 0x10
boot_gdt_end:
align 8
	dw 0
boot_gdtr:
	dw boot_gdt_end - boot_gdt - 1
	dq 0					; patched with a physical address
early_nx_enabled:
	db 0
align 4
boot_magic:
	dd 0
boot_info_pa:
	dd 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:		resb PAGE_SIZE
boot_pdpt_low:		resb PAGE_SIZE
boot_pd_low:		resb 4 * PAGE_SIZE
boot_pdpt_kernel:	resb PAGE_SIZE
boot_pd_kernel:		resb PAGE_SIZE
; Left unmapped by mm/vmm.c: a stack overflow faults here instead of
; silently overwriting the boot page tables below (kernel/traps.c names it).
boot_stack_guard:	resb PAGE_SIZE
boot_stack:		resb BOOT_STACK_SIZE
boot_stack_top:
