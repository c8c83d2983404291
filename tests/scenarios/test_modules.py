"""Boot modules: GRUB loads kernel.elf a second time as the module
/boot/kernel.elf (kexec will boot it again).  The modules command and the
boot log must show it with its real size, and its first bytes must be the
ELF magic."""

import re

from checks import check
from guest import PROMPT, RANGE, STAMP


def test_module_is_kernel_elf(build, machine):
    size = build.kernel_elf.stat().st_size
    with machine(mem="512M") as m:
        m.wait_prompt()
        out = m.run("modules")
        r = re.search(r"^0: " + RANGE + r" .+ '/boot/kernel\.elf'$", out, re.M)
        check(r, f"modules does not list /boot/kernel.elf as module 0: {out!r}", m)
        start, end = int(r.group(1), 16), int(r.group(2), 16)
        check(end - start == size, f"module is {end - start} bytes, {build.kernel_elf} is {size}", m)
        check(start % 4096 == 0, f"GRUB places modules on page boundaries, got 0x{start:x}", m)
        log = m.output[:m.output.find(PROMPT)]
        b = re.search(r"^" + STAMP + r"boot: module " + RANGE + r" .+ '/boot/kernel\.elf'$", log, re.M)
        check(b and (int(b.group(1), 16), int(b.group(2), 16)) == (start, end),
              "boot: module line disagrees with the modules command", m)
        dump = m.run(f"xd 0x{start:x} 16")
        check(re.match(rf"{start:016x}: 7f 45 4c 46 02 01 01", dump.strip()),
              f"module does not start with the ELF64 magic: {dump!r}", m)
