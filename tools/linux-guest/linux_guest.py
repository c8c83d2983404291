#!/usr/bin/python3
"""The Linux guest kit: Debian 12's cloud kernel and an initramfs with
busybox, kexec-tools and makedumpfile, built from Debian's packages at test
time (nothing of it is committed) into BUILD/linux-guest/.

    tools/linux-guest/linux_guest.py [--build DIR] [--out FILE]
        [--add SRC:DEST]... [--module NAME]...
prints the kernel, the initramfs and their sizes.  From Python:
    kit = Kit(build_dir); kit.prepare()
    kit.build_initrd(path, extra=[(src, "boot/kernel.elf")])
The idea: fetch once (debs.py), then pick files out of the unpacked packages,
add each program's shared-library closure (DT_NEEDED, elfscan.py) and each
module's "depends=" closure, and write a cpio newc archive (cpio.py).
Linux/Debian counterpart: initramfs-tools' mkinitramfs (copy_exec, manual_add_modules).
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import cpio      # noqa: E402
import debs      # noqa: E402
import elfscan   # noqa: E402

ROOT = HERE.parent.parent
TOOL_PACKAGES = ["busybox-static", "kexec-tools", "makedumpfile"]
# Programs the guest gets, as paths inside the unpacked packages.
PROGRAMS = ["bin/busybox", "sbin/kexec", "sbin/vmcore-dmesg", "usr/bin/makedumpfile"]
# The Debian package that ships each shared library these programs need.
# A soname missing here stops the build with its name (add it, then rerun).
LIBRARY_PACKAGES = {
    "libc.so.6": "libc6", "ld-linux-x86-64.so.2": "libc6",
    "libxenctrl.so.4.17": "libxenmisc4.17", "libxentoollog.so.1": "libxentoollog1",
    "libxencall.so.1": "libxencall1", "libxenevtchn.so.1": "libxenevtchn1",
    "libxengnttab.so.1": "libxengnttab1", "libxenforeignmemory.so.1": "libxenforeignmemory1",
    "libxendevicemodel.so.1": "libxendevicemodel1", "libxentoolcore.so.1": "libxentoolcore1",
    "liblzo2.so.2": "liblzo2-2", "libdw.so.1": "libdw1", "libelf.so.1": "libelf1",
    "libz.so.1": "zlib1g", "liblzma.so.5": "liblzma5", "libbz2.so.1.0": "libbz2-1.0",
    "libzstd.so.1": "libzstd1",
}
LIB_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64"]
# The cloud kernel builds the 8250 UART, ext4, ACPI and PCI in, but virtio
# as modules (CONFIG_VIRTIO_PCI=m, CONFIG_VIRTIO_BLK=m): a dump disk needs these.
DEFAULT_MODULES = ["virtio_pci", "virtio_blk"]


class KitError(Exception):
    """The kit cannot be built; the message says why."""


def build_dir_default():
    return Path(os.environ.get("BUILD") or ROOT / "build")


class Kit:
    """Debian's cloud kernel plus the unpacked tools, under BUILD/linux-guest."""

    def __init__(self, build_dir=None):
        self.dir = Path(build_dir or build_dir_default()).resolve() / "linux-guest"
        self.cache = debs.DebCache(self.dir / "debs")
        self.root = self.dir / "root"
        self.release = None        # e.g. "6.1.0-57-cloud-amd64"
        self.vmlinuz = None

    def prepare(self):
        """Fetch (first time only) and unpack everything; find the kernel.
        Raises debs.FetchError or KitError."""
        kernel_pkg = self.cache.kernel_package()
        wanted = [kernel_pkg] + TOOL_PACKAGES
        while True:
            found = self.cache.get(wanted)
            debs.extract(found.values(), self.root)
            more = sorted({LIBRARY_PACKAGES.get(s, "?" + s) for s in self._sonames()} - set(wanted))
            unknown = [m[1:] for m in more if m.startswith("?")]
            if unknown:
                raise KitError(f"no Debian package known for {', '.join(unknown)}: "
                               f"add it to LIBRARY_PACKAGES in {Path(__file__).name}")
            if not more:
                break
            wanted += more
        self.release = kernel_pkg[len("linux-image-"):]
        self.vmlinuz = self.root / "boot" / f"vmlinuz-{self.release}"
        if not self.vmlinuz.is_file():
            raise KitError(f"{kernel_pkg} has no boot/vmlinuz-{self.release}")
        return self

    def _in_root(self, path):
        """`path` with its symlinks followed inside the unpacked tree (an
        absolute link such as lib64/ld-linux-x86-64.so.2 -> /lib/... must
        not lead to the host's file); None if it leads nowhere."""
        for _ in range(40):
            if not os.path.lexists(path):
                return None
            if not path.is_symlink():
                return path
            target = os.readlink(path)
            path = Path(os.path.normpath(self.root / target.lstrip("/") if target.startswith("/")
                                         else path.parent / target))
        return None

    def _find_lib(self, soname):
        for d in LIB_DIRS:
            p = self._in_root(self.root / d / soname)
            if p:
                return p
        return None

    def _sonames(self):
        """Every soname the programs need, transitively (only libraries that
        are already unpacked can be looked into; prepare() loops to a fixpoint)."""
        todo = [self.root / p for p in PROGRAMS if (self.root / p).exists()]
        seen = set()
        while todo:
            for soname in elfscan.needed(todo.pop()):
                if soname not in seen:
                    seen.add(soname)
                    lib = self._find_lib(soname)
                    if lib:
                        todo.append(lib)
        for p in PROGRAMS:
            interp = (self.root / p).exists() and elfscan.interp(self.root / p)
            if interp:
                seen.add(Path(interp).name)
        return seen

    def module_path(self, name):
        """The .ko of module `name` ('-' and '_' alike), or KitError."""
        base = self.root / "lib" / "modules" / self.release / "kernel"
        for variant in {name, name.replace("-", "_"), name.replace("_", "-")}:
            hits = sorted(base.rglob(variant + ".ko"))
            if hits:
                return hits[0]
        raise KitError(f"no module {name} in {self.release} (built in? see boot/config-{self.release})")

    def module_order(self, names):
        """`names` and everything they depend on, dependencies first."""
        order, visiting = [], set()

        def visit(name):
            path = self.module_path(name)
            if path in order or path in visiting:
                return
            visiting.add(path)
            for dep in elfscan.module_depends(path):
                visit(dep)
            order.append(path)
        for n in names:
            visit(n)
        return order

    def build_initrd(self, out, extra=(), modules=DEFAULT_MODULES):
        """Write a gzip cpio initramfs to `out`: /init, busybox, kexec,
        vmcore-dmesg, makedumpfile and their libraries, `modules` (+ deps,
        listed in load order in /etc/linux-guest/modules), and `extra`, a
        list of (host path, path in the guest).  Returns its size in bytes."""
        if self.release is None:
            self.prepare()
        a = cpio.Archive()
        for d in ["dev", "proc", "sys", "tmp", "run", "mnt", "root", "etc", "bin", "sbin",
                  "usr/bin", "usr/sbin"]:
            a.add_dir(d)
        a.add_chardev("dev/console", 5, 1)   # the kernel opens it before init runs
        a.add_host_file("init", HERE / "init", 0o755)
        for p in PROGRAMS:
            a.add_host_file(p, self.root / p)
        a.add_symlink("bin/sh", "busybox")
        for soname in sorted(self._sonames()):
            lib = self._find_lib(soname)
            if lib is None:
                raise KitError(f"{soname} is needed but not in the unpacked packages")
            a.add_host_file(f"lib/x86_64-linux-gnu/{soname}", lib)
        a.add_symlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        listed = []
        for ko in self.module_order(modules):
            rel = ko.relative_to(self.root).as_posix()
            a.add_host_file(rel, ko, 0o644)
            listed.append("/" + rel)
        a.add_file("etc/linux-guest/modules", "".join(l + "\n" for l in listed).encode())
        for src, dest in extra:
            if not Path(src).is_file():
                raise KitError(f"extra file {src} does not exist")
            a.add_host_file(dest, src)
        return a.write_gz(out)


