"""The kernel's formats as a debugger sees them, once for both debuggers:
the gdb helpers (tools/gdb/kernel-gdb.py) and the drgn helpers
(tools/drgn/kernel_drgn.py) read structures with their own API, then hand
the bytes and numbers to these functions, which decode the log ring, walk
a kexec IND list, and print lines exactly as the kernel's own commands do.
Pure Python on bytes: no gdb, no drgn.  Linux keeps the same split between
scripts/gdb/linux/ and drgn's helpers, each with its own copy; we share.
"""

import struct

# boot/layout.h, kexec/kexec_layout.h, lib/x86.h: macros are not in the
# DWARF, so they are written again here (tests/scenarios/test_gdb_helpers.py
# checks they match the headers).
DIRECT_MAP_BASE = 0xffff888000000000
KERNEL_VIRT_BASE = 0xffffffff80000000
PAGE_SIZE = 4096
IND_DESTINATION = 0x1
IND_INDIRECTION = 0x2
IND_DONE = 0x4
IND_SOURCE = 0x8
IND_PER_PAGE = 512
KEXEC_TYPE_CRASH = 1

# mm/memmap.c memmap_type_name(): the names the kernel prints.
E820_NAMES = {1: "usable", 2: "reserved", 3: "ACPI data", 4: "ACPI NVS", 5: "unusable",
              7: "persistent (type 7)", 12: "persistent (type 12)"}

# struct user_regs_struct, the pr_reg of an x86-64 NT_PRSTATUS (crash/elfcore.h).
REG_NAMES = ["r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
             "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
             "gs_base", "ds", "es", "fs", "gs"]
PRSTATUS_SIZE, PRSTATUS_PID, PRSTATUS_REG = 336, 32, 112
NT_PRSTATUS = 1

# Bounds that stop a walk over a corrupt structure instead of looping forever.
MAX_IOMEM_NODES = 4096
MAX_IND_PAGES = 1 << 16


class DumpError(Exception):
    """A structure of the kernel that cannot be read as it should: the
    message says which and why (each debugger reports it its own way)."""


def format_size(size):
    """lib/vsprintf.c format_size(): "639 KiB", "510.8 MiB" (one decimal, truncated)."""
    units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    u, scale = 0, 1
    while u + 1 < len(units) and size >= scale * 1024:
        scale, u = scale * 1024, u + 1
    if u == 0:
        return f"{size} bytes"
    if size % scale == 0:
        return f"{size // scale} {units[u]}"
    return f"{size // scale}.{size % scale * 10 // scale} {units[u]}"


def half_open(start, end):
    return f"[0x{start:016x}, 0x{end:016x})"


def printk_line(ts_nsec, text, level=None):
    """One log record as the console printed it: "[    1.234567] text"."""
    prefix = f"<{level}>" if level is not None else ""
    return f"{prefix}[{ts_nsec // 1000000000:5d}.{ts_nsec % 1000000000 // 1000:06d}] {text}"


# ------------------------------------------------------------- the log ring

def log_records(buf, first_idx, first_seq, next_seq, layout):
    """Yield (seq, ts_nsec, level, text) from the ring's bytes buf, from
    first_seq to next_seq, as lib/logring.c logring_read does: a header with
    len 0, or no room for one, wraps to offset 0.  layout: the size of
    struct log_record and the offsets of ts_nsec, len, text_len and level
    (from the DWARF).  Raises DumpError on a corrupt record."""
    size, o_ts, o_len, o_text_len, o_level = layout
    idx = first_idx
    for seq in range(first_seq, next_seq):
        if idx + size > len(buf) or struct.unpack_from("<H", buf, idx + o_len)[0] == 0:
            idx = 0
        ts = struct.unpack_from("<Q", buf, idx + o_ts)[0]
        length = struct.unpack_from("<H", buf, idx + o_len)[0]
        text_len = struct.unpack_from("<H", buf, idx + o_text_len)[0]
        if length < size or length % 8 or idx + length > len(buf) or size + text_len > length:
            raise DumpError(f"record {seq} at offset {idx} is corrupt (len {length}, "
                            f"text_len {text_len}); stopping")
        text = buf[idx + size:idx + size + text_len]
        yield seq, ts, buf[idx + o_level], text.decode("utf-8", "replace")
        idx += length


