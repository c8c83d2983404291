/*
 * Opening a vmcore with libelf and refusing, with a reason, anything that
 * is not a whole x86-64 ELF core file with VMCOREINFO.  Everything is
 * checked at open time (header, program headers, segment bounds, notes),
 * so the commands can then read without re-checking.  Linux:
 * fs/proc/vmcore.c (parse_crash_elf64_headers) checks the elfcorehdr the
 * same way on the other side; makedumpfile's elf_info.c reads it so.
 */
#include "vmcore.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *elf_type_name(unsigned type)
{
	switch (type) {
	case ET_NONE: return "file of type ET_NONE";
	case ET_REL: return "relocatable object (ET_REL)";
	case ET_EXEC: return "executable (ET_EXEC)";
	case ET_DYN: return "shared object (ET_DYN)";
	default: return "file of an unknown type";
	}
}

/* Before libelf: is this an ELF file at all, and long enough for a header? */
static void check_magic(const struct vmcore *vc)
{
	unsigned char magic[SELFMAG] = { 0 };
	ssize_t got = pread(vc->fd, magic, sizeof(magic), 0);

	if (got != (ssize_t)sizeof(magic) || memcmp(magic, ELFMAG, SELFMAG) != 0)
		die("%s: not an ELF file (no \\177ELF magic at byte 0)", vc->path);
	if (vc->file_size < sizeof(Elf64_Ehdr))
		die("%s: cut short: %llu bytes, the ELF64 header alone needs %zu", vc->path,
		    (unsigned long long)vc->file_size, sizeof(Elf64_Ehdr));
}

