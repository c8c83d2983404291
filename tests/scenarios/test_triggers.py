"""Every way the kernel dies reaches the panic path with the registers at the
point of failure (issue 4, items 5 and 8): `crash stackoverflow` (the boot
stack's unmapped guard page, #PF then #DF on IST1), `crash doublefault`
(RSP at an unmapped address), `crash nmi` (a real NMI from the local APIC)
and QEMU's monitor `nmi`, `crash lockup` (the soft lockup watchdog in the
timer tick).  Each must print its report lines, a RIP inside the triggering
function according to kernel.elf, a call trace naming it, "Kernel panic -
not syncing", and with panic=-1 QEMU exits by itself.  `canary VALUE` must
store the value in the global crash_canary and name its addresses."""

import re
import time

from checks import check
from guest import STAMP

L = r"^" + STAMP
SYM = r"\+0x[0-9a-f]+/0x[0-9a-f]+"


def trigger(machine, cmd, cmdline="panic=-1", monitor=False):
    """Boot, type cmd (or send the monitor command), wait for QEMU to exit by
    itself; return (machine, the output from the trigger on, seconds taken)."""
    m = machine(mem="512M", cmdline=cmdline)
    m.wait_prompt()
    start, t0 = m.pos, time.monotonic()
    if monitor:
        time.sleep(0.5)           # let the shell finish the prompt and wait for input
        m.monitor(cmd)
    else:
        m.send(cmd + "\r")
    status = m.wait_exit(60)
    check(status == 0, f"QEMU exited with {status} after the panic, want 0 (reset)", m)
    return m, m.output[start:], time.monotonic() - t0


def trace_names(m, text):
    """Function names of the "Call Trace:" lines, innermost first."""
    trace = re.search(L + r"Call Trace:$", text, re.M)
    check(trace, "no 'Call Trace:' line", m)
    frames = re.findall(L + r" \[<[0-9a-f]{16}>\] (\w+)" + SYM + "$", text[trace.end():], re.M)
    check(frames, "the call trace is empty", m)
    return frames


def check_rip(symbols, m, text, fn):
    rip = re.search(L + rf"RIP: 0008:([0-9a-f]{{16}}) <{fn}{SYM}>$", text, re.M)
    check(rip, f"no 'RIP: 0008:... <{fn}+...>' line", m)
    a, b = symbols.range(fn)
    pc = int(rip.group(1), 16)
    check(a <= pc < b, f"RIP {pc:#x} is not inside {fn} [{a:#x}, {b:#x}) of kernel.elf", m)


def check_panic(m, text, message):
    check(re.search(L + rf"Kernel panic - not syncing: {re.escape(message)}$", text, re.M),
          f"no 'Kernel panic - not syncing: {message}' line", m)


def test_crash_stackoverflow(machine, kernel_symbols):
    m, text, _ = trigger(machine, "crash stackoverflow")
    with m:
        check(re.search(L + rf"traps: #DF double fault in crash_stackoverflow{SYM}$", text, re.M),
              "no 'traps: #DF double fault in crash_stackoverflow+...' line", m)
        r = re.search(L + r"traps: kernel stack overflow: guard page \[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\) "
                      r"hit at 0x([0-9a-f]{16}), RSP 0x([0-9a-f]{16}), "
                      r"stack \[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)$", text, re.M)
        check(r, "no 'traps: kernel stack overflow: guard page [...) hit at ...' line", m)
        lo, hi, hit, rsp, slo, shi = (int(x, 16) for x in r.groups())
        guard = kernel_symbols.addr("boot_stack_guard")
        stack = kernel_symbols.addr("boot_stack")
        top = kernel_symbols.addr("boot_stack_top")
        check((lo, hi) == (guard, guard + 4096),
              f"guard page [{lo:#x}, {hi:#x}) is not boot_stack_guard [{guard:#x}, +4 KiB)", m)
        check((slo, shi) == (stack, top), f"stack [{slo:#x}, {shi:#x}) is not the boot stack", m)
        check(lo <= hit < hi, f"hit address {hit:#x} is outside the guard page", m)
        check(lo <= rsp < shi, f"RSP {rsp:#x} is not near the bottom of the stack", m)
        check(re.search(L + r"traps: the #PF frame could not be pushed on the full stack: #DF on IST1$",
                        text, re.M), "no line saying #DF ran on IST1", m)
        check_rip(kernel_symbols, m, text, "crash_stackoverflow")
        names = trace_names(m, text)
        check(names[0] == "crash_stackoverflow" and names.count("crash_stackoverflow") >= 8,
              f"the trace should be crash_stackoverflow many times: {names}", m)
        check(len(names) <= 33, f"the trace is not bounded: {len(names)} frames", m)
        check_panic(m, text, "kernel stack overflow")


