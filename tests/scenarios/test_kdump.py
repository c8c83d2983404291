"""kdump end to end: crashkernel= reserves a window, kexec -p loads the
capture kernel into it, a crash boots the capture kernel, which saves the
vmcore to a virtio disk; on the host readelf and gdb open it, its bytes
equal the old memory, and bad inputs get clear errors."""

import re
import subprocess

import pytest
from checks import check
from guest import STAMP
from guest.elf import program_headers
from guest.kdump import capture, disk_args, new_disk

R16 = r"\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)"


DIRECT_MAP, KERNEL_IMAGE = 0xffff888000000000, 0xffffffff80000000


def ram_loads(path):
    """The vmcore's PT_LOADs of RAM (those at direct-map addresses)."""
    return [p for p in program_headers(path)
            if p.p_type == "PT_LOAD" and DIRECT_MAP <= p.p_vaddr < KERNEL_IMAGE]


def gdb(build, vmcore, *cmds):
    args = ["gdb", "-batch"] + [a for c in cmds for a in ("-ex", c)]
    return subprocess.run(args + [str(build.kernel_elf), str(vmcore)], capture_output=True,
                          text=True, timeout=120).stdout


def test_vmcore_opens_in_readelf_and_gdb(build, vmcore):
    # 0x8000 is low memory the first kernel never touches: the vmcore must
    # show the same bytes there (the capture kernel keeps out of it too).
    core, log = vmcore.path, vmcore.log
    re_out = subprocess.run(["readelf", "-h", "-l", "-n", str(core)], capture_output=True,
                            text=True, timeout=60).stdout
    check("CORE (Core file)" in re_out and "X86-64" in re_out, re_out[:600])
    check(re_out.count("NOTE ") == 1, "not exactly one PT_NOTE")
    check(re_out.count("NT_PRSTATUS") == 1 and "VMCOREINFO" in re_out, re_out[-800:])
    # The PT_LOADs hold RAM of the first kernel outside the window only; at
    # the default dump level its free frames are left out (test_dump_levels
    # checks which pages exactly), so the RAM between the loads is free.
    first = log[:log.index("kdump:")]
    ram = [(int(a, 16), int(b, 16)) for a, b in
           re.findall(rf"^{STAMP}e820: {R16} usable", first, re.M)]
    win = tuple(int(x, 16) for x in re.search(rf"crashkernel: reserved {R16}", first).groups())
    want = []
    for s, e in ram:
        for a, b in ((s, min(e, win[0])), (max(s, win[1]), e)):
            if a < b:
                want.append((a, b))
    got = sorted((p.p_paddr, p.p_paddr + p.p_filesz) for p in ram_loads(core))
    image = [p for p in program_headers(core) if p.p_type == "PT_LOAD" and p.p_vaddr >= KERNEL_IMAGE]
    # From kernel.elf's loaded ELF header on (its PT_LOAD at file offset 0,
    # after the head page: linker.ld), where elfutils looks for the kernel.
    headers = [p.p_vaddr for p in program_headers(build.kernel_elf)
               if p.p_type == "PT_LOAD" and p.p_offset == 0]
    check(len(image) == 1 and [image[0].p_vaddr] == headers,
          f"no single PT_LOAD for the kernel image at its link address {headers}")
    outside = [(hex(a), hex(b)) for a, b in got if not any(s <= a and b <= e for s, e in want)]
    check(got and not outside, f"RAM PT_LOADs {outside} are not inside RAM minus the window "
          f"{[(hex(a), hex(b)) for a, b in want]}")
    check(sum(b - a for a, b in got) < sum(b - a for a, b in want) // 4,
          "the default dump level left out less than 3/4 of RAM: free frames kept?")
    low = vmcore.outputs["xd 0x8000 64"]
    seen = bytes(int(b, 16) for line in low.strip().splitlines()
                 for b in line.split(":", 1)[1].split("|")[0].split())
    load0 = next(p for p in ram_loads(core) if p.p_paddr == 0)
    with open(core, "rb") as f:
        f.seek(load0.p_offset + 0x8000)
        check(len(seen) == 64 and f.read(64) == seen,
              "low memory at 0x8000 differs in the vmcore")
    bt = gdb(build, core, "bt", "print/x crash_canary", "info registers rip")
    for fn in ("crash_null", "cmd_crash", "shell_execute", "kmain"):
        check(fn in bt, f"gdb's backtrace lacks {fn}:\n{bt}")
    check(f"{vmcore.canary:#x}" in bt, f"canary not found by gdb:\n{bt}")
    rip = re.search(rf"^{STAMP}RIP: 0008:([0-9a-f]{{16}})", log, re.M).group(1)
    check(re.search(rf"rip\s+0x{rip.lstrip('0')}", bt), f"gdb's rip != panic's {rip}:\n{bt}")


