#!/usr/bin/env python3
"""Capture real multiboot2 information structures (MBIs) for the unit tests.

Boots the ISO in QEMU (TCG, bounded by a timeout) once per memory size,
waits on the serial port for the kernel's line
"boot: loaded at ... MBI at 0x<addr>", stops the guest through the QEMU
monitor, saves 64 KiB of guest memory at that address with pmemsave, trims
it to the MBI's total_size (its first u32) and checks the tag chain.  The
SeaBIOS debug console (port 0x402) gives the firmware's own e820 dump,
saved beside it so a test can compare GRUB's memory map tag with it.

    tools/capture-mbi.py [--iso build/kernel.iso] [--out tests/data] [MEM...]

writes tests/data/mbi-<mem>.bin and tests/data/e820-<mem>.txt
(MEM defaults to 128M 512M 6G).
"""
import argparse
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time

MBI_LINE = re.compile(rb"boot: loaded at .* MBI at 0x([0-9a-fA-F]+)\r?\n")
DUMP_SIZE = 65536


def monitor_command(sock, cmd, timeout):
    """Send one monitor command and read until the next "(qemu) " prompt."""
    sock.sendall(cmd.encode() + b"\n")
    return read_until_prompt(sock, timeout)


def read_until_prompt(sock, timeout):
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"(qemu) "):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("monitor: no prompt; got %r" % data[-200:])
        ready, _, _ = select.select([sock], [], [], left)
        if ready:
            chunk = sock.recv(4096)
            if not chunk:
                raise EOFError("monitor closed")
            data += chunk
    return data


def wait_for_mbi_line(proc, timeout):
    """Read the serial console (QEMU's stdout) until the MBI line."""
    buf = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while True:
        m = MBI_LINE.search(buf)
        if m:
            return int(m.group(1), 16), buf
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise RuntimeError("no 'MBI at' line on serial; got:\n%s" %
                               buf.decode(errors="replace"))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk and proc.poll() is not None:
                continue
            buf += chunk


def check_tags(blob):
    """Walk the tag chain like the kernel does; return the tag count."""
    total = struct.unpack_from("<I", blob, 0)[0]
    off, ntags = 8, 0
    while off + 8 <= total:
        ttype, tsize = struct.unpack_from("<II", blob, off)
        if tsize < 8 or off + tsize > total:
            raise ValueError("bad tag at offset %d (type %d size %d)" % (off, ttype, tsize))
        ntags += 1
        if ttype == 0:
            return ntags
        off += (tsize + 7) & ~7
    raise ValueError("no end tag")


def e820_lines(debug_log):
    """The last "e820 map has N items:" block of the SeaBIOS log."""
    lines = debug_log.decode(errors="replace").splitlines()
    starts = [i for i, l in enumerate(lines) if re.match(r"e820 map has \d+ items:", l)]
    if not starts:
        raise ValueError("no e820 dump in the SeaBIOS log")
    first = starts[-1]
    count = int(re.match(r"e820 map has (\d+) items:", lines[first]).group(1))
    block = lines[first:first + 1 + count]
    for l in block[1:]:
        if not re.match(r"\s+\d+: [0-9a-f]{16} - [0-9a-f]{16} = \d+", l):
            raise ValueError("unexpected e820 line %r" % l)
    return block


def capture(iso, mem, outdir, timeout):
    with tempfile.TemporaryDirectory(prefix="capture-mbi-") as tmp:
        mon_path = os.path.join(tmp, "monitor.sock")
        dbg_path = os.path.join(tmp, "seabios.log")
        dump_path = os.path.join(tmp, "mbi.raw")
        cmd = ["qemu-system-x86_64",
               "-M", "pc", "-accel", "tcg", "-m", mem,
               "-cdrom", iso, "-boot", "d",
               "-display", "none", "-serial", "stdio",
               "-no-reboot", "-no-shutdown",      # poweroff leaves memory readable
               "-monitor", "unix:%s,server,nowait" % mon_path,
               "-chardev", "file,id=dbg,path=%s" % dbg_path,
               "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        try:
            mbi_pa, _ = wait_for_mbi_line(proc, timeout)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(mon_path)
            read_until_prompt(sock, 10)
            # Stop at once: later boot steps may reuse the MBI's memory.
            monitor_command(sock, "stop", 10)
            monitor_command(sock, 'pmemsave 0x%x %d "%s"' % (mbi_pa, DUMP_SIZE, dump_path), 30)
            sock.sendall(b"quit\n")
            sock.settimeout(10)
            while sock.recv(4096):      # QEMU closes the monitor as it exits
                pass
            sock.close()
            proc.wait(timeout=10)
        finally:
            # QEMU itself is our child (no wrapper), so this bounds it.
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(dump_path, "rb") as f:
            raw = f.read()
        with open(dbg_path, "rb") as f:
            debug_log = f.read()
    total = struct.unpack_from("<I", raw, 0)[0]
    if total < 16 or total > len(raw):
        raise ValueError("MBI at 0x%x: implausible total_size %d" % (mbi_pa, total))
    blob = raw[:total]
    ntags = check_tags(blob)
    e820 = e820_lines(debug_log)
    name = mem.lower()
    with open(os.path.join(outdir, "mbi-%s.bin" % name), "wb") as f:
        f.write(blob)
    with open(os.path.join(outdir, "e820-%s.txt" % name), "w") as f:
        f.write("# SeaBIOS e820 dump, qemu-system-x86_64 -M pc -m %s (tools/capture-mbi.py)\n" % mem)
        f.write("\n".join(e820) + "\n")
    print("capture-mbi: -m %s: MBI at 0x%x, %d bytes, %d tags, %d e820 entries"
          % (mem, mbi_pa, total, ntags, len(e820) - 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iso", default="build/kernel.iso")
    ap.add_argument("--out", default="tests/data")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per QEMU run")
    ap.add_argument("mem", nargs="*", default=["128M", "512M", "6G"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for mem in args.mem:
        try:
            capture(args.iso, mem, args.out, args.timeout)
        except (RuntimeError, ValueError, OSError, TimeoutError, EOFError) as e:
            print("capture-mbi: error: -m %s: %s" % (mem, e), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
