; Purgatory entry and exit: own stack and GDT, run the C checks, then leave
; long mode and enter the new kernel's 32-bit multiboot2 entry.
;
; Entered from: the relocate stub (control page), by a jump to
;               purgatory_start once every page has been copied to its
;               destination.
; CPU state:    64-bit mode, identity-mapped page tables covering all RAM,
;               interrupts off; RSP, GDT, IDT and segment registers are the
;               old kernel's or unspecified (their memory may be gone).
;               The whole blob lies below 4 GiB (purgatory.h).
; Registers:    RSP = our .bss stack; ESI = new kernel entry (physical),
;               EBX = multiboot2 information (physical) across the exit.
; Clobbers:     everything; CR0.PG, CR4 and EFER.LME/NXE end up cleared.
; Leaves to:    purgatory_entry32 in 32-bit protected mode, paging off, flat
;               4 GiB code and data segments (ours), EAX = 0x36d76289,
;               EBX = purgatory_mbi, EFLAGS = 0x2 (IF clear), ESP inside our
;               stack (the multiboot2 spec calls it undefined);
;               or, for a Linux bzImage (purgatory_entry64 set), its 64-bit
;               entry still in long mode on the identity tables: CS = 0x10
;               (64-bit code), DS = ES = SS = 0x18 (Linux's __BOOT_CS and
;               __BOOT_DS), RSI = purgatory_boot_params, other registers 0
;               (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
;               On a failed check purgatory() never returns (cli; hlt).
; Linux's counterpart: arch/x86/purgatory/entry64.S (which stays in 64-bit).
; Relocations: only RIP-relative (R_X86_64_PC32/PLT32) and dq (R_X86_64_64).

%include "x86.inc"			; lib/x86.h: CR0, CR4, EFER bits, GDT
%include "multiboot2.inc"		; lib/multiboot2.h: the magic in EAX

; Our GDT: the first three slots as everywhere (lib/x86.h), then 32-bit code.
%define SEL_CODE32  0x18
; Linux's boot selectors (arch/x86/include/asm/segment.h GDT_ENTRY_BOOT_CS).
%define LINUX_BOOT_CS 0x10
%define LINUX_BOOT_DS 0x18

; The deepest C call chain (purgatory -> purgatory_verify -> sha256 ->
; sha256_block) uses under 1 KiB (gcc -fstack-usage): 4 KiB leaves room.
%define PURGATORY_STACK_SIZE 4096

extern purgatory
extern purgatory_entry32
extern purgatory_mbi
extern purgatory_entry64
extern purgatory_boot_params
global purgatory_start

section .text
bits 64
purgatory_start:
	cli
	cld
	lea rsp, [rel purgatory_stack_top]

	; The old kernel's GDT and IDT may have been overwritten by a segment.
	; With a zero-limit IDT any exception becomes a triple fault (a reset,
	; or a QEMU exit with -no-reboot) instead of a jump into garbage.
	lgdt [rel purgatory_gdtr]
	lidt [rel purgatory_null_idtr]
	push GDT_KERNEL_CODE
	lea rax, [rel .reload_cs]
	push rax
	retfq					; far return = far jump, CS from our GDT
.reload_cs:
	mov eax, GDT_KERNEL_DATA
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax

	xor ebp, ebp				; end of the frame-pointer chain
	call purgatory				; returns only if all digests match

	mov rax, [rel purgatory_entry64]
	test rax, rax
	jnz enter_linux64

	; Read the handoff values while RIP-relative addressing still works.
	mov esi, [rel purgatory_entry32]
	mov ebx, [rel purgatory_mbi]

	; Clearing CR0.PG with CR4.PCIDE set is a #GP; drop PCIDE first.
	mov rax, cr4
	and rax, ~CR4_PCIDE
	mov cr4, rax

	; Intel SDM 9.8.5.4: leave IA-32e mode from compatibility mode, on an
	; identity-mapped page.  Far return into the 32-bit code segment.
	push SEL_CODE32
	lea rax, [rel compat32]
	push rax
	retfq

bits 32
compat32:
	mov eax, GDT_KERNEL_DATA
	mov ds, eax
	mov es, eax
	mov fs, eax
	mov gs, eax
	mov ss, eax

	mov eax, cr0
	and eax, ~CR0_PG			; paging off: EFER.LMA drops to 0
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~(EFER_LME | EFER_NXE)		; as firmware leaves it
	wrmsr
	xor eax, eax
	mov cr4, eax				; no PAE/PGE: the new kernel sets its own

	push 0x2				; EFLAGS: only the always-one bit
	popfd
	mov eax, MB2_BOOTLOADER_MAGIC
	jmp esi					; new kernel, EBX = MBI

bits 64
; Linux's 64-bit boot protocol wants __BOOT_CS = 0x10 and __BOOT_DS = 0x18,
; flat; our GDT has 0x10 as data, so switch to one laid out Linux's way.
enter_linux64:
	lgdt [rel linux_gdtr]
	push LINUX_BOOT_CS
	lea rcx, [rel .reload_cs]
	push rcx
	retfq
.reload_cs:
	mov ecx, LINUX_BOOT_DS
	mov ds, ecx
	mov es, ecx
	mov ss, ecx
	mov fs, ecx
	mov gs, ecx
	mov rsi, [rel purgatory_boot_params]
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor edi, edi
	xor ebp, ebp
	jmp rax

section .data
align 16
linux_gdt:
	dq 0					; null
	dq 0					; unused
	dq GDT_DESC_CODE64			; 0x10 __BOOT_CS
	dq GDT_DESC_DATA			; 0x18 __BOOT_DS
linux_gdt_end:
align 8
	dw 0, 0, 0
linux_gdtr:
	dw linux_gdt_end - linux_gdt - 1
	dq linux_gdt				; R_X86_64_64: fixed up at load time
align 16
purgatory_gdt:
	dq 0					; null
	dq GDT_DESC_CODE64			; 0x08 code, 64-bit (L=1)
	dq GDT_DESC_DATA			; 0x10 data, flat 4 GiB, 32-bit
	dq GDT_DESC_CODE32			; 0x18 code, flat 4 GiB, 32-bit (D=1)
purgatory_gdt_end:
align 8
	dw 0
purgatory_gdtr:
	dw purgatory_gdt_end - purgatory_gdt - 1
	dq purgatory_gdt			; R_X86_64_64: fixed up at load time
align 8
	dw 0
purgatory_null_idtr:
	dw 0
	dq 0

section .bss
alignb 16
purgatory_stack:
	resb PURGATORY_STACK_SIZE
purgatory_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
