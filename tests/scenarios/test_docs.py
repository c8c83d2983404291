"""The docs stay true: every session README.md and docs/*.md show is
replayed against this build (tools/docs_replay.py; `make docs` rewrites
them), one test per document, failing with FILE:LINE, the doc's line and
the run's.  The replay itself can fail: a scratch copy of chapter 1 with
one log line reworded fails at that line, and `--write` brings it back.
And `make vmcore` works on a scratch disk: a build/dump.img of the user's
survives it byte for byte.
"""

import subprocess
import sys
from pathlib import Path

import pytest

import docreplay
from docreplay.compare import check, rewrite, vary_names
from docreplay.session import View

ROOT = Path(__file__).resolve().parents[2]
# Chapters in reading order, then README.md (its `make demo` and `make
# vmcore` are the chapters' own), then the answers to the chapters'
# exercises: the Makefile's DOCS, in its order.
DOCS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("[0-9]*.md"))
DOCS += ["README.md", "docs/answers.md"]
REPLAY = [sys.executable, str(ROOT / "tools" / "docs_replay.py")]


@pytest.fixture(scope="module")
def session(build):
    s = docreplay.Session(build)
    yield s
    s.close()


@pytest.mark.parametrize("doc", DOCS)
def test_doc_sessions_match_this_build(session, doc):
    r = docreplay.replay(session, ROOT / doc)
    if r.failures:
        pytest.fail(f"{len(r.failures)} session(s) of {doc} no longer match the kernel "
                    "(`make docs` rewrites them; review the diff):\n" + "\n".join(r.failures),
                    pytrace=False)
    # A document that shows output replays some (the primer shows only
    # drawings and listings).
    assert r.replayed or not r.not_replayed, f"{doc}: no session is replayed"


# ------------------------------------------------------------ the tool itself

def test_compare_elision_and_varying_values():
    names = vary_names(["speed"])
    doc = ["[    0.000000] boot: a", "...", "[    0.100000] vmcore: saved in 9 ms (900 MB/s)"]
    run = ["[    0.000000] boot: a", "x", "y", "[    0.200000] vmcore: saved in 7 ms (120 MB/s)"]
    assert check(doc, run, names) is None
    assert check(doc, run, vary_names([])).index == 2         # the speed is not varying there
    assert check(["a ... z"], ["a b c z"], names) is None     # doctest's ELLIPSIS in a line
    assert check(["a ... z"], ["a b c y"], names).index == 0
    bad = check(doc, ["[    0.000000] boot: b"] + run[1:], names)
    assert (bad.index, bad.got) == (0, "[    0.000000] boot: b")
    assert check(["a", "b"], ["a", "b", "c"], names).why.startswith("the run prints more")
    assert rewrite(doc, ["[    0.000000] boot: b"] + run[1:], names) == \
        ["[    0.000000] boot: b", "...", "[    0.100000] vmcore: saved in 9 ms (900 MB/s)"]
    # A whole block (no "..."): a line the run added is added, one it no
    # longer prints is dropped, a reworded one takes the run's words.
    assert rewrite(["a", "gone away", "7 ranges in all"], ["a", "new", "7 areas in all"],
                   names) == ["a", "new", "7 areas in all"]
    with pytest.raises(ValueError, match="unknown varying value"):
        vary_names(["nonsense"])


