"""Reproducible builds: the same sources build the same kernel.elf, byte for
byte, and so the same build ID (what a vmcore is matched on), whatever
folder they are checked out in.  gcc gets -ffile-prefix-map; NASM's
DW_AT_comp_dir is rewritten by tools/nasm_prefix_map.py.  No QEMU here."""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_id(elf):
    out = subprocess.run(["readelf", "-n", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]{40})", out)
    assert m, f"no build ID note in {elf}:\n{out}"
    return m.group(1)


def copy_checkout(dest):
    """The tracked files of the working tree (what a clone of it would hold)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)


def test_no_checkout_path_in_the_built_kernel(build):
    """The cheap check: the absolute path of this checkout appears nowhere
    in kernel.elf or the purgatory (DWARF would carry it without the
    prefix maps)."""
    here = str(build.root.resolve()).encode()
    for f in (build.kernel_elf, build.dir / "purgatory.ro", build.dir / "purgatory.debug.ro"):
        data = f.read_bytes()
        assert here not in data, f"{f} holds the checkout path {here.decode()!r} at offset " \
                                 f"0x{data.index(here):x}"


def test_two_checkouts_build_the_same_kernel(build):
    """Two copies of the tree in folders of different depth and length,
    each built from clean: kernel.elf identical, build IDs equal."""
    with tempfile.TemporaryDirectory(prefix="repro-") as tmp:
        dirs = [Path(tmp) / "a", Path(tmp) / "a-much-longer-folder-name" / "nested"]
        elves = []
        for d in dirs:
            d.mkdir(parents=True)
            copy_checkout(d)
            r = subprocess.run(["make", "-j2", f"PYTHON={sys.executable}"], cwd=d,
                               capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, f"make in {d} failed:\n{(r.stdout + r.stderr)[-3000:]}"
            elves.append(d / "build" / "kernel.elf")
        a, b = (e.read_bytes() for e in elves)
        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None)
        assert a == b, (f"kernel.elf differs between {dirs[0]} and {dirs[1]}: sizes "
                        f"{len(a)} and {len(b)}, first difference at 0x{first or 0:x}")
        assert build_id(elves[0]) == build_id(elves[1])
