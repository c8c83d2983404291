"""The gdb helpers (tools/gdb/kernel-gdb.py) read the kernel's own structures
the same way on a live kernel (gdb on QEMU's stub) and on a vmcore: kdmesg
prints exactly the stamped lines the serial console showed, kmemmap the
e820 lines and the iomem tree the kernel printed, and kexec-ind walks the
IND list to the same entries and counts as `kexec -s -v` in the kernel."""

import re
import subprocess

from checks import check
from guest import STAMP, free_tcp_port, parse_e820_lines

SCRIPT = "tools/gdb/kernel-gdb.py"
FORMATS = "tools/kernel_formats.py"     # the constants and formats gdb and drgn share
LOAD = "kexec -l /boot/kernel.elf --module=/boot/kernel.elf"
# Folders of the repository that hold no kernel source.
NOT_KERNEL = ("tests", "tools", "docs", "iso")
PRINTK_LINE = re.compile(r"^\[\s*\d+\.\d{6}\] .*$", re.M)
R16 = r"\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)"


def kernel_sources(root, pattern):
    """The kernel's files matching pattern (a glob), in whatever folder they
    live: tests find them by name, so moving a file breaks nothing."""
    return sorted(p for d in root.iterdir()
                  if d.is_dir() and d.name not in NOT_KERNEL and not d.name.startswith((".", "build"))
                  for p in d.rglob(pattern))


def run_gdb(build, files, commands, machine=None, before=()):
    """Run the helper commands in gdb -batch on files (kernel.elf, and a
    vmcore) after the commands before; return their outputs, in order."""
    args = ["gdb", "-nx", "-batch", "-ex", "set pagination off", "-x", SCRIPT]
    for c in before:
        args += ["-ex", c]
    for i, c in enumerate(commands):      # "@@@ i" starts command i's output
        args += ["-ex", f"echo @@@ {i}\\n", "-ex", c]
    args += ["-ex", f"echo @@@ {len(commands)}\\n"] + [str(f) for f in files]
    try:
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120, cwd=build.root)
    except subprocess.TimeoutExpired:
        check(False, "gdb did not finish within 120 s", machine)
    check(not re.search(r"Python|Traceback|kdmesg:|kmemmap:|kexec-ind:|Error", r.stderr),
          f"gdb reported errors:\n{r.stderr[-2000:]}", machine)
    parts = re.split(r"^@@@ (.*)\n", r.stdout, flags=re.M)
    check(parts[1::2] == [str(i) for i in range(len(commands) + 1)],
          f"gdb did not run every command:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}", machine)
    return parts[2:-2:2]


def check_same_lines(got, want, what, machine=None):
    """got and want (texts) must hold the same lines; say where they part."""
    g, w = got.strip("\n").split("\n"), want.strip("\n").split("\n")
    for i, (a, b) in enumerate(zip(g, w)):
        check(a.rstrip() == b.rstrip(), f"{what}: line {i} differs:\n  gdb:    {a!r}\n"
              f"  kernel: {b!r}", machine)
    if len(g) != len(w):
        check(False, f"{what}: gdb printed {len(g)} lines, the kernel {len(w)}; "
              f"first extra: {(g[len(w):] or w[len(g):])[0]!r}", machine)


def ind_counts(text):
    m = re.search(r"IND list: head (0x[0-9a-f]+), (\d+) entries: (\d+) destinations, (\d+) "
                  r"pages to copy \((\d+) already in place\), (\d+) indirection pages", text)
    check(m, f"no IND list summary in:\n{text[-1500:]}")
    return m.groups()


def test_script_constants_match_the_headers(build):
    """The helpers repeat a few #defines (DWARF has no macros), once, in
    the module the gdb and drgn helpers share: they must agree with every
    kernel header that defines them."""
    script = (build.root / FORMATS).read_text()
    headers = {h: h.read_text(errors="replace") for h in kernel_sources(build.root, "*.h")}
    for name in ("DIRECT_MAP_BASE", "KERNEL_VIRT_BASE", "PAGE_SIZE", "IND_DESTINATION",
                 "IND_INDIRECTION", "IND_DONE", "IND_SOURCE", "IND_PER_PAGE"):
        got = re.search(rf"^{name} = (\S+)", script, re.M)
        check(got, f"{FORMATS} does not set {name}")
        defs = {build.rel(h): m.group(1) for h, text in headers.items()
                for m in [re.search(rf"^#define {name} (\S+)", text, re.M)] if m}
        check(defs, f"no kernel header defines {name}")
        for where, value in defs.items():
            check(int(value.rstrip("ULul"), 0) == int(got.group(1), 0),
                  f"{name}: {where} says {value}, {FORMATS} {got.group(1)}")


