"""Linux, both ways, from the host: Debian's kernel (the kit of
tools/linux-guest/, fetched from Debian at test time) booting our kernel
with its kexec-tools, and our kernel catching its crashes.

    kit = linux.kit(build)                       # prepared once per build dir
    initrd = linux.initrd(build, "with-ours", [(build.dir / "bzImage", "boot/bzImage")])
    r = linux.crash_into_ours(build, "file", "4M", disk)   # Linux dies, ours saves
    print(r.saved_line, r.panic_to_saved)

The idea: each flow is what a person types at the Linux guest's shell and
then at ours, over one serial console (linux_vm.Guest); every wait is
bounded.  Linux's counterpart: Debian's kdump-tools (kdump-config load).
"""

import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .build import ROOT
from .machine import GuestError

sys.path.insert(0, str(ROOT / "tools" / "linux-guest"))
import cpio                                   # noqa: E402  (the kit's cpio writer)
from linux_guest import Kit                   # noqa: E402
import linux_vm                               # noqa: E402
from linux_vm import Guest                    # noqa: E402

OUR_PROMPT = "kernel> "
SYSCALLS = {"load": "", "file": "-s "}        # kexec_load, kexec_file_load
# What kexec-tools' man page and Linux's kdump.rst give a capture kernel.
LINUX_CAPTURE_APPEND = "console=ttyS0 panic=-1 nr_cpus=1 irqpoll reset_devices"
_kits = {}


def kit(build):
    """The Linux guest kit of build's directory, fetched and unpacked once."""
    k = _kits.get(build.dir)
    if k is None:
        k = _kits[build.dir] = Kit(build.dir).prepare()
    return k


def _digest(files):
    h = hashlib.sha1()
    for src, dest in files:
        h.update(dest.encode() + b"\0" + Path(src).read_bytes())
    return h.hexdigest()


def initrd(build, name, extra=()):
    """The kit's initramfs plus `extra` ((host file, path in the guest)
    pairs), cached as BUILD/linux-guest/ours/NAME.img until an input changes."""
    out = kit(build).dir / "ours" / f"{name}.img"
    stamp = out.with_suffix(".stamp")
    key = _digest(list(extra) + [(ROOT / "tools" / "linux-guest" / "init", "init")])
    if not (out.is_file() and stamp.is_file() and stamp.read_text() == key):
        out.parent.mkdir(parents=True, exist_ok=True)
        kit(build).build_initrd(out, extra=extra)
        stamp.write_text(key)
    return out


def cpio_archive(path, files):
    """An uncompressed cpio "newc" archive of (host file, path) pairs: an
    initrd our kernel splits into boot modules named by those paths."""
    a = cpio.Archive()
    for src, dest in files:
        a.add_host_file(dest, src)
    Path(path).write_bytes(a.to_bytes())
    return Path(path)


def guest(build, initrd_path, append="", mem="512M", extra_args=(), log_path=None,
          lifetime=600):
    """A Linux guest (not yet started: use `with`)."""
    return Guest(kit(build).vmlinuz, initrd_path, append=append, mem=mem,
                 extra_args=list(extra_args), lifetime=lifetime, log_path=log_path)


def ours_initrd(build):
    """The Linux guest's initramfs with our kernel in both formats in /boot."""
    return initrd(build, "ours", [(build.kernel_elf, "boot/kernel.elf"),
                                  (build.dir / "bzImage", "boot/bzImage")])


@dataclass
class LinuxCrash:
    """What crash_into_ours saw: the Linux guest (for more typing when
    shell=True), the serial text, host seconds from the sysrq line to each
    milestone of our capture kernel, and the kexec command's output."""
    guest: object
    log: str = ""
    loaded: str = ""
    times: dict = field(default_factory=dict)
    saved_line: str = ""
    elfcorehdr: str = ""

    @property
    def panic_to_saved(self):
        return self.times.get("saved", 0) - self.times["sysrq"]


def crash_into_ours(build, syscall, crashkernel, disk_args, mem="512M", append="",
                    initrd_path=None, log_path=None, then="poweroff", timeout=300,
                    kexec_extra="", dump_serial="dump"):
    """Boot Linux with crashkernel=, `kexec [-s] -p /boot/bzImage` (ours;
    kexec_extra: more options, e.g. --initrd=), `echo c > /proc/sysrq-trigger`;
    follow our capture kernel until it has saved the vmcore
    (vmcore_autosave=THEN) and, for poweroff, QEMU exited.  disk_args: QEMU
    arguments of the dump disk, whose virtio serial is dump_serial (our
    capture kernel writes only to the disk vmcore_disk= names).  With then="shell" the guest is left
    running at our prompt (the caller closes it).  Raises GuestError (with
    the last lines) if a step does not happen."""
    g = guest(build, initrd_path or ours_initrd(build), f"crashkernel={crashkernel}", mem,
              disk_args, log_path)
    g.start()
    try:
        r = LinuxCrash(guest=g)
        g.wait_marker()
        g.wait_prompt()
        out, _ = g.run(f'kexec {SYSCALLS[syscall]}-p /boot/bzImage {kexec_extra} '
                       f'--append="vmcore_disk={dump_serial} vmcore_autosave={then} {append}" 2>&1; '
                       'cat /sys/kernel/kexec_crash_loaded', timeout=120)
        r.loaded = out.strip()
        if not r.loaded.endswith("1"):
            raise GuestError(f"kexec {SYSCALLS[syscall]}-p did not load: {r.loaded!r}")
        g.send("echo c > /proc/sysrq-trigger\r")
        g.expect(r"sysrq: Trigger a crash", 60)
        r.times["sysrq"] = time.monotonic()
        m = g.expect(r"boot: cmdline '[^']*elfcorehdr=([^' ]+)", timeout)
        r.elfcorehdr = m.group(1)
        r.times["capture"] = time.monotonic()
        g.expect(r"boot: ready in", timeout)
        r.times["ready"] = time.monotonic()
        # A save that fails says so at once (a window too small for the
        # queue, no disk): no need to wait out the timeout.
        m = g.expect(r"vmcore: (saved|error: not saved) [^\r\n]*", timeout)
        if m.group(1) != "saved":
            raise GuestError(f"our capture kernel did not save: {m.group(0)}\n{g.tail()}")
        r.times["saved"] = time.monotonic()
        r.saved_line = m.group(0)
        if then == "poweroff":
            g.wait_exit(120)
            g.close()
        else:
            g.expect(OUR_PROMPT, 60)
        r.log = g.tail(100000)
        return r
    except linux_vm.GuestError as e:  # the kit's driver: one error class for callers
        g.close()
        raise GuestError(str(e)) from e
    except BaseException:
        g.close()
        raise
