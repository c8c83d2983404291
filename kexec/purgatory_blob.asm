; The purgatory blob, embedded in the kernel as read-only data: the ELF
; relocatable object $(BUILD)/purgatory.ro, built separately from
; kexec/purgatory/ and copied, relocated and patched by the kexec loader at
; load time (kexec/purgatory_reloc.c).
;
; Entered from: never; data only.
; Exports:      kexec_purgatory (the bytes, 16-byte aligned),
;               kexec_purgatory_size (a 64-bit byte count).
; Linux's counterpart: the generated arch/x86/purgatory/kexec-purgatory.S
; (same symbol names).  NASM finds the file through -I$(BUILD)/.

global kexec_purgatory
global kexec_purgatory_size

section .rodata progbits alloc noexec nowrite align=16
align 16
kexec_purgatory:
	incbin "purgatory.ro"
kexec_purgatory_end:

align 8
kexec_purgatory_size:
	dq kexec_purgatory_end - kexec_purgatory
