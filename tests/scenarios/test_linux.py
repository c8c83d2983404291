"""Linux, both ways: our kernel as a bzImage (QEMU -kernel, GRUB's
`linux`, Linux's kexec_load and kexec_file_load), Linux's multiboot2
loader booting kernel.elf and its `kexec -p` of it refused safely; Linux's
crashes captured by our kernel in a few MiB, checked on the host with
Debian's makedumpfile, and byte for byte against what Linux's own capture
kernel shows as /proc/vmcore for the same crash; our kexec booting Linux,
and Linux capturing our crash into a vmcore gdb reads.

The Linux guest comes from Debian's packages at test time
(tools/linux-guest/, guest.linux); the first run fetches them.  Linux
scenarios run with one CPU.
"""
import re
import subprocess

import pytest
from checks import check
from guest import linux
from guest.elf import extract_vmcore, program_headers
from guest.iso import build_iso
from guest.kdump import new_disk

HEX = r"0x[0-9a-f]+"
SYSRQ = "sysrq: Trigger a crash"


def dump_disk(tmp_path, serial, mib=640, drive="dump"):
    """A sparse disk and its QEMU arguments; the Linux guest finds it by serial."""
    path = new_disk(tmp_path, mib << 20)
    return path, ["-drive", f"file={path},format=raw,if=none,id={drive}",
                  "-device", f"virtio-blk-pci,drive={drive},serial={serial}"]


def lines(text, pattern):
    return [l for l in text.replace("\r", "").split("\n") if re.search(pattern, l)]


# ------------------------------------------------- our kernel as a bzImage

def test_qemu_kernel_boots_our_bzimage(build, machine, tmp_path):
    """QEMU -kernel enters the setup code in real mode; the image moves
    itself from 1 MiB to 2 MiB; a cpio initrd's files become modules, and
    one of them is kexec'd (into generation 2, over multiboot2 again)."""
    initrd = linux.cpio_archive(tmp_path / "mods.cpio", [(build.kernel_elf, "boot/kernel.elf")])
    m = machine(kernel=build.dir / "bzImage", initrd=initrd, cmdline="hello=bzimage loglevel=7")
    m.wait_prompt()
    out = m.output
    check(re.search(rf"boot: loaded at physical 0x0+200000 \(link 0x200000, phys_base 0x0\), "
                    rf"boot_params at {HEX}", out), "no 'loaded at ... boot_params at' line", m)
    check("boot: loader 'QEMU (Linux boot protocol, type_of_loader 0xb0)'" in out,
          "the loader is not named QEMU", m)
    check("boot: cmdline 'hello=bzimage loglevel=7'" in out, "-append did not arrive", m)
    check(re.search(r"e820: 7 ranges, 511\.\d MiB usable", out), "no e820 map from int 0x15", m)
    check("boot: initrd: a cpio archive; its files are boot modules too (1)" in out,
          "the cpio initrd was not split", m)
    check(re.search(r"acpi: the boot loader gave no RSDP: found one at 0xf[0-9a-f]{4} in the "
                    r"BIOS areas", out), "the RSDP was not found by the scan, or not said", m)
    mods = m.run("modules")
    check("'initrd'" in mods and "'/boot/kernel.elf'" in mods, f"modules: {mods!r}", m)
    m.run("kexec -l /boot/kernel.elf")
    m.send("kexec -e\r")
    m.expect(r"boot: generation 2, started by kexec from generation 1", 60)
    m.wait_prompt()


def test_grub_linux_command_boots_our_bzimage(build, machine):
    """GRUB's `linux` uses the 32-bit boot protocol: it builds boot_params
    and enters startup_32; its initrd (kernel.elf here) is the module
    'initrd', and kexec loads it by that name."""
    m = machine(iso=build_iso(build, "via=grub-linux", bzimage=True))
    m.wait_prompt()
    out = m.output
    check(re.search(r"boot: loader 'GRUB \(Linux boot protocol, type_of_loader 0x7\d\)'", out),
          "the loader is not GRUB's linux command", m)
    check("boot: cmdline 'BOOT_IMAGE=/boot/bzImage via=grub-linux'" in out,
          "GRUB's command line (it adds BOOT_IMAGE=) did not arrive", m)
    check(re.search(r"boot: module \[.*\) .* 'initrd'", out), "no 'initrd' module", m)
    loaded = m.run("kexec -l initrd")
    check("kexec: loaded 'initrd'" in loaded, f"kexec -l initrd: {loaded!r}", m)


# ------------------------------------------------ Linux's kexec boots ours

