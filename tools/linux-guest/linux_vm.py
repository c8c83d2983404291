"""Boot the Linux guest in QEMU (-M pc, TCG) with -kernel/-initrd and drive
its serial console with pexpect: wait for the /init marker, run shell
commands and read their output and exit status, power off.

The idea: the serial console is the interface, as in the kernel's own
scenarios; every wait is bounded and a watchdog kills QEMU after its
lifetime, so a hung guest fails instead of hanging the caller.
    with Guest(kit.vmlinuz, initrd) as g:
        g.wait_marker()
        out, rc = g.run("uname -r")
        g.poweroff()
"""
import re
import shlex
import threading
import time

import pexpect

MARKER = r"linux-guest: init reached \(kernel (\S+), ([^)]*)\)"
PROMPT = "linux-guest# "
BASE_APPEND = "console=ttyS0 panic=-1"   # panic=-1 + -no-reboot: a panic ends QEMU


class GuestError(Exception):
    """A wait ran out or the guest died; the message ends with its last lines."""


class Guest:
    """One QEMU running Debian's kernel and the kit's initramfs."""

    def __init__(self, kernel, initrd, append="", mem="512M", smp=1, extra_args=(),
                 lifetime=600, log_path=None):
        self.argv = ["qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-m", mem,
                     "-smp", str(smp), "-display", "none", "-monitor", "none",
                     "-serial", "stdio", "-no-reboot",
                     "-kernel", str(kernel), "-initrd", str(initrd),
                     "-append", f"{BASE_APPEND} {append}".strip()] + list(extra_args)
        self.lifetime = lifetime
        self.log_path = log_path
        self.child = None
        self.started = None
        self.killed_by_watchdog = False

    def command_line(self):
        return " ".join(shlex.quote(a) for a in self.argv)

    def start(self):
        """Start QEMU; the watchdog ends it after `lifetime` seconds."""
        logfile = open(self.log_path, "w") if self.log_path else None
        self.child = pexpect.spawn(self.argv[0], self.argv[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=60, logfile=logfile,
                                   dimensions=(50, 250))
        self.started = time.monotonic()
        self._watchdog = threading.Timer(self.lifetime, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        return self

    def _expire(self):
        if self.child is not None and self.child.isalive():
            self.killed_by_watchdog = True
            self.child.terminate(force=True)

    def tail(self, n=40):
        """The last `n` lines the guest printed (from the log file if any)."""
        text = ""
        if self.log_path:
            with open(self.log_path, errors="replace", newline="") as f:
                text = f.read()
        elif self.child is not None:
            text = (self.child.before or "")
        return "\n".join(text.replace("\r", "").splitlines()[-n:])

    def expect(self, pattern, timeout=60):
        """Wait for regular expression `pattern`; return the re match.
        Raises GuestError on timeout or when QEMU exits first."""
        try:
            self.child.expect(pattern, timeout=timeout)
        except pexpect.TIMEOUT:
            raise GuestError(f"no /{pattern}/ within {timeout} s; last lines:\n{self.tail()}")
        except pexpect.EOF:
            why = "killed by the watchdog" if self.killed_by_watchdog else "QEMU exited"
            raise GuestError(f"{why} before /{pattern}/; last lines:\n{self.tail()}")
        return self.child.match

    def wait_marker(self, timeout=180):
        """Wait for /init's marker line; return (kernel release, Debian version)."""
        m = self.expect(MARKER, timeout)
        return m.group(1), m.group(2)

    def wait_prompt(self, timeout=60):
        self.expect(re.escape(PROMPT), timeout)

    def run(self, command, timeout=60):
        """Run one shell command; return (output, exit status).

        The output is framed by two echo lines the command's own echo cannot
        match ("@@""B" prints @@B), so line editing cannot confuse it."""
        self.child.send(f'echo @@""B; {command}; echo @@""E$?\r')
        self.expect(r"\n@@B\r*\n", timeout)
        m = self.expect(r"@@E(\d+)\r*\n", timeout)
        out = self.child.before.replace("\r", "")
        self.wait_prompt(timeout)
        return out, int(m.group(1))

    def send(self, text):
        self.child.send(text)

    def wait_exit(self, timeout=60):
        """Wait for QEMU to exit by itself; return its exit status."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise GuestError(f"QEMU still running {timeout} s later; last lines:\n{self.tail()}")
        self.child.close()
        return self.child.exitstatus

    def poweroff(self, timeout=60):
        """`poweroff -f` in the shell; ACPI S5 ends QEMU.  Returns its status."""
        self.child.send("poweroff -f\r")
        return self.wait_exit(timeout)

    def close(self):
        """Kill QEMU if it still runs (only the process we started)."""
        if self.child is not None:
            if self.child.isalive():
                self.child.terminate(force=True)
            self.child.close()
            if self.child.logfile:
                self.child.logfile.close()
        if getattr(self, "_watchdog", None):
            self._watchdog.cancel()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
