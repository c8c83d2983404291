/*
 * The capture kernel's half of kdump: find the ELF core header that the
 * crashed kernel left (elfcorehdr= on our command line; ours, or Linux's
 * from kexec-tools or kexec_file_load), check it, map the old memory
 * read-only, and present it as one file, byte for byte what Linux's
 * /proc/vmcore would show; `vmcore save` streams that file to the dump
 * disk, the old pages going to the device by DMA without a copy.  Linux:
 * fs/proc/vmcore.c and the makedumpfile/dd step of a kdump service.
 */
#include "boot/addr.h"
#include "crash/crash.h"
#include "crash/dump_level.h"
#include "crash/vmcore_dump.h"
#include "crash/vmcore_layout.h"
#include "drivers/reboot.h"
#include "drivers/virtio_blk.h"
#include "kernel/kallsyms.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/time.h"
#include "lib/vsprintf.h"
#include "mm/memmap.h"
#include "mm/paging.h"
#include "mm/pmm.h"

static struct vmcore_layout vmcore;
static uint8_t merged_notes[VMCORE_NOTE_MAX];
static const uint8_t zero_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static bool vmcore_ready;
static paddr_t elfcorehdr_pa;

bool vmcore_available(void)
{
	return vmcore_ready;
}

bool is_kdump_kernel(void)
{
	return cmdline_get(&kernel_cmdline, "elfcorehdr") != NULL;
}

static int read_old(void *ctx, paddr_t pa, void *buf, size_t len)
{
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

/* Does [s, e) touch a frame this kernel may hand out?  The frame allocator
 * uses whole pages of RAM only (kexec-tools gives a capture kernel 1 KiB of
 * RAM right after its backup copy), and never the first MiB (where Linux's
 * loaders give a capture kernel RAM it does not need). */
static bool overlaps_our_memory(paddr_t s, paddr_t e)
{
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];
		paddr_t lo = MAX(ALIGN_UP(r->start, PAGE_SIZE), LOW_MEMORY_END);
		paddr_t hi = ALIGN_DOWN(r->end, PAGE_SIZE);

		if (r->type == MEMMAP_RAM && s < hi && lo < e)
			return true;
	}
	return false;
}

/* Map [pa, pa + size) of old memory read-only and NX, whole pages. */
static int map_old(paddr_t pa, uint64_t size)
{
	paddr_t s = ALIGN_DOWN(pa, PAGE_SIZE), e = ALIGN_UP(pa + size, PAGE_SIZE);

	return e > s ? paging_map_direct(s, e - s, pte_nx()) : 0;
}

/*
 * The old kernel's RAM is not ours: map every PT_LOAD's and PT_NOTE's
 * source (p_offset) read-only.  A source over RAM we may allocate means
 * the header is wrong (or the loader gave us the dead kernel's memory):
 * refuse rather than dump memory we are about to overwrite.
 */
static int map_old_memory(const void *hdr, char *why, size_t whylen)
{
	const Elf64_Ehdr *eh = hdr;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const uint8_t *)hdr + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		paddr_t s = ALIGN_DOWN(ph[i].p_offset, PAGE_SIZE);
		paddr_t e = ALIGN_UP(ph[i].p_offset + ph[i].p_memsz, PAGE_SIZE);
		int err;

		if (overlaps_our_memory(s, e)) {
			ksnprintf(why, whylen, "program header %u [0x%llx, 0x%llx) overlaps the "
				  "capture kernel's own memory", i, (unsigned long long)s,
				  (unsigned long long)e);
			return -E_OVERLAP;
		}
		err = map_old(s, e - s);
		if (err) {
			ksnprintf(why, whylen, "cannot map [0x%llx, 0x%llx)", (unsigned long long)s,
				  (unsigned long long)e);
			return err;
		}
	}
	return 0;
}

/*
 * Map the ELF core header and say how many bytes of it to read: Linux's
 * loaders leave it out of our memory map altogether (a hole in the e820),
 * ours marks it reserved.  The size is the one elfcorehdr= gave, else
 * what its ELF header says (the program headers follow it), at most 64 KiB.
 */