def linux_kexec_into_ours(build, tmp_path, load):
    """Boot Linux, run `load` (a kexec -l command), kexec -e, wait for our
    prompt; return the serial text from kexec -e on."""
    log = tmp_path / "serial.log"
    with linux.guest(build, linux.ours_initrd(build), log_path=log) as g:
        g.wait_marker()
        g.wait_prompt()
        out, rc = g.run(f"{load} 2>&1", timeout=120)
        assert rc == 0, f"{load}: exit {rc}: {out}"
        g.send("kexec -e\r")
        g.expect(r"boot: ready in", 180)
        g.expect(linux.OUR_PROMPT, 30)
    text = log.read_text(errors="replace").replace("\r", "")
    return text[text.rfind("kexec -e"):]


def test_linux_kexec_tools_multiboot2_boots_kernel_elf(build, tmp_path):
    """kexec-tools' multiboot2 loader: e_entry is physical, its short
    total_size is accepted with a line, its load base tag ignored with one."""
    text = linux_kexec_into_ours(build, tmp_path,
                                 "kexec -l /boot/kernel.elf --module=/boot/kernel.elf")
    assert re.search(r"boot: loaded at physical 0x0+200000 .*MBI at", text), text[:2000]
    assert "boot: loader 'kexec 2.0.25'" in text, text[:2000]
    assert re.search(r"boot: multiboot2 info: total_size stops 7 bytes before the end tag: "
                     r"module strings counted unpadded \(kexec-tools 2\.0\.25\); accepted",
                     text), text[:2000]
    assert re.search(r"boot: the load base address tag says 0x[0-9a-f]+, we run at 0x200000: "
                     r"ignored", text), text[:2000]
    assert re.search(r"boot: module .* '/boot/kernel\.elf'", text), text[:2000]
    assert "#GP" not in text, "a fault on the way to the prompt"


@pytest.mark.parametrize("syscall", ["load", "file"])
def test_linux_kexec_boots_our_bzimage(build, tmp_path, syscall):
    """kexec-tools' bzImage64 loader (kexec_load) and Linux's own
    (kexec_file_load) enter startup_64, high in RAM, with boot_params."""
    text = linux_kexec_into_ours(
        build, tmp_path, f'kexec {linux.SYSCALLS[syscall]}-l /boot/bzImage --append="from=linux"')
    m = re.search(r"boot: loaded at physical (0x[0-9a-f]+) .*boot_params at", text)
    assert m and int(m.group(1), 16) > 0x10000000, text[:2000]
    assert "boot: loader 'kexec (Linux boot protocol, type_of_loader 0xd0)'" in text
    assert "boot: cmdline 'from=linux'" in text, text[:2000]
    assert re.search(r"e820: \d+ ranges, 511\.\d MiB usable", text), text[:3000]


def test_linux_kexec_p_of_kernel_elf_halts_safely(build, tmp_path):
    """kexec-tools' multiboot2 `kexec -p` passes no elfcorehdr= and all of
    RAM: our kernel sees it, says so, and stops before using any memory."""
    log = tmp_path / "serial.log"
    with linux.guest(build, linux.ours_initrd(build), "crashkernel=16M", log_path=log) as g:
        g.wait_marker()
        g.wait_prompt()
        out, rc = g.run("kexec -p /boot/kernel.elf 2>&1; cat /sys/kernel/kexec_crash_loaded", 120)
        assert out.strip().endswith("1"), out
        g.send("echo c > /proc/sysrq-trigger\r")
        g.expect(r"boot: error: started by kexec-tools' multiboot2 loader at 0x[0-9a-f]+, not at "
                 r"our link address: that is `kexec -p`.*halting rather than overwrite the dump", 180)
        text = log.read_text(errors="replace")
        after = text[text.rfind(SYSRQ):]
        assert "pmm:" not in after and "boot: ready" not in after, after[-3000:]


# ----------------------------------------- Linux's crashes, our capture

