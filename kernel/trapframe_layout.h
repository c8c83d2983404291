/*
 * Byte offsets in struct trap_frame (kernel/traps.h), shared by C and the
 * interrupt stubs.  Plain "#define NAME value" lines only, so the build can
 * turn this file into a NASM include the way it does boot/layout.h;
 * kernel/traps.c asserts every value against offsetof().  Linux keeps the
 * same facts in arch/x86/entry/calling.h (the pt_regs offsets).
 */
#ifndef KERNEL_TRAPFRAME_LAYOUT_H
#define KERNEL_TRAPFRAME_LAYOUT_H

#define TF_R15 0x00
#define TF_R14 0x08
#define TF_R13 0x10
#define TF_R12 0x18
#define TF_R11 0x20
#define TF_R10 0x28
#define TF_R9 0x30
#define TF_R8 0x38
#define TF_RBP 0x40
#define TF_RDI 0x48
#define TF_RSI 0x50
#define TF_RDX 0x58
#define TF_RCX 0x60
#define TF_RBX 0x68
#define TF_RAX 0x70
#define TF_VECTOR 0x78
#define TF_ERROR_CODE 0x80
#define TF_RIP 0x88
#define TF_CS 0x90
#define TF_RFLAGS 0x98
#define TF_RSP 0xa0
#define TF_SS 0xa8
#define TF_SIZE 0xb0

#endif
