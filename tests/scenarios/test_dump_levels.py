"""Dump levels: one crash of a 512 MiB guest whose free frames hold data
(memtest fills and frees them all), saved by the capture kernel at levels
0, 1, 16, 17 and 31 one after the other; each filtered vmcore leaves out
exactly the free frames and zero pages of the full one, keeps every other
byte, and still gives gdb the canary and the backtrace.  A damaged frame
bitmap is not believed: every page is kept and the log says why.  Bad
levels are refused, at boot and at the prompt."""

import re
import subprocess

from checks import check
from dump_reference import compare, free_frames, ram_loads
from guest import STAMP
from guest.elf import Vmcore
from guest.kdump import capture

CANARY = 0x6c6576656c73ff42
LEVELS = [0, 1, 16, 17, 31]
R16 = r"\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)"


def gdb(build, core):
    r = subprocess.run(["gdb", "-nx", "-batch", "-ex", "echo @@@\\n", "-ex", "bt",
                        "-ex", "print/x crash_canary", str(build.kernel_elf), str(core)],
                       capture_output=True, text=True, timeout=120)
    return r.stdout.split("@@@\n", 1)[-1] + r.stderr


def test_each_level_leaves_out_exactly_its_classes_512M(build, tmp_path):
    cap = capture(build, mem="512M", crashkernel="64M", trigger="null",
                  before=["memtest", f"canary {CANARY:#x}"], saves=LEVELS, save_dir=tmp_path,
                  after=["vmcore save -d 32", "vmcore save -d x"])
    m = cap.machine
    check("dump level 32 is above 31" in cap.outputs["vmcore save -d 32"] and
          "'x' is not a number" in cap.outputs["vmcore save -d x"],
          f"bad levels not refused: {cap.outputs}", m)
    with Vmcore(cap.saves[0].path) as full:
        free = free_frames(full)
        check(len(free) > 100000, f"only {len(free)} free frames in the dead bitmap after "
              "memtest freed the RAM", m)
        check(not full.keys("DUMPINFO"), "a level 0 dump carries a DUMPINFO note", m)
        print(f"\n    level  size (bytes)  save (ms)  PT_LOADs  left out: free  zero")
        for level in LEVELS:
            s = cap.saves[level]
            with Vmcore(s.path) as dump:
                errors, counts = compare(full, dump, level, free) if level else ([], {})
                info = dump.keys("DUMPINFO")
                print(f"    {level:5}  {s.size:12}  {s.ms:9}  {len(dump.loads):8}  "
                      f"{info.get('EXCLUDED(free)', 0):>14}  {info.get('EXCLUDED(zero)', 0):>4}")
                check(not errors, f"level {level}: " + "; ".join(errors), m)
                if level:
                    check(int(info["EXCLUDED(free)"]) == counts["free"] and
                          int(info["EXCLUDED(zero)"]) == counts["zero"] and
                          info["FREE_FRAMES"] == ("checked" if level & 16 else "not-asked")
                          and int(info["DUMP_LEVEL"]) == level,
                          f"level {level}: DUMPINFO {info} != counted {counts}", m)
                    check(re.search(rf"vmcore: dump level {level} \(.*\): {counts['free']} free "
                                    rf"frames \(.*\) and {counts['zero']} zero pages", s.lines),
                          f"level {level}: no 'left out' line with the counts:\n{s.lines}", m)
            out = gdb(build, s.path)
            check(f"{CANARY:#x}" in out and "crash_null" in out and "??" not in out,
                  f"level {level}: gdb lacks the canary or the backtrace:\n{out}", m)
    # Left out means smaller: free frames are most of RAM after memtest.
    sizes = {level: cap.saves[level].size for level in LEVELS}
    check(sizes[16] * 20 < sizes[0] and sizes[17] <= sizes[16] and sizes[31] == sizes[17],
          f"sizes by level {sizes}", m)


def test_a_damaged_bitmap_keeps_every_page(build, tmp_path):
    """crash bitmap clears the allocator's bits for the first 64 MiB, then
    panics: the default level must keep every page, and say why."""
    core = tmp_path / "vmcore"
    cap = capture(build, mem="256M", crashkernel="32M", trigger="bitmap", before=["memtest"],
                  vmcore=core)
    capture_log = cap.log[cap.log.index("purgatory: sha256 ok"):]
    check(re.search(r"vmcore: warning: the dead kernel's frame bitmap does not validate: "
                    r".*; free frames kept", capture_log),
          "no warning that the bitmap does not validate", cap.machine)
    check("vmcore: dump level 16 leaves nothing out: saving every page" in capture_log,
          "the damaged bitmap's dump was not saved whole", cap.machine)
    first = cap.crashed_log
    ram = [(int(a, 16), int(b, 16)) for a, b in
           re.findall(rf"^{STAMP}e820: {R16} usable", first, re.M)]
    win = tuple(int(x, 16) for x in re.search(rf"crashkernel: reserved {R16}", first).groups())
    # Also left out: the page below 1 MiB given to the capture kernel for
    # its trampoline (crash/crash_load.c).
    low = tuple(int(x, 16) for x in re.search(
        rf"pmm: {R16} 4 KiB below 1 MiB kept for a real-mode trampoline", first).groups())
    want = sorted((a, b) for s, e in ram for c, d in ((s, min(e, win[0])), (max(s, win[1]), e))
                  for a, b in ((c, min(d, low[0])), (max(c, low[1]), d)) if a < b)
    with Vmcore(core) as dump:
        got = [(p, p + size) for p, size, _ in ram_loads(dump)]
        check(got == want, f"RAM PT_LOADs {got} != all RAM but the window and the trampoline "
              f"page {want}", cap.machine)
        check(not dump.keys("DUMPINFO"), "a whole dump carries a DUMPINFO note", cap.machine)


def test_a_bad_vmcore_dump_level_is_refused_at_boot(machine):
    with machine(mem="128M", cmdline="vmcore_dump_level=99") as m:
        m.wait_prompt()
        check(re.search(r"cmdline: error: 'vmcore_dump_level=99' ignored: the form is "
                        r"vmcore_dump_level=0\.\.31", m.output),
              "vmcore_dump_level=99 not refused at boot", m)