# ------------------------------------------------------- the e820 map, iomem

def e820_lines(ranges):
    """ranges [(start, end, type)] in the lines of the kernel's memmap command."""
    lines, usable, ram_end = [], 0, 0
    for start, end, kind in ranges:
        lines.append(f"e820: {half_open(start, end)} {E820_NAMES.get(kind, f'type {kind}')} "
                     f"({format_size(end - start)})")
        if kind == 1:
            usable += end - start
            ram_end = max(ram_end, end)
    lines.append(f"e820: {len(ranges)} ranges, {format_size(usable)} usable, "
                 f"RAM ends at 0x{ram_end:x}")
    return lines


def iomem_line(depth, start, end, name):
    """One node as the kernel's iomem command prints it, 2 spaces per depth."""
    return f"{' ' * (2 * depth)}{half_open(start, end)} {format_size(end - start)}  {name}"


# ------------------------------------------------------------ the crash notes

def prstatus_in_note(buf):
    """(pid, [27 registers]) of the CORE/NT_PRSTATUS note at the start of a
    crash note buffer (crash/elfcore.h), or None when the buffer holds none
    (that CPU never saved its registers)."""
    if len(buf) < 12:
        return None
    namesz, descsz, ntype = struct.unpack_from("<III", buf, 0)
    desc = 12 + (namesz + 3) // 4 * 4
    if (namesz != 5 or buf[12:17] != b"CORE\0" or ntype != NT_PRSTATUS
            or descsz < PRSTATUS_SIZE or desc + descsz > len(buf)):
        return None
    pid = struct.unpack_from("<i", buf, desc + PRSTATUS_PID)[0]
    return pid, list(struct.unpack_from("<27Q", buf, desc + PRSTATUS_REG))


def register_lines(regs):
    """The 27 registers, three to a line, as `vmcore-inspect info` prints them."""
    cells = [f"{name:<8} 0x{value:016x}" for name, value in zip(REG_NAMES, regs)]
    return ["  " + "   ".join(cells[i:i + 3]) for i in range(0, len(cells), 3)]


# -------------------------------------------------------------- the IND list

def ind_entries(head, read_phys):
    """Yield (index, entry, dest) over an IND list, as kexec_core.c
    kimage_walk does: the head first, IND_INDIRECTION links followed into
    their page, the end at IND_DONE or an empty (0) slot.  read_phys(pa,
    size) returns bytes of physical memory.  Raises DumpError when the list
    loops or runs off its page."""
    entry, index, dest = head, 0, 0
    page, slot, pages = None, 0, set()
    while True:
        addr = entry & ~(PAGE_SIZE - 1)
        if entry & IND_DESTINATION:
            dest = addr
        yield index, entry, dest
        index += 1
        if entry & IND_DESTINATION:
            slot += 1
        elif entry & IND_INDIRECTION:
            if addr in pages or len(pages) == MAX_IND_PAGES:
                raise DumpError(f"indirection page 0x{addr:x} seen twice, or more than "
                                f"{MAX_IND_PAGES}: the list loops")
            pages.add(addr)
            page = struct.unpack(f"<{IND_PER_PAGE}Q", read_phys(addr, PAGE_SIZE))
            slot = 0
        elif entry == 0 or entry & IND_DONE:
            return
        else:
            if entry & IND_SOURCE:
                dest += PAGE_SIZE
            slot += 1
        if page is None or slot == IND_PER_PAGE:
            # The relocate stub would run off the page: the list is broken.
            raise DumpError(f"entry {index - 1} (0x{entry:x}) is not followed by a link: "
                            f"the list runs past its page")
        entry = page[slot]


def describe_entry(index, entry, dest):
    """One entry in the format of the kernel's `kexec -s -v`."""
    pa = entry & ~(PAGE_SIZE - 1)
    if entry & IND_DESTINATION:
        return f"  [{index:5d}] IND_DESTINATION  0x{pa:016x}"
    if entry & IND_INDIRECTION:
        return f"  [{index:5d}] IND_INDIRECTION  0x{pa:016x}  (list continues there)"
    if entry & IND_DONE:
        return f"  [{index:5d}] IND_DONE"
    if entry & IND_SOURCE:
        return (f"  [{index:5d}] IND_SOURCE       0x{pa:016x}  -> 0x{dest:016x}"
                + ("  (in place)" if pa == dest else ""))
    return f"  [{index:5d}] 0x{entry:016x}  no IND_* flag: not a valid entry"


