#!/usr/bin/python3
"""`make vmcore`: the whole kdump story in one command.

Boots the ISO in QEMU (TCG) with crashkernel= and a dump disk, writes a
canary value, loads the capture kernel with `kexec -p`, crashes the kernel
with `crash TRIGGER`, lets the capture kernel save the vmcore to the disk
and power off, cuts BUILD/vmcore out of the disk, and shows what gdb sees:
the backtrace of the crashing CPU and the canary.  The flow is
guest.kdump.capture(); this script says what happens at each stage.
Usage: tools/make_vmcore.py [--build DIR] [--mem 512M] [--trigger null]
       [--crashkernel 64M] [--dump-level N] [--smp N] [--on CPU] [--disk IMG]
The dump disk is a scratch image, BUILD/vmcore-disk.img, removed after the
vmcore is cut out of it: an image of the user's (build/dump.img of the
by-hand steps) is never touched unless named with --disk, and then kept.
With --smp N the guest has N CPUs and gdb shows each as a thread
(`info threads`, `thread apply all bt`); --on CPU crashes that CPU.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import guest
from guest.elf import describe_extract

CANARY = 0x6b64756d70636e79     # "kdumpcny"
TRIGGERS = ["panic", "null", "gpf", "ud", "div0", "stackoverflow", "doublefault", "nmi",
            "lockup", "hardlockup", "twopanic", "bitmap"]


def say(text):
    print(f"make vmcore: {text}", flush=True)


def narrate(args):
    """The progress callback of guest.kdump.capture: a line per stage."""
    def progress(stage, m, cap):
        if stage == "booted":
            say(f"booted ({args.mem}); {m.run('canary ' + hex(CANARY)).strip()}")
        elif stage == "loaded":
            out = cap.outputs[next(c for c in cap.outputs if c.startswith("kexec -p"))]
            say("capture kernel loaded: " + guest.strip_stamp(out.strip().splitlines()[-1]))
        elif stage == "crashing":
            say(("" if args.on is None else f"on {args.on} ") + f"crash {args.trigger}")
    return progress


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--trigger", default="null", choices=TRIGGERS)
    ap.add_argument("--crashkernel", default="64M")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--on", type=int, default=None)
    ap.add_argument("--disk", default=None,
                    help="dump disk image to use and keep (default: BUILD/vmcore-disk.img, "
                         "a scratch image removed afterwards)")
    ap.add_argument("--dump-level", default=None,
                    help="the capture kernel's vmcore_dump_level= (default: its own, 16)")
    args = ap.parse_args()
    build = Path(args.build)
    disk = Path(args.disk) if args.disk else build / "vmcore-disk.img"
    vmcore = build / "vmcore"
    machines = guest.Build(build)
    try:
        cap = guest.kdump.capture(machines, mem=args.mem, crashkernel=args.crashkernel,
                                  trigger=args.trigger, disk=disk, vmcore=vmcore,
                                  keep_disk=args.disk is not None,
                                  dump_level=args.dump_level or None, progress=narrate(args),
                                  smp=args.smp, on=args.on)
    except (guest.GuestError, guest.BuildMissing, guest.IsoError, ValueError, OSError) as e:
        sys.exit(f"make vmcore: error: {e}")
    finally:
        machines.close_machines()
    say(f"{cap.saved_line} ({cap.seconds('crash', 'saved'):.1f} s from the crash); "
        f"QEMU exited ({cap.exit_status})")
    print(describe_extract(disk, vmcore, cap.vmcore_size))
    cmds = ["bt", "print/x crash_canary"] + (["info threads", "thread apply all bt"]
                                             if args.smp > 1 else [])
    say("gdb -batch " + " ".join(f"-ex '{c}'" for c in cmds) + f" {build}/kernel.elf {vmcore}")
    gdb = subprocess.run(["gdb", "-batch"] + [a for c in cmds for a in ("-ex", c)] +
                         [str(build / "kernel.elf"), str(vmcore)],
                         capture_output=True, text=True, timeout=120)
    print(gdb.stdout.rstrip())
    if gdb.returncode:
        sys.exit(f"make vmcore: error: gdb failed:\n{gdb.stderr}")


if __name__ == "__main__":
    main()
