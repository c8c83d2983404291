"""Bootable ISOs of one kernel.elf with any kernel command line, cached.

`make iso` bakes one CMDLINE into BUILD/kernel.iso; a machine that needs
another gets its own ISO, made the same way (iso/grub.cfg, grub-mkrescue)
and kept in BUILD/isos/ under a key of the command line, rebuilt when the
command line, grub.cfg or kernel.elf changed.  Two variants: more boot
modules (a Linux kernel and initramfs for our kexec to load), and GRUB's
`linux` command booting BUILD/bzImage (iso/grub-bzimage.cfg) instead of
`multiboot2` booting kernel.elf.
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


def _iso_path(name):
    """Where a test-time module goes on the ISO: a name with a leading '/' is
    its path there, a bare NAME goes to /boot/extra/NAME."""
    return name if name.startswith("/") else f"/boot/extra/{name}"


def _module_lines(modules):
    """module2 lines for (host file, name) pairs: GRUB loads each from its
    ISO path and gives it the name as its command line."""
    return "".join(f"\tmodule2 {_iso_path(name)} {name}\n" for _, name in modules)


def build_iso(build, cmdline="", modules=(), bzimage=False):
    """The path of an ISO of build's kernel.elf whose GRUB entry passes cmdline.

    cmdline is pasted into iso/grub.cfg's @CMDLINE@ as `make iso CMDLINE=`
    does, so it is GRUB script: GRUB removes quotes and re-quotes words with
    blanks ("msg=a b"), and passes a literal '"' as \\" (grub_create_loader_
    cmdline).  modules: more boot modules after the usual two, each a
    (host file, name) pair: GRUB loads it with `module2 PATH NAME`, PATH
    being NAME when it starts with '/', else /boot/extra/NAME (test-time
    ISOs with many or large modules; the ISO grows by their size).
    bzimage: boot BUILD/bzImage with GRUB's `linux` command and kernel.elf
    as its initrd (iso/grub-bzimage.cfg).  Raises BuildMissing when the
    ISO tree is not built, IsoError when grub-mkrescue fails."""
    build.require("iso")
    if bzimage:
        build.require("bzImage")
    template = (ROOT / "iso" / ("grub-bzimage.cfg" if bzimage else "grub.cfg")).read_text()
    modules = [(Path(f), name) for f, name in modules]
    extra = _module_lines(modules)
    if extra:
        template = template.replace("\tboot\n}", extra + "\tboot\n}")
        if extra not in template:
            raise IsoError("the GRUB template has no '\\tboot\\n}' to put the extra modules before")
    files = [(build.kernel_elf, "/boot/kernel.elf")] + [(f, _iso_path(n)) for f, n in modules]
    if bzimage:
        files.append((build.dir / "bzImage", "/boot/bzImage"))
    key = hashlib.sha1(repr((cmdline, [n for _, n in modules], bzimage)).encode()).hexdigest()[:12]
    stamp = hashlib.sha1((cmdline + "\0" + template + "\0" + "".join(
        _file_digest(host) + iso_path for host, iso_path in files)).encode()).hexdigest()
    build.iso_cache.mkdir(parents=True, exist_ok=True)
    iso = build.iso_cache / f"{key}.iso"
    stamp_file = build.iso_cache / f"{key}.stamp"
    if iso.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return iso
    # Private names while building: two suites may share a build directory.
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", suffix=".d", dir=build.iso_cache))
    shutil.rmtree(work)
    shutil.copytree(build.isodir, work)
    for host, iso_path in files:
        (work / iso_path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(host, work / iso_path.lstrip("/"))
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
