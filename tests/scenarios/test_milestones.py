"""The README's table of milestone log lines stays true: every line it
lists appears, worded as the table words it, in a real log of this build.
Two QEMU runs print them all: four CPUs with crashkernel= and a dump disk
(kexec -l, `on 2 kexec -e`, a hard lockup and panic=1's reboot, kexec -p,
a crash on CPU 3, the capture kernel's save and its own panic), then one
CPU with 18 extra boot modules and a corrupted kexec segment.  Numbers and
addresses in the table are one run's and may differ (they move with the
build and the machine); every word must match.  Linux's counterpart: none;
its Documentation/ quotes log lines that no test holds to their wording.
"""

import difflib
import re

from checks import check
from guest import build_iso
from guest.kdump import disk_args, new_disk

SECTION = "## Milestone log lines"
# A number as the table writes one: decimal, 0x-hex, a bare hex run with a
# digit (a build id), dotted (0.1.0, 511.4); not part of a word (extra14).
NUMBER = re.compile(r"(?<![0-9A-Za-z_])(?:0x[0-9a-fA-F]+|[0-9a-f]*[0-9][0-9a-f]*(?:\.[0-9]+)*)"
                    r"(?![0-9A-Za-z_])")
ANY_NUMBER = r"[0-9a-fA-Fx.]+"
STAMP = r"(?:\[ *[0-9]+\.[0-9]{6}\] )?"


def cells(row):
    """The cells of a Markdown table row; a | inside backticks or escaped
    as \\| is text, not a cell border."""
    out, cur, code, i = [], "", False, 0
    body = row.strip().strip("|")
    while i < len(body):
        c = body[i]
        if c == "\\" and body[i + 1:i + 2] == "|":
            cur, i = cur + "|", i + 2
            continue
        if c == "`":
            code = not code
        if c == "|" and not code:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    return out + [cur.strip()]


def quoted_lines(cell):
    """The backticked spans of cell outside parentheses: the log lines (a
    parenthesis holds a condition such as (`on 2 kexec -e`) or an aside)."""
    lines, depth, code, cur = [], 0, False, ""
    for c in cell:
        if c == "`":
            if code and depth == 0:
                lines.append(cur)
            code, cur = not code, ""
        elif code:
            cur += c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
    return lines


def milestone_rows(readme_text):
    """[(README line number, milestone, [log lines], [printed-by files])]."""
    rows, inside = [], False
    for n, line in enumerate(readme_text.splitlines(), 1):
        if line.startswith("## "):
            inside = line.strip() == SECTION
            continue
        if not inside or not line.startswith("|"):
            continue
        c = cells(line)
        if len(c) != 3 or c[0] == "milestone" or set(c[0]) <= set("-: "):
            continue
        rows.append((n, c[0], quoted_lines(c[1]), re.findall(r"`([^`]+)`", c[2])))
    return rows


def number_pattern(number):
    """Any number in place of this one; a 0x address keeps its digit count,
    so the capture kernel's 0x1be00210 is not matched by a 0x200210 of the
    first kernel's line worded the same way."""
    if number.startswith("0x"):
        return f"0x[0-9a-f]{{{len(number) - 2}}}"
    return ANY_NUMBER


def line_pattern(doc_line):
    """A regex for a whole log line worded as doc_line: its numbers and
    addresses any number (an 0x address as wide), '...' anything, every
    other character itself."""
    parts = []
    for i, chunk in enumerate(doc_line.split("...")):
        if i:
            parts.append(".*?")
        pos = 0
        for m in NUMBER.finditer(chunk):
            parts += [re.escape(chunk[pos:m.start()]), number_pattern(m.group(0))]
            pos = m.end()
        parts.append(re.escape(chunk[pos:]))
    return re.compile("^" + STAMP + "".join(parts) + "$", re.M)


def missing_lines(rows, log):
    """The documented lines no line of log matches, each with its README
    line number and the log line closest to it."""
    log_lines = [re.sub(r"^" + STAMP, "", x) for x in log.splitlines()]
    out = []
    for n, name, lines, _ in rows:
        for doc in lines:
            if not line_pattern(doc).search(log):
                near = difflib.get_close_matches(doc, log_lines, n=1, cutoff=0.5)
                out.append(f"README.md:{n}: {name}: `{doc}`\n    closest in the log: "
                           f"{near[0] if near else '(nothing close)'}")
    return out


