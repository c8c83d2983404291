; The AP trampoline: where a CPU woken by INIT-SIPI-SIPI starts, in real
; mode, and how it climbs to long mode and into the kernel.
;
; Entered from: the STARTUP IPI (kernel/smpboot.c), whose vector is the
;               physical page number of this code: CS = page << 8, IP = 0.
; CPU state:    real mode, interrupts off, paging off, as after INIT.
; Registers:    EBX = physical base of the page from the first instruction
;               on (CS << 4), so the 32- and 64-bit parts find their data;
;               the data at TR_DATA (kernel/trampoline_layout.h) is filled
;               in by the boot CPU for one AP at a time.
; Clobbers:     everything.
; Leaves to:    smp_ap_entry (kernel virtual address), 64-bit, on the
;               trampoline's page tables (the kernel's plus this page 1:1),
;               RSP = the AP's stack top, EDI = its logical CPU number.
; Linux's counterpart: arch/x86/realmode/rm/trampoline_64.S
; (trampoline_start, startup_32, startup_64).

%include "trampoline_layout.inc"
%include "x86.inc"			; CR0/CR4/EFER bits, GDT selectors

extern start_secondary
global smp_trampoline
global smp_trampoline_end
global smp_ap_entry

; The code is copied to the trampoline page; only its position in that
; page matters, so it lives in .rodata as bytes.
section .rodata
align 16
bits 16
smp_trampoline:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4				; EBX = physical base of this page
	o32 lgdt [TR_GDTR]			; 32-bit base: the GDT in this page
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [TR_PM32]			; CS = 32-bit code, EIP = base + TR_CODE32

	times TR_CODE32 - ($ - smp_trampoline) db 0
bits 32
	mov ax, GDT_KERNEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, [ebx + TR_CR4]			; the boot CPU's: PAE and friends
	mov cr4, eax
	mov eax, [ebx + TR_CR3]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ebx + TR_EFER]			; LME, and NXE if the kernel uses NX
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax				; long mode, compatibility submode
	jmp far [ebx + TR_LM64]			; CS = 64-bit code, RIP = base + TR_CODE64

	times TR_CODE64 - ($ - smp_trampoline) db 0
bits 64
	mov rsp, [rbx + TR_STACK]
	mov edi, [rbx + TR_CPU]
	mov rax, [rbx + TR_ENTRY]
	jmp rax					; up into the kernel's own addresses

	; The code must end before the data: a negative count fails the build.
	times TR_DATA - ($ - smp_trampoline) db 0
smp_trampoline_end:

section .text
; First kernel code an AP runs, still on the trampoline's page tables
; (which hold all of the kernel's mappings).  A zero return address ends
; the frame chain for gdb and the backtraces, as boot/entry.asm does.
smp_ap_entry:
	xor ebp, ebp
	push 0
	jmp start_secondary
