# gdb helpers for this kernel: `source tools/gdb/kernel-gdb.py` (make debug does it).
# kdmesg (the log ring), kmemmap (e820 map, iomem tree), kexec-ind (a loaded
# image's IND list), ksym and kcpus (every CPU) read the kernel's own structures the same way
# on a vmcore (gdb build/kernel.elf build/vmcore) and on a live kernel (gdb
# on QEMU's stub).  The one idea: gdb reads virtual addresses only, so a
# physical address pa is read at DIRECT_MAP_BASE + pa, as the kernel does.
# Linux: scripts/gdb/linux/ (lx-dmesg, lx-iomem), and the crash utility.

import re
import struct

import gdb

# boot/layout.h and kexec/kexec_layout.h: macros are not in the DWARF, so they
# are written again here (tests/scenarios/test_gdb_helpers.py checks they match).
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

# Bounds that stop a walk over a corrupt structure instead of looping forever.
MAX_IOMEM_NODES = 4096
MAX_IND_PAGES = 1 << 16


# ------------------------------------------------------------ reading memory

def read(addr, size):
    """size bytes at virtual address addr."""
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    except gdb.MemoryError:
        raise gdb.GdbError(f"cannot read 0x{addr:x} ({size} bytes): not in the vmcore, "
                           f"or not mapped yet (too early in boot?)")


def read_phys(pa, size):
    """size bytes at physical address pa, through the kernel's direct map."""
    try:
        return bytes(gdb.selected_inferior().read_memory(DIRECT_MAP_BASE + pa, size))
    except gdb.MemoryError:
        raise gdb.GdbError(f"cannot read physical 0x{pa:x} ({size} bytes) at direct-map "
                           f"0x{DIRECT_MAP_BASE + pa:x}: not in the vmcore (an excluded "
                           f"range?), or not mapped yet (too early in boot?)")


class KernelCommand(gdb.Command):
    """A user command (listed by `help user-defined`) whose memory errors end
    in one line naming the command, not in a Python traceback."""

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_USER)
        self.name = name

    def invoke(self, arg, from_tty):
        try:
            self.run(gdb.string_to_argv(arg))
        except gdb.MemoryError as e:
            raise gdb.GdbError(f"{self.name}: {e} (a pointer not set yet, or memory "
                               f"not in the vmcore)")
        except gdb.GdbError as e:
            if str(e).startswith((self.name + ":", "usage:")):
                raise
            raise gdb.GdbError(f"{self.name}: {e}")


def global_value(name):
    sym = gdb.lookup_global_symbol(name)
    if sym is None:
        raise gdb.GdbError(f"no global '{name}': is the file kernel.elf, with symbols?")
    return sym.value()


def static_value(name, filename):
    """A file-static variable, e.g. kexec_file.c's `loaded`."""
    for sym in gdb.lookup_static_symbols(name):
        if sym.symtab is not None and sym.symtab.filename.endswith(filename):
            return sym.value()
    raise gdb.GdbError(f"no static '{name}' in {filename}: is the file kernel.elf?")


def offset_of(type_name, field):
    """Byte offset of a field, from the DWARF, so layouts are never hard-coded."""
    for f in gdb.lookup_type(type_name).fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError(f"{type_name} has no field {field}")


def c_string(ptr):
    """The NUL-terminated string at a char pointer, or a marker if unreadable."""
    try:
        return ptr.string("ascii", "replace")
    except gdb.error:
        return f"<unreadable 0x{int(ptr):x}>"


def format_size(size):
    """kernel/strutil.c format_size(): "639 KiB", "510.8 MiB" (one decimal, truncated)."""
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


def parse_number(text, what):
    try:
        return int(gdb.parse_and_eval(text)) & 0xffffffffffffffff
    except gdb.error as e:
        raise gdb.GdbError(f"{what}: cannot evaluate '{text}' ({e})")


# ------------------------------------------------------------------- kdmesg

class LogRecord:
    """struct log_record (kernel/logring.h), decoded with the DWARF's offsets."""

    def __init__(self):
        t = "struct log_record"
        self.size = gdb.lookup_type(t).sizeof
        self.ts = offset_of(t, "ts_nsec")
        self.len = offset_of(t, "len")
        self.text_len = offset_of(t, "text_len")
        self.level = offset_of(t, "level")

    def decode(self, buf, idx):
        """(ts_nsec, len, text_len, level) of the header at idx."""
        return (struct.unpack_from("<Q", buf, idx + self.ts)[0],
                struct.unpack_from("<H", buf, idx + self.len)[0],
                struct.unpack_from("<H", buf, idx + self.text_len)[0],
                buf[idx + self.level])


def log_records(ring):
    """Yield (seq, ts_nsec, level, text) from first_seq to next_seq, as
    kernel/logring.c logring_read does; raise gdb.GdbError on a bad record."""
    rec = LogRecord()
    buf_len = int(ring["buf_len"])
    buf = read(int(ring["buf"]), buf_len)
    idx = int(ring["first_idx"])
    for seq in range(int(ring["first_seq"]), int(ring["next_seq"])):
        # A wrap marker (len 0), or no room for a header: the record is at 0.
        if idx + rec.size > buf_len or rec.decode(buf, idx)[1] == 0:
            idx = 0
        ts, length, text_len, level = rec.decode(buf, idx)
        if length < rec.size or length % 8 or idx + length > buf_len or \
                rec.size + text_len > length:
            raise gdb.GdbError(f"kdmesg: record {seq} at offset {idx} is corrupt "
                               f"(len {length}, text_len {text_len}); stopping")
        text = buf[idx + rec.size:idx + rec.size + text_len]
        yield seq, ts, level, text.decode("utf-8", "replace")
        idx += length


class KDmesg(KernelCommand):
    """Print the kernel's log ring like dmesg: kdmesg [-l]

Reads the ring kernel_log (kernel/logring.h) from memory, oldest record
first, from first_idx/first_seq up to next_seq, following the wrap marker
(a header with len 0).  Each line is "[seconds.micros] text", as the
console printed it; -l adds the level ("<6>").  Works on a vmcore (the
dead kernel's log, panic message last) and on a live kernel."""

    def __init__(self):
        super().__init__("kdmesg")

    def run(self, args):
        if args not in ([], ["-l"]):
            raise gdb.GdbError("usage: kdmesg [-l]")
        ring = global_value("kernel_log")
        if int(ring["first_seq"]) == int(ring["next_seq"]):
            gdb.write("kdmesg: the log ring is empty (nothing printed yet?)\n")
        for _, ts, level, text in log_records(ring):
            prefix = f"<{level}>" if args else ""
            gdb.write(f"{prefix}[{ts // 1000000000:5d}.{ts % 1000000000 // 1000:06d}] {text}\n")


# ------------------------------------------------------------------ kmemmap

def print_e820():
    """firmware_memmap (mm/memmap.h) in the lines of the kernel's memmap command."""
    m = global_value("firmware_memmap")
    count = int(m["count"])
    if count > m["range"].type.range()[1] + 1:
        raise gdb.GdbError(f"kmemmap: firmware_memmap.count is {count}: corrupt")
    usable, ram_end = 0, 0
    for i in range(count):
        r = m["range"][i]
        start, end, kind = int(r["start"]), int(r["end"]), int(r["type"])
        name = E820_NAMES.get(kind, f"type {kind}")
        gdb.write(f"e820: {half_open(start, end)} {name} ({format_size(end - start)})\n")
        if kind == 1:
            usable += end - start
            ram_end = max(ram_end, end)
    gdb.write(f"e820: {count} ranges, {format_size(usable)} usable, "
              f"RAM ends at 0x{ram_end:x}\n")


