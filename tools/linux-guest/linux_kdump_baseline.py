#!/usr/bin/python3
"""Linux's own kdump in our QEMU, the baseline `make bench` sets beside ours:
Debian's cloud kernel boots with crashkernel=SIZE, loads itself and the
kit's initramfs as its capture kernel with `kexec -p` (kexec_load) or
`kexec -s -p` (kexec_file_load), dies by `echo c > /proc/sysrq-trigger`,
and the capture kernel's /init finds /proc/vmcore.

    tools/linux-guest/linux_kdump_baseline.py [--build DIR] [--mem 512M]
        [--syscall load|file|both] [--crashkernel 96M] [--runs 3] [--smallest]
        [--tries 3] [--dump] [--lo 32] [--hi 128]
Prints panic -> capture /init (host seconds, TCG; the median of --runs);
with --smallest, the smallest crashkernel= in MiB with which --tries
captures in a row reach /init; with --dump, saves /proc/vmcore to a disk
and checks it on the host with makedumpfile (--dump-dmesg, -d 31).
Figures, not a test: exit 1 only when the kit cannot be built or a timed
capture fails.
Linux counterpart: what Debian's kdump-tools does (kdump-config load).
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from linux_vm import Guest, GuestError   # noqa: E402
from linux_guest import Kit, KitError  # noqa: E402
from debs import FetchError           # noqa: E402

ROOT = HERE.parent.parent
DUMP_SERIAL = "vmcore-dump"
# What Debian's kdump-tools and Linux's kdump.rst give a capture kernel:
# one CPU, interrupts polled, devices reset by their drivers.
CAPTURE_APPEND = "console=ttyS0 panic=-1 nr_cpus=1 irqpoll reset_devices"
CAPTURE_MARKER = r"linux-guest: capture kernel: /proc/vmcore is (\d+) bytes, elfcorehdr=(\S*)\r*\n"
SYSCALLS = {"load": ("kexec_load", "-p"), "file": ("kexec_file_load", "-s -p")}


def mem_mib(mem):
    return int(mem[:-1]) << (10 if mem[-1].upper() == "G" else 0)


def build_images(kit, workdir):
    """The capture initramfs (the kit as it is) and the first kernel's, which
    carries Debian's kernel and the capture initramfs in /boot."""
    capture = workdir / "capture.img"
    first = workdir / "first.img"
    kit.build_initrd(capture)
    kit.build_initrd(first, extra=[(kit.vmlinuz, "boot/vmlinuz"), (capture, "boot/capture.img")])
    return first, capture


