"""The build's own guarantees, checked without QEMU.

Layering: tools/check_layers.py, which make runs before it compiles
anything.  The tree passes; a copy of the tree with one deliberate
violation fails, with one line naming both files and both layers: an
upward #include, an upward NASM %include, the purgatory reaching into the
kernel, an include cycle; and `make` on such a copy stops before it
compiles anything.

Reproducibility: the same sources build the same kernel.elf, byte for
byte, and so the same build ID (what a vmcore is matched on), whatever
folder they are checked out in.  gcc gets -ffile-prefix-map; NASM's
DW_AT_comp_dir is rewritten by tools/nasm_prefix_map.py."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from guest.elf import build_id

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "tools" / "check_layers.py"
FOLDERS = ["lib", "boot", "mm", "drivers", "kernel", "kexec", "crash"]
ORDER = "lib \u2192 boot \u2192 mm \u2192 drivers \u2192 kernel \u2192 kexec \u2192 crash \u2192 top"


def copy_checkout(dest):
    """The tracked files of the working tree (what a clone of it would hold)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)


# ------------------------------------------------------------------ layering

def checker(root, *files):
    return subprocess.run([sys.executable, str(CHECKER), "--root", str(root), *files],
                          capture_output=True, text=True, timeout=120)


def copy_tree(dest):
    """The kernel folders' sources (what the checker reads) into dest."""
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, dest / folder,
                        ignore=shutil.ignore_patterns("*.md", "*.o", "*.d"))


def with_files(files, run=checker):
    """Run on a copy of the tree with files {path: text} added; the result."""
    with tempfile.TemporaryDirectory(prefix="layers-") as tmp:
        root = Path(tmp)
        copy_tree(root)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        return run(root)


def errors(result):
    return [line for line in result.stdout.splitlines() if line.startswith("layers: error:")]


def test_the_tree_passes(build):
    r = checker(ROOT)
    assert r.returncode == 0, f"the tree has layering errors:\n{r.stdout}{r.stderr}"
    assert "no upward include, no cycle" in r.stdout, r.stdout


def test_an_upward_include_fails_naming_both_files_and_layers(build):
    r = with_files({"mm/bad_upward.c": '#include "crash/crash.h"\n'})
    want = (f"layers: error: mm/bad_upward.c includes crash/crash.h "
            f"(mm may not include crash: {ORDER})")
    assert r.returncode == 1, f"exit {r.returncode}:\n{r.stdout}"
    assert errors(r) == [want], f"want exactly:\n{want}\ngot:\n{r.stdout}"


def test_same_and_lower_layers_and_kmain_are_allowed(build):
    r = with_files({
        "drivers/fine.c": '#include "drivers/pic.h"\n#include "mm/memmap.h"\n'
                          '#include "lib/types.h"\n',
        "kernel/main.c": (ROOT / "kernel/main.c").read_text() + '#include "crash/crash.h"\n',
    })
    assert r.returncode == 0, f"allowed includes refused:\n{r.stdout}"


def test_upward_nasm_include_and_a_header_chain_fail(build):
    r = with_files({
        # A NASM include is the header the build made it from.
        "drivers/bad.asm": '%include "trapframe_layout.inc"\n',
        # An upward include inside a header counts as much as in a .c.
        "lib/bad.h": '#include "kernel/percpu.h"\n',
        # Only kernel/main.c is "top": another kernel file may not name crash/.
        "kernel/bad.c": '#include "crash/crash.h"\n',
    })
    got = errors(r)
    assert r.returncode == 1, r.stdout
    for want in (f"layers: error: drivers/bad.asm includes kernel/trapframe_layout.h "
                 f"(drivers may not include kernel: {ORDER})",
                 f"layers: error: lib/bad.h includes kernel/percpu.h "
                 f"(lib may not include kernel: {ORDER})",
                 f"layers: error: kernel/bad.c includes crash/crash.h "
                 f"(kernel may not include crash: {ORDER})"):
        assert want in got, f"missing:\n{want}\ngot:\n{r.stdout}"
    assert len(got) == 3, r.stdout


