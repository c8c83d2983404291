/*
 * Writing kdump's ELF core format: the per-CPU NT_PRSTATUS note, the
 * VMCOREINFO note and the elfcorehdr.  The one idea: the elfcorehdr does
 * not hold the dead kernel's data, it points at it by physical address
 * (p_offset = p_paddr), and the capture kernel turns it into a real file.
 * Everything writes through memcpy, so no buffer needs any alignment.
 * Linux: kernel/crash_core.c, kernel/vmcore_info.c, arch/x86/kernel/crash.c.
 */
#include <stdarg.h>
#include "crash/elfcore.h"
#include "kernel/percpu.h"
#include "kernel/traps.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"

_Static_assert(CRASH_NOTE_BYTES == 368, "CORE note (356 bytes) + final note (12)");

void elfcore_init_ehdr(Elf64_Ehdr *eh, uint16_t phnum)
{
	memset(eh, 0, sizeof(*eh));
	eh->e_ident[0] = 0x7f;
	eh->e_ident[1] = 'E';
	eh->e_ident[2] = 'L';
	eh->e_ident[3] = 'F';
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
}

void elfcore_fill_prstatus(struct elf_prstatus *prs, const struct trap_frame *tf, int32_t pid)
{
	uint64_t *r = prs->pr_reg;

	memset(prs, 0, sizeof(*prs));
	prs->pr_pid = pid;
	r[ELF_REG_R15] = tf->r15;
	r[ELF_REG_R14] = tf->r14;
	r[ELF_REG_R13] = tf->r13;
	r[ELF_REG_R12] = tf->r12;
	r[ELF_REG_RBP] = tf->rbp;
	r[ELF_REG_RBX] = tf->rbx;
	r[ELF_REG_R11] = tf->r11;
	r[ELF_REG_R10] = tf->r10;
	r[ELF_REG_R9] = tf->r9;
	r[ELF_REG_R8] = tf->r8;
	r[ELF_REG_RAX] = tf->rax;
	r[ELF_REG_RCX] = tf->rcx;
	r[ELF_REG_RDX] = tf->rdx;
	r[ELF_REG_RSI] = tf->rsi;
	r[ELF_REG_RDI] = tf->rdi;
	r[ELF_REG_ORIG_RAX] = (uint64_t)-1;	/* not in a system call */
	r[ELF_REG_RIP] = tf->rip;
	r[ELF_REG_CS] = tf->cs;
	r[ELF_REG_EFLAGS] = tf->rflags;
	r[ELF_REG_RSP] = tf->rsp;
	r[ELF_REG_SS] = tf->ss;
	/* Not in the frame: what boot/entry.asm and gdt_load_cpu load; never changed. */
	r[ELF_REG_DS] = GDT_KERNEL_DATA;
	r[ELF_REG_ES] = GDT_KERNEL_DATA;
}

/* ---- notes ---- */

int elfcore_append_note(void *buf, size_t size, size_t *pos, const char *name,
			uint32_t type, const void *desc, size_t descsz)
{
	uint8_t *p = buf;
	size_t namesz = strlen(name) + 1;
	uint64_t need = ELFCORE_NOTE_SIZE(namesz - 1, (uint64_t)descsz);
	Elf64_Nhdr nh = { (uint32_t)namesz, (uint32_t)descsz, type };

	if (*pos % 4 != 0 || *pos > size || descsz > UINT32_MAX)
		return -E_INVAL;
	if (need > size - *pos)
		return -E_NOSPC;
	p += *pos;
	memset(p, 0, need);
	memcpy(p, &nh, sizeof(nh));
	p += sizeof(nh);
	memcpy(p, name, namesz);
	p += ELFCORE_ALIGN4(namesz);
	if (descsz)
		memcpy(p, desc, descsz);
	*pos += need;
	return 0;
}

int elfcore_final_note(void *buf, size_t size, size_t *pos)
{
	if (*pos % 4 != 0 || *pos > size)
		return -E_INVAL;
	if (size - *pos < sizeof(Elf64_Nhdr))
		return -E_NOSPC;
	memset((uint8_t *)buf + *pos, 0, sizeof(Elf64_Nhdr));
	*pos += sizeof(Elf64_Nhdr);
	return 0;
}

int elfcore_next_note(const void *buf, size_t size, size_t *pos, struct elfcore_note *n)
{
	const uint8_t *p = buf;
	Elf64_Nhdr nh;
	uint64_t namesz, need;

	if (*pos >= size)
		return 0;
	if (size - *pos < sizeof(nh))
		return -E_TRUNC;
	memcpy(&nh, p + *pos, sizeof(nh));
	if (nh.n_namesz == 0)
		return 0;		/* the final note (Linux stops on namesz 0) */
	namesz = ELFCORE_ALIGN4((uint64_t)nh.n_namesz);
	need = sizeof(nh) + namesz + ELFCORE_ALIGN4((uint64_t)nh.n_descsz);
	if (need > size - *pos)
		return -E_TRUNC;
	n->name = (const char *)p + *pos + sizeof(nh);
	n->namesz = nh.n_namesz;
	n->type = nh.n_type;
	n->desc = p + *pos + sizeof(nh) + namesz;
	n->descsz = nh.n_descsz;
	n->offset = *pos;
	n->size = need;
	*pos += need;
	return 1;
}

