"""`make debug` without a terminal: QEMU paused with its gdb stub, gdb
attached with kernel.elf's symbols, a hardware breakpoint on kmain.  gdb must
stop there and show the source file: symbols, DWARF and the load address
all agree (the kernel runs where it is linked, phys_base 0 under GRUB).  The
file gdb must name is the one kernel.elf's DWARF gives for kmain (read with
pyelftools), so moving main.c changes nothing here."""

import re
import subprocess

from checks import check
from guest import free_tcp_port
from guest.elf import function_source


def test_gdb_breaks_in_kmain(build, machine):
    source = function_source(build.kernel_elf, "kmain")
    check(source.endswith("main.c"), f"kernel.elf's DWARF puts kmain in {source}")
    port = free_tcp_port()
    with machine(mem="512M", extra_args=["-S", "-gdb", f"tcp:127.0.0.1:{port}"]) as m:
        cmd = ["gdb", "-nx", "-batch",
               "-ex", "set confirm off",
               "-ex", "set pagination off",
               "-ex", f"target remote 127.0.0.1:{port}",
               "-ex", "hbreak kmain",
               "-ex", "continue",
               "-ex", "bt",
               "-ex", "info registers rip",
               "-ex", "kill",
               str(build.kernel_elf)]
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=120, cwd=build.root)
        except subprocess.TimeoutExpired:
            check(False, "gdb did not finish within 120 s", m)
        out = r.stdout + r.stderr
        check(re.search(rf"Breakpoint 1, kmain \(.*\) at {re.escape(source)}:\d+", out),
              f"gdb did not stop in kmain at {source}:\n{out[-2000:]}", m)
        check(re.search(r"^#0\s+kmain \(", out, re.M), f"bt does not start in kmain:\n{out[-2000:]}", m)
        check(re.search(r"^rip\s+0xffffffff[0-9a-f]{8}\s+0xffffffff[0-9a-f]{8} <kmain(\+\d+)?>", out, re.M),
              f"rip is not in kmain:\n{out[-2000:]}", m)