def one_crash(kit, first, syscall, crashkernel, mem="512M", dump=None, log_path=None,
              capture_timeout=180, capture_extra=""):
    """Boot with crashkernel=, kexec -p, sysrq-c; wait for the capture /init.

    Returns a dict: ok (capture /init reached with /proc/vmcore), why (if
    not), load_out (kexec's own output), panic_to_init (s), vmcore_bytes,
    and with `dump` (a disk image path) dump_secs (guest clock) and
    panic_to_saved (host seconds) once the vmcore is saved.
    `capture_extra` is added to the capture kernel's command line."""
    name, flags = SYSCALLS[syscall]
    extra = []
    append = f"crashkernel={crashkernel}"
    capture_append = f"{CAPTURE_APPEND} {capture_extra}".strip()
    if dump:
        extra = ["-drive", f"file={dump},format=raw,if=none,id=dump",
                 "-device", f"virtio-blk-pci,drive=dump,serial={DUMP_SERIAL}"]
        capture_append += f" linux_guest.dump={DUMP_SERIAL}"
    res = {"syscall": name, "crashkernel": crashkernel, "ok": False}
    with Guest(kit.vmlinuz, first, append=append, mem=mem, extra_args=extra,
               log_path=log_path) as g:
        g.wait_marker()
        g.wait_prompt()
        out, rc = g.run(f'kexec {flags} /boot/vmlinuz --initrd=/boot/capture.img '
                        f'--append="{capture_append}"; cat /sys/kernel/kexec_crash_loaded',
                        timeout=120)
        res["load_out"] = out.strip()
        if not out.strip().endswith("1"):
            res["why"] = f"kexec {flags} did not load: {out.strip()!r}"
            return res
        g.send("echo c > /proc/sysrq-trigger\r")
        g.expect(r"sysrq: Trigger a crash", 30)
        t0 = time.monotonic()
        try:
            m = g.expect(CAPTURE_MARKER, capture_timeout)
        except GuestError as e:
            text = Path(log_path).read_text(errors="replace") if log_path else str(e)
            after = text[text.rfind("sysrq: Trigger a crash"):]
            booted = after.find("Linux version")    # the capture kernel's banner
            after = after[booted:] if booted >= 0 else "(the capture kernel printed nothing)"
            res["why"] = "capture kernel did not reach /init: " + _telling_line(after)
            return res
        res.update(ok=True, panic_to_init=time.monotonic() - t0,
                   vmcore_bytes=int(m.group(1)), elfcorehdr=m.group(2))
        if dump:
            m = g.expect(r"linux-guest: vmcore saved to \S+ \((\d+) bytes\) in ([\d.]+) s", 1800)
            res["dump_secs"] = float(m.group(2))
            res["panic_to_saved"] = time.monotonic() - t0
        res["exit_status"] = g.wait_exit(120)
    return res


def _telling_line(text):
    """The most telling line of a failed capture: its last panic, else its
    last line."""
    lines = [l.strip() for l in text.replace("\r", "").splitlines() if l.strip()]
    panics = [l for l in lines if re.search(r"Kernel panic - not syncing", l)]
    return (panics or lines or ["(nothing printed)"])[-1]


def smallest(kit, first, syscall, mem, lo, hi, logdir, tries=3):
    """Bisect crashkernel= in MiB over (lo, hi]: the smallest window with
    which `tries` captures in a row all reach /init.  Near the edge one try
    can pass where the next fails (most likely KASLR: the capture kernel
    lands elsewhere in its window on each boot), so one failure counts the
    size as too small.
    Assumes hi works and that a window that works keeps working when bigger.
    Returns (MiB, [(MiB, passed tries, why of the first failure)])."""
    log = []
    while hi - lo > 1:
        mid = (lo + hi) // 2
        passed, why = 0, ""
        for t in range(tries):
            r = one_crash(kit, first, syscall, f"{mid}M", mem,
                          log_path=logdir / f"{syscall}-{mid}M-{t}.log")
            if not r["ok"]:
                why = r["why"]
                break
            passed += 1
        log.append((mid, passed, why))
        print(f"  crashkernel={mid}M: {passed}/{tries} captured"
              + (f"; failed: {why}" if why else ""), flush=True)
        if passed == tries:
            hi = mid
        else:
            lo = mid
    return hi, log


def check_dump(disk, workdir):
    """Cut the vmcore out of the dump disk; run makedumpfile --dump-dmesg and
    -d 31 on it.  Returns (vmcore path, dmesg text, filtered size)."""
    vmcore = workdir / "linux.vmcore"
    subprocess.run([sys.executable, str(ROOT / "tools" / "vmcore_extract.py"), str(disk),
                    str(vmcore)], check=True, capture_output=True)
    dmesg = workdir / "linux.dmesg"
    dmesg.unlink(missing_ok=True)
    subprocess.run(["makedumpfile", "--dump-dmesg", str(vmcore), str(dmesg)],
                   check=True, capture_output=True)
    filtered = workdir / "linux.vmcore.d31"
    filtered.unlink(missing_ok=True)
    subprocess.run(["makedumpfile", "-d", "31", "-E", str(vmcore), str(filtered)],
                   check=True, capture_output=True)
    size = filtered.stat().st_size
    filtered.unlink()
    return vmcore, dmesg.read_text(errors="replace"), size


