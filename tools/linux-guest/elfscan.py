"""Read the two things the initramfs builder needs from ELF files: the
shared libraries a program needs (DT_NEEDED, what ld.so loads) and a kernel
module's .modinfo strings (its "depends=" list, what depmod reads to write
modules.dep).  ELF64 little-endian only: every file here is Debian amd64.
Linux counterpart: scripts/mod/modpost.c reads .modinfo the same way.
"""
import struct

SHT_DYNAMIC = 6
DT_NULL = 0
DT_NEEDED = 1
PT_INTERP = 3


class ElfError(Exception):
    """The file is not the ELF64 little-endian file we can read."""


class Elf:
    """An ELF64 LE file read whole into memory, with its section headers."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        self.path = path
        d = self.data
        if d[:4] != b"\x7fELF" or len(d) < 64:
            raise ElfError(f"{path}: not an ELF file")
        if d[4] != 2 or d[5] != 1:
            raise ElfError(f"{path}: not ELF64 little-endian")
        (self.phoff, self.shoff) = struct.unpack_from("<QQ", d, 32)
        (self.phentsize, self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = struct.unpack_from("<HHHHH", d, 54)
        self.sections = [self._shdr(i) for i in range(self.shnum)]

    def _shdr(self, i):
        name, stype, _flags, addr, offset, size, link = struct.unpack_from(
            "<IIQQQQI", self.data, self.shoff + i * self.shentsize)
        return {"name_off": name, "type": stype, "addr": addr, "offset": offset,
                "size": size, "link": link}

    def _cstr(self, offset):
        end = self.data.index(b"\0", offset)
        return self.data[offset:end].decode()

    def section_name(self, sec):
        return self._cstr(self.sections[self.shstrndx]["offset"] + sec["name_off"])

    def section_bytes(self, name):
        """The bytes of the first section called `name`, or None."""
        for sec in self.sections:
            if self.section_name(sec) == name:
                return self.data[sec["offset"]:sec["offset"] + sec["size"]]
        return None

    def needed(self):
        """DT_NEEDED sonames in file order ([] for a static program).

        The dynamic section's strings live in the section its sh_link names
        (.dynstr); reading through the section headers avoids translating
        DT_STRTAB's virtual address back to a file offset."""
        out = []
        for sec in self.sections:
            if sec["type"] != SHT_DYNAMIC:
                continue
            strtab = self.sections[sec["link"]]["offset"]
            for off in range(sec["offset"], sec["offset"] + sec["size"], 16):
                tag, val = struct.unpack_from("<qQ", self.data, off)
                if tag == DT_NULL:
                    break
                if tag == DT_NEEDED:
                    out.append(self._cstr(strtab + val))
        return out

    def interp(self):
        """The PT_INTERP path (the dynamic loader), or None."""
        for i in range(self.phnum):
            ptype, _flags, offset, _va, _pa, filesz = struct.unpack_from(
                "<IIQQQQ", self.data, self.phoff + i * self.phentsize)
            if ptype == PT_INTERP:
                return self.data[offset:offset + filesz].rstrip(b"\0").decode()
        return None


def needed(path):
    """The sonames `path` needs (DT_NEEDED); [] for a static program."""
    return Elf(path).needed()


def interp(path):
    """The dynamic loader `path` names (PT_INTERP), or None if static."""
    return Elf(path).interp()


def modinfo(path):
    """A kernel module's .modinfo as a dict of lists: {"depends": [...], ...}.

    .modinfo is a run of NUL-terminated "key=value" strings (Linux:
    MODULE_INFO() in include/linux/moduleparam.h); "depends" is one
    comma-separated value, empty when the module needs nothing."""
    raw = Elf(path).section_bytes(".modinfo")
    if raw is None:
        raise ElfError(f"{path}: no .modinfo section: not a kernel module")
    info = {}
    for item in raw.split(b"\0"):
        if b"=" not in item:
            continue
        key, _, value = item.decode(errors="replace").partition("=")
        info.setdefault(key, []).append(value)
    return info


def module_depends(path):
    """The module names `path` depends on (from .modinfo "depends=")."""
    deps = modinfo(path).get("depends", [""])[0]
    return [d for d in deps.split(",") if d]
