#!/usr/bin/python3
"""Cut the vmcore out of a dump disk image.

The capture kernel writes the vmcore at byte 0 of the dump disk; the disk
is larger.  The vmcore's size follows from its own ELF header: the end of
the furthest program header's bytes (guest/elf.py).  Usage:
    tools/vmcore_extract.py DISK.img OUT.vmcore
Exits non-zero with a clear message if the disk holds no ELF core file.
"""
import sys

from guest.elf import describe_extract, extract_vmcore


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("Usage:")[1].split("Exits")[0].strip())
    disk, out = sys.argv[1], sys.argv[2]
    try:
        size = extract_vmcore(disk, out)
    except (OSError, ValueError) as e:
        sys.exit(f"vmcore_extract: error: {disk}: {e}")
    print(describe_extract(disk, out, size))


if __name__ == "__main__":
    main()
