"""QEMU scenario harness: the machines come from tools/guest (Machine,
ISOs, kdump); this file adds what the runner (tests/run.py) needs on top:
machines shared by the tests of one file, the list of machines the running
test started, and the check helpers.

    with build.machine(mem="512M", cmdline="loglevel=7") as m:
        m.wait_prompt()
        out = m.run("mem")
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import guest  # noqa: E402
from guest import PROMPT, RANGE, STAMP, clean, free_tcp_port, parse_e820_lines, strip_stamp  # noqa: E402,F401
from guest.machine import GuestError as TestFailure  # noqa: E402

def Machine(build=None, timeout=guest.machine.QEMU_LIFETIME, **kw):
    """The tools' entry point (tools/*.py import it from here until they use guest)."""
    return guest.Machine(build, lifetime=timeout, **kw)


# Machines started by the running test; tests/run.py saves their logs when
# the test fails and kills any left running.  current_test is its name.
live_machines = []
current_test = None


class Build(guest.Build):
    """The build directory the tests run against (BUILD=..., default build)."""

    def __init__(self, path):
        super().__init__(path)
        self._shared = {}

    def machine(self, timeout=guest.machine.QEMU_LIFETIME, **kw):
        """A new Machine (started, not yet at the prompt)."""
        self.current_test = current_test
        m = guest.Machine(self, lifetime=timeout, **kw)
        m.shared_name = None
        live_machines.append(m)
        return m

    def shared_machine(self, name, **kw):
        """A booted Machine at the prompt, shared by the tests of one scenario
        file: created on first use, reused while it lives.  Each test must
        leave it at the prompt.  tests/run.py closes it when a test using it
        fails (the next test gets a fresh one) and after the file's tests."""
        m = self._shared.get(name)
        if m is not None and m.alive():
            if m not in live_machines:
                live_machines.append(m)
            return m
        # One shared guest at a time: idle guests still cost host memory.
        self.close_shared()
        m = self.machine(**kw)
        m.shared_name = name
        self._shared[name] = m
        m.wait_prompt()
        return m

    def drop_shared(self, m):
        if self._shared.get(getattr(m, "shared_name", None)) is m:
            del self._shared[m.shared_name]

    def close_shared(self):
        for m in self._shared.values():
            m.close()
            m.cleanup_files()
        self._shared.clear()


# ------------------------------------------------------------ check helpers

def check(cond, what, machine=None):
    """Fail the test with what (and the serial tail of machine) unless cond."""
    if not cond:
        if machine is not None:
            machine.fail(what)
        raise TestFailure(what)


def find_in_order(text, patterns, machine=None):
    """Each pattern must match a line of text (printk stamps allowed), each
    after the previous one.  Returns the matches."""
    pos, found = 0, []
    for p in patterns:
        m = re.compile(r"^" + STAMP + p, re.M).search(text, pos)
        if not m:
            later = re.compile(r"^" + STAMP + p, re.M).search(text)
            why = "appears before the previous milestone" if later else "is missing"
            check(False, f"log line /{p}/ {why}", machine)
        found.append(m)
        pos = m.end()
    return found