TRIGGERS = ["panic", "null", "gpf", "ud", "div0", "stackoverflow", "doublefault", "nmi",
            "lockup"]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_trigger_gives_a_vmcore_gdb_can_read(build, trigger):
    """Each way of dying reaches the capture kernel; the first frames of
    gdb's backtrace, of eu-stack's and of drgn's (through the helper
    module) name the trigger's function."""
    core = build.dir / f"test-vmcore-{trigger}"
    try:
        capture(build, mem="128M", crashkernel="16M", trigger=trigger, vmcore=core)
        bt = gdb(build, core, "bt 6")
        check(f"crash_{trigger}" in bt, f"crash {trigger}: gdb's bt lacks crash_{trigger}:\n{bt}")
        for tool in (["eu-stack", f"--core={core}", "-e", str(build.kernel_elf)],
                     ["/usr/bin/python3", "-m", "drgn", "-c", str(core), "-s",
                      str(build.kernel_elf), "tools/drgn/kernel_drgn.py", "bt"]):
            r = subprocess.run(tool, capture_output=True, text=True, timeout=120,
                               cwd=build.root, stdin=subprocess.DEVNULL)
            head = "\n".join(r.stdout.split("\n")[:8])
            check(re.search(rf"^#[0-3]\s.*\bcrash_{trigger}\b", r.stdout, re.M),
                  f"crash {trigger}: {tool[0]} {tool[-1]}'s first frames lack "
                  f"crash_{trigger}:\n{head}\n{r.stderr[-1000:]}")
    finally:
        core.unlink(missing_ok=True)


def memtest_pattern(pa, q):
    x = ((pa + q * 8) ^ 0x6d656d7465737421) * 0x9e3779b97f4a7c15 % (1 << 64)
    return x ^ (x >> 29)


def test_vmcore_bytes_equal_memory_above_4G(build):
    """memtest leaves a pattern derived from its address in every free frame;
    after the crash each sampled frame must hold it at that address in the
    vmcore, above 4 GiB too."""
    cap = capture(build, mem="6G", trigger="panic", before=["memtest"], dump_level=0,
                  keep_disk=True)
    disk = cap.disk
    try:
        matched = {True: 0, False: 0}
        checked = {True: 0, False: 0}
        with open(disk, "rb") as f:
            for p in ram_loads(disk):
                off, pa, size = p.p_offset, p.p_paddr, p.p_filesz
                for frame in range(0, size // 4096, 257):
                    fpa = pa + frame * 4096
                    f.seek(off + frame * 4096 + 510 * 8)
                    q = int.from_bytes(f.read(8), "little")
                    high = fpa >= 1 << 32
                    checked[high] += 1
                    matched[high] += q == memtest_pattern(fpa, 510)
        print(f"    frames sampled: {checked[True]} above 4 GiB ({matched[True]} match), "
              f"{checked[False]} below ({matched[False]} match)")
        check(checked[True] > 1000 and matched[True] == checked[True],
              f"frames above 4 GiB: {matched[True]}/{checked[True]} hold their pattern")
        check(matched[False] >= 0.99 * checked[False],
              f"frames below 4 GiB: only {matched[False]}/{checked[False]} hold their pattern")
    finally:
        disk.unlink(missing_ok=True)


def test_capture_kernel_refuses_bad_elfcorehdr(machine):
    # Below 1 MiB: readable, never ours to allocate, and no ELF header there.
    with machine(mem="256M", cmdline="elfcorehdr=0x8000") as m:
        m.wait_prompt()
        check(re.search(r"vmcore: error: ELF core header at 0x8000: .*no ELF magic.*; no vmcore",
                        m.output), "no clear error for a header without ELF magic", m)
        out = m.run("vmcore")
        check("vmcore: error: the ELF core header was unusable" in out, out, m)
    # In the RAM the frame allocator hands out: no dead kernel left it there.
    with machine(mem="256M", cmdline="elfcorehdr=0x100000") as m:
        m.wait_prompt()
        check("vmcore: error: elfcorehdr=0x100000 lies in RAM this kernel allocates from"
              in m.output, "a header in our own RAM was not refused", m)
    with machine(mem="256M", cmdline="elfcorehdr=banana") as m:
        m.wait_prompt()
        check("vmcore: error: elfcorehdr=banana is not an address" in m.output,
              "no clear error for a non-address", m)


def test_window_too_small_is_refused_with_the_size(machine):
    with machine(mem="512M", cmdline="crashkernel=512K") as m:
        m.wait_prompt()
        out = m.run("kexec -p /boot/kernel.elf")
        check(re.search(r"kexec: error: '/boot/kernel.elf' needs \d+ KiB at a 2 MiB boundary: "
                        r"the crash window .* is too small", out), f"no size in:\n{out}", m)
        check("no image loaded" in m.run("kexec -s"), "a refused crash load left an image", m)


def test_panic_in_capture_kernel_halts(build, machine):
    disk = new_disk(build.dir, 600 << 20)
    try:
        with machine(mem="512M", cmdline="crashkernel=64M panic=-1",
                           extra_args=disk_args(disk)) as m:
            m.wait_prompt()
            m.run("kexec -p /boot/kernel.elf --append=panic=-1")
            m.send("crash panic\r")
            m.expect(r"purgatory: sha256 ok", timeout=60)
            m.wait_prompt()
            m.send("crash panic\r")
            end = m.expect(r"kdump: panic in the capture kernel: halting, no second dump").end()
            m.expect_not(r"purgatory:|kexec-kernel \d", wait=3, start=end)
            check(m.alive(), "the capture kernel rebooted instead of halting", m)
    finally:
        disk.unlink(missing_ok=True)
