"""drgn helpers for this kernel, as Linux has drgn.helpers.linux: the log
ring, the memory map, the CPUs' registers at the crash with their stack
traces, and a loaded kexec image's IND list, read from a vmcore (or any
program drgn opens on kernel.elf).  Structures come from kernel.elf's
DWARF; the lines printed are the kernel's own (tools/kernel_formats.py,
shared with the gdb helpers).  The one idea for stack traces: drgn finds
Linux's threads through task_struct, which this kernel has not; the
registers each CPU saved in its crash note (crash_notes[], the bytes of
its NT_PRSTATUS) become a struct pt_regs, and drgn unwinds from that.

Run as a script (Debian's drgn 0.0.22 has no -e):
    drgn -c build/vmcore -s build/kernel.elf tools/drgn/kernel_drgn.py dmesg
or import it in drgn's interactive prompt:
    >>> import sys; sys.path.insert(0, "tools/drgn"); from kernel_drgn import *
    >>> print(crashed_stack_trace(prog))
"""

import os
import sys

from drgn import FaultError, Object, TypeMember, sizeof

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kernel_formats as kf  # noqa: E402

__all__ = ["get_dmesg", "e820", "iomem", "crash_cpus", "crashed_cpu", "cpu_pt_regs",
           "cpu_stack_trace", "crashed_stack_trace", "kexec_image", "kexec_ind",
           "print_dmesg", "print_memmap", "print_regs", "print_kexec_ind"]

# pt_regs as drgn reads it (arch_x86_64.c): Linux's names, the order of
# user_regs_struct, which is the order of the note's pr_reg (21 of 27).
PT_REGS_FIELDS = ["r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
                  "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"]


# ------------------------------------------------------------------ dmesg

