#!/usr/bin/python3
"""Join the setup sectors (boot/setup/setup.asm, a flat binary) and
kernel.elf's loadable bytes into build/bzImage, the kernel in the Linux
boot protocol's format, and fill in the two header fields only the
finished kernel knows: syssize (its size in 16-byte units) and init_size
(the memory it needs from its load address, .bss included).

    tools/mkbzimage.py SETUP.bin KERNEL.elf OUT
The idea: the protected-mode kernel is not a second link, it is
kernel.elf's PT_LOADs laid out from its link address (startup_32 at
offset 0, startup_64 at 0x200, the head being linked where it loads).
Every promise the header makes is checked here, so a broken image fails
the build, not the boot.
Linux's counterpart: arch/x86/boot/tools/build.c.
"""
import struct
import sys

try:
    from elftools.elf.elffile import ELFFile
except ImportError:
    sys.exit("mkbzimage: error: pyelftools is missing (apt-get install python3-pyelftools)")

SECTOR = 512
PAGE = 4096
SH_SETUP_SECTS, SH_SYSSIZE, SH_BOOT_FLAG, SH_JUMP = 0x1f1, 0x1f4, 0x1fe, 0x200
SH_HEADER, SH_VERSION, SH_KERNEL_ALIGNMENT, SH_INIT_SIZE = 0x202, 0x206, 0x230, 0x260
SH_PREF_ADDRESS = 0x258
ENTRY64_OFFSET = 0x200


def fail(msg):
    sys.exit(f"mkbzimage: error: {msg}")


def payload(elf_path):
    """(bytes from the link base to the end of the file bytes, memory the
    image spans, link base, {symbol: address})."""
    with open(elf_path, "rb") as f:
        elf = ELFFile(f)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_memsz"]]
        if not loads:
            fail(f"{elf_path} has no PT_LOAD")
        base = min(s["p_paddr"] for s in loads)
        file_end = max(s["p_paddr"] + s["p_filesz"] for s in loads)
        mem_end = max(s["p_paddr"] + s["p_memsz"] for s in loads)
        image = bytearray(file_end - base)
        for s in loads:
            off = s["p_paddr"] - base
            image[off:off + s["p_filesz"]] = s.data()
        symtab = elf.get_section_by_name(".symtab")
        syms = {}
        for name in ("startup_32", "startup_64", "_start", "_bss_start"):
            found = symtab.get_symbol_by_name(name) if symtab else None
            if not found:
                fail(f"{elf_path} has no symbol {name}")
            syms[name] = found[0]["st_value"]
        entry = elf.header["e_entry"]
        # kernel.elf keeps .bss in the file as zeros (for elfutils, see
        # linker.ld); the bzImage need not carry them: startup_32 zeroes
        # [_bss_start, _bss_end), and init_size still counts them.
        bss = next((s["p_paddr"] + syms["_bss_start"] - s["p_vaddr"] for s in loads
                    if s["p_vaddr"] <= syms["_bss_start"] < s["p_vaddr"] + s["p_memsz"]), None)
        if bss is not None and base < bss <= file_end:
            image = image[:bss - base]
    return bytes(image), mem_end - base, base, syms, entry


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().split("\n\n")[0] + "\nusage: mkbzimage.py SETUP.bin KERNEL.elf OUT")
    setup_path, elf_path, out_path = sys.argv[1:]
    setup = bytearray(open(setup_path, "rb").read())
    image, mem_size, base, syms, entry = payload(elf_path)

    if len(setup) < 2 * SECTOR or len(setup) % SECTOR:
        fail(f"{setup_path}: {len(setup)} bytes, not whole sectors")
    if struct.unpack_from("<I", setup, SH_HEADER)[0] != 0x53726448:
        fail(f"{setup_path}: no 'HdrS' at 0x202")
    if struct.unpack_from("<H", setup, SH_BOOT_FLAG)[0] != 0xaa55:
        fail(f"{setup_path}: no boot flag 0xaa55 at 0x1fe")
    if (setup[SH_SETUP_SECTS] + 1) * SECTOR != len(setup):
        fail(f"{setup_path}: setup_sects {setup[SH_SETUP_SECTS]} but {len(setup) // SECTOR} sectors")
    pref = struct.unpack_from("<Q", setup, SH_PREF_ADDRESS)[0]
    align = struct.unpack_from("<I", setup, SH_KERNEL_ALIGNMENT)[0]
    if pref != base or base % align:
        fail(f"pref_address 0x{pref:x} / kernel_alignment 0x{align:x} disagree with the link base 0x{base:x}")
    if syms["startup_32"] != base or syms["startup_64"] != base + ENTRY64_OFFSET:
        fail(f"startup_32 at 0x{syms['startup_32']:x}, startup_64 at 0x{syms['startup_64']:x}: "
             f"the protocol wants 0x{base:x} and 0x{base + ENTRY64_OFFSET:x}")
    if entry != syms["_start"] or entry >= 1 << 32:
        fail(f"e_entry 0x{entry:x} is not _start's physical address 0x{syms['_start']:x}")

    init_size = (mem_size + PAGE - 1) // PAGE * PAGE
    struct.pack_into("<I", setup, SH_SYSSIZE, (len(image) + 15) // 16)
    struct.pack_into("<I", setup, SH_INIT_SIZE, init_size)
    with open(out_path, "wb") as f:
        f.write(setup)
        f.write(image)
    version = struct.unpack_from("<H", setup, SH_VERSION)[0]
    print(f"  bzImage {out_path}: protocol {version >> 8}.{version & 0xff}, setup "
          f"{setup[SH_SETUP_SECTS]} + 1 sectors, kernel {len(image)} bytes, init_size "
          f"0x{init_size:x}")


if __name__ == "__main__":
    main()
