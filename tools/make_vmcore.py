#!/usr/bin/env python3
"""`make vmcore`: the whole kdump story in one command.

Boots the ISO in QEMU (TCG) with crashkernel= and a dump disk, writes a
canary value, loads the capture kernel with `kexec -p`, crashes the kernel
with `crash TRIGGER`, lets the capture kernel save the vmcore to the disk
and power off, cuts BUILD/vmcore out of the disk, and shows what gdb sees:
the backtrace of the crashing CPU and the canary.
Usage: tools/make_vmcore.py [--build DIR] [--mem 512M] [--trigger null]
       [--crashkernel 64M]
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from guest import GuestError as TestFailure, Machine

CANARY = 0x6b64756d70636e79     # "kdumpcny"
TRIGGERS = ["panic", "null", "gpf", "ud", "div0", "stackoverflow", "doublefault", "nmi",
            "lockup"]


def say(text):
    print(f"make vmcore: {text}", flush=True)


def mem_bytes(mem):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(mem[:-1]) * units[mem[-1].upper()] if mem[-1].upper() in units else int(mem)


def capture(args, build, disk):
    extra = ["-drive", f"file={disk},format=raw,if=none,id=dump",
             "-device", "virtio-blk-pci,drive=dump"]
    with Machine(mem=args.mem, cmdline=f"crashkernel={args.crashkernel}", build=build,
                 extra_args=extra, lifetime=900) as m:
        m.wait_prompt()
        say(f"booted ({args.mem}); {m.run('canary ' + hex(CANARY)).strip()}")
        out = m.run("kexec -p /boot/kernel.elf --append=vmcore_autosave=poweroff", timeout=60)
        say("capture kernel loaded: " + out.strip().splitlines()[-1].split("] ")[-1])
        say(f"crash {args.trigger}")
        t0 = time.monotonic()
        m.send(f"crash {args.trigger}\r")
        m.expect(r"Kernel panic - not syncing: (.*)", timeout=60)
        m.expect(r"purgatory: sha256 ok", timeout=60)
        m.expect(r"vmcore: capture kernel:.*", timeout=120)
        saved = m.expect(r"vmcore: saved .* MB/s\)", timeout=600).group(0)
        status = m.wait_exit(120)
        say(f"{saved} ({time.monotonic() - t0:.1f} s from the crash); QEMU exited ({status})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--trigger", default="null", choices=TRIGGERS)
    ap.add_argument("--crashkernel", default="64M")
    args = ap.parse_args()
    build = Path(args.build)
    disk, vmcore = build / "dump.img", build / "vmcore"
    with open(disk, "wb") as f:          # sparse: as big as RAM plus room for headers
        f.truncate(mem_bytes(args.mem) + (64 << 20))
    try:
        capture(args, str(build), disk)
    except TestFailure as e:
        sys.exit(f"make vmcore: error: {e}")
    subprocess.run([sys.executable, str(ROOT / "tools" / "vmcore_extract.py"), str(disk),
                    str(vmcore)], check=True)
    os.unlink(disk)
    say(f"gdb -batch -ex bt -ex 'print/x crash_canary' {build}/kernel.elf {vmcore}")
    gdb = subprocess.run(["gdb", "-batch", "-ex", "bt", "-ex", "print/x crash_canary",
                          str(build / "kernel.elf"), str(vmcore)],
                         capture_output=True, text=True, timeout=120)
    print(gdb.stdout.rstrip())
    if gdb.returncode:
        sys.exit(f"make vmcore: error: gdb failed:\n{gdb.stderr}")


if __name__ == "__main__":
    main()
