#!/usr/bin/python3
"""`make demo`: the whole story with narration, for a learner watching.

  1. boot the ISO in QEMU (TCG) with crashkernel= and a dump disk
  2. the memory map and the crash kernel window, as the kernel sees them
  3. kexec -p: the capture kernel loaded into the window
  4. a canary written, then a crash
  5. the capture kernel boots inside the window and saves the vmcore
  6. on the host: the inspector's info and dmesg, gdb's backtrace, and the
     memory picture
The guest's part is guest.kdump.capture(); this script narrates its stages,
each shown once its lines are complete.
Usage: tools/demo.py [--build DIR] [--mem 512M] [--trigger null]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import guest
from guest.elf import describe_extract, extract_vmcore

CANARY = 0xdec0de5afe
STEP = [0]


def step(title):
    STEP[0] += 1
    print(f"\n=== {STEP[0]}. {title}", flush=True)


def show(text, pattern=None, limit=40):
    lines = [guest.strip_stamp(l) for l in text.replace("\r", "").split("\n")]
    if pattern:
        lines = [l for l in lines if re.search(pattern, l)]
    for l in [l for l in lines if l.strip()][:limit]:
        print("    " + l)
    sys.stdout.flush()


def narrate(args):
    """The progress callback of guest.kdump.capture: the guest's part of the story."""
    def progress(stage, m, cap):
        if stage == "booted":
            step(f"Boot: GRUB loads kernel.elf (multiboot2) into a {args.mem} QEMU guest")
            show(m.output, r"^(kexec-kernel|boot: (loaded|generation|ready))")
            step("The memory map from the firmware, and the window crashkernel= reserved")
            show(m.output, r"^(e820:|crashkernel:)")
            show(m.run("iomem"), r"System RAM|Crash kernel|Kernel code|kernel\.elf")
        elif stage == "loaded":
            step("kexec -p: the capture kernel goes into the window now, not at the crash")
            show(cap.outputs[guest.kdump.LOAD.format(append=guest.kdump.AUTOSAVE)])
            step("A canary: a known value in a named global, to find in the dump later")
            show(m.run(f"canary {CANARY:#x}"))
        elif stage == "crashing":
            step(f"crash {args.trigger}: the kernel dies")
        elif stage == "purgatory":
            show(m.output[cap.crash_at:m.pos], r"^(traps:|RIP:|Kernel panic|kdump:|purgatory:)")
            step("The capture kernel boots inside the window and saves the old memory")
        elif stage == "exited":
            tail = m.output[m.output.index("purgatory: sha256 ok"):]
            show(tail, r"^(boot: (loaded|generation|cmdline|ready)|e820: .*usable|vmcore:|virtio_blk:)")
    return progress


def host_story(args, disk):
    build = Path(args.build)
    vmcore = build / "vmcore"
    step("On the host: cut the vmcore out of the dump disk")
    show(describe_extract(disk, vmcore, extract_vmcore(disk, vmcore)))
    inspect = build / "tools" / "vmcore-inspect"
    if inspect.exists():
        step("vmcore-inspect info: notes, registers, VMCOREINFO, RAM ranges")
        show(subprocess.run([str(inspect), "info", str(vmcore), str(build / "kernel.elf")],
                            capture_output=True, text=True).stdout, limit=45)
        step("vmcore-inspect dmesg: the dead kernel's log, the panic last")
        out = subprocess.run([str(inspect), "dmesg", str(vmcore)], capture_output=True,
                             text=True).stdout.rstrip().split("\n")
        show("\n".join(out[-12:]))
        step("vmcore-inspect memmap: a picture of physical memory")
        svg = build / "memmap.svg"
        show(subprocess.run([str(inspect), "memmap", str(vmcore), "-o", str(svg)],
                            capture_output=True, text=True).stdout)
    else:
        print("    (build/tools/vmcore-inspect is not built: skipping the inspector)")
    step(f"gdb {build}/kernel.elf {vmcore}: the crashing CPU's backtrace")
    gdb = subprocess.run(["gdb", "-batch", "-ex", "bt", "-ex", "print/x crash_canary",
                          str(build / "kernel.elf"), str(vmcore)], capture_output=True,
                         text=True, timeout=120)
    show(gdb.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--trigger", default="null")
    ap.add_argument("--crashkernel", default="64M")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="demo-") as tmp:
        disk = Path(tmp) / "dump.img"
        build = guest.Build(args.build)
        try:
            guest.kdump.capture(build, mem=args.mem, crashkernel=args.crashkernel,
                                trigger=args.trigger, disk=disk, keep_disk=True,
                                progress=narrate(args))
            host_story(args, disk)
        except (guest.GuestError, guest.BuildMissing, guest.IsoError, ValueError, OSError) as e:
            sys.exit(f"make demo: error: {e}")
        finally:
            build.close_machines()
    print(f"\nmake demo: done.  Try: gdb {args.build}/kernel.elf {args.build}/vmcore   "
          "(then bt, info registers, print crash_canary)")


if __name__ == "__main__":
    main()
