"""Boot limits degrade instead of panicking: 20 GRUB modules (the table
holds 16) and a 4 KiB command line (2047 bytes kept) boot to the prompt
with a warning saying what was dropped or cut, never a panic blaming the
loader.  The ISOs are made at test time (tools/guest/iso.py modules=)."""

import re

import pytest
from checks import check
from guest import STAMP, build_iso


def test_20_modules_boot_with_a_warning(build, machine, tmp_path):
    mods = []
    for i in range(18):                       # + kernel.elf and mini32.elf = 20
        f = tmp_path / f"extra{i:02d}"
        f.write_bytes(bytes([i]) * (4096 + i))
        mods.append((f, f"extra{i:02d}"))
    iso = build_iso(build, "", modules=mods)
    with machine(mem="256M", iso=iso) as m:
        m.wait_prompt()
        check(re.search(rf"^{STAMP}boot: warning: 4 boot modules past the first 16 dropped, "
                        r"from 'extra14' on: not reserved, not loadable by kexec$", m.output, re.M),
              "no warning naming the dropped modules", m)
        m.expect_not(r"is malformed|Kernel panic")
        out = m.run("modules")
        check(len(re.findall(r"^\d+: \[", out, re.M)) == 16 and "'extra13'" in out
              and "extra14" not in out, f"modules should list the first 16:\n{out}", m)
        check("loaded" in m.run("kexec -l /boot/mini32.elf --module=extra13"),
              "a kept module cannot be passed on by kexec", m)
        out = m.run("kexec -l /boot/mini32.elf --module=extra15")
        check("no boot module named 'extra15'" in out, f"a dropped module was found:\n{out}", m)


def test_a_4k_command_line_boots_with_a_warning(machine):
    words = [f"pad{i:02d}=" + chr(ord("a") + i % 26) * 100 for i in range(38)]
    cmdline = "loglevel=7 " + " ".join(words) + " last=word"
    check(len(cmdline) > 4000, "the test's command line is not 4 KiB")
    with machine(mem="256M", cmdline=cmdline) as m:
        m.wait_prompt()
        r = re.search(rf"^{STAMP}boot: warning: the command line has (\d+) bytes, more than the "
                      r"2047 kept: cut after (\d+) bytes, (\d+) words dropped$", m.output, re.M)
        check(r, "no warning about the cut command line", m)
        kept = int(r.group(2))
        check(int(r.group(1)) == len(cmdline) and kept <= 2047,
              f"sizes in the warning: {r.group(0)!r}, the line had {len(cmdline)} bytes", m)
        check(cmdline[kept] == " " and int(r.group(3)) == len(cmdline[kept:].split()),
              f"the cut is not at a word boundary or the count is wrong: {r.group(0)!r}", m)
        m.expect_not(r"is malformed|Kernel panic")
        out = m.run("cmdline")
        check("pad00" in out and "last" not in out, f"cmdline after the cut:\n{out}", m)
