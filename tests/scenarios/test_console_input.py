"""Console input as a paste delivers it: 300 mixed commands in one burst
run exactly as typed, each output compared with the same command typed
alone; lines of 4 KiB run, a 5 KiB line is refused whole (never cut short
and run); UTF-8 passes through to the screen and into the argument."""

import re

import pytest
from checks import check
from guest import PROMPT

# Commands whose output does not change between two runs; each is run alone
# first, and its output in the burst must be the same.
REFERENCE = ["sym kmain", "sym shell_run", "dmesg -l err", "version", "cmdline",
             "help echo", "crashkernel", "history -c"]


@pytest.fixture
def console(shared_machine):
    return shared_machine("console", mem="256M", cmdline="loglevel=7 paste=test")


def burst_commands(n=300):
    """n commands: mostly echo lines of different lengths and characters,
    one of the REFERENCE commands every seventh."""
    cmds = []
    for i in range(n):
        if i % 7 == 3:
            cmds.append(REFERENCE[(i // 7) % len(REFERENCE)])
        else:
            cmds.append(f"echo paste {i:03d} " + "abcdefghij-=+,.:/"[: 5 + i % 12] * (1 + i % 5))
    return cmds


def expected_output(cmd, reference):
    if cmd.startswith("echo "):
        return " ".join(cmd.split()[1:]) + "\n"
    return reference[cmd]


def test_300_pasted_commands_run_exactly_as_typed(console):
    m = console
    m.run("history -c")
    reference = {cmd: m.run(cmd) for cmd in REFERENCE}
    check(reference["sym kmain"].startswith("kmain: 0x"), f"sym kmain: {reference!r}", m)
    cmds = burst_commands()
    start = m.pos
    m.send("".join(c + "\r" for c in cmds))                   # one write: a paste
    m.expect(re.escape("paste 299 "), timeout=120)
    m.wait_prompt(timeout=60)
    pieces = m.output[start:m.pos].split(PROMPT)
    # The prompt before the first command was already read: pieces[0] is
    # the first command's line and output; the last piece is empty.
    ran = pieces[:len(cmds)]
    check(len(ran) == len(cmds), f"{len(cmds)} commands pasted, {len(ran)} prompts came back", m)
    for i, (cmd, piece) in enumerate(zip(cmds, ran)):
        line, _, out = piece.partition("\n")
        check(line == cmd, f"command {i} ran as {line!r}, typed {cmd!r}", m)
        check(out == expected_output(cmd, reference),
              f"command {i} {cmd!r}: output {out!r}, alone it gave "
              f"{expected_output(cmd, reference)!r}", m)


def test_a_4k_line_runs_and_a_5k_line_is_refused_whole(console):
    m = console
    word = "y" * (4095 - len("echo "))                         # LINEEDIT_MAX bytes in all
    out = m.run("echo " + word, timeout=60)
    check(out == word + "\n", f"a 4095-byte line: echo gave {len(out)} bytes", m)
    out = m.run("echo " + "z" * 5120, timeout=60)
    check(out == "shell: error: line longer than 4095 bytes: refused, nothing run (E_2BIG)\n",
          f"a 5 KiB line: expected the refusal, got {out[:200]!r}", m)
    check(m.run("echo after").strip() == "after", "the shell did not recover", m)
    check("zzzz" not in m.run("history"), "the refused line went into the history", m)


def test_a_cut_kexec_line_never_runs(console):
    # The case: a long kexec line cut at 255 bytes loaded the image
    # with panic=3 instead of panic=30.  Now it runs whole or not at all.
    m = console
    pad = "x" * 300
    out = m.run(f'kexec -l /boot/mini32.elf --append="pad={pad} panic=30"', timeout=60)
    check("loaded" in out, f"kexec -l with a 350-byte line: {out!r}", m)
    shown = m.run("kexec -s")
    check(re.search(rf"cmdline 'pad={pad} panic=30'", shown),
          f"the loaded image's command line is not the typed one: {shown[:600]!r}", m)
    out = m.run(f'kexec -l /boot/mini32.elf --append="pad={"x" * 5000} panic=30"', timeout=60)
    check("refused, nothing run" in out and "loaded" not in out,
          f"a 5 KiB kexec line was not refused whole: {out[:300]!r}", m)
    m.run("kexec -u")


def test_utf8_passes_through(console):
    m = console
    out = m.run("echo café naïve €5 😀")
    check(out == "café naïve €5 😀\n", f"echo of UTF-8 gave {out!r}", m)
    # Left arrow twice moves over two characters (😀 and the blank), not bytes.
    start = m.pos
    m.send("echo ab€c" + "\x1b[D\x1b[D" + "X" + "\r")
    m.expect(r"\n")
    out_start = m.pos
    p = m.wait_prompt()
    check(m.output[out_start:p.start()] == "abX€c\n",
          f"editing around a multibyte character: {m.output[start:p.start()]!r}", m)


def test_a_paste_larger_than_the_ring_loses_nothing(console):
    # 48 KiB, three times the serial ring: the UART holds the rest while
    # the ring is full (the receive interrupt is off), nothing is dropped.
    m = console
    cmds = [f"echo big {i:04d} " + chr(ord("a") + i % 26) * 100 for i in range(400)]
    start = m.pos
    m.send("".join(c + "\r" for c in cmds))
    m.expect(re.escape("big 0399 "), timeout=180)
    m.wait_prompt(timeout=60)
    ran = m.output[start:m.pos].split(PROMPT)[:len(cmds)]
    bad = [(c, r) for c, r in zip(cmds, ran) if r != f"{c}\n{c[5:]}\n"]
    check(len(ran) == len(cmds) and not bad,
          f"{len(cmds)} lines pasted, {len(ran)} ran, {len(bad)} differ; first: {bad[:1]!r}", m)
