/*
 * The kexec shell command, modelled on kexec-tools' kexec(8):
 *   kexec -l FILE [--append=CMDLINE | --reuse-cmdline]
 *                 [--module="FILE [ARGS]"]... | [--initrd=FILE]
 *   kexec -p FILE [...same options]    load into the crash window (kdump)
 *   kexec -u | -p -u | -e | -s [-v] | --corrupt SEG [OFFSET]
 * FILE names a boot module (see 'modules'): there is no file system, GRUB
 * put the kernels in memory for us.
 */
#include "boot/bootinfo.h"
#include "kexec/kexec_load.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

static bool option(const char *arg, const char *name, int *i, int argc, char **argv,
		   const char **value)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	if (arg[n] == '\0' && *i + 1 < argc) {
		*value = argv[++*i];
		return true;
	}
	return false;
}

static int cmd_load(int argc, char **argv, unsigned type)
{
	struct kexec_request req = { .type = type, .cmdline = "" };
	const char *value;
	int err;

	if (argc < 3 || argv[2][0] == '-')
		return shell_usage();
	req.kernel = argv[2];
	for (int i = 3; i < argc; i++) {
		if (option(argv[i], "--append", &i, argc, argv, &value) ||
		    option(argv[i], "--command-line", &i, argc, argv, &value)) {
			req.cmdline = value;
		} else if (strcmp(argv[i], "--reuse-cmdline") == 0) {
			req.cmdline = boot_info.cmdline;
		} else if (option(argv[i], "--module", &i, argc, argv, &value)) {
			if (req.nr_modules == KEXEC_MAX_MODULES)
				return shell_error(-E_2BIG, "at most %d modules", KEXEC_MAX_MODULES);
			req.module[req.nr_modules++] = value;
		} else if (option(argv[i], "--initrd", &i, argc, argv, &value) ||
			   option(argv[i], "--ramdisk", &i, argc, argv, &value)) {
			if (req.initrd)
				return shell_error(-E_2BIG, "one --initrd only");
			req.initrd = value;
		} else if (strcmp(argv[i], "--append") == 0 || strcmp(argv[i], "--module") == 0 ||
			   strcmp(argv[i], "--command-line") == 0 || strcmp(argv[i], "--initrd") == 0 ||
			   strcmp(argv[i], "--ramdisk") == 0) {
			return shell_error(-E_INVAL, "option '%s' needs a value", argv[i]);
		} else {
			return shell_error(-E_INVAL, "unknown option '%s'", argv[i]);
		}
	}
	err = kexec_file_load(&req);
	if (err)
		shell_mark_reported();	/* kexec_file_load logged why */
	return err;
}

static void show_segments(const struct kexec_loaded *kl)
{
	char size[32];

	console_printf("   # destination                               size        what\n");
	for (unsigned i = 0; i < kl->image.nr_segments; i++) {
		const struct kexec_segment *s = &kl->image.segment[i];

		console_printf("  %2u [0x%016llx, 0x%016llx)  %-10s  %s\n", i,
			       (unsigned long long)s->mem, (unsigned long long)(s->mem + s->memsz),
			       format_size(size, sizeof(size), s->memsz), kl->what[i]);
	}
}

static int print_entry(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx)
{
	unsigned long long pa = KIMAGE_ENTRY_ADDR(entry);

	if (entry & IND_DESTINATION)
		console_printf("  [%5zu] IND_DESTINATION  0x%016llx\n", index, pa);
	else if (entry & IND_INDIRECTION)
		console_printf("  [%5zu] IND_INDIRECTION  0x%016llx  (list continues there)\n",
			       index, pa);
	else if (entry & IND_DONE)
		console_printf("  [%5zu] IND_DONE\n", index);
	else if (entry & IND_SOURCE)
		console_printf("  [%5zu] IND_SOURCE       0x%016llx  -> 0x%016llx%s\n", index, pa,
			       (unsigned long long)dest, pa == dest ? "  (in place)" : "");
	return 0;
}

