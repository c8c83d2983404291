/*
 * The vmcore as the capture kernel serves it.  The elfcorehdr is data the
 * dead kernel left behind: every field is checked before it is used, and
 * old memory is only read through read_phys.  The one idea: the file is
 * never built, only described; a read at any offset finds which extent
 * (header, notes, padding, old memory) it falls in and copies from there.
 * Linux: fs/proc/vmcore.c (parse_crash_elf64_headers, merge_note_headers_
 * elf64, process_ptload_program_headers_elf64, read_vmcore).
 */
#include "crash/vmcore_layout.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

_Static_assert(offsetof(struct vmcore_layout, own.phdr) - offsetof(struct vmcore_layout, own)
		       == sizeof(Elf64_Ehdr),
	       "the program headers follow the ELF header with no gap");

/* Every checking function has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

/* Does [start, start + size) wrap or reach past the physical limit? */
static bool bad_phys(uint64_t start, uint64_t size)
{
	return start + size < start || start + size > VMCORE_PHYS_LIMIT;
}

static int check_phdr(unsigned i, const Elf64_Phdr *ph, char *why, size_t whylen)
{
	const char *what = ph->p_type == PT_NOTE ? "PT_NOTE" : "PT_LOAD";

	if (ph->p_type == PT_NULL)
		return 0;
	if (ph->p_type != PT_NOTE && ph->p_type != PT_LOAD)
		return FAIL(-E_NOTSUP, "phdr %u: type 0x%x is not PT_NOTE or PT_LOAD", i, ph->p_type);
	if (ph->p_filesz != ph->p_memsz)
		return FAIL(-E_INVAL, "phdr %u (%s): p_filesz 0x%llx != p_memsz 0x%llx", i, what,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (ph->p_offset != ph->p_paddr)
		return FAIL(-E_INVAL, "phdr %u (%s): p_offset 0x%llx != p_paddr 0x%llx", i, what,
			    (unsigned long long)ph->p_offset, (unsigned long long)ph->p_paddr);
	if (ph->p_type == PT_NOTE && (ph->p_memsz == 0 || ph->p_memsz > VMCORE_NOTE_MAX))
		return FAIL(-E_INVAL, "phdr %u (PT_NOTE): size 0x%llx not in (0, 0x%x]", i,
			    (unsigned long long)ph->p_memsz, VMCORE_NOTE_MAX);
	if (bad_phys(ph->p_paddr, ph->p_memsz))
		return FAIL(-E_RANGE, "phdr %u (%s): [0x%llx, +0x%llx) wraps or ends past 2^52", i,
			    what, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return FAIL(-E_RANGE, "phdr %u (%s): p_vaddr 0x%llx + 0x%llx wraps", i, what,
			    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz);
	return 0;
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t size, char *why, size_t whylen)
{
	const uint8_t *id = eh->e_ident;

	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return FAIL(-E_NOEXEC, "no ELF magic");
	if (id[EI_CLASS] != ELFCLASS64)
		return FAIL(-E_NOEXEC, "EI_CLASS %u is not ELFCLASS64", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return FAIL(-E_NOEXEC, "EI_DATA %u is not little-endian", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return FAIL(-E_INVAL, "ELF version %u/%u is not EV_CURRENT", id[EI_VERSION],
			    eh->e_version);
	if (eh->e_type != ET_CORE)
		return FAIL(-E_NOEXEC, "e_type %u is not ET_CORE", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return FAIL(-E_NOEXEC, "e_machine %u is not EM_X86_64", eh->e_machine);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return FAIL(-E_INVAL, "e_phentsize %u is not %zu", eh->e_phentsize,
			    sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return FAIL(-E_INVAL, "no program headers");
	if (eh->e_phnum > VMCORE_PHDRS_MAX)
		return FAIL(-E_2BIG, "%u program headers, at most %u", eh->e_phnum,
			    VMCORE_PHDRS_MAX);
	if (eh->e_phoff < sizeof(Elf64_Ehdr))
		return FAIL(-E_INVAL, "e_phoff 0x%llx is inside the ELF header",
			    (unsigned long long)eh->e_phoff);
	if (eh->e_phoff > size || size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))
		return FAIL(-E_TRUNC, "%u program headers at 0x%llx run past the %zu bytes given",
			    eh->e_phnum, (unsigned long long)eh->e_phoff, size);
	return 0;
}

int vmcore_check_elfcorehdr(const void *hdr, size_t size, char *why, size_t whylen)
{
	Elf64_Ehdr eh;
	unsigned nr_loads = 0;
	int err;

	if (!hdr || size < sizeof(eh))
		return FAIL(-E_TRUNC, "%zu bytes, an ELF header needs %zu", hdr ? size : 0,
			    sizeof(eh));
	memcpy(&eh, hdr, sizeof(eh));
	err = check_ehdr(&eh, size, why, whylen);
	if (err)
		return err;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, (const uint8_t *)hdr + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		err = check_phdr(i, &ph, why, whylen);
		if (err)
			return err;
		nr_loads += ph.p_type == PT_LOAD;
	}
	if (nr_loads == 0)
		return FAIL(-E_INVAL, "no PT_LOAD: no memory to dump");
	return 0;
}

/* ---- merging the notes ---- */

struct merge {
	struct vmcore_layout *l;
	uint8_t *buf;
	size_t bufsz, pos;
	vmcore_read_phys_fn read_phys;
	void *ctx;
};

/*
 * Copy the notes of one PT_NOTE ([pa, pa + max) in old memory) to the end
 * of the merged buffer, up to its empty note.  A note running past max
 * ends the walk (Linux warns and drops the rest the same way).
 */
static int merge_one(struct merge *m, unsigned i, paddr_t pa, uint64_t max, char *why,
		     size_t whylen)
{
	uint64_t off = 0;

	while (max - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		struct elfcore_note n;
		size_t at = 0;
		uint64_t need;
		int err;

		err = m->read_phys(m->ctx, pa + off, &nh, sizeof(nh));
		if (err)
			return FAIL(err < 0 ? err : -E_IO, "PT_NOTE %u: cannot read old memory at 0x%llx", i,
				    (unsigned long long)(pa + off));
		if (nh.n_namesz == 0)
			return 0;
		need = sizeof(nh) + ELFCORE_ALIGN4((uint64_t)nh.n_namesz) +
		       ELFCORE_ALIGN4((uint64_t)nh.n_descsz);
		if (need > max - off) {
			if (m->l->nr_bad_notes++ == 0)
				ksnprintf(m->l->warning, sizeof(m->l->warning),
					  "PT_NOTE %u: note at +0x%llx (namesz %u, descsz %u) "
					  "runs past its 0x%llx bytes; rest dropped", i,
					  (unsigned long long)off, nh.n_namesz, nh.n_descsz,
					  (unsigned long long)max);
			return 0;
		}
		if (need > m->bufsz - m->pos)
			return FAIL(-E_NOSPC, "merged notes need more than the %zu bytes given",
				    m->bufsz);
		memcpy(m->buf + m->pos, &nh, sizeof(nh));
		err = m->read_phys(m->ctx, pa + off + sizeof(nh), m->buf + m->pos + sizeof(nh),
				   need - sizeof(nh));
		if (err)
			return FAIL(err < 0 ? err : -E_IO, "PT_NOTE %u: cannot read old memory at 0x%llx", i,
				    (unsigned long long)(pa + off));
		elfcore_next_note(m->buf + m->pos, need, &at, &n);
		m->l->nr_notes++;
		m->l->nr_prstatus += elfcore_note_is(&n, CRASH_NOTE_NAME, NT_PRSTATUS);
		m->pos += need;
		off += need;
	}
	return 0;
}

static int merge_notes(struct merge *m, const uint8_t *hdr, const Elf64_Ehdr *eh, char *why,
		       size_t whylen)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int err;

		memcpy(&ph, hdr + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		err = merge_one(m, m->l->nr_src_notes++, ph.p_offset, ph.p_memsz, why, whylen);
		if (err)
			return err;
	}
	return 0;
}

/* ---- placing the segments ---- */

/*
 * Give each PT_LOAD phdr[1..nr_loads] whole pages of the file,
 * [rounddown(paddr), roundup(paddr + memsz)) worth, so that p_offset and
 * p_paddr agree modulo the page size (Linux does this for mmap); the
 * bytes around the segment in its first and last page are zeros.  The
 * merged notes come first; the PT_NOTE and the ELF header are set here.
 */
static void place_loads(struct vmcore_layout *l)
{
	uint64_t off;
	Elf64_Phdr *note = &l->phdr[0];

	l->hdr_size = sizeof(Elf64_Ehdr) + (1 + (uint64_t)l->nr_loads) * sizeof(Elf64_Phdr);
	l->notes_offset = l->hdr_size;
	l->data_offset = ALIGN_UP(l->notes_offset + l->notes_size, VMCORE_PAGE_SIZE);
	off = l->data_offset;
	for (unsigned i = 1; i <= l->nr_loads; i++) {
		Elf64_Phdr *ph = &l->phdr[i];
		paddr_t first = ALIGN_DOWN(ph->p_paddr, VMCORE_PAGE_SIZE);
		paddr_t end = ALIGN_UP(ph->p_paddr + ph->p_memsz, VMCORE_PAGE_SIZE);

		ph->p_offset = off + (ph->p_paddr - first);
		ph->p_filesz = ph->p_memsz;
		off += end - first;
	}
	l->size = off;
	elfcore_init_ehdr(l->ehdr, (uint16_t)(1 + l->nr_loads));
	*note = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = l->notes_offset,
			      .p_filesz = l->notes_size, .p_memsz = l->notes_size,
			      /* 4-byte notes; eu-readelf reads 8 as another format */
			      .p_align = 4 };
}

/* The elfcorehdr's PT_LOADs (size 0 dropped) into phdr[1..nr_loads]. */
static void collect_loads(struct vmcore_layout *l, const uint8_t *hdr, const Elf64_Ehdr *eh)
{
	l->nr_loads = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, hdr + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_memsz != 0)
			l->phdr[1 + l->nr_loads++] = ph;
	}
}