def get_dmesg(prog, levels=False):
    """The kernel's log ring (kernel_log, lib/logring.h) as the console
    printed it, one "[seconds.micros] text" line per record, oldest first;
    levels=True prefixes each with "<level>".  Linux: get_dmesg()."""
    ring = prog["kernel_log"]
    t = prog.type("struct log_record")
    layout = (t.size, *(next(m.bit_offset // 8 for m in t.members if m.name == name)
                        for name in ("ts_nsec", "len", "text_len", "level")))
    buf = prog.read(ring.buf.value_(), ring.buf_len.value_())
    records = kf.log_records(buf, ring.first_idx.value_(), ring.first_seq.value_(),
                             ring.next_seq.value_(), layout)
    return "".join(kf.printk_line(ts, text, level if levels else None) + "\n"
                   for _, ts, level, text in records)


# ------------------------------------------------------------- memory map

def e820(prog):
    """firmware_memmap (mm/memmap.h): [(start, end, type)], sorted."""
    m = prog["firmware_memmap"]
    count = m.count.value_()
    if count > len(m.range):
        raise kf.DumpError(f"firmware_memmap.count is {count}: corrupt")
    return [(m.range[i].start.value_(), m.range[i].end.value_(), m.range[i].type.value_())
            for i in range(count)]


def iomem(prog):
    """The iomem_resource tree (mm/resource.h): [(depth, start, end, name)],
    parents before children in address order, as the iomem command walks it."""
    nodes, node, depth = [], prog["iomem_resource"].child, 0
    while node:
        if len(nodes) == kf.MAX_IOMEM_NODES:
            raise kf.DumpError(f"more than {kf.MAX_IOMEM_NODES} iomem nodes: a loop?")
        try:
            name = node.name.string_().decode("utf-8", "replace")
        except FaultError:
            name = f"<unreadable 0x{node.name.value_():x}>"
        nodes.append((depth, node.start.value_(), node.end.value_(), name))
        if node.child:
            node, depth = node.child, depth + 1
            continue
        while not node.sibling and depth > 0:      # up to the nearest ancestor's sibling
            node, depth = node.parent, depth - 1
        node = node.sibling
    return nodes


# ------------------------------------------------------ CPUs at the crash

def crash_cpus(prog):
    """{cpu: (pid, [27 registers])} for every CPU whose crash note
    (crash_notes[cpu], crash/crash_core.c) holds its registers."""
    notes = prog["crash_notes"]
    size = sizeof(notes[0])
    cpus = {}
    for cpu in range(len(notes)):
        found = kf.prstatus_in_note(prog.read(notes[cpu].address_, size))
        if found:
            cpus[cpu] = found
    return cpus


def crashed_cpu(prog):
    """The CPU that panicked: panic_cpu where the kernel keeps one (SMP),
    else the only CPU with registers saved.  Linux's drgn reads
    crashing_cpu."""
    try:
        cpu = prog["panic_cpu"].value_()
        if 0 <= cpu < len(prog["crash_notes"]):
            return cpu
    except (KeyError, LookupError):
        pass
    cpus = crash_cpus(prog)
    if not cpus:
        raise kf.DumpError("no CPU saved its registers (no crash note): not a vmcore?")
    return min(cpus)


def _pt_regs_type(prog):
    u64 = prog.int_type("unsigned long", 8, False)
    return prog.struct_type("pt_regs", 8 * len(PT_REGS_FIELDS),
                            [TypeMember(u64, name, 64 * i)
                             for i, name in enumerate(PT_REGS_FIELDS)])


def cpu_pt_regs(prog, cpu):
    """cpu's registers at the crash as a struct pt_regs value (a type made
    here, Linux's layout, which this kernel does not define), ready for
    prog.stack_trace()."""
    cpus = crash_cpus(prog)
    if cpu not in cpus:
        raise kf.DumpError(f"CPU {cpu} saved no registers (CPUs with a note: "
                           f"{sorted(cpus) or 'none'})")
    regs = cpus[cpu][1][:len(PT_REGS_FIELDS)]
    data = b"".join(r.to_bytes(8, "little") for r in regs)
    return Object.from_bytes_(prog, _pt_regs_type(prog), data)


def cpu_stack_trace(prog, cpu):
    """drgn's stack trace of cpu from its saved registers: frames with
    names, source lines and local variables."""
    return prog.stack_trace(cpu_pt_regs(prog, cpu))


def crashed_stack_trace(prog):
    """The panicking CPU's stack trace (what Linux's drgn gives for
    prog.crashed_thread().stack_trace())."""
    return cpu_stack_trace(prog, crashed_cpu(prog))


# --------------------------------------------------------------- kexec

def kexec_image(prog, crash=False):
    """The struct kexec_loaded of the image kexec -l (or, crash=True,
    kexec -p) loaded, or None."""
    loaded = prog.object("loaded", filename="kexec_file.c")[
        kf.KEXEC_TYPE_CRASH if crash else 0]
    return loaded if loaded.loaded else None


def _image_fields(kl):
    fields = {"kernel": kl.kernel.string_().decode(), "cmdline": kl.cmdline.string_().decode()}
    for name in ("generation", "linux_boot", "entry_pa", "info_pa", "purgatory_pa",
                 "purgatory_segment", "control_pa", "pgd_pa", "nr_pgt_pages"):
        fields[name] = int(kl.member_(name).value_())
    for name in ("start", "crash_start", "crash_end"):
        fields[name] = kl.image.member_(name).value_()
    return fields


def _segments(kl):
    n = kl.image.nr_segments.value_()
    if n > len(kl.image.segment):
        raise kf.DumpError(f"nr_segments is {n}: corrupt")
    return [(kl.image.segment[i].mem.value_(), kl.image.segment[i].memsz.value_(),
             kl.what[i].string_().decode()) for i in range(n)]


def kexec_ind(prog, head):
    """[(index, entry, destination)] of the IND list from head, its pages
    read as physical memory."""
    return list(kf.ind_entries(head, lambda pa, size: prog.read(pa, size, True)))


# ------------------------------------------------------ printing commands

def print_dmesg(prog, levels=False):
    print(get_dmesg(prog, levels), end="")


def print_memmap(prog, which="both"):
    """The e820 map as the memmap command prints it, and the iomem tree as
    the iomem command does."""
    if which in ("both", "e820"):
        print("\n".join(kf.e820_lines(e820(prog))))
    if which == "both":
        print("iomem:")
    if which in ("both", "iomem"):
        print("\n".join(kf.iomem_line(*n) for n in iomem(prog)))


def print_regs(prog):
    """Every CPU's registers at the crash, the panicking one named."""
    panicked = crashed_cpu(prog)
    for cpu, (pid, regs) in sorted(crash_cpus(prog).items()):
        where = prog.symbol(regs[16]).name if _has_symbol(prog, regs[16]) else "?"
        print(f"CPU {cpu} (pid {pid}){' panicked' if cpu == panicked else ''}, in {where}:")
        print("\n".join(kf.register_lines(regs)))


def _has_symbol(prog, addr):
    try:
        prog.symbol(addr)
        return True
    except LookupError:
        return False


def print_kexec_ind(prog, crash=False, verbose=False):
    """What the kernel's `kexec -s [-v]` prints for one image."""
    kl = kexec_image(prog, crash)
    if kl is None:
        print(f"kexec-ind: no {'crash' if crash else 'kexec'} image loaded "
              f"(kexec {'-p' if crash else '-l'} first)")
        return
    segments = _segments(kl)
    print("\n".join(kf.image_lines(_image_fields(kl), crash) + kf.segment_lines(segments)))
    head, entries, broken = kl.image.head.value_(), [], None
    try:
        for e in kf.ind_entries(head, lambda pa, size: prog.read(pa, size, True)):
            entries.append(e)
    except (kf.DumpError, FaultError) as e:
        broken = e
    s = kf.summarize(entries, segments)
    print("\n".join(kf.ind_list_lines(head, entries, s, kl.image.nr_swaps.value_(),
                                      kl.image.nr_parked.value_(), verbose, broken)))
    if broken:
        raise kf.DumpError(f"kexec-ind: {broken}")
    if s["entries"] > 1 or not head & kf.IND_DONE:
        for line in kf.ind_check_lines(kl.image.nr_source_pages.value_(),
                                       kl.image.nr_ind_pages.value_(), s):
            print(line)


USAGE = """usage: drgn -c VMCORE -s KERNEL.ELF tools/drgn/kernel_drgn.py COMMAND
  dmesg [-l]              the log ring, panic last (-l: with levels)
  memmap [e820|iomem]     the firmware memory map and the iomem tree
  regs                    each CPU's registers at the crash
  bt [CPU]                the stack trace of CPU (default: the one that panicked)
  kexec-ind [-v] [crash]  a loaded kexec image and its IND list, as kexec -s [-v]"""


def main(prog, args):
    """The script's commands; returns an exit status."""
    cmd, rest = (args[0], args[1:]) if args else ("help", [])
    try:
        if cmd == "dmesg" and rest in ([], ["-l"]):
            print_dmesg(prog, levels=bool(rest))
        elif cmd == "memmap" and rest in ([], ["e820"], ["iomem"]):
            print_memmap(prog, rest[0] if rest else "both")
        elif cmd == "regs" and not rest:
            print_regs(prog)
        elif cmd == "bt" and len(rest) <= 1 and all(r.isdigit() for r in rest):
            cpu = int(rest[0]) if rest else crashed_cpu(prog)
            print(f"CPU {cpu}:")
            print(cpu_stack_trace(prog, cpu))
        elif cmd == "kexec-ind" and set(rest) <= {"-v", "crash"}:
            print_kexec_ind(prog, crash="crash" in rest, verbose="-v" in rest)
        else:
            print(USAGE, file=sys.stderr)
            return 0 if cmd in ("help", "-h", "--help") else 2
    except (kf.DumpError, FaultError) as e:
        print(f"kernel_drgn: error: {cmd}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(globals()["prog"], sys.argv[1:]))