def test_the_table_is_parsed_and_a_reworded_line_is_caught(build):
    rows = milestone_rows((build.root / "README.md").read_text())
    check(len(rows) >= 30, f"only {len(rows)} rows read from README.md's {SECTION!r} table")
    for n, name, lines, files in rows:
        check(lines, f"README.md:{n}: the row {name!r} quotes no log line")
        check(files and all((build.root / f).is_file() for f in files),
              f"README.md:{n}: the row {name!r} names a file that is not there: {files}")
    log = "[    0.000000] heap: ready\nkexec: loaded 'x': 7 segments, entry 0x1be00210\n"
    heap = [(1, "heap", ["heap: ready"], [])]
    check(not missing_lines(heap, log), "'heap: ready' should match its own line")
    check(missing_lines([(1, "heap", ["heap: is ready"], [])], log),
          "a reworded line matched")
    loaded = [(2, "loaded", ["kexec: loaded 'x': 6 segments, entry 0x1a200070"], [])]
    check(not missing_lines(loaded, log), "numbers and addresses should be wildcards")
    check(missing_lines([(2, "loaded", ["kexec: loaded 'x': 6 segments, entry 0x200070"], [])],
                        log), "an address of another width matched")
    check(missing_lines([(2, "loaded", ["kexec: loaded 'x': 6 segment, entry 0x1"], [])], log),
          "a line with a word changed matched")
    check(missing_lines([(1, "ready", ["heap:"], [])], log), "a part of a line matched")


def boot_smp4(build, machine):
    """Generation 1 on four CPUs, kexec to generation 2 from CPU 2, a hard
    lockup there (panic=1 reboots through the firmware), generation 1 again:
    kexec -p, a crash on CPU 3, the capture kernel saves, then panics.  The
    console, then the capture kernel's dmesg (its console shows milestones
    only: kexec -p adds loglevel=6)."""
    disk = new_disk(build.dir, 576 << 20)
    try:
        with machine(mem="512M", cmdline="crashkernel=64M", smp=4, reboot=True,
                     extra_args=disk_args(disk), lifetime=500) as m:
            m.wait_prompt()
            m.run("disk")
            m.run('kexec -l /boot/kernel.elf --append="panic=1" --module=/boot/kernel.elf')
            m.send("on 2 kexec -e\r")
            m.expect(r"boot: generation 2, started by kexec", timeout=120)
            m.wait_prompt()
            m.send("crash hardlockup\r")
            m.expect(r"boot: generation 1, started by 'GRUB", timeout=240)
            m.wait_prompt()
            m.run('kexec -p /boot/kernel.elf --append="vmcore_disk=dump"')
            m.send("on 3 crash null\r")
            m.expect(r"vmcore: capture kernel: ", timeout=240)
            m.wait_prompt(fail_on_panic=False)
            m.run("vmcore save", timeout=240)
            dmesg = m.run("dmesg")
            m.send("crash panic\r")
            m.expect_line(r"kdump: panic in the capture kernel: halting, no second dump")
            m.expect_line(r"---\[ end Kernel panic")
            return m.output + "\n" + dmesg
    finally:
        disk.unlink(missing_ok=True)


def boot_limits_and_bad_digest(build, machine, tmp_path):
    """One CPU, 20 boot modules (the table holds 16), then a kexec -e whose
    segment 0 was corrupted after loading: the purgatory refuses it."""
    mods = []
    for i in range(18):                       # + kernel.elf and mini32.elf = 20
        f = tmp_path / f"extra{i:02d}"
        f.write_bytes(bytes([i]) * (4096 + i))
        mods.append((f, f"extra{i:02d}"))
    with machine(mem="512M", iso=build_iso(build, "", modules=mods)) as m:
        m.wait_prompt()
        m.run("kexec -l /boot/kernel.elf")
        m.run("kexec --corrupt 0 100")
        m.send("kexec -e\r")
        m.expect_line(r"purgatory: error: segment 0 .* sha256 mismatch")
        return m.output


def test_every_milestone_line_appears_in_a_real_boot(build, machine, tmp_path):
    rows = milestone_rows((build.root / "README.md").read_text())
    log = boot_smp4(build, machine) + "\n" + boot_limits_and_bad_digest(build, machine, tmp_path)
    gone = missing_lines(rows, log)
    check(not gone, f"{len(gone)} milestone line(s) of README.md no boot printed so worded "
          "(numbers may differ, words may not):\n" + "\n".join(gone))
