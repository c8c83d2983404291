"""QEMU scenario harness: boot the kernel headless and drive it over COM1.

A Machine is one QEMU process (TCG only, never KVM) whose serial port is a
pair of pipes.  A reader thread collects everything the guest prints; the
test waits for regular expressions in it (expect), types commands (run)
and talks to the QEMU monitor over a unix socket.  Every wait is bounded and
a watchdog kills QEMU after `timeout` seconds, so a hung guest fails a test
instead of hanging the suite.  The same idea as kvm-unit-tests' runner and
the xv6 graders: the serial log is the interface.

    with Machine(mem="512M", cmdline="loglevel=7", build=build) as m:
        m.wait_prompt()
        out = m.run("mem")
"""

import codecs
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "kernel> "
# printk puts "[    1.234567] " before each console line.
STAMP = r"(?:\[\s*\d+\.\d+\] )?"
BOOT_TIMEOUT = 60          # boot to the first prompt (1-3 s usually), TCG on a busy host
CMD_TIMEOUT = 30           # one shell command
QEMU_LIFETIME = 300        # hard bound on one QEMU process

# ANSI escape sequences: CSI ... final, OSC ... BEL/ST, two-byte ESC x.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                   r"|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>78]")
# An escape sequence cut at the end of what has arrived so far.
_ANSI_TAIL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()])?$")


class TestFailure(Exception):
    """A scenario check failed; the message says what and shows context."""


def clean(text):
    """Text without ANSI escapes and carriage returns."""
    return _ANSI.sub("", text).replace("\r", "")


def strip_stamp(line):
    """A console line without its printk timestamp."""
    return re.sub(r"^" + STAMP, "", line)


class Build:
    """The build directory the tests run against (BUILD=..., default build)."""

    def __init__(self, path):
        self.dir = (ROOT / path).resolve() if not os.path.isabs(path) else Path(path)
        self.root = ROOT
        self.kernel_elf = self.dir / "kernel.elf"
        self.unittests = self.dir / "host" / "unittests"
        self.log_dir = self.dir / "test-logs"
        self.iso_dir = self.dir / "isos"
        self._shared = {}
        # Machine configurations that timed out before their first prompt:
        # later boots of the same one fail at once instead of waiting again.
        self.boot_timeouts = {}

    def machine(self, **kw):
        """A new Machine (started, not yet at the prompt)."""
        return Machine(build=self, **kw)

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
        for other in list(self._shared.values()):
            other.close()
            other.cleanup_files()
        self._shared.clear()
        m = Machine(build=self, **kw)
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

    def iso(self, cmdline=""):
        return build_iso(self, cmdline)


# --------------------------------------------------------------------- ISOs