def makedumpfile_checks(vmcore, tmp_path):
    """The host's makedumpfile reads the dump: its dmesg ends with the
    sysrq panic, and -d 31 filters it down."""
    dmesg = tmp_path / "dmesg.txt"
    r = subprocess.run(["makedumpfile", "--dump-dmesg", str(vmcore), str(dmesg)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    text = dmesg.read_text(errors="replace")
    assert SYSRQ in text and "Kernel panic - not syncing: sysrq triggered crash" in text, text[-2000:]
    small = tmp_path / "vmcore.d31"
    r = subprocess.run(["makedumpfile", "-d", "31", "-E", str(vmcore), str(small)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 0 < small.stat().st_size < vmcore.stat().st_size // 3, \
        f"-d 31 kept {small.stat().st_size} of {vmcore.stat().st_size} bytes"
    small.unlink()


def test_linux_crash_saved_by_ours_in_4m_kexec_file(build, tmp_path):
    """crashkernel=4M, kexec -s -p of our bzImage, sysrq-c: our capture
    kernel finds elfcorehdr=0x..., saves Linux's vmcore; makedumpfile reads
    it; vmcore-inspect names it Linux."""
    disk, args = dump_disk(tmp_path, "dump")
    r = linux.crash_into_ours(build, "file", "4M", args, log_path=tmp_path / "serial.log")
    log = (tmp_path / "serial.log").read_text(errors="replace").replace("\r", "")
    assert re.fullmatch(r"0x[0-9a-f]+", r.elfcorehdr), r.elfcorehdr
    assert re.search(r"vmcore: capture kernel: 1 CPU notes, \d memory ranges", log), log[-3000:]
    assert "vmcore: the crashed kernel: Linux 6.1" in log, log[-3000:]
    # Linux left the disk's MSI-X on: turned off, the capacity reads right.
    assert re.search(r"virtio_blk: .*MSI-X left on by the previous kernel: turned off", log), \
        log[-3000:]
    assert re.search(r"virtio_blk: .*'dump' io 0x[0-9a-f]+, 640 MiB \(1310720 sectors\)", log), \
        log[-3000:]
    vmcore = tmp_path / "vmcore"
    extract_vmcore(disk, vmcore)
    disk.unlink()
    ph = program_headers(vmcore)
    assert ph[0]["p_type"] == "PT_NOTE" and ph[0]["p_offset"] == 0x1000, ph[0]
    makedumpfile_checks(vmcore, tmp_path)
    info = subprocess.run([str(build.inspector), "info", str(vmcore)], capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 0 and "kernel: Linux 6.1" in info.stdout, info.stdout + info.stderr


def test_linux_crash_same_bytes_as_linux_own_capture(build, tmp_path):
    """The same crash seen twice: Linux (kexec_load, so its first 640 KiB
    come from kexec-tools' backup copy) dies; our capture kernel saves the
    vmcore to disk A and stays at its prompt, then kexec's Linux's own
    capture kernel with the same elfcorehdr= in the same window, which
    copies /proc/vmcore to disk B.  Our capture kernel never wrote the dead
    kernel's memory, so both read the same old memory: A and B must be the
    same bytes."""
    plain = linux.initrd(build, "plain")
    chain = linux.cpio_archive(tmp_path / "chain.cpio", [(linux.kit(build).vmlinuz, "boot/vmlinuz"),
                                                         (plain, "boot/capture.img")])
    first = linux.initrd(build, "chain", [(build.kernel_elf, "boot/kernel.elf"),
                                          (build.dir / "bzImage", "boot/bzImage"),
                                          (chain, "boot/chain.cpio")])
    disk_a, args_a = dump_disk(tmp_path, "ours", drive="dump")
    disk_b, args_b = dump_disk(tmp_path, "linux", drive="linux")
    log = tmp_path / "serial.log"
    r = linux.crash_into_ours(build, "load", "160M", args_a + args_b, initrd_path=first,
                              dump_serial="ours",
                              log_path=log, then="shell", kexec_extra="--initrd=/boot/chain.cpio")
    g = r.guest                             # running, at our prompt
    try:
        g.send(f'kexec -l /boot/vmlinuz --initrd=/boot/capture.img --append="'
               f'{linux.LINUX_CAPTURE_APPEND} elfcorehdr={r.elfcorehdr} linux_guest.dump=linux"\r')
        g.expect(r"kexec: loaded '/boot/vmlinuz'", 60)
        g.expect(linux.OUR_PROMPT, 30)
        g.send("kexec -e\r")
        m = g.expect(r"linux-guest: capture kernel: /proc/vmcore is (\d+) bytes", 300)
        size_b = int(m.group(1))
        g.expect(r"linux-guest: vmcore saved to \S+ \((\d+) bytes\)", 600)
        g.wait_exit(120)
    finally:
        g.close()
    text = log.read_text(errors="replace")
    assert "boot: initrd: a cpio archive; its files are boot modules too (2)" in text
    a = tmp_path / "ours.vmcore"
    extract_vmcore(disk_a, a)
    b = tmp_path / "linux.vmcore"
    with open(disk_b, "rb") as src, open(b, "wb") as dst:
        left = size_b
        while left:
            chunk = src.read(min(left, 16 << 20))
            dst.write(chunk)
            left -= len(chunk)
    disk_a.unlink()
    disk_b.unlink()
    assert a.stat().st_size == size_b, f"ours {a.stat().st_size} bytes, Linux's {size_b}"
    cmp = subprocess.run(["cmp", str(a), str(b)], capture_output=True, text=True)
    assert cmp.returncode == 0, f"the two vmcores differ: {cmp.stdout.strip()}"
    # And the backup copy was used: the first RAM range is the 640 KiB one.
    assert any(p["p_type"] == "PT_LOAD" and p["p_paddr"] == 0x1000 for p in program_headers(a))
    makedumpfile_checks(a, tmp_path)


# ----------------------------------------------- our kexec boots Linux

def linux_iso(build, cmdline=""):
    k = linux.kit(build)
    return build_iso(build, cmdline, modules=[(k.vmlinuz, "/boot/vmlinuz"),
                                              (linux.initrd(build, "plain"), "/boot/initrd.img")])


def test_our_kexec_boots_linux(build, machine):
    """kexec -l of Debian's bzImage with an initrd: boot_params from our
    state, the 64-bit entry after the purgatory's check; Linux's /init runs
    a command and powers off.  Wrong options are refused first, by name."""
    m = machine(iso=linux_iso(build), lifetime=400)
    m.wait_prompt()
    out = m.run("kexec -l /boot/vmlinuz --module=/boot/initrd.img")
    check("'/boot/vmlinuz' is a bzImage: it takes one --initrd, not --module" in out, out, m)
    out = m.run("kexec -l /boot/kernel.elf --initrd=/boot/initrd.img")
    check("'/boot/kernel.elf' is a multiboot2 kernel: it takes --module, not --initrd" in out, out, m)
    out = m.run("kexec -p /boot/vmlinuz")
    check("no crash kernel window" in out, out, m)
    out = m.run('kexec -l /boot/vmlinuz --initrd=/boot/initrd.img --append="console=ttyS0 '
                'panic=-1 linux_guest.cmd=uname linux_guest.then=poweroff"', 60)
    check(re.search(r"kexec: segment 0 \[0x[0-9a-f]+, 0x[0-9a-f]+\) 51\.\d MiB kernel", out), out, m)
    check(re.search(r"kexec: loaded '/boot/vmlinuz': 4 segments, entry 0x[0-9a-f]+200 ", out), out, m)
    show = m.run("kexec -s")
    check("(64-bit Linux boot protocol), boot_params at" in show, show, m)
    m.send("kexec -e\r")
    m.expect(r"purgatory: sha256 ok \(3 segments", 60)
    m.expect(r"Linux version 6\.1", 60)
    m.expect(r"BIOS-e820: \[mem 0x0000000000100000-0x000000001ffdffff\] usable", 60)
    m.expect(r"linux-guest: init reached \(kernel 6\.1", 240)
    m.expect(r"^Linux$", 60)                # uname's output, run by /init
    m.expect(r"linux-guest: powering off", 60)
    check(m.wait_exit(120) == 0, "Linux did not power off", m)


def test_our_crash_captured_by_linux_opens_in_gdb(build, machine, tmp_path):
    """kexec -p of Debian's bzImage into a 128M window, crash null: Linux's
    capture kernel validates our elfcorehdr (fs/proc/vmcore.c), its
    /proc/vmcore goes to a disk, and gdb finds crash_null in it."""
    disk, args = dump_disk(tmp_path, "ldump")
    m = machine(iso=linux_iso(build, "crashkernel=128M"), extra_args=args, lifetime=500)
    m.wait_prompt()
    out = m.run(f'kexec -p /boot/vmlinuz --initrd=/boot/initrd.img --append="'
                f'{linux.LINUX_CAPTURE_APPEND} linux_guest.dump=ldump"', 60)
    check(re.search(r"kexec: loaded '/boot/vmlinuz': \d+ segments", out), out, m)
    m.send("crash null\r")
    m.expect(r"Kernel panic - not syncing", 60)
    m.expect(r"Command line: .*elfcorehdr=0x[0-9a-f]+", 120)
    m.expect(r"BIOS-e820: \[mem 0x0000000000001000-0x000000000009fbff\] usable", 60)
    m.expect(r"linux-guest: capture kernel: /proc/vmcore is \d+ bytes", 300)
    m.expect(r"linux-guest: vmcore saved to", 600)
    check(m.wait_exit(120) == 0, "Linux's capture kernel did not power off", m)
    vmcore = tmp_path / "vmcore"
    extract_vmcore(disk, vmcore)
    disk.unlink()
    # The first MiB was Linux's to use: it is not in the dump.
    loads = [p for p in program_headers(vmcore) if p["p_type"] == "PT_LOAD"]
    assert all(p["p_paddr"] >= 0x100000 for p in loads), loads
    gdb = subprocess.run(["gdb", "-batch", "-nx", "-ex", "bt", str(build.kernel_elf), str(vmcore)],
                         capture_output=True, text=True, timeout=120, cwd=build.root)
    assert re.search(r"#0 +crash_null \(\) at crash/triggers\.c", gdb.stdout), gdb.stdout + gdb.stderr
    assert "in kmain" in gdb.stdout, gdb.stdout
