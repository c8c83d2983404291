"""Every CPU up: the matrix -smp 1, 2, 4, 8 x -M pc, q35 x -cpu qemu64, max,
each boot checked several ways (the MADT line, every CPU online with its
APIC id in `cpus`, a command run on the last CPU with `on`); APIC ids with
gaps; nr_cpus= and maxcpus=; `on` refusing what it cannot do."""

import re

import pytest
from checks import check
from guest import STAMP

MATRIX = [(n, kind, cpu) for n in (1, 2, 4, 8) for kind in ("pc", "q35")
          for cpu in ("qemu64", "max")]
CPU_LINE = re.compile(r"^ *(\d+) +(\d+) +(\w+) +(\d+) +(.*)$", re.M)


def cpus_table(m, on=None):
    """`cpus` (or `on N cpus`) as {cpu: (apic_id, state, doing)}, and the text."""
    out = m.run("cpus" if on is None else f"on {on} cpus")
    return {int(c): (int(a), s, d) for c, a, s, _, d in CPU_LINE.findall(out)}, out


def boot(machine, smp, kind="pc", cpu=None, cmdline=""):
    m = machine(mem="128M", smp=smp, machine=kind, cpu=cpu, cmdline=cmdline)
    m.wait_prompt(120)
    return m


@pytest.mark.parametrize("n, kind, cpu", MATRIX, ids=[f"smp{n}-{k}-{c}" for n, k, c in MATRIX])
def test_every_cpu_online(machine, n, kind, cpu):
    with boot(machine, n, kind, cpu) as m:
        ids = " ".join(str(i) for i in range(n))
        check(re.search(rf"^{STAMP}acpi: MADT: {n} CPUs enabled of {n} listed \(APIC ids {ids}\), "
                        r"1 I/O APIC\(s\), 5 interrupt source overrides", m.output, re.M),
              f"no MADT line for {n} CPUs", m)
        if n > 1:
            check(re.search(rf"^{STAMP}smp: brought up {n - 1} CPU\(s\) in \d+ ms; {n} of {n} "
                            r"online$", m.output, re.M), "no bring-up line", m)
        table, out = cpus_table(m)
        check(sorted(table) == list(range(n)), f"want CPUs 0-{n - 1}:\n{out}", m)
        for c, (apic_id, state, doing) in table.items():
            check(apic_id == c and state == "online", f"CPU {c} should be online, APIC id "
                  f"{c}:\n{out}", m)
        check("(bootstrap processor) (this CPU)" in table[0][2],
              f"CPU 0 should be the BSP running the shell:\n{out}", m)
        if n > 1:
            last = n - 1
            table, out = cpus_table(m, on=last)
            check("on: cpus (this CPU)" in table[last][2],
                  f"`on {last} cpus` should run on CPU {last}:\n{out}", m)
            check(table[0][2].startswith("waiting for another CPU"),
                  f"the shell's CPU should be waiting:\n{out}", m)
            out = m.run(f"on {last} apic")
            check(re.search(rf"^APIC id {last}, xAPIC mode", out, re.M),
                  f"`on {last} apic` should show APIC id {last}:\n{out}", m)
        m.expect_not(r"^\[ *\d+\.\d+\] .*(error|Kernel panic)")


def test_apic_ids_with_gaps(machine):
    # 2 sockets of 3 cores: APIC ids 0 1 2 4 5 6, logical CPUs 0-5.
    with boot(machine, "6,sockets=2,cores=3,threads=1") as m:
        table, out = cpus_table(m)
        check([table[c][0] for c in sorted(table)] == [0, 1, 2, 4, 5, 6],
              f"want APIC ids 0 1 2 4 5 6:\n{out}", m)
        check(all(s == "online" for _, s, _ in table.values()), f"all online:\n{out}", m)
        out = m.run("on 3 apic")
        check(re.search(r"^APIC id 4,", out, re.M), f"logical CPU 3 is APIC id 4:\n{out}", m)


def test_nr_cpus_and_maxcpus(machine):
    with boot(machine, 4, cmdline="nr_cpus=2") as m:
        table, out = cpus_table(m)
        check(sorted(table) == [0, 1], f"nr_cpus=2: only CPUs 0 and 1 exist:\n{out}", m)
        check(re.search(rf"^{STAMP}smp: 2 CPU\(s\) of the MADT left out: nr_cpus= 2$", m.output,
                        re.M), "no line about the CPUs left out", m)
    with boot(machine, 4, cmdline="maxcpus=3") as m:
        table, out = cpus_table(m)
        check([table[c][1] for c in range(4)] == ["online"] * 3 + ["offline"],
              f"maxcpus=3: CPU 3 listed, offline:\n{out}", m)
        out = m.run("on 3 cpus")
        check(re.search(r"on: error: CPU 3 is not online \(see cpus\) \(E_RANGE\)", out),
              f"`on 3` should refuse an offline CPU:\n{out}", m)


@pytest.mark.parametrize("line, error", [
    ("on 9 cpus", r"on: error: no CPU '9' \(see cpus\) \(E_RANGE\)"),
    ("on x cpus", r"on: error: no CPU 'x' \(see cpus\) \(E_RANGE\)"),
    ("on 1", r"on: usage: on CPU COMMAND\.\.\. \[&\]"),
    ("on 1 nosuchcommand", r"shell: unknown command 'nosuchcommand'"),
])
def test_on_refuses_what_it_cannot_do(shared_machine, line, error):
    m = shared_machine("smp2", mem="128M", smp=2)
    out = m.run(line)
    check(re.search(error, out), f"{line!r}: want /{error}/, got:\n{out}", m)


