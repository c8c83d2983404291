"""The ISO under UEFI: Debian's OVMF boots GRUB's EFI image on QEMU's pc
and q35 machines.  GRUB's multiboot2 hands over with boot services exited:
the kernel reads the memory map tag (not the EFI map), the ACPI RSDP copy
from its tag, finds no VGA text mode (a framebuffer tag) and keeps the
mirror off, keeps a page below 1 MiB for a trampoline although GRUB put a
module there, kexecs through a chain of generations, and a panic is
captured into a vmcore that gdb's tools read."""

import re

import pytest
from checks import check
from guest import STAMP, kdump
from guest.elf import program_headers

LOAD_SELF = "kexec -l /boot/kernel.elf --module=/boot/kernel.elf --module=/boot/mini32.elf"


@pytest.mark.parametrize("machine_type", ["pc", "q35"])
def test_ovmf_boots_and_kexecs_a_chain(machine, machine_type):
    with machine(mem="512M", firmware="ovmf", machine=machine_type, lifetime=400) as m:
        m.wait_prompt(timeout=180)
        out = m.output
        check(re.search(rf"^{STAMP}boot: generation 1, started by 'GRUB 2", out, re.M),
              "not started by GRUB", m)
        check(re.search(rf"^{STAMP}vga: no text mode \((booted by UEFI firmware|the loader set "
                        r"a .* framebuffer at 0x[0-9a-f]+)\): console on serial only$", out, re.M),
              "the VGA mirror did not notice UEFI's framebuffer", m)
        check(re.search(rf"^{STAMP}acpi: RSDP v2 at 0x[0-9a-f]+, FADT at 0x[0-9a-f]+$", out, re.M),
              "no ACPI tables from the RSDP tag", m)
        check(not re.search(r"boot: memory map from the EFI memory map tag", out),
              "GRUB gave a memory map tag, but the EFI one was used", m)
        low = re.search(rf"^{STAMP}pmm: \[0x([0-9a-f]+), 0x[0-9a-f]+\) 4 KiB below 1 MiB kept "
                        r"for a real-mode trampoline$", out, re.M)
        check(low and int(low.group(1), 16) < 0x100000, "no low page kept for a trampoline", m)
        for mod in re.finditer(rf"^{STAMP}boot: module \[0x([0-9a-f]+), 0x([0-9a-f]+)\)", out, re.M):
            start, end = int(mod.group(1), 16), int(mod.group(2), 16)
            page = int(low.group(1), 16)
            check(end <= page or start >= page + 4096,
                  f"the trampoline page overlaps a module at [{start:#x}, {end:#x})", m)
        for gen in (2, 3):
            check("kexec: loaded" in m.run(LOAD_SELF, timeout=60), f"kexec -l for {gen}", m)
            m.send("kexec -e\r")
            m.expect(r"purgatory: sha256 ok", timeout=60)
            m.expect(rf"boot: generation {gen}, started by kexec from generation {gen - 1}",
                     timeout=120)
            m.wait_prompt(timeout=120)
        check("acpi: RSDP v2" in m.output[m.output.rfind("generation 3"):],
              "generation 3 lost the ACPI RSDP", m)
        check(len(re.findall(r"vga: no text mode \(booted by UEFI", m.output)) == 3,
              "a kexec'd generation forgot it runs under UEFI (kexec passes the EFI64 tag on)", m)
        m.send("poweroff\r")
        check(m.wait_exit(60) == 0, "poweroff under OVMF did not exit QEMU cleanly", m)


def test_ovmf_q35_capture(build, tmp_path):
    cap = kdump.capture(build, mem="512M", crashkernel="64M", trigger="null",
                        vmcore=tmp_path / "vmcore", firmware="ovmf", machine="q35")
    try:
        check("vmcore: capture kernel:" in cap.log, "the capture kernel did not start")
        loads = [p for p in program_headers(cap.vmcore) if p["p_type"] == "PT_LOAD"]
        check(len(loads) > 3, f"{len(loads)} PT_LOADs in the UEFI vmcore")
        # The capture kernel sees the machine's own (UEFI) map outside the window.
        check(any(p["p_paddr"] >= 0x900000 for p in loads), "no RAM above 9 MiB in the vmcore")
    finally:
        cap.disk.unlink(missing_ok=True)
