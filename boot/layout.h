/*
 * Where the kernel lives: the virtual bases of the image and of the direct
 * map, the physical range the image may be loaded in, the boot stacks.
 * Shared by C and assembly: the build turns every "#define NAME value"
 * line into a NASM "%define" ($(BUILD)/inc/layout.inc), so keep it to
 * plain #defines and comments.  The architecture's own numbers (page
 * size, GDT selectors) are lib/x86.h's, the multiboot2 magic values
 * lib/multiboot2.h's.  Linux keeps the same facts in
 * arch/x86/include/asm/page_64_types.h.
 */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

/* Virtual base of the kernel image mapping (Linux: __START_KERNEL_map). */
#define KERNEL_VIRT_BASE 0xffffffff80000000
/* Physical address the image is linked for; GRUB or kexec may move it. */
#define KERNEL_LINK_PHYS 0x200000
/* The image is only ever placed at multiples of this (2 MiB pages). */
#define KERNEL_ALIGN 0x200000
/* Lowest and highest physical load address we accept (relocatable tag). */
#define KERNEL_LOAD_MIN 0x200000
#define KERNEL_LOAD_MAX 0xc0000000
/* All physical memory appears here (Linux: __PAGE_OFFSET_BASE_L4). */
#define DIRECT_MAP_BASE 0xffff888000000000
/* The boot page tables direct-map (and identity-map) this much. */
#define BOOT_MAP_SIZE 0x100000000

/* Stack of the boot CPU, and the IST stacks used by fatal exceptions. */
#define BOOT_STACK_SIZE 0x8000
#define IST_STACK_SIZE 0x4000

#endif
