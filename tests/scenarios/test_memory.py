"""Physical memory: the e820 map the kernel prints must be the firmware's
own (SeaBIOS writes it to its debug console, port 0x402), at 128M, 512M and
6G (RAM above 4 GiB); memtest must touch every free frame, including those
above 4 GiB, and give them all back; iomem nests the kernel inside RAM;
xd refuses addresses outside the direct map."""

import re

from checks import check
from guest import PROMPT, RANGE, STAMP, parse_e820_lines

GiB = 1 << 30


def by_size(shared_machine, mem):
    """The shared machine of this size (one boot for its e820 and memtest checks)."""
    return shared_machine(f"mem-{mem}", mem=mem)


def fmt(ranges):
    return "\n".join(f"    [0x{a:016x}, 0x{b:016x}) type {t}" for a, b, t in ranges)


def check_e820(shared_machine, mem):
    m = by_size(shared_machine, mem)
    log = m.output[:m.output.find(PROMPT)]
    kernel = parse_e820_lines(log)
    firmware = m.firmware_e820()
    check(kernel == firmware,
          f"kernel e820 lines differ from SeaBIOS's map\nkernel:\n{fmt(kernel)}\n"
          f"firmware:\n{fmt(firmware)}", m)
    s = re.search(r"^" + STAMP + r"e820: (\d+) ranges, .+ usable, RAM ends at 0x([0-9a-f]+)$", log, re.M)
    check(s, "no 'e820: N ranges, ... RAM ends at' line", m)
    check(int(s.group(1)) == len(firmware), f"summary says {s.group(1)} ranges, firmware has {len(firmware)}", m)
    ram_end = max(b for a, b, t in firmware if t == 1)
    check(int(s.group(2), 16) == ram_end, f"RAM ends at 0x{s.group(2)}, firmware says 0x{ram_end:x}", m)
    # The memmap command prints the same lines again.
    check(parse_e820_lines(m.run("memmap")) == firmware, "memmap output differs from the boot lines", m)


def free_frames(m):
    out = m.run("mem")
    f = re.search(r"(\d+) free", out)
    check(f, f"mem shows no free frame count: {out!r}", m)
    return int(f.group(1))


def check_memtest(shared_machine, mem, want_high):
    m = by_size(shared_machine, mem)
    before = free_frames(m)
    out = m.run("memtest", timeout=300)
    last = out.strip().split("\n")[-1]
    r = re.fullmatch(r"memtest: ok: (\d+) frames \((.+)\) tested, (\d+) above 4 GiB, "
                     r"free count restored \((\d+)\)", last)
    check(r, f"memtest's last line is not the ok line: {last!r}", m)
    tested, high, restored = int(r.group(1)), int(r.group(3)), int(r.group(4))
    check(tested == before, f"memtest tested {tested} frames but {before} were free", m)
    check(restored == before, f"memtest restored {restored} frames, {before} were free", m)
    if want_high:
        check(high > 0, "no frame above 4 GiB was tested", m)
    else:
        check(high == 0, f"{high} frames above 4 GiB tested on a machine without such RAM", m)
    after = free_frames(m)
    check(after == before, f"mem shows {after} free frames after memtest, {before} before", m)


def test_e820_128M(shared_machine):
    check_e820(shared_machine, "128M")


def test_memtest_128M(shared_machine):
    check_memtest(shared_machine, "128M", want_high=False)


def test_e820_512M(shared_machine):
    check_e820(shared_machine, "512M")


def test_memtest_512M(shared_machine):
    check_memtest(shared_machine, "512M", want_high=False)


def test_iomem_nesting(shared_machine):
    m = by_size(shared_machine, "512M")
    out = m.run("iomem")
    rx = re.compile(r"^( *)" + RANGE + r" .*?  (\S.*)$")
    nodes = []        # (depth, start, end, name)
    for line in out.strip().split("\n"):
        r = rx.match(line)
        check(r, f"iomem line not in the [start, end) form: {line!r}", m)
        check(len(r.group(1)) % 2 == 0, f"odd indentation: {line!r}", m)
        nodes.append((len(r.group(1)) // 2, int(r.group(2), 16), int(r.group(3), 16), r.group(4)))
    parents = []
    for depth, a, b, name in nodes:
        check(a < b, f"empty or inverted range for {name}", m)
        check(depth <= len(parents), f"{name} is indented two levels under its parent", m)
        del parents[depth:]
        if parents:
            pa, pb, pname = parents[-1]
            check(pa <= a and b <= pb, f"{name} [{a:#x}, {b:#x}) is not inside {pname}", m)
        parents.append((a, b, name))

    def under(name, parent):
        for i, (d, a, b, n) in enumerate(nodes):
            if n == name:
                up = [x for x in nodes[:i] if x[0] < d]
                return d > 0 and up and up[-1][3] == parent
        return False

    names = [n for _, _, _, n in nodes]
    check("System RAM" in names, "iomem has no System RAM", m)
    check(any(d == 0 and n == "System RAM" for d, _, _, n in nodes), "System RAM is not top level", m)
    check(under("Kernel code", "System RAM"), "Kernel code is not nested in System RAM", m)
    check(under("/boot/kernel.elf", "System RAM"), "the boot module is not nested in System RAM", m)


def test_xd_bad_address(shared_machine):
    m = by_size(shared_machine, "512M")
    out = m.run("xd 0xfffffffffffff000")
    check(re.search(r"^xd: error: .*\(E_[A-Z0-9]+\)$", out, re.M),
          f"xd of an unmapped address should print 'xd: error: ... (E_...)': {out!r}", m)
    check(not re.search(r"(?i)panic|traps: #", out), "xd of a bad address faulted", m)
    out = m.run("xd")
    check(out.strip().startswith("xd: usage: xd "), f"xd without arguments: {out!r}", m)
    out = m.run("xd 0x100000 16")
    check(re.match(r"0000000000100000: ([0-9a-f]{2} +){8} ?([0-9a-f]{2} ?){8}", out.strip()),
          f"xd of a good address after the errors: {out!r}", m)


def test_e820_6G(shared_machine):
    check_e820(shared_machine, "6G")
    fw = by_size(shared_machine, "6G").firmware_e820()
    check(any(t == 1 and b > 4 * GiB for a, b, t in fw), "6G machine has no RAM above 4 GiB",
          by_size(shared_machine, "6G"))


def test_memtest_6G(shared_machine):
    check_memtest(shared_machine, "6G", want_high=True)
