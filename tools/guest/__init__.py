"""guest: our kernel in QEMU, driven from the host, for the tests (tests/)
and the tools (tools/*.py): Build, Machine (QEMU, COM1 and the monitor over
pexpect), build_iso, kdump.capture, the console's patterns, and ELF reading
(guest.elf, pyelftools).  README.md beside this file maps the modules.
Linux's nearest counterpart: kunit.py's QEMU runner and tools/testing/ktest.
"""

from .build import ROOT, Build, BuildMissing
from .console import PROMPT, RANGE, STAMP, clean, parse_e820_lines, strip_stamp
from .iso import IsoError, build_iso
from .machine import GuestError, Machine, free_tcp_port
from . import kdump

__all__ = ["ROOT", "Build", "BuildMissing", "PROMPT", "RANGE", "STAMP", "clean",
           "parse_e820_lines", "strip_stamp", "IsoError", "build_iso", "GuestError", "Machine",
           "free_tcp_port", "kdump"]