def test_unmarked_block_is_an_error(tmp_path):
    doc = tmp_path / "bad.md"
    doc.write_text("# t\n\n```\nkernel> mem\n```\n")
    r = subprocess.run(REPLAY + [str(doc)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert f"{doc}:3: a block with no marker" in r.stdout


def test_reworded_line_fails_naming_file_and_line(build, tmp_path):
    """A scratch copy of chapter 1, first brought in line with this build,
    whose e820 summary then says "areas" for "ranges" (as if the kernel's
    wording had changed): the replay fails naming the copy and the line,
    and --write brings the line back to the kernel's."""
    doc = tmp_path / "01-scratch.md"
    doc.write_text((ROOT / "docs" / "01-boot-and-memory.md").read_text())
    args = REPLAY + ["--build", str(build.dir)]
    w = subprocess.run(args + ["--write", str(doc)], capture_output=True, text=True, timeout=300)
    assert w.returncode == 0, w.stdout
    text = doc.read_text()
    lines = text.split("\n")
    n = next(i for i, l in enumerate(lines) if "] e820: 7 ranges, " in l)
    lines[n] = lines[n].replace("7 ranges", "7 areas")
    doc.write_text("\n".join(lines))
    r = subprocess.run(args + [str(doc)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout
    assert f"{doc}:{n + 1}: the doc no longer matches the run (differs)" in r.stdout, r.stdout
    assert "7 areas" in r.stdout and "run: [" in r.stdout
    w = subprocess.run(args + ["--write", str(doc)], capture_output=True, text=True, timeout=300)
    assert w.returncode == 0, w.stdout
    assert doc.read_text() == text


def test_make_vmcore_leaves_dump_img(build):
    """make vmcore in a view of the checkout whose build/dump.img holds the
    user's bytes: the image is untouched, build/vmcore is written, and the
    scratch disk is gone afterwards."""
    view = View(build)
    try:
        img = view.dir / "build" / "dump.img"
        img.write_bytes(b"the user's dump disk\n" * 100)
        r = subprocess.run(["make", "vmcore", "MEM=256M", "CRASHKERNEL=32M"], cwd=view.dir,
                           capture_output=True, text=True, timeout=400)
        assert r.returncode == 0, r.stdout + r.stderr
        assert img.read_bytes() == b"the user's dump disk\n" * 100
        with open(view.dir / "build" / "vmcore", "rb") as f:
            assert f.read(4) == b"\x7fELF"
        assert not (view.dir / "build" / "vmcore-disk.img").exists()
        assert "from build/vmcore-disk.img" in r.stdout
    finally:
        view.close()


WAIT_DOC = """# wait=

<!-- replay machine w mem=128M smp=2 -->

<!-- replay console w{marker} -->
```
kernel> on 1 apic timer off
kernel> [    6.264593] NMI backtrace for cpu 1 (interrupts on)
[    7.273276] watchdog: CPU#1 took no timer interrupt for ...
kernel> cpus
CPU  APIC id  state     ticks  doing
  0        0  online      ...  shell (bootstrap processor) (this CPU)
  1        1  online      ...  idle
```
"""


def test_wait_for_what_the_kernel_prints_at_the_prompt(session, tmp_path):
    """wait=RX: a watchdog's report comes at the prompt, on its own; the
    block waits for it before its last command, the "kernel> [ stamp ]"
    line is output (not typed), and the command typed after it is shown
    at a prompt.  Without wait= the same block fails: cpus is typed at
    once, before the report."""
    doc = tmp_path / "wait.md"
    doc.write_text(WAIT_DOC.format(marker=" wait='watchdog: CPU#1 took no timer interrupt'"))
    r = docreplay.replay(session, doc)
    assert (r.failures, r.replayed) == ([], 1)
    doc.write_text(WAIT_DOC.format(marker=""))
    r = docreplay.replay(session, doc)
    assert len(r.failures) == 1 and f"{doc}:8: the doc no longer matches" in r.failures[0], \
        r.failures


def test_machine_booted_with_qemu_kernel(session, tmp_path):
    """kernel= and initrd= boot the bzImage with QEMU's -kernel (no GRUB):
    the kernel names QEMU's Linux loader.  The same block on an ISO
    machine (GRUB's multiboot2) fails."""
    text = """# -kernel

<!-- replay machine q mem=128M kernel=build/bzImage{initrd} cmdline='hello=qemu' -->

<!-- replay console q -->
```
...
[    0.000000] boot: loader '...(Linux boot protocol, type_of_loader 0x...)'
...
[    0.000000] boot: cmdline 'hello=qemu'
...
```
"""
    doc = tmp_path / "qemu-kernel.md"
    (session.view.dir / "build" / "scratch.initrd").write_bytes(b"not a cpio archive\n" * 8)
    doc.write_text(text.format(initrd=" initrd=build/scratch.initrd"))
    r = docreplay.replay(session, doc)
    assert (r.failures, r.replayed) == ([], 1)
    doc.write_text(text.format(initrd="").replace("kernel=build/bzImage", ""))
    r = docreplay.replay(session, doc)
    assert len(r.failures) == 1 and f"{doc}:8: the doc no longer matches" in r.failures[0], \
        r.failures


def test_shell_arg_moves_an_address_with_the_build(session, tmp_path):
    """arg=RX in a shell block: the address the commands type moves to
    what the document printed before (a symbol that moved with the build),
    in every number that holds it (its kernel and direct-map aliases): the
    check fails naming the stale command, and --write updates it and its
    output."""
    doc = tmp_path / "arg.md"
    doc.write_text("""# arg=

<!-- replay shell -->
```
$ echo 'SYMBOL(x)=0xffffffff80317160'
SYMBOL(x)=0xffffffff80317160
```

<!-- replay shell arg='SYMBOL\\(x\\)=0xffffffff8(0[0-9a-f]+)' -->
```
$ echo $((0x317140 - 0x300000)) 0xffff888000317140 0x1bf7e000
94528 0xffff888000317140 0x1bf7e000
```
""")
    r = docreplay.replay(session, doc)
    assert len(r.failures) == 1 and f"{doc}:11: the doc no longer matches" in r.failures[0], \
        r.failures
    docreplay.replay(session, doc, write=True)
    assert "$ echo $((0x317160 - 0x300000)) 0xffff888000317160 0x1bf7e000\n" \
           "94560 0xffff888000317160 0x1bf7e000\n" in doc.read_text()
    assert docreplay.replay(session, doc).failures == []


def test_view_rebuilds_never_reach_the_users_build(build):
    """A command in the view that rebuilds the ISO (another cmdline.stamp,
    as after the user's `make run CMDLINE=...`) writes the view's copy: the
    user's build/kernel.iso and build/isodir keep their bytes.  A big file
    (a disk image) is not copied into the view at all."""
    iso = build.dir / "kernel.iso"
    before = iso.read_bytes()
    grub_cfg = build.dir / "isodir" / "boot" / "grub" / "grub.cfg"
    cfg_before = grub_cfg.read_bytes()
    disk = build.dir / "docs-view-test-disk.img"     # a user's big sparse disk
    with open(disk, "wb") as f:
        f.truncate(1 << 30)
    try:
        view = View(build)
    finally:
        disk.unlink()
    try:
        assert not (view.dir / "build" / disk.name).exists(), "the view copied a 1 GiB disk"
        (view.dir / "build" / "cmdline.stamp").write_text("something else\n")
        r = subprocess.run(["make", "iso", "CMDLINE=docs-view-test"], cwd=view.dir,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "docs-view-test" in (view.dir / "build" / "isodir" / "boot" / "grub" /
                                    "grub.cfg").read_text()
        assert not (view.dir / "build" / "kernel.iso").samefile(iso)
    finally:
        view.close()
    assert iso.read_bytes() == before, "the replay's rebuild wrote the user's kernel.iso"
    assert grub_cfg.read_bytes() == cfg_before, "the replay's rebuild wrote the user's isodir"


def test_shell_continuation_and_exit_status(session, tmp_path):
    """A command continued with a backslash runs as one command, and `echo
    $?` on the next "$ " line prints the status of the one before, as a
    reader's shell would."""
    doc = tmp_path / "shell.md"
    doc.write_text("""# shell

<!-- replay shell -->
```
$ printf '%s\\n' one \\
    two
one
two
$ false
$ echo $?
1
$ sh -c 'exit 2'
$ echo $?
2
```
""")
    r = docreplay.replay(session, doc)
    assert r.failures == [], r.failures
