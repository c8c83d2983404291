"""crashkernel=: the window is reserved at boot in each of Linux's syntaxes,
shown as "Crash kernel" inside its System RAM in iomem, taken out of the
frame allocator (64 MiB fewer free frames, never handed out even by
memtest), the last occurrence on the command line wins, and an impossible
request is refused with one error line while the boot goes on."""

import re

import pytest
from checks import check
from guest import RANGE, STAMP

MiB = 1 << 20
GiB = 1 << 30

RESERVED = (r"^" + STAMP + r"crashkernel: reserved " + RANGE +
            r" (.+) for the capture kernel$")
ERROR = r"^" + STAMP + r"crashkernel: error: (.+) \((E_[A-Z0-9]+)\); kdump is off$"


def window(m):
    """(start, end, size text) from the milestone line; fails if absent."""
    r = re.search(RESERVED, m.output, re.M)
    check(r, "no 'crashkernel: reserved [...) ... for the capture kernel' line", m)
    check(not re.search(ERROR, m.output, re.M), "a crashkernel error line beside the window", m)
    return int(r.group(1), 16), int(r.group(2), 16), r.group(3)


def check_window(m, size):
    a, b, text = window(m)
    check(b - a == size, f"window [{a:#x}, {b:#x}) is {b - a:#x} bytes, want {size:#x}", m)
    check(a % (2 * MiB) == 0, f"window start {a:#x} is not 2 MiB aligned", m)
    check(b <= 4 * GiB, f"window [{a:#x}, {b:#x}) ends above 4 GiB", m)
    check(text == f"{size // MiB} MiB", f"size shown as {text!r}, want '{size // MiB} MiB'", m)
    return a, b


