"""The debuggers kdump users reach for, on the session's vmcore: drgn
(Debian's python3-drgn, /usr/bin/python3) opens it as a kernel core and
prints a global, translates through the dead kernel's page tables, and the
helper module (tools/drgn/kernel_drgn.py) prints the log ring, the memory
map, the registers and the crashing CPU's stack trace; eu-stack (elfutils)
names the functions; gdb's backtrace ends at the entry code, no `??`."""

import re
import subprocess

from checks import check
from guest import STAMP, parse_e820_lines

HELPERS = "tools/drgn/kernel_drgn.py"
PRINTK_LINE = re.compile(r"^\[\s*\d+\.\d{6}\] .*$", re.M)
# The crash null call chain, innermost first, down to the entry code.
CHAIN = ["crash_null", "cmd_crash", "shell_execute", "shell_run", "kmain", "long_mode_high"]


def run(args, build, timeout=120):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                       cwd=build.root, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def drgn(build, vmcore, script, *args):
    """drgn -c VMCORE -s kernel.elf SCRIPT ARGS... on Debian's Python."""
    return run(["/usr/bin/python3", "-m", "drgn", "-c", vmcore.path, "-s", build.kernel_elf,
                script, *args], build)


def test_drgn_opens_the_vmcore_and_prints_the_canary(build, vmcore, tmp_path):
    script = tmp_path / "canary.py"
    script.write_text('print(prog["crash_canary"])\n')
    rc, out, err = drgn(build, vmcore, script)
    check(rc == 0 and f"(uint64_t){vmcore.canary}" in out,
          f"drgn did not print the canary {vmcore.canary}: rc {rc}\n{out}\n{err}")
    check(not err.strip(), f"drgn warned:\n{err}")


def test_drgn_reads_through_the_dead_kernels_page_tables(build, vmcore, kernel_symbols, tmp_path):
    """SYMBOL(swapper_pg_dir) is the PML4 the dead kernel ran on; drgn's
    page-table walk from it must land on the canary's bytes."""
    va = kernel_symbols.addr("crash_canary")
    script = tmp_path / "walk.py"
    script.write_text(
        "import sys\n"
        "from drgn import Object\n"
        "from _drgn import _linux_helper_read_vm\n"
        f"pgd = Object(prog, 'void *', prog['kernel_pt'].pml4_pa.value_() + {0xffff888000000000})\n"
        f"data = _linux_helper_read_vm(prog, pgd, {va}, 8)\n"
        "print(hex(int.from_bytes(data, 'little')))\n")
    rc, out, err = drgn(build, vmcore, script)
    check(rc == 0 and f"{vmcore.canary:#x}" in out,
          f"the page-table walk did not reach the canary at {va:#x}: rc {rc}\n{out}\n{err}")


def test_drgn_helpers_print_the_log_and_the_memory_map(build, vmcore):
    rc, dmesg, err = drgn(build, vmcore, HELPERS, "dmesg")
    check(rc == 0, f"kernel_drgn.py dmesg failed: {err}")
    lines = dmesg.strip("\n").split("\n")
    check(re.search(r"---\[ end Kernel panic - not syncing: .* \]---", lines[-1])
          and "Kernel panic - not syncing" in lines[-2],
          "dmesg does not end with the panic:\n" + "\n".join(lines[-10:]))
    want = PRINTK_LINE.findall(vmcore.crashed_log)
    check(lines == want, "drgn's dmesg differs from the crashed kernel's console: "
          f"{len(lines)} lines vs {len(want)}; first difference: "
          f"{next(((a, b) for a, b in zip(lines, want) if a != b), None)}")
    rc, memmap, err = drgn(build, vmcore, HELPERS, "memmap")
    check(rc == 0 and parse_e820_lines(memmap) == parse_e820_lines(vmcore.crashed_log),
          f"drgn's memmap differs from the boot log's e820 lines:\n{memmap}\n{err}")
    check(re.search(r"^  \[0x[0-9a-f]{16}, 0x[0-9a-f]{16}\) \S+ \S+  Crash kernel$", memmap,
                    re.M), f"no crash window in drgn's iomem tree:\n{memmap}")


def test_drgn_helpers_registers_and_stack_trace(build, vmcore):
    rc, regs, err = drgn(build, vmcore, HELPERS, "regs")
    rip = re.search(rf"^{STAMP}RIP: 0008:([0-9a-f]{{16}})", vmcore.log, re.M).group(1)
    check(rc == 0 and re.search(r"^CPU 0 \(pid 1\) panicked, in crash_null:", regs, re.M)
          and f"rip      0x{rip}" in regs, f"regs: want CPU 0 in crash_null, rip {rip}:\n{regs}{err}")
    rc, bt, err = drgn(build, vmcore, HELPERS, "bt")
    frames = re.findall(r"^#\d+\s+(\S+)", bt, re.M)
    names = [f.split("+")[0] for f in frames]
    check(rc == 0 and names == CHAIN,
          f"drgn's stack trace {names}, want {CHAIN} (and nothing past the entry):\n{bt}{err}")
    rc, out, err = drgn(build, vmcore, HELPERS, "bt", "5")
    check(rc == 1 and "CPU 5 saved no registers" in err, f"bt of a CPU with no note: {out}{err}")


def test_drgn_helpers_walk_the_ind_list(build, vmcore):
    rc, out, err = drgn(build, vmcore, HELPERS, "kexec-ind", "-v")
    shown = vmcore.outputs["kexec -s -v"].strip("\n").split("\n")
    got = out.strip("\n").split("\n")
    check(rc == 0 and [l.rstrip() for l in got] == [l.rstrip() for l in shown],
          f"kexec-ind -v differs from the kernel's kexec -s -v: first difference "
          f"{next(((a, b) for a, b in zip(got, shown) if a.rstrip() != b.rstrip()), None)}"
          f" ({len(got)} vs {len(shown)} lines){err}")


def test_eu_stack_names_the_functions(build, vmcore):
    rc, out, err = run(["eu-stack", f"--core={vmcore.path}", "-e", build.kernel_elf], build)
    frames = re.findall(r"^#\d+\s+0x[0-9a-f]+ (\S+)", out, re.M)
    check(rc == 0 and frames == CHAIN, f"eu-stack frames {frames}, want {CHAIN}:\n{out}{err}")


def test_gdb_backtrace_ends_at_the_entry_code(build, vmcore):
    rc, out, err = run(["gdb", "-nx", "-batch", "-ex", "echo @@@\\n", "-ex", "bt",
                        build.kernel_elf, vmcore.path], build)
    bt = out.split("@@@\n", 1)[-1]
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(", bt, re.M)
    check(frames == CHAIN and "??" not in bt and "warning" not in err,
          f"gdb's backtrace {frames}, want {CHAIN}, no ?? frame, no warning:\n{out}{err}")
    check("Core was generated by `kernel.elf" in out and "may not match" not in out + err,
          f"gdb does not take the vmcore for kernel.elf's (NT_PRPSINFO):\n{out}{err}")
