/*
 * An initrd in the cpio "newc" format (what Linux's initramfs is, and
 * what tools/linux-guest/cpio.py writes) becomes boot modules, one per
 * regular file, named by its path ("/boot/vmlinuz"): so a bzImage of ours
 * started with one initrd has the same named modules GRUB's module2 lines
 * give the multiboot2 kernel, and `kexec -l /boot/vmlinuz` works either
 * way.  The files are not copied: a module is the file's bytes inside the
 * initrd.  The one idea: every header field is checked against the archive
 * before it is used.  Pure.  Linux: init/initramfs.c (the "newc" reader),
 * usr/gen_init_cpio.c (the writer).
 */
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NEWC_HEADER 110		/* "070701" and 13 eight-digit hex fields */
#define NEWC_FIELD(i) (6 + 8 * (i))
#define F_MODE 1
#define F_FILESIZE 6
#define F_NAMESIZE 11
#define S_IFMT 0170000
#define S_IFREG 0100000
#define TRAILER "TRAILER!!!"

static int hex8(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;

		if (d == 16)
			return -E_INVAL;
		*v = *v << 4 | d;
	}
	return 0;
}

/* One member: its header fields and name, at off in the archive. */
struct member {
	uint32_t mode, filesize, namesize;
	char name[BOOTINFO_MODULE_CMDLINE_MAX];
	uint64_t data;		/* offset of the file's bytes */
	uint64_t next;		/* offset of the next header */
};

static int read_member(bootinfo_read_fn read, void *ctx, paddr_t pa, uint64_t size, uint64_t off,
		       struct member *m)
{
	char h[NEWC_HEADER];
	int err;

	if (off > size || size - off < NEWC_HEADER)
		return -E_TRUNC;
	if ((err = read(ctx, pa + off, h, sizeof(h))))
		return err;
	if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0)
		return -E_INVAL;
	if (hex8(h + NEWC_FIELD(F_MODE), &m->mode) || hex8(h + NEWC_FIELD(F_FILESIZE), &m->filesize) ||
	    hex8(h + NEWC_FIELD(F_NAMESIZE), &m->namesize))
		return -E_INVAL;
	if (m->namesize < 2 || m->namesize > sizeof(m->name) - 1 ||
	    m->namesize > size - off - NEWC_HEADER)
		return -E_INVAL;
	if ((err = read(ctx, pa + off + NEWC_HEADER, m->name + 1, m->namesize)))
		return err;
	if (m->name[m->namesize] != '\0' || strlen(m->name + 1) != m->namesize - 1)
		return -E_INVAL;
	m->data = ALIGN_UP(off + NEWC_HEADER + m->namesize, 4);
	if (m->data > size || m->filesize > size - m->data)
		return -E_TRUNC;
	m->next = ALIGN_UP(m->data + m->filesize, 4);
	return 0;
}

/* "/boot/vmlinuz" for "boot/vmlinuz" (names in an archive are relative). */
static const char *module_name(struct member *m)
{
	if (m->name[1] == '/')
		return m->name + 1;
	m->name[0] = '/';
	return m->name;
}

int initrd_cpio_modules(bootinfo_read_fn read, void *ctx, paddr_t pa, uint64_t size,
			struct bootinfo *bi)
{
	unsigned files = 0, room = BOOTINFO_MAX_MODULES - bi->module_count;
	uint64_t off = 0;
	struct member m;
	int err;

	/* First count: an archive is split only if all its files fit. */
	for (;;) {
		if ((err = read_member(read, ctx, pa, size, off, &m)))
			return err;
		if (strcmp(m.name + 1, TRAILER) == 0)
			break;
		files += (m.mode & S_IFMT) == S_IFREG;
		off = m.next;
	}
	bi->initrd_files = files;
	if (files > room)
		return -E_2BIG;
	for (off = 0; read_member(read, ctx, pa, size, off, &m) == 0 &&
		      strcmp(m.name + 1, TRAILER) != 0; off = m.next) {
		struct bootinfo_module *mod = &bi->modules[bi->module_count];

		if ((m.mode & S_IFMT) != S_IFREG)
			continue;
		mod->start = pa + m.data;
		mod->end = mod->start + m.filesize;
		strlcpy(mod->cmdline, module_name(&m), sizeof(mod->cmdline));
		bi->module_count++;
	}
	return (int)files;
}
