"""vmcore-inspect (tools/vmcore/) on a real vmcore: the session's (the
`vmcore` fixture: a crash captured in QEMU at 256M with crashkernel=32M
after writing a canary), then every command of the inspector on it (info, dmesg, read, memmap), and on cut and
corrupted copies, which must give "vmcore-inspect: error:" and exit status
2, never a crash or a sanitizer report (the tool is built with ASan and
UBSan by default)."""

import re
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from checks import check
from elftools.construct import Container
from elftools.elf.elffile import ELFFile
from elftools.elf.structs import ELFStructs
from guest import STAMP
from guest.elf import build_id

SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|Segmentation fault|core dumped")


@pytest.fixture(scope="module")
def tool(build):
    if not build.inspector.is_file():
        pytest.fail(f"{build.rel(build.inspector)} is missing: run `make tools`", pytrace=False)
    return build.inspector


def inspect(tool, *args, status=0):
    """Run the inspector; check its exit status and that no sanitizer spoke."""
    p = subprocess.run([str(tool)] + [str(a) for a in args], capture_output=True,
                       text=True, errors="replace", timeout=60)
    check(not SANITIZER.search(p.stderr), f"sanitizer report or crash for {args}:\n{p.stderr}")
    check(p.returncode == status, f"vmcore-inspect {' '.join(map(str, args))}: exit status "
          f"{p.returncode}, expected {status}\nstdout: {p.stdout[-1500:]}\nstderr: {p.stderr}")
    return p


@pytest.fixture(scope="module")
def crashed(vmcore):
    """The session's vmcore, with what the serial log said about it."""
    first = vmcore.crashed_log
    m = re.search(r"crash_canary = 0x([0-9a-f]{16}) at 0x([0-9a-f]{16}) "
                  r"\(physical 0x([0-9a-f]{16})\)", first)
    check(m and int(m.group(1), 16) == vmcore.canary, "no canary line in the serial log")
    return dict(
        vmcore=vmcore.path, log=first, canary=vmcore.canary,
        canary_va=int(m.group(2), 16), canary_pa=int(m.group(3), 16),
        build_id=re.search(r"kexec-kernel \S+ \(build id ([0-9a-f]+)\)", first).group(1),
        rip=re.search(rf"^{STAMP}RIP: 0008:([0-9a-f]{{16}})", first, re.M).group(1),
        panic=re.findall(r"^\[\s*\d+\.\d+\] Kernel panic - not syncing: .*$", first, re.M)[-1])


def elf_structs():
    """pyelftools' ELF64 little-endian x86-64 core structures, to build headers."""
    structs = ELFStructs(little_endian=True, elfclass=64)
    structs.create_basic_structs()
    structs.create_advanced_structs(e_type="ET_CORE", e_machine="EM_X86_64",
                                    e_ident_osabi="ELFOSABI_SYSV")
    return structs


def elf_core(path, vmcoreinfo, loads):
    """Write a minimal ELF64 x86-64 core file: one PT_NOTE holding a
    VMCOREINFO note, then one PT_LOAD per (paddr, vaddr, bytes)."""
    s = elf_structs()
    name, desc = b"VMCOREINFO\0", vmcoreinfo.encode()
    note = s.Elf_Nhdr.build(Container(n_namesz=len(name), n_descsz=len(desc), n_type=0)) + \
        name.ljust(12, b"\0") + desc.ljust((len(desc) + 3) & ~3, b"\0")
    phnum = 1 + len(loads)

    def phdr(p_type, offset, vaddr, paddr, size, flags, align):
        return s.Elf_Phdr.build(Container(p_type=p_type, p_flags=flags, p_offset=offset,
                                          p_vaddr=vaddr, p_paddr=paddr, p_filesz=size,
                                          p_memsz=size, p_align=align))
    phdrs = [phdr("PT_NOTE", s.Elf_Ehdr.sizeof() + s.Elf_Phdr.sizeof() * phnum, 0, 0,
                  len(note), 0, 4)]
    offset = 0x1000
    for paddr, vaddr, data in loads:
        phdrs.append(phdr("PT_LOAD", offset, vaddr, paddr, len(data), 7, 0))
        offset += len(data)
    ident = Container(EI_MAG=list(b"\x7fELF"), EI_CLASS="ELFCLASS64", EI_DATA="ELFDATA2LSB",
                      EI_VERSION="EV_CURRENT", EI_OSABI="ELFOSABI_SYSV", EI_ABIVERSION=0)
    ehdr = s.Elf_Ehdr.build(Container(
        e_ident=ident, e_type="ET_CORE", e_machine="EM_X86_64", e_version="EV_CURRENT",
        e_entry=0, e_phoff=s.Elf_Ehdr.sizeof(), e_shoff=0, e_flags=0,
        e_ehsize=s.Elf_Ehdr.sizeof(), e_phentsize=s.Elf_Phdr.sizeof(), e_phnum=phnum,
        e_shentsize=0, e_shnum=0, e_shstrndx=0))
    with open(path, "wb") as f:
        f.write((ehdr + b"".join(phdrs) + note).ljust(0x1000, b"\0"))
        for _, _, data in loads:
            f.write(data)