def resource_nodes(root):
    """Yield (node, depth) below root, parents before children, in address
    order: mm/resource.c resource_walk, iterative like it."""
    node, depth, seen = root["child"], 0, 0
    while int(node):
        seen += 1
        if seen > MAX_IOMEM_NODES:
            raise gdb.GdbError(f"kmemmap: more than {MAX_IOMEM_NODES} iomem nodes: a loop?")
        res = node.dereference()
        yield res, depth
        if int(res["child"]):
            node, depth = res["child"], depth + 1
            continue
        # No child: the next sibling, or the sibling of the nearest ancestor.
        while not int(res["sibling"]) and depth > 0:
            res, depth = res["parent"].dereference(), depth - 1
        node = res["sibling"]


def print_iomem():
    """iomem_resource like the kernel's iomem command, 2 spaces per depth."""
    for res, depth in resource_nodes(global_value("iomem_resource")):
        start, end = int(res["start"]), int(res["end"])
        gdb.write(f"{' ' * (2 * depth)}{half_open(start, end)} {format_size(end - start)}  "
                  f"{c_string(res['name'])}\n")


class KMemmap(KernelCommand):
    """Show physical memory: kmemmap [e820|iomem]

e820: firmware_memmap, the firmware's memory map as the kernel keeps it
(sorted and merged), one half-open range per line with its size and e820
type name, then a summary, as the kernel's memmap command prints it.
iomem: the iomem_resource tree, who owns which addresses, indented by
depth, as the kernel's iomem command prints it.  Without an argument, both."""

    def __init__(self):
        super().__init__("kmemmap")

    def run(self, args):
        if args not in ([], ["e820"], ["iomem"]):
            raise gdb.GdbError("usage: kmemmap [e820|iomem]")
        if args != ["iomem"]:
            print_e820()
        if not args:
            gdb.write("iomem:\n")
        if args != ["e820"]:
            print_iomem()


# ---------------------------------------------------------------- kexec-ind

def ind_entries(head):
    """Yield (index, entry, dest) over an IND list, as kexec_core.c
    kimage_walk does: the head first, IND_INDIRECTION links followed into
    their page, the end at IND_DONE or an empty (0) slot.  Physical pages
    are read through the direct map, one page per read."""
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
                raise gdb.GdbError(f"kexec-ind: indirection page 0x{addr:x} seen twice, "
                                   f"or more than {MAX_IND_PAGES}: the list loops")
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
            raise gdb.GdbError(f"kexec-ind: entry {index - 1} (0x{entry:x}) is not followed "
                               f"by a link: the list runs past its page")
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


def print_image_header(kl, crash):
    """The lines of the kernel's `kexec -s` before the segment table."""
    image = kl["image"]
    gdb.write(f"kexec: {'crash (kexec -p)' if crash else 'kexec (kexec -l)'} image "
              f"'{kl['kernel'].string()}' loaded for generation {int(kl['generation'])}, "
              f"cmdline '{kl['cmdline'].string()}'\n")
    gdb.write(f"  entry 0x{int(kl['entry32']):x} (32-bit multiboot2), information at "
              f"0x{int(kl['mbi_pa']):x}\n")
    gdb.write(f"  purgatory at 0x{int(kl['purgatory_pa']):x}, started at "
              f"0x{int(image['start']):x}; checks {int(kl['purgatory_segment'])} segments' "
              f"SHA-256\n")
    gdb.write(f"  control page 0x{int(kl['control_pa']):x}, identity page tables at "
              f"0x{int(kl['pgd_pa']):x} ({int(kl['nr_pgt_pages'])} pages)\n")
    if crash:
        window = half_open(int(image["crash_start"]), int(image["crash_end"]))
        gdb.write(f"  crash window {window}, read-only until a panic\n")


def image_segments(kl):
    """[(mem, memsz, what)] of a struct kexec_loaded."""
    image = kl["image"]
    n = int(image["nr_segments"])
    if n > image["segment"].type.range()[1] + 1:
        raise gdb.GdbError(f"kexec-ind: nr_segments is {n}: corrupt")
    return [(int(image["segment"][i]["mem"]), int(image["segment"][i]["memsz"]),
             kl["what"][i].string()) for i in range(n)]


