"""kdump from the host's side: the dump disk, and one capture end to end.

capture() boots with crashkernel= and a dump disk, `kexec -p`s the kernel's
own image with vmcore_autosave=poweroff, types `crash TRIGGER`, follows the
capture kernel until the vmcore is saved and QEMU powered off, and cuts the
vmcore out of the disk; tests and tools call it, narrating through a
progress callback.  Linux's counterpart: kdump.service with kexec-tools.
"""

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .elf import extract_vmcore
from .machine import Machine

# The stages progress() sees, in order: the last five are the lines the
# crash prints, on the console of the dying kernel, the purgatory and the
# capture kernel.
STAGES = ["booted", "loaded", "crashing", "panic", "purgatory", "capture", "ready", "saved",
          "exited"]
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
LOAD = 'kexec -p /boot/kernel.elf --append="{append}"'
# The dump disk's virtio-blk serial: the capture kernel writes only to the
# disk named by vmcore_disk= (crash/, drivers/virtio_blk_select.c).
DUMP_SERIAL = "dump"
# What capture() appends to the capture kernel's command line by default.
AUTOSAVE = f"vmcore_disk={DUMP_SERIAL} vmcore_autosave=poweroff"
# How long each stage may take after the previous one, in seconds (TCG on a busy host).
PANIC_TIMEOUT = 60          # the trigger to "Kernel panic" (lockup waits 5 s for the watchdog)
BOOT_TIMEOUT = 120          # the purgatory to the capture kernel's prompt-ready line
SAVE_TIMEOUT = 600          # writing the vmcore (6 GiB guests take tens of seconds)


def mem_bytes(mem):
    """Bytes of a QEMU -m value ("512M", "6G") or a plain number."""
    unit = mem[-1].upper()
    return int(mem[:-1]) * UNITS[unit] if unit in UNITS else int(mem)


def disk_args(path, readonly=False, serial=DUMP_SERIAL):
    """QEMU arguments for one disk: a raw image on virtio-blk with a serial
    (default DUMP_SERIAL, the dump disk; the kernel writes only to the disk
    vmcore_disk=SERIAL names), drive id "disk-SERIAL"."""
    ro = ",readonly=on" if readonly else ""
    return ["-drive", f"file={path},format=raw,if=none,id=disk-{serial}{ro}",
            "-device", f"virtio-blk-pci,drive=disk-{serial},serial={serial}"]


def disks_args(disks):
    """QEMU arguments for several disks, in PCI order: an iterable of
    (path, serial) or (path, serial, readonly)."""
    args = []
    for path, serial, *ro in disks:
        args += disk_args(path, readonly=bool(ro and ro[0]), serial=serial)
    return args


def new_disk(directory, size):
    """A new sparse dump disk image of size bytes in directory; its Path."""
    fd, name = tempfile.mkstemp(prefix="dump-", suffix=".img", dir=directory)
    os.ftruncate(fd, size)
    os.close(fd)
    return Path(name)


@dataclass
class Save:
    """One `vmcore save -d LEVEL` in the capture kernel: the vmcore cut out
    of the disk right after it, its size, the capture kernel's own time for
    the save, its log lines (what was left out, the saved line)."""
    level: int
    path: Path
    size: int
    ms: int
    lines: str


@dataclass
class Capture:
    """What one capture() saw.  log is the whole serial text; crash_at its
    offset where `crash TRIGGER` was typed; times the host's monotonic
    clock when the trigger was typed ("crash") and at each line of STAGES;
    outputs each command's output by command line."""
    machine: Machine
    disk: Path
    vmcore: Path = None
    vmcore_size: int = 0
    log: str = ""
    crash_at: int = 0
    times: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    saved_line: str = ""
    rate_mbs: int = 0
    exit_status: int = None
    saves: dict = field(default_factory=dict)   # level -> Save, with capture(saves=)

    @property
    def crashed_log(self):
        """The serial text of the kernel that died (up to the purgatory's line)."""
        return self.log[:self.log.index("purgatory: sha256 ok")]

    def seconds(self, since, until):
        return self.times[until] - self.times[since]


def save_levels(m, cap, levels, directory):
    """In a capture kernel at its prompt: `vmcore save -d L` for each level,
    each vmcore cut out of the disk into directory/vmcore-L before the
    next save overwrites it (the driver's flush has put it in the file)."""
    for level in levels:
        out = m.run(f"vmcore save -d {level}", timeout=SAVE_TIMEOUT)
        found = re.search(r"vmcore: saved .* in (\d+) ms", out)
        if not found:
            m.fail(f"vmcore save -d {level} did not save:\n{out}")
        path = Path(directory) / f"vmcore-{level}"
        cap.saves[level] = Save(level, path, extract_vmcore(cap.disk, path),
                                int(found.group(1)), out)