def log_record(ts_ns, text):
    size = (16 + len(text) + 7) & ~7
    return struct.pack("<QHHBBH", ts_ns, size, len(text), 6, 0, 0) + text.ljust(size - 16, b"\0")


def test_synthetic_vmcore_wrapped_ring_and_large_pages(tool):
    """A hand-made vmcore (no QEMU): a log ring whose records wrap past a
    len-0 marker, or past a tail too short for a header, and page tables
    with a 1 GiB and a 2 MiB page."""
    direct = 0xffff888000000000
    low = bytearray(0x10000)                                   # physical [0, 64 KiB)
    struct.pack_into("<Q", low, 0x1000 + 8 * 273, 0x2003)      # PML4[273] -> PDPT 0x2000
    struct.pack_into("<Q", low, 0x2000 + 8 * 1, 0x0 | 0x83)    # PDPT[1]: 1 GiB page at 0
    struct.pack_into("<Q", low, 0x2000 + 8 * 2, 0x3003)        # PDPT[2] -> PD 0x3000
    struct.pack_into("<Q", low, 0x3000, 0x200000 | 0x83)       # PD[0]: 2 MiB page at 2 MiB
    low[0x5000:0x5008] = b"1GiBpage"
    high = bytearray(0x1000)                                   # physical [2 MiB, +4 KiB)
    high[0x10:0x18] = b"2MiBpage"
    a, b, c = log_record(1_000_001_000, b"oldest"), log_record(2_500_000, b"middle one"), \
        log_record(3_000_000_000, b"Kernel panic - not syncing: synthetic")
    keys = ["NUMBER(pgtable_root)=0x1000", f"SYMBOL(kernel_log)={direct + 0x8000:#x}",
            "SIZE(logring)=40", "OFFSET(logring.buf)=0", "OFFSET(logring.buf_len)=8",
            "OFFSET(logring.first_idx)=12", "OFFSET(logring.next_idx)=16",
            "OFFSET(logring.first_seq)=24", "OFFSET(logring.next_seq)=32", "SIZE(log_record)=16",
            "OFFSET(log_record.ts_nsec)=0", "OFFSET(log_record.len)=8",
            "OFFSET(log_record.text_len)=10", "OFFSET(log_record.level)=12"]
    want = ["[    1.000001] oldest", "[    0.002500] middle one",
            "[    3.000000] Kernel panic - not syncing: synthetic"]
    with tempfile.TemporaryDirectory() as d:
        # first: a then b end 16 bytes before the end (a len-0 marker there);
        # second: they end 8 bytes before it (no room for a header).
        for tail in (16, 8):
            ring = bytearray(256)
            first = 256 - tail - len(a) - len(b)
            ring[first:256 - tail] = a + b
            ring[0:len(c)] = c
            low[0x9000:0x9100] = ring
            struct.pack_into("<QIIIIQQ", low, 0x8000, direct + 0x9000, 256, first, len(c), 0,
                             10, 13)
            core = Path(d) / f"synthetic-{tail}"
            elf_core(core, "\n".join(keys) + "\n",
                     [(0, direct, bytes(low)), (0x200000, direct + 0x200000, bytes(high))])
            out = inspect(tool, "dmesg", core).stdout.splitlines()
            check(out == want, f"tail {tail}: dmesg of a wrapped ring:\n" + "\n".join(out))
        out = inspect(tool, "read", core, "-v", hex(direct + 0x40005000), 8).stdout
        check("(1 GiB page)" in out and hexdump_bytes(out) == b"1GiBpage", f"1 GiB page:\n{out}")
        out = inspect(tool, "read", core, "-v", hex(direct + 0x80000010), 8).stdout
        check("(2 MiB page)" in out and hexdump_bytes(out) == b"2MiBpage", f"2 MiB page:\n{out}")
        out = inspect(tool, "read", core, "-v", hex(direct + 0x40005ff8), 16).stdout
        check(re.search(r"page 0xffff888040006000 -> physical 0x0+6000 \(1 GiB page\)", out),
              f"second page of a read not translated:\n{out}")
        err = inspect(tool, "dmesg", core.with_name("synthetic-16"), status=0).stderr
        check(err == "", f"dmesg wrote to stderr: {err}")
        err = inspect(tool, "memmap", core, status=2).stderr
        check("VMCOREINFO lacks SYMBOL(firmware_memmap)" in err, f"memmap without keys: {err}")