def _file_digest(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_iso(build, cmdline=""):
    """An ISO of build's kernel.elf whose GRUB entry passes cmdline.

    cmdline is pasted into iso/grub.cfg's @CMDLINE@ as `make iso CMDLINE=`
    does, so it is GRUB script: GRUB removes quotes and re-quotes words with
    blanks ("msg=a b"), and passes a literal '"' as \\" (grub_create_loader_
    cmdline).  Cached in BUILD/isos/ by cmdline, kernel.elf and grub.cfg.
    """
    isodir = build.dir / "isodir"
    if not (isodir / "boot").is_dir() or not build.kernel_elf.is_file():
        raise TestFailure(f"no {isodir} or {build.kernel_elf}: run `make iso BUILD={build.dir.name}` first")
    template = (ROOT / "iso" / "grub.cfg").read_text()
    key = hashlib.sha1(cmdline.encode()).hexdigest()[:12]
    stamp = hashlib.sha1((cmdline + "\0" + template + "\0" +
                          _file_digest(build.kernel_elf)).encode()).hexdigest()
    build.iso_dir.mkdir(parents=True, exist_ok=True)
    iso = build.iso_dir / f"{key}.iso"
    stamp_file = build.iso_dir / f"{key}.stamp"
    if iso.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return iso
    # Private names while building: two suites may share a build directory.
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", suffix=".d", dir=build.iso_dir))
    shutil.rmtree(work)
    shutil.copytree(isodir, work)
    shutil.copyfile(build.kernel_elf, work / "boot" / "kernel.elf")
    (work / "boot" / "grub" / "grub.cfg").write_text(template.replace("@CMDLINE@", cmdline))
    tmp = work.with_suffix(".iso.tmp")
    try:
        r = subprocess.run(["grub-mkrescue", "-o", str(tmp), str(work)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        tmp.unlink(missing_ok=True)
        raise TestFailure("grub-mkrescue took more than 120 s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise TestFailure(f"grub-mkrescue failed ({r.returncode}): {r.stderr.strip()[-800:]}")
    os.replace(tmp, iso)
    tmp_stamp = work.with_suffix(".stamp.tmp")
    tmp_stamp.write_text(stamp)
    os.replace(tmp_stamp, stamp_file)
    return iso


# ------------------------------------------------------------------ machines

# Machines started by the running test; tests/run.py saves their logs when
# the test fails and kills any left running.  current_test is its name.
live_machines = []
current_test = None


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """One QEMU guest booted from an ISO, serial console on pipes.

    build: a Build or a build directory (default $BUILD or build).
    mem: -m value.  cmdline: kernel command line (GRUB script text, see
    build_iso).  iso: use this ISO instead of building one.  extra_args:
    more QEMU arguments.  reboot: False adds -no-reboot (a guest reset makes
    QEMU exit).  timeout: seconds after which QEMU is killed whatever
    happens.  start: boot at once (else call start()).
    """

    def __init__(self, mem="512M", cmdline="", iso=None, extra_args=(),
                 timeout=QEMU_LIFETIME, reboot=False, build=None, start=True):
        if build is None:
            build = os.environ.get("BUILD") or "build"
        self.build = build if isinstance(build, Build) else Build(build)
        self.mem = mem
        self.cmdline = cmdline
        self.iso = Path(iso) if iso else None
        self.extra_args = list(extra_args)
        self.lifetime = timeout
        self.reboot = reboot
        self.proc = None
        self.tmp = Path(tempfile.mkdtemp(prefix="ktest-"))
        self.monitor_path = self.tmp / "monitor.sock"
        self.firmware_log = self.tmp / "seabios.log"
        self.stderr_path = self.tmp / "qemu.stderr"
        self._lock = threading.Condition()
        self._text = ""        # cleaned serial output so far
        self._raw = bytearray()
        self._pending = ""     # an escape sequence not yet complete
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._eof = False
        self.pos = 0           # expect() searches from here
        self._mon = None
        self._mon_buf = b""
        self._watchdog = None
        self.killed_by_watchdog = False
        self.exit_status = None
        self.prompts_seen = 0
        self.args = None
        self.shared_name = None
        live_machines.append(self)
        if start:
            self.start()

    # -- lifecycle -----------------------------------------------------------

    def command_line(self):
        iso = self.iso or build_iso(self.build, self.cmdline)
        args = ["qemu-system-x86_64", "-M", "pc", "-m", self.mem,
                "-cdrom", str(iso), "-boot", "d",
                "-display", "none",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-serial", "stdio",
                "-monitor", f"unix:{self.monitor_path},server,nowait",
                "-chardev", f"file,id=seabios,path={self.firmware_log}",
                "-device", "isa-debugcon,iobase=0x402,chardev=seabios"]
        if not self.reboot:
            args.append("-no-reboot")
        return args + self.extra_args

    def start(self):
        self.args = self.command_line()
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err,
                                         start_new_session=True)
        threading.Thread(target=self._reader, daemon=True).start()
        self._watchdog = threading.Timer(self.lifetime, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        return self

    def _expire(self):
        if self.proc and self.proc.poll() is None:
            self.killed_by_watchdog = True
            self.kill()

    def _reader(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            with self._lock:
                if not data:
                    self._eof = True
                    self._lock.notify_all()
                    return
                self._raw += data
                s = self._pending + self._decoder.decode(data)
                tail = _ANSI_TAIL.search(s)
                cut = tail.start() if tail else len(s)
                self._pending = s[cut:]
                self._text += clean(s[:cut])
                self._lock.notify_all()

    def kill(self):
        """Kill our QEMU (by its PID only) and reap it."""
        if self.proc and self.proc.poll() is None:
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
        if self._watchdog:
            self._watchdog.cancel()
        if self._mon:
            try:
                self._mon.close()
            except OSError:
                pass
            self._mon = None
        self.kill()
        if self.proc:
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- serial output ---------------------------------------------------------

    @property
    def output(self):
        """All cleaned serial output so far."""
        with self._lock:
            return self._text

    def tail(self, n=40):
        lines = self.output.split("\n")
        return "\n".join("    | " + l for l in lines[-n:])

    def fail(self, what):
        """Raise TestFailure with what and the last 40 serial lines."""
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
        if self.output.strip():
            raise TestFailure(f"{what} [QEMU {state}]; last serial lines:\n{self.tail()}")
        fw = self.firmware_text().rstrip("\n").split("\n")[-10:]
        raise TestFailure(f"{what} [QEMU {state}]; no serial output at all; "
                          f"last firmware (SeaBIOS) lines:\n" + "\n".join("    | " + l for l in fw))

    def expect(self, pattern, timeout=CMD_TIMEOUT, flags=re.MULTILINE):
        """Wait until pattern matches the output after self.pos; move pos past
        the match and return it.  Fails on timeout or when QEMU is gone."""
        rx = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                m = rx.search(self._text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    break
                self._lock.wait(min(left, 0.5))
        why = "QEMU's output ended" if self._eof else f"{timeout} s passed"
        self.fail(f"expected /{rx.pattern}/ but {why}")

    def expect_not(self, pattern, wait=0.0, start=0, flags=re.MULTILINE):
        """Fail if pattern appears in the output from start (after waiting)."""
        if wait:
            time.sleep(wait)
        m = re.compile(pattern, flags).search(self.output, start)
        if m:
            line_start = self.output.rfind("\n", 0, m.start()) + 1
            line_end = self.output.find("\n", m.end())
            line = self.output[line_start:line_end if line_end >= 0 else None]
            self.fail(f"/{pattern}/ must not appear, but found: {line!r}")

    def config(self):
        return (self.mem, self.cmdline, str(self.iso), tuple(self.extra_args), self.reboot)

    def wait_prompt(self, timeout=BOOT_TIMEOUT, fail_on_panic=True):
        """Wait for the next shell prompt.  A "Kernel panic" line on the way
        fails at once (with panic=0 the prompt would never come); pass
        fail_on_panic=False when the prompt should come after a panic (a
        reboot with panic=N)."""
        first = self.prompts_seen == 0
        if first and self.config() in self.build.boot_timeouts:
            raise TestFailure("not booting again: this machine configuration did not reach "
                              f"the prompt in {self.build.boot_timeouts[self.config()]}")
        rx = re.escape(PROMPT)
        if fail_on_panic:
            rx = f"(?P<panic>^{STAMP}Kernel panic - not syncing.*$)|{rx}"
        try:
            m = self.expect(rx, timeout)
        except TestFailure:
            if first and not self._eof and self.alive():
                self.build.boot_timeouts[self.config()] = current_test or "an earlier test"
            raise
        if fail_on_panic and m.group("panic"):
            time.sleep(0.5)      # let the rest of the panic report arrive
            self.fail(f"kernel panicked while a prompt was expected: {m.group('panic')!r}")
        self.prompts_seen += 1
        return m

    def log_lines(self, start=0, end=None):
        """Output lines from start to end, printk timestamps removed."""
        return [strip_stamp(l) for l in self.output[start:end].split("\n")]

    # -- serial input ------------------------------------------------------------

    def send(self, data):
        """Type bytes (or str) on the serial port."""
        if isinstance(data, str):
            data = data.encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self.fail(f"cannot send {data!r}: QEMU's stdin is closed")

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Type cmd + Enter at the prompt; return its output: the text between
        the echoed command line and the next prompt.  Call after a prompt."""
        start = self.pos
        self.send(cmd + "\r")
        self.expect(r"\n", timeout)                  # end of the echoed line
        out_start = self.pos
        m = self.wait_prompt(timeout)
        out = self.output[out_start:m.start()]
        self.last_command_span = (start, m.end())
        return out

    # -- QEMU monitor --------------------------------------------------------------

    def _mon_read_prompt(self, timeout):
        deadline = time.monotonic() + timeout
        while b"(qemu) " not in self._mon_buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f"QEMU monitor: no prompt within {timeout} s "
                                  f"(got {self._mon_buf[-200:]!r})")
            self._mon.settimeout(left)
            try:
                data = self._mon.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise TestFailure("QEMU monitor: connection closed")
            self._mon_buf += data
        i = self._mon_buf.index(b"(qemu) ")
        text, self._mon_buf = self._mon_buf[:i], self._mon_buf[i + 7:]
        return clean(text.decode(errors="replace"))

    def monitor(self, cmd, timeout=20):
        """Run one human-monitor command; return its output (echo removed)."""
        if self._mon is None:
            deadline = time.monotonic() + 10
            while True:
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(str(self.monitor_path))
                    break
                except OSError:
                    s.close()
                    if time.monotonic() > deadline or not self.alive():
                        raise TestFailure("QEMU monitor: cannot connect")
                    time.sleep(0.1)
            self._mon = s
            self._mon_read_prompt(timeout)            # the banner
        self._mon.sendall(cmd.encode() + b"\n")
        text = self._mon_read_prompt(timeout)
        lines = text.split("\n")
        # The monitor echoes the command line first (with redraw escapes).
        if lines and cmd.strip() and cmd.strip() in lines[0]:
            lines = lines[1:]
        return "\n".join(lines).strip("\n")

    # -- exit ---------------------------------------------------------------------

    def wait_exit(self, timeout=60):
        """Wait for QEMU to exit by itself; return its exit status."""
        try:
            self.exit_status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"QEMU did not exit within {timeout} s")
        # Let the reader thread drain the pipe.
        with self._lock:
            deadline = time.monotonic() + 5
            while not self._eof and time.monotonic() < deadline:
                self._lock.wait(0.2)
        if self.killed_by_watchdog:
            self.fail("QEMU was killed by the watchdog, it did not exit by itself")
        return self.exit_status

    # -- firmware ---------------------------------------------------------------------

    def firmware_text(self):
        try:
            return self.firmware_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def firmware_e820(self):
        """SeaBIOS's own e820 map, from its debug console: a list of
        (start, end, type) from the last "e820 map has N items:" block."""
        text = self.firmware_text()
        blocks = list(re.finditer(r"^e820 map has (\d+) items:\n", text, re.M))
        if not blocks:
            raise TestFailure("no 'e820 map has N items:' block in the SeaBIOS debug log")
        head = blocks[-1]
        rx = re.compile(r"^\s*(\d+): ([0-9a-f]{16}) - ([0-9a-f]{16}) = (\d+)", re.M)
        ranges = []
        for m in rx.finditer(text, head.end()):
            if int(m.group(1)) != len(ranges):
                break
            ranges.append((int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))))
            if len(ranges) == int(head.group(1)):
                break
        if len(ranges) != int(head.group(1)):
            raise TestFailure(f"SeaBIOS e820 block announces {head.group(1)} items, parsed {len(ranges)}")
        return ranges

    # -- logs -------------------------------------------------------------------

    def save_log(self, path):
        """Write the raw serial log (plus QEMU's stderr, the command line and
        the firmware log beside it) to path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            raw = bytes(self._raw)
        path.write_bytes(raw)
        info = [" ".join(self.args or []), f"exit status: {self.proc.returncode if self.proc else None}"]
        try:
            info.append("stderr:\n" + self.stderr_path.read_text(errors="replace"))
        except FileNotFoundError:
            pass
        path.with_suffix(".qemu.txt").write_text("\n".join(info) + "\n")
        fw = self.firmware_text()
        if fw:
            path.with_suffix(".firmware.log").write_text(fw)

    def cleanup_files(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


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


# e820 type numbers and the names Linux (and our kernel) print for them.
E820_NAMES = {1: "usable", 2: "reserved", 3: "ACPI data", 4: "ACPI NVS", 5: "unusable"}
RANGE = r"\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)"


def e820_type_number(name):
    for num, n in E820_NAMES.items():
        if n == name:
            return num
    m = re.fullmatch(r"type (\d+)", name)
    if not m:
        raise TestFailure(f"unknown e820 type name {name!r}")
    return int(m.group(1))


def parse_e820_lines(text):
    """(start, end, type) of every "e820: [a, b) name (size)" line."""
    rx = re.compile(r"^" + STAMP + r"e820: " + RANGE + r" (.+?) \([^()]+\)$", re.M)
    return [(int(m.group(1), 16), int(m.group(2), 16), e820_type_number(m.group(3)))
            for m in rx.finditer(text)]
