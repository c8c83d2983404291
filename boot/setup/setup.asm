; The setup sectors of build/bzImage: the Linux setup header that every
; Linux loader reads, and the 16-bit code a real-mode loader runs.  Built
; with nasm -f bin; tools/mkbzimage.py appends the protected-mode kernel
; (kernel.elf's loadable bytes) and fills in syssize and init_size.
;
; Entered from: QEMU's -kernel option ROM (or any 16-bit boot protocol
;               loader), at file offset 0x200: CS = segment of the setup +
;               0x20, IP = 0, DS = ES = SS = segment of the setup, interrupts
;               off.  Loaders of the 32- and 64-bit protocols (GRUB `linux`,
;               kexec) read the header only and never run this code.
; CPU state:    real mode; the BIOS is still there; the protected-mode
;               kernel is at code32_start (0x100000); the loader patched the
;               header in memory (cmd_line_ptr, ramdisk_image/size...).
; Registers:    DS = ES = SS = CS = the setup's segment after the far return.
; Does:         boot_params (in our .bss) = zeros + the patched header; the
;               e820 map from the BIOS (int 0x15, EAX = 0xe820); A20 on;
;               protected mode with a flat GDT (0x10 code, 0x18 data, as
;               Linux's __BOOT_CS/__BOOT_DS).
; Leaves to:    code32_start (startup_32, boot/entry_linux.asm) in 32-bit
;               protected mode, paging off, ESI = boot_params (linear).
; Linux's counterpart: arch/x86/boot/header.S (the header), main.c,
;               memory.c (detect_memory_e820), a20.c, pm.c and pmjump.S.

%include "layout.inc"			; boot/layout.h: KERNEL_ALIGN, link address
%include "bootparam.inc"		; lib/bootparam.h: the header and boot_params
%include "x86.inc"			; lib/x86.h: CR0, GDT descriptors

%define SEL_BOOT_CS 0x10		; Linux's __BOOT_CS
%define SEL_BOOT_DS 0x18		; Linux's __BOOT_DS
%define SMAP 0x534d4150			; "SMAP", the e820 call's signature
%define STACK_SIZE 2048			; the BIOS's int 0x15 may need some
%define CMDLINE_MAX 2047		; our kernel keeps 2048 bytes with the NUL

bits 16
org 0
section .text
boot_sector:
	; Offset 0: a boot sector nobody should boot.  A BIOS that does gets
	; one line on COM1 (already set up by the firmware, or not: no harm).
	cld
	mov si, 0x7c00 + (no_boot_sector_msg - boot_sector)
	xor ax, ax
	mov ds, ax
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
no_boot_sector_msg:
	db "This is a bzImage: boot it with a boot loader (QEMU -kernel, GRUB linux, kexec).", 13, 10, 0

	times BP_SENTINEL - ($ - $$) db 0
	; 0x1ef: Linux's sentinel, non-zero in the file: a loader that copies
	; this whole sector into boot_params instead of the header sets it there,
	; and the kernel then ignores what such a loader leaves stale.
	db 0xff, 0xff
setup_header:
	db SETUP_SECTS				; 0x1f1 setup_sects: sectors after this one
	dw 0					; root_flags
	dd 0					; syssize: patched (16-byte units)
	dw 0					; ram_size (obsolete)
	dw 0xffff				; vid_mode: NORMAL_VGA
	dw 0					; root_dev
	dw BOOT_FLAG_MAGIC			; 0x1fe boot_flag
	; 0x200: the 16-bit entry; its second byte says where the header ends
	; (0x202 + it), which is how loaders know how much of it to copy.
	db 0xeb, setup16 - (SH_JUMP + 2)
	dd BOOT_HDRS_MAGIC			; 0x202 "HdrS"
	dw BOOT_PROTOCOL_OURS			; 0x206 version 2.12
	dd 0					; realmode_swtch
	dw 0					; start_sys_seg (obsolete)
	dw version_string - SH_JUMP		; kernel_version: pointer - 0x200
	db 0					; type_of_loader: the loader's
	db LOADED_HIGH				; loadflags: protected mode at 1 MiB+
	dw 0					; setup_move_size
	dd BOOT_CODE32_DEFAULT			; code32_start: loaders patch it
	dd 0					; ramdisk_image
	dd 0					; ramdisk_size
	dd 0					; bootsect_kludge
	dw 0					; heap_end_ptr: we need no heap
	db 0, 0					; ext_loader_ver, ext_loader_type
	dd 0					; cmd_line_ptr
	dd 0x7fffffff				; initrd_addr_max (Linux's for 64-bit)
	dd KERNEL_ALIGN				; kernel_alignment: 2 MiB pages
	db 1					; relocatable_kernel
	db 21					; min_alignment: 2^21
	dw XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G	; xloadflags
	dd CMDLINE_MAX				; cmdline_size
	dd 0					; hardware_subarch: PC
	dq 0					; hardware_subarch_data
	dd 0					; payload_offset: nothing compressed
	dd 0					; payload_length
	dq 0					; setup_data
	dq KERNEL_LINK_PHYS			; pref_address
	dd 0					; init_size: patched (memory the image needs)
	dd 0					; handover_offset: no EFI handover
%if ($ - $$) != SH_END_2_12
	%error "the 2.12 setup header must end at 0x268"
%endif

setup16:
	cli
	cld
	mov ax, cs
	sub ax, SH_JUMP >> 4			; entered at offset 0x200
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, stack_top
	push ax
	push .normalized
	retf					; CS = DS: offsets are org 0 offsets
.normalized:
	; boot_params: zeros, then the setup header as the loader patched it.
	mov di, boot_params
	mov cx, BP_SIZE / 2
	xor ax, ax
	rep stosw
	mov si, SH_SETUP_SECTS
	mov di, boot_params + SH_SETUP_SECTS
	mov cx, SH_END_2_12 - SH_SETUP_SECTS
	rep movsb
	call detect_e820
	call enable_a20
	jmp protected_mode

; The BIOS memory map, one int 0x15 E820 call per entry, straight into
; boot_params.e820_table (at most BP_E820_MAX entries).  An empty map is
; left empty: the kernel says so and stops.  Linux: detect_memory_e820.
detect_e820:
	xor ebx, ebx				; continuation value: 0 = first
	xor bp, bp				; entries so far
	mov di, boot_params + BP_E820_TABLE
.next:
	mov eax, 0xe820
	mov edx, SMAP
	mov ecx, BP_E820_ENTRY_SIZE
	int 0x15
	jc .done				; carry: no more entries, or no E820
	cmp eax, SMAP
	jne .done				; a BIOS that does not know E820
	add di, BP_E820_ENTRY_SIZE
	inc bp
	cmp bp, BP_E820_MAX
	jae .done
	test ebx, ebx
	jnz .next				; EBX = 0: that was the last one
.done:
	mov ax, bp
	mov [boot_params + BP_E820_ENTRIES], al
	ret

; The "fast A20" gate (port 0x92 bit 1): SeaBIOS leaves A20 on, but this
; is cheap and what most of Linux's a20.c falls back to.  Bit 0 would reset.
enable_a20:
	in al, 0x92
	or al, 2
	and al, ~1
	out 0x92, al
	ret

; Flat GDT, CR0.PE, far jump to 32-bit code with flat segments, then on to
; code32_start.  The GDT base and the far jump's offset are linear
; addresses: our segment's base is only known now (Linux: pmjump.S).
protected_mode:
	xor eax, eax
	mov ax, ds
	shl eax, 4				; linear address of offset 0
	add [gdtr + 2], eax
	add [far_jump + 2], eax
	lea esi, [eax + boot_params]		; ESI = boot_params, linear
	mov ebx, [boot_params + SH_CODE32_START]
	lgdt [gdtr]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
far_jump:
	jmp dword SEL_BOOT_CS:pm32		; (66 ea: offset patched above)

bits 32
pm32:
	mov eax, SEL_BOOT_DS
	mov ds, eax
	mov es, eax
	mov fs, eax
	mov gs, eax
	mov ss, eax
	xor ebp, ebp
	xor edi, edi
	jmp ebx					; code32_start, ESI = boot_params

align 8
gdt:
	dq 0					; null
	dq 0					; unused (Linux's too)
	dq GDT_DESC_CODE32			; 0x10 __BOOT_CS: 4 GiB, 32-bit
	dq GDT_DESC_DATA			; 0x18 __BOOT_DS: 4 GiB
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd gdt					; + our linear base at run time

version_string:
	db KERNEL_VERSION_STRING, 0

	; The setup ends on a sector boundary; setup_sects counts the
	; sectors after the boot sector.
	align BOOT_SECTOR_SIZE, db 0
setup_end:
SETUP_SECTS equ (setup_end - boot_sector) / BOOT_SECTOR_SIZE - 1

section .bss
alignb 16
boot_params:
	resb BP_SIZE
stack:
	resb STACK_SIZE
stack_top:
