/*
 * Symbols and build id of a kernel.elf, read with libelf: the SHT_SYMTAB
 * section and its string table, and the NT_GNU_BUILD_ID note of the
 * SHT_NOTE sections (ld --build-id writes it into .note.gnu.build-id).
 * The build id is the same 20 bytes the kernel prints at boot and writes
 * as BUILD-ID in VMCOREINFO (kernel/version.c).
 */
#include "symbols.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

/* Look for the build id in every SHT_NOTE section. */
static void read_build_id(struct kernel_elf *ke)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ke->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t pos = 0, next, name_off, desc_off;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		while (pos < d->d_size && (next = gelf_getnote(d, pos, &nh, &name_off, &desc_off))) {
			const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;

			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0 &&
			    nh.n_descsz > 0 && nh.n_descsz <= 64) {
				for (size_t i = 0; i < nh.n_descsz; i++)
					snprintf(ke->build_id + 2 * i, 3, "%02x", desc[i]);
				return;
			}
			pos = next;
		}
	}
}

static int by_addr(const void *a, const void *b)
{
	const struct kernel_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr ? 1 : 0;
}

/* Keep defined functions, objects and untyped labels (NASM's); sort them. */
static void read_symbols(struct kernel_elf *ke)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ke->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			die("%s: symbol table unreadable: %s", ke->path, elf_errmsg(-1));
		n = sh.sh_size / sh.sh_entsize;
		ke->syms = xrealloc(ke->syms, ke->nr_syms + n, sizeof(*ke->syms));
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;
			unsigned type;

			if (!gelf_getsym(d, (int)i, &s))
				break;
			type = GELF_ST_TYPE(s.st_info);
			if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS ||
			    (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
				continue;
			name = elf_strptr(ke->elf, sh.sh_link, s.st_name);
			if (!name || !*name || name[0] == '.')
				continue;
			ke->syms[ke->nr_syms++] = (struct kernel_sym){
				.addr = s.st_value, .size = s.st_size, .name = name };
		}
	}
	if (ke->nr_syms)
		qsort(ke->syms, ke->nr_syms, sizeof(*ke->syms), by_addr);
}

void kernel_elf_open(struct kernel_elf *ke, const char *path)
{
	memset(ke, 0, sizeof(*ke));
	ke->path = path;
	if (elf_version(EV_CURRENT) == EV_NONE)
		die("libelf is too old: %s", elf_errmsg(-1));
	ke->fd = open(path, O_RDONLY);
	if (ke->fd < 0)
		die("%s: %s", path, strerror(errno));
	ke->elf = elf_begin(ke->fd, ELF_C_READ_MMAP, NULL);
	if (!ke->elf)
		die("%s: libelf cannot open it: %s", path, elf_errmsg(-1));
	if (elf_kind(ke->elf) != ELF_K_ELF)
		die("%s: not an ELF file: give the kernel.elf the vmcore came from", path);
	read_build_id(ke);
	read_symbols(ke);
}

void kernel_elf_close(struct kernel_elf *ke)
{
	free(ke->syms);
	if (ke->elf)
		elf_end(ke->elf);
	if (ke->fd >= 0)
		close(ke->fd);
	memset(ke, 0, sizeof(*ke));
}

bool kernel_elf_symbolize(const struct kernel_elf *ke, uint64_t addr, char *buf, size_t bufsz)
{
	const struct kernel_sym *best = NULL;
	size_t lo = 0, hi = ke->nr_syms;

	buf[0] = '\0';
	/* The last symbol at or below addr; among equal addresses prefer one
	 * with a size that covers addr (a function over a local label). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ke->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && ke->syms[i].addr == ke->syms[lo - 1].addr;) {
		if (!best || (ke->syms[i].size > addr - ke->syms[i].addr && best->size <= addr - best->addr))
			best = &ke->syms[i];
	}
	if (!best || (addr - best->addr >= best->size && addr - best->addr >= 0x10000))
		return false;
	if (addr == best->addr)
		snprintf(buf, bufsz, "%s", best->name);
	else
		snprintf(buf, bufsz, "%s+0x%llx", best->name, (unsigned long long)(addr - best->addr));
	return true;
}