def test_hand_written_nasm_includes_are_layered_too(build):
    """A NASM macro file written by hand (lib/cfi.inc) is a file of its
    layer: lower layers may include it, and one above them may not be."""
    r = with_files({"kernel/macros.inc": "%macro NOTHING 0\n%endmacro\n",
                    "mm/bad.asm": '%include "macros.inc"\n%include "cfi.inc"\n'})
    want = (f"layers: error: mm/bad.asm includes kernel/macros.inc "
            f"(mm may not include kernel: {ORDER})")
    assert r.returncode == 1 and errors(r) == [want], f"want exactly:\n{want}\ngot:\n{r.stdout}"


def test_the_purgatory_may_include_only_lib(build):
    r = with_files({"kexec/purgatory/bad.c": '#include "kexec/kexec.h"\n#include "lib/elf.h"\n',
                    "mm/bad.c": '#include "kexec/purgatory/purgatory.h"\n'})
    got = errors(r)
    assert r.returncode == 1, r.stdout
    assert any(l.startswith("layers: error: kexec/purgatory/bad.c includes kexec/kexec.h "
                            "(the purgatory may include only lib and itself")
               for l in got), r.stdout
    assert any(l.startswith("layers: error: mm/bad.c includes kexec/purgatory/purgatory.h "
                            "(mm may not include the purgatory") for l in got), r.stdout
    assert len(got) == 2, r.stdout


def test_an_include_cycle_fails(build):
    # Same layer, so no upward include: only the cycle check sees it.  x.c
    # and x.h are one module, so ping.c -> pong.h -> ping.h closes it.
    r = with_files({"kernel/ping.h": "/* ping */\n",
                    "kernel/ping.c": '#include "kernel/ping.h"\n#include "kernel/pong.h"\n',
                    "kernel/pong.h": '#include "kernel/ping.h"\n'})
    assert r.returncode == 1, r.stdout
    assert errors(r) == ["layers: error: include cycle of 2 modules: kernel/ping -> "
                         "kernel/pong -> kernel/ping (a module is x.c, x.h and x.asm of "
                         "one folder)"], r.stdout


def test_a_file_given_on_the_command_line_is_checked_with_the_tree(build):
    def run(root):
        bad = root / "boot" / "extra.c"
        bad.write_text('#include "kexec/kexec.h"\n')
        return checker(root, str(bad))
    r = with_files({}, run=run)
    assert errors(r) == [f"layers: error: boot/extra.c includes kexec/kexec.h "
                         f"(boot may not include kexec: {ORDER})"], r.stdout


def test_make_stops_before_compiling_anything(build):
    """make on a copy of the repository with one upward include fails, names
    it, and compiles nothing: every object waits for the check."""
    with tempfile.TemporaryDirectory(prefix="layers-make-") as tmp:
        root = Path(tmp)
        copy_checkout(root)
        (root / "drivers" / "bad_upward.c").write_text('#include "kexec/kexec.h"\n')
        r = subprocess.run(["make", "-j2", "BUILD=build-layers", f"PYTHON={sys.executable}"],
                           cwd=root, capture_output=True, text=True, timeout=300)
        out = r.stdout + r.stderr
        assert r.returncode != 0, f"make passed:\n{out[-2000:]}"
        assert (f"layers: error: drivers/bad_upward.c includes kexec/kexec.h "
                f"(drivers may not include kexec: {ORDER})") in out, out[-2000:]
        objects = list((root / "build-layers").rglob("*.o"))
        assert not objects, f"make compiled {len(objects)} objects before the check"


# ----------------------------------------------------------- reproducibility

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
        ids = [build_id(e) for e in elves]
        assert ids[0] and ids[0][0] == ids[1][0], f"build IDs differ: {ids}"
