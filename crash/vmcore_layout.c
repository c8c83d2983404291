/*
 * The vmcore as the capture kernel serves it: the same bytes as Linux
 * 6.1's /proc/vmcore for the same elfcorehdr and old memory.  The
 * elfcorehdr is data the dead kernel left behind: every field is checked
 * before it is used, and old memory is only read through read_phys.  The
 * one idea: the file is never built, only described; a read at any offset
 * finds which extent (header, notes, padding, old memory) it falls in and
 * copies from there.  Linux: fs/proc/vmcore.c (parse_crash_elf64_headers,
 * merge_note_headers_elf64, process_ptload_program_headers_elf64,
 * read_vmcore).
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

	if (ph->p_type != PT_NOTE && ph->p_type != PT_LOAD)
		return FAIL(-E_NOTSUP, "phdr %u: type 0x%x is not PT_NOTE or PT_LOAD", i, ph->p_type);
	if (ph->p_filesz != ph->p_memsz)
		return FAIL(-E_INVAL, "phdr %u (%s): p_filesz 0x%llx != p_memsz 0x%llx", i, what,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (ph->p_type == PT_NOTE && (ph->p_memsz == 0 || ph->p_memsz > VMCORE_NOTE_MAX))
		return FAIL(-E_INVAL, "phdr %u (PT_NOTE): size 0x%llx not in (0, 0x%x]", i,
			    (unsigned long long)ph->p_memsz, VMCORE_NOTE_MAX);
	/* p_offset is where the bytes are; p_paddr what they were (the two
	 * differ where kexec-tools saved the first 640 KiB aside). */
	if (bad_phys(ph->p_offset, ph->p_memsz) || bad_phys(ph->p_paddr, ph->p_memsz))
		return FAIL(-E_RANGE, "phdr %u (%s): [0x%llx, +0x%llx) at 0x%llx wraps or ends past "
			    "2^52", i, what, (unsigned long long)ph->p_paddr,
			    (unsigned long long)ph->p_memsz, (unsigned long long)ph->p_offset);
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
	if (eh->e_ehsize != sizeof(Elf64_Ehdr))
		return FAIL(-E_INVAL, "e_ehsize %u is not %zu", eh->e_ehsize, sizeof(Elf64_Ehdr));
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return FAIL(-E_INVAL, "e_phentsize %u is not %zu", eh->e_phentsize,
			    sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return FAIL(-E_INVAL, "no program headers");
	if (eh->e_phnum > VMCORE_PHDRS_MAX)
		return FAIL(-E_2BIG, "%u program headers, at most %u", eh->e_phnum,
			    VMCORE_PHDRS_MAX);
	if (eh->e_phoff != sizeof(Elf64_Ehdr))
		return FAIL(-E_INVAL, "e_phoff 0x%llx: the program headers must follow the ELF "
			    "header", (unsigned long long)eh->e_phoff);
	if (eh->e_phoff > size || size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))
		return FAIL(-E_TRUNC, "%u program headers at 0x%llx run past the %zu bytes given",
			    eh->e_phnum, (unsigned long long)eh->e_phoff, size);
	return 0;
}

int vmcore_check_elfcorehdr(const void *hdr, size_t size, char *why, size_t whylen)
{
	Elf64_Ehdr eh;
	unsigned nr_loads = 0, nr_notes = 0;
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
		if (ph.p_type == PT_NOTE && nr_loads)
			return FAIL(-E_INVAL, "phdr %u: a PT_NOTE after a PT_LOAD (the notes come "
				    "first)", i);
		nr_loads += ph.p_type == PT_LOAD;
		nr_notes += ph.p_type == PT_NOTE;
	}
	if (nr_notes == 0)
		return FAIL(-E_INVAL, "no PT_NOTE: no CPU registers, no VMCOREINFO");
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
 * Linux's file: the ELF header and program headers, zeros to a page
 * boundary; the notes, zeros to a page boundary; then each PT_LOAD
 * phdr[1..nr_loads] as the whole pages [rounddown(src), roundup(src +
 * p_memsz)) of old memory, its p_offset pointing at src's byte in them
 * (so p_offset and src agree modulo the page size, which mmap needs).
 * The ELF header's e_phnum and the merged PT_NOTE are set here; the rest
 * of the ELF header is the elfcorehdr's own, as Linux keeps it.
 */
static void place_loads(struct vmcore_layout *l)
{
	uint64_t off;
	Elf64_Phdr *note = &l->phdr[0];

	l->hdr_size = sizeof(Elf64_Ehdr) + (1 + (uint64_t)l->nr_loads) * sizeof(Elf64_Phdr);
	l->notes_offset = ALIGN_UP(l->hdr_size, VMCORE_PAGE_SIZE);
	l->data_offset = l->notes_offset + ALIGN_UP(l->notes_size, VMCORE_PAGE_SIZE);
	off = l->data_offset;
	for (unsigned i = 1; i <= l->nr_loads; i++) {
		Elf64_Phdr *ph = &l->phdr[i];
		paddr_t first = ALIGN_DOWN(l->src[i], VMCORE_PAGE_SIZE);
		paddr_t end = ALIGN_UP(l->src[i] + ph->p_memsz, VMCORE_PAGE_SIZE);

		ph->p_offset = off + (l->src[i] - first);
		ph->p_filesz = ph->p_memsz;
		off += end - first;
	}
	l->size = off;
	l->ehdr->e_phnum = (uint16_t)(1 + l->nr_loads);
	/* Linux's merged PT_NOTE: no flags, no addresses, p_align 0 (readers
	 * take 4-byte notes). */
	*note = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = l->notes_offset,
			      .p_filesz = l->notes_size, .p_memsz = l->notes_size };
}