def print_segments(segments):
    gdb.write("   # destination                               size        what\n")
    for i, (mem, memsz, what) in enumerate(segments):
        gdb.write(f"  {i:2d} {half_open(mem, mem + memsz)}  {format_size(memsz):<10}  {what}\n")


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


class KexecInd(KernelCommand):
    """Walk a loaded kexec image's IND list: kexec-ind [-v] [crash]

Reads the image `kexec -l` loaded (or, with crash, the one `kexec -p`
loaded) from kexec_file.c's loaded[], prints it and its segments like the
kernel's `kexec -s`, then follows the list from image.head through the
physical pages it names (read through the direct map at
0xffff888000000000 + pa): IND_DESTINATION 0x1 sets where the next pages go,
IND_SOURCE 0x8 is one page to copy there, IND_INDIRECTION 0x2 continues in
another page of 512 entries, IND_DONE 0x4 ends it.  The summary line counts
destinations, pages to copy, those already in place and indirection pages,
and the walk is checked against the kimage's own counters; -v prints every
entry as `kexec -s -v` does.  A crash image's list is empty: its segments
were written straight into the crash window at load time."""

    def __init__(self):
        super().__init__("kexec-ind")

    def run(self, args):
        verbose = "-v" in args
        rest = [a for a in args if a != "-v"]
        if rest not in ([], ["crash"]):
            raise gdb.GdbError("usage: kexec-ind [-v] [crash]")
        crash = rest == ["crash"]
        kl = static_value("loaded", "kexec_file.c")[KEXEC_TYPE_CRASH if crash else 0]
        if not kl["loaded"]:
            gdb.write(f"kexec-ind: no {'crash' if crash else 'kexec'} image loaded "
                      f"(kexec {'-p' if crash else '-l'} first)\n")
            return
        print_image_header(kl, crash)
        segments = image_segments(kl)
        print_segments(segments)
        self.walk(kl["image"], segments, verbose)

    def walk(self, image, segments, verbose):
        head, entries, broken = int(image["head"]), [], None
        try:
            for e in ind_entries(head):
                entries.append(e)
        except gdb.GdbError as e:
            broken = e          # show the part walked, then the reason
        s = summarize(entries, segments)
        if s["entries"] <= 1 and head & IND_DONE:
            gdb.write("  IND list: empty (IND_DONE): the segments were copied into the "
                      "window at load time\n")
            return
        gdb.write(f"  IND list{' (walked until the error below)' if broken else ''}: "
                  f"head 0x{head:x}, {s['entries']} entries: "
                  f"{s['destinations']} destinations, {s['sources']} pages to copy "
                  f"({s['in_place']} already in place), {s['ind_pages']} indirection pages; "
                  f"{int(image['nr_swaps'])} swaps, {int(image['nr_parked'])} parked\n")
        if verbose:
            for index, entry, dest in entries:
                if entry:       # an empty slot ends a list still being built
                    gdb.write(describe_entry(index, entry, dest) + "\n")
        if broken:
            raise broken
        self.check(image, s)

    @staticmethod
    def check(image, s):
        """The walk must agree with the counters the loader kept."""
        want = (int(image["nr_source_pages"]), int(image["nr_ind_pages"]))
        got = (s["sources"], s["ind_pages"])
        if want != got:
            gdb.write(f"  kexec-ind: warning: the kimage counts {want[0]} source and "
                      f"{want[1]} indirection pages, the walk found {got[0]} and {got[1]}\n")
        if s["clobbers"]:
            gdb.write(f"  kexec-ind: warning: {s['clobbers']} source pages are another "
                      f"page's destination: the copy would overwrite them\n")


# --------------------------------------------------------------------- ksym