static int map_elfcorehdr(paddr_t pa, uint64_t size, size_t *len)
{
	const Elf64_Ehdr *eh = phys_to_virt(pa);
	int err;

	if (pa >= VMCORE_PHYS_LIMIT || size > 64 * KiB)
		return -E_RANGE;
	if (overlaps_our_memory(pa, pa + MAX(size, (uint64_t)sizeof(*eh))))
		return -E_OVERLAP;
	err = map_old(pa, sizeof(*eh));
	if (err)
		return err;
	if (!size)
		size = MIN((uint64_t)sizeof(*eh) + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
			   64 * KiB);
	*len = (size_t)size;
	if (overlaps_our_memory(pa, pa + size))
		return -E_OVERLAP;
	return map_old(pa, size);
}

void vmcore_setup(void)
{
	const char *arg = cmdline_get(&kernel_cmdline, "elfcorehdr");
	char why[160], size[32], who[96];
	const void *hdr;
	uint64_t given;
	size_t len;
	int err;

	if (!arg)
		return;
	if (vmcore_parse_elfcorehdr(arg, &elfcorehdr_pa, &given) || !IS_ALIGNED(elfcorehdr_pa, 8)) {
		pr_err("vmcore: error: elfcorehdr=%s is not an address (E_INVAL); no vmcore\n", arg);
		return;
	}
	err = map_elfcorehdr(elfcorehdr_pa, given, &len);
	if (err) {
		pr_err("vmcore: error: elfcorehdr=0x%llx %s (%s); no vmcore\n",
		       (unsigned long long)elfcorehdr_pa, err == -E_OVERLAP
		       ? "lies in RAM this kernel allocates from: no dead kernel's header is there"
		       : "cannot be read", err_name(err));
		return;
	}
	hdr = phys_to_virt(elfcorehdr_pa);
	err = vmcore_check_elfcorehdr(hdr, len, why, sizeof(why));
	err = err ? err : map_old_memory(hdr, why, sizeof(why));
	err = err ? err : vmcore_layout_build(&vmcore, hdr, len, merged_notes, sizeof(merged_notes),
					      read_old, NULL, why, sizeof(why));
	if (err) {
		pr_err("vmcore: error: ELF core header at 0x%llx: %s (%s); no vmcore\n",
		       (unsigned long long)elfcorehdr_pa, why, err_name(err));
		return;
	}
	if (vmcore.warning[0])
		pr_warn("vmcore: %s\n", vmcore.warning);
	vmcore_ready = true;
	pr_notice("vmcore: capture kernel: %u CPU notes, %u memory ranges, %s from the "
		  "ELF core header at 0x%llx\n", vmcore.nr_prstatus, vmcore.nr_loads,
		  format_size(size, sizeof(size), vmcore.size), (unsigned long long)elfcorehdr_pa);
	vmcore_describe_kernel(&vmcore, who, sizeof(who));
	pr_info("vmcore: the crashed kernel: %s\n", who);
}

static void show_registers(void)
{
	char sym[KSYM_SYMBOL_LEN];
	struct elf_prstatus prs;
	/* pr_reg order: Linux's struct user_regs_struct. */
	static const char *const names[] = { "r15", "r14", "r13", "r12", "rbp", "rbx", "r11",
		"r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
		"eflags", "rsp", "ss" };

	if (vmcore_get_prstatus(&vmcore, 0, &prs)) {
		console_printf("  no CPU registers in the dump\n");
		return;
	}
	sprint_symbol(sym, sizeof(sym), prs.pr_reg[16]);
	console_printf("  CPU 0 (pid %d) at the crash, in %s:\n", prs.pr_pid, sym);
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		console_printf("    %-8s 0x%016llx%s", names[i], (unsigned long long)prs.pr_reg[i],
			       i % 3 == 2 ? "\n" : "");
	console_printf("\n");
}

