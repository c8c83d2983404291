/*
 * Numbers shared by the C side of kexec, the relocate stub and purgatory.
 * Plain #defines only: the build turns this file into a NASM include
 * (build/kexec_layout.inc), like boot/layout.h.  The IND_* values are
 * Linux's (include/linux/kexec.h), so an IND list reads the same in both.
 */
#ifndef KEXEC_KEXEC_LAYOUT_H
#define KEXEC_KEXEC_LAYOUT_H

/* Flags in the low bits of an IND list entry; the rest is a physical address. */
#define IND_DESTINATION 0x1
#define IND_INDIRECTION 0x2
#define IND_DONE 0x4
#define IND_SOURCE 0x8
#define IND_FLAGS_MASK 0xf

/* Entries per indirection page (4096 / 8); the last links to the next page. */
#define IND_PER_PAGE 512

#define KEXEC_SEGMENT_MAX 16

/* The control page: the relocate stub's code, then its stack at the top. */
#define KEXEC_CONTROL_PAGE_SIZE 4096
#define KEXEC_CONTROL_CODE_MAX 3072

#endif
