"""Bootable ISOs of one kernel.elf with any kernel command line, cached.

`make iso` bakes one CMDLINE into BUILD/kernel.iso; a machine that needs
another gets its own ISO, made the same way (iso/grub.cfg, grub-mkrescue)
and kept in BUILD/isos/ under a key of the command line, rebuilt when the
command line, grub.cfg or kernel.elf changed.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .build import ROOT


class IsoError(Exception):
    """grub-mkrescue failed or took too long."""


def _file_digest(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_iso(build, cmdline="", modules=()):
    """The path of an ISO of build's kernel.elf whose GRUB entry passes cmdline.

    cmdline is pasted into iso/grub.cfg's @CMDLINE@ as `make iso CMDLINE=`
    does, so it is GRUB script: GRUB removes quotes and re-quotes words with
    blanks ("msg=a b"), and passes a literal '"' as \\" (grub_create_loader_
    cmdline).  modules: more boot modules after the usual two, each a
    (file, name) pair: the file goes into the ISO as /boot/extra/NAME and
    GRUB loads it with `module2 /boot/extra/NAME NAME` (test-time ISOs with
    many or large modules; the ISO grows by their size).  Raises
    BuildMissing when the ISO tree is not built, IsoError when
    grub-mkrescue fails."""
    build.require("iso")
    template = (ROOT / "iso" / "grub.cfg").read_text()
    modules = [(Path(f), name) for f, name in modules]
    extra = "".join(f"\tmodule2 /boot/extra/{name} {name}\n" for _, name in modules)
    if extra:
        template = template.replace("\tboot\n}", extra + "\tboot\n}")
        if extra not in template:
            raise IsoError("iso/grub.cfg has no '\\tboot\\n}' to put the extra modules before")
    mod_ids = "".join(f"{name}:{_file_digest(f)}\0" for f, name in modules)
    key = hashlib.sha1((cmdline + "\0" + mod_ids).encode()).hexdigest()[:12]
    stamp = hashlib.sha1((cmdline + "\0" + template + "\0" + mod_ids +
                          _file_digest(build.kernel_elf)).encode()).hexdigest()
    build.iso_cache.mkdir(parents=True, exist_ok=True)
    iso = build.iso_cache / f"{key}.iso"
    stamp_file = build.iso_cache / f"{key}.stamp"
    if iso.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return iso
    # Private names while building: two suites may share a build directory.
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", suffix=".d", dir=build.iso_cache))
    shutil.rmtree(work)
    shutil.copytree(build.isodir, work)
    shutil.copyfile(build.kernel_elf, work / "boot" / "kernel.elf")
    if modules:
        (work / "boot" / "extra").mkdir()
    for f, name in modules:
        shutil.copyfile(f, work / "boot" / "extra" / name)
    (work / "boot" / "grub" / "grub.cfg").write_text(template.replace("@CMDLINE@", cmdline))
    tmp = work.with_suffix(".iso.tmp")
    try:
        r = subprocess.run(["grub-mkrescue", "-o", str(tmp), str(work)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        tmp.unlink(missing_ok=True)
        raise IsoError("grub-mkrescue took more than 120 s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise IsoError(f"grub-mkrescue failed ({r.returncode}): {r.stderr.strip()[-800:]}")
    os.replace(tmp, iso)
    tmp_stamp = work.with_suffix(".stamp.tmp")
    tmp_stamp.write_text(stamp)
    os.replace(tmp_stamp, stamp_file)
    return iso
