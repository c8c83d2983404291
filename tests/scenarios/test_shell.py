"""The shell over the serial port, beyond plain editing (test_shell_editing):
Home/Delete on a recalled line, Tab listing several names, CR LF counted
once, Ctrl-C, quoting, the error conventions (usage line, "<cmd>: error:",
unknown command, unterminated quote), help, history, version, dmesg -l/-n,
and the cmdline command's verbose table."""

import re

import pytest
from checks import check
from guest import PROMPT, STAMP

UP, HOME, DELETE = "\x1b[A", "\x1b[H", "\x1b[3~"
# A malformed word and a rejected value give dmesg -l err something to show.
CMDLINE = "loglevel=7 =bad quiet=1 foo=bar"


@pytest.fixture
def shell(shared_machine):
    return shared_machine("shell", mem="512M", cmdline=CMDLINE)


def lines(out):
    return [l.rstrip() for l in out.strip("\n").split("\n")]


def test_home_and_delete_edit_a_recalled_line(shell):
    m = shell
    check(m.run("echo hello").strip() == "hello", "plain echo failed", m)
    out = m.run(UP + HOME + DELETE * 5 + "x")
    check(out.strip() == "shell: unknown command 'xhello' (try 'help')",
          f"Up, Home, 5 x Delete, 'x' should give 'xhello hello', got {out!r}", m)


def test_tab_lists_several_names(shell):
    m = shell
    start = m.pos
    m.send("h\t")
    m.expect(r"^help +history *\n" + re.escape(PROMPT) + "h$")
    m.run("\x15")                                   # ^U, Enter: back to a clean prompt
    check("\a" not in m.output[start:], "Tab with candidates should not ring the bell", m)


def test_cr_lf_is_one_enter(shell):
    m = shell
    m.send("echo once\r\n")
    m.expect(r"^once$")
    m.wait_prompt()
    m.expect_not(re.escape(PROMPT), wait=1.0, start=m.pos)


def test_ctrl_c_cancels_the_line(shell):
    m = shell
    m.send("poweroff\x03")
    m.expect(r"poweroff\^C\n" + re.escape(PROMPT))
    check(m.run("echo alive").strip() == "alive", "shell gone after ^C", m)
    check("poweroff" not in m.run("history"), "a cancelled line went into the history", m)


def test_quotes_group_words(shell):
    m = shell
    out = m.run(r'echo "a  b"   c "q\"x" "" end')
    check(out.strip("\n") == 'a  b c q"x  end', f"quoting: echo printed {out!r}", m)


def test_error_conventions(shell):
    m = shell
    out = m.run('echo "unterminated')
    check(out.strip() == "shell: error: unterminated quote (E_INVAL)", f"got {out!r}", m)
    out = m.run("help a b")
    check(out.strip() == "help: usage: help [CMD]", f"bad arguments: {out!r}", m)
    out = m.run("help nosuch")
    check(out.strip() == "help: error: no command 'nosuch' (E_NOENT)",
          f"help of an unknown command: {out!r}", m)
    out = m.run("help history")
    check(lines(out) == ["usage: history", "  the lines typed so far (Up/Down recall them)"],
          f"help CMD: {out!r}", m)


def test_help_is_sorted_with_usage(shell):
    m = shell
    out = m.run("help")
    names = re.findall(r"^  (\S+)", out, re.M)
    check(names == sorted(names), f"help is not sorted: {names}", m)
    check(re.search(r"^  dmesg \[-l LEVEL \| -n LEVEL\] +the kernel log", out, re.M),
          f"help lacks dmesg's usage:\n{out}", m)


def test_history_numbers_lines(shell):
    m = shell
    m.run("echo one")
    out = m.run("history")
    rows = re.findall(r"^ *(\d+)  (.*)$", out, re.M)
    check(rows and rows[-1][1] == "history" and rows[-2][1] == "echo one",
          f"history should end with 'echo one', 'history': {rows}", m)
    check([int(n) for n, _ in rows] == list(range(1, len(rows) + 1)), f"numbering: {rows}", m)


def test_version_matches_the_banner(shell):
    m = shell
    banner = re.search(r"^" + STAMP + r"(kexec-kernel \S+ \(build id [0-9a-f]{40}\))$",
                       m.output, re.M)
    check(banner, "no banner line", m)
    out = m.run("version")
    check(lines(out)[0] == banner.group(1), f"version {lines(out)[0]!r} != banner", m)


def test_dmesg_level_filter_and_console_level(shell):
    m = shell
    out = m.run("dmesg -l err")
    check(re.search(r"^" + STAMP + r"cmdline: error: empty key in '=bad' \(E_INVAL\)$", out, re.M)
          and "boot: ready" not in out, f"dmesg -l err should show only errors:\n{out}", m)
    check("boot: ready" in m.run("dmesg"), "plain dmesg lacks boot: ready", m)
    out = m.run("dmesg -n 0")
    check(out.strip() == "dmesg: error: console level '0' is not 1-8 (E_INVAL)", f"got {out!r}", m)
    out = m.run("dmesg -l nonsense")
    check("dmesg: error: level 'nonsense'" in out, f"got {out!r}", m)
    check(m.run("dmesg -n 8").strip() == "dmesg: console shows messages with level < 8",
          "dmesg -n 8", m)


def test_cmdline_verbose_table(shell):
    m = shell
    out = m.run("cmdline -v")
    check(re.search(r"^  quiet +1 +rejected +ignored: the form is quiet$", out, re.M),
          f"quiet=1 should show as rejected:\n{out}", m)
    check(re.search(r"^  foo +bar +unknown +not used by this kernel \(kept\)$", out, re.M),
          f"foo=bar should be unknown, kept:\n{out}", m)
    check(re.search(r"^  loglevel +7 +known +console shows", out, re.M), f"loglevel row:\n{out}", m)
    check(re.search(r"^first error: empty key in '=bad'", out, re.M), f"first error:\n{out}", m)
    check(re.search(r"^  panic=SECONDS +after a panic", out, re.M), f"known keys list:\n{out}", m)
    out = m.run("cmdline -x")
    check(out.strip() == "cmdline: usage: cmdline [-v]", f"cmdline -x: {out!r}", m)
