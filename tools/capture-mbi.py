#!/usr/bin/python3
"""Capture real multiboot2 information structures (MBIs) for the unit tests.

Boots the ISO in QEMU (a guest.Machine: TCG, bounded by a timeout) once
per memory size, waits on the serial port for the kernel's line
"boot: loaded at ... MBI at 0x<addr>", stops the guest through the QEMU
monitor, saves 64 KiB of guest memory at that address with pmemsave, trims
it to the MBI's total_size (its first u32) and checks the tag chain.  The
SeaBIOS debug console (port 0x402) gives the firmware's own e820 dump,
saved beside it so a test can compare GRUB's memory map tag with it.

    tools/capture-mbi.py [--iso build/kernel.iso] [--out tests/data] [MEM...]

writes tests/data/mbi-<mem>.bin and tests/data/e820-<mem>.txt
(MEM defaults to 128M 512M 6G).
"""
import argparse
import os
import struct
import sys
import tempfile

import guest
from guest.console import firmware_e820_block

DUMP_SIZE = 65536


def check_tags(blob):
    """Walk the tag chain like the kernel does; return the tag count."""
    total = struct.unpack_from("<I", blob, 0)[0]
    off, ntags = 8, 0
    while off + 8 <= total:
        ttype, tsize = struct.unpack_from("<II", blob, off)
        if tsize < 8 or off + tsize > total:
            raise ValueError("bad tag at offset %d (type %d size %d)" % (off, ttype, tsize))
        ntags += 1
        if ttype == 0:
            return ntags
        off += (tsize + 7) & ~7
    raise ValueError("no end tag")


def capture(iso, mem, outdir, timeout):
    build = guest.Build()
    with tempfile.TemporaryDirectory(prefix="capture-mbi-") as tmp:
        dump_path = os.path.join(tmp, "mbi.raw")
        try:
            # -no-shutdown: should the guest power off, its memory stays readable.
            with guest.Machine(build, iso=iso, mem=mem, extra_args=["-no-shutdown"],
                               lifetime=timeout + 60) as m:
                line = m.expect_line(r"boot: loaded at .* MBI at 0x([0-9a-f]+)$", timeout)
                mbi_pa = int(line.group(1), 16)
                # Stop at once: later boot steps may reuse the MBI's memory.
                m.monitor("stop")
                m.monitor(f'pmemsave {mbi_pa:#x} {DUMP_SIZE} "{dump_path}"', 30)
                debug_log = m.firmware_text()
        finally:
            build.close_machines()
        with open(dump_path, "rb") as f:
            raw = f.read()
    total = struct.unpack_from("<I", raw, 0)[0]
    if total < 16 or total > len(raw):
        raise ValueError("MBI at 0x%x: implausible total_size %d" % (mbi_pa, total))
    blob = raw[:total]
    ntags = check_tags(blob)
    e820 = firmware_e820_block(debug_log)
    name = mem.lower()
    with open(os.path.join(outdir, "mbi-%s.bin" % name), "wb") as f:
        f.write(blob)
    with open(os.path.join(outdir, "e820-%s.txt" % name), "w") as f:
        f.write("# SeaBIOS e820 dump, qemu-system-x86_64 -M pc -m %s (tools/capture-mbi.py)\n" % mem)
        f.write("\n".join(e820) + "\n")
    print("capture-mbi: -m %s: MBI at 0x%x, %d bytes, %d tags, %d e820 entries"
          % (mem, mbi_pa, total, ntags, len(e820) - 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iso", default="build/kernel.iso")
    ap.add_argument("--out", default="tests/data")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per QEMU run")
    ap.add_argument("mem", nargs="*", default=["128M", "512M", "6G"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for mem in args.mem:
        try:
            capture(args.iso, mem, args.out, args.timeout)
        except (guest.GuestError, ValueError, OSError) as e:
            print("capture-mbi: error: -m %s: %s" % (mem, e), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
