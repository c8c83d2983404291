#!/usr/bin/python3
"""Benchmark kdump for Linux: Debian's 6.1 kernel crashes (sysrq-c) and a
capture kernel saves its vmcore to a virtio disk, once with our bzImage as
the capture kernel, once with Linux's own; for each, and for each syscall
(kexec_load, kexec_file_load), the smallest crashkernel= that still
captures and the host time from the panic line to "vmcore saved".

Usage: tools/bench_linux.py [--build DIR] [--runs 2] [--tries 2]
       [--no-linux-smallest]
Run by `make bench`.  Figures, not a test.  Slow: Linux's own smallest
window is bisected over 64-96 MiB (about 10 minutes); --no-linux-smallest
prints the figure measured once instead (tools/linux-guest/README.md).
"""
import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import guest
from guest import linux
from guest.kdump import new_disk

sys.path.insert(0, str(guest.ROOT / "tools" / "linux-guest"))
import linux_kdump_baseline as baseline   # noqa: E402  (Linux's own kdump)

OURS = ["1M", "1536K", "2M", "2560K", "3M", "3584K", "4M", "6M", "8M", "16M"]
NAMES = {"load": "kexec_load", "file": "kexec_file_load"}
LINUX_MEASURED = {"load": "77M", "file": "78M"}    # tools/linux-guest/README.md


def dump_disk(tmp):
    path = new_disk(tmp, 640 << 20)
    return path, ["-drive", f"file={path},format=raw,if=none,id=dump",
                  "-device", "virtio-blk-pci,drive=dump,serial=dump"]


def ours_once(build, syscall, window, tmp):
    """Seconds from the panic to our capture kernel's 'vmcore: saved', or None."""
    disk, args = dump_disk(tmp)
    try:
        return linux.crash_into_ours(build, syscall, window, args).panic_to_saved
    except guest.GuestError:
        return None
    finally:
        disk.unlink()


def ours_smallest(build, syscall, tries, tmp):
    """The first window of OURS with which `tries` captures in a row save."""
    for window in OURS:
        if all(ours_once(build, syscall, window, tmp) is not None for _ in range(tries)):
            return window, OURS[:OURS.index(window) + 1]
    return None, OURS


def linux_timed(kit, first, syscall, runs, tmp):
    """Linux's own capture: seconds from the panic to its /init's 'vmcore saved'."""
    times = []
    for _ in range(runs):
        disk = new_disk(tmp, 640 << 20)
        try:
            r = baseline.one_crash(kit, first, syscall, "96M", dump=disk)
        finally:
            disk.unlink()
        if r["ok"] and "panic_to_saved" in r:
            times.append(r["panic_to_saved"])
    return times


def median(times):
    return f"{statistics.median(times):5.1f} s (median of {len(times)})" if times else "failed"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--runs", type=int, default=2, help="timed captures per row (median)")
    ap.add_argument("--tries", type=int, default=2, help="captures in a row a window must pass")
    ap.add_argument("--no-linux-smallest", action="store_true")
    args = ap.parse_args()
    build = guest.Build(args.build)
    kit = linux.kit(build)
    with tempfile.TemporaryDirectory(dir=build.dir) as tmp:
        tmp = Path(tmp)
        first, _ = baseline.build_images(kit, tmp)
        print(f"bench: Linux {kit.release} dies by sysrq-c, QEMU TCG, 512M, 1 CPU; the capture "
              "kernel saves /proc/vmcore's bytes to a virtio disk", flush=True)
        print(f"  {'capture kernel':<22} {'syscall':<16} {'smallest crashkernel=':<24} "
              "panic -> vmcore saved", flush=True)
        for sc in ("load", "file"):
            window, tried = ours_smallest(build, sc, args.tries, tmp)
            times = [t for t in (ours_once(build, sc, "4M", tmp) for _ in range(args.runs)) if t]
            print(f"  {'ours (build/bzImage)':<22} {NAMES[sc]:<16} {window or 'none':<24} "
                  f"{median(times)} at 4M   (tried {', '.join(tried)}; {args.tries} in a row)",
                  flush=True)
        for sc in ("load", "file"):
            if args.no_linux_smallest:
                smallest = f"{LINUX_MEASURED[sc]} (measured before)"
            else:
                mib, _ = baseline.smallest(kit, first, sc, "512M", 64, 96, tmp, tries=1)
                smallest = f"{mib}M (bisected 64-96M)"
            times = linux_timed(kit, first, sc, args.runs, tmp)
            print(f"  {'Linux 6.1 (its own)':<22} {NAMES[sc]:<16} {smallest:<24} "
                  f"{median(times)} at 96M", flush=True)


if __name__ == "__main__":
    main()
