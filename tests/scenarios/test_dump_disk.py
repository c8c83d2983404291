"""A dump never lands on a disk nobody named.  Two virtio disks: a user's
data disk with known content first on the PCI bus, the dump disk second.
A capture with vmcore_disk= naming the dump disk writes the vmcore there
and leaves the data disk byte-identical; with no disk named nothing is
written anywhere, the refusal names the disks found, and the vmcore stays
readable in the capture kernel's shell; `disk write-test` asks for the
same; kexec -p refuses a vmcore_disk= naming no disk present."""

import hashlib
import os
import re

import pytest
from checks import check
from guest import kdump
from guest.elf import program_headers
from guest.kdump import disk_args, disks_args, new_disk

MiB = 1 << 20
DATA_SIZE = 16 * MiB


def data_disk(directory):
    """A 16 MiB data disk full of known, non-zero bytes; (path, sha256)."""
    path = new_disk(directory, DATA_SIZE)
    block = hashlib.sha256(b"user data").digest() * (MiB // 32)
    with open(path, "r+b") as f:
        for i in range(DATA_SIZE // MiB):
            f.write(bytes([i]) + block[1:])
    return path, sha256(path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def is_zero(path):
    with open(path, "rb") as f:
        return all(not any(chunk) for chunk in iter(lambda: f.read(MiB), b""))


def test_capture_writes_the_named_disk_and_not_the_data_disk(build, tmp_path):
    data, before = data_disk(tmp_path)
    # loglevel=7: the capture kernel's console shows its info lines too.
    cap = kdump.capture(build, mem="256M", crashkernel="32M", trigger="panic",
                        append=kdump.AUTOSAVE + " loglevel=7",
                        extra_disks=[(data, "data")], vmcore=tmp_path / "vmcore")
    try:
        check(sha256(data) == before, "the capture changed the data disk")
        check(re.search(r"virtio_blk: 00:0[0-9a-f]\.0 serial 'data', 16 MiB", cap.log),
              "the probe did not list the data disk")
        check(re.search(r"virtio_blk: 00:0[0-9a-f]\.0 'dump' io ", cap.log),
              "the capture kernel did not start the disk named 'dump'")
        phdrs = program_headers(cap.vmcore)
        check(any(p["p_type"] == "PT_LOAD" for p in phdrs), "no PT_LOAD in the saved vmcore")
    finally:
        cap.disk.unlink(missing_ok=True)


def test_no_named_disk_means_nothing_is_written(build, machine, tmp_path):
    data, before = data_disk(tmp_path)
    dump = new_disk(tmp_path, 320 * MiB)
    args = disks_args([(data, "data"), (dump, "dump")])
    with machine(mem="256M", cmdline="crashkernel=32M", extra_args=args) as m:
        m.wait_prompt()
        out = m.run("disk write-test 1")
        check(re.search(r"^disk: error: no dump disk named: boot with vmcore_disk=SERIAL or type "
                        r"'disk use SERIAL' \(disks found: 00:0[0-9a-f]\.0 'data' 16 MiB, "
                        r"00:0[0-9a-f]\.0 'dump' 320 MiB\) \(E_PERM\)$", out, re.M),
              f"disk write-test with no disk named:\n{out}", m)
        out = m.run("disk")
        check("no dump disk named" in out and "serial 'data'" in out and "serial 'dump'" in out,
              f"disk does not list both disks and say none is named:\n{out}", m)
        out = m.run("kexec -p /boot/kernel.elf --append=vmcore_autosave=poweroff")
        check(re.search(r"kexec: error: vmcore_autosave=poweroff saves to the disk "
                        r"vmcore_disk=SERIAL names, and none is named \(disks found: .*'data'.*"
                        r"'dump'.*\) \(E_INVAL\)", out), f"autosave with no disk named:\n{out}", m)
        out = m.run("kexec -p /boot/kernel.elf --append=vmcore_disk=nosuch")
        check(re.search(r"kexec: error: vmcore_disk=nosuch: no virtio-blk disk has that serial "
                        r"\(disks found: .*'data'.*'dump'.*\) \(E_NOENT\)", out),
              f"a vmcore_disk= naming no disk was not refused:\n{out}", m)
        out = m.run("kexec -p /boot/kernel.elf")
        check("kexec: loaded '/boot/kernel.elf'" in out, f"kexec -p:\n{out}", m)
        m.send("crash panic\r")
        m.expect(r"purgatory: sha256 ok", timeout=60)
        m.wait_prompt(timeout=120)
        out = m.run("vmcore save")
        check(re.search(r"^vmcore: error: no dump disk named: .*\(disks found: .*'data' 16 MiB, "
                        r".*'dump' 320 MiB\) \(E_PERM\)$", out, re.M),
              f"vmcore save with no disk named:\n{out}", m)
        out = m.run("vmcore")
        check(re.search(r"PT_LOAD", out) or re.search(r"memory ranges", out),
              f"the vmcore is not readable in the capture kernel's shell:\n{out}", m)
        m.send("poweroff\r")
        check(m.wait_exit(60) == 0, "poweroff did not exit QEMU cleanly", m)
    check(sha256(data) == before, "the data disk changed although no disk was named")
    check(is_zero(dump), "the dump disk was written although it was not named")


def test_disk_use_names_the_disk_for_write_test(machine, tmp_path):
    data, before = data_disk(tmp_path)
    dump = new_disk(tmp_path, 16 * MiB)
    with machine(mem="256M", extra_args=disks_args([(data, "data"), (dump, "dump")])) as m:
        m.wait_prompt()
        out = m.run("disk use nosuch")
        check(re.search(r"^disk: error: no virtio-blk disk has serial 'nosuch' \(disks found: "
                        r".*'data'.*'dump'.*\) \(E_NOENT\)$", out, re.M), f"disk use nosuch:\n{out}", m)
        check("the dump disk is now 'dump'" in m.run("disk use dump"), "disk use dump failed", m)
        out = m.run("disk write-test 4", timeout=240)
        check("write-test ok: 4 MiB" in out, f"write-test on the named disk:\n{out}", m)
        m.send("poweroff\r")
        m.wait_exit(60)
    check(sha256(data) == before, "disk write-test changed the data disk")
    check(not is_zero(dump), "disk write-test did not write the disk it named")