/* The identification bytes, through libelf. */
static void check_ident(const struct vmcore *vc)
{
	const char *ident;

	if (elf_kind(vc->elf) != ELF_K_ELF || !(ident = elf_getident(vc->elf, NULL)))
		die("%s: libelf does not take it for ELF: %s", vc->path, elf_errmsg(-1));
	if (ident[EI_CLASS] != ELFCLASS64)
		die("%s: ELF class %u, not ELFCLASS64: a vmcore is a 64-bit ELF file", vc->path,
		    ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		die("%s: ELF data encoding %u, not little-endian (ELFDATA2LSB)", vc->path,
		    ident[EI_DATA]);
}

/* The whole program header table inside the file: a cut copy or a garbage
 * e_phnum/e_phoff is refused before libelf is asked to read it. */
static void check_phdr_table(const struct vmcore *vc, uint64_t phoff, uint64_t phnum)
{
	uint64_t table_end = phoff + phnum * sizeof(Elf64_Phdr);

	if (phoff > vc->file_size || table_end < phoff || table_end > vc->file_size)
		die("%s: %llu program headers at file offset 0x%llx would end at 0x%llx, past the "
		    "end of the file (%llu bytes): cut short, or a corrupt e_phnum/e_phoff",
		    vc->path, (unsigned long long)phnum, (unsigned long long)phoff,
		    (unsigned long long)table_end, (unsigned long long)vc->file_size);
}

static void check_header(struct vmcore *vc)
{
	GElf_Ehdr eh;

	check_ident(vc);
	if (!gelf_getehdr(vc->elf, &eh))
		die("%s: ELF header unreadable: %s", vc->path, elf_errmsg(-1));
	if (eh.e_type != ET_CORE)
		die("%s: an ELF %s, not a core file (ET_CORE): give the vmcore, not a kernel",
		    vc->path, elf_type_name(eh.e_type));
	if (eh.e_machine != EM_X86_64)
		die("%s: a core file for machine %u, not x86-64 (EM_X86_64 = %u)", vc->path,
		    eh.e_machine, EM_X86_64);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		die("%s: corrupt ELF header: e_phentsize %u, not %zu", vc->path, eh.e_phentsize,
		    sizeof(Elf64_Phdr));
	/* PN_XNUM: the real count is in section 0, which libelf reads. */
	if (eh.e_phnum != PN_XNUM)
		check_phdr_table(vc, eh.e_phoff, eh.e_phnum);
	if (elf_getphdrnum(vc->elf, &vc->nr_phdrs) != 0)
		die("%s: program header count unreadable: %s", vc->path, elf_errmsg(-1));
	if (vc->nr_phdrs == 0)
		die("%s: no program headers: this core file holds nothing", vc->path);
	check_phdr_table(vc, eh.e_phoff, vc->nr_phdrs);
}

/* Is [offset, offset + size) inside the file (and not wrapping)? */
static bool in_file(const struct vmcore *vc, uint64_t offset, uint64_t size)
{
	return offset <= vc->file_size && size <= vc->file_size - offset;
}

static void read_phdrs(struct vmcore *vc)
{
	vc->loads = xcalloc(vc->nr_phdrs, sizeof(*vc->loads));
	for (size_t i = 0; i < vc->nr_phdrs; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(vc->elf, (int)i, &ph))
			die("%s: program header %zu unreadable: %s", vc->path, i, elf_errmsg(-1));
		if (ph.p_type == PT_NULL)
			continue;
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			die("%s: program header %zu has type 0x%x, neither PT_LOAD nor PT_NOTE: "
			    "not a vmcore, or a corrupt header", vc->path, i, ph.p_type);
		if (!in_file(vc, ph.p_offset, ph.p_filesz))
			die("%s: cut short: program header %zu (%s) needs file bytes "
			    "[0x%llx, 0x%llx), the file has %llu", vc->path, i,
			    ph.p_type == PT_LOAD ? "PT_LOAD" : "PT_NOTE",
			    (unsigned long long)ph.p_offset,
			    (unsigned long long)(ph.p_offset + ph.p_filesz),
			    (unsigned long long)vc->file_size);
		if (ph.p_type == PT_NOTE)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_paddr + ph.p_filesz < ph.p_paddr)
			die("%s: corrupt PT_LOAD %zu: physical 0x%llx, %llu bytes in the file, "
			    "%llu in memory", vc->path, i, (unsigned long long)ph.p_paddr,
			    (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
		if (ph.p_filesz == 0)
			continue;
		vc->loads[vc->nr_loads++] = (struct vmcore_load){
			.phdr = (unsigned)i, .paddr = ph.p_paddr, .vaddr = ph.p_vaddr,
			.size = ph.p_filesz, .offset = ph.p_offset,
		};
	}
	if (vc->nr_loads == 0)
		die("%s: no PT_LOAD with bytes: the dump holds no memory", vc->path);
}

/* Add the notes of one PT_NOTE, read with libelf's note walker. */
static void read_note_segment(struct vmcore *vc, size_t idx, const GElf_Phdr *ph)
{
	Elf_Data *d = elf_getdata_rawchunk(vc->elf, (int64_t)ph->p_offset, ph->p_filesz,
					   ELF_T_NHDR);
	size_t pos = 0;

	if (!d)
		die("%s: PT_NOTE %zu unreadable: %s", vc->path, idx, elf_errmsg(-1));
	while (pos < d->d_size) {
		GElf_Nhdr nh;
		size_t name_off, desc_off;
		size_t next = gelf_getnote(d, pos, &nh, &name_off, &desc_off);
		struct vmcore_note *n;

		if (next == 0)
			die("%s: corrupt note at file offset 0x%llx: its name or data run past "
			    "the end of PT_NOTE %zu (%llu bytes)", vc->path,
			    (unsigned long long)(ph->p_offset + pos), idx,
			    (unsigned long long)ph->p_filesz);
		if (nh.n_namesz == 0 && nh.n_descsz == 0 && nh.n_type == 0)
			break;		/* the empty note that ends a buffer (final_note) */
		vc->notes = xrealloc(vc->notes, vc->nr_notes + 1, sizeof(*vc->notes));
		n = &vc->notes[vc->nr_notes++];
		/* The name holds its NUL in namesz; print it without. */
		snprintf(n->owner, sizeof(n->owner), "%.*s",
			 (int)(nh.n_namesz && !((char *)d->d_buf)[name_off + nh.n_namesz - 1]
			       ? nh.n_namesz - 1 : nh.n_namesz),
			 (char *)d->d_buf + name_off);
		n->type = nh.n_type;
		n->desc = (const uint8_t *)d->d_buf + desc_off;
		n->descsz = nh.n_descsz;
		n->file_offset = ph->p_offset + pos;
		pos = next;
	}
}

static void read_notes(struct vmcore *vc)
{
	for (size_t i = 0; i < vc->nr_phdrs; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(vc->elf, (int)i, &ph) && ph.p_type == PT_NOTE && ph.p_filesz)
			read_note_segment(vc, i, &ph);
	}
	for (unsigned i = 0; i < vc->nr_notes; i++) {
		if (strcmp(vc->notes[i].owner, "DUMPINFO") == 0 && !vc->dumpinfo) {
			vc->dumpinfo = (const char *)vc->notes[i].desc;
			vc->dumpinfo_size = vc->notes[i].descsz;
		}
		if (strcmp(vc->notes[i].owner, "VMCOREINFO") != 0)
			continue;
		if (vc->vmcoreinfo) {
			warn("%s: a second VMCOREINFO note (note %u) is ignored", vc->path, i);
			continue;
		}
		vc->vmcoreinfo = (const char *)vc->notes[i].desc;
		vc->vmcoreinfo_size = vc->notes[i].descsz;
	}
	if (!vc->vmcoreinfo)
		die("%s: no VMCOREINFO note (%u notes): not a vmcore of this kernel, nothing "
		    "tells where its structures are", vc->path, vc->nr_notes);
}

void vmcore_open(struct vmcore *vc, const char *path)
{
	struct stat st;

	memset(vc, 0, sizeof(*vc));
	vc->path = path;
	vc->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		die("libelf is too old: %s", elf_errmsg(-1));
	vc->fd = open(path, O_RDONLY);
	if (vc->fd < 0)
		die("%s: %s", path, strerror(errno));
	if (fstat(vc->fd, &st) != 0 || !S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	vc->file_size = (uint64_t)st.st_size;
	check_magic(vc);
	vc->elf = elf_begin(vc->fd, ELF_C_READ_MMAP, NULL);
	if (!vc->elf)
		die("%s: libelf cannot open it: %s", path, elf_errmsg(-1));
	check_header(vc);
	read_phdrs(vc);
	read_notes(vc);
}

void vmcore_close(struct vmcore *vc)
{
	free(vc->notes);
	free(vc->loads);
	if (vc->elf)
		elf_end(vc->elf);	/* frees the note data vc->notes pointed into */
	if (vc->fd >= 0)
		close(vc->fd);
	memset(vc, 0, sizeof(*vc));
	vc->fd = -1;
}

const struct vmcore_load *vmcore_find_phys(const struct vmcore *vc, uint64_t pa)
{
	const struct vmcore_load *best = NULL;

	/* The kernel image's PT_LOAD repeats part of a RAM PT_LOAD: the same
	 * bytes.  Take the largest holder, the RAM one. */
	for (unsigned i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];

		if (pa >= l->paddr && pa - l->paddr < l->size && (!best || l->size > best->size))
			best = l;
	}
	return best;
}

bool vmcore_read_phys(const struct vmcore *vc, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		const struct vmcore_load *l = vmcore_find_phys(vc, pa);
		uint64_t left, chunk;
		ssize_t got;

		if (!l)
			return false;
		left = l->size - (pa - l->paddr);
		chunk = len < left ? len : left;
		got = pread(vc->fd, out, chunk, (off_t)(l->offset + (pa - l->paddr)));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			die("%s: reading %llu bytes at file offset 0x%llx: %s", vc->path,
			    (unsigned long long)chunk, (unsigned long long)(l->offset + pa - l->paddr),
			    got < 0 ? strerror(errno) : "unexpected end of file");
		out += got, pa += (uint64_t)got, len -= (size_t)got;
	}
	return true;
}

void vmcore_read_phys_or_die(const struct vmcore *vc, uint64_t pa, void *buf, size_t len,
			     const char *what)
{
	if (!vmcore_read_phys(vc, pa, buf, len))
		die("physical [0x%llx, 0x%llx) (%s) is not in the dump: no PT_LOAD holds it",
		    (unsigned long long)pa, (unsigned long long)(pa + len), what);
}
