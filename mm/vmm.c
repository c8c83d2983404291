/*
 * The kernel's own page tables, replacing the boot tables: the direct map
 * of every firmware range (RAM cached, the rest uncached) at
 * DIRECT_MAP_BASE, and the kernel image at its link addresses with
 * per-section permissions.  The boot identity map is gone afterwards, so
 * every physical access goes through phys_to_virt.  Linux:
 * init_mem_mapping() and kernel_physical_mapping_init() in arch/x86/mm.
 */
#include "mm/paging.h"
#include "boot/addr.h"
#include "boot/layout.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

#define DIRECT_MAP_MAX (64ULL << 40)	/* the window Linux reserves: 64 TiB */
#define CACHE_OFF (PTE_PCD | PTE_PWT)	/* uncached, whatever the MTRRs say */

extern uint8_t early_nx_enabled;	/* boot/entry.asm: EFER.NXE was set */
extern char boot_stack_guard[];	/* boot/entry.asm: one page, never mapped */

struct pt_root kernel_pt;

/* Table pages below this limit (the boot direct map ends at 4 GiB and we
 * write new tables through it until CR3 switches). */
static paddr_t table_limit = BOOT_MAP_SIZE;

static paddr_t table_alloc(void *ctx)
{
	paddr_t pa = pmm_alloc_contig(1, PAGE_SIZE, table_limit);

	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void *table_ptr(void *ctx, paddr_t pa)
{
	return phys_to_virt(pa);
}

/* The direct map may use 2 MiB pages; the image is mapped in 4 KiB pages,
 * because its sections are only 4 KiB aligned. */
static const struct pt_source direct_src = { table_alloc, table_ptr, NULL, true };
static const struct pt_source image_src = { table_alloc, table_ptr, NULL, false };

uint64_t pte_nx(void)
{
	/* With EFER.NXE off, bit 63 is reserved: setting it faults. */
	return early_nx_enabled ? PTE_NX : 0;
}

static uint64_t nx_bit(void)
{
	return pte_nx();
}

static void map_or_panic(const struct pt_source *src, vaddr_t va, paddr_t pa, uint64_t size,
			 uint64_t flags, const char *what)
{
	struct pt_root root = { kernel_pt.pml4_pa, src };
	int err = pt_map(&root, va, pa, size, flags);

	if (err)
		panic("paging: cannot map %s [0x%016llx, 0x%016llx) (%s)", what,
		      (unsigned long long)pa, (unsigned long long)(pa + size), err_name(err));
}

/* Map a physical range into the direct map, rounded out to pages. */
static void direct_map(paddr_t start, paddr_t end, uint64_t flags, const char *what)
{
	paddr_t s = ALIGN_DOWN(start, PAGE_SIZE), e = ALIGN_UP(end, PAGE_SIZE);
	char size[32];

	if (e > DIRECT_MAP_MAX) {
		if (!(flags & CACHE_OFF))	/* RAM the pmm would hand out */
			panic("paging: %s ends at 0x%llx, past the direct map", what,
			      (unsigned long long)end);
		pr_warn("paging: %s [0x%016llx, 0x%016llx) %s is past the direct map, not mapped\n",
			what, (unsigned long long)start, (unsigned long long)end,
			format_size(size, sizeof(size), end - start));
		return;
	}
	map_or_panic(&direct_src, DIRECT_MAP_BASE + s, s, e - s, flags, what);
}

static bool cacheable(uint32_t type)
{
	return type == MEMMAP_RAM || type == MEMMAP_ACPI || type == MEMMAP_NVS;
}

/*
 * Later calls win where ranges share a page (same frame, new flags), so
 * the order is: the first 1 MiB uncached (VGA, ROMs, holes), then
 * reserved ranges uncached, then RAM/ACPI cached: a page that is partly
 * RAM stays cacheable.
 */
/*
 * Reserved ranges below 4 GiB hold firmware data (QEMU's ACPI tables sit
 * in one just past the end of low RAM) and are mapped.  Reserved ranges
 * above both 4 GiB and the end of RAM are device windows, not memory
 * (QEMU reserves [0xfd00000000, 0x10000000000) for HyperTransport): they
 * stay out of the direct map, reachable through ioremap() if ever needed.
 */
static void map_direct(void)
{
	uint64_t base = PTE_WRITE | nx_bit();
	paddr_t window = MAX(memmap_end(&firmware_memmap, MEMMAP_RAM), 4 * GiB);

	direct_map(0, LOW_MEMORY_END, base | CACHE_OFF, "low memory");
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < firmware_memmap.count; i++) {
			const struct memmap_range *r = &firmware_memmap.range[i];

			if (cacheable(r->type) != (pass == 1))
				continue;
			if (!cacheable(r->type) && r->start >= window)
				continue;
			direct_map(r->start, r->end, base | (pass ? 0 : CACHE_OFF),
				   memmap_type_name(r->type));
		}
}

