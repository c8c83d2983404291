#!/usr/bin/env python3
"""Cut the vmcore out of a dump disk image.

The capture kernel writes the vmcore at byte 0 of the dump disk; the disk
is larger.  The vmcore's size follows from its own ELF header: the end of
the furthest program header's bytes.  Usage:
    tools/vmcore_extract.py DISK.img OUT.vmcore
Exits non-zero with a clear message if the disk holds no ELF core file.
"""
import struct
import sys


def vmcore_size(f):
    hdr = f.read(64)
    if len(hdr) < 64 or hdr[:4] != b"\x7fELF":
        raise ValueError("no ELF header at byte 0: the capture kernel did not save a vmcore")
    if hdr[4] != 2 or hdr[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    e_type, = struct.unpack_from("<H", hdr, 16)
    if e_type != 4:
        raise ValueError(f"ELF type {e_type}, not ET_CORE (4)")
    phoff, = struct.unpack_from("<Q", hdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
    if phentsize != 56 or phnum == 0 or phnum > 4096:
        raise ValueError(f"implausible program headers ({phnum} of {phentsize} bytes)")
    f.seek(phoff)
    end = phoff + phnum * phentsize
    for _ in range(phnum):
        ph = f.read(56)
        if len(ph) < 56:
            raise ValueError("program headers run past the end of the disk")
        _, _, offset, _, _, filesz, _, _ = struct.unpack("<IIQQQQQQ", ph)
        end = max(end, offset + filesz)
    return end


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("Usage:")[1].split("Exits")[0].strip())
    disk, out = sys.argv[1], sys.argv[2]
    try:
        with open(disk, "rb") as f:
            size = vmcore_size(f)
            f.seek(0, 2)
            if size > f.tell():
                raise ValueError(f"the vmcore claims {size} bytes, the disk has {f.tell()}")
            f.seek(0)
            with open(out, "wb") as o:
                left = size
                while left:
                    chunk = f.read(min(left, 8 << 20))
                    o.write(chunk)
                    left -= len(chunk)
    except (OSError, ValueError) as e:
        sys.exit(f"vmcore_extract: error: {disk}: {e}")
    print(f"vmcore_extract: {out}: {size} bytes ({size / (1 << 20):.1f} MiB) from {disk}")


if __name__ == "__main__":
    main()
