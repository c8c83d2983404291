"""One QEMU guest of our kernel: the process, its serial console, its monitor.

QEMU runs under TCG with COM1 and the human monitor on unix sockets, which
pexpect (fdspawn) reads and writes as it would a serial line; expect()
searches the Transcript of all the guest printed.  Every wait is bounded and
a watchdog kills QEMU (by PID) after its lifetime, so a hung guest fails
instead of hanging.  The serial log is the interface, as in kvm-unit-tests.
"""

import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pexpect
from pexpect.fdpexpect import fdspawn

from .build import Build
from .console import PROMPT, STAMP, Transcript, clean, parse_firmware_e820, strip_stamp
from .iso import build_iso

QEMU = "qemu-system-x86_64"
BOOT_TIMEOUT = 60          # boot to the first prompt (1-3 s usually), TCG on a busy host
CMD_TIMEOUT = 30           # one shell command
QEMU_LIFETIME = 300        # hard bound on one QEMU process
READ_SIZE = 1 << 16        # bytes pexpect reads at once (a pipe's worth)


class GuestError(Exception):
    """The guest did not do what was expected; the message says what and
    shows the last serial lines (or the firmware's, if the kernel printed
    nothing)."""


class _FromPosition:
    """A pexpect searcher (the interface of pexpect.expect.searcher_re) for
    one regex in the Machine's cleaned transcript, from its position on.
    pexpect's own buffer starts right after the previous match, often in
    the middle of a line, where ^ would match; searching the transcript
    from the position keeps ^ and $ at real line starts and ends."""

    eof_index = timeout_index = -1

    def __init__(self, rx, transcript, pos):
        self.rx, self.transcript, self.pos = rx, transcript, pos
        self.match = None

    def search(self, buffer, freshlen, searchwindowsize=None):
        m = self.rx.search(self.transcript.text, self.pos)
        if m is None:
            return -1
        self.match = m
        # The transcript keeps what follows; pexpect may drop its buffer.
        self.start = self.end = len(buffer)
        return 0


# UEFI firmware from Debian's ovmf package: the code read-only, and the
# variable store copied per machine (the firmware writes boot entries to it).
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS.fd")
FIRMWARES = ("seabios", "ovmf")


def ovmf_args(directory):
    """QEMU arguments for OVMF with a writable copy of its variables in directory."""
    for f in (OVMF_CODE, OVMF_VARS):
        if not f.is_file():
            raise GuestError(f"{f} is missing: install Debian's ovmf package "
                             "(tools/install-deps.sh)")
    vars_copy = Path(directory) / "OVMF_VARS.fd"
    shutil.copyfile(OVMF_VARS, vars_copy)
    return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]