bool elfcore_note_is(const struct elfcore_note *n, const char *name, uint32_t type)
{
	size_t len = strlen(name);

	return n->type == type && n->namesz == len + 1 &&
	       memcmp(n->name, name, len) == 0 && n->name[len] == '\0';
}

/* Copy src into a fixed char field, cut to leave room for its NUL. */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = src ? MIN(strlen(src), size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

void elfcore_fill_prpsinfo(struct elf_prpsinfo *prps, int32_t pid, const char *fname,
			   const char *psargs)
{
	memset(prps, 0, sizeof(*prps));
	prps->pr_sname = 'R';
	prps->pr_pid = pid;
	copy_field(prps->pr_fname, sizeof(prps->pr_fname), fname);
	copy_field(prps->pr_psargs, sizeof(prps->pr_psargs), psargs);
}

int prpsinfo_note_build(void *buf, size_t size, int32_t pid, const char *fname,
			const char *psargs)
{
	struct elf_prpsinfo prps;
	size_t pos = 0;
	int err;

	if (size < PRPSINFO_NOTE_BYTES)
		return -E_NOSPC;
	elfcore_fill_prpsinfo(&prps, pid, fname, psargs);
	err = elfcore_append_note(buf, size, &pos, CRASH_NOTE_NAME, NT_PRPSINFO,
				  &prps, sizeof(prps));
	if (!err)
		err = elfcore_final_note(buf, size, &pos);
	return err ? err : (int)pos;
}

int crash_note_build(void *buf, size_t size, unsigned cpu, const struct trap_frame *regs,
		     int32_t pid)
{
	struct elf_prstatus prs;
	size_t pos = 0;
	int err;

	if (cpu >= NR_CPUS || !regs)
		return -E_INVAL;
	if (size < CRASH_NOTE_BYTES)
		return -E_NOSPC;
	elfcore_fill_prstatus(&prs, regs, pid);
	err = elfcore_append_note(buf, size, &pos, CRASH_NOTE_NAME, NT_PRSTATUS,
				  &prs, sizeof(prs));
	if (!err)
		err = elfcore_final_note(buf, size, &pos);
	return err ? err : (int)pos;
}

/* ---- VMCOREINFO ---- */

void vmcoreinfo_init(struct vmcoreinfo *vi)
{
	memset(vi, 0, sizeof(*vi));
}

int vmcoreinfo_append(struct vmcoreinfo *vi, const char *fmt, ...)
{
	size_t room = sizeof(vi->data) - vi->size;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(vi->data + vi->size, room, fmt, ap);
	va_end(ap);
	/* kvsnprintf also needs a byte for its NUL, which is not text. */
	if (n < 0 || (size_t)n >= room) {
		memset(vi->data + vi->size, 0, room);
		vi->dropped++;
		return -E_NOSPC;
	}
	vi->size += (size_t)n;
	return 0;
}

int vmcoreinfo_note_build(void *buf, size_t size, const struct vmcoreinfo *vi)
{
	size_t pos = 0;
	int err;

	err = elfcore_append_note(buf, size, &pos, VMCOREINFO_NOTE_NAME, 0, vi->data, vi->size);
	if (!err)
		err = elfcore_final_note(buf, size, &pos);
	return err ? err : (int)pos;
}

int vmcoreinfo_get(const char *text, size_t len, const char *key, char *val, size_t valsz)
{
	size_t keylen = strlen(key);
	size_t i = 0;

	while (i < len) {
		size_t end = i, vlen;

		while (end < len && text[end] != '\n')
			end++;
		if (end - i > keylen && memcmp(text + i, key, keylen) == 0 &&
		    text[i + keylen] == '=') {
			vlen = end - (i + keylen + 1);
			if (valsz == 0)
				return -E_NOSPC;
			if (vlen >= valsz) {
				memcpy(val, text + i + keylen + 1, valsz - 1);
				val[valsz - 1] = '\0';
				return -E_NOSPC;
			}
			memcpy(val, text + i + keylen + 1, vlen);
			val[vlen] = '\0';
			return 0;
		}
		i = end + 1;
	}
	return -E_NOENT;
}

/* ---- the elfcorehdr ---- */

/* Counts program headers, and writes them once out is set. */
struct phdr_writer {
	uint8_t *out;		/* just past the ELF header, or NULL to count */
	size_t n;
};

static void emit(struct phdr_writer *w, uint32_t type, paddr_t pa, vaddr_t va, uint64_t size)
{
	Elf64_Phdr ph = {
		.p_type = type,
		.p_flags = type == PT_LOAD ? PF_R | PF_W | PF_X : 0,
		.p_offset = pa,		/* the capture kernel reads physical memory */
		.p_vaddr = va,
		.p_paddr = pa,
		.p_filesz = size,
		.p_memsz = size,
		.p_align = type == PT_NOTE ? 4 : 0,
	};

	if (w->out)
		memcpy(w->out + w->n * sizeof(ph), &ph, sizeof(ph));
	w->n++;
}

/*
 * [s, e) minus every exclude range, as PT_LOADs in address order (Linux:
 * crash_exclude_mem_range).  Each round takes the lowest exclude range
 * that meets what is left, so they may come in any order and overlap.
 */
static void emit_ram(const struct elfcore_params *p, struct phdr_writer *w, paddr_t s, paddr_t e)
{
	while (s < e) {
		const struct range *cut = NULL;

		for (unsigned i = 0; i < p->nr_exclude; i++) {
			const struct range *x = &p->exclude[i];

			if (x->start < e && x->end > s && (!cut || x->start < cut->start))
				cut = x;
		}
		if (!cut) {
			emit(w, PT_LOAD, s, p->direct_map_base + s, e - s);
			return;
		}
		if (cut->start > s)
			emit(w, PT_LOAD, s, p->direct_map_base + s, cut->start - s);
		s = cut->end;
	}
}

/*
 * The PT_LOADs ascend by p_vaddr, as the ELF specification asks of
 * loadable segments: the direct map (0xffff888...) before the kernel
 * image (0xffffffff8...).  Linux's header puts the image first; elfutils
 * then never looks at the image's segment when it searches the core for
 * ELF headers, and eu-stack finds no module to name functions with.
 */
static void emit_all(const struct elfcore_params *p, struct phdr_writer *w)
{
	for (unsigned i = 0; i < p->nr_cpus; i++)
		emit(w, PT_NOTE, p->cpu_notes[i].pa, 0, p->cpu_notes[i].size);
	emit(w, PT_NOTE, p->vmcoreinfo.pa, 0, p->vmcoreinfo.size);
	if (p->prpsinfo.size)
		emit(w, PT_NOTE, p->prpsinfo.pa, 0, p->prpsinfo.size);
	for (unsigned i = 0; i < p->ram->count; i++) {
		const struct memmap_range *r = &p->ram->range[i];

		if (r->type == MEMMAP_RAM && r->end > r->start)
			emit_ram(p, w, r->start, r->end);
	}
	emit(w, PT_LOAD, p->kernel_paddr, p->kernel_vaddr, p->kernel_size);
}

static bool bad_span(uint64_t start, uint64_t size)
{
	return size == 0 || start + size < start;
}

static int check_params(const struct elfcore_params *p)
{
	if (!p || !p->ram || p->ram->count > MEMMAP_MAX || !p->cpu_notes || p->nr_cpus == 0)
		return -E_INVAL;
	if (p->nr_exclude && !p->exclude)
		return -E_INVAL;
	for (unsigned i = 0; i < p->nr_cpus; i++)
		if (bad_span(p->cpu_notes[i].pa, p->cpu_notes[i].size))
			return -E_INVAL;
	if (p->prpsinfo.size && bad_span(p->prpsinfo.pa, p->prpsinfo.size))
		return -E_INVAL;
	if (bad_span(p->vmcoreinfo.pa, p->vmcoreinfo.size) ||
	    bad_span(p->kernel_paddr, p->kernel_size) ||
	    p->kernel_vaddr + p->kernel_size < p->kernel_vaddr)
		return -E_INVAL;
	for (unsigned i = 0; i < p->nr_exclude; i++)
		if (p->exclude[i].end <= p->exclude[i].start)
			return -E_INVAL;
	return 0;
}

int elfcore_build_header(const struct elfcore_params *p, void *buf, size_t bufsz, size_t *size)
{
	struct phdr_writer w = { NULL, 0 };
	Elf64_Ehdr eh;
	size_t need;
	int err;

	err = check_params(p);
	if (err)
		return err;
	/* Count first, so a refusal writes nothing. */
	emit_all(p, &w);
	if (w.n >= PN_XNUM)
		return -E_2BIG;
	need = sizeof(Elf64_Ehdr) + w.n * sizeof(Elf64_Phdr);
	*size = need;
	if (!buf)
		return 0;
	if (bufsz < need)
		return -E_NOSPC;
	elfcore_init_ehdr(&eh, (uint16_t)w.n);
	memcpy(buf, &eh, sizeof(eh));
	w = (struct phdr_writer){ (uint8_t *)buf + sizeof(eh), 0 };
	emit_all(p, &w);
	return 0;
}