def image_range():
    """(start, end) virtual of the kernel image, from its linker symbols."""
    return (int(gdb.parse_and_eval("(unsigned long)&_kernel_start")),
            int(gdb.parse_and_eval("(unsigned long)&_kernel_end")))


def to_image_virtual(addr):
    """addr as a kernel-image virtual address, or None.  Physical and
    direct-map addresses map into the image with phys_base (mm/addr.h)."""
    start, end = image_range()
    if start <= addr < end:
        return addr
    pa = addr - DIRECT_MAP_BASE if DIRECT_MAP_BASE <= addr < KERNEL_VIRT_BASE else addr
    va = pa - int(global_value("phys_base")) + KERNEL_VIRT_BASE
    return va if start <= va < end else None


class KSym(KernelCommand):
    """Name the kernel symbol at an address: ksym ADDR

ADDR is any gdb expression ($rip, 0x201234, &kernel_log): a kernel-image
virtual address (0xffffffff8...), a direct-map address (0xffff888...) or
a physical address.  The last two are turned into the image's virtual
address with phys_base, as mm/addr.h does.  Prints the address, the
symbol and offset, the source line, and the physical address."""

    def __init__(self):
        super().__init__("ksym")

    def run(self, args):
        if not args:
            raise gdb.GdbError("usage: ksym ADDR")
        addr = parse_number(" ".join(args), "ksym")
        va = to_image_virtual(addr)
        if va is None:
            gdb.write(f"0x{addr:x}: not in the kernel image\n")
            return
        pa = va - KERNEL_VIRT_BASE + int(global_value("phys_base"))
        gdb.write(f"0x{va:016x} {symbol_at(va)} (physical 0x{pa:x})\n")


def symbol_at(va):
    """"<name+0xoff> in .section, file:line" for an address in the image."""
    info = gdb.execute(f"info symbol 0x{va:x}", to_string=True).strip()
    m = re.match(r"(\S+)(?: \+ (\d+))? in section (\S+)", info)
    if not m:
        return info             # "No symbol matches ..."
    name = m.group(1) + (f"+0x{int(m.group(2)):x}" if m.group(2) else "")
    line = gdb.find_pc_line(va)
    src = f", {line.symtab.filename}:{line.line}" if line.symtab and m.group(3) == ".text" else ""
    return f"<{name}> in {m.group(3)}{src}"


# kernel/percpu.h enum cpu_state, as `cpus` names them.
CPU_STATES = ["absent", "offline", "booting", "online", "stopped", "crashed"]


class KCpus(KernelCommand):
    """Every CPU, as the kernel's `cpus` shows it: kcpus

Reads per_cpu[] (kernel/percpu.h) for each of the nr_cpu_ids CPUs: its
APIC id, state, timer interrupts and what it was doing, and names the gdb
thread that holds its registers in a vmcore (its note has pr_pid = CPU + 1,
so LWP CPU + 1), with the frame it stopped in.  On a live kernel the
threads are QEMU's vCPUs instead."""

    def __init__(self):
        super().__init__("kcpus")

    def run(self, args):
        if args:
            raise gdb.GdbError("usage: kcpus")
        per_cpu = global_value("per_cpu")
        n = int(global_value("nr_cpu_ids"))
        threads = {t.ptid[1]: t for t in gdb.selected_inferior().threads()}
        gdb.write("CPU  APIC id  state     ticks  doing / gdb thread\n")
        for cpu in range(n):
            p = per_cpu[cpu]
            state = int(p["state"])
            name = CPU_STATES[state] if 0 <= state < len(CPU_STATES) else f"state {state}"
            doing = c_string(p["doing"]) if int(p["doing"]) else "-"
            t = threads.get(cpu + 1)
            where = f"thread {t.num} (LWP {cpu + 1})" if t else "no note"
            gdb.write(f"{cpu:3}  {int(p['apic_id']):7}  {name:8} {int(p['ticks']):6}  "
                      f"{doing}; {where}\n")


KDmesg()
KMemmap()
KexecInd()
KSym()
KCpus()
