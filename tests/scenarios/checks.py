"""The checks scenarios share: a condition that fails with the serial tail,
and milestone lines in order.  (Not a test file: pytest collects test_*.py.)"""

import re

from guest import STAMP


def check(cond, what, machine=None):
    """Fail the test with what (and the last serial lines of machine) unless cond."""
    if not cond:
        if machine is not None:
            machine.fail(what)
        raise AssertionError(what)


def find_in_order(text, patterns, machine=None):
    """Each pattern must match a line of text (printk stamps allowed), each
    after the previous one.  Returns the matches."""
    pos, found = 0, []
    for p in patterns:
        m = re.compile(r"^" + STAMP + p, re.M).search(text, pos)
        if not m:
            later = re.compile(r"^" + STAMP + p, re.M).search(text)
            why = "appears before the previous milestone" if later else "is missing"
            check(False, f"log line /{p}/ {why}", machine)
        found.append(m)
        pos = m.end()
    return found
