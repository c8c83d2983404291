"""The dump disk: PCI enumeration finds QEMU's virtio-blk (1af4:1001); the
driver reads its capacity, streams a known pattern from freshly allocated
frames with many requests in flight, reads it back, and after QEMU has
exited the host finds the pattern at the start of the image file.  The
stream's packing rules (gaps, partial sectors, more pieces than one request
holds) are checked in the guest; a read-only disk refuses writes; the
driver takes over a device the previous kernel left running (kexec); with
no disk the command says so."""

import re
import tempfile
from array import array

from checks import check
from guest import STAMP
from guest.kdump import disk_args, new_disk

# drivers/disk.c: the word at disk offset o holds o ^ DISK_TEST_XOR.
DISK_TEST_XOR = 0x9e3779b97f4a7c15
IMG_SIZE = 64 << 20
MiB = 1 << 20
RATE = r"disk: {} {} MiB in \d+\.\d{{3}} s: (\d+)\.\d MB/s"
LOAD_SELF = ("kexec -l /boot/kernel.elf --append=vmcore_disk=dump --module=/boot/kernel.elf "
             "--module=/boot/mini32.elf")


def expected_pattern(nbytes):
    words = array("Q", (o ^ DISK_TEST_XOR for o in range(0, nbytes, 8)))
    if words.itemsize != 8:
        raise RuntimeError("array('Q') is not 8 bytes here")
    return words.tobytes()      # little-endian on the x86-64 host, as in the guest


def run_write_test(m, mb, sg=False):
    out = m.run(f"disk write-test {mb}{' sg' if sg else ''}", timeout=240)
    for what in ("write", "read"):
        r = re.search(RATE.format(what, mb), out)
        check(r, f"no '{what}' rate line for {mb} MiB:\n{out}", m)
        check(int(r.group(1)) > 0, f"{what} rate is 0 MB/s:\n{out}", m)
    check(re.search(rf"^disk: write-test ok: {mb} MiB written, read back and verified$",
                    out, re.M), f"write-test did not pass:\n{out}", m)
    return out


def test_disk_pattern_reaches_the_host(machine):
    with tempfile.TemporaryDirectory(prefix="ktest-disk-") as tmp:
        img = new_disk(tmp, IMG_SIZE)
        with machine(mem="512M", cmdline="vmcore_disk=dump", extra_args=disk_args(img)) as m:
            m.wait_prompt()
            out = m.run("lspci")
            dev = re.search(r"^00:([0-9a-f]{2})\.0 1af4:1001 class 010000 mass storage.*\n"
                            r"\s+BAR0 io\s+\[0x[0-9a-f]{4}, 0x[0-9a-f]{4}\)", out, re.M)
            check(dev, f"lspci shows no virtio-blk 1af4:1001 with an I/O BAR0:\n{out}", m)
            check(re.search(r"^00:00\.0 8086:1237 class 0600", out, re.M),
                  f"lspci misses the i440FX host bridge:\n{out}", m)
            out = m.run("disk")
            check(re.search(rf"^disk: virtio-blk 00:{dev.group(1)}\.0 io 0x[0-9a-f]+, capacity "
                            rf"{IMG_SIZE} bytes \(64 MiB, {IMG_SIZE // 512} sectors\)$", out, re.M),
                  f"disk does not show the 64 MiB capacity:\n{out}", m)
            check(re.search(rf"^disk: 00:{dev.group(1)}\.0 serial 'dump', 64 MiB  <- the dump disk$",
                            out, re.M), f"disk does not list the named disk:\n{out}", m)
            check(re.search(rf"^{STAMP}virtio_blk: 00:{dev.group(1)}\.0 'dump' io 0x[0-9a-f]+, 64 MiB",
                            m.output, re.M), "no 'virtio_blk: <bdf> 'dump' io ..., 64 MiB' log line", m)
            out = m.run("disk stream-test", timeout=60)
            check(re.search(r"^disk: stream-test ok: \d+ pieces", out, re.M),
                  f"stream-test did not pass:\n{out}", m)
            run_write_test(m, 4, sg=True)
            run_write_test(m, 8)
            out = m.run("disk read 1")
            line = re.search(r"^000000000200: ([0-9a-f ]+) \|", out, re.M)
            check(line, f"disk read 1 shows no line for offset 0x200:\n{out}", m)
            check(bytes.fromhex(line.group(1).replace(" ", "")) == expected_pattern(512 + 16)[512:],
                  f"disk read 1 does not show the pattern at offset 0x200:\n{out}", m)
            m.send("poweroff\r")
            check(m.wait_exit(60) == 0, "QEMU did not exit cleanly after poweroff", m)
        with open(img, "rb") as f:
            data = f.read(8 * MiB + 4096)
        want = expected_pattern(8 * MiB)
        if data[:8 * MiB] != want:
            bad = next(i for i in range(0, 8 * MiB, 8) if data[i:i + 8] != want[i:i + 8])
            check(False, f"host image differs from the pattern at offset {bad:#x}: "
                         f"{data[bad:bad + 8].hex()} instead of {want[bad:bad + 8].hex()}")
        check(data[8 * MiB:] == bytes(4096), "bytes after the 8 MiB written are not zero")


def test_disk_after_kexec(machine):
    """The capture kernel's situation: the previous kernel left the device
    running with its queue in memory the new kernel now owns."""
    with tempfile.TemporaryDirectory(prefix="ktest-disk-") as tmp:
        img = new_disk(tmp, 16 * MiB)
        with machine(mem="512M", cmdline="vmcore_disk=dump", extra_args=disk_args(img)) as m:
            m.wait_prompt()
            run_write_test(m, 2)
            out = m.run(LOAD_SELF)
            check(re.search(r"kexec: loaded '/boot/kernel\.elf'", out), f"kexec -l:\n{out}", m)
            m.send("kexec -e\r")
            m.expect(r"purgatory: sha256 ok")
            m.wait_prompt()
            out = m.run("disk stream-test", timeout=60)
            check(re.search(r"^disk: stream-test ok", out, re.M),
                  f"stream-test after kexec:\n{out}", m)
            run_write_test(m, 4, sg=True)


def test_disk_read_only(machine):
    with tempfile.TemporaryDirectory(prefix="ktest-disk-") as tmp:
        img = new_disk(tmp, 1 * MiB)
        with open(img, "r+b") as f:
            f.write(b"kdump-disk-marker")
        with machine(mem="128M", cmdline="vmcore_disk=dump",
                     extra_args=disk_args(img, readonly=True)) as m:
            m.wait_prompt()
            out = m.run("disk")
            check("read-only" in out, f"disk does not say read-only:\n{out}", m)
            out = m.run("disk write-test 1")
            check("disk: error: the disk is read-only (E_PERM)" in out,
                  f"write-test on a read-only disk:\n{out}", m)
            out = m.run("disk read 0")
            check("|kdump-disk-marke|" in out, f"disk read 0 misses the marker:\n{out}", m)


def test_disk_without_device(machine):
    with machine(mem="128M") as m:
        m.wait_prompt()
        out = m.run("lspci")
        check(re.search(r"^00:00\.0 8086:1237", out, re.M) and "1af4:1001" not in out,
              f"lspci without a disk:\n{out}", m)
        out = m.run("disk")
        check(re.search(r"^disk: no virtio-blk disk$", out, re.M),
              f"disk without a device:\n{out}", m)
        out = m.run("disk write-test 1")
        check(re.search(r"^disk: error: no dump disk named: .*\(disks found: none\) \(E_PERM\)$",
                        out, re.M), f"disk write-test without a device:\n{out}", m)
