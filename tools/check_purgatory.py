#!/usr/bin/python3
"""Check the purgatory blob at build time, so a problem fails the build,
not a kexec at run time:
  - an x86-64 ELF relocatable object (ET_REL), RELA only;
  - every relocation that targets a loaded (SHF_ALLOC) section has a type
    kexec/purgatory_reloc.c applies;
  - no undefined or COMMON symbols (the blob links against nothing);
  - each symbol the loader patches is a global of the expected size in a
    writable section that has file contents (not .bss);
  - the laid-out image and the file fit the limits in purgatory.h.
The object is read with pyelftools (Debian: python3-pyelftools).
Usage: check_purgatory.py --header kexec/purgatory/purgatory.h purgatory.ro
Prints one summary line; on failure "check_purgatory: error: ..." and exit 1.
"""
import argparse
import re
import sys

try:
    from elftools.common.exceptions import ELFError
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile
    from elftools.elf.enums import ENUM_RELOC_TYPE_x64
except ImportError:
    sys.exit("check_purgatory: error: pyelftools is missing: run `make deps` "
             "(Debian: python3-pyelftools) and build with /usr/bin/python3")

# The types kexec/purgatory_reloc.c applies (keep the two in step).
SUPPORTED = {"R_X86_64_NONE", "R_X86_64_64", "R_X86_64_PC32", "R_X86_64_PLT32",
             "R_X86_64_32", "R_X86_64_32S"}
RELOC_NAMES = {num: name for name, num in ENUM_RELOC_TYPE_x64.items() if name != "_default_"}

# Symbols the loader sets (name -> size in bytes), see purgatory.h.
PATCHED = {
    "purgatory_regions": 16 * 48,
    "purgatory_nr_regions": 4,
    "purgatory_entry32": 4,
    "purgatory_mbi": 4,
    "purgatory_entry64": 8,
    "purgatory_boot_params": 8,
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


def open_object(f):
    """The ELFFile of an x86-64 relocatable object, or fail."""
    try:
        elf = ELFFile(f)
    except ELFError as e:
        fail("not an ELF file (%s)" % e)
    if elf.elfclass != 64 or not elf.little_endian:
        fail("not a little-endian ELF64 file")
    if elf["e_type"] != "ET_REL" or elf["e_machine"] != "EM_X86_64":
        fail("not an x86-64 relocatable object (e_type %s, e_machine %s)"
             % (elf["e_type"], elf["e_machine"]))
    return elf


def relocation_counts(elf):
    """{type name: count} of the relocations that patch loaded sections;
    fails on REL sections and on a type the loader does not apply."""
    counts = {}
    for sec in elf.iter_sections():
        if sec["sh_type"] == "SHT_REL":
            fail("section %s is REL; x86-64 relocations must be RELA" % sec.name)
        if sec["sh_type"] != "SHT_RELA":
            continue
        if not elf.get_section(sec["sh_info"])["sh_flags"] & SH_FLAGS.SHF_ALLOC:
            continue
        for rel in sec.iter_relocations():
            name = RELOC_NAMES.get(rel["r_info_type"], str(rel["r_info_type"]))
            if name not in SUPPORTED:
                fail("relocation type %s in %s is not supported by the loader" % (name, sec.name))
            counts[name] = counts.get(name, 0) + 1
    return counts


def check_symbols(elf):
    """No undefined or COMMON symbol; each patched symbol a global of its
    size in a writable section with file contents; the entry in code."""
    symtabs = [s for s in elf.iter_sections() if s["sh_type"] == "SHT_SYMTAB"]
    if len(symtabs) != 1:
        fail("%d symbol tables, expected 1" % len(symtabs))
    globals_ = {}
    for idx, sym in enumerate(symtabs[0].iter_symbols()):
        shndx = sym["st_shndx"]
        if idx and shndx in ("SHN_UNDEF", "SHN_COMMON"):
            fail("symbol '%s' is undefined or COMMON; the purgatory links "
                 "against nothing" % sym.name)
        if sym["st_info"]["bind"] == "STB_GLOBAL":
            globals_[sym.name] = (shndx, sym["st_size"])
    for n, want in list(PATCHED.items()) + [(ENTRY, None)]:
        if n not in globals_:
            fail("global symbol '%s' missing" % n)
        shndx, size = globals_[n]
        if not isinstance(shndx, int):
            fail("symbol '%s' is not in a section" % n)
        sec = elf.get_section(shndx)
        if want is None:
            if not sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR:
                fail("entry '%s' is not in an executable section" % n)
        elif size != want or sec["sh_type"] == "SHT_NOBITS" or \
                not sec["sh_flags"] & SH_FLAGS.SHF_WRITE:
            fail("patched symbol '%s' must be %d bytes in .data (is %d bytes in %s)"
                 % (n, want, size, sec.name))


def layout(elf):
    """The loaded image as purgatory_reloc.c lays it out (file-backed
    sections, then NOBITS): (bytes by kind, total memsz)."""
    sizes = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    memsz = 0
    for nobits in (False, True):
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or (sec["sh_type"] == "SHT_NOBITS") != nobits:
                continue
            align = max(sec["sh_addralign"], 1)
            memsz = (memsz + align - 1) // align * align + sec["sh_size"]
            kind = ("bss" if nobits else "text" if flags & SH_FLAGS.SHF_EXECINSTR
                    else "data" if flags & SH_FLAGS.SHF_WRITE else "rodata")
            sizes[kind] += sec["sh_size"]
    return sizes, memsz


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", required=True)
    ap.add_argument("blob")
    args = ap.parse_args()
    with open(args.blob, "rb") as f:
        elf = open_object(f)
        counts = relocation_counts(elf)
        check_symbols(elf)
        sizes, memsz = layout(elf)
        f.seek(0, 2)
        file_size = f.tell()
    max_memsz = header_limit(args.header, "PURGATORY_MAX_MEMSZ")
    max_blob = header_limit(args.header, "PURGATORY_MAX_BLOB")
    if memsz > max_memsz:
        fail("image is %d bytes, over PURGATORY_MAX_MEMSZ %d" % (memsz, max_memsz))
    if file_size > max_blob:
        fail("blob is %d bytes, over PURGATORY_MAX_BLOB %d" % (file_size, max_blob))
    relocs = ", ".join("%d %s" % (c, t) for t, c in sorted(counts.items()))
    print("  purg    %s: text %d, rodata %d, data %d, bss %d; memsz %d of %d, "
          "file %d of %d; %s"
          % (args.blob, sizes["text"], sizes["rodata"], sizes["data"], sizes["bss"],
             memsz, max_memsz, file_size, max_blob, relocs))


if __name__ == "__main__":
    main()
