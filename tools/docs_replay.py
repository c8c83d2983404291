#!/usr/bin/python3
"""Replay the sessions shown in the docs against the current build.

  tools/docs_replay.py [--build DIR] FILE...          check (make test runs it)
  tools/docs_replay.py [--build DIR] --write FILE...  rewrite from a fresh run (make docs)

Markers, on the line above a ``` block (HTML comments: invisible once rendered):
  <!-- replay machine NAME mem=512M cmdline='crashkernel=64M' smp=4 disk=build/dump.img -->
        declares a QEMU machine of the document (booted at its first use);
        disk= a dump disk (serial "dump", RAM + 64 MiB), disks=SERIAL:SIZE,...
        more disks; kernel=FILE [initrd=FILE]: QEMU's -kernel/-initrd (a
        bzImage, no GRUB; cmdline= goes to -append), paths in the checkout
        as the shell blocks see it (a file an earlier shell block made)
  <!-- replay console NAME [vary=time,speed] [until=RX] [end=RX] [wait=RX] [arg=RX] [later] [excerpt] -->
        a kernel console session on NAME: each "kernel> CMD" line is typed;
        the other lines are what must appear (boot lines before the first
        command, or a block with no command, are an excerpt of the log).
        end=RX: the last command's output ends at that line (no prompt
        comes: a panic, a poweroff); until=RX: wait for that line first;
        wait=RX: wait for that line before typing the last command (lines
        the kernel prints on its own at the prompt, a watchdog's report:
        shown as "kernel> [ stamp ] ...", which is output, not a command;
        the command's echo, which then has no prompt, is shown with one);
        arg=RX: the first 0x number the commands type is RX's group 1 in
        what the machine printed (an address that moves with the build);
        later: checked at the end of the document against all the machine
        printed (lines shown before the command that prints them)
  <!-- replay shell [vary=...] [timeout=S] [arg=RX] -->
        host commands ("$ CMD", "\\" continues a line) and their output;
        arg=RX: the first 0x number the commands type is RX's group 1 in
        what the document printed before (its machines, its shell blocks),
        and so is every number holding it in its low digits (the same
        address in the direct map, 0xffff888000317140 for 0x317140)
  <!-- not replayed: WHY -->   shown output that no run checks, and why
  <!-- not output: WHAT -->    a drawing or a listing, not a session
A line "..." skips any number of lines, "..." inside a line any text.
vary= names the values that change between runs (stamp, build-id, time and
vga always; the list is docreplay.compare.VARY):
"""

import argparse
import os
import sys
import time

import guest
import docreplay


def main():
    known = "\n".join(f"  {n:9} {rx}" for n, rx in docreplay.compare.VARY.items())
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog=__doc__ + known,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--write", action="store_true", help="rewrite blocks from the run")
    ap.add_argument("-v", "--verbose", action="store_true", help="name each block replayed")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        build = guest.Build(args.build)
        build.require("iso")
    except guest.BuildMissing as e:
        sys.exit(f"docs: error: {e}")
    session = docreplay.Session(build)
    progress = (lambda b: print(f"docs: {b.where()} {b.what}", flush=True)) if args.verbose \
        else None
    failed = 0
    try:
        for path in args.files:
            try:
                r = docreplay.replay(session, path, write=args.write, progress=progress)
            except docreplay.DocError as e:
                print(f"docs: error: {e}")
                failed += 1
                continue
            for f in r.failures:
                print(f)
            failed += len(r.failures)
            done = f", {r.rewritten} rewritten" if args.write else ""
            print(f"docs: {path}: {r.replayed} sessions replayed{done}, "
                  f"{len(r.not_replayed)} not replayed, {r.not_output} not output, "
                  f"{len(r.failures)} failed ({r.seconds:.0f} s)", flush=True)
    finally:
        session.close()
        build.close_machines()
    print(f"docs: {time.monotonic() - t0:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
