"""Faults and panics: each `crash KIND` must print the traps lines of the
contract (vector, symbol, registers, call trace naming crash_KIND), then
"Kernel panic - not syncing", and with panic=-1 reboot at once, which
-no-reboot turns into QEMU exiting by itself.  The RIP the kernel names
must really lie inside crash_KIND according to kernel.elf's own symbols."""

import re
import subprocess

import pytest
from checks import check
from guest import STAMP

# kind: (mnemonic, vector name fragment) for the faults; None for panic.
KINDS = {
    "null": ("#PF", "page fault"),
    "gpf": ("#GP", "general protection"),
    "ud": ("#UD", "invalid opcode"),
    "div0": ("#DE", "divide"),
    "panic": None,
}


@pytest.mark.parametrize("kind", KINDS)
def test_crash(machine, kernel_symbols, kind):
    with machine(mem="512M", cmdline="panic=-1") as m:
        m.wait_prompt()
        start = m.pos
        m.send(f"crash {kind}\r")
        status = m.wait_exit(60)
        check(status == 0, f"QEMU exited with {status} after the panic, want 0 (reset)", m)
        text = m.output[start:]
        L = r"^" + STAMP
        fault = KINDS[kind]
        if fault:
            mn, what = fault
            r = re.search(L + rf"traps: {mn} [^\n]*{what}[^\n]* in crash_{kind}\+0x[0-9a-f]+/0x[0-9a-f]+$",
                          text, re.M | re.I)
            check(r, f"no 'traps: {mn} ... in crash_{kind}+off/size' line", m)
            if mn == "#PF":
                check(re.search(L + r"traps: fault address 0x0000000000000000, error 0x[0-9a-f]+ "
                                r"\((read|write), (not present|protection), (kernel|user)\)$", text, re.M),
                      "no '#PF fault address ... (write, not present, kernel)' line", m)
            rip = re.search(L + rf"RIP: 0008:([0-9a-f]{{16}}) <crash_{kind}\+0x[0-9a-f]+/0x[0-9a-f]+>$",
                            text, re.M)
            check(rip, f"no 'RIP: 0008:... <crash_{kind}+...>' line", m)
            a, b = kernel_symbols.range(f"crash_{kind}")
            pc = int(rip.group(1), 16)
            check(a <= pc < b, f"RIP {pc:#x} is not inside crash_{kind} [{a:#x}, {b:#x}) of kernel.elf", m)
        for reg in (r"RSP: ", r"RAX: [0-9a-f]{16} RBX: [0-9a-f]{16} RCX: [0-9a-f]{16}", r"CR2: [0-9a-f]{16}"):
            check(re.search(L + reg, text, re.M), f"register line /{reg}/ missing", m)
        trace = re.search(L + r"Call Trace:$", text, re.M)
        check(trace, "no 'Call Trace:' line", m)
        frames = re.findall(L + r" \[<([0-9a-f]{16})>\] (\w+)\+0x[0-9a-f]+/0x[0-9a-f]+$",
                            text[trace.end():], re.M)
        names = [n for _, n in frames]
        check(f"crash_{kind}" in names, f"backtrace does not name crash_{kind}: {names}", m)
        check("shell_execute" in names, f"backtrace does not reach the shell: {names}", m)
        check(re.search(L + r"Kernel panic - not syncing: .+$", text, re.M), "no 'Kernel panic - not syncing' line", m)


def test_panic_default_halts(machine):
    # panic=0 (the default) halts for good: no reset, no prompt, QEMU stays.
    with machine(mem="512M") as m:
        m.wait_prompt()
        m.send("crash panic\r")
        m.expect(r"Kernel panic - not syncing", 30)
        after = m.pos
        try:
            m.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        check(m.alive(), "QEMU exited after a panic with panic=0 (should halt)", m)
        check("kernel> " not in m.output[after:], "the shell came back after a panic", m)
        check(m.output.count("kexec-kernel ") == 1, "the kernel restarted after panic=0", m)