def capture(build, mem="512M", crashkernel="64M", trigger="null", before=(),
            append=AUTOSAVE, dump_level=None, saves=None, save_dir=None, after=(),
            disk=None, keep_disk=False, vmcore=None, progress=None, lifetime=900,
            extra_disks=(), on=None, **machine_kw):
    """Crash a guest once and capture its vmcore; return a Capture.

    before: shell commands run before `kexec -p` (their outputs go into
    Capture.outputs).  dump_level: the capture kernel's vmcore_dump_level=
    (None: its default).  saves: dump levels to save one after the other
    from the same crash, by hand at the capture kernel's prompt (no
    autosave then): Capture.saves[level] holds each (save_levels), cut out
    into save_dir (default BUILD/); the capture kernel is then powered off.
    after: with saves, commands the capture kernel runs first (outputs in
    Capture.outputs).  on: run the trigger on that CPU (`on N crash
    TRIGGER`).  disk: the dump disk image to create (default a
    temporary file in BUILD/), mem + 64 MiB, sparse; removed at the end
    unless keep_disk.  vmcore: where to write the vmcore cut out of the
    disk (None: leave it on the disk).  extra_disks: (path, serial) disks
    attached before the dump disk (first on the PCI bus: a user's data disk
    the capture must not touch).  machine_kw: more Machine() options
    (firmware="ovmf", machine="q35", smp=4, cpu="max").
    progress(stage, machine, capture) is called at each of STAGES: at the first prompt, after the load,
    before the trigger is typed, when each milestone line of the crash is
    complete, and after QEMU exited.
    Raises GuestError (with the serial tail) when any stage fails, or
    ValueError when the disk holds no vmcore."""
    size = mem_bytes(mem) + (64 << 20)
    if disk is None:
        disk = new_disk(build.dir, size)
    else:
        disk = Path(disk)
        with open(disk, "wb") as f:
            f.truncate(size)
    m = Machine(build, mem=mem, cmdline=f"crashkernel={crashkernel}",
                extra_args=disks_args(extra_disks) + disk_args(disk), lifetime=lifetime,
                **machine_kw)
    cap = Capture(machine=m, disk=disk)
    step = progress or (lambda stage, machine, capture: None)
    try:
        with m:
            m.wait_prompt()
            step("booted", m, cap)
            for cmd in before:
                cap.outputs[cmd] = m.run(cmd, timeout=120)
            if saves is not None:
                append = append.replace("vmcore_autosave=poweroff", "").strip()
            if dump_level is not None:
                append = f"{append} vmcore_dump_level={dump_level}".strip()
            load = LOAD.format(append=append)
            out = cap.outputs[load] = m.run(load, timeout=60)
            if "kexec: loaded '/boot/kernel.elf'" not in out:
                m.fail(f"kexec -p failed:\n{out}")
            step("loaded", m, cap)
            step("crashing", m, cap)
            cap.crash_at = len(m.output)
            cap.times["crash"] = time.monotonic()
            m.send(("" if on is None else f"on {on} ") + f"crash {trigger}\r")
            stages = [("panic", r"Kernel panic - not syncing", PANIC_TIMEOUT),
                      ("purgatory", r"purgatory: sha256 ok", 60),
                      ("capture", r"vmcore: capture kernel:", BOOT_TIMEOUT),
                      ("ready", r"boot: ready in", BOOT_TIMEOUT),
                      ("saved", r"vmcore: saved .* \((\d+) MB/s\)", SAVE_TIMEOUT)]
            for stage, line, timeout in stages[:-1] if saves is not None else stages:
                found = m.expect_line(line, timeout)
                cap.times[stage] = time.monotonic()
                step(stage, m, cap)
            if saves is not None:
                m.wait_prompt()
                for cmd in after:
                    cap.outputs[cmd] = m.run(cmd, timeout=120)
                save_levels(m, cap, saves, save_dir or build.dir)
                m.send("poweroff\r")
            else:
                cap.saved_line = m.output[found.start():m.output.index("\n", found.end())]
                cap.rate_mbs = int(found.group(1))
            cap.exit_status = m.wait_exit(120)
            if cap.exit_status != 0:
                m.fail(f"QEMU exited with {cap.exit_status} after the capture kernel's "
                       "poweroff, want 0")
            cap.log = m.output
            step("exited", m, cap)
        if vmcore is not None:
            cap.vmcore = Path(vmcore)
            cap.vmcore_size = extract_vmcore(disk, vmcore)
    finally:
        if not keep_disk:
            disk.unlink(missing_ok=True)
    return cap