/* The elfcorehdr's PT_LOADs (size 0 dropped) into phdr[1..nr_loads]; each
 * one's bytes are old memory at its p_offset, which is its p_paddr except
 * where a loader saved the bytes aside (kexec-tools' backup of the first
 * 640 KiB). */
static void collect_loads(struct vmcore_layout *l, const uint8_t *hdr, const Elf64_Ehdr *eh)
{
	l->nr_loads = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, hdr + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		l->src[1 + l->nr_loads] = ph.p_offset;
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
	l->src = l->own.src;
	err = vmcore_check_elfcorehdr(hdr, size, why, whylen);
	if (err)
		return err;
	memcpy(&eh, hdr, sizeof(eh));
	*l->ehdr = eh;
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
	out->src = (paddr_t *)(out->phdr + 1 + nruns);
	*out->ehdr = *src->ehdr;
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
		out->src[1 + i] = src->src[1 + runs[i].load] + (runs[i].start - ld->p_paddr);
	}
	place_loads(out);
	return 0;
}

/* ---- reading ---- */

/* The file offset where load i's pages begin, and the old memory there. */
static uint64_t chunk_start(const struct vmcore_layout *l, unsigned i)
{
	return l->phdr[1 + i].p_offset - (l->src[1 + i] & (VMCORE_PAGE_SIZE - 1));
}

/* Old memory all the way: Linux reads a PT_LOAD's whole pages, the bytes
 * around it in its first and last page included.  Loads of no pages
 * (p_memsz 0 at a page boundary) take no room. */
static void load_extent(const struct vmcore_layout *l, uint64_t offset, struct vmcore_extent *e)
{
	unsigned lo = 0, hi = l->nr_loads - 1;
	uint64_t end;

	while (lo < hi) {	/* the last load whose pages start at or before offset */
		unsigned mid = lo + (hi - lo + 1) / 2;

		if (chunk_start(l, mid) <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	end = lo + 1 < l->nr_loads ? chunk_start(l, lo + 1) : l->size;
	e->kind = VMCORE_EXTENT_PHYS;
	e->pa = ALIGN_DOWN(l->src[1 + lo], VMCORE_PAGE_SIZE) + (offset - chunk_start(l, lo));
	e->len = end - offset;
}

bool vmcore_extent_at(const struct vmcore_layout *l, uint64_t offset, struct vmcore_extent *e)
{
	if (offset >= l->size)
		return false;
	*e = (struct vmcore_extent){ .offset = offset, .kind = VMCORE_EXTENT_MEM };
	if (offset < l->hdr_size) {
		e->ptr = (const uint8_t *)l->ehdr + offset;
		e->len = l->hdr_size - offset;
	} else if (offset < l->notes_offset) {
		e->kind = VMCORE_EXTENT_ZERO;
		e->len = l->notes_offset - offset;
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

void vmcore_describe_kernel(const struct vmcore_layout *l, char *buf, size_t size)
{
	char release[65], sym[32];

	if (vmcore_vmcoreinfo_value(l, "OSRELEASE", release, sizeof(release)))
		ksnprintf(buf, size, "an unknown kernel (no VMCOREINFO OSRELEASE)");
	else if (!vmcore_vmcoreinfo_value(l, "SYMBOL(init_uts_ns)", sym, sizeof(sym)))
		ksnprintf(buf, size, "Linux %s", release);
	else if (!vmcore_vmcoreinfo_value(l, "SYMBOL(kernel_log)", sym, sizeof(sym)))
		ksnprintf(buf, size, "kexec-kernel %s", release);
	else
		ksnprintf(buf, size, "an unknown kernel, OSRELEASE=%s", release);
}

/* Linux's memparse: a number (0x hex, 0 octal, decimal), then K, M or G. */
static const char *memparse(const char *s, uint64_t *v)
{
	char num[24];
	size_t n = 0;

	while (s[n] && s[n] != '@' && n + 1 < sizeof(num))
		num[n] = s[n], n++;
	num[n] = '\0';
	if (n == 0 || (s[n] && s[n] != '@') || parse_u64(num, v, true))
		return NULL;
	return s + n;
}

int vmcore_parse_elfcorehdr(const char *arg, paddr_t *addr, uint64_t *size)
{
	uint64_t a, b;
	const char *end = memparse(arg, &a);

	*size = 0;
	if (!end)
		return -E_INVAL;
	if (*end == '@') {
		if (!(end = memparse(end + 1, &b)) || *end)
			return -E_INVAL;
		*size = a;
		a = b;
	}
	*addr = a;
	return 0;
}
