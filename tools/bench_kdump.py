#!/usr/bin/env python3
"""Benchmark kdump: for each guest size, the time from the panic to the
capture kernel's prompt-ready line, the vmcore write throughput the capture
kernel measured, and panic -> vmcore saved in total; then the smallest
crashkernel= window with which a capture still completes.

Host times are taken when the lines arrive on the serial port (QEMU, TCG).
Usage: tools/bench_kdump.py [--build DIR] [--mem 512M,2G] [--no-smallest]
Run by `make bench`.  Figures, not a test: nothing here passes or fails.
"""
import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from guest import GuestError as TestFailure, Machine

WINDOWS = ["1M", "1280K", "1536K", "1792K", "2M", "3M", "4M", "6M", "8M", "16M", "32M", "64M"]


def mem_bytes(mem):
    return int(mem[:-1]) << {"M": 20, "G": 30}[mem[-1].upper()]


def one_capture(build, mem, window):
    """Crash once; return (panic->ready s, panic->saved s, MB/s) or None."""
    with tempfile.NamedTemporaryFile(prefix="bench-dump-", suffix=".img") as disk:
        disk.truncate(mem_bytes(mem) + (64 << 20))
        extra = ["-drive", f"file={disk.name},format=raw,if=none,id=dump",
                 "-device", "virtio-blk-pci,drive=dump"]
        with Machine(mem=mem, cmdline=f"crashkernel={window}", build=build, extra_args=extra,
                     lifetime=900) as m:
            m.wait_prompt()
            out = m.run("kexec -p /boot/kernel.elf --append=vmcore_autosave=poweroff")
            if "kexec: loaded" not in out:
                return None
            m.send("crash panic\r")
            m.expect(r"Kernel panic - not syncing", timeout=60)
            t0 = time.monotonic()
            try:
                m.expect(r"boot: ready in", timeout=120)
                ready = time.monotonic() - t0
                saved = m.expect(r"vmcore: saved .* \((\d+) MB/s\)", timeout=900)
                total = time.monotonic() - t0
            except TestFailure:
                return None
            return ready, total, int(saved.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--mem", default="512M,2G")
    ap.add_argument("--no-smallest", action="store_true")
    args = ap.parse_args()
    print("bench: kdump, QEMU TCG, crashkernel=64M, trigger 'crash panic'")
    print(f"  {'guest':<6} {'panic -> capture ready':>24} {'write MB/s':>11} "
          f"{'panic -> vmcore saved':>23}")
    for mem in args.mem.split(","):
        r = one_capture(args.build, mem, "64M")
        if r is None:
            print(f"  {mem:<6} capture failed")
            continue
        print(f"  {mem:<6} {r[0] * 1000:>21.0f} ms {r[2]:>11} {r[1]:>21.1f} s")
    print("  (the issue's Linux 6.1 figures in this QEMU: about 3.2 s panic -> capture kernel "
          "ready, 118 MB/s with dd, 17.4 s for a 2 GiB guest)")
    if args.no_smallest:
        return
    mem = args.mem.split(",")[0]
    for size in WINDOWS:
        if one_capture(args.build, mem, size):
            tried = ", ".join(WINDOWS[:WINDOWS.index(size) + 1])
            print(f"  smallest crashkernel= that captures a {mem} guest: {size} "
                  f"(tried {tried}; Linux 6.1 needs 80 MiB in this QEMU)")
            return
    print(f"  no window up to {WINDOWS[-1]} captured a {mem} guest")


if __name__ == "__main__":
    main()