def parse_add(text):
    src, sep, dest = text.partition(":")
    if not sep or not dest:
        raise argparse.ArgumentTypeError(f"--add wants SRC:DEST, got {text!r}")
    return (src, dest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", help="build folder (default $BUILD or build/)")
    ap.add_argument("--out", help="initramfs to write (default BUILD/linux-guest/initrd.img)")
    ap.add_argument("--add", type=parse_add, action="append", default=[], metavar="SRC:DEST",
                    help="put host file SRC at DEST in the guest (repeatable)")
    ap.add_argument("--module", action="append", default=[], metavar="NAME",
                    help=f"also load kernel module NAME (always: {' '.join(DEFAULT_MODULES)})")
    args = ap.parse_args()
    kit = Kit(args.build)
    try:
        kit.prepare()
        out = Path(args.out or kit.dir / "initrd.img")
        size = kit.build_initrd(out, args.add, DEFAULT_MODULES + args.module)
    except (debs.FetchError, KitError, elfscan.ElfError) as e:
        sys.exit(f"linux-guest: error: {e}")
    print(f"linux-guest: kernel {kit.vmlinuz} ({kit.vmlinuz.stat().st_size} bytes, {kit.release})")
    print(f"linux-guest: initrd {out} ({size} bytes)")


if __name__ == "__main__":
    main()