def test_info_shows_cpu_registers_vmcoreinfo_and_build_id(tool, crashed, build):
    c = crashed
    out = inspect(tool, "info", c["vmcore"], build.kernel_elf).stdout
    check(re.search(r"^  \d+\s+CORE\s+1 \(NT_PRSTATUS\)\s+336 ", out, re.M) and
          re.search(r"^  \d+\s+VMCOREINFO\s+0 ", out, re.M), f"notes table:\n{out[:800]}")
    check(re.search(r"^CPU 0 \(pid 1\), the crashing CPU \(first note\):", out, re.M), f"no CPU 0:\n{out[:1500]}")
    rip = re.search(r"^  rip 0x([0-9a-f]{16})  <(\w+)\+0x[0-9a-f]+>$", out, re.M)
    check(rip and rip.group(1) == c["rip"] and rip.group(2).startswith("crash_"),
          f"rip is not the panic's {c['rip']} in crash_*:\n{out[:1500]}")
    for reg in ("r15", "rbp", "rax", "rdi", "orig_rax", "cs", "eflags", "rsp", "ss",
                "fs_base", "gs_base", "ds", "es", "fs", "gs"):
        check(re.search(rf"\b{reg}\s+0x[0-9a-f]{{16}}", out), f"register {reg} missing")
    check(len(re.findall(r"\b\w+\s+0x[0-9a-f]{16}(?=\s|$)", out.split("VMCOREINFO:")[0]
                         .split("CPU 0")[1])) == 28, "not 27 registers plus rip")
    for key in ("OSRELEASE=", "BUILD-ID=", "SYMBOL(kernel_log)=", "NUMBER(pgtable_root)=",
                "SYMBOL(iomem_resource)=", "KEXEC_SEGMENT(0)=", "CRASHTIME="):
        check(f"\n  {key}" in out, f"VMCOREINFO key {key} not listed")
    check(re.search(r"^crash time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(CRASHTIME=\d+\)$",
                    out, re.M), "no crash time as a UTC date")
    check(f"build id: matches kernel.elf ({c['build_id']})" in out,
          f"build id {c['build_id']} not matched:\n{out[:400]}")
    window = re.search(r"crashkernel: reserved \[0x([0-9a-f]+), 0x([0-9a-f]+)\)", c["log"])
    loads = re.findall(r"^  \d+\s+\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)  0x([0-9a-f]{16})", out,
                       re.M)
    check(len(loads) >= 2, f"no PT_LOAD table:\n{out[-800:]}")
    ws, we = (int(x, 16) for x in window.groups())
    check(all(int(b, 16) <= ws or int(a, 16) >= we for a, b, _ in loads),
          "a PT_LOAD covers the crash window")

    # A kernel.elf with one build-id byte flipped, and a foreign ELF, do not match.
    elf = bytearray(build.kernel_elf.read_bytes())
    note = build_id(build.kernel_elf)
    check(note and note[0] == c["build_id"],
          f"kernel.elf's NT_GNU_BUILD_ID note {note} is not the vmcore's {c['build_id']}")
    at = note[1]
    check(elf[at:at + 20] == bytes.fromhex(c["build_id"]), "the note's bytes are not the id")
    elf[at] ^= 0xff
    with tempfile.NamedTemporaryFile(suffix=".elf") as other:
        other.write(elf)
        other.flush()
        out = inspect(tool, "info", c["vmcore"], other.name).stdout
        flipped = f"{elf[at]:02x}" + c["build_id"][2:]
        check(f"build id: MISMATCH: vmcore {c['build_id']}, kernel.elf {flipped}" in out,
              f"a flipped build id was not reported:\n{out[:400]}")
        check("kernel.elf does not match" in out, "rip symbolized silently with a wrong ELF")
    out = inspect(tool, "info", c["vmcore"], build.dir / "mini32.elf").stdout
    check(f"build id: MISMATCH: vmcore {c['build_id']}, kernel.elf none" in out,
          f"mini32.elf (no build id) not reported:\n{out[:400]}")


