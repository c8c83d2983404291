; Interrupt and exception entry stubs, and the common path into C.
;
; Entered from: the CPU, through an IDT gate (kernel/idt.c), for every one
;               of the 256 vectors: 0-31 exceptions, 32-255 interrupts (legacy
;               IRQ lines, the local APIC's own vectors, and any vector an
;               earlier kernel left pending, which must not become a #GP).
; CPU state:    64-bit mode, CPL 0, interrupts off (interrupt gates), on the
;               interrupted stack or on an IST stack (#DF IST1, NMI IST2,
;               #MC IST3).  The CPU aligned RSP down to 16 bytes, then pushed
;               SS, RSP, RFLAGS, CS, RIP and, for vectors 8, 10-14, 17, 21,
;               29 and 30, an error code.
; Registers:    each stub pushes a 0 error code where the CPU pushed none,
;               then the vector, so every frame has the same shape.
;               trap_common pushes the 15 general registers to complete a
;               struct trap_frame (kernel/traps.h), passes its address in RDI
;               to trap_dispatch, and restores everything from that frame.
;               RBP is pointed at a two-word frame {interrupted RBP,
;               interrupted RIP}, so a backtrace taken inside the handler
;               walks on into the interrupted code.
; Clobbers:     nothing visible to the interrupted code (all GPRs restored;
;               the C code is built with -mgeneral-regs-only).
; Leaves to:    the interrupted instruction (or the next one) by iretq; fatal
;               exceptions never come back from trap_dispatch (panic).
; Linux's counterpart: arch/x86/entry/entry_64.S (idtentry, error_entry,
; PUSH_AND_CLEAR_REGS) and arch/x86/include/asm/idtentry.h.

; struct trap_frame offsets (TF_*) come from kernel/trapframe_layout.h, which
; kernel/traps.c asserts against offsetof(); the build makes the .inc.
%include "trapframe_layout.inc"
%define FIRST_EXTERNAL_VECTOR 32	; drivers/irq.h: the first vector after the exceptions

extern trap_dispatch
global isr_stub_table
global trap_common

; Exception without a CPU error code: push a 0 so the frame shape is fixed.
%macro EXC_NOERR 2
global asm_exc_%2
asm_exc_%2:
	push 0
	push %1
	jmp trap_common
%endmacro

; Exception for which the CPU already pushed an error code.
%macro EXC_ERR 2
global asm_exc_%2
asm_exc_%2:
	push %1
	jmp trap_common
%endmacro

; Interrupt vector 32-255 (Linux: irq_entries_start, one stub per vector).
%macro IRQ_STUB 1
asm_irq_%1:
	push 0
	push %1
	jmp trap_common
%endmacro

section .text
align 16
EXC_NOERR 0, divide_error		; #DE
EXC_NOERR 1, debug			; #DB
EXC_NOERR 2, nmi			; NMI (IST2)
EXC_NOERR 3, int3			; #BP
EXC_NOERR 4, overflow			; #OF
EXC_NOERR 5, bounds			; #BR
EXC_NOERR 6, invalid_op			; #UD
EXC_NOERR 7, device_not_available	; #NM
EXC_ERR   8, double_fault		; #DF (IST1), error code always 0
EXC_NOERR 9, coproc_segment_overrun	; reserved since the 486
EXC_ERR   10, invalid_tss		; #TS
EXC_ERR   11, segment_not_present	; #NP
EXC_ERR   12, stack_segment		; #SS
EXC_ERR   13, general_protection	; #GP
EXC_ERR   14, page_fault		; #PF
EXC_NOERR 15, reserved_15
EXC_NOERR 16, coprocessor_error		; #MF
EXC_ERR   17, alignment_check		; #AC
EXC_NOERR 18, machine_check		; #MC (IST3)
EXC_NOERR 19, simd_error		; #XM
EXC_NOERR 20, virtualization		; #VE
EXC_ERR   21, control_protection	; #CP
EXC_NOERR 22, reserved_22
EXC_NOERR 23, reserved_23
EXC_NOERR 24, reserved_24
EXC_NOERR 25, reserved_25
EXC_NOERR 26, reserved_26
EXC_NOERR 27, reserved_27
EXC_NOERR 28, hv_injection		; #HV
EXC_ERR   29, vmm_communication		; #VC
EXC_ERR   30, security			; #SX
EXC_NOERR 31, reserved_31

%assign vec FIRST_EXTERNAL_VECTOR
%rep 256 - FIRST_EXTERNAL_VECTOR
IRQ_STUB %[vec]
%assign vec vec + 1
%endrep

; The common path.  Stack on entry: vector, error code, then the CPU frame.
align 16
trap_common:
	push rax				; push order = reverse of struct order
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld					; the C ABI wants DF clear
	mov rdi, rsp				; struct trap_frame *
	; 7 + 15 words since the CPU's 16-byte alignment: RSP is aligned
	; again, and stays so after the two-word frame below.
	push qword [rdi + TF_RIP]
	push qword [rdi + TF_RBP]
	mov rbp, rsp
	call trap_dispatch
	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, TF_RIP - TF_VECTOR		; drop vector and error code
	iretq

; Entry points for kernel/idt.c, indexed by vector.
section .rodata
align 8
isr_stub_table:
	dq asm_exc_divide_error, asm_exc_debug, asm_exc_nmi, asm_exc_int3
	dq asm_exc_overflow, asm_exc_bounds, asm_exc_invalid_op
	dq asm_exc_device_not_available, asm_exc_double_fault
	dq asm_exc_coproc_segment_overrun, asm_exc_invalid_tss
	dq asm_exc_segment_not_present, asm_exc_stack_segment
	dq asm_exc_general_protection, asm_exc_page_fault, asm_exc_reserved_15
	dq asm_exc_coprocessor_error, asm_exc_alignment_check
	dq asm_exc_machine_check, asm_exc_simd_error, asm_exc_virtualization
	dq asm_exc_control_protection, asm_exc_reserved_22, asm_exc_reserved_23
	dq asm_exc_reserved_24, asm_exc_reserved_25, asm_exc_reserved_26
	dq asm_exc_reserved_27, asm_exc_hv_injection, asm_exc_vmm_communication
	dq asm_exc_security, asm_exc_reserved_31
%assign vec FIRST_EXTERNAL_VECTOR
%rep 256 - FIRST_EXTERNAL_VECTOR
	dq asm_irq_%[vec]
%assign vec vec + 1
%endrep
isr_stub_table_end:

; kernel/idt.c expects exactly 256 entries: a negative TIMES count fails
; the build if there are more or fewer.
	times (isr_stub_table_end - isr_stub_table) - 256 * 8 db 0
	times 256 * 8 - (isr_stub_table_end - isr_stub_table) db 0