static void map_image_part(const char *start, const char *end, uint64_t flags,
			   const char *what)
{
	vaddr_t s = (vaddr_t)(uintptr_t)start, e = (vaddr_t)(uintptr_t)end;

	if (!IS_ALIGNED(s, PAGE_SIZE) || !IS_ALIGNED(e, PAGE_SIZE))
		panic("paging: kernel %s [%p, %p) not page aligned (linker.ld)", what,
		      (void *)start, (void *)end);
	if (e > s)
		map_or_panic(&image_src, s, virt_to_phys(start), e - s, flags, what);
}

/*
 * The image at its link addresses onto wherever it really is (phys_base).
 * No PTE_GLOBAL: kexec's identity tables must not inherit stale entries.
 * The page below the boot stack (boot_stack_guard) stays unmapped, so an
 * overflow of the stack faults there (Linux: the vmalloc'd stacks' guard
 * pages, CONFIG_VMAP_STACK).
 */
static void map_image(void)
{
	char *guard = boot_stack_guard, *guard_end = boot_stack_guard + PAGE_SIZE;

	if (guard < _data_start || guard_end > _kernel_end)
		panic("paging: boot stack guard %p is not in data+bss (linker.ld)", (void *)guard);
	map_image_part(_kernel_start, _rodata_start, 0, "text");	/* R X */
	map_image_part(_rodata_start, _data_start, nx_bit(), "rodata");	/* R */
	map_image_part(_data_start, guard, PTE_WRITE | nx_bit(), "data+bss");
	map_image_part(guard_end, _kernel_end, PTE_WRITE | nx_bit(), "boot stack+bss");
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

/*
 * boot/entry.asm loaded a GDT by its physical (identity) address.  If
 * nothing has replaced it yet, move GDTR (and IDTR) to the same bytes
 * through the direct map, or the next segment load faults.
 */
static void move_descriptor_tables(void)
{
	struct desc_ptr d;

	__asm__ volatile("sgdt %0" : "=m"(d));
	if (d.base < BOOT_MAP_SIZE) {
		pr_warn("paging: GDT at identity address 0x%llx, now read via the direct map\n",
			(unsigned long long)d.base);
		d.base = (uint64_t)(uintptr_t)phys_to_virt(d.base);
		__asm__ volatile("lgdt %0" : : "m"(d));
	}
	__asm__ volatile("sidt %0" : "=m"(d));
	if (d.limit && d.base < BOOT_MAP_SIZE) {
		pr_warn("paging: IDT at identity address 0x%llx, now read via the direct map\n",
			(unsigned long long)d.base);
		d.base = (uint64_t)(uintptr_t)phys_to_virt(d.base);
		__asm__ volatile("lidt %0" : : "m"(d));
	}
}

void paging_setup(void)
{
	struct pt_stats st;
	char size[32];

	if (pt_create(&kernel_pt, &direct_src))
		panic("paging: no frame for the PML4");
	map_direct();
	map_image();
	move_descriptor_tables();
	write_cr3(kernel_pt.pml4_pa);	/* the identity map is gone from here */
	table_limit = 0;		/* every frame is reachable now */
	pt_count(&kernel_pt, DIRECT_MAP_BASE, DIRECT_MAP_BASE + DIRECT_MAP_MAX, &st);
	pr_info("paging: direct map of %s at 0x%llx (%llu 2 MiB pages, %llu 4 KiB pages), CR3 0x%llx\n",
		format_size(size, sizeof(size),
			    st.pages_2m * LARGE_PAGE_SIZE + st.pages_4k * PAGE_SIZE),
		(unsigned long long)DIRECT_MAP_BASE, (unsigned long long)st.pages_2m,
		(unsigned long long)st.pages_4k, (unsigned long long)kernel_pt.pml4_pa);
	pt_count(&kernel_pt, KERNEL_VIRT_BASE, 0, &st);
	pr_info("paging: kernel image [0x%016llx, 0x%016llx) %s in %llu 4 KiB pages, NX %s\n",
		(unsigned long long)virt_to_phys(_kernel_start),
		(unsigned long long)virt_to_phys(_kernel_end),
		format_size(size, sizeof(size), virt_to_phys(_kernel_end) -
						virt_to_phys(_kernel_start)),
		(unsigned long long)st.pages_4k, early_nx_enabled ? "on" : "off");
}

void *ioremap(paddr_t pa, size_t size)
{
	paddr_t s = ALIGN_DOWN(pa, PAGE_SIZE), e = ALIGN_UP(pa + size, PAGE_SIZE);
	struct pt_root root = { kernel_pt.pml4_pa, &image_src };
	uint64_t flags = PTE_WRITE | nx_bit() | CACHE_OFF;

	if (!size || pa + size < pa || e > DIRECT_MAP_MAX || !kernel_pt.pml4_pa)
		return NULL;
	/* Pages already in the direct map keep their mapping and caching. */
	for (paddr_t p = s; p < e; p += PAGE_SIZE) {
		paddr_t got;

		int err;

		if (pt_translate(&kernel_pt, DIRECT_MAP_BASE + p, &got, NULL) == 0)
			continue;
		err = pt_map(&root, DIRECT_MAP_BASE + p, p, PAGE_SIZE, flags);
		if (err) {
			pr_err("paging: error: ioremap of page 0x%llx failed (%s)\n",
			       (unsigned long long)p, err_name(err));
			return NULL;
		}
	}
	write_cr3(read_cr3());	/* drop any cached upper-level entries */
	return phys_to_virt(pa);
}

static void (*flush_others)(void);

void paging_set_remote_flush(void (*fn)(void))
{
	flush_others = fn;
}

/* This CPU's TLB, then every other CPU's (Linux: flush_tlb_kernel_range). */
static void flush_all(void)
{
	write_cr3(read_cr3());	/* no stale entry may hide the new one */
	if (flush_others)
		flush_others();
}

int paging_map(vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	struct pt_root root = { kernel_pt.pml4_pa, &image_src };
	int err = pt_map(&root, va, pa, size, flags);

	if (!err)
		flush_all();
	return err;
}

int paging_map_direct(paddr_t pa, uint64_t size, uint64_t flags)
{
	struct pt_root root = { kernel_pt.pml4_pa, &direct_src };
	int err = pt_map(&root, DIRECT_MAP_BASE + pa, pa, size, flags);

	if (!err)
		flush_all();
	return err;
}

int paging_trampoline_pgd(paddr_t start, uint64_t size, paddr_t *pml4_pa)
{
	paddr_t pa = pmm_alloc_contig(1, PAGE_SIZE, BOOT_MAP_SIZE);
	struct pt_root root = { pa, &image_src };
	int err;

	if (!pa)
		return -E_NOMEM;
	memcpy(phys_to_virt(pa), phys_to_virt(kernel_pt.pml4_pa), PAGE_SIZE);
	/* The kernel's PML4 slot 0 is empty since paging_setup: the new
	 * tables for the identity range are this page's own. */
	err = pt_map(&root, start, start, size, PTE_WRITE);
	if (err) {
		pmm_free(pa);	/* the slot-0 tables stay: a few pages, once */
		return err;
	}
	*pml4_pa = pa;
	return 0;
}
