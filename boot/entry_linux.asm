; The Linux boot protocol's two entries into the protected-mode kernel of
; build/bzImage (which is this image, linked once): startup_32 at offset 0
; (code32_start, the 32-bit boot protocol) and startup_64 at offset 0x200
; (the 64-bit boot protocol).  Both end in boot32 (boot/entry.asm) with
; EDI = BOOT_HDRS_MAGIC and ESI = boot_params, as the multiboot2 entry
; does with its own magic and the MBI: from there on one path.
;
; startup_32 entered from: our 16-bit setup code (QEMU -kernel, boot/setup/),
;               or GRUB's `linux` command, which uses the 32-bit protocol.
; CPU state:    32-bit protected mode, paging off, interrupts off, flat
;               segments, ESI = boot_params; no stack; loaded at any page
;               boundary (QEMU: 0x100000), so the image may first have to
;               move up to the next 2 MiB boundary.
; startup_64 entered from: a kexec purgatory (Linux kexec_file_load,
;               kexec-tools' bzImage64 loader, our own kexec), at load + 0x200.
; CPU state:    64-bit mode, identity-mapped page tables covering the image,
;               boot_params and the command line; interrupts off; RSI =
;               boot_params; RSP undefined; loaded at a kernel_alignment
;               (2 MiB) boundary, with .bss zeroed by the loader (init_size).
; Registers:    EBP = load delta (runtime physical base - KERNEL_LINK_PHYS).
; Clobbers:     everything.
; Leaves to:    boot32 with EDI = BOOT_HDRS_MAGIC, ESI = boot_params.
; Linux's counterpart: arch/x86/boot/compressed/head_64.S (startup_32,
;               startup_64; Linux climbs from 32 to 64 bits, startup_64 here
;               steps down to 32 and joins the path every entry takes).

%include "layout.inc"			; boot/layout.h: link address, alignment
%include "bootparam.inc"		; lib/bootparam.h: boot_params offsets
%include "x86.inc"			; lib/x86.h: CR0, CR4, EFER, GDT descriptors

%define HEAD(sym) ebp + sym		; a head label's physical address
%define PHYS(sym) ebp + (sym - KERNEL_VIRT_BASE)

; startup_64's GDT: slot 3 is 32-bit code, as in the purgatory (lib/x86.h).
%define SEL_CODE32 0x18

extern boot32
extern early_fail32
extern _bss_start
extern _bss_end
extern _kernel_file_size
global startup_32
global startup_64

section .head.startup_32 progbits alloc exec nowrite
bits 32
startup_32:
	jmp linux_entry32			; offset 0 of the image

section .head.startup_64 progbits alloc exec nowrite
bits 64
startup_64:
	jmp linux_entry64			; offset 0x200 of the image

section .head.text
bits 32
linux_entry32:
	cli
	cld
	; Where are we?  boot_params.scratch is a one-slot stack for call/pop
	; (boot.rst: "scratch ... used by the 32-bit entry point").
	lea esp, [esi + BP_SCRATCH + 4]
	call .here
.here:
	pop ebp
	sub ebp, .here				; EBP = runtime phys - link phys
	test ebp, PAGE_SIZE - 1
	jnz .not_page_aligned
	test ebp, KERNEL_ALIGN - 1
	jz .aligned

	; Loaded off a 2 MiB boundary (QEMU -kernel puts us at 0x100000): move
	; the whole file image up to the next one, last byte first since the
	; two ranges overlap.  This code lies in the first page and the move
	; is at least a page long, so it never overwrites itself.
	lea eax, [ebp + KERNEL_LINK_PHYS + KERNEL_ALIGN - 1]
	and eax, ~(KERNEL_ALIGN - 1)
	sub eax, KERNEL_LINK_PHYS		; EAX = the new load delta
	mov edx, eax
	mov ebx, esi				; boot_params, kept across the move
	mov ecx, _kernel_file_size
	add ecx, 3
	shr ecx, 2				; dwords
	lea esi, [ebp + KERNEL_LINK_PHYS + ecx * 4 - 4]
	lea edi, [edx + KERNEL_LINK_PHYS + ecx * 4 - 4]
	std
	rep movsd
	cld
	mov esi, ebx
	mov ebp, edx
	lea eax, [HEAD(.aligned)]
	jmp eax					; go on in the moved copy

.aligned:
	; The loader copied the file; .bss must be zero (the boot page tables
	; and stack are there) and only kexec promises that.
	lea edi, [PHYS(_bss_start)]
	lea ecx, [PHYS(_bss_end)]
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov edi, BOOT_HDRS_MAGIC
	jmp boot32

.not_page_aligned:
	lea esi, [HEAD(msg_unaligned)]
	jmp early_fail32

bits 64
linux_entry64:
	cli
	cld
	; Everything we touch from here on must lie below 4 GiB: the rest of
	; the way is 32-bit code with paging off, as for multiboot2.
	lea rax, [rel linux_entry64_end]
	lea rdx, [rsi + BP_SIZE]
	or rax, rdx
	shr rax, 32
	jnz .too_high
	; Clearing CR0.PG with CR4.PCIDE set is a #GP: drop PCIDE first.
	mov rax, cr4
	and rax, ~CR4_PCIDE
	mov cr4, rax
	lea rax, [rel linux_gdt]
	mov [rel linux_gdtr + 2], rax
	lgdt [rel linux_gdtr]
	; Intel SDM 9.8.5.4: leave IA-32e mode from compatibility mode, on an
	; identity-mapped page (the protocol maps the image 1:1).
	lea rax, [rel .compat]
	push SEL_CODE32
	push rax
	retfq
bits 32
.compat:
	mov eax, GDT_KERNEL_DATA
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	mov eax, cr0
	and eax, ~CR0_PG			; paging off: EFER.LMA drops to 0
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~(EFER_LME | EFER_NXE)
	wrmsr
	xor eax, eax
	mov cr4, eax
	jmp linux_entry32			; ESI = boot_params, as the 32-bit protocol
bits 64
.too_high:
	; No stack, no known place to print from but COM1 (16550 at 0x3f8).
	lea rsi, [rel msg_too_high]
	mov dx, 0x3f8
.say:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .say
.halt:
	cli
	hlt
	jmp .halt
linux_entry64_end:

align 8
linux_gdt:
	dq 0					; null
	dq GDT_DESC_CODE64			; 0x08
	dq GDT_DESC_DATA			; 0x10 (GDT_KERNEL_DATA)
	dq GDT_DESC_CODE32			; 0x18 (SEL_CODE32)
linux_gdt_end:
align 8
	dw 0, 0, 0
linux_gdtr:
	dw linux_gdt_end - linux_gdt - 1
	dq 0					; filled in at run time

msg_unaligned:
	db "boot: error: bzImage entered at an address that is not a page boundary", 10, 0
msg_too_high:
	db "boot: error: bzImage or its boot_params loaded above 4 GiB; this kernel "
	db "starts below 4 GiB (give the machine at most 4 GiB, or load it into a "
	db "crashkernel window)", 10, 0
