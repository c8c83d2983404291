# gdb helpers for this kernel: `source tools/gdb/kernel-gdb.py` (make debug does it).
# kdmesg (the log ring), kmemmap (e820 map, iomem tree), kexec-ind (a loaded
# image's IND list), ksym and kcpus (every CPU) read the kernel's own structures the same way
# on a vmcore (gdb build/kernel.elf build/vmcore) and on a live kernel (gdb
# on QEMU's stub).  The one idea: gdb reads virtual addresses only, so a
# physical address pa is read at DIRECT_MAP_BASE + pa, as the kernel does.
# Linux: scripts/gdb/linux/ (lx-dmesg, lx-iomem), and the crash utility.

import os
import re
import sys

import gdb

# The formats the gdb and drgn helpers share (tools/kernel_formats.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kernel_formats as kf  # noqa: E402

DIRECT_MAP_BASE, KERNEL_VIRT_BASE = kf.DIRECT_MAP_BASE, kf.KERNEL_VIRT_BASE


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
        except kf.DumpError as e:
            raise gdb.GdbError(f"{self.name}: {e}")
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


def parse_number(text, what):
    try:
        return int(gdb.parse_and_eval(text)) & 0xffffffffffffffff
    except gdb.error as e:
        raise gdb.GdbError(f"{what}: cannot evaluate '{text}' ({e})")


# ------------------------------------------------------------------- kdmesg

def log_records(ring):
    """(seq, ts_nsec, level, text) of kernel_log's records, oldest first."""
    t = "struct log_record"
    layout = (gdb.lookup_type(t).sizeof, offset_of(t, "ts_nsec"), offset_of(t, "len"),
              offset_of(t, "text_len"), offset_of(t, "level"))
    buf = read(int(ring["buf"]), int(ring["buf_len"]))
    return kf.log_records(buf, int(ring["first_idx"]), int(ring["first_seq"]),
                          int(ring["next_seq"]), layout)


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
            gdb.write(kf.printk_line(ts, text, level if args else None) + "\n")


# ------------------------------------------------------------------ kmemmap

def print_e820():
    """firmware_memmap (mm/memmap.h) in the lines of the kernel's memmap command."""
    m = global_value("firmware_memmap")
    count = int(m["count"])
    if count > m["range"].type.range()[1] + 1:
        raise gdb.GdbError(f"kmemmap: firmware_memmap.count is {count}: corrupt")
    ranges = [(int(m["range"][i]["start"]), int(m["range"][i]["end"]), int(m["range"][i]["type"]))
              for i in range(count)]
    for line in kf.e820_lines(ranges):
        gdb.write(line + "\n")


def resource_nodes(root):
    """Yield (node, depth) below root, parents before children, in address
    order: mm/resource.c resource_walk, iterative like it."""
    node, depth, seen = root["child"], 0, 0
    while int(node):
        seen += 1
        if seen > kf.MAX_IOMEM_NODES:
            raise gdb.GdbError(f"kmemmap: more than {kf.MAX_IOMEM_NODES} iomem nodes: a loop?")
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
        gdb.write(kf.iomem_line(depth, int(res["start"]), int(res["end"]),
                                c_string(res["name"])) + "\n")


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

def image_fields(kl):
    """The struct kexec_loaded fields `kexec -s` prints (kf.image_lines)."""
    image = kl["image"]
    fields = {"kernel": kl["kernel"].string(), "cmdline": kl["cmdline"].string()}
    for name in ("generation", "linux_boot", "entry_pa", "info_pa", "purgatory_pa",
                 "purgatory_segment", "control_pa", "pgd_pa", "nr_pgt_pages"):
        fields[name] = int(kl[name])
    for name in ("start", "crash_start", "crash_end"):
        fields[name] = int(image[name])
    return fields


def image_segments(kl):
    """[(mem, memsz, what)] of a struct kexec_loaded."""
    image = kl["image"]
    n = int(image["nr_segments"])
    if n > image["segment"].type.range()[1] + 1:
        raise gdb.GdbError(f"kexec-ind: nr_segments is {n}: corrupt")
    return [(int(image["segment"][i]["mem"]), int(image["segment"][i]["memsz"]),
             kl["what"][i].string()) for i in range(n)]


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
        kl = static_value("loaded", "kexec_file.c")[kf.KEXEC_TYPE_CRASH if crash else 0]
        if not kl["loaded"]:
            gdb.write(f"kexec-ind: no {'crash' if crash else 'kexec'} image loaded "
                      f"(kexec {'-p' if crash else '-l'} first)\n")
            return
        segments = image_segments(kl)
        for line in kf.image_lines(image_fields(kl), crash) + kf.segment_lines(segments):
            gdb.write(line + "\n")
        self.walk(kl["image"], segments, verbose)

    @staticmethod
    def walk(image, segments, verbose):
        head, entries, broken = int(image["head"]), [], None
        try:
            for e in kf.ind_entries(head, read_phys):
                entries.append(e)
        except (kf.DumpError, gdb.GdbError) as e:
            broken = e          # show the part walked, then the reason
        s = kf.summarize(entries, segments)
        for line in kf.ind_list_lines(head, entries, s, int(image["nr_swaps"]),
                                      int(image["nr_parked"]), verbose, broken):
            gdb.write(line + "\n")
        if broken:
            raise broken
        if s["entries"] > 1 or not head & kf.IND_DONE:
            for line in kf.ind_check_lines(int(image["nr_source_pages"]),
                                           int(image["nr_ind_pages"]), s):
                gdb.write(line + "\n")


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