LOAD_SELF = "kexec -l /boot/kernel.elf --append=chain={gen} --module=/boot/kernel.elf"


def free_frames(text):
    return [int(n) for n in re.findall(rf"^{STAMP}pmm: (\d+) frames free", text, re.M)]


def test_kexec_chain_keeps_every_cpu(machine):
    """10 generations at -smp 4, every other one started by `on 2 kexec -e`:
    the jump is handed to the bootstrap processor, the other CPUs are
    stopped and parked in INIT, and each new kernel brings all 4 up again,
    with the same free memory."""
    with boot(machine, 4) as m:
        frees = []
        for gen in range(2, 12):
            out = m.run(LOAD_SELF.format(gen=gen))
            check("kexec: loaded '/boot/kernel.elf'" in out, f"load failed:\n{out}", m)
            start = len(m.output)
            cmd = "on 2 kexec -e" if gen % 2 == 0 else "kexec -e"
            m.send(cmd + "\r")
            m.expect(rf"boot: generation {gen}, started by kexec")
            m.wait_prompt(120)
            text = m.output[start:]
            if cmd.startswith("on"):
                check(re.search(rf"^{STAMP}kexec: CPU 2 hands the jump to CPU 0, the bootstrap "
                                r"processor", text, re.M), f"generation {gen}: no hand-off", m)
            # Idle CPUs stop at the IPI; on a host that does not run a vCPU
            # for a second, the NMI that follows stops it as well.
            check(re.search(rf"^{STAMP}smp: stopped CPU\(s\) 1 2 3 \((none|[\d ]+) by NMI\)$",
                            text, re.M), f"generation {gen - 1} did not stop CPUs 1-3", m)
            check(re.search(rf"^{STAMP}smp: CPU\(s\) 1 2 3 parked in INIT", text, re.M),
                  f"generation {gen - 1} did not park CPUs 1-3", m)
            check(re.search(rf"^{STAMP}smp: brought up 3 CPU\(s\) in \d+ ms; 4 of 4 online$",
                            text, re.M), f"generation {gen} did not bring up 4 CPUs", m)
            table, out = cpus_table(m)
            check([table[c][:2] for c in range(4)] == [(c, "online") for c in range(4)],
                  f"generation {gen}: want CPUs 0-3 online, APIC ids 0-3:\n{out}", m)
            frees += free_frames(text)
        check(len(frees) == 10 and len(set(frees)) == 1,
              f"free frames changed across generations: {frees}", m)


def test_a_cpu_without_ticks_but_interrupts_on_is_not_a_hard_lockup(machine):
    """The buddy detector's false alarm, made on purpose: CPU 1's local
    timer stopped (`on 1 apic timer off`), so its tick count freezes while
    it idles with interrupts on, as a vCPU the host does not run looks from
    inside.  CPU 0 notices after 5 s of its own ticks, asks by NMI, hears
    "interrupts on", says so once, and does not panic."""
    with boot(machine, 2) as m:
        m.run("on 1 apic timer off")
        m.expect_line(r"watchdog: CPU#1 took no timer interrupt for \d+ s of CPU#0's, yet runs with "
                      r"interrupts on: its ticks are late or stopped, it is not locked "
                      r"\(reported once\)", timeout=60)
        m.expect_not(r"Hard LOCKUP|Kernel panic", wait=1)
        out = m.run("cpus")
        check(re.search(r"^ +1 +1 +online ", out, re.M), f"CPU 1 should still be online:\n{out}", m)


def test_kexec_stops_a_cpu_spinning_with_interrupts_off(machine):
    """`on 2 crash hardlockup &` leaves CPU 2 spinning with interrupts off
    (nowatchdog: no buddy to end it first); `kexec -e` cannot stop it with
    the stop IPI, so after 1 s an NMI does, it is parked in INIT with the
    others, and generation 2 brings all four up again."""
    with boot(machine, 4, cmdline="nowatchdog") as m:
        out = m.run(LOAD_SELF.format(gen=2))
        check("kexec: loaded" in out, f"load failed:\n{out}", m)
        out = m.run("on 2 crash hardlockup &")
        check("on: CPU 2 runs 'crash hardlockup' in the background" in out,
              f"no background line:\n{out}", m)
        table, out = cpus_table(m)
        check(table[2][2] == "on: crash hardlockup &", f"CPU 2 should be spinning:\n{out}", m)
        start = len(m.output)
        m.send("kexec -e\r")
        m.expect(r"boot: generation 2, started by kexec")
        m.wait_prompt(120)
        text = m.output[start:]
        check(re.search(rf"^{STAMP}smp: stopped CPU\(s\) 1 2 3 \(([\d ]* )?2( [\d ]*)? by NMI\)$",
                        text, re.M), "CPU 2 should have been stopped by NMI", m)
        check(re.search(rf"^{STAMP}smp: CPU\(s\) 1 2 3 parked in INIT", text, re.M),
              "CPUs 1-3 should be parked", m)
        check(re.search(rf"^{STAMP}smp: brought up 3 CPU\(s\) in \d+ ms; 4 of 4 online$", text,
                        re.M), "generation 2 should bring up all four", m)


def test_on_in_the_background_refuses_what_it_cannot_do(shared_machine):
    m = shared_machine("smp2", mem="128M", smp=2)
    for line, error in (("on 0 cpus &", r"on: error: '&' needs a command and another CPU"),
                        ("on 1 &", r"on: error: '&' needs a command and another CPU")):
        out = m.run(line)
        check(re.search(error, out), f"{line!r}: want /{error}/, got:\n{out}", m)