def test_dmesg_ends_with_the_panic(tool, crashed):
    c = crashed
    out = inspect(tool, "dmesg", c["vmcore"]).stdout.splitlines()
    check(len(out) > 20 and out[0].endswith(f"(build id {c['build_id']})"),
          f"dmesg does not start with the banner: {out[:2]}")
    check(all(re.match(r"\[\s*\d+\.\d{6}\] ", l) for l in out), "a line without a timestamp")
    # The panic line, timestamp and all, as the serial console showed it.
    check(c["panic"] in out[-3:], f"the serial's {c['panic']!r} is not among dmesg's last "
          f"lines:\n" + "\n".join(out[-6:]))
    check(any("Call Trace:" in l for l in out[-15:]), "no Call Trace before the panic")


def hexdump_bytes(out):
    return bytes(int(b, 16) for line in out.splitlines() if re.match(r"[0-9a-f]{16}: ", line)
                 for b in line.split(":", 1)[1].split("|")[0].split())


def test_read_finds_the_canary_by_physical_and_virtual_address(tool, crashed):
    c = crashed
    want = struct.pack("<Q", c["canary"])
    out = inspect(tool, "read", c["vmcore"], hex(c["canary_pa"]), 8).stdout
    check(re.search(rf"read: physical 0x{c['canary_pa']:016x}, 8 bytes, from PT_LOAD \d+", out)
          and hexdump_bytes(out) == want, f"canary not at its physical address:\n{out}")
    out = inspect(tool, "read", c["vmcore"], "-v", hex(c["canary_va"]), 8).stdout
    check("through the page tables" in out and
          re.search(rf"-> physical 0x{c['canary_pa']:016x} \((4 KiB|2 MiB|1 GiB) page\)", out),
          f"no page walk to the canary's physical address:\n{out}")
    check(re.search(r"agrees with PT_LOAD \d+", out), f"walk not checked against PT_LOAD:\n{out}")
    check(hexdump_bytes(out) == want, f"canary not at its virtual address:\n{out}")
    # The same bytes through the direct map (page_offset_base + physical).
    out = inspect(tool, "read", c["vmcore"], "-v", hex(0xffff888000000000 + c["canary_pa"]),
                  8).stdout
    check(hexdump_bytes(out) == want, f"canary not at its direct-map address:\n{out}")
    window = re.search(r"crashkernel: reserved \[0x([0-9a-f]+)", c["log"]).group(1)
    err = inspect(tool, "read", c["vmcore"], "0x" + window, 16, status=2).stderr
    check(err.startswith("vmcore-inspect: error:") and "crash window" in err,
          f"reading the window: {err}")
    err = inspect(tool, "read", c["vmcore"], "-v", "0x1000", 16, status=2).stderr
    check("not mapped" in err, f"reading an unmapped address: {err}")


