/*
 * The kernel's ELF header and program headers are loaded at the start of
 * its text segment (linker.ld: FILEHDR PHDRS), so that a reader of memory
 * (elfutils, on a vmcore) recognises the kernel there and finds its build
 * ID.  One program header describes the image as loaders see it, not as
 * it runs: the head's PT_LOAD, linked at its physical address so that
 * e_entry is physical for kexec-tools and still inside a PT_LOAD for GRUB.
 * elfutils takes a module's bounds from every PT_LOAD of the copy in
 * memory, and that low one would stretch ours from 2 MiB to the top of
 * the address space, so the running kernel marks it PT_NULL in its loaded
 * copy.  kernel.elf on disk keeps it.  Linux's vmlinux needs nothing like
 * it: every PT_LOAD of it is in the higher half (its entries are in the
 * bzImage's setup and decompressor, not in vmlinux).
 */
#include "boot/image_headers.h"
#include "boot/addr.h"
#include "boot/layout.h"
#include "lib/elf.h"
#include "lib/string.h"

void image_headers_setup(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)_kernel_headers;
	Elf64_Phdr *ph = (Elf64_Phdr *)(_kernel_headers + eh->e_phoff);

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return;		/* not there: nothing to describe */
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < KERNEL_VIRT_BASE)
			ph[i].p_type = PT_NULL;
}
