; mini32: the smallest multiboot2 kernel we can think of, as an ELF32 file
; linked at a fixed address (no relocatable tag) with an entry-address tag.
; It proves that kexec loads what GRUB loads, not only our own kernel.elf:
; it prints the magic, its load address and its command line on COM1, then
; ends QEMU through isa-debug-exit with status 0x21 ((0x10 << 1) | 1).
;
; Entered from: GRUB or a kexec purgatory, multiboot2 protocol.
; CPU state:    32-bit protected mode, paging off, EAX = magic, EBX = MBI.
; Registers:    ESI walks strings and tags; EBX keeps the MBI.
; Clobbers:     everything.  Leaves to: nothing (QEMU exits or hlt).

%define COM1 0x3f8
%define DEBUG_EXIT_PORT 0xf4

bits 32
section .text
header:
	dd 0xe85250d6				; multiboot2 header magic
	dd 0					; i386
	dd header_end - header
	dd -(0xe85250d6 + (header_end - header))
	align 8
	dw 3, 0					; entry address tag
	dd 12
	dd start
	align 8
	dw 0, 0					; end tag
	dd 8
header_end:

global start
start:
	mov esp, stack_top
	mov edi, eax				; keep the magic
	mov esi, hello
	call puts
	mov eax, edi
	call puthex
	mov esi, entry_msg
	call puts
	mov eax, start
	call puthex
	mov esi, cmdline_open
	call puts
	lea esi, [ebx + 8]			; first tag
.tag:
	mov eax, [esi]
	test eax, eax
	jz .done				; end tag
	cmp eax, 1				; command line
	jne .skip
	push esi
	add esi, 8
	call puts
	pop esi
.skip:
	mov ecx, [esi + 4]
	add ecx, 7
	and ecx, ~7
	add esi, ecx
	jmp .tag
.done:
	mov esi, cmdline_close
	call puts
	mov al, 0x10
	out DEBUG_EXIT_PORT, al			; QEMU exits here if it has the device
.halt:
	cli
	hlt
	jmp .halt

; Print the NUL-terminated string at ESI.
puts:
	mov dx, COM1
.next:
	lodsb
	test al, al
	jz .end
	out dx, al
	jmp .next
.end:
	ret

; Print EAX as 0x followed by 8 hex digits.
puthex:
	mov ecx, 8
	mov edx, eax
	mov esi, prefix
	push edx
	call puts
	pop edx
.digit:
	rol edx, 4
	mov eax, edx
	and eax, 0xf
	mov al, [hexdigits + eax]
	push edx
	mov dx, COM1
	out dx, al
	pop edx
	loop .digit
	ret

section .rodata
hello:		db 10, "mini32: ELF32 multiboot2 kernel, magic ", 0
entry_msg:	db ", entry ", 0
cmdline_open:	db ", cmdline '", 0
cmdline_close:	db "'", 10, 0
prefix:		db "0x", 0
hexdigits:	db "0123456789abcdef"

section .bss
	resb 4096
stack_top:
