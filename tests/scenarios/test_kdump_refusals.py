"""kdump mistakes are refused at the earliest moment they can be known: a
bad kdump key at boot (the cmdline error line) and at `kexec -p` (the
capture kernel's command line is checked as that kernel will check it), a
kernel booted with a garbage elfcorehdr= says so at boot and refuses
kexec -p, mini32 under kexec -p is refused for what is really wrong (not
relocatable), and a window big enough to load a capture kernel but too
small for it to save this machine's RAM is refused with the size needed."""

import re

import pytest
from checks import check
from guest import STAMP


def boot_error(m, text):
    check(re.search(rf"^{STAMP}{re.escape(text)}$", m.output, re.M),
          f"no boot line {text!r}", m)


def test_bad_kdump_keys_are_refused_at_boot_and_at_kexec_p(machine):
    with machine(mem="256M", cmdline="crashkernel=32M vmcore_autosave=bogus vmcore_disk=") as m:
        m.wait_prompt()
        boot_error(m, "cmdline: error: 'vmcore_autosave=bogus' ignored: the form is "
                      "vmcore_autosave=poweroff|reboot|shell (E_INVAL)")
        boot_error(m, "cmdline: error: 'vmcore_disk=' ignored: the form is "
                      "vmcore_disk=SERIAL (1-20 bytes, no blanks) (E_INVAL)")
        for append, why in (
                ("vmcore_autosave=bogus", "'vmcore_autosave=bogus': the form is "
                                          "vmcore_autosave=poweroff|reboot|shell"),
                ("elfcorehdr=zzz", "'elfcorehdr=zzz': the form is elfcorehdr=[SIZE@]ADDR"),
                ("vmcore_dump_level=32", "'vmcore_dump_level=32': the form is "
                                         "vmcore_dump_level=0..31"),
                ('vmcore_disk=\\"a b\\"', "'vmcore_disk=\"a b\"': the form is vmcore_disk=SERIAL")):
            out = m.run(f'kexec -p /boot/kernel.elf --append="{append}"')
            check(f"kexec: error: the capture kernel would refuse its command line: {why}" in out
                  and "loaded" not in out, f"kexec -p --append={append}:\n{out}", m)
        check("crash (kexec -p) image" not in m.run("kexec -s"),
              "a refused kexec -p left a crash image", m)


def test_mini32_under_kexec_p_is_refused_for_not_being_relocatable(machine):
    with machine(mem="256M", cmdline="crashkernel=32M") as m:
        m.wait_prompt()
        out = m.run("kexec -p /boot/mini32.elf")
        check(re.search(r"kexec: error: '/boot/mini32\.elf' is not relocatable: it runs only at "
                        r"its link address \[0x[0-9a-f]+, 0x[0-9a-f]+\), outside the crash window "
                        r"\[0x[0-9a-f]+, 0x[0-9a-f]+\); a capture kernel needs the multiboot2 "
                        r"relocatable tag", out), f"kexec -p mini32:\n{out}", m)
        check("too small" not in out, f"mini32 blamed on the window size:\n{out}", m)


@pytest.mark.parametrize("value,line", [
    ("garbage", "cmdline: error: 'elfcorehdr=garbage' ignored: the form is elfcorehdr=[SIZE@]ADDR (E_INVAL)"),
    ("0x8000", "vmcore: error: ELF core header at 0x8000: "),
    ("0x100000", "vmcore: error: elfcorehdr=0x100000 lies in RAM this kernel allocates from: "
                 "no dead kernel's header is there (E_OVERLAP); no vmcore"),
])
def test_bad_elfcorehdr_is_reported_at_boot_and_kexec_p_refuses(machine, value, line):
    with machine(mem="256M", cmdline=f"crashkernel=32M elfcorehdr={value}") as m:
        m.wait_prompt()
        check(re.search(rf"^{STAMP}{re.escape(line)}", m.output, re.M),
              f"no boot error line {line!r}", m)
        out = m.run("kexec -p /boot/kernel.elf")
        check("kexec: error: this kernel was booted with elfcorehdr= (as a capture kernel, and "
              "that header is unusable: see dmesg): it cannot load one; reboot without it "
              "(E_PERM)" in out, f"kexec -p after a bad elfcorehdr=:\n{out}", m)


def test_a_window_too_small_to_save_6g_is_refused_with_the_size(machine):
    with machine(mem="6G", cmdline="crashkernel=1280K", lifetime=400) as m:
        m.wait_prompt(timeout=240)
        out = m.run("kexec -p /boot/kernel.elf", timeout=60)
        r = re.search(r"kexec: error: the crash window \[0x[0-9a-f]+, 0x[0-9a-f]+\) of 1280 KiB is "
                      r"too small for the capture kernel to save this machine's 5\.\d GiB of RAM: "
                      r"it needs (\d+) KiB \(.*frame bitmap (\d+),.*\); boot with "
                      r"crashkernel=(\d+)K \(E_NOSPC\)", out)
        check(r, f"kexec -p into 1280K at 6 GiB:\n{out}", m)
        check(int(r.group(1)) > 1280 and int(r.group(3)) >= int(r.group(1)),
              f"the size needed does not add up: {r.group(0)}", m)
        check("crash (kexec -p) image" not in m.run("kexec -s"),
              "a refused kexec -p left a crash image", m)
