"""kdump on a four-CPU machine: a crash on any CPU reaches the capture
kernel, which starts on the CPU that crashed and runs there alone; every
other CPU is stopped by NMI and leaves its registers in its own NT_PRSTATUS
note, the crashing CPU's first, so real gdb shows each CPU's own chain (the
idle loop, a spinning function, a second panic) and the crashing one by
default; a hard lockup with interrupts off is caught by the buddy watchdog;
two CPUs panicking at once give one capture with both their registers."""

import re
import struct
import subprocess

import pytest
from checks import check
from elftools.elf.elffile import ELFFile
from guest import STAMP
from guest.kdump import capture

PR_PID = 32          # struct elf_prstatus: pr_pid (crash/elfcore.h)


def prstatus_cpus(path):
    """The CPU of each NT_PRSTATUS note, in file order (pr_pid = CPU + 1)."""
    cpus = []
    with open(path, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg.header.p_type != "PT_NOTE":
                continue
            for note in seg.iter_notes():
                if note.n_type == "NT_PRSTATUS":
                    desc = note.n_desc if isinstance(note.n_desc, bytes) else \
                        bytes(note.n_desc, "latin-1")
                    cpus.append(struct.unpack_from("<i", desc, PR_PID)[0] - 1)
    return cpus


def gdb(build, vmcore, *cmds, helpers=False):
    args = ["gdb", "-batch"] + (["-x", str(build.root / "tools/gdb/kernel-gdb.py")] if helpers
                                else [])
    args += [a for c in cmds for a in ("-ex", c)]
    return subprocess.run(args + [str(build.kernel_elf), str(vmcore)], capture_output=True,
                          text=True, timeout=120).stdout


def threads_bt(build, vmcore):
    """{cpu: backtrace text} from gdb's `thread apply all bt` (LWP = CPU + 1)."""
    out = gdb(build, vmcore, "thread apply all bt")
    parts = re.split(r"^Thread \d+ \(LWP (\d+)\):$", out, flags=re.M)
    return {int(lwp) - 1: text for lwp, text in zip(parts[1::2], parts[2::2])}, out


@pytest.fixture
def core(build):
    path = build.dir / "test-vmcore-smp"
    yield path
    path.unlink(missing_ok=True)


def test_crash_on_cpu_3(build, core):
    cap = capture(build, mem="256M", crashkernel="32M", trigger="null", smp=4, on=3,
                  vmcore=core)
    log = cap.log[cap.crash_at:]
    check(re.search(rf"^{STAMP}smp: running alone on CPU 0, APIC id 3 \(not the bootstrap "
                    r"processor\): nr_cpus=1$", log, re.M),
          "the capture kernel should say it runs alone on APIC id 3")
    check(re.search(r"^kdump: CPU\(s\) 0,1,2 stopped by NMI in \d+ us, their registers saved$",
                    log, re.M),
          "the shootdown line is missing")
    check(re.search(rf"^{STAMP}vmcore: capture kernel: 4 CPU notes", log, re.M),
          "the capture kernel should find 4 CPU notes")
    check(prstatus_cpus(core) == [3, 0, 1, 2],
          f"want the notes of CPUs 3 (crashing, first), 0, 1, 2: {prstatus_cpus(core)}")
    bt = gdb(build, core, "bt")
    check(re.search(r"^#0 +crash_null \(\)", bt, re.M), f"gdb's default thread is not crash_null:\n{bt}")
    threads = gdb(build, core, "info threads")
    check(len(re.findall(r"^\*? +\d+ +LWP \d+ ", threads, re.M)) == 4, f"want 4 threads:\n{threads}")
    bts, out = threads_bt(build, core)
    check(sorted(bts) == [0, 1, 2, 3], f"want a backtrace per CPU:\n{out}")
    for cpu in (0, 1, 2):
        check(re.search(r"^#0 .* in default_idle \(\)", bts[cpu], re.M),
              f"CPU {cpu} should be in the idle loop:\n{bts[cpu]}")
    check("cmd_on" in bts[0], f"CPU 0 waited for `on` to finish:\n{bts[0]}")
    check("crash_null" in bts[3] and "cpu_idle_loop" in bts[3],
          f"CPU 3 ran crash null as idle-loop work:\n{bts[3]}")
    kcpus = gdb(build, core, "kcpus", helpers=True)
    rows = re.findall(r"^ +(\d) +(\d) +crashed +\d+  (.*); thread \d+ \(LWP (\d)\)$", kcpus, re.M)
    check([(int(c), int(a), int(lwp)) for c, a, _, lwp in rows] ==
          [(c, c, c + 1) for c in range(4)], f"kcpus should list CPUs 0-3, crashed, LWP = CPU + 1:\n"
          f"{kcpus}")
    check(rows[3][2].startswith("crashed: started the capture kernel"),
          f"kcpus: CPU 3 started the capture kernel:\n{kcpus}")
    text = core.read_bytes()
    check(b"PANIC_CPU=3\n" in text and b"PANIC_CPU_APICID=3\n" in text and
          b"CPUS_ONLINE=0,1,2,3\n" in text, "VMCOREINFO lacks the CPU keys")
    check(b"CPUS_NOT_STOPPED=" not in text.split(b"CPUS_ONLINE")[1][:64],
          "every CPU answered: no CPUS_NOT_STOPPED key")


def test_hard_lockup_on_cpu_2(build, core):
    cap = capture(build, mem="256M", crashkernel="32M", trigger="hardlockup", smp=4, on=2,
                  vmcore=core)
    log = cap.log[cap.crash_at:]
    check(re.search(rf"^{STAMP}NMI backtrace for cpu 2 \(interrupts off\)$", log, re.M),
          "the buddy's NMI should have found CPU 2 with interrupts off")
    check(re.search(rf"^{STAMP}watchdog: Watchdog detected hard LOCKUP on cpu 2 ", log, re.M),
          "no hard lockup report for CPU 2")
    check(re.search(rf"^{STAMP}Kernel panic - not syncing: Hard LOCKUP$", log, re.M),
          "no Hard LOCKUP panic")
    check(cap.seconds("crash", "saved") < 120, "the capture took too long")
    bts, out = threads_bt(build, core)
    check(2 in bts and "crash_hardlockup" in bts[2],
          f"CPU 2's thread should show the spinning function:\n{out}")
    check("hardlockup_check" in bts[prstatus_cpus(core)[0]],
          f"the crashing CPU (the buddy) should show the watchdog's panic:\n{out}")


def test_two_cpus_panic_together(build, core):
    cap = capture(build, mem="256M", crashkernel="32M", trigger="twopanic", smp=4, on=1,
                  vmcore=core)
    log = cap.log[cap.crash_at:]
    check(log.count("purgatory: sha256 ok") == 1, "want exactly one capture")
    check(len(re.findall(r"Kernel panic - not syncing: crash: twopanic on CPU [12]$", log, re.M))
          == 1, "exactly one CPU should report the panic")
    # The loser says it halts unless the winner's NMI reaches it first.
    check(log.count("panic: nested panic or second CPU: halting this CPU") <= 1,
          "the losing CPU says it halts once at most")
    check(sorted(prstatus_cpus(core)) == [0, 1, 2, 3], f"notes: {prstatus_cpus(core)}")
    bts, out = threads_bt(build, core)
    both = [cpu for cpu, text in bts.items() if "crash_twopanic_cpu" in text]
    check(both == [1, 2] or sorted(both) == [1, 2],
          f"CPUs 1 and 2 should both show crash_twopanic_cpu:\n{out}")


def test_capture_kernel_started_off_the_bsp_brings_up_the_others(build, core):
    """A capture kernel asked for 4 CPUs (nr_cpus=4) starts on APIC id 3:
    it brings up APIC ids 1 and 2 with INIT-SIPI-SIPI through the
    trampoline page the first kernel gave it, and never sends INIT to the
    bootstrap processor (APIC id 0, disable_cpu_apicid=0 from kexec -p),
    which would restart it in the firmware; the dump is saved all the same."""
    cap = capture(build, mem="256M", crashkernel="32M", trigger="null", smp=4, on=3,
                  append="vmcore_disk=dump vmcore_autosave=poweroff nr_cpus=4 loglevel=7",
                  vmcore=core)
    log = cap.log[cap.log.index("purgatory: sha256 ok"):]
    cmdline = re.search(r"boot: cmdline '(.*)'", log).group(1).split()
    check("nr_cpus=4" in cmdline and "nr_cpus=1" not in cmdline and
          "disable_cpu_apicid=0" in cmdline,
          f"kexec -p should keep nr_cpus=4 and add disable_cpu_apicid=0: {cmdline}")
    check(re.search(rf"^{STAMP}smpboot: started on APIC id 3, which is not the bootstrap "
                    r"processor \(APIC id 0\): INIT would restart that one in the firmware, so it "
                    r"stays offline", log, re.M), "no line about the BSP left alone")
    check(re.search(rf"^{STAMP}smp: brought up 2 CPU\(s\) in \d+ ms; 3 of 4 online$", log, re.M),
          "the capture kernel should bring up APIC ids 1 and 2")
    check(re.search(rf"^{STAMP}vmcore: saved ", log, re.M), "no vmcore saved")
    check(prstatus_cpus(core)[0] == 3, f"CPU 3's note first: {prstatus_cpus(core)}")
