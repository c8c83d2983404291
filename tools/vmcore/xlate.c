/*
 * The x86-64 4-level page walk, done on the dump instead of by the MMU:
 * PML4 -> PDPT -> PD -> PT, 9 bits of the address per level, a PDPT entry
 * with PS set maps 1 GiB, a PD entry with PS set maps 2 MiB (Intel SDM
 * vol. 3A, 4.5 "4-level paging").  The kernel's own walker is
 * pt_translate in mm/pagetable.c; Linux's is crash's x86_64_kvtop.
 */
#include "xlate.h"
#include "util.h"
#include "vmcoreinfo.h"

#include <stdio.h>
#include <string.h>

#define PTE_PRESENT 0x1ULL
#define PTE_PS 0x80ULL			/* page size: a leaf above the PT level */
#define PTE_ADDR 0x000ffffffffff000ULL	/* bits 51:12, the next table or page */
#define PAGE_4K (1ULL << 12)
#define PAGE_2M (1ULL << 21)
#define PAGE_1G (1ULL << 30)

/* Bits 63:47 all equal: the only addresses 4-level paging can map. */
static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

bool xlate_walk(const struct vmcore *vc, uint64_t root_pa, uint64_t va, struct xlate *x)
{
	static const char *const level[] = { "PML4", "PDPT", "PD", "PT" };
	uint64_t table = root_pa & PTE_ADDR;

	memset(x, 0, sizeof(*x));
	x->va = va;
	if (!canonical(va)) {
		snprintf(x->why, sizeof(x->why), "0x%llx is not canonical (bits 63:47 differ)",
			 (unsigned long long)va);
		return false;
	}
	for (unsigned l = 0; l < 4; l++) {
		unsigned shift = 39 - 9 * l;
		struct xlate_step *s = &x->step[x->nr_steps++];

		s->level = level[l];
		s->index = (unsigned)(va >> shift) & 511;
		s->table_pa = table;
		if (!vmcore_read_phys(vc, table + 8 * s->index, &s->entry, sizeof(s->entry))) {
			snprintf(x->why, sizeof(x->why), "the %s table at physical 0x%llx is not "
				 "in the dump", s->level, (unsigned long long)table);
			return false;
		}
		if (!(s->entry & PTE_PRESENT)) {
			snprintf(x->why, sizeof(x->why), "not mapped: %s[%u] = 0x%llx is not present",
				 s->level, s->index, (unsigned long long)s->entry);
			return false;
		}
		/* A large page: PS in a PDPT (1 GiB) or PD (2 MiB) entry. */
		if (l == 3 || (l >= 1 && (s->entry & PTE_PS))) {
			x->page_size = l == 1 ? PAGE_1G : l == 2 ? PAGE_2M : PAGE_4K;
			x->pa = (s->entry & PTE_ADDR & ~(x->page_size - 1)) | (va & (x->page_size - 1));
			return true;
		}
		table = s->entry & PTE_ADDR;
	}
	return false;	/* not reached: level 3 always returns */
}

const struct vmcore_load *xlate_by_load(const struct vmcore *vc, uint64_t va, uint64_t *pa)
{
	for (unsigned i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];

		if (va >= l->vaddr && va - l->vaddr < l->size) {
			*pa = l->paddr + (va - l->vaddr);
			return l;
		}
	}
	return NULL;
}

uint64_t xlate_root(const struct vmcore *vc)
{
	return vmcoreinfo_named_number(vc, "pgtable_root", "virtual addresses (the page tables)");
}

/* Physical address of va; false with why set when it has none in the dump. */
static bool virt_to_phys(const struct vmcore *vc, uint64_t va, uint64_t *pa, char *why,
			 size_t whylen)
{
	uint64_t root;
	struct xlate x;

	if (xlate_by_load(vc, va, pa))
		return true;
	if (!vmcoreinfo_number_opt(vc, "NUMBER(pgtable_root)", &root)) {
		snprintf(why, whylen, "no PT_LOAD maps it and VMCOREINFO lacks NUMBER(pgtable_root)");
		return false;
	}
	if (!xlate_walk(vc, root, va, &x)) {
		snprintf(why, whylen, "%s", x.why);
		return false;
	}
	*pa = x.pa;
	return true;
}

void vmcore_read_virt(const struct vmcore *vc, uint64_t va, void *buf, size_t len,
		      const char *what)
{
	uint8_t *out = buf;
	char why[200];

	while (len) {
		uint64_t in_page = PAGE_4K - (va & (PAGE_4K - 1));
		size_t chunk = len < in_page ? len : (size_t)in_page;
		uint64_t pa;

		if (!virt_to_phys(vc, va, &pa, why, sizeof(why)))
			die("virtual 0x%llx (%s): %s", (unsigned long long)va, what, why);
		if (!vmcore_read_phys(vc, pa, out, chunk))
			die("virtual 0x%llx (%s) is physical 0x%llx, which is not in the dump",
			    (unsigned long long)va, what, (unsigned long long)pa);
		out += chunk, va += chunk, len -= chunk;
	}
}

void vmcore_read_string(const struct vmcore *vc, uint64_t va, char *buf, size_t max,
			const char *what)
{
	size_t got = 0;

	if (max == 0)
		return;
	while (got + 1 < max) {
		uint64_t in_page = PAGE_4K - (va & (PAGE_4K - 1));
		size_t chunk = max - 1 - got < in_page ? max - 1 - got : (size_t)in_page;
		char why[200];
		uint64_t pa;
		void *nul;

		if (!virt_to_phys(vc, va, &pa, why, sizeof(why)) ||
		    !vmcore_read_phys(vc, pa, buf + got, chunk)) {
			if (got == 0)	/* not even the first byte: a bad pointer */
				die("string at virtual 0x%llx (%s) is not in the dump",
				    (unsigned long long)va, what);
			break;
		}
		nul = memchr(buf + got, '\0', chunk);
		got += chunk, va += chunk;
		if (nul)
			return;
	}
	buf[got] = '\0';
}
