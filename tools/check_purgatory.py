#!/usr/bin/env python3
"""Check the purgatory blob at build time, so a problem fails the build,
not a kexec at run time:
  - an x86-64 ELF relocatable object (ET_REL), RELA only;
  - every relocation that targets a loaded (SHF_ALLOC) section has a type
    kexec/purgatory_reloc.c applies;
  - no undefined or COMMON symbols (the blob links against nothing);
  - each symbol the loader patches is a global of the expected size in a
    writable section that has file contents (not .bss);
  - the laid-out image and the file fit the limits in purgatory.h.
Usage: check_purgatory.py --header kexec/purgatory/purgatory.h purgatory.ro
Prints one summary line; on failure "check_purgatory: error: ..." and exit 1.
"""
import argparse
import re
import struct
import sys

SHT_SYMTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 4, 8, 9
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHN_UNDEF, SHN_LORESERVE, SHN_ABS, SHN_COMMON = 0, 0xff00, 0xfff1, 0xfff2
STB_GLOBAL = 1

# The types kexec/purgatory_reloc.c applies (keep the two in step).
SUPPORTED = {0: "R_X86_64_NONE", 1: "R_X86_64_64", 2: "R_X86_64_PC32",
             4: "R_X86_64_PLT32", 10: "R_X86_64_32", 11: "R_X86_64_32S"}

# Symbols the loader sets (name -> size in bytes), see purgatory.h.
PATCHED = {
    "purgatory_regions": 16 * 48,
    "purgatory_nr_regions": 4,
    "purgatory_entry32": 4,
    "purgatory_mbi": 4,
    "purgatory_serial_port": 2,
}
ENTRY = "purgatory_start"


def fail(msg):
    print("check_purgatory: error: " + msg, file=sys.stderr)
    sys.exit(1)


def header_limit(path, name):
    with open(path) as f:
        m = re.search(r"^#define\s+%s\s+(0x[0-9a-fA-F]+|\d+)" % name, f.read(), re.M)
    if not m:
        fail("%s not found in %s" % (name, path))
    return int(m.group(1), 0)


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail("not a little-endian ELF64 file")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 1 or e_machine != 62:
        fail("not an x86-64 relocatable object (e_type %d, e_machine %d)" % (e_type, e_machine))
    e_shoff, = struct.unpack_from("<Q", data, 40)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 58)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
             for i in range(e_shnum)]
    strtab = shdrs[e_shstrndx]
    names = [data[strtab[4] + s[0]:data.index(b"\0", strtab[4] + s[0])].decode()
             for s in shdrs]
    return shdrs, names


def symbols(data, shdrs):
    symtabs = [s for s in shdrs if s[1] == SHT_SYMTAB]
    if len(symtabs) != 1:
        fail("%d symbol tables, expected 1" % len(symtabs))
    st = symtabs[0]
    strs = shdrs[st[6]]
    out = []
    for off in range(st[4], st[4] + st[5], 24):
        name, info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", data, off)
        n = data[strs[4] + name:data.index(b"\0", strs[4] + name)].decode()
        out.append((n, info >> 4, shndx, value, size))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", required=True)
    ap.add_argument("blob")
    args = ap.parse_args()
    data = open(args.blob, "rb").read()
    shdrs, names = sections(data)
    syms = symbols(data, shdrs)

    counts = {}
    for i, s in enumerate(shdrs):
        if s[1] == SHT_REL:
            fail("section %s is REL; x86-64 relocations must be RELA" % names[i])
        if s[1] != SHT_RELA or not shdrs[s[7]][2] & SHF_ALLOC:
            continue
        for off in range(s[4], s[4] + s[5], 24):
            r_info, = struct.unpack_from("<Q", data, off + 8)
            rtype = r_info & 0xffffffff
            if rtype not in SUPPORTED:
                fail("relocation type %d in %s is not supported by the loader"
                     % (rtype, names[i]))
            counts[SUPPORTED[rtype]] = counts.get(SUPPORTED[rtype], 0) + 1

    bysym = {}
    for idx, (n, bind, shndx, value, size) in enumerate(syms):
        if idx and shndx in (SHN_UNDEF, SHN_COMMON):
            fail("symbol '%s' is undefined or COMMON; the purgatory links "
                 "against nothing" % n)
        if bind == STB_GLOBAL:
            bysym[n] = (shndx, size)
    for n, want in list(PATCHED.items()) + [(ENTRY, None)]:
        if n not in bysym:
            fail("global symbol '%s' missing" % n)
        shndx, size = bysym[n]
        if shndx >= SHN_LORESERVE:
            fail("symbol '%s' is not in a section" % n)
        flags, stype = shdrs[shndx][2], shdrs[shndx][1]
        if want is None:
            if not flags & SHF_EXECINSTR:
                fail("entry '%s' is not in an executable section" % n)
        elif size != want or stype == SHT_NOBITS or not flags & SHF_WRITE:
            fail("patched symbol '%s' must be %d bytes in .data (is %d bytes in %s)"
                 % (n, want, size, names[shndx]))

    # Same layout as purgatory_reloc.c: file-backed sections, then NOBITS.
    sizes = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    memsz = 0
    for nobits in (False, True):
        for s in shdrs:
            if not s[2] & SHF_ALLOC or (s[1] == SHT_NOBITS) != nobits:
                continue
            align = max(s[8], 1)
            memsz = (memsz + align - 1) // align * align + s[5]
            kind = ("bss" if nobits else "text" if s[2] & SHF_EXECINSTR
                    else "data" if s[2] & SHF_WRITE else "rodata")
            sizes[kind] += s[5]
    max_memsz = header_limit(args.header, "PURGATORY_MAX_MEMSZ")
    max_blob = header_limit(args.header, "PURGATORY_MAX_BLOB")
    if memsz > max_memsz:
        fail("image is %d bytes, over PURGATORY_MAX_MEMSZ %d" % (memsz, max_memsz))
    if len(data) > max_blob:
        fail("blob is %d bytes, over PURGATORY_MAX_BLOB %d" % (len(data), max_blob))
    relocs = ", ".join("%d %s" % (c, t) for t, c in sorted(counts.items()))
    print("  purg    %s: text %d, rodata %d, data %d, bss %d; memsz %d of %d, "
          "file %d of %d; %s"
          % (args.blob, sizes["text"], sizes["rodata"], sizes["data"], sizes["bss"],
             memsz, max_memsz,
             len(data), max_blob, relocs))


if __name__ == "__main__":
    main()
