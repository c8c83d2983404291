#!/usr/bin/python3
"""Write the seeds of the fuzz targets whose inputs are made, not captured
(run by hand; the seeds are committed under tests/fuzz/corpus/ and regress/):

    tests/fuzz/make_synthetic_seeds.py

bzimage: small setup headers (the build's bzImage is a seed too, copied by
the Makefile): a minimal good one, a protocol 2.15 one with the default
setup_sects, one with a stale setup_data pointer, a zImage.  bootparams:
"physical memory" from address 0 with a zero page at its start, as QEMU
(-kernel), kexec-tools (a SETUP_E820_EXT node, an RSDP) and a loader with
a cpio initrd leave it, the shapes of tests/unit/test_bootparams.c.
initrd_cpio: one byte of module slots already taken, then a newc archive
written by tools/linux-guest/cpio.py.  Also the inputs of the bugs found
(tests/fuzz/regress/).  Same bytes on every run.
"""
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tools" / "linux-guest"))
import cpio                                             # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"

# Offsets in the zero page and the setup header (lib/bootparam.h).
SH_SETUP_SECTS, SH_BOOT_FLAG, SH_JUMP, SH_HEADER, SH_VERSION = 0x1f1, 0x1fe, 0x200, 0x202, 0x206
SH_TYPE_OF_LOADER, SH_LOADFLAGS, SH_RAMDISK_IMAGE, SH_RAMDISK_SIZE = 0x210, 0x211, 0x218, 0x21c
SH_CMD_LINE_PTR, SH_KERNEL_ALIGNMENT, SH_RELOCATABLE, SH_XLOADFLAGS = 0x228, 0x230, 0x234, 0x236
SH_CMDLINE_SIZE, SH_SETUP_DATA, SH_PREF_ADDRESS, SH_INIT_SIZE = 0x238, 0x250, 0x258, 0x260
BP_ACPI_RSDP_ADDR, BP_E820_ENTRIES, BP_SENTINEL, BP_E820_TABLE = 0x070, 0x1e8, 0x1ef, 0x2d0


def bzimage(setup_sects=1, version=0x020c, header_end=0x268, loadflags=1, kernel=512,
            setup_data=0):
    """A bzImage's first sectors and a kernel of zeros: only the header is real."""
    sects = setup_sects or 4
    f = bytearray((sects + 1) * 512 + kernel)
    f[SH_SETUP_SECTS] = setup_sects
    struct.pack_into("<H", f, SH_BOOT_FLAG, 0xaa55)
    f[SH_JUMP:SH_JUMP + 2] = bytes([0xeb, header_end - SH_HEADER])
    struct.pack_into("<IH", f, SH_HEADER, 0x53726448, version)
    f[SH_LOADFLAGS] = loadflags
    struct.pack_into("<I", f, SH_KERNEL_ALIGNMENT, 0x200000)
    f[SH_RELOCATABLE] = 1
    struct.pack_into("<HI", f, SH_XLOADFLAGS, 0x3, 2047)
    struct.pack_into("<Q", f, SH_SETUP_DATA, setup_data)
    struct.pack_into("<QI", f, SH_PREF_ADDRESS, 0x1000000, 0x4000)
    return bytes(f)


def e820(mem, entries):
    mem[BP_E820_ENTRIES] = len(entries)
    for i, (addr, size, kind) in enumerate(entries):
        struct.pack_into("<QQI", mem, BP_E820_TABLE + 20 * i, addr, size, kind)


def zero_page(size, loader=0xb0, cmdline=b"loglevel=7 hello=\"a b\"", cmdline_pa=0x1000):
    """Memory of size bytes: a zero page as QEMU -kernel leaves it, its command line."""
    mem = bytearray(size)
    struct.pack_into("<IH", mem, SH_HEADER, 0x53726448, 0x020c)
    mem[SH_TYPE_OF_LOADER] = loader
    struct.pack_into("<I", mem, SH_CMD_LINE_PTR, cmdline_pa)
    mem[cmdline_pa:cmdline_pa + len(cmdline) + 1] = cmdline + b"\0"
    e820(mem, [(0, 0x9fc00, 1), (0xf0000, 0x10000, 2), (0x100000, 0x1fee0000, 1)])
    return mem


def rsdp_v2(xsdt):
    r = bytearray(b"RSD PTR " + bytes(1) + b"BOCHS " + bytes([2]) + bytes(4))
    r += struct.pack("<IQ", 36, xsdt) + bytes(4)
    r[8] = -sum(r[:20]) & 0xff
    r[32] = -sum(r) & 0xff
    return bytes(r)


def initrd():
    a = cpio.Archive()
    a.add_file("boot/kernel.elf", b"\x7fELF" + bytes(60))
    a.add_file("boot/vmlinuz", bytes(0x203) + b"HdrS")
    a.add_symlink("init", "boot/kernel.elf")
    return a.to_bytes()


def bootparams_seeds():
    yield "qemu-like.bin", zero_page(0x1100)
    # kexec-tools: e820 in a SETUP_E820_EXT node (chained to one of another
    # type), the RSDP's address, the command line last in memory.
    mem = zero_page(0x1400, loader=0xd0, cmdline=b"console=ttyS0 crashkernel=64M",
                    cmdline_pa=0x1400 - 30)
    struct.pack_into("<Q", mem, SH_SETUP_DATA, 0x1100)
    struct.pack_into("<QII", mem, 0x1100, 0x1140, 1, 40)
    struct.pack_into("<QQIQQI", mem, 0x1110, 0x20000000, 0x1000000, 1, 0xfec00000, 0x1000, 2)
    struct.pack_into("<QII", mem, 0x1140, 0, 3, 8)
    struct.pack_into("<Q", mem, BP_ACPI_RSDP_ADDR, 0x1200)
    mem[0x1200:0x1200 + 36] = rsdp_v2(0x7fe0000)
    yield "kexec-tools.bin", mem
    # A loader (GRUB) with a cpio initrd after the command line.
    arch = initrd()
    mem = zero_page(0x2000 + len(arch), loader=0x72)
    struct.pack_into("<II", mem, SH_RAMDISK_IMAGE, 0x2000, len(arch))
    mem[0x2000:] = arch
    yield "grub-cpio-initrd.bin", mem
    # The whole first sector copied: the sentinel drops the ext_ fields.
    mem = zero_page(0x1100)
    mem[BP_SENTINEL] = 0xff
    yield "sentinel.bin", mem


def main():
    seeds = {
        "bzimage": [("minimal.bin", bzimage()),
                    ("proto-2.15-default-sects.bin", bzimage(0, 0x020f, 0x280)),
                    ("stale-setup-data.bin", bzimage(setup_data=0x12345000)),
                    ("zimage.bin", bzimage(loadflags=0))],
        "bootparams": list(bootparams_seeds()),
        "initrd_cpio": [("files.bin", bytes([0]) + initrd()),
                        ("files-after-15-modules.bin", bytes([15]) + initrd()),
                        ("empty.bin", bytes([1]) + cpio.Archive().to_bytes())],
    }
    # The inputs of the bugs these targets found (fixed), replayed first.
    line = b"console=ttyS0 loglevel=7"
    regress = {
        "bzimage": [("stale-setup-data-passed-on.bin", bzimage(setup_data=0x12345000))],
        "bootparams": [("cmdline-ends-at-end-of-memory.bin",
                        zero_page(0x1000 + len(line) + 1, cmdline=line))],
    }
    write(CORPUS, seeds)
    write(CORPUS.parent / "regress", regress)


def write(top, seeds):
    for target, files in seeds.items():
        d = top / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (d / name).write_bytes(data)
            print(f"{d / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