def iomem_nodes(m):
    """[(depth, start, end, name)] from the iomem command."""
    rx = re.compile(r"^( *)" + RANGE + r" .*?  (\S.*)$")
    nodes = []
    for line in m.run("iomem").strip().split("\n"):
        r = rx.match(line)
        check(r, f"iomem line not in the [start, end) form: {line!r}", m)
        nodes.append((len(r.group(1)) // 2, int(r.group(2), 16), int(r.group(3), 16), r.group(4)))
    return nodes


def frames(m):
    """(free, reserved) frame counts from mem."""
    out = m.run("mem")
    r = re.search(r"(\d+) free .*?(\d+) reserved", out)
    check(r, f"mem shows no free/reserved frame counts: {out!r}", m)
    return int(r.group(1)), int(r.group(2))


@pytest.fixture
def ck64(shared_machine):
    """512 MiB with crashkernel=64M, for the read-only checks of the window."""
    return shared_machine("ck-64M", mem="512M", cmdline="crashkernel=64M")


def test_reserved_64M(ck64):
    m = ck64
    a, b = check_window(m, 64 * MiB)
    # Top-down: nothing but the frame bitmap fits above it in 512 MiB.
    check(b > 448 * MiB, f"window [{a:#x}, {b:#x}) is not at the top of RAM below 4 GiB", m)
    out = m.run("crashkernel")
    check(re.search(r"^request: crashkernel=64M$", out, re.M), f"crashkernel command: {out!r}", m)
    check(re.search(r"^window:  \[0x%016x, 0x%016x\) 64 MiB" % (a, b), out, re.M),
          f"crashkernel command does not show the window: {out!r}", m)


def test_iomem_crash_kernel_nested(ck64):
    m = ck64
    a, b, _ = window(m)
    nodes = iomem_nodes(m)
    crash = [(i, n) for i, n in enumerate(nodes) if n[3] == "Crash kernel"]
    check(len(crash) == 1, f"want one 'Crash kernel' in iomem, got {len(crash)}", m)
    i, (depth, s, e, _) = crash[0]
    check((s, e) == (a, b), f"iomem shows [{s:#x}, {e:#x}), the boot line [{a:#x}, {b:#x})", m)
    parent = [n for n in nodes[:i] if n[0] < depth]
    check(depth == 1 and parent and parent[-1][3] == "System RAM",
          f"'Crash kernel' is not nested directly in System RAM (depth {depth})", m)
    check(parent[-1][1] <= a and b <= parent[-1][2], "'Crash kernel' outside its System RAM", m)


def test_frames_64M_fewer(ck64, machine):
    m = ck64
    free, resv = frames(m)
    # The same command-line length without the key: same MBI, same layout.
    with machine(mem="512M", cmdline="xrashkernel=64M") as base:
        base.wait_prompt()
        check(not re.search(r"crashkernel: reserved", base.output), "window without the key", base)
        free0, resv0 = frames(base)
    check(free0 - free == 64 * MiB // 4096,
          f"{free0} free frames without crashkernel=, {free} with 64M: want 16384 fewer", m)
    check(resv - resv0 == 64 * MiB // 4096,
          f"{resv0} reserved frames without crashkernel=, {resv} with 64M: want 16384 more", m)


def xd16(m, pa):
    out = m.run(f"xd {pa:#x} 16").strip()
    check(re.match(r"[0-9a-f]{16}: ", out), f"xd {pa:#x}: {out!r}", m)
    return out


def test_memtest_leaves_window_alone(ck64):
    m = ck64
    a, b, _ = window(m)
    spots = [a, a + 32 * MiB, b - 16]
    before = [xd16(m, pa) for pa in spots]
    free, _ = frames(m)
    out = m.run("memtest", timeout=300)
    last = out.strip().split("\n")[-1]
    r = re.fullmatch(r"memtest: ok: (\d+) frames \(.+\) tested, \d+ above 4 GiB, "
                     r"free count restored \((\d+)\)", last)
    check(r, f"memtest's last line is not the ok line: {last!r}", m)
    check(int(r.group(1)) == free, f"memtest tested {r.group(1)} frames, {free} were free", m)
    after = [xd16(m, pa) for pa in spots]
    check(before == after,
          f"the window changed during memtest (handed out?):\n{before}\n{after}", m)


def test_ranges_512M(machine):
    with machine(mem="512M", cmdline="crashkernel=512M-2G:64M,2G-:128M") as m:
        m.wait_prompt()
        check_window(m, 64 * MiB)
        out = m.run("crashkernel")
        check(re.search(r"^ranges:  2; range 1 matches 512 MiB of RAM", out, re.M),
              f"crashkernel command should name range 1: {out!r}", m)


def test_ranges_2G(machine):
    # 2 GiB of RAM is not below the first range's END (exclusive): range 2.
    with machine(mem="2G", cmdline="crashkernel=512M-2G:64M,2G-:128M") as m:
        m.wait_prompt()
        check_window(m, 128 * MiB)


def test_ranges_no_match_256M(machine):
    with machine(mem="256M", cmdline="crashkernel=512M-2G:64M,2G-:128M") as m:
        m.wait_prompt()
        check(re.search(r"^" + STAMP + r"crashkernel: no window: no range matches 256 MiB of RAM; "
                        r"kdump is off$", m.output, re.M), "no 'crashkernel: no window' line", m)
        check(not re.search(RESERVED, m.output, re.M),
              "a window reserved though no range matches", m)
        check(not re.search(ERROR, m.output, re.M), "no match is not an error", m)


def test_ranges_with_offset(machine):
    with machine(mem="512M", cmdline="crashkernel=256M-1G:32M@64M") as m:
        m.wait_prompt()
        a, b = check_window(m, 32 * MiB)
        check(a == 64 * MiB, f"window at {a:#x}, @64M asked for 0x4000000", m)


def test_last_occurrence_wins(machine):
    with machine(mem="512M", cmdline="crashkernel=32M crashkernel=48M") as m:
        m.wait_prompt()
        check_window(m, 48 * MiB)
        check(len(re.findall(RESERVED, m.output, re.M)) == 1, "more than one window reserved", m)


def check_refused(machine, cmdline, err, why):
    with machine(mem="512M", cmdline=cmdline) as m:
        m.wait_prompt()
        errors = re.findall(ERROR, m.output, re.M)
        check(len(errors) == 1, f"want one crashkernel error line, got {errors}", m)
        check(errors[0][1] == err and re.search(why, errors[0][0]),
              f"error line {errors[0]} should say /{why}/ ({err})", m)
        check(not re.search(RESERVED, m.output, re.M), "a window reserved anyway", m)
        check(re.search(r"^" + STAMP + r"boot: ready in", m.output, re.M), "boot did not finish", m)
        check(not any(n[3] == "Crash kernel" for n in iomem_nodes(m)), "iomem shows a window", m)
        check(m.run("echo alive").strip() == "alive", "the shell does not answer", m)


def test_too_big_refused(machine):
    check_refused(machine, "crashkernel=600M", "E_NOSPC", r"^no room for 600 MiB: the largest .* is ")


def test_misaligned_offset_refused(machine):
    check_refused(machine, "crashkernel=64M@0x1000", "E_ALIGN",
                  r"^the offset 0x1000 is not a multiple of 2 MiB$")


def test_malformed_refused(machine):
    check_refused(machine, "crashkernel=512M-256M:64M", "E_INVAL",
                  r"the end 256 MiB is not above the start 512 MiB")
