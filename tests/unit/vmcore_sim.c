/*
 * The simulated dead machine of the vmcore tests (see vmcore_sim.h): its
 * old memory, its crash notes and VMCOREINFO, and its elfcorehdr, built
 * with the same crash/elfcore.c functions the kernel uses.
 */
#include <stdlib.h>
#include <string.h>
#include "boot/layout.h"
#include "kernel/percpu.h"
#include "lib/errno.h"
#include "tests/unit/vmcore_sim.h"

/* ---- old memory: zeros but for a few regions ---- */

uint8_t vmc_pattern(paddr_t pa)
{
	return (uint8_t)((pa >> 3) ^ (pa >> 12) ^ (pa >> 20) ^ 0x5a);
}

uint8_t *vmc_sim_add(struct sim *s, paddr_t pa, size_t size, bool fill)
{
	struct sim_region *r = &s->r[s->n++];

	r->pa = pa;
	r->size = size;
	r->bytes = calloc(1, size);
	for (size_t i = 0; fill && i < size; i++)
		r->bytes[i] = vmc_pattern(pa + i);
	return r->bytes;
}

static void vmc_sim_free(struct sim *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->r[i].bytes);
	s->n = 0;
}

int vmc_sim_read(void *ctx, paddr_t pa, void *buf, size_t len)
{
	struct sim *s = ctx;

	if (pa + len < pa)
		return -E_RANGE;
	if (pa < s->fail_end && pa + len > s->fail_start)
		return -E_IO;
	if (pa < WIN_END && pa + len > WIN_START)
		s->window_reads++;
	memset(buf, 0, len);
	for (unsigned i = 0; i < s->n; i++) {
		const struct sim_region *r = &s->r[i];
		paddr_t lo = MAX(pa, r->pa), hi = MIN(pa + len, r->pa + r->size);

		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - pa), r->bytes + (lo - r->pa), hi - lo);
	}
	return 0;
}

/* ---- the dead machine ---- */

struct vmcore_machine vmc;

void vmc_frame(struct trap_frame *tf, uint64_t rip, uint64_t seed)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = rip;
	tf->rsp = 0xffffffff80ffb000 + seed;
	tf->rbp = 0xffffffff80ffb100 + seed;
	tf->rax = 0xaaaa0000 + seed;
	tf->r15 = 0x15150000 + seed;
	tf->cs = 0x08;
	tf->ss = 0x10;
	tf->rflags = 0x246;
}

/* Old memory as the dead kernel left it, and its elfcorehdr in vmc.hdr. */
void vmc_setup(void)
{
	static struct elfcore_note_buf bufs[NR_CPUS];
	const struct range window = { WIN_START, WIN_END, "crash window" };
	struct elfcore_params p;
	struct trap_frame tf;
	uint8_t *notes, *vmci;

	vmc_sim_free(&vmc.sim);
	memset(&vmc, 0, sizeof(vmc));
	memmap_init(&vmc.map);
	memmap_add(&vmc.map, 0, 0x9fc00, MEMMAP_RAM);
	memmap_add(&vmc.map, 0x9fc00, 0xa0000, MEMMAP_RESERVED);
	memmap_add(&vmc.map, 0xf0000, 0x100000, MEMMAP_RESERVED);
	memmap_add(&vmc.map, 0x100000, 0x1ffe0000, MEMMAP_RAM);
	memmap_add(&vmc.map, 0x1ffe0000, 0x20000000, MEMMAP_RESERVED);
	memmap_add(&vmc.map, 0xfffc0000, 0x100000000ULL, MEMMAP_RESERVED);

	vmc_sim_add(&vmc.sim, 0, 0x1000, true);			/* real-mode IVT */
	vmc_sim_add(&vmc.sim, 0x9f000, 0x1000, true);			/* RAM ends at 0x9fc00 */
	vmc_sim_add(&vmc.sim, KERN_PA, 0x20000, true);		/* kernel text */
	vmc_sim_add(&vmc.sim, 0x4f3000, 0x1000, true);		/* kernel ends at ...456 */
	vmc_sim_add(&vmc.sim, 0x1000000, 0x10000, true);		/* a marker at 16 MiB */
	vmc_sim_add(&vmc.sim, 0x1c000000, 0x1000, true);		/* inside the window */
	vmc_sim_add(&vmc.sim, 0x1ffdf000, 0x1000, true);		/* the last RAM page */
	notes = vmc_sim_add(&vmc.sim, NOTES_PA, NR_CPUS * CRASH_NOTE_BYTES, false);
	vmc_frame(&tf, CPU0_RIP, 0);
	crash_note_build(notes, CRASH_NOTE_BYTES, 0, &tf, 1);
	vmc_frame(&tf, CPU1_RIP, 8);
	crash_note_build(notes + CRASH_NOTE_BYTES, CRASH_NOTE_BYTES, 1, &tf, 2);
	/* CPUs 2-7 never wrote theirs: all zeros, an empty note. */

	vmcoreinfo_init(&vmc.vi);
	vmcoreinfo_append(&vmc.vi, "OSRELEASE=0.1.0\n");
	vmcoreinfo_append(&vmc.vi, "BUILD-ID=%s\n", "0123456789abcdef0123456789abcdef01234567");
	vmcoreinfo_append(&vmc.vi, "PAGESIZE=%d\n", 4096);
	vmcoreinfo_append(&vmc.vi, "CRASHTIME=%d\n", 1700000000);
	vmci = vmc_sim_add(&vmc.sim, VMCI_PA, VMCOREINFO_NOTE_BYTES, false);
	vmcoreinfo_note_build(vmci, VMCOREINFO_NOTE_BYTES, &vmc.vi);

	for (unsigned i = 0; i < NR_CPUS; i++)
		bufs[i] = (struct elfcore_note_buf){ NOTES_PA + i * CRASH_NOTE_BYTES,
						     CRASH_NOTE_BYTES };
	p = (struct elfcore_params){
		.cpu_notes = bufs, .nr_cpus = NR_CPUS,
		.vmcoreinfo = { VMCI_PA, VMCOREINFO_NOTE_BYTES },
		.kernel_vaddr = KERN_VA, .kernel_paddr = KERN_PA, .kernel_size = KERN_SIZE,
		.direct_map_base = DIRECT_MAP_BASE, .ram = &vmc.map,
		.exclude = &window, .nr_exclude = 1,
	};
	elfcore_build_header(&p, vmc.hdr, sizeof(vmc.hdr), &vmc.hdr_size);
}

int vmc_build(const void *hdr, size_t size)
{
	vmc.why[0] = '\0';
	return vmcore_layout_build(&vmc.l, hdr, size, vmc.notes, sizeof(vmc.notes), vmc_sim_read,
				   &vmc.sim, vmc.why, sizeof(vmc.why));
}

void vmc_expected(const struct vmcore_layout *l, uint64_t off, uint64_t len, uint8_t *out)
{
	memset(out, 0, len);
	/* Each PT_LOAD is its source's whole pages of old memory (Linux's). */
	for (unsigned i = 1; i <= l->nr_loads; i++) {
		const Elf64_Phdr *ph = &l->phdr[i];
		uint64_t page = l->src[i] & 0xfff;
		uint64_t start = ph->p_offset - page;
		uint64_t end = start + ALIGN_UP(page + ph->p_memsz, 4096);
		uint64_t lo = MAX(off, start), hi = MIN(off + len, end);

		if (lo < hi)
			vmc_sim_read(&vmc.sim, l->src[i] - page + (lo - start), out + (lo - off),
				     hi - lo);
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

uint64_t vmc_rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
