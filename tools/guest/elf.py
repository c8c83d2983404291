"""The ELF files the host side reads, through pyelftools: a vmcore on a dump
disk, a vmcore's memory and notes (Vmcore), kernel.elf's symbols, its build
id, the source file of a function.

The capture kernel writes the vmcore at byte 0 of the dump disk, which is
larger; the vmcore's size follows from its own program headers: the end of
the furthest segment's bytes.  Linux's counterparts are makedumpfile
reading /proc/vmcore's headers, and crash or gdb reading vmlinux's symbols
and DWARF.
"""

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile


def open_elf(f):
    """ELFFile of the open binary file f; ValueError if it is not ELF."""
    try:
        return ELFFile(f)
    except ELFError as e:
        raise ValueError(f"not an ELF file ({e})")


def program_headers(path):
    """The program headers of the ELF file at path (pyelftools Containers:
    p_type "PT_LOAD", p_offset, p_vaddr, p_paddr, p_filesz...)."""
    with open(path, "rb") as f:
        return [seg.header for seg in open_elf(f).iter_segments()]


def vmcore_size(f):
    """The size in bytes of the ELF64 core file at the start of the open
    binary file f: its last PT_LOAD's bytes run to a page boundary, as a
    PT_LOAD is whole pages of memory in /proc/vmcore's layout.  Raises
    ValueError, saying why, when f does not start with one."""
    f.seek(0)
    try:
        elf = ELFFile(f)
    except ELFError:
        raise ValueError("no ELF header at byte 0: the capture kernel did not save a vmcore")
    if elf.elfclass != 64 or not elf.little_endian:
        raise ValueError("not a 64-bit little-endian ELF file")
    if elf["e_type"] != "ET_CORE":
        raise ValueError(f"ELF type {elf['e_type']}, not ET_CORE")
    phnum, phentsize = elf["e_phnum"], elf["e_phentsize"]
    if phentsize != 56 or phnum == 0 or phnum >= 0xffff:
        raise ValueError(f"implausible program headers ({phnum} of {phentsize} bytes)")
    end = elf["e_phoff"] + phnum * phentsize
    try:
        for seg in elf.iter_segments():
            seg_end = seg["p_offset"] + seg["p_filesz"]
            if seg["p_type"] == "PT_LOAD":
                seg_end = (seg_end + 4095) & ~4095
            end = max(end, seg_end)
    except ELFError:
        raise ValueError("program headers run past the end of the disk")
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


def build_id(path):
    """(hex build id, file offset of its bytes) of the ELF file at path, from
    its NT_GNU_BUILD_ID note; None if it has none."""
    with open(path, "rb") as f:
        elf = open_elf(f)
        for sec in elf.iter_sections():
            if sec["sh_type"] != "SHT_NOTE":
                continue
            for note in sec.iter_notes():
                if note["n_type"] == "NT_GNU_BUILD_ID":
                    desc = note["n_offset"] + 12 + (note["n_namesz"] + 3) // 4 * 4
                    return note["n_desc"], desc
    return None


def function_source(path, name):
    """The source file of function name as kernel.elf's DWARF records it
    (the path the compiler was given, "kernel/main.c"): the name of the
    compile unit whose code holds the function's address."""
    with open(path, "rb") as f:
        elf = open_elf(f)
        addr = Symbols(path, elf).addr(name)
        dwarf = elf.get_dwarf_info()
        aranges = dwarf.get_aranges()
        offset = aranges.cu_offset_at_addr(addr) if aranges else None
        if offset is None:
            raise ValueError(f"{path}: no DWARF compile unit covers {name} at {addr:#x}")
        return dwarf.get_CU_at(offset).get_top_DIE().attributes["DW_AT_name"].value.decode()


class Symbols:
    """An ELF file's defined symbols: name -> (address, size), from .symtab."""

    def __init__(self, path, elf=None):
        """Read path's symbols (from elf, its ELFFile, when already open)."""
        self.path = path
        self.table = {}
        if elf is None:
            with open(path, "rb") as f:
                self._load(open_elf(f))
        else:
            self._load(elf)

    def _load(self, elf):
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            raise ValueError(f"{self.path} has no symbol table")
        for sym in symtab.iter_symbols():
            if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                self.table[sym.name] = (sym["st_value"], sym["st_size"])

    def __contains__(self, name):
        return name in self.table

    def addr(self, name):
        """The address of name; KeyError saying so if there is no such symbol."""
        if name not in self.table:
            raise KeyError(f"{name} is not in {self.path}")
        return self.table[name][0]

    def range(self, name):
        """[start, end) of a sized symbol (a C function or object)."""
        if not self.table.get(name, (0, 0))[1]:
            raise KeyError(f"{name} has no size in {self.path}")
        start, size = self.table[name]
        return start, start + size


class Vmcore:
    """A vmcore, read from the host: its PT_LOADs, its notes, the KEY=VALUE
    lines of its VMCOREINFO and DUMPINFO notes, and the dead kernel's
    memory by physical or virtual address.  Use with `with`."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        elf = open_elf(self.f)
        self.loads = []         # (paddr, vaddr, size, file offset), in file order
        self.notes = []         # (owner, type, desc bytes)
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                self.loads.append((seg["p_paddr"], seg["p_vaddr"], seg["p_filesz"],
                                   seg["p_offset"]))
            elif seg["p_type"] == "PT_NOTE":
                self.notes += [(n["n_name"], n["n_type"], n["n_descdata"])
                               for n in seg.iter_notes()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def keys(self, owner):
        """{KEY: VALUE} of the first note of owner ("VMCOREINFO",
        "DUMPINFO"); {} if there is none."""
        for name, _, desc in self.notes:
            if name == owner:
                lines = desc.decode(errors="replace").split("\n")
                return dict(line.split("=", 1) for line in lines if "=" in line)
        return {}

    def _read(self, addr, size, field):
        for load in self.loads:
            start = load[field]
            if start <= addr and addr + size <= start + load[2]:
                self.f.seek(load[3] + addr - start)
                return self.f.read(size)
        return None

    def read_phys(self, pa, size):
        """size bytes of physical memory at pa from one PT_LOAD, or None."""
        return self._read(pa, size, 0)

    def read_virt(self, va, size):
        """size bytes at virtual address va (a PT_LOAD's p_vaddr range), or None."""
        return self._read(va, size, 1)