static void show_image(const struct kexec_loaded *kl, bool verbose)
{
	struct kimage_summary sum;
	bool crash = kl->image.type == KEXEC_TYPE_CRASH;

	kimage_summarize(&kl->image, &sum);
	console_printf("kexec: %s image '%s' loaded for generation %u, cmdline '%s'\n",
		       crash ? "crash (kexec -p)" : "kexec (kexec -l)", kl->kernel,
		       kl->generation, kl->cmdline);
	if (kl->linux_boot)
		console_printf("  entry 0x%llx (64-bit Linux boot protocol), boot_params at 0x%llx\n",
			       (unsigned long long)kl->entry_pa, (unsigned long long)kl->info_pa);
	else
		console_printf("  entry 0x%llx (32-bit multiboot2), information at 0x%llx\n",
			       (unsigned long long)kl->entry_pa, (unsigned long long)kl->info_pa);
	console_printf("  purgatory at 0x%llx, started at 0x%llx; checks %u segments' SHA-256\n",
		       (unsigned long long)kl->purgatory_pa, (unsigned long long)kl->image.start,
		       kl->purgatory_segment);
	console_printf("  control page 0x%llx, identity page tables at 0x%llx (%zu pages)\n",
		       (unsigned long long)kl->control_pa, (unsigned long long)kl->pgd_pa,
		       kl->nr_pgt_pages);
	if (crash)
		console_printf("  crash window [0x%016llx, 0x%016llx), read-only until a panic\n",
			       (unsigned long long)kl->image.crash_start,
			       (unsigned long long)kl->image.crash_end);
	show_segments(kl);
	if (crash) {
		console_printf("  IND list: empty (IND_DONE): the segments were copied into the "
			       "window at load time\n");
		return;
	}
	console_printf("  IND list: head 0x%llx, %zu entries: %zu destinations, %zu pages to copy "
		       "(%zu already in place), %zu indirection pages; %zu swaps, %zu parked\n",
		       (unsigned long long)kl->image.head, sum.nr_entries, sum.nr_destinations,
		       sum.nr_sources, sum.nr_in_place, sum.nr_ind_pages, sum.nr_swaps,
		       sum.nr_parked);
	if (verbose)
		kimage_walk(&kl->image, print_entry, NULL);
}

static int cmd_show(bool verbose)
{
	const struct kexec_loaded *kl = kexec_loaded_image(KEXEC_TYPE_DEFAULT);
	const struct kexec_loaded *ckl = kexec_loaded_image(KEXEC_TYPE_CRASH);

	if (!kl && !ckl)
		console_printf("kexec: no image loaded\n");
	if (kl)
		show_image(kl, verbose);
	if (ckl)
		show_image(ckl, verbose);
	return 0;
}

static int cmd_corrupt(int argc, char **argv)
{
	uint64_t seg, offset = 0;
	int err;

	if (argc < 3 || argc > 4 || parse_u64(argv[2], &seg, false) ||
	    (argc == 4 && parse_u64(argv[3], &offset, true)))
		return shell_usage();
	if (!kexec_loaded_image(KEXEC_TYPE_DEFAULT))
		return shell_error(-E_NOENT, "no image loaded (kexec -l first)");
	/* Range-check before the cast: segment 2^32 must not become segment 0. */
	err = seg < KEXEC_SEGMENT_MAX ? kexec_corrupt_byte((unsigned)seg, offset) : -E_RANGE;
	if (err == -E_RANGE)
		return shell_error(err, "no byte %llu in segment %llu (see kexec -s)",
				   (unsigned long long)offset, (unsigned long long)seg);
	if (err)
		return shell_error(err, "no staged page holds byte %llu of segment %llu",
				   (unsigned long long)offset, (unsigned long long)seg);
	return 0;
}

static int cmd_kexec(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "-l") == 0)
		return cmd_load(argc, argv, KEXEC_TYPE_DEFAULT);
	if (strcmp(mode, "-p") == 0 && argc == 3 && strcmp(argv[2], "-u") == 0)
		return kexec_unload(KEXEC_TYPE_CRASH) ? shell_error(-E_NOENT, "no crash image loaded")
						      : 0;
	if (strcmp(mode, "-p") == 0)
		return cmd_load(argc, argv, KEXEC_TYPE_CRASH);
	if (strcmp(mode, "-s") == 0) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "-v") != 0))
			return shell_usage();
		return cmd_show(argc == 3);
	}
	if (strcmp(mode, "--corrupt") == 0)
		return cmd_corrupt(argc, argv);
	if (strcmp(mode, "-e") == 0 && argc <= 3) {
		unsigned flags = 0;
		int err;

		if (argc == 3 && strcmp(argv[2], "--leave-apic-timer") != 0)
			return shell_usage();
		if (argc == 3)
			flags |= KEXEC_LEAVE_APIC_TIMER;
		err = kernel_kexec(flags);	/* returns only on failure */

		if (err == -E_NOENT)
			return shell_error(err, "no image loaded (kexec -l first)");
		shell_mark_reported();		/* kernel_kexec logged why */
		return err;
	}
	if (argc != 2)
		return shell_usage();
	if (strcmp(mode, "-u") == 0)
		return kexec_unload(KEXEC_TYPE_DEFAULT) ? shell_error(-E_NOENT, "no image loaded") : 0;
	return shell_usage();
}

SHELL_COMMAND(kexec,
	      "-l|-p FILE [--append=CMDLINE|--reuse-cmdline] [--module=\"FILE [ARGS]\"]... "
	      "[--initrd=FILE] | -e [--leave-apic-timer] | -u | -p -u | -s [-v] | "
	      "--corrupt SEG [OFFSET]",
	      "load (-l) or load for crashes (-p), boot (-e), unload (-u) or show (-s) images",
	      cmd_kexec);