static void show_summary(void)
{
	char size[32], key[80];

	vmcore_describe_kernel(&vmcore, key, sizeof(key));
	console_printf("vmcore: %s of %s in Linux's /proc/vmcore layout, ELF core header at "
		       "0x%llx\n", format_size(size, sizeof(size), vmcore.size), key,
		       (unsigned long long)elfcorehdr_pa);
	console_printf("  notes: %u (%u CPUs with NT_PRSTATUS), merged into one PT_NOTE of %llu bytes\n",
		       vmcore.nr_notes, vmcore.nr_prstatus, (unsigned long long)vmcore.notes_size);
	if (!vmcore_vmcoreinfo_value(&vmcore, "OSRELEASE", key, sizeof(key)))
		console_printf("  VMCOREINFO: OSRELEASE=%s", key);
	if (!vmcore_vmcoreinfo_value(&vmcore, "CRASHTIME", key, sizeof(key)))
		console_printf(" CRASHTIME=%s", key);
	if (!vmcore_vmcoreinfo_value(&vmcore, "BUILD-ID", key, sizeof(key)))
		console_printf(" BUILD-ID=%s", key);
	console_printf("\n");
	show_registers();
	console_printf("  memory (%u PT_LOADs):\n", vmcore.nr_loads);
	for (unsigned i = 1; i <= vmcore.nr_loads; i++) {
		const Elf64_Phdr *ph = &vmcore.phdr[i];

		console_printf("    [0x%016llx, 0x%016llx) %-10s at 0x%llx, file offset 0x%llx%s\n",
			       (unsigned long long)ph->p_paddr,
			       (unsigned long long)(ph->p_paddr + ph->p_memsz),
			       format_size(size, sizeof(size), ph->p_memsz),
			       (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_offset,
			       vmcore.src[i] != ph->p_paddr ? " (saved aside by the loader)" : "");
	}
}

/*
 * Stream the file of the dump level to the disk, extent by extent, with
 * progress: which pages is vmcore_dump_layout's choice, the writing is
 * the same for every level.
 */
static int save(unsigned level)
{
	uint64_t off = 0, next_report = 0, t0 = ktime_ns(), ns;
	const struct vmcore_layout *l;
	struct vmcore_extent e;
	char size[32];
	char why[512];
	int err = virtio_blk_setup();

	/* Only the disk named by its serial (vmcore_disk=, `disk use`); the
	 * refusal names the disks found.  Nothing written: the vmcore stays
	 * readable here. */
	if (err) {
		virtio_blk_why(err, why, sizeof(why));
		return shell_error(err, "%s", why);
	}
	l = vmcore_dump_layout(&vmcore, level);
	if (virtio_blk_capacity() < l->size)
		return shell_error(-E_NOSPC, "the dump disk holds %llu bytes, the vmcore needs %llu",
				   (unsigned long long)virtio_blk_capacity(),
				   (unsigned long long)l->size);
	err = virtio_blk_stream_begin(BLK_WRITE);
	while (!err && off < l->size && vmcore_extent_at(l, off, &e)) {
		for (uint64_t done = 0; !err && done < e.len;) {
			uint64_t n = e.len - done;
			paddr_t pa = e.pa + done;

			if (e.kind == VMCORE_EXTENT_ZERO)
				n = MIN(n, (uint64_t)PAGE_SIZE), pa = virt_to_phys(zero_page);
			else if (e.kind == VMCORE_EXTENT_MEM)
				pa = virt_to_phys((const uint8_t *)e.ptr + done);
			n = MIN(n, (uint64_t)VIRTIO_BLK_REQ_MAX);
			err = virtio_blk_stream_extent(e.offset + done, pa, (size_t)n);
			done += n;
		}
		off = e.offset + e.len;
		if (off >= next_report) {
			console_printf("\rvmcore: saving %3llu%%", (unsigned long long)(off * 100 / l->size));
			next_report += l->size / 20;
		}
	}
	err = err ? err : virtio_blk_stream_end();
	if (err)
		return shell_error(err, "writing the vmcore failed at offset 0x%llx",
				   (unsigned long long)off);
	ns = ktime_ns() - t0;
	console_printf("\n");
	pr_notice("vmcore: saved %s to the dump disk in %llu ms (%llu MB/s)\n",
		  format_size(size, sizeof(size), l->size), (unsigned long long)(ns / 1000000),
		  (unsigned long long)(ns ? l->size * 1000 / ns : 0));
	return 0;
}

static int cmd_vmcore(int argc, char **argv)
{
	if (!vmcore_ready)
		return shell_error(-E_NOENT, is_kdump_kernel()
				   ? "the ELF core header was unusable (see dmesg)"
				   : "this is not a capture kernel (no elfcorehdr= on the command line)");
	if (argc == 1) {
		show_summary();
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "save") == 0) {
		unsigned level;
		char why[80];
		int err = vmcore_dump_level(&level);

		if (argc == 2 && err)
			return shell_error(err, "vmcore_dump_level=%s is not a dump level: say "
					   "vmcore save -d LEVEL", cmdline_get(&kernel_cmdline,
									  "vmcore_dump_level"));
		if (argc == 4 && strcmp(argv[2], "-d") == 0) {
			err = dump_level_parse(argv[3], &level, why, sizeof(why));
			if (err)
				return shell_error(err, "%s", why);
		} else if (argc != 2) {
			return shell_usage();
		}
		return save(level);
	}
	return shell_usage();
}