def test_memmap_draws_a_labelled_svg(tool, crashed, build):
    c = crashed
    text = inspect(tool, "memmap", c["vmcore"]).stdout
    svg = build.dir / "test-inspector-memmap.svg"
    out = inspect(tool, "memmap", c["vmcore"], "-o", svg).stdout
    check(f"memmap: wrote {svg} (" in out, out)
    try:
        root = ET.parse(svg).getroot()
    except ET.ParseError as e:
        raise AssertionError(f"{svg} is not XML: {e}")
    labels = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for want in ("System RAM", "Kernel code", "Crash kernel", "Multiboot2 info", "usable",
                 "excluded: crash window", "seg 0: kernel", "NOT TO SCALE",
                 "crash kernel window (crashkernel=)", "RAM left out of the vmcore"):
        check(any(want in l for l in labels), f"SVG has no label with {want!r}")
    # Every region of the text listing is in the picture, name and range.
    regions = re.findall(r"^  \[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\) \S+ \S+\s+(.+)$", text, re.M)
    check(len(regions) > 15, f"too few regions:\n{text}")
    for start, end, name in regions:
        rng = f"[0x{int(start, 16):x}, 0x{int(end, 16):x})"
        check(name in labels and any(l.startswith(rng) for l in labels),
              f"region {name} {rng} is not labelled in the SVG")
    png = svg.with_suffix(".png")
    if "(rsvg-convert)" in out or "(ImageMagick convert)" in out:
        check(png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG")
    else:
        check("memmap: no PNG:" in out, f"neither a PNG nor a reason:\n{out}")


def bad_copies(core, tmp):
    """(name, path) of cut and corrupted copies of the vmcore.  Corrupted
    ones are sparse: the first MiB copied, then holes to the full size."""
    data_start = 1 << 20
    with open(core, "rb") as f:
        head = bytearray(f.read(data_start))
        elf = ELFFile(f)
        phoff, phnum = elf["e_phoff"], elf["e_phnum"]
        ph = [seg.header for seg in elf.iter_segments()]
    size = core.stat().st_size
    s = elf_structs()
    note = next(p for p in ph if p.p_type == "PT_NOTE")
    load = max((p for p in ph if p.p_type == "PT_LOAD"), key=lambda p: p.p_filesz)
    out = []

    def cut(name, length):
        path = tmp / name
        with open(core, "rb") as f, open(path, "wb") as o:
            o.write(f.read(length))
        out.append((name, path))

    def corrupt(name, offset, value):
        path = tmp / name
        h = bytearray(head)
        h[offset:offset + len(value)] = value
        with open(path, "wb") as o:
            o.write(h)
            o.truncate(size)
        out.append((name, path))

    def corrupt_header(name, layout, offset, **fields):
        """A copy whose header at offset (a pyelftools struct) has fields
        changed (a dict value changes fields of a nested struct)."""
        header = layout.parse(bytes(head[offset:offset + layout.sizeof()]))
        for field, value in fields.items():
            if isinstance(value, dict):
                header[field].update(value)
            else:
                header[field] = value
        corrupt(name, offset, layout.build(header))

    cut("10 bytes", 10)
    cut("half the ELF header", 32)
    cut("mid program headers", phoff + s.Elf_Phdr.sizeof() * phnum - 20)
    cut("mid notes", note.p_offset + note.p_filesz // 2)
    cut("mid data", load.p_offset + 12345)
    corrupt_header("garbage phnum", s.Elf_Ehdr, 0, e_phnum=0xfff0)
    corrupt_header("bad magic", s.Elf_Ehdr, 0, e_ident={"EI_MAG": list(b"\x7fELG")})
    corrupt_header("32-bit class", s.Elf_Ehdr, 0, e_ident={"EI_CLASS": "ELFCLASS32"})
    corrupt_header("PT_NOTE past the end", s.Elf_Phdr,
                   phoff + s.Elf_Phdr.sizeof() * ph.index(note), p_filesz=1 << 40)
    vmci = bytes(head).index(b"VMCOREINFO\0")
    corrupt("no VMCOREINFO", vmci, b"VMCOREINFX")
    corrupt_header("note name too long", s.Elf_Nhdr, note.p_offset, n_namesz=0x10000)
    return out


def test_bad_files_give_clear_errors(tool, crashed, build):
    c = crashed
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cases = bad_copies(c["vmcore"], tmp) + [("kernel.elf (not a core)", build.kernel_elf),
                                               ("empty file", tmp / "empty")]
        (tmp / "empty").touch()
        for name, path in cases:
            for cmd in (["info", path], ["dmesg", path], ["read", path, "0x1000", "16"],
                        ["memmap", path, "-o", tmp / "x.svg"]):
                p = inspect(tool, *cmd, status=2)
                check(p.stderr.startswith("vmcore-inspect: error: ") and
                      p.stderr.count("\n") == 1, f"{name}, {cmd[0]}: {p.stderr!r}")
            print(f"    {name:<24} {p.stderr.strip()[:110]}")
        for args in (["frobnicate"], ["read", c["vmcore"], "0x1000"],
                     ["read", c["vmcore"], "0x1000", "0"], ["info"]):
            p = inspect(tool, *args, status=2)
            check(p.stderr.startswith("vmcore-inspect: error: "), f"{args}: {p.stderr!r}")
        check("vmcore-inspect info VMCORE [KERNEL.ELF]" in inspect(tool, "--help").stdout,
              "--help lacks the commands")
