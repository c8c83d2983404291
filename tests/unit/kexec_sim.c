/*
 * The simulated machine of kexec_sim.h: arena, counting page allocator
 * (lowest-first, adversarial or scripted) and a relocate-stub model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "lib/x86.h"
#include "tests/unit/kexec_sim.h"

#define LOW_RAM_END (636 * KiB)
#define FIRST_ALLOC_PAGE ((1 * MiB) / PAGE_SIZE)	/* never hand out low memory */

static uint64_t next_random(struct sim *s)
{
	/* xorshift64: deterministic for a seed, good enough to shuffle pages. */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

static paddr_t take(struct sim *s, size_t page)
{
	s->state[page] = SIM_OURS;
	s->outstanding++;
	s->allocs++;
	return (paddr_t)page * PAGE_SIZE;
}

/* First free page at or after page, wrapping once; 0 if none. */
static size_t free_from(const struct sim *s, size_t page)
{
	for (size_t n = 0; n < SIM_NPAGES - FIRST_ALLOC_PAGE; n++) {
		size_t p = FIRST_ALLOC_PAGE + (page - FIRST_ALLOC_PAGE + n) % (SIM_NPAGES - FIRST_ALLOC_PAGE);

		if (s->state[p] == SIM_FREE)
			return p;
	}
	return 0;
}

/* A free page inside some segment's destination, at random; 0 if none. */
static size_t free_destination(struct sim *s)
{
	const struct kimage *im = s->image;

	for (int tries = 0; im && im->nr_segments && tries < 32; tries++) {
		const struct kexec_segment *seg = &im->segment[next_random(s) % im->nr_segments];
		size_t npages = seg->memsz / PAGE_SIZE;

		if (npages == 0 || seg->mem + seg->memsz > SIM_RAM_SIZE)
			continue;
		for (size_t n = 0, first = next_random(s) % npages; n < npages; n++) {
			size_t p = seg->mem / PAGE_SIZE + (first + n) % npages;

			if (p >= FIRST_ALLOC_PAGE && s->state[p] == SIM_FREE)
				return p;
		}
	}
	return 0;
}

/* A free page whose destination is already staged (segments load in
 * order, pages upwards to image->destination): the latest one first.
 * Handing it out forces kimage_alloc_page to swap.  0 if none. */
static size_t staged_free_destination(const struct sim *s)
{
	const struct kimage *im = s->image;
	unsigned long cur = 0;

	if (!im || !im->head)
		return 0;
	while (cur < im->nr_segments &&
	       !(im->destination >= im->segment[cur].mem &&
		 im->destination <= im->segment[cur].mem + im->segment[cur].memsz))
		cur++;
	for (unsigned long i = cur + 1; i-- > 0;) {
		const struct kexec_segment *seg = &im->segment[i];
		paddr_t end = i == cur ? im->destination : seg->mem + seg->memsz;

		if (i >= im->nr_segments)
			continue;
		for (paddr_t pa = end; pa > seg->mem && pa <= SIM_RAM_SIZE; pa -= PAGE_SIZE) {
			size_t page = (pa - PAGE_SIZE) / PAGE_SIZE;

			if (page >= FIRST_ALLOC_PAGE && s->state[page] == SIM_FREE)
				return page;
		}
	}
	return 0;
}

static paddr_t sim_alloc(void *ctx)
{
	struct sim *s = ctx;
	size_t page = 0;

	if (s->allocs >= s->limit)
		return 0;
	while (s->script_pos < s->script_len) {
		page = s->script[s->script_pos++] / PAGE_SIZE;
		if (page < SIM_NPAGES && s->state[page] == SIM_FREE)
			return take(s, page);
	}
	if (s->mode == SIM_ADVERSARIAL) {
		/* 40%: a staged page's destination (swap), 30%: any destination
		 * (park, or in place), 30%: anywhere. */
		uint64_t r = next_random(s) % 10;

		if (r < 4)
			page = staged_free_destination(s);
		else if (r < 7)
			page = free_destination(s);
	}
	if (page == 0)
		page = free_from(s, s->mode == SIM_ADVERSARIAL
				 ? FIRST_ALLOC_PAGE + next_random(s) % (SIM_NPAGES - FIRST_ALLOC_PAGE)
				 : FIRST_ALLOC_PAGE);
	return page ? take(s, page) : 0;
}

static void sim_free(void *ctx, paddr_t pa)
{
	struct sim *s = ctx;
	size_t page = pa / PAGE_SIZE;

	if (pa % PAGE_SIZE || page >= SIM_NPAGES || s->state[page] != SIM_OURS) {
		s->bad_free = true;
		return;
	}
	/* Scribble, so a later read of a freed page shows up as wrong bytes. */
	memset(s->mem + pa, 0xdf, PAGE_SIZE);
	s->state[page] = SIM_FREE;
	s->outstanding--;
}

static void *sim_ptr(void *ctx, paddr_t pa)
{
	struct sim *s = ctx;

	s->ptr_calls++;
	if (pa >= SIM_RAM_SIZE) {
		fprintf(stderr, "sim: physical address 0x%llx outside the arena\n",
			(unsigned long long)pa);
		abort();
	}
	return s->mem + pa;
}

void sim_reset(struct sim *s, enum sim_mode mode, uint64_t seed)
{
	memset(s->state, SIM_FREE, sizeof(s->state));
	s->outstanding = s->allocs = 0;
	s->bad_free = false;
	s->script_len = s->script_pos = 0;
	s->image = NULL;
	s->mode = mode;
	s->rng = seed ? seed : 1;
	s->limit = SIZE_MAX;
}

void sim_init(struct sim *s, enum sim_mode mode, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->mem = aligned_alloc(PAGE_SIZE, SIM_RAM_SIZE);
	if (!s->mem)
		abort();
	memset(s->mem, 0x5a, SIM_RAM_SIZE);	/* "whatever was there" */
	sim_reset(s, mode, seed);
	s->ops = (struct kexec_page_ops){ .alloc_page = sim_alloc, .free_page = sim_free,
					  .phys_to_ptr = sim_ptr, .ctx = s };
	memmap_init(&s->ram);
	memmap_add(&s->ram, 0, LOW_RAM_END, MEMMAP_RAM);
	memmap_add(&s->ram, LOW_RAM_END, 1 * MiB, MEMMAP_RESERVED);
	memmap_add(&s->ram, 1 * MiB, SIM_RAM_SIZE, MEMMAP_RAM);
}

void sim_done(struct sim *s)
{
	free(s->mem);
	s->mem = NULL;
}

void sim_busy(struct sim *s, paddr_t start, paddr_t end)
{
	for (paddr_t pa = start; pa < end; pa += PAGE_SIZE)
		s->state[pa / PAGE_SIZE] = SIM_BUSY;
	memset(s->mem + start, 0xee, end - start);
}

/* A page the walk must not touch any more? Then say what and where. */
static bool stale(struct sim *s, const uint8_t *written, paddr_t pa, const char *what)
{
	if (!written[pa / PAGE_SIZE])
		return false;
	snprintf(s->error, sizeof(s->error), "%s page 0x%llx read after the walk overwrote it",
		 what, (unsigned long long)pa);
	return true;
}

/* One IND_SOURCE step: copy a page to dest, as rep movsq does. */
static bool copy_step(struct sim *s, uint8_t *written, paddr_t src, paddr_t dest,
		      paddr_t control)
{
	if (dest + PAGE_SIZE > SIM_RAM_SIZE || src + PAGE_SIZE > SIM_RAM_SIZE) {
		snprintf(s->error, sizeof(s->error), "copy 0x%llx -> 0x%llx leaves the arena",
			  (unsigned long long)src, (unsigned long long)dest);
		return false;
	}
	if (dest == control) {
		snprintf(s->error, sizeof(s->error), "copy overwrites the control page 0x%llx",
			  (unsigned long long)control);
		return false;
	}
	if (src != dest && stale(s, written, src, "source"))
		return false;
	memmove(s->mem + dest, s->mem + src, PAGE_SIZE);
	written[dest / PAGE_SIZE] = 1;
	return true;
}

bool sim_relocate(struct sim *s, kimage_entry_t head, paddr_t control)
{
	uint8_t *written = calloc(SIM_NPAGES, 1);
	paddr_t dest = 0, slot = 0;	/* slot: physical address of the next entry */
	kimage_entry_t e = head;
	bool ok = written != NULL;

	/* Same flag order as relocate_kernel: destination, indirection, done, source. */
	for (size_t steps = 0; ok; steps++) {
		paddr_t addr = KIMAGE_ENTRY_ADDR(e);

		if (e & IND_DESTINATION) {
			dest = addr;
		} else if (e & IND_INDIRECTION) {
			slot = addr;
		} else if (e & IND_DONE) {
			break;
		} else if (e & IND_SOURCE) {
			ok = copy_step(s, written, addr, dest, control);
			dest += PAGE_SIZE;
		}
		if (!ok)
			break;
		if (!slot || slot >= SIM_RAM_SIZE || steps > SIM_NPAGES * 2) {
			snprintf(s->error, sizeof(s->error), "IND list broken at step %zu (entry 0x%llx)",
				  steps, (unsigned long long)e);
			ok = false;
		} else if (stale(s, written, slot, "indirection")) {
			ok = false;
		} else {
			memcpy(&e, s->mem + slot, sizeof(e));
			slot += sizeof(e);
		}
	}
	free(written);
	return ok;
}

bool sim_segment_in_place(struct sim *s, const struct kexec_segment *seg)
{
	const uint8_t *p = s->mem + seg->mem;

	if (seg->bufsz && memcmp(p, seg->buf, seg->bufsz) != 0) {
		snprintf(s->error, sizeof(s->error), "segment at 0x%llx: bytes differ from buf",
			  (unsigned long long)seg->mem);
		return false;
	}
	for (size_t i = seg->bufsz; i < seg->memsz; i++) {
		if (p[i]) {
			snprintf(s->error, sizeof(s->error), "segment at 0x%llx: byte 0x%zx is 0x%02x, not 0",
				  (unsigned long long)seg->mem, i, p[i]);
			return false;
		}
	}
	return true;
}