def test_kdmesg_follows_both_kinds_of_wrap(build):
    """The boot log never fills the 128 KiB ring, so the wrap is tested on a
    host program: the kernel's logring.c fills a 2 KiB ring, and at each
    kind of wrap kdmesg must print what logring_read returns."""
    exe = build.dir / "host" / "gdb_ring_fill"
    exe.parent.mkdir(parents=True, exist_ok=True)
    logring = kernel_sources(build.root, "logring.c")
    check(len(logring) == 1, f"want one logring.c in the kernel's folders, found {logring}")
    cc = subprocess.run(["gcc", "-std=gnu11", "-g", "-O1", "-I.", "-o", str(exe),
                         "tests/scenarios/gdb_ring_fill.c", str(logring[0])],
                        cwd=build.root, capture_output=True, text=True, timeout=120)
    check(cc.returncode == 0, f"cannot build the ring filler:\n{cc.stderr}")
    expected = build.dir / "host" / "gdb_ring"
    stop = ['printf "%s\\n", kind', "kdmesg", "continue"]   # at each ring_ready(kind)
    out = run_gdb(build, [exe], stop + stop, before=["break ring_ready", f"run {expected}"])
    kinds = [out[0].strip(), out[3].strip()]
    check(sorted(kinds) == ["marker", "short"], f"the ring filler stopped at {kinds}")
    for kind, dmesg in zip(kinds, (out[1], out[4])):
        want = (expected.parent / f"{expected.name}.{kind}").read_text()
        check(want.count("\n") > 20, f"only {want.count(chr(10))} records in the ring")
        check_same_lines(dmesg, want, f"kdmesg past a wrap ({kind}) vs logring_read")


def test_helpers_on_a_live_kernel(build, machine):
    port = free_tcp_port()
    with machine(mem="512M", extra_args=["-gdb", f"tcp:127.0.0.1:{port}"]) as m:
        m.wait_prompt()
        out = m.run(LOAD, timeout=60)
        check("kexec: loaded '/boot/kernel.elf'" in out, f"kexec -l failed:\n{out}", m)
        shown = m.run("kexec -s -v")
        iomem = m.run("iomem")
        serial = m.output
        # Attaching stops the guest; detaching lets it run on.
        cmds = ["kdmesg", "kmemmap", "kexec-ind -v", "kexec-ind crash", "ksym $pc", "detach"]
        got = dict(zip(cmds, run_gdb(build, [build.kernel_elf], cmds, m,
                                     before=[f"target remote 127.0.0.1:{port}"])))
        check("boot: ready in" in got["kdmesg"], f"no 'boot: ready' in kdmesg:\n{got['kdmesg']}", m)
        check_same_lines(got["kdmesg"], "\n".join(PRINTK_LINE.findall(serial)),
                         "kdmesg vs the serial console", m)
        e820 = parse_e820_lines(got["kmemmap"])
        check(e820 and e820 == parse_e820_lines(serial),
              f"kmemmap's e820 ranges {e820} differ from the boot log's", m)
        check_same_lines(got["kmemmap"].split("iomem:\n", 1)[-1], iomem, "kmemmap vs iomem", m)
        check(ind_counts(got["kexec-ind -v"]) == ind_counts(shown),
              "kexec-ind's IND list counts differ from kexec -s's", m)
        check_same_lines(got["kexec-ind -v"], shown, "kexec-ind -v vs kexec -s -v", m)
        check("no crash image loaded" in got["kexec-ind crash"], got["kexec-ind crash"], m)
        check(re.search(r"^0xffffffff8[0-9a-f]{7} <\w+(\+0x[0-9a-f]+)?> in \.text",
                        got["ksym $pc"], re.M), f"ksym $pc: {got['ksym $pc']!r}", m)
        check("IND list: head" in m.run("kexec -s"), "the guest did not run on after detach", m)


def test_helpers_on_a_vmcore(build, vmcore):
    cmds = ["kdmesg", "kmemmap e820", "kmemmap iomem", "kexec-ind -v", "kexec-ind crash"]
    got = dict(zip(cmds, run_gdb(build, [build.kernel_elf, vmcore.path], cmds)))
    first = vmcore.crashed_log
    dmesg = got["kdmesg"].strip("\n").split("\n")
    panic = next((i for i, l in enumerate(dmesg) if "Kernel panic - not syncing" in l), None)
    check(panic is not None and re.search(r"---\[ end Kernel panic - not syncing: .* \]---",
                                          dmesg[-1]),
          "kdmesg does not end with the panic:\n" + "\n".join(dmesg[-30:]))
    check_same_lines(got["kdmesg"], "\n".join(PRINTK_LINE.findall(first)),
                     "the vmcore's kdmesg vs the crashed kernel's serial console")
    check(parse_e820_lines(got["kmemmap e820"]) == parse_e820_lines(first),
          f"kmemmap's e820 ranges differ from the boot log's:\n{got['kmemmap e820']}")
    window = re.search(rf"crashkernel: reserved {R16}", first).groups()
    check(re.search(rf"^  \[0x{window[0]}, 0x{window[1]}\) \S+ \S+  Crash kernel$",
                    got["kmemmap iomem"], re.M),
          f"no 'Crash kernel' node for {window} in kmemmap iomem:\n{got['kmemmap iomem']}")
    shown = vmcore.outputs["kexec -s -v"]
    check(ind_counts(got["kexec-ind -v"]) == ind_counts(shown),
          "the vmcore's IND list counts differ from kexec -s's")
    check_same_lines(got["kexec-ind -v"], shown, "kexec-ind -v (vmcore) vs kexec -s -v")
    # The crash image: the segments its load logged, and an empty list.
    crash_load = first[first.index("kexec -p "):]
    logged = re.findall(rf"^{STAMP}kexec: segment (\d+) {R16} \S+ \S+ (.*)$", crash_load, re.M)
    table = re.findall(rf"^\s+(\d+) {R16}  \S+ \S+\s+(.*)$", got["kexec-ind crash"], re.M)
    check(logged and table == logged,
          f"kexec-ind crash segments {table} != the kexec -p load's {logged}")
    check("IND list: empty (IND_DONE)" in got["kexec-ind crash"], got["kexec-ind crash"])