int vmcore_layout_build(struct vmcore_layout *l, const void *hdr, size_t size,
			void *notes_buf, size_t notes_bufsz,
			vmcore_read_phys_fn read_phys, void *ctx, char *why, size_t whylen)
{
	struct merge m = { l, notes_buf, notes_bufsz, 0, read_phys, ctx };
	Elf64_Ehdr eh;
	int err;

	memset(l, 0, sizeof(*l));
	l->ehdr = &l->own.ehdr;
	l->phdr = l->own.phdr;
	err = vmcore_check_elfcorehdr(hdr, size, why, whylen);
	if (err)
		return err;
	memcpy(&eh, hdr, sizeof(eh));
	err = merge_notes(&m, hdr, &eh, why, whylen);
	if (err)
		return err;
	l->notes = notes_buf;
	l->notes_size = m.pos;
	collect_loads(l, hdr, &eh);
	place_loads(l);
	return 0;
}

int vmcore_layout_filter(struct vmcore_layout *out, const struct vmcore_layout *src,
			 const struct vmcore_run *runs, unsigned nruns, const void *notes,
			 uint64_t notes_size, void *hdr_buf, size_t hdr_bufsz)
{
	if (nruns == 0)
		return -E_INVAL;
	if (1 + (uint64_t)nruns >= PN_XNUM)
		return -E_2BIG;
	if (hdr_bufsz < VMCORE_FILTERED_HDR_SIZE(nruns))
		return -E_NOSPC;
	for (unsigned i = 0; i < nruns; i++) {
		const Elf64_Phdr *ld = runs[i].load < src->nr_loads ? &src->phdr[1 + runs[i].load]
								    : NULL;

		if (!ld || runs[i].start >= runs[i].end || runs[i].start < ld->p_paddr ||
		    runs[i].end > ld->p_paddr + ld->p_memsz)
			return -E_INVAL;
	}
	memcpy(out, src, offsetof(struct vmcore_layout, own));	/* not src's own headers */
	out->ehdr = hdr_buf;
	out->phdr = (Elf64_Phdr *)(out->ehdr + 1);
	out->notes = notes;
	out->notes_size = notes_size;
	out->nr_loads = nruns;
	for (unsigned i = 0; i < nruns; i++) {
		const Elf64_Phdr *ld = &src->phdr[1 + runs[i].load];

		out->phdr[1 + i] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_flags = ld->p_flags,
			.p_vaddr = ld->p_vaddr + (runs[i].start - ld->p_paddr),
			.p_paddr = runs[i].start, .p_memsz = runs[i].end - runs[i].start,
			.p_align = ld->p_align,
		};
	}
	place_loads(out);
	return 0;
}

