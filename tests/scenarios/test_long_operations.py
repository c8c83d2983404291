"""Long operations stay live: kexec -l with three 64 MiB modules stages
linearly, shows its progress and never wakes the soft lockup detector,
and its IND list holds every page; memtest of a 6 GiB guest passes while
another QEMU keeps the host busy.  The big ISO is made at test time and
removed after."""

import os
import re

import pytest
from checks import check
from guest import STAMP, build_iso

MiB = 1 << 20


@pytest.mark.timeout(900)
def test_kexec_l_three_64m_modules_without_a_watchdog_report(build, machine, tmp_path):
    # One 64 MiB GRUB module, passed on three times: 192 MiB to stage, but
    # GRUB reads only 64 MiB from the emulated CD (a minute per 192).
    big = tmp_path / "big"
    big.write_bytes(os.urandom(64 * MiB))
    iso = build_iso(build, "", modules=[(big, "big")])
    try:
        with machine(mem="1G", iso=iso, lifetime=800) as m:
            m.wait_prompt(timeout=300)
            out = m.run("kexec -l /boot/kernel.elf --module=big --module=big --module=big",
                        timeout=600)
            check(re.search(r"kexec: loaded '/boot/kernel\.elf': 9 segments", out),
                  f"kexec -l with 3 x 64 MiB modules:\n{out[-2000:]}", m)
            check(re.search(r"kexec: staging 100% \(19\d of 19\d MiB\)", out),
                  f"no staging progress shown:\n{out[-2000:]}", m)
            m.expect_not(r"watchdog: BUG")
            # Every byte staged is the purgatory's business at kexec -e (its
            # SHA-256 of 193 MiB takes long under TCG); the IND list must
            # account for every page of the three modules.
            out = m.run("kexec -s")
            check(len(re.findall(r"\) +64 MiB +module 'big'", out)) == 3,
                  f"kexec -s does not show three 64 MiB modules:\n{out}", m)
            r = re.search(r"IND list: .*: \d+ destinations, (\d+) pages to copy", out)
            check(r and int(r.group(1)) >= 3 * 16384, f"pages to copy:\n{out}", m)
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
        m.expect_not(r"watchdog: BUG")
        busy_runs = len(re.findall(r"memtest: ok", busy.output))
    # It began before the 6 GiB memtest and had not finished its five after.
    check(busy_runs < 5, f"the neighbour finished all {busy_runs} memtests before the 6 GiB "
          "one did: it did not load the host the whole time", busy)
    busy.close()
