; The multiboot2 header: tells GRUB (and our own kexec loader) how to load
; kernel.elf.  The relocatable tag lets the boot loader put the image at any
; 2 MiB-aligned physical address in [KERNEL_LOAD_MIN, KERNEL_LOAD_MAX); that is
; what lets the capture kernel run from the crashkernel window unchanged.
; Multiboot2 spec section 3.1.  Linux's counterpart is the bzImage setup header.

%include "layout.inc"			; boot/layout.h: the load range and alignment
%include "multiboot2.inc"		; lib/multiboot2.h: magic, tag and type numbers

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386			; architecture: i386 protected mode
	dd MB2_HEADER_SIZE
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + MB2_HEADER_SIZE)

	; Ask for the tags kmain parses.  Flags 0: we need them all.
	align 8
.info_request:
	dw MB2_HEADER_TAG_INFO_REQUEST, 0
	dd .info_request_end - .info_request
	dd MB2_TAG_CMDLINE
	dd MB2_TAG_BOOT_LOADER_NAME
	dd MB2_TAG_MODULE
	dd MB2_TAG_BASIC_MEMINFO
	dd MB2_TAG_MMAP
	dd MB2_TAG_ACPI_OLD			; RSDP v1
	dd MB2_TAG_ACPI_NEW			; RSDP v2+
	dd MB2_TAG_LOAD_BASE_ADDR		; where the image really is
.info_request_end:

	; We drive the VGA text screen ourselves.
	align 8
.console:
	dw MB2_HEADER_TAG_CONSOLE_FLAGS, 0
	dd 12
	dd MB2_CONSOLE_EGA_TEXT

	; Modules start on page boundaries (the frame allocator reserves pages).
	align 8
.module_align:
	dw MB2_HEADER_TAG_MODULE_ALIGN, 0
	dd 8

	align 8
.relocatable:
	dw MB2_HEADER_TAG_RELOCATABLE, 0
	dd 24
	dd KERNEL_LOAD_MIN
	dd KERNEL_LOAD_MAX
	dd KERNEL_ALIGN
	dd MB2_LOAD_PREFERENCE_LOW

	align 8
.end:
	dw MB2_HEADER_TAG_END, 0
	dd 8
; Its size as a constant, not a label: a label here would share its
; address with the code linker.ld places next and name it in backtraces.
MB2_HEADER_SIZE equ $ - mb2_header
