"""What a vmcore saved at a dump level must hold, worked out on the host
from the full dump (level 0) of the same crash, independently of the
capture kernel's code: the dead kernel's frame bitmap is read through the
full dump's VMCOREINFO, each page's class decided from it and from the
page's bytes, and the filtered dump compared page by page.  Used by
test_dump_levels.py."""

PAGE = 4096
KERNEL_IMAGE = 0xffffffff80000000       # p_vaddr at or above: the kernel image's PT_LOAD
ZERO = bytes(PAGE)
ALL_SET = (1 << 64) - 1


def free_frames(full):
    """The frame numbers the dead kernel's allocator had free (its "used"
    bitmap, struct frames found through SYMBOL(pmm) and OFFSET(frames.*))."""
    vi = full.keys("VMCOREINFO")

    def num(key):
        return int(vi[key], 0)

    struct = full.read_virt(num("SYMBOL(pmm)"), num("SIZE(frames)"))

    def field(name):
        at = num(f"OFFSET(frames.{name})")
        return int.from_bytes(struct[at:at + 8], "little")

    nframes, nwords = field("nframes"), field("nwords")
    used = full.read_virt(field("used"), nwords * 8)
    free = set()
    for w in range(nwords):
        word = int.from_bytes(used[w * 8:w * 8 + 8], "little")
        if word != ALL_SET:
            free.update(w * 64 + b for b in range(64)
                        if not word >> b & 1 and w * 64 + b < nframes)
    return free


def ram_loads(dump):
    """(paddr, size, file offset) of the RAM PT_LOADs (not the image's), by paddr."""
    return sorted((p, size, off) for p, v, size, off in dump.loads if v < KERNEL_IMAGE)


def compare(full, filtered, level, free):
    """Check filtered (a guest.elf.Vmcore saved at level) against full.
    Returns (errors, counts): errors a list of strings (empty when the
    dump is right), counts {"free", "zero", "kept"} of whole pages."""
    errors, counts = [], {"free": 0, "zero": 0, "kept": 0}
    kept_runs = ram_loads(filtered)
    k = 0
    for paddr, size, _ in ram_loads(full):
        first = -(-paddr // PAGE) * PAGE
        for pa in range(first, (paddr + size) // PAGE * PAGE, PAGE):
            if level & 16 and pa // PAGE in free:
                cls = "free"
            elif level & 1 and full.read_phys(pa, PAGE) == ZERO:
                cls = "zero"
            else:
                cls = "kept"
            counts[cls] += 1
            while k < len(kept_runs) and kept_runs[k][0] + kept_runs[k][1] <= pa:
                k += 1
            inside = k < len(kept_runs) and kept_runs[k][0] <= pa and \
                pa + PAGE <= kept_runs[k][0] + kept_runs[k][1]
            if inside != (cls == "kept") and len(errors) < 10:
                errors.append(f"page {pa:#x} ({cls}) is {'' if inside else 'not '}in the "
                              f"level {level} dump")
    # Every byte the filtered dump holds is the full dump's byte.
    for paddr, size, off in kept_runs:
        filtered.f.seek(off)
        if filtered.f.read(size) != full.read_phys(paddr, size) and len(errors) < 10:
            errors.append(f"[{paddr:#x}, +{size:#x}) differs from the full dump")
    image = [ld for ld in filtered.loads if ld[1] >= KERNEL_IMAGE]
    full_image = [ld for ld in full.loads if ld[1] >= KERNEL_IMAGE]
    if [ld[:3] for ld in image] != [ld[:3] for ld in full_image]:
        errors.append(f"the kernel image PT_LOAD {image} is not the full dump's {full_image}")
    return errors, counts