def free_tcp_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now (for -gdb)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """One QEMU guest booted from an ISO of build's kernel.

    build: a Build or a build directory (default $BUILD or build).  mem:
    -m value.  cmdline: kernel command line (GRUB script text, see
    iso.build_iso).  iso: boot this ISO instead.  kernel: boot this file
    with QEMU's -kernel (the bzImage: QEMU's own Linux loader, no GRUB;
    cmdline goes to -append, initrd to -initrd).  extra_args: more QEMU
    arguments.  reboot: False adds -no-reboot (a guest reset makes QEMU
    exit).  lifetime: seconds after which QEMU is killed whatever happens.
    firmware: "seabios" (the PC BIOS) or "ovmf" (UEFI: Debian's OVMF with a
    private copy of its variable store).  machine: QEMU's "pc" (i440FX) or
    "q35".  smp: QEMU's -smp (a CPU count, or "4,sockets=2,...").  cpu:
    QEMU's -cpu ("qemu64", "max"; None: QEMU's default).  start: boot at
    once (else call start()).
    """

    def __init__(self, build=None, mem="512M", cmdline="", iso=None, extra_args=(),
                 lifetime=QEMU_LIFETIME, reboot=False, start=True, firmware="seabios",
                 machine="pc", smp=1, cpu=None, kernel=None, initrd=None):
        if firmware not in FIRMWARES:
            raise ValueError(f"firmware {firmware!r}: one of {', '.join(FIRMWARES)}")
        self.firmware = firmware
        self.machine = machine
        self.build = build if isinstance(build, Build) else Build(build)
        self.mem = mem
        self.smp = str(smp)
        self.cpu = cpu
        self.cmdline = cmdline
        self.iso = Path(iso) if iso else None
        self.kernel = Path(kernel) if kernel else None
        self.initrd = Path(initrd) if initrd else None
        self.extra_args = list(extra_args)
        self.lifetime = lifetime
        self.reboot = reboot
        self.tmp = Path(tempfile.mkdtemp(prefix="guest-"))
        self.serial_path = self.tmp / "serial.sock"
        self.monitor_path = self.tmp / "monitor.sock"
        self.firmware_log = self.tmp / "seabios.log"
        self.stderr_path = self.tmp / "qemu.stderr"
        self.transcript = Transcript(self.tmp / "serial.log")
        self.proc = None
        self.serial = None          # pexpect.fdspawn on the COM1 socket
        self._mon = None            # pexpect.fdspawn on the monitor socket
        self._eof = False           # QEMU closed the serial socket (it exited)
        self._watchdog = None
        self.killed_by_watchdog = False
        self.exit_status = None
        self.pos = 0                # expect() searches the transcript from here
        self.prompts_seen = 0
        self.args = None
        self.build.machines.append(self)
        if start:
            self.start()

    # -- lifecycle -----------------------------------------------------------

    def command_line(self):
        if self.kernel:
            boot = ["-kernel", str(self.kernel), "-append", self.cmdline]
            boot += ["-initrd", str(self.initrd)] if self.initrd else []
        else:
            boot = ["-cdrom", str(self.iso or build_iso(self.build, self.cmdline)), "-boot", "d"]
        args = [QEMU, "-M", self.machine, "-accel", "tcg", "-m", self.mem,
                "-smp", self.smp] + (["-cpu", self.cpu] if self.cpu else []) + boot + [
                "-display", "none",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                # QEMU waits for us on the console before it starts the guest.
                "-serial", f"unix:{self.serial_path},server=on,wait=on",
                "-monitor", f"unix:{self.monitor_path},server=on,wait=off",
                "-chardev", f"file,id=seabios,path={self.firmware_log}",
                "-device", "isa-debugcon,iobase=0x402,chardev=seabios"]
        if self.firmware == "ovmf":
            args += ovmf_args(self.tmp)
        if not self.reboot:
            args.append("-no-reboot")
        return args + self.extra_args

    def start(self):
        """Start QEMU and connect to its serial console; returns self."""
        self.args = self.command_line()
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=err,
                                         stderr=err, start_new_session=True)
        self._watchdog = threading.Timer(self.lifetime, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        sock = self._connect(self.serial_path, "serial console", 30)
        self.serial = fdspawn(sock.detach(), timeout=CMD_TIMEOUT, maxread=READ_SIZE,
                              encoding="utf-8", codec_errors="replace")
        self.serial.logfile_read = self.transcript
        return self

    def _connect(self, path, what, timeout):
        """A socket connected to QEMU's unix socket path (QEMU makes it as it starts)."""
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(str(path))
                return s
            except OSError:
                s.close()
            if not self.alive():
                self.fail(f"QEMU exited before its {what} socket was ready")
            if time.monotonic() > deadline:
                self.fail(f"QEMU's {what} socket did not appear within {timeout} s")
            time.sleep(0.05)

    def _expire(self):
        if self.alive():
            self.killed_by_watchdog = True
            self.kill()

    def kill(self):
        """Kill our QEMU (by its PID only) and reap it."""
        if self.alive():
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        """Stop QEMU and close its sockets; the files in self.tmp stay for
        save_log() until cleanup_files()."""
        if self._watchdog:
            self._watchdog.cancel()
        if self._mon is not None:
            self._mon.close()
            self._mon = None
        self.kill()
        if self.serial is not None and not self.serial.closed:
            self._read_available()
            self.serial.close()
        self.transcript.flush()

    def cleanup_files(self):
        """Remove the machine's private files; it is forgotten by its Build."""
        self.transcript.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self in self.build.machines:
            self.build.machines.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- serial output ---------------------------------------------------------

    def _read_for(self, seconds):
        """Read what the guest prints during the next `seconds` (0: only
        what has already arrived) into the transcript; stop early at EOF.
        Returns False once QEMU has closed the console."""
        deadline = time.monotonic() + seconds
        while not self._eof and self.serial is not None and not self.serial.closed:
            try:
                self.serial.read_nonblocking(READ_SIZE, max(0, deadline - time.monotonic()))
            except pexpect.TIMEOUT:
                break
            except pexpect.EOF:
                self._eof = True
        return not self._eof

    def _read_available(self):
        self._read_for(0)

    @property
    def output(self):
        """All cleaned serial output so far."""
        self._read_available()
        return self.transcript.text

    def tail(self, n=40):
        lines = self.output.split("\n")
        return "\n".join("    | " + l for l in lines[-n:])

    def fail(self, what):
        """Raise GuestError with what and the last 40 serial lines."""
        self._read_available()
        if self._eof and self.proc:
            try:
                self.proc.wait(timeout=3)    # output ended: QEMU is exiting
            except subprocess.TimeoutExpired:
                pass
        if self.proc is None:
            state = "not started"
        else:
            state = "running" if self.alive() else f"exited with {self.proc.returncode}"
        if self.killed_by_watchdog:
            state = f"killed after its {self.lifetime} s lifetime"
        if self.transcript.text.strip():
            raise GuestError(f"{what} [QEMU {state}]; last serial lines:\n{self.tail()}")
        fw = self.firmware_text().rstrip("\n").split("\n")[-10:]
        err = self.stderr_text().rstrip("\n").split("\n")[-5:]
        raise GuestError(f"{what} [QEMU {state}]; no serial output at all; last firmware "
                         f"(SeaBIOS) lines:\n" + "\n".join("    | " + l for l in fw) +
                         "\nQEMU's stderr:\n" + "\n".join("    | " + l for l in err))

    def expect(self, pattern, timeout=CMD_TIMEOUT, flags=re.MULTILINE):
        """Wait until pattern matches the output after self.pos; move pos past
        the match and return it (its positions index self.output).  Fails
        on timeout or when QEMU is gone."""
        rx = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        if self.serial is None:
            self.fail(f"expected /{rx.pattern}/ but the machine was not started")
        searcher = _FromPosition(rx, self.transcript, self.pos)
        why = "QEMU's output ended"
        if self._eof or self.serial.closed:
            searcher.search("", 0)
        else:
            try:
                self.serial.expect_loop(searcher, timeout)
            except pexpect.TIMEOUT:
                why = f"{timeout} s passed"
            except pexpect.EOF:
                self._eof = True
        if searcher.match is None:
            self.fail(f"expected /{rx.pattern}/ but {why}")
        self.pos = searcher.match.end()
        return searcher.match

    def expect_line(self, pattern, timeout=CMD_TIMEOUT):
        """expect() for a pattern in a whole line: it matches only once the
        line's newline has arrived, and pos moves past that newline, so
        output[:pos] ends with complete lines.  Returns the pattern's match."""
        m = self.expect(rf"(?:{pattern})(?=[^\n]*\n)", timeout)
        self.pos = self.transcript.text.index("\n", m.end()) + 1
        return m

    def expect_not(self, pattern, wait=0.0, start=0, flags=re.MULTILINE):
        """Fail if pattern appears in the output from start, after reading
        what the guest prints for `wait` seconds."""
        self._read_for(wait)
        text = self.output
        m = re.compile(pattern, flags).search(text, start)
        if m:
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            line = text[line_start:line_end if line_end >= 0 else None]
            self.fail(f"/{pattern}/ must not appear, but found: {line!r}")

    def config(self):
        return (self.mem, self.cmdline, str(self.iso), tuple(self.extra_args), self.reboot,
                self.firmware, self.machine, self.smp, self.cpu, str(self.kernel),
                str(self.initrd))

    def wait_prompt(self, timeout=BOOT_TIMEOUT, fail_on_panic=True):
        """Wait for the next shell prompt.  A "Kernel panic" line on the way
        fails at once (with panic=0 the prompt would never come); pass
        fail_on_panic=False when the prompt should come after a panic (a
        reboot with panic=N).  A configuration that once did not reach its
        first prompt is not booted again by the same Build."""
        first = self.prompts_seen == 0
        if first and self.config() in self.build.boot_timeouts:
            raise GuestError("not booting again: this machine configuration did not reach "
                             f"the prompt in {self.build.boot_timeouts[self.config()]}")
        rx = re.escape(PROMPT)
        if fail_on_panic:
            rx = f"(?P<panic>^{STAMP}Kernel panic - not syncing.*$)|{rx}"
        try:
            m = self.expect(rx, timeout)
        except GuestError:
            if first and not self._eof and self.alive():
                self.build.boot_timeouts[self.config()] = \
                    self.build.current_test or "an earlier boot"
            raise
        if fail_on_panic and m.group("panic"):
            self._read_for(0.5)      # let the rest of the panic report arrive
            self.fail(f"kernel panicked while a prompt was expected: {m.group('panic')!r}")
        self.prompts_seen += 1
        return m

    def log_lines(self, start=0, end=None):
        """Output lines from start to end, printk timestamps removed."""
        return [strip_stamp(l) for l in self.output[start:end].split("\n")]

    # -- serial input ------------------------------------------------------------

    def send(self, text):
        """Type text (keys, escape sequences, "\\r" for Enter) on COM1."""
        try:
            self.serial.send(text)
        except (OSError, ValueError, AttributeError):
            self.fail(f"cannot send {text!r}: the serial console is closed")

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Type cmd + Enter at the prompt; return its output: the text between
        the echoed command line and the next prompt.  Call after a prompt."""
        self.send(cmd + "\r")
        self.expect(r"\n", timeout)                  # end of the echoed line
        out_start = self.pos
        m = self.wait_prompt(timeout)
        return self.output[out_start:m.start()]

    # -- QEMU monitor --------------------------------------------------------------

    def _mon_prompt(self, timeout):
        try:
            self._mon.expect_exact("(qemu) ", timeout)
        except pexpect.TIMEOUT:
            raise GuestError(f"QEMU monitor: no prompt within {timeout} s "
                             f"(got {self._mon.before[-200:]!r})")
        except pexpect.EOF:
            raise GuestError("QEMU monitor: connection closed")
        return clean(self._mon.before)

    def monitor(self, cmd, timeout=20):
        """Run one human-monitor command; return its output (echo removed)."""
        if self._mon is None:
            sock = self._connect(self.monitor_path, "monitor", 10)
            self._mon = fdspawn(sock.detach(), timeout=timeout, maxread=READ_SIZE,
                                encoding="utf-8", codec_errors="replace")
            self._mon_prompt(timeout)                 # the banner
        self._mon.send(cmd + "\n")
        lines = self._mon_prompt(timeout).split("\n")
        # The monitor echoes the command line first (with redraw escapes).
        if lines and cmd.strip() and cmd.strip() in lines[0]:
            lines = lines[1:]
        return "\n".join(lines).strip("\n")

    # -- exit ---------------------------------------------------------------------

    def wait_exit(self, timeout=60):
        """Wait for QEMU to exit by itself, reading the console to its end;
        return QEMU's exit status."""
        deadline = time.monotonic() + timeout
        if self._read_for(timeout):
            self.fail(f"QEMU did not exit within {timeout} s")
        try:
            self.exit_status = self.proc.wait(timeout=max(deadline - time.monotonic(), 5))
        except subprocess.TimeoutExpired:
            self.fail(f"QEMU closed its console but did not exit within {timeout} s")
        if self.killed_by_watchdog:
            self.fail("QEMU was killed by the watchdog, it did not exit by itself")
        return self.exit_status

    # -- firmware and QEMU's own files ---------------------------------------------

    def firmware_text(self):
        try:
            return self.firmware_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def firmware_e820(self):
        """SeaBIOS's own e820 map: a list of (start, end, type)."""
        try:
            return parse_firmware_e820(self.firmware_text())
        except ValueError as e:
            raise GuestError(str(e))

    def save_log(self, path):
        """Write the serial log as the guest sent it (ANSI escapes and all)
        to path, and beside it the QEMU command line, exit status and
        stderr (.qemu.txt) and the firmware's debug console (.firmware.log)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._read_available()
        self.transcript.flush()
        shutil.copyfile(self.transcript.raw_path, path)
        status = self.proc.poll() if self.proc else None
        info = [" ".join(self.args or []), f"exit status: {status}",
                "stderr:\n" + self.stderr_text()]
        path.with_suffix(".qemu.txt").write_text("\n".join(info) + "\n")
        fw = self.firmware_text()
        if fw:
            path.with_suffix(".firmware.log").write_text(fw)
