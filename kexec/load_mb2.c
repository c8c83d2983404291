/*
 * The multiboot2 image loader of kexec -l / -p: an ELF32 or ELF64 kernel
 * with a multiboot2 header (ours, or any GRUB could boot) becomes its
 * PT_LOADs, copies of the boot modules passed on (--module), and a new
 * multiboot2 information structure in EBX, entered in 32-bit protected
 * mode as GRUB would.  Linux has no such loader in the kernel; the role is
 * kexec-tools' kexec-mb2-x86.c, here one struct kexec_image_ops.
 */
#include "boot/addr.h"
#include "kernel/version.h"
#include "kexec/kexec_file.h"
#include "lib/elf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"

#define MBI_MAX (64 * 1024)

static bool mb2_probe(const void *file, size_t size)
{
	return size >= SELFMAG && memcmp(file, ELFMAG, SELFMAG) == 0;
}

static int add_kernel(struct kexec_load *ld, const struct kexec_request *req,
		      const struct bootinfo_module *m)
{
	paddr_t base;
	int err;

	err = elf_image_parse(phys_to_virt(m->start), m->end - m->start, &ld->img,
			      ld->why, sizeof(ld->why));
	if (err)
		return kexec_error(err, "%s", ld->why);
	err = elf_image_choose_base(&ld->img, &firmware_memmap, ld->lo, ld->hi,
				    NULL, 0, &base);
	if (err && req->type == KEXEC_TYPE_CRASH && !ld->img.mb2.relocatable)
		return kexec_error(err, "'%s' is not relocatable: it runs only at its link address "
				   "[0x%llx, 0x%llx), outside the crash window [0x%llx, 0x%llx); a "
				   "capture kernel needs the multiboot2 relocatable tag", req->kernel,
				   (unsigned long long)ld->img.link_base,
				   (unsigned long long)ld->img.link_end,
				   (unsigned long long)ld->lo, (unsigned long long)ld->hi);
	if (err && req->type == KEXEC_TYPE_CRASH)
		return kexec_error(err, "'%s' needs %llu KiB at a 2 MiB boundary: the crash window "
				  "[0x%llx, 0x%llx) is too small", req->kernel,
				  (unsigned long long)(ld->img.link_end - ld->img.link_base) / 1024,
				  (unsigned long long)ld->lo, (unsigned long long)ld->hi);
	if (err)
		return kexec_error(err, "no place in RAM for '%s'", req->kernel);
	err = elf_image_relocate(&ld->img, base, ld->why, sizeof(ld->why));
	if (err)
		return kexec_error(err, "%s", ld->why);
	for (unsigned i = 0; i < ld->img.nr_segments; i++) {
		const struct elf_image_segment *s = &ld->img.segment[i];
		const void *buf = elf_image_segment_buf(&ld->img, i);

		if (!buf) {
			void *copy = kexec_own(ld, s->bufsz ? s->bufsz : 1);

			if (!copy)
				return kexec_error(-E_NOMEM, "no memory to stage %s", req->kernel);
			elf_image_stage_segment(&ld->img, i, copy, s->bufsz);
			buf = copy;
		}
		err = kexec_add_segment(ld, buf, s->bufsz, s->mem, s->memsz, "kernel");
		if (err)
			return err;
	}
	ld->kl.entry_pa = ld->img.entry_pa;
	return 0;
}

/* "NAME args": the boot module NAME, passed on with cmdline "NAME args". */
static int add_module(struct kexec_load *ld, unsigned i, const char *spec)
{
	char name[BOOTINFO_MODULE_CMDLINE_MAX];
	const struct bootinfo_module *m;
	paddr_t pa;
	size_t n = 0;
	int err;

	/* The spec becomes the module's cmdline: refuse what would not fit. */
	if (strlen(spec) >= BOOTINFO_MODULE_CMDLINE_MAX)
		return kexec_error(-E_2BIG, "--module \"%.24s...\" is longer than %d bytes", spec,
				  BOOTINFO_MODULE_CMDLINE_MAX - 1);
	while (spec[n] && spec[n] != ' ')
		name[n] = spec[n], n++;
	name[n] = '\0';
	if (!(m = kexec_find_module(name)))
		return -E_NOENT;
	err = kexec_place(ld, m->end - m->start, PAGE_SIZE, &pa, "module");
	if (err)
		return err;
	strlcpy(ld->mod_cmdline[i], spec, BOOTINFO_MODULE_CMDLINE_MAX);
	ld->mods[i] = (struct mb2_build_module){ pa, pa + (m->end - m->start),
						  ld->mod_cmdline[i] };
	ksnprintf(ld->why, sizeof(ld->why), "module '%s'", name);
	return kexec_add_segment(ld, phys_to_virt(m->start), m->end - m->start, pa,
				 m->end - m->start, ld->why);
}

static int mb2_load_kernel(struct kexec_load *ld, const struct kexec_request *req,
			   const struct bootinfo_module *file)
{
	int err;

	if (req->initrd)
		return kexec_error(-E_INVAL, "'%s' is a multiboot2 kernel: it takes --module, "
				  "not --initrd", req->kernel);
	err = add_kernel(ld, req, file);
	for (unsigned i = 0; !err && i < req->nr_modules; i++)
		err = add_module(ld, i, req->module[i]);
	return err;
}

static int mb2_load_info(struct kexec_load *ld, const struct kexec_request *req)
{
	struct mb2_build_info info = {
		.cmdline = ld->cmdline,
		.loader_name = ld->loader_name,
		.modules = ld->mods,
		.nr_modules = req->nr_modules,
		.memmap = ld->mbi_map,
		.has_load_base = true,
		.load_base_addr = (uint32_t)ld->img.load_base,
		.efi = boot_info.efi,
		.efi_systab = boot_info.efi_systab,
	};
	size_t size;
	void *buf;
	int err;

	if (boot_info.acpi_rsdp_version == 1)
		info.acpi_old = boot_info.acpi_rsdp, info.acpi_old_len = boot_info.acpi_rsdp_len;
	else if (boot_info.acpi_rsdp_version == 2)
		info.acpi_new = boot_info.acpi_rsdp, info.acpi_new_len = boot_info.acpi_rsdp_len;
	ksnprintf(ld->loader_name, sizeof(ld->loader_name), "%s %s kexec, generation %u",
		  KERNEL_NAME, KERNEL_RELEASE, kernel_generation() + 1);
	err = mb2_build(&info, NULL, 0, &size);
	if (!err && size > MBI_MAX)
		err = -E_2BIG;
	if (err)
		return kexec_error(err, "cannot build the multiboot2 information");
	if (!(buf = kexec_own(ld, size)))
		return kexec_error(-E_NOMEM, "no memory for the multiboot2 information");
	err = kexec_place(ld, size, 8, &ld->kl.info_pa, "multiboot2 information");
	if (err)
		return err;
	err = mb2_build(&info, buf, size, &size);
	if (err)
		return kexec_error(err, "cannot build the multiboot2 information");
	return kexec_add_segment(ld, buf, size, ld->kl.info_pa, size, "multiboot2 info");
}

const struct kexec_image_ops kexec_mb2_ops = {
	.name = "multiboot2",
	.probe = mb2_probe,
	.load_kernel = mb2_load_kernel,
	.load_info = mb2_load_info,
};
