"""Boot to the shell: milestone lines in order, a clean log, help, unknown
commands, poweroff and reboot.  One 512M machine serves the read-only
checks; poweroff and reboot each get their own."""

import re

import pytest
from checks import check, find_in_order
from guest import PROMPT, STAMP

HEX = r"0x[0-9a-f]+"
R16 = r"\[0x[0-9a-f]{16}, 0x[0-9a-f]{16}\)"
BANNER = r"kexec-kernel \d+\.\d+\.\d+ \(build id [0-9a-f]{40}\)"

# The documented milestones of a boot, in the order they must appear.
MILESTONES = [
    BANNER,
    rf"boot: loaded at physical {HEX} \(link 0x200000, phys_base {HEX}\), MBI at {HEX}$",
    r"boot: loader 'GRUB[^']*'$",
    r"boot: cmdline '.*'$",
    rf"boot: module {R16} .+ '/boot/kernel\.elf'$",
    rf"e820: {R16} .+ \(.+\)$",
    rf"e820: \d+ ranges, .+ usable, RAM ends at {HEX}$",
    r"pmm: \d+ frames free \(.+\) of \d+ managed$",
    rf"paging: direct map of .+ at 0xffff888000000000 \(\d+ 2 MiB pages, \d+ 4 KiB pages\), CR3 {HEX}$",
    r"heap: ready$",
    r"apic: local APIC id \d+, xAPIC mode, version 0x[0-9a-f]+, \d+ LVT entries, spurious vector "
    r"0xff$",
    rf"acpi: RSDP v\d+ at {HEX}, FADT at {HEX}$",
    rf"ioapic: I/O APIC id \d+ at {HEX}, \d+ pins from GSI 0; legacy IRQs go to APIC id \d+, the "
    r"8259 PIC is masked$",
    r"timer: TSC [\d.]+ MHz, tick \d+ Hz$",
    r"smp: running alone on CPU 0, APIC id 0 \(the bootstrap processor\): ",
    r"boot: ready in \d+\.\d+ s$",
]

# Words a clean boot never prints.  A fault report starts "traps: #XX" and
# ends "Kernel panic".
MUST_NOT_APPEAR = [(r"panic", re.I), (r"error", re.I), (r"FAILED", 0), (r"traps:", 0),
                   (r"warning", re.I)]

COMMANDS = ["help", "mem", "iomem", "cmdline", "dmesg", "modules", "reboot",
            "poweroff", "memtest", "crash"]


@pytest.fixture
def booted(shared_machine):
    return shared_machine("boot-512M", mem="512M")


def boot_log(m):
    """Everything printed before the first prompt."""
    return m.output[:m.output.find(PROMPT)]


def test_milestones_in_order(booted):
    m = booted
    find_in_order(boot_log(m), MILESTONES, m)


def test_clean_boot_has_no_errors(booted):
    m = booted
    log = boot_log(m)
    check(log.count("kexec-kernel ") == 1, "the banner must appear exactly once", m)
    for word, flags in MUST_NOT_APPEAR:
        hit = re.search(r"^.*" + word + r".*$", log, re.M | flags)
        check(not hit, f"clean boot printed /{word}/: {hit and hit.group(0)!r}", m)


def test_help_lists_commands(booted):
    m = booted
    out = m.run("help")
    listed = set(re.findall(r"^  (\S+)", out, re.M))
    missing = [c for c in COMMANDS if c not in listed]
    check(not missing, f"help does not list {missing}; it lists {sorted(listed)}", m)
    out = m.run("help memtest")
    check(re.search(r"memtest", out) and "unknown" not in out,
          f"'help memtest' should describe memtest, got {out!r}", m)


def test_unknown_command(booted):
    m = booted
    out = m.run("frobnicate now")
    check(out.strip() == "shell: unknown command 'frobnicate' (try 'help')",
          f"unknown command message wrong: {out!r}", m)
    # The shell survives and still runs commands.
    check(m.run("echo still here").strip() == "still here", "shell broken after an unknown command", m)


def test_poweroff_exits_qemu(machine):
    with machine(mem="512M") as m:
        m.wait_prompt()
        m.send("poweroff\r")
        status = m.wait_exit(30)
        check(status == 0, f"QEMU exit status after poweroff is {status}, want 0", m)
        m.expect_not(r"(?i)panic|traps: #")


def test_reboot_boots_again(machine):
    # Without -no-reboot a reset starts the firmware again: a second banner.
    with machine(mem="512M", reboot=True) as m:
        m.wait_prompt()
        m.send("reboot\r")
        m.expect(r"^" + STAMP + BANNER, 90)
        m.wait_prompt()
        check(len(re.findall(r"^" + STAMP + BANNER, m.output, re.M)) == 2,
              "expected exactly two banners after one reboot", m)
        m.send("poweroff\r")
        check(m.wait_exit(30) == 0, "poweroff after reboot did not exit cleanly", m)


def test_reboot_with_no_reboot_exits(machine):
    # With -no-reboot the reset makes QEMU exit instead: reboot must not hang.
    with machine(mem="512M") as m:
        m.wait_prompt()
        m.send("reboot\r")
        status = m.wait_exit(30)
        check(status == 0, f"QEMU exit status after reboot is {status}, want 0", m)
        check(m.output.count("kexec-kernel ") == 1, "the kernel booted again despite -no-reboot", m)
