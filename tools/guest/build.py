"""The build directory machines boot from, and what in it was built.

A Build names the files `make` leaves in BUILD/, says which make target
builds a missing one, and lists the Machines started from it so a harness
can save their logs and stop them.  Linux's counterpart: the O= directory
kselftest and kunit.py take.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


class BuildMissing(Exception):
    """A file the caller needs is not built; the message says which make target builds it."""


class Build:
    """BUILD/ (default: $BUILD, else "build"), relative to the repository root.

    `machines` is every Machine started with this Build and not yet cleaned
    up; `boot_timeouts` remembers configurations that never reached their
    first prompt (see Machine.wait_prompt); `current_test` names the test a
    harness is running, for messages."""

    # file (relative to BUILD) -> the make target that builds it
    TARGETS = {
        "kernel.elf": "make",
        "isodir/boot/grub/grub.cfg": "make iso",
        "mini32.elf": "make iso",
        "bzImage": "make",
        "host/unittests": "make unit",
        "tools/vmcore-inspect": "make tools",
    }

    def __init__(self, path=None):
        path = Path(path or os.environ.get("BUILD") or "build")
        self.dir = path if path.is_absolute() else (ROOT / path).resolve()
        self.root = ROOT
        self.kernel_elf = self.dir / "kernel.elf"
        self.isodir = self.dir / "isodir"
        self.iso_cache = self.dir / "isos"
        self.unittests = self.dir / "host" / "unittests"
        self.inspector = self.dir / "tools" / "vmcore-inspect"
        self.log_dir = self.dir / "test-logs"
        self.machines = []
        self.boot_timeouts = {}
        self.current_test = None

    def require(self, *files):
        """Raise BuildMissing naming the first of files (keys of TARGETS, or
        "iso" for everything booting needs) that is absent, and the make
        target that builds it."""
        for f in files:
            need = ["kernel.elf", "isodir/boot/grub/grub.cfg", "mini32.elf"] if f == "iso" else [f]
            target = "make iso" if f == "iso" else self.TARGETS[f]
            for path in (self.dir / n for n in need):
                if not path.is_file():
                    name = "" if self.dir == (ROOT / "build").resolve() else f" BUILD={self.rel(self.dir)}"
                    raise BuildMissing(f"{self.rel(path)} is missing: run `{target}{name}` "
                                       "(or `make test`) first")

    def rel(self, path):
        """path relative to the repository root when it is inside it, for messages."""
        path = Path(path)
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    def close_machines(self):
        """Stop every machine started from this build and remove their files
        (what a tool does when it is done; a test harness saves logs first)."""
        for m in list(self.machines):
            m.close()
            m.cleanup_files()

    def machine(self, **kw):
        """A new Machine booting from this build (see Machine for the arguments)."""
        from .machine import Machine
        return Machine(self, **kw)
