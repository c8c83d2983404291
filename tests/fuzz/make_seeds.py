#!/usr/bin/python3
"""Make the fuzz targets' committed seeds from a real boot and a real
capture (run once by hand; the seeds are in tests/fuzz/corpus/):

    tools/../tests/fuzz/make_seeds.py [--build DIR]

elfcorehdr: the ELF core header kexec -p left in the window of a 256 MiB
machine (read with xd), and the same header made self-contained for the
target (its PT_NOTE moved to a copy of the real notes after it: the
target's "physical memory" is its input).  vmcore_inspect: a real vmcore
cut small (headers and notes whole, each PT_LOAD cut to its first page).
vmcoreinfo: the real VMCOREINFO text.  The text targets' seeds are
written by hand (cmdline, crashkernel)."""
import argparse
import os
import re
import struct
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import guest                                            # noqa: E402
from elftools.elf.elffile import ELFFile               # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def xd_bytes(text):
    """The bytes of `xd` lines ("ADDR: 16 hex bytes in two groups  |ascii|")."""
    return bytes.fromhex("".join(re.findall(r"^[0-9a-f]+: ([0-9a-f ]+?)\s+\|", text, re.M)
                                 ).replace(" ", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    build = guest.Build(ap.parse_args().build)
    with tempfile.TemporaryDirectory() as tmp:
        vmcore = Path(tmp) / "vmcore"
        cap = guest.kdump.capture(build, mem="256M", crashkernel="32M", trigger="panic",
                                  before=[], vmcore=vmcore)
        with guest.Machine(build, mem="256M", cmdline="crashkernel=32M") as m:
            m.wait_prompt()
            out = m.run("kexec -p /boot/kernel.elf")
            pa = int(re.search(r"segment \d+ \[0x([0-9a-f]+), .*ELF core header", out).group(1), 16)
            hdr = xd_bytes(m.run(f"xd 0x{pa:x} 1024"))
        ehdr_len = 64 + struct.unpack_from("<H", hdr, 56)[0] * 56
        hdr = hdr[:ehdr_len]
        write("elfcorehdr", "real-256m.bin", hdr)
        with open(vmcore, "rb") as f:
            elf = ELFFile(f)
            note = next(s for s in elf.iter_segments() if s.header.p_type == "PT_NOTE")
            notes = note.data()
            loads = [s for s in elf.iter_segments() if s.header.p_type == "PT_LOAD"]
            # Self-contained header: the first PT_NOTE points at the vmcore's
            # merged notes appended after the header, the other PT_NOTEs
            # (one per CPU slot) at an empty note there.
            own = bytearray(hdr)
            first = True
            for i in range(struct.unpack_from("<H", hdr, 56)[0]):
                if struct.unpack_from("<I", hdr, 64 + i * 56)[0] == 4:     # PT_NOTE
                    off, size = (len(hdr), len(notes)) if first else (len(hdr) + len(notes), 12)
                    struct.pack_into("<QQQQQ", own, 64 + i * 56 + 8, off, 0, off, size, size)
                    first = False
            write("elfcorehdr", "self-contained.bin", bytes(own) + notes + bytes(12))
            info = re.search(rb"VMCOREINFO\0+(.*?)\0", notes, re.S)
            write("vmcoreinfo", "real.txt", info.group(1))
            write("vmcore_inspect", "small.vmcore", cut_vmcore(f, elf, notes, loads))
    print(f"seeds written under {CORPUS}")


def cut_vmcore(f, elf, notes, loads):
    """The vmcore with every PT_LOAD cut to its first page."""
    phnum = elf.header.e_phnum
    head = bytearray(64 + phnum * 56)
    f.seek(0)
    head[:64] = f.read(64)
    off = len(head)
    body = bytearray()
    for i, seg in enumerate(elf.iter_segments()):
        h = seg.header
        if h.p_type == "PT_NOTE":
            data, filesz, memsz = notes, len(notes), len(notes)
        else:
            f.seek(h.p_offset)
            data = f.read(min(4096, h.p_filesz))
            filesz = memsz = len(data)
        struct.pack_into("<IIQQQQQQ", head, 64 + i * 56, {"PT_NOTE": 4, "PT_LOAD": 1}.get(h.p_type, 0),
                         h.p_flags, off + len(body), h.p_vaddr, h.p_paddr, filesz, memsz, h.p_align)
        body += data
    return bytes(head) + bytes(body)


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
    print(f"{target}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
