"""Line editing over the serial port, as a terminal sends it: cursor keys
(ESC [ D), insertion in the middle, backspace, Ctrl-U, history recall with
Up, Tab completion, and escape sequences the editor does not know, which
must be swallowed, not typed.  echo shows what the shell really got."""

import re

import pytest
from checks import check

LEFT, UP = "\x1b[D", "\x1b[A"


@pytest.fixture
def shell(shared_machine):
    return shared_machine("editing", mem="512M")


def typed(m, keys, timeout=30):
    """Send keys then Enter; return the command's output (run() with raw keys)."""
    return m.run(keys, timeout)


def test_insert_in_the_middle(shell):
    m = shell
    out = typed(m, "echo helo" + LEFT + "l")
    check(out.strip() == "hello", f"'helo' Left 'l' should give hello, echo printed {out!r}", m)
    # "wrold": back to before "old", erase "r", step over "o", insert "r".
    out = typed(m, "echo wrold" + LEFT * 3 + "\x7f" + "\x1b[C" + "r")
    check(out.strip() == "world", f"backspace and Right in the middle: echo printed {out!r}", m)


def test_backspace(shell):
    m = shell
    out = typed(m, "echo abXY\x7f\x08")
    check(out.strip() == "ab", f"DEL and BS should erase: echo printed {out!r}", m)


def test_ctrl_u_clears_line(shell):
    m = shell
    out = typed(m, "this is garbage\x15echo clean")
    check(out.strip() == "clean", f"Ctrl-U should clear the line: {out!r}", m)


def test_up_recalls_previous(shell):
    m = shell
    check(typed(m, "echo recall-me").strip() == "recall-me", "plain echo failed", m)
    out = typed(m, UP)
    check(out.strip() == "recall-me", f"Up + Enter should rerun 'echo recall-me', got {out!r}", m)
    hist = m.run("history")
    check(re.search(r"^\s*\d+\s+echo recall-me$", hist, re.M), f"history lacks the line:\n{hist}", m)


def test_tab_completes_command(shell):
    m = shell
    out = typed(m, "memt\t", timeout=120)
    check(re.search(r"^memtest: ok: ", out, re.M), f"'memt' Tab should run memtest, got {out!r}", m)


def test_unknown_escapes_ignored(shell):
    m = shell
    # F1 (ESC O P), F5 (ESC [ 15 ~), an unassigned CSI, Ctrl-Right (ESC [ 1 ; 5 C
    # may move by word: sent at the end of the line, where that is harmless).
    out = typed(m, "echo a" + "\x1bOP" + "\x1b[15~" + "\x1b[99~" + "b" + "\x1b[1;5C")
    check(out.strip() == "ab", f"unknown escape sequences inserted text: echo printed {out!r}", m)
    check(m.run("echo ok").strip() == "ok", "the shell is confused after unknown escapes", m)
