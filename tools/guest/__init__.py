"""guest: our kernel in QEMU, driven from the host.  The tests (tests/) and
the tools (tools/*.py) both use it.

    build.py    Build: BUILD/ and what in it was built (clear errors if not)
    iso.py      build_iso(): an ISO per kernel command line, cached
    console.py  the console's text: prompt, printk stamp, ranges, e820 lines,
                the Transcript of everything a guest printed
    machine.py  Machine: QEMU + COM1 + monitor over pexpect, bounded waits,
                a watchdog, kill by PID only
    kdump.py    the dump disk's QEMU arguments and capture(): one kdump, end to end
    elf.py      ELF files the host reads, with pyelftools (a vmcore on a dump
                disk, kernel.elf's symbols, build id, DWARF source files)

Linux's nearest counterpart is tools/testing/ktest and kunit.py's QEMU
runner: a library that boots a kernel and reads its console.
"""

from .build import ROOT, Build, BuildMissing
from .console import PROMPT, RANGE, STAMP, clean, parse_e820_lines, strip_stamp
from .iso import IsoError, build_iso
from .machine import GuestError, Machine, free_tcp_port
from . import kdump

__all__ = ["ROOT", "Build", "BuildMissing", "PROMPT", "RANGE", "STAMP", "clean",
           "parse_e820_lines", "strip_stamp", "IsoError", "build_iso", "GuestError", "Machine",
           "free_tcp_port", "kdump"]