/* ---- reading ---- */

/* The file offset where load i's pages begin. */
static uint64_t chunk_start(const struct vmcore_layout *l, unsigned i)
{
	const Elf64_Phdr *ph = &l->phdr[1 + i];

	return ph->p_offset - (ph->p_paddr & (VMCORE_PAGE_SIZE - 1));
}

static void load_extent(const struct vmcore_layout *l, uint64_t offset, struct vmcore_extent *e)
{
	unsigned lo = 0, hi = l->nr_loads - 1;
	const Elf64_Phdr *ph;
	uint64_t end;

	while (lo < hi) {	/* the last load whose pages start at or before offset */
		unsigned mid = lo + (hi - lo + 1) / 2;

		if (chunk_start(l, mid) <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	ph = &l->phdr[1 + lo];
	end = lo + 1 < l->nr_loads ? chunk_start(l, lo + 1) : l->size;
	e->kind = VMCORE_EXTENT_ZERO;
	if (offset < ph->p_offset) {
		e->len = ph->p_offset - offset;
	} else if (offset < ph->p_offset + ph->p_filesz) {
		e->kind = VMCORE_EXTENT_PHYS;
		e->pa = ph->p_paddr + (offset - ph->p_offset);
		e->len = ph->p_offset + ph->p_filesz - offset;
	} else {
		e->len = end - offset;
	}
}

bool vmcore_extent_at(const struct vmcore_layout *l, uint64_t offset, struct vmcore_extent *e)
{
	if (offset >= l->size)
		return false;
	*e = (struct vmcore_extent){ .offset = offset, .kind = VMCORE_EXTENT_MEM };
	if (offset < l->hdr_size) {
		e->ptr = (const uint8_t *)l->ehdr + offset;
		e->len = l->hdr_size - offset;
	} else if (offset < l->notes_offset + l->notes_size) {
		e->ptr = l->notes + (offset - l->notes_offset);
		e->len = l->notes_offset + l->notes_size - offset;
	} else if (offset < l->data_offset) {
		e->kind = VMCORE_EXTENT_ZERO;
		e->len = l->data_offset - offset;
	} else {
		load_extent(l, offset, e);
	}
	return true;
}

int64_t vmcore_read(const struct vmcore_layout *l, uint64_t offset, uint64_t len, void *out,
		    vmcore_read_phys_fn read_phys, void *ctx)
{
	uint8_t *dst = out;
	uint64_t done = 0;

	if (offset >= l->size)
		return 0;
	len = MIN(len, l->size - offset);
	while (done < len) {
		struct vmcore_extent e;
		uint64_t n;
		int err;

		vmcore_extent_at(l, offset + done, &e);
		n = MIN(e.len, len - done);
		if (e.kind == VMCORE_EXTENT_MEM) {
			memcpy(dst + done, e.ptr, n);
		} else if (e.kind == VMCORE_EXTENT_ZERO) {
			memset(dst + done, 0, n);
		} else {
			err = read_phys(ctx, e.pa, dst + done, n);
			if (err)
				return err < 0 ? err : -E_IO;
		}
		done += n;
	}
	return (int64_t)done;
}

/* ---- summary helpers ---- */

int vmcore_get_prstatus(const struct vmcore_layout *l, unsigned n, struct elf_prstatus *prs)
{
	struct elfcore_note note;
	size_t pos = 0;

	while (elfcore_next_note(l->notes, l->notes_size, &pos, &note) == 1) {
		if (!elfcore_note_is(&note, CRASH_NOTE_NAME, NT_PRSTATUS) || n-- != 0)
			continue;
		if (note.descsz != sizeof(*prs))
			return -E_INVAL;
		memcpy(prs, note.desc, sizeof(*prs));
		return 0;
	}
	return -E_NOENT;
}

int vmcore_get_vmcoreinfo(const struct vmcore_layout *l, const char **text, size_t *len)
{
	struct elfcore_note note;
	size_t pos = 0;

	while (elfcore_next_note(l->notes, l->notes_size, &pos, &note) == 1) {
		if (elfcore_note_is(&note, VMCOREINFO_NOTE_NAME, 0)) {
			*text = note.desc;
			*len = note.descsz;
			return 0;
		}
	}
	return -E_NOENT;
}

int vmcore_vmcoreinfo_value(const struct vmcore_layout *l, const char *key, char *val,
			    size_t valsz)
{
	const char *text;
	size_t len;

	if (vmcore_get_vmcoreinfo(l, &text, &len))
		return -E_NOENT;
	return vmcoreinfo_get(text, len, key, val, valsz);
}
