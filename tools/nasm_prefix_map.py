#!/usr/bin/python3
"""Make a NASM object independent of the checkout path: rewrite the
DW_AT_comp_dir of its DWARF compilation unit from OLD... to NEW..., what
gcc's -fdebug-prefix-map=OLD=NEW does for C.  NASM 2.16.01 (Debian 12)
records the absolute directory of the source file there and has no such
option (--debug-prefix-map came later), and that path would change the
kernel's build ID from one checkout to the next.

Usage: nasm_prefix_map.py OBJECT OLD NEW      (OBJECT is rewritten in place)
The Makefile passes OLD = the source's absolute directory, NEW = ".": the
CU's DW_AT_name ("boot/entry.asm") is then relative to ".", the top of the
checkout, where gdb runs, exactly as for the C files.

The object is an ELF64 little-endian relocatable file, read with
pyelftools (its sections, the CUs' DW_AT_comp_dir, the relocations); the
new string is never longer than the old (NEW is shorter than OLD, e.g.
"."), so the section shrinks in place: its bytes after the string move
down, the CU's unit_length shrinks, the relocations that apply past the
string move with them, and the freed tail of the section is zeroed.
Anything it does not handle (DWARF 5 or 64-bit DWARF, a comp_dir that is
not an inline string, another section referring into .debug_info past the
string) is an error, never a silent skip; so is a comp_dir that does not
start with OLD.  Prints nothing on success; "nasm_prefix_map: error: ..."
and exit 1 otherwise.
"""
import sys

try:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
except ImportError:
    sys.exit("nasm_prefix_map: error: pyelftools is missing: run `make deps` "
             "(Debian: python3-pyelftools) and build with /usr/bin/python3")


class Error(Exception):
    pass


def comp_dirs(elf):
    """[(CU offset, unit_length, start, end, value)] of each compile unit's
    DW_AT_comp_dir string in .debug_info (end is past its NUL)."""
    found = []
    for cu in elf.get_dwarf_info(relocate_dwarf_sections=False).iter_CUs():
        if cu.dwarf_format() != 32:
            raise Error("64-bit DWARF is not handled")
        if not 2 <= cu["version"] <= 4:
            raise Error(f"DWARF version {cu['version']} is not handled (2 to 4)")
        attr = cu.get_top_DIE().attributes.get("DW_AT_comp_dir")
        if attr is None:
            continue
        if attr.form != "DW_FORM_string":
            raise Error(f"DW_AT_comp_dir in {attr.form} is not handled (an inline string only)")
        found.append((cu.cu_offset, cu["unit_length"], attr.offset,
                      attr.offset + len(attr.value) + 1, attr.value.decode()))
    return found


def shrink(info, dirs, old, new):
    """.debug_info with each comp_dir OLD... made NEW... and its CU's length
    fixed; and the moves [(old offset, bytes removed before it)]."""
    out, moves, copied = bytearray(), [], 0
    for cu, length, start, end, value in dirs:
        if not value.startswith(old):
            raise Error(f"DW_AT_comp_dir '{value}' does not start with '{old}'")
        repl = (new + value[len(old):]).encode() + b"\0"
        if len(repl) > end - start:
            raise Error(f"'{new}' is longer than '{old}': the section would grow")
        shift = (end - start) - len(repl)
        out += info[copied:start] + repl
        copied = end
        # unit_length: the CU's first 4 bytes, already copied to out.
        at = cu - sum(s for _, s in moves)
        out[at:at + 4] = (length - shift).to_bytes(4, "little")
        moves.append((end, shift))
    return out + info[copied:], moves


def rewrite(path, old, new):
    with open(path, "rb") as f:
        data = bytearray(f.read())
        f.seek(0)
        try:
            elf = ELFFile(f)
        except ELFError as e:
            raise Error(f"not an ELF file ({e})")
        if elf.elfclass != 64 or not elf.little_endian:
            raise Error("not an ELF64 little-endian file")
        info_sec = elf.get_section_by_name(".debug_info")
        if info_sec is None:
            return                                  # assembled without -g: nothing to do
        info_idx = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".debug_info")
        info = info_sec.data()
        out, moves = shrink(info, comp_dirs(elf), old, new)
        if not moves:
            return

        def moved(offset):
            return offset - sum(shift for at, shift in moves if offset >= at)

        for sec in elf.iter_sections():
            if sec["sh_type"] != "SHT_RELA":
                continue
            symtab = elf.get_section(sec["sh_link"])
            for n, rel in enumerate(sec.iter_relocations()):
                if sec["sh_info"] == info_idx:      # applies inside .debug_info
                    entry = rel.entry.copy()
                    entry["r_offset"] = moved(entry["r_offset"])
                    at = sec["sh_offset"] + n * sec["sh_entsize"]
                    data[at:at + sec["sh_entsize"]] = elf.structs.Elf_Rela.build(entry)
                sym = symtab.get_symbol(rel["r_info_sym"])
                if sym["st_shndx"] == info_idx and rel["r_addend"] >= moves[0][0]:
                    raise Error(f"{sec.name} refers to .debug_info+0x{rel['r_addend']:x}, "
                                "past the comp_dir string: not handled")
        start = info_sec["sh_offset"]
        data[start:start + len(info)] = out + bytes(len(info) - len(out))
        header = info_sec.header.copy()
        header["sh_size"] = len(out)
        at = elf["e_shoff"] + info_idx * elf["e_shentsize"]
        data[at:at + elf["e_shentsize"]] = elf.structs.Elf_Shdr.build(header)
    with open(path, "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        rewrite(*sys.argv[1:])
    except (Error, ELFError, OSError, ValueError, KeyError, IndexError) as e:
        print(f"nasm_prefix_map: error: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