def summarize(entries, segments):
    """Counts as kexec_core.c kimage_summarize, plus source pages that are
    some other page's destination (there must be none)."""
    s = dict(entries=0, destinations=0, sources=0, in_place=0, ind_pages=0, clobbers=0)
    for _, entry, dest in entries:
        pa = entry & ~(PAGE_SIZE - 1)
        if entry == 0:
            continue
        s["entries"] += 1
        if entry & IND_DESTINATION:
            s["destinations"] += 1
        elif entry & IND_INDIRECTION:
            s["ind_pages"] += 1
        elif entry & IND_SOURCE:
            s["sources"] += 1
            if pa == dest:
                s["in_place"] += 1
            elif any(mem <= pa < mem + memsz for mem, memsz, _ in segments):
                s["clobbers"] += 1
    return s


def image_lines(image, crash):
    """The lines of the kernel's `kexec -s` before the segment table.
    image: a dict of the struct kexec_loaded fields the kernel prints
    (kernel, generation, cmdline, linux_boot, entry_pa, info_pa, purgatory_pa, start,
    purgatory_segment, control_pa, pgd_pa, nr_pgt_pages, crash_start,
    crash_end)."""
    i = image
    lines = [f"kexec: {'crash (kexec -p)' if crash else 'kexec (kexec -l)'} image "
             f"'{i['kernel']}' loaded for generation {i['generation']}, cmdline '{i['cmdline']}'",
             (f"  entry 0x{i['entry_pa']:x} (64-bit Linux boot protocol), boot_params at "
              f"0x{i['info_pa']:x}" if i['linux_boot'] else
              f"  entry 0x{i['entry_pa']:x} (32-bit multiboot2), information at "
              f"0x{i['info_pa']:x}"),
             f"  purgatory at 0x{i['purgatory_pa']:x}, started at 0x{i['start']:x}; checks "
             f"{i['purgatory_segment']} segments' SHA-256",
             f"  control page 0x{i['control_pa']:x}, identity page tables at "
             f"0x{i['pgd_pa']:x} ({i['nr_pgt_pages']} pages)"]
    if crash:
        lines.append(f"  crash window {half_open(i['crash_start'], i['crash_end'])}, "
                     f"read-only until a panic")
    return lines


def segment_lines(segments):
    lines = ["   # destination                               size        what"]
    for n, (mem, memsz, what) in enumerate(segments):
        lines.append(f"  {n:2d} {half_open(mem, mem + memsz)}  {format_size(memsz):<10}  {what}")
    return lines


def ind_list_lines(head, entries, s, nr_swaps, nr_parked, verbose, broken):
    """The IND list part of `kexec -s [-v]`, from a walk's entries and its
    summary s; broken: the DumpError that stopped the walk, or None."""
    if s["entries"] <= 1 and head & IND_DONE:
        return ["  IND list: empty (IND_DONE): the segments were copied into the window at "
                "load time"]
    lines = [f"  IND list{' (walked until the error below)' if broken else ''}: "
             f"head 0x{head:x}, {s['entries']} entries: {s['destinations']} destinations, "
             f"{s['sources']} pages to copy ({s['in_place']} already in place), "
             f"{s['ind_pages']} indirection pages; {nr_swaps} swaps, {nr_parked} parked"]
    if verbose:
        lines += [describe_entry(*e) for e in entries if e[1]]   # 0: a list being built
    return lines


def ind_check_lines(nr_source_pages, nr_ind_pages, s):
    """Warnings when the walk disagrees with the counters the loader kept."""
    lines = []
    if (nr_source_pages, nr_ind_pages) != (s["sources"], s["ind_pages"]):
        lines.append(f"  kexec-ind: warning: the kimage counts {nr_source_pages} source and "
                     f"{nr_ind_pages} indirection pages, the walk found {s['sources']} and "
                     f"{s['ind_pages']}")
    if s["clobbers"]:
        lines.append(f"  kexec-ind: warning: {s['clobbers']} source pages are another "
                     f"page's destination: the copy would overwrite them")
    return lines