def timed_captures(kit, first, sc, args, work):
    """`args.runs` captures with crashkernel=`args.crashkernel`; print the
    median panic -> capture /init.  With --dump the first run also saves
    the vmcore and checks it on the host.  False if a capture failed."""
    name = SYSCALLS[sc][0]
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            disk = None
            if args.dump and run == 0:
                disk = Path(tmp) / "dump.img"
                with open(disk, "wb") as f:
                    f.truncate((mem_mib(args.mem) + 64) << 20)
            r = one_crash(kit, first, sc, args.crashkernel, args.mem, dump=disk,
                          log_path=work / f"{sc}-timed-{run}.log")
            if not r["ok"]:
                print(f"bench-linux: {name} crashkernel={args.crashkernel}: failed: {r['why']}")
                return False
            times.append(r["panic_to_init"])
            if disk:
                report_dump(name, sc, r, disk, work)
    print(f"bench-linux: {name} crashkernel={args.crashkernel}: panic -> capture /init "
          f"{statistics.median(times):.2f} s (median of {len(times)}: "
          f"{', '.join(f'{t:.2f}' for t in times)}); /proc/vmcore {r['vmcore_bytes'] >> 20} MiB, "
          f"elfcorehdr={r['elfcorehdr']}", flush=True)
    return True


def report_dump(name, sc, r, disk, work):
    """Check a saved Linux vmcore on the host and print what makedumpfile says."""
    vmcore, text, d31 = check_dump(disk, work)
    kept = vmcore.rename(work / f"linux-{sc}.vmcore")
    sysrq = [l.strip() for l in text.splitlines() if "sysrq: Trigger a crash" in l]
    print(f"bench-linux: {name} vmcore saved in {r['dump_secs']:.2f} s (guest clock) "
          f"to {kept}; makedumpfile --dump-dmesg: "
          f"{sysrq[-1] if sysrq else 'NO sysrq line'}; makedumpfile -d 31: "
          f"{d31 >> 20} MiB of {kept.stat().st_size >> 20} MiB", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", help="build folder (default $BUILD or build/)")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--syscall", choices=["load", "file", "both"], default="both")
    ap.add_argument("--crashkernel", default="96M", help="window for the timed captures")
    ap.add_argument("--runs", type=int, default=3, help="timed captures (the median is printed)")
    ap.add_argument("--smallest", action="store_true", help="bisect the smallest crashkernel=")
    ap.add_argument("--lo", type=int, default=32, help="bisect from (MiB, assumed to fail)")
    ap.add_argument("--hi", type=int, default=128, help="bisect to (MiB, assumed to work)")
    ap.add_argument("--tries", type=int, default=3,
                    help="captures in a row a window must pass to count as working (default 3)")
    ap.add_argument("--dump", action="store_true", help="save the vmcore and check it on the host")
    args = ap.parse_args()
    kit = Kit(args.build)
    try:
        kit.prepare()
    except (FetchError, KitError) as e:
        sys.exit(f"linux-guest: error: {e}")
    work = kit.dir / "kdump"
    work.mkdir(parents=True, exist_ok=True)
    first, capture = build_images(kit, work)
    print(f"bench-linux: Debian {kit.release}, QEMU -M pc TCG, {args.mem}, capture initramfs "
          f"{capture.stat().st_size // 1024} KiB, capture cmdline '{CAPTURE_APPEND}'", flush=True)
    status = 0
    for sc in (["load", "file"] if args.syscall == "both" else [args.syscall]):
        if not timed_captures(kit, first, sc, args, work):
            status = 1
            continue
        if args.smallest:
            mib, _ = smallest(kit, first, sc, args.mem, args.lo, args.hi, work, args.tries)
            print(f"bench-linux: {SYSCALLS[sc][0]} smallest crashkernel= at {args.mem}: {mib}M "
                  f"({args.tries} captures in a row)", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
