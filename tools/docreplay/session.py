"""Replaying a document's blocks: kernel console sessions on QEMU machines
(guest.Machine, booted at first use, one per declared name, stopped at the
document's end) and host commands, each giving the lines a block is
compared with.  Host commands run in a View of the checkout whose build/
is a copy of the real build (its read-only caches shared), so what they
write or rebuild (build/vmcore, build/dump.img, an ISO) stays in the view:
a replay never touches the user's files.
Linux: none (kselftest's runner drives shells the same way).
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import guest
from guest.console import PROMPT
from guest.kdump import disk_args, mem_bytes

SHELL_TIMEOUT = 300                 # one host command (make demo, make vmcore: ~30 s)
# What the docs' commands write into build/: not copied in, so they start afresh.
WRITTEN = {"dump.img", "vmcore", "vmcore-disk.img", "memmap.svg", "memmap.png",
           "debug-serial.log", "test-vmcore"}
# Caches in build/ the docs' commands only read, or fill with a temporary
# file renamed into place (tools/guest/iso.py): shared, not copied.
SHARED = {"isos", "linux-guest", "fuzz"}
COPY_MAX = 64 << 20                 # bigger files in build/ stay out of the view
CONSOLE_TIMEOUT = 120               # one kernel command (kexec -e reboots; crash captures)
# A printk line the kernel printed at the prompt on its own ("kernel> [
# 15.717443] NMI backtrace ..."): shown after a prompt, yet not a command.
STAMPED = re.compile(r"\[\s*\d+\.\d+\]")


class ReplayError(Exception):
    """A session could not be replayed at all (the message names FILE:LINE)."""


class View:
    """The checkout seen by the host commands (see the module comment).

    The sources are symlinks (read only by what the docs run); build/ is a
    copy, mtimes kept so make sees it as up to date, because a command that
    rebuilds (make demo after a `make run CMDLINE=...` left another
    cmdline.stamp) writes its outputs in place: a hard link or a symlinked
    directory would hand it the user's own kernel.iso and isodir.  Only
    the caches that are written whole and renamed into place are shared
    (SHARED); files past COPY_MAX (disk images, dumps) are left out, and a
    file that goes while the view is made (a test's scratch disk) is
    skipped."""

    def __init__(self, build):
        self.build = build
        self.dir = Path(tempfile.mkdtemp(prefix="docs-replay-"))
        for entry in build.root.iterdir():
            if entry.name not in ("build", ".git"):
                (self.dir / entry.name).symlink_to(entry)
        (self.dir / "build").mkdir()
        for entry in build.dir.iterdir():
            dest = self.dir / "build" / entry.name
            if entry.name in WRITTEN:
                continue
            try:
                if entry.name in SHARED or entry.is_symlink():
                    dest.symlink_to(entry.resolve() if entry.is_symlink() else entry)
                elif entry.is_dir():
                    shutil.copytree(entry, dest, symlinks=True, copy_function=_copy_small)
                elif entry.is_file():
                    _copy_small(entry, dest)
            except (FileNotFoundError, shutil.Error):
                pass    # gone while we looked: a test's scratch file, not the build

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _copy_small(src, dest):
    """Copy a build file with its mtime; leave out one past COPY_MAX (a
    scratch disk image or a dump: data, not something make rebuilds, and
    copying a sparse 6 GiB disk would write 6 GiB)."""
    if os.stat(src).st_size <= COPY_MAX:
        shutil.copy2(src, dest)
    return dest


def shell_commands(lines):
    """The host commands of a shell block: [(first index, last index, command)];
    a "$ " line starts one, lines ending in a backslash continue it (the
    backslash and newline kept: the shell joins them, as a reader's does)."""
    cmds, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        first, text = i, lines[i][2:]
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text + "\n" + lines[i]     # bash reads backslash-newline as one line
        cmds.append((first, i, text))
        i += 1
    return cmds


class Session:
    """The state of one replay: the view, the machines by name, and the
    build.  run(doc, block) returns (actual lines, lead, trail)."""

    def __init__(self, build):
        self.build = build if isinstance(build, guest.Build) else guest.Build(build)
        self.view = View(self.build)
        self.machines = {}          # name -> [guest.Machine, booted, doc position]
        self.declared = {}
        self.printed = []           # what the document's shell blocks printed

    def close(self):
        self.end_document()
        self.view.close()

    def end_document(self):
        for m, *_ in self.machines.values():
            m.close()
            m.cleanup_files()
        self.machines.clear()
        self.printed = []

    def run(self, doc, block):
        if block.what == "shell":
            return self._shell(block)
        self.declared = doc.machines
        return self._console(block)

    # -- host --------------------------------------------------------------------

    def _shell(self, block):
        timeout = int(block.options.get("timeout", SHELL_TIMEOUT))
        env = dict(os.environ, TERM="dumb", LC_ALL="C.UTF-8")
        env.pop("BUILD", None)
        env.pop("MAKEFLAGS", None)
        env.pop("MAKELEVEL", None)
        out = []
        cmds = shell_commands(block.lines)
        if not cmds:
            raise ReplayError(f"{block.where()}: a shell block with no '$ ' line")
        old = _first_number([(first, c) for first, _, c in cmds]) if "arg" in block.options \
            else None
        new = self._printed_arg(block) if old else None
        status = 0      # each command runs in its own bash; $? carries over, as typed
        for first, last, cmd in cmds:
            shown = block.lines[first:last + 1]
            if old:
                cmd, shown = _moved(cmd, old, new), [_moved(l, old, new) for l in shown]
            out.extend(shown)
            try:
                r = subprocess.run(["bash", "-c", f"(exit {status}); {cmd}"], cwd=self.view.dir,
                                   env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=timeout,
                                   start_new_session=True)
            except subprocess.TimeoutExpired:
                raise ReplayError(f"{block.where(first)}: `{cmd}` ran past {timeout} s")
            status = r.returncode if r.returncode >= 0 else 128 - r.returncode
            text = r.stdout.decode("utf-8", "replace").replace(str(self.view.dir) + "/", "")
            self.printed.append(text)
            out.extend(_lines(text))
        return out, False, False

    def _printed_arg(self, block):
        """arg=RX in a shell block: RX's group 1, last match in what the
        document printed so far (its machines' consoles, then its shell
        blocks' output), as a 0x number."""
        rx = re.compile(block.options["arg"], re.M)
        found = None
        for text in [s[0].output for s in self.machines.values()] + self.printed:
            for found in rx.finditer(text):
                pass
        if found is None:
            raise ReplayError(f"{block.where()}: arg={block.options['arg']!r} matches nothing "
                              "the document printed before")
        return hex(int(found.group(1), 16))

    # -- kernel console ------------------------------------------------------------

    def _machine(self, name, where):
        if name in self.machines:
            return self.machines[name]
        opts = dict(self.declared[name].options)
        extra = []
        disk = opts.pop("disk", None)
        if disk:
            path = self.view.dir / (disk if isinstance(disk, str) else "build/dump.img")
            with open(path, "wb") as f:
                f.truncate(mem_bytes(opts.get("mem", "512M")) + (64 << 20))
            extra = disk_args(path)
        for spec in str(opts.pop("disks", "")).split(","):
            if spec:                        # disks=SERIAL:SIZE,...: more disks, by serial
                serial, _, size = spec.partition(":")
                path = self.view.dir / "build" / f"{serial}.img"
                with open(path, "wb") as f:
                    f.truncate(mem_bytes(size))
                extra += disk_args(path, serial=serial)
        kw = {k: opts.pop(k) for k in ("mem", "cmdline", "smp", "machine", "cpu") if k in opts}
        for k in ("kernel", "initrd"):      # QEMU's -kernel/-initrd: files of the view
            if k in opts:
                kw[k] = self.view.dir / opts.pop(k)
        if opts:
            raise ReplayError(f"{where}: machine {name!r}: unknown option {next(iter(opts))!r}")
        m = guest.Machine(self.build, extra_args=extra, lifetime=900, **kw)
        # [machine, booted, where the next session starts, a session has
        #  run, at a prompt (not after an end= match)]
        self.machines[name] = [m, False, 0, False, True]
        return self.machines[name]

    def _console(self, block):
        state = self._machine(block.machine, block.where())
        m = state[0]
        timeout = int(block.options.get("timeout", CONSOLE_TIMEOUT))
        cmds = [(i, l[len(PROMPT):]) for i, l in enumerate(block.lines)
                if l.startswith(PROMPT) and l[len(PROMPT):].strip()
                and not STAMPED.match(l[len(PROMPT):])]
        try:
            if not state[1]:
                state[2] = m.wait_prompt(timeout, fail_on_panic=False).start()
                state[1] = True
            if "until" in block.options:
                m.expect_line(block.options["until"], timeout)
            if not cmds:
                # A log excerpt: lines of everything this machine printed so far.
                return _lines(m.output[:m.pos]), True, True
            if not state[4]:
                # The last session stopped at its end= line: the shell's
                # prompt (the capture kernel's, say) is yet to come.
                state[2] = m.wait_prompt(timeout, fail_on_panic=False).start()
                state[4] = True
            first_line = block.lines[0] if block.lines else ""
            # A block that opens with boot lines shows the boot: from byte 0.
            start = state[2] if state[3] or first_line.startswith(PROMPT) else 0
            state[3] = True
            end_rx, wait_rx = block.options.get("end"), block.options.get("wait")
            old = _first_number(cmds) if "arg" in block.options else None
            echo_at = None
            for n, (i, cmd) in enumerate(cmds):
                if old and old in cmd:
                    cmd = self._moved_arg(m, block, cmd, old)
                if wait_rx and n == len(cmds) - 1:
                    # wait=RX: lines the kernel prints on its own, at the
                    # prompt (a watchdog's report), come before the last
                    # command; its echo then starts a line with no prompt.
                    m.expect_line(wait_rx, timeout)
                    echo_at = m.pos
                m.send(cmd + "\r")
                m.expect(r"\n", timeout)
                if n == len(cmds) - 1 and end_rx:
                    m.expect_line(end_rx, timeout)
                    end, state[4] = m.pos, False
                else:
                    p = m.wait_prompt(timeout, fail_on_panic=False)
                    end = p.start()
            state[2] = end
            if block.lines and block.lines[-1].strip() == PROMPT.strip():
                end = m.pos             # shown here, and again by the next block
            lead = not first_line.startswith(PROMPT)
            text = m.output[start:end]
            if echo_at is not None and m.output.startswith(cmd, echo_at):
                # Shown as typed at a prompt, as every command is.
                text = m.output[start:echo_at] + PROMPT + m.output[echo_at:end]
            return _lines(text), lead, False
        except guest.GuestError as e:
            raise ReplayError(f"{block.where()}: machine {block.machine!r}: {e}")

    def everything(self, block):
        """A "later" block: lines of all its machine printed, as an excerpt."""
        if block.machine not in self.machines:
            raise ReplayError(f"{block.where()}: 'later': machine {block.machine!r} never ran")
        m = self.machines[block.machine][0]
        if "until" in block.options:
            try:
                m.expect_line(block.options["until"], int(block.options.get("timeout",
                                                                            CONSOLE_TIMEOUT)))
            except guest.GuestError as e:
                raise ReplayError(f"{block.where()}: machine {block.machine!r}: {e}")
        return _lines(m.output), True, True

    @staticmethod
    def _moved_arg(m, block, cmd, old):
        """arg=RX: an address the commands take that moves with the build
        (the MBI GRUB placed after the kernel, a symbol's address): the
        last match of RX's group 1 in what the machine printed so far
        replaces the doc's value (the first 0x number of the commands) in
        cmd.  The echoed command then shows the doc's line stale, and
        --write updates it."""
        found = list(re.finditer(block.options["arg"], m.output, re.M))
        if not found:
            raise ReplayError(f"{block.where()}: arg={block.options['arg']!r} matches nothing "
                              "the machine printed")
        return re.sub(rf"\b{old}\b", hex(int(found[-1].group(1), 16)), cmd)


def _moved(text, old, new):
    """text with the address old (a 0x string) moved to new, in every 0x
    number that holds it in its low digits: the same address through
    another mapping (0xffffffff80317140, 0xffff888000317140 for
    0x317140) moves with it; widths are kept."""
    old_v, new_v, digits = int(old, 16), int(new, 16), len(old) - 2

    def one(m):
        n = int(m.group(0), 16)
        if n % (16 ** digits) != old_v:
            return m.group(0)
        return "0x%0*x" % (len(m.group(0)) - 2, n - old_v + new_v)
    return re.sub(r"\b0x[0-9a-fA-F]+\b", one, text)


def _first_number(cmds):
    """The first 0x number in the commands, or None."""
    for _, cmd in cmds:
        n = re.search(r"\b0x[0-9a-fA-F]+\b", cmd)
        if n:
            return n.group(0)
    return None


def _lines(text):
    lines = [l.rstrip() for l in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines
