"""The ELF files the host side reads: a vmcore on a dump disk.

The capture kernel writes the vmcore at byte 0 of the dump disk, which is
larger; the vmcore's size follows from its own ELF header: the end of the
furthest program header's bytes.  Linux's counterpart is makedumpfile
reading /proc/vmcore's headers to know what to copy.
"""

import struct


def vmcore_size(f):
    """The size in bytes of the ELF64 core file at the start of the open
    binary file f.  Raises ValueError, saying why, when f does not start
    with one."""
    f.seek(0)
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


def describe_extract(disk, out, size):
    """The line vmcore_extract.py (and the tools that extract) print."""
    return f"vmcore_extract: {out}: {size} bytes ({size / (1 << 20):.1f} MiB) from {disk}"


def extract_vmcore(disk, out):
    """Copy the vmcore at the start of the dump disk image `disk` to `out`;
    return its size.  Raises ValueError (no vmcore, or one claiming more
    bytes than the disk has) or OSError."""
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
    return size


class Symbols:
    """kernel.elf's defined symbols: name -> (address, size or 0), from nm -S."""

    def __init__(self, path):
        import subprocess
        out = subprocess.run(["nm", "-S", "--defined-only", str(path)], capture_output=True,
                             text=True, timeout=60, check=True).stdout
        self.path = path
        self.table = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) in (3, 4):
                self.table[f[-1]] = (int(f[0], 16), int(f[1], 16) if len(f) == 4 else 0)

    def __contains__(self, name):
        return name in self.table

    def addr(self, name):
        """The address of name; KeyError saying so if kernel.elf has no such symbol."""
        if name not in self.table:
            raise KeyError(f"{name} is not in {self.path}")
        return self.table[name][0]

    def range(self, name):
        """[start, end) of a sized symbol (a C function or object)."""
        if not self.table.get(name, (0, 0))[1]:
            raise KeyError(f"{name} has no size in {self.path}")
        start, size = self.table[name]
        return start, start + size
