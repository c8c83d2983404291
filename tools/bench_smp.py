#!/usr/bin/python3
"""Benchmark SMP bring-up: boot to the prompt at -smp 1, 2, 4, 8 (QEMU -M
pc, TCG), the kernel's own figures (its "smp: brought up N CPU(s) in M ms"
line and "boot: ready in S s") and the host's (QEMU start to the first
prompt, which includes SeaBIOS and GRUB), as medians of a few rounds; then
the time each added CPU costs.  INIT-SIPI-SIPI waits 10 ms per CPU by the
SDM's timing (Linux skips that wait on modern CPUs), so about 10 ms of each
CPU is the INIT delay, the rest the AP's climb to its idle loop.

Beside it, Linux: Debian 12's kernel from the Linux guest kit
(tools/linux-guest/, fetched from Debian's archive at the first use) at
-smp 8 in the same QEMU, its bring-up read from its own dmesg ("smp:
Bringing up secondary CPUs" to "smp: Brought up 1 node, 8 CPUs").

Usage: tools/bench_smp.py [--build DIR] [--rounds N] [--no-linux].  Run by
`make bench`.  Figures, not a test: nothing here passes or fails.
"""
import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import guest

sys.path.insert(0, str(Path(__file__).resolve().parent / "linux-guest"))

COUNTS = (1, 2, 4, 8)


def one_boot(build, n):
    """(kernel's bring-up ms, kernel's boot-ready ms, host ms to the prompt)."""
    t0 = time.monotonic()
    with guest.Machine(build, mem="512M", smp=n) as m:
        m.wait_prompt(120)
        host = (time.monotonic() - t0) * 1000
        up = re.search(r"smp: brought up \d+ CPU\(s\) in (\d+) ms", m.output)
        ready = re.search(r"boot: ready in (\d+)\.(\d+) s", m.output)
    build.close_machines()
    return (int(up.group(1)) if up else 0,
            int(ready.group(1)) * 1000 + int(ready.group(2)), host)


def linux_bringup(build_dir, n=8):
    """Linux's own bring-up of n CPUs in ms, from its dmesg; or a reason string."""
    try:
        from linux_guest import Kit, KitError
        from linux_vm import Guest, GuestError
    except ImportError as e:
        return f"the Linux guest kit cannot be imported ({e})"
    try:
        kit = Kit(build_dir)
        kit.prepare()
        initrd = kit.dir / "initrd.img"
        if not initrd.exists():
            kit.build_initrd(initrd)
        with Guest(kit.vmlinuz, initrd, smp=n) as g:
            g.wait_marker()
            out, _ = g.run("dmesg | grep -E 'smp: Bringing up|smp: Brought up'")
            g.poweroff()
    except (KitError, GuestError, OSError) as e:
        return f"no Linux guest ({e})"
    t = [float(x) for x in re.findall(r"^\[\s*(\d+\.\d+)\] smp: Br", out, re.M)]
    return (t[1] - t[0]) * 1000 if len(t) == 2 else f"no bring-up lines in Linux's dmesg:\n{out}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-linux", action="store_true")
    args = ap.parse_args()
    build = guest.Build(args.build)
    print(f"bench: SMP bring-up, 512M guest, QEMU -M pc TCG on this host, median of {args.rounds}")
    print(f"  {'-smp':>4} {'bring-up (kernel)':>18} {'boot ready (kernel)':>20} "
          f"{'QEMU start -> prompt':>21}")
    rows = {}
    for n in COUNTS:
        runs = [one_boot(build, n) for _ in range(args.rounds)]
        rows[n] = [statistics.median(col) for col in zip(*runs)]
        up, ready, host = rows[n]
        print(f"  {n:>4} {up:>15.0f} ms {ready:>17.0f} ms {host:>18.0f} ms")
    per_cpu = rows[8][0] / 7
    print(f"  each added CPU: {per_cpu:.1f} ms of bring-up (10 ms of it the INIT delay), "
          f"{(rows[8][1] - rows[1][1]) / 7:.1f} ms of boot-ready time")
    if args.no_linux:
        return
    linux = linux_bringup(build.dir)
    if isinstance(linux, str):
        print(f"  (Linux beside it: skipped, {linux})")
    else:
        print(f"  Linux 6.1 (Debian's) at -smp 8 in the same QEMU: {linux:.0f} ms to bring up 7 "
              f"CPUs, {linux / 7:.0f} ms each (its dmesg)")


if __name__ == "__main__":
    main()
