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

The object is an ELF64 little-endian relocatable file.  The new string is
never longer than the old (NEW is shorter than OLD, e.g. "."), so the
section shrinks in place: its bytes after the string move down, the CU's
unit_length shrinks, the relocations that apply past the string move with
them, and the freed tail of the section is zeroed.  Anything it does not
understand (DWARF 5 or 64-bit DWARF, an unknown attribute form, another
section referring into .debug_info past the string) is an error, never a
silent skip; so is a comp_dir that does not start with OLD.  Prints
nothing on success; "nasm_prefix_map: error: ..." and exit 1 otherwise.
Only the standard library: it runs while building.
"""
import struct
import sys

SHT_RELA = 4
DW_AT_COMP_DIR = 0x1B
DW_FORM_STRING = 0x08
# Fixed-size forms (DWARF 4, 7.5.4): form -> bytes; "addr" is the CU's size.
FIXED_FORMS = {0x01: "addr", 0x05: 2, 0x06: 4, 0x07: 8, 0x0B: 1, 0x0C: 1, 0x0E: 4,
               0x10: 4, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x17: 4, 0x19: 0, 0x20: 8}
ULEB_FORMS = {0x0D, 0x0F, 0x15}   # sdata, udata, ref_udata: LEB128


class Error(Exception):
    pass


def uleb(buf, pos):
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise Error("LEB128 number runs past the end of its section")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def sections(data):
    """[(name, header offset, fields dict)] of an ELF64 LE relocatable file."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise Error("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    keys = ("name", "type", "flags", "addr", "offset", "size", "link", "info", "align",
            "entsize")
    heads = []
    for i in range(shnum):
        off = shoff + i * shentsize
        heads.append((off, dict(zip(keys, struct.unpack_from("<IIQQQQIIQQ", data, off)))))
    strtab = heads[shstrndx][1]
    names = data[strtab["offset"]:strtab["offset"] + strtab["size"]]
    result = []
    for off, sh in heads:
        end = names.index(b"\0", sh["name"])
        result.append((names[sh["name"]:end].decode(), off, sh))
    return result


def abbrevs(buf, offset):
    """{code: [(attribute, form)]} of the abbreviation table at offset."""
    table, pos = {}, offset
    while True:
        code, pos = uleb(buf, pos)
        if code == 0:
            return table
        _, pos = uleb(buf, pos)        # tag
        pos += 1                        # children flag
        attrs = []
        while True:
            attr, pos = uleb(buf, pos)
            form, pos = uleb(buf, pos)
            if attr == 0 and form == 0:
                break
            attrs.append((attr, form))
        table[code] = attrs


def find_comp_dir(info, abbrev, cu):
    """(start, end) of the DW_AT_comp_dir string of the CU at offset cu,
    end past its NUL; None if the CU has none.  Also the CU's next offset."""
    length, version = struct.unpack_from("<IH", info, cu)
    if length >= 0xFFFFFFF0:
        raise Error("64-bit DWARF is not handled")
    if not 2 <= version <= 4:
        raise Error(f"DWARF version {version} is not handled (2 to 4)")
    abbrev_off, addr_size = struct.unpack_from("<IB", info, cu + 6)
    table = abbrevs(abbrev, abbrev_off)
    code, pos = uleb(info, cu + 11)
    for attr, form in table.get(code, []):
        if form == DW_FORM_STRING:
            end = info.index(b"\0", pos) + 1
            if attr == DW_AT_COMP_DIR:
                return (pos, end), cu + 4 + length
            pos = end
        elif form in FIXED_FORMS:
            size = FIXED_FORMS[form]
            pos += addr_size if size == "addr" else size
        elif form in ULEB_FORMS:
            _, pos = uleb(info, pos)
        else:
            raise Error(f"attribute form 0x{form:x} in the CU DIE is not handled")
    return None, cu + 4 + length


def rewrite(path, old, new):
    data = bytearray(open(path, "rb").read())
    secs = sections(data)
    index = {name: i for i, (name, _, _) in enumerate(secs)}
    if ".debug_info" not in index:
        return                                  # assembled without -g: nothing to do
    info_idx = index[".debug_info"]
    _, info_hdr, info_sh = secs[info_idx]
    abbrev_sh = secs[index[".debug_abbrev"]][2]
    info = bytes(data[info_sh["offset"]:info_sh["offset"] + info_sh["size"]])
    abbrev = bytes(data[abbrev_sh["offset"]:abbrev_sh["offset"] + abbrev_sh["size"]])

    out, moves, cu, copied = bytearray(), [], 0, 0   # moves: (old offset, shift)
    while cu < len(info):
        span, next_cu = find_comp_dir(info, abbrev, cu)
        if span:
            start, end = span
            value = info[start:end - 1].decode()
            if not value.startswith(old):
                raise Error(f"DW_AT_comp_dir '{value}' does not start with '{old}'")
            repl = (new + value[len(old):]).encode() + b"\0"
            if len(repl) > end - start:
                raise Error(f"'{new}' is longer than '{old}': the section would grow")
            shift = (end - start) - len(repl)
            out += info[copied:start] + repl
            copied = end
            length, = struct.unpack_from("<I", info, cu)
            struct.pack_into("<I", out, cu - sum(s for _, s in moves), length - shift)
            moves.append((end, shift))
        cu = next_cu
    if not moves:
        return
    out += info[copied:]

    def moved(offset):
        return offset - sum(shift for at, shift in moves if offset >= at)

    for name, hdr, sh in secs:
        if sh["type"] != SHT_RELA:
            continue
        symtab = secs[sh["link"]][2]
        for off in range(sh["offset"], sh["offset"] + sh["size"], 24):
            r_offset, r_info, addend = struct.unpack_from("<QQq", data, off)
            if sh["info"] == info_idx:          # applies inside .debug_info
                struct.pack_into("<Q", data, off, moved(r_offset))
            sym_off = symtab["offset"] + (r_info >> 32) * 24
            shndx, = struct.unpack_from("<H", data, sym_off + 6)
            if shndx == info_idx and addend >= moves[0][0]:
                raise Error(f"{name} refers to .debug_info+0x{addend:x}, past the "
                            f"comp_dir string: not handled")
    start = info_sh["offset"]
    data[start:start + len(info)] = out + bytes(len(info) - len(out))
    struct.pack_into("<Q", data, info_hdr + 0x20, len(out))   # sh_size
    with open(path, "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        rewrite(*sys.argv[1:])
    except (Error, OSError, ValueError, struct.error, KeyError, IndexError) as e:
        print(f"nasm_prefix_map: error: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