SHELL_COMMAND(vmcore, "[save [-d LEVEL]]",
	      "capture kernel: summarise the crashed kernel's dump, or save it to the dump disk "
	      "leaving out what LEVEL says (1 zero pages, 16 free frames; default "
	      "vmcore_dump_level=, else 16)", cmd_vmcore);

void vmcore_autosave(void)
{
	const char *then = cmdline_get(&kernel_cmdline, "vmcore_autosave");
	unsigned level;
	int err;

	if (!then || !vmcore_ready)
		return;
	if (strcmp(then, "poweroff") && strcmp(then, "reboot") && strcmp(then, "shell")) {
		pr_err("vmcore: error: vmcore_autosave=%s: expected poweroff, reboot or shell "
		       "(E_INVAL); not saving on my own\n", then);
		return;
	}
	if (vmcore_dump_level(&level)) {
		/* Refused at boot already; never lose pages over a typo. */
		pr_err("vmcore: error: vmcore_dump_level=%s is not a dump level (E_INVAL); "
		       "saving every page\n", cmdline_get(&kernel_cmdline, "vmcore_dump_level"));
		level = 0;
	}
	pr_notice("vmcore: saving on my own (vmcore_autosave=%s)\n", then);
	err = save(level);
	if (err) {
		/* Whatever was asked, keep the dump reachable: stay at the prompt. */
		pr_err("vmcore: error: not saved (%s); staying at the prompt\n", err_name(err));
		return;
	}
	if (strcmp(then, "poweroff") == 0)
		machine_power_off();
	else if (strcmp(then, "reboot") == 0)
		machine_reboot();
}

/* Pure checks: at boot, and by kexec -p on the capture kernel's command
 * line.  The values are read where they are used (is_kdump_kernel,
 * vmcore_setup, vmcore_autosave). */
static int check_elfcorehdr(const struct cmdline_param *p)
{
	paddr_t pa;
	uint64_t size;

	if (!p->has_value || vmcore_parse_elfcorehdr(p->value, &pa, &size))
		return -E_INVAL;
	return pa == 0 || pa >= (1ULL << 52) ? -E_RANGE : 0;
}

static int check_autosave(const struct cmdline_param *p)
{
	static const char *const then[] = { "poweroff", "reboot", "shell" };

	for (unsigned i = 0; p->has_value && i < ARRAY_SIZE(then); i++)
		if (strcmp(p->value, then[i]) == 0)
			return 0;
	return -E_INVAL;
}

CMDLINE_CAPTURE_KEY(elfcorehdr, "elfcorehdr=[SIZE@]ADDR",
		    "capture kernel: the crashed kernel's ELF core header (set by kexec -p; K/M/G)",
		    check_elfcorehdr);
CMDLINE_CAPTURE_KEY(vmcore_autosave, "vmcore_autosave=poweroff|reboot|shell",
		    "capture kernel: save the vmcore to the disk vmcore_disk= names, then do that",
		    check_autosave);
