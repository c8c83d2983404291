; The multiboot2 header: tells GRUB (and our own kexec loader) how to load
; kernel.elf.  The relocatable tag lets the boot loader put the image at any
; 2 MiB-aligned physical address in [KERNEL_LOAD_MIN, KERNEL_LOAD_MAX); that is
; what lets the capture kernel run from the crashkernel window unchanged.
; Multiboot2 spec section 3.1.  Linux's counterpart is the bzImage setup header.

%include "layout.inc"

%define TAG_END            0
%define TAG_INFO_REQUEST   1
%define TAG_CONSOLE_FLAGS  4
%define TAG_MODULE_ALIGN   6
%define TAG_RELOCATABLE    10

%define LOAD_PREFERENCE_LOW 1

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd 0					; architecture: i386 protected mode
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + 0 + (mb2_header_end - mb2_header))

	; Ask for the tags kmain parses.  Flags 0: we need them all.
	align 8
.info_request:
	dw TAG_INFO_REQUEST, 0
	dd .info_request_end - .info_request
	dd 1					; command line
	dd 2					; boot loader name
	dd 3					; modules
	dd 4					; basic meminfo
	dd 6					; memory map
	dd 14					; ACPI old RSDP
	dd 15					; ACPI new RSDP
	dd 21					; image load base address
.info_request_end:

	; We drive the VGA text screen ourselves.
	align 8
.console:
	dw TAG_CONSOLE_FLAGS, 0
	dd 12
	dd 2					; EGA text supported

	; Modules start on page boundaries (the frame allocator reserves pages).
	align 8
.module_align:
	dw TAG_MODULE_ALIGN, 0
	dd 8

	align 8
.relocatable:
	dw TAG_RELOCATABLE, 0
	dd 24
	dd KERNEL_LOAD_MIN
	dd KERNEL_LOAD_MAX
	dd KERNEL_ALIGN
	dd LOAD_PREFERENCE_LOW

	align 8
.end:
	dw TAG_END, 0
	dd 8
mb2_header_end:
