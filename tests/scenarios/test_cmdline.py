"""The kernel command line: quoted values, unknown keys kept, malformed words
reported one by one while the boot goes on, and the last of repeated keys
wins.

The command line reaches the kernel through GRUB, which parses grub.cfg as
a shell would: it removes the quotes, then re-quotes each word that holds
blanks as a whole ("msg=hello world") and writes a literal '"' as \\"
(grub_create_loader_cmdline).  So grub.cfg's  msg="hello world"  arrives as
"msg=hello world", and a stray quote can only arrive as \\" - still an
unterminated quote to our parser, which knows no backslash escapes."""

import re

import pytest
from checks import check
from guest import PROMPT, STAMP

# GRUB script text for grub.cfg, and what GRUB hands to the kernel.
MIXED = """foo=bar msg="hello world" loglevel=7 =bad 'q="unterminated'"""
MIXED_RAW = r'''foo=bar "msg=hello world" loglevel=7 =bad q=\"unterminated'''


@pytest.fixture
def mixed(shared_machine):
    return shared_machine("cmdline-mixed", mem="512M", cmdline=MIXED)


def param_rows(out):
    """{key: [value column, ...]} from the cmdline command's table."""
    rows = {}
    for line in out.split("\n"):
        r = re.match(r"^  (\S+) +(.*?) +(known|unknown)\b", line)
        if r:
            rows.setdefault(r.group(1), []).append(r.group(2))
    return rows


def test_raw_cmdline_logged(mixed):
    m = mixed
    log = m.output[:m.output.find(PROMPT)]
    r = re.search(r"^" + STAMP + r"boot: cmdline '(.*)'$", log, re.M)
    check(r, "no boot: cmdline line", m)
    check(r.group(1) == MIXED_RAW, f"boot: cmdline shows {r.group(1)!r}, GRUB passes {MIXED_RAW!r}", m)


def test_malformed_words_reported(mixed):
    m = mixed
    log = m.output[:m.output.find(PROMPT)]
    errors = re.findall(r"^" + STAMP + r"cmdline: error: (.*)$", log, re.M)
    check(len(errors) == 2, f"want 2 cmdline errors (=bad, the quote), got {errors}", m)
    check("=bad" in errors[0], f"first error should name '=bad': {errors[0]!r}", m)
    check(re.search(r"(?i)quote", errors[1]) and "unterminated" in errors[1],
          f"second error should be the unterminated quote: {errors[1]!r}", m)
    check(re.search(r"\(E_[A-Z0-9]+\)$", errors[0]), f"error without its E_ name: {errors[0]!r}", m)


def test_quoted_value_and_unknown_keys(mixed):
    m = mixed
    out = m.run("cmdline")
    rows = param_rows(out)
    check(rows.get("msg") == ["hello world"],
          f"msg's value should show as hello world, unquoted; cmdline shows {rows.get('msg')}", m)
    check(rows.get("foo") == ["bar"], f"foo=bar should be kept: {rows.get('foo')}", m)
    check(re.search(r"^  foo +bar +unknown", out, re.M), "foo should be marked unknown", m)
    check(rows.get("loglevel") == ["7"], f"loglevel=7 missing: {rows.get('loglevel')}", m)
    check("q" not in rows and "" not in rows, f"malformed words must not become params: {rows}", m)
    check(re.search(r"^3 parameters, 2 malformed words skipped$", out, re.M),
          f"cmdline summary wrong:\n{out}", m)


def test_boot_continues_after_errors(mixed):
    m = mixed
    check(re.search(r"^" + STAMP + r"boot: ready in", m.output, re.M), "boot did not complete", m)
    check(m.run("echo alive").strip() == "alive", "the shell does not answer", m)


def test_last_one_wins(machine):
    # run= is run by the shell before the prompt: only the last one may run.
    # loglevel=1 last hides the info lines from the console (the ring keeps
    # them): had the first loglevel=8 won, they would show.
    text = "x=1 x=2 loglevel=8 loglevel=1 'run=echo first-run' 'run=echo second-run'"
    with machine(mem="512M", cmdline=text) as m:
        m.expect(r"^second-run$", 90)
        m.wait_prompt()
        check(not re.search(r"^first-run$", m.output, re.M), "the first run= ran too", m)
        boot = m.output[:m.output.find("second-run")]
        check(not re.search(r"^" + STAMP + r"e820: \[", boot, re.M),
              "e820 lines shown at loglevel=1 (did the first loglevel=8 win?)", m)
        rows = param_rows(m.run("cmdline"))
        check("x" in rows and rows["x"][-1] == "2", f"x should end as 2: {rows.get('x')}", m)
        check(re.search(r"e820: \[", m.run("dmesg")), "dmesg lost the hidden lines", m)
