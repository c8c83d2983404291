; The first instructions at the kernel's higher-half link address:
; long_mode_high, which boot/entry.asm jumps to from the head once long
; mode is on, takes the boot stack and calls kmain(magic, info_pa,
; phys_base).  It is the outermost frame of every backtrace, so it lives
; here in .boot.text (linker.ld puts it in .init.text, with kmain), not in
; the head: return addresses into it are inside the kernel's text, and
; its DWARF CFI (OUTERMOST_FRAME) tells gdb, drgn and elfutils that the
; call chain ends here.  A file of its own: NASM 2.16 writes line numbers
; for a file's first section only, and gdb wants them for this frame.
; Linux's counterpart: arch/x86/kernel/head_64.S (secondary_startup_64's
; call of x86_64_start_kernel, UNWIND_HINT_END_OF_STACK).

%include "cfi.inc"			; lib/cfi.inc: OUTERMOST_FRAME

extern kmain
extern boot_stack_top
extern boot_magic
extern boot_info_pa
global long_mode_high

section .boot.text progbits alloc exec nowrite align=16
bits 64
long_mode_high:
	mov rsp, boot_stack_top
	; Upper halves of registers are undefined after the mode switch.
	mov edi, [boot_magic]			; zero-extends: magic
	mov esi, [boot_info_pa]			; MBI or boot_params, physical
	mov edx, ebp				; phys_base
	; The end of the call chain: rbp 0 ends frame-pointer walks (ours,
	; drgn's and gdb's fallback), and OUTERMOST_FRAME below tells the DWARF
	; unwinders of gdb, drgn and elfutils that this code has no caller.
	xor ebp, ebp
	call kmain				; never returns
.halt:
	cli
	hlt
	jmp .halt
long_mode_high_end:
	OUTERMOST_FRAME long_mode_high, long_mode_high_end