def test_crash_doublefault(machine, kernel_symbols):
    m, text, _ = trigger(machine, "crash doublefault")
    with m:
        check(re.search(L + rf"traps: #DF double fault in crash_doublefault{SYM}$", text, re.M),
              "no 'traps: #DF double fault in crash_doublefault+...' line", m)
        check(re.search(L + r"traps: hint: RSP 0xffffc90000000000 is in no kernel stack", text, re.M),
              "no 'RSP ... is in no kernel stack' hint", m)
        check("kernel stack overflow" not in text, "a plain double fault was called a stack overflow", m)
        check(re.search(L + r"RSP: 0010:ffffc90000000000 ", text, re.M), "RSP is not the unmapped one", m)
        check_rip(kernel_symbols, m, text, "crash_doublefault")
        names = trace_names(m, text)
        check(names[:3] == ["crash_doublefault", "cmd_crash", "shell_execute"],
              f"trace should start crash_doublefault, cmd_crash, shell_execute: {names}", m)
        check_panic(m, text, "Fatal exception")


def check_nmi(symbols, m, text, fn):
    check(re.search(L + rf"traps: NMI non-maskable interrupt in {fn}{SYM}$", text, re.M),
          f"no 'traps: NMI non-maskable interrupt in {fn}+...' line", m)
    check(re.search(L + r"traps: NMI received for unknown reason on CPU 0: not recovering", text, re.M),
          "no 'NMI received for unknown reason' line", m)
    check_rip(symbols, m, text, fn)
    check_panic(m, text, "NMI received: not recovering")
    return trace_names(m, text)


def test_crash_nmi(machine, kernel_symbols):
    # A real NMI (local APIC ICR), not "int $2": RIP is where it arrived.
    m, text, _ = trigger(machine, "crash nmi")
    with m:
        check("no NMI arrived" not in text, "the NMI IPI to self never arrived", m)
        names = check_nmi(kernel_symbols, m, text, "crash_nmi")
        check(names[:3] == ["crash_nmi", "cmd_crash", "shell_execute"],
              f"trace should start crash_nmi, cmd_crash, shell_execute: {names}", m)


def test_monitor_nmi(machine, kernel_symbols):
    # QEMU's monitor "nmi" at the prompt: the CPU stops wherever the shell
    # was (usually waiting in console_getc, possibly still printing).
    m, text, _ = trigger(machine, "nmi", monitor=True)
    with m:
        where = re.search(L + rf"traps: NMI non-maskable interrupt in (\w+){SYM}$", text, re.M)
        check(where, "no 'traps: NMI non-maskable interrupt in ...' line", m)
        names = check_nmi(kernel_symbols, m, text, where.group(1))
        check(names[0] == where.group(1) and "shell_run" in names,
              f"trace should start at {where.group(1)} and reach shell_run: {names}", m)


def test_crash_lockup(machine, kernel_symbols):
    m, text, secs = trigger(machine, "crash lockup")
    with m:
        check(re.search(L + r"watchdog: BUG: soft lockup - CPU#0 stuck for 5s!$", text, re.M),
              "no 'watchdog: BUG: soft lockup - CPU#0 stuck for 5s!' line", m)
        check(secs >= 4.5, f"the watchdog fired after {secs:.1f} s, before its 5 s", m)
        check_rip(kernel_symbols, m, text, "crash_lockup")
        names = trace_names(m, text)
        check(names[:3] == ["crash_lockup", "cmd_crash", "shell_execute"],
              f"trace should start crash_lockup, cmd_crash, shell_execute: {names}", m)
        check_panic(m, text, "softlockup: hung tasks")


def test_nosoftlockup(machine):
    # nosoftlockup turns the detector off: the same loop spins on, no report.
    with machine(mem="512M", cmdline="nosoftlockup") as m:
        m.wait_prompt()
        check(re.search(L + r"watchdog: soft lockup detector off \(nosoftlockup\)$", m.output, re.M),
              "no 'watchdog: soft lockup detector off' boot line", m)
        m.expect_not(r"'nosoftlockup' not used by this kernel")
        start = m.pos
        m.send("crash lockup\r")
        m.expect(r"crash: spinning with interrupts on")
        m.expect_not(r"soft lockup|Kernel panic", wait=7, start=start)
        check(m.alive(), "QEMU exited although the lockup detector was off", m)


def test_idle_is_not_a_lockup(shared_machine):
    # Sitting at the prompt longer than the threshold is idleness, not a lockup.
    m = shared_machine("triggers")
    check(re.search(L + r"watchdog: soft lockup detector on: a CPU stuck for 5 s is a lockup$",
                    m.output, re.M), "no 'watchdog: soft lockup detector on' boot line", m)
    start = m.pos
    time.sleep(6)
    out = m.run("echo still here")
    check(out.strip() == "still here", f"the shell did not answer after 6 s idle: {out!r}", m)
    m.expect_not(r"soft lockup|Kernel panic", start=start)


def test_crash_lists_kinds(shared_machine):
    m = shared_machine("triggers")
    kinds = ["panic", "null", "gpf", "ud", "div0", "bp", "stackoverflow", "doublefault", "nmi", "lockup",
             "hardlockup", "twopanic", "bitmap"]
    out = m.run("crash")
    listed = re.findall(r"^  (\w+) +\S.*$", out, re.M)
    check(listed == kinds, f"'crash' alone should describe {kinds}, got {listed}", m)
    usage = m.run("help crash")
    check(all(k in usage for k in kinds), f"'help crash' does not name every kind: {usage!r}", m)
    out = m.run("crash nosuchkind")
    check("usage: crash" in out, f"an unknown kind should print the usage: {out!r}", m)


def test_canary(shared_machine, kernel_symbols):
    m = shared_machine("triggers")
    va = kernel_symbols.addr("crash_canary")
    base = re.search(L + r"boot: loaded at physical 0x([0-9a-f]+) \(link 0x200000", m.output, re.M)
    check(base, "no 'boot: loaded at physical' line", m)
    want_pa = va - 0xffffffff80000000 - 0x200000 + int(base.group(1), 16)
    line = r"^crash_canary = 0x([0-9a-f]{16}) at 0x([0-9a-f]{16}) \(physical 0x([0-9a-f]{16})\)$"
    out = m.run("canary 0x1122334455667788")
    r = re.search(line, out, re.M)
    check(r, f"'canary VALUE' should print 'crash_canary = ... at ... (physical ...)': {out!r}", m)
    value, got_va, got_pa = (int(x, 16) for x in r.groups())
    check(value == 0x1122334455667788, f"canary holds {value:#x} after writing 0x1122334455667788", m)
    check(got_va == va, f"canary at {got_va:#x}, kernel.elf has crash_canary at {va:#x}", m)
    check(got_pa == want_pa, f"canary physical {got_pa:#x}, want {want_pa:#x}", m)
    out = m.run(f"xd {got_pa:#x} 8")
    check(re.search(r"88 77 66 55 44 33 22 11", out), f"memory at the physical address: {out!r}", m)
    out = m.run("canary")
    check(re.search(r"^crash_canary = 0x1122334455667788 ", out, re.M), f"'canary' reads back: {out!r}", m)
    out = m.run("canary 12z")
    check(re.search(r"^canary: error: .*\(E_INVAL\)$", out, re.M), f"bad value not refused: {out!r}", m)
    out = m.run("canary")
    check(re.search(r"^crash_canary = 0x1122334455667788 ", out, re.M),
          f"a refused value changed the canary: {out!r}", m)
