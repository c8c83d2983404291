"""A shown session against a fresh run: cram-style line matching, and the
rewrite that `make docs` applies.

The doc's lines must equal the run's lines (trailing blanks ignored),
except that a line "..." (any indentation) stands for any number of lines,
"..." inside a line for any text (doctest's ELLIPSIS), and that the varying values a
block names (VARY: printk stamps, build ids, times...) compare equal
whatever they are.  The same alignment rewrites a block: lines that still
match keep the doc's text (its varying values too), the others take the
run's.  Linux's counterpart: none; cram (bitheap.org/cram) is the model.
"""

import difflib
import re
from dataclasses import dataclass

# Values that differ from run to run, by name.  A block lists the names it
# uses (vary=stamp,time); "stamp" and "build-id" apply everywhere.
VARY = {
    "stamp": r"\[\s*\d+\.\d{6}\]",                       # printk: [    0.131028]
    "build-id": r"\b[0-9a-f]{40}\b",                     # the kernel's build id
    "time": r"\b\d+(?:\.\d+)? ?(?:ms|s|us)\b",           # 510 ms, 0.149 s, 17 s
    "speed": r"\b\d+(?:\.\d+)? ?MB/s\b",                 # 920 MB/s
    "date": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s since 1970\)|CRASHTIME=\d+",
    "clock": r"TSC \d+\.\d+ MHz|\d+ counts per second|tsc_early_khz=\d+",  # calibrated
    "tmp": r"/tmp/[\w.-]+",                               # a temporary file's name
}
ALWAYS = ("stamp", "build-id")
ELISION = "..."
ELLIPSIS_IN_LINE = "..."


def vary_names(names):
    """The checked list of variation names a block asks for, ALWAYS first."""
    bad = [n for n in names if n not in VARY]
    if bad:
        raise ValueError(f"unknown varying value {bad[0]!r} (known: {', '.join(VARY)})")
    return list(ALWAYS) + [n for n in names if n not in ALWAYS]


def normalise(line, names):
    """line without trailing blanks, each named varying value replaced by <name>."""
    line = line.rstrip()
    for n in names:
        line = re.sub(VARY[n], f"<{n}>", line)
    return line


@dataclass
class Mismatch:
    """The first doc line (index in the block) that the run contradicts,
    the run's line there (None: the run has no line there) and why."""
    index: int
    want: str
    got: str
    why: str


def _segments(pattern, lead, trail):
    """Split pattern lines at "..." lines: [(start index, lines)], and
    whether the match may skip lines before the first and after the last."""
    segs, cur, start = [], [], 0
    for i, line in enumerate(pattern):
        if line.strip() == ELISION:
            if not segs and not cur:
                lead = True
            if cur:
                segs.append((start, cur))
            cur, start = [], i + 1
        else:
            if not cur:
                start = i
            cur.append(line)
    if cur:
        segs.append((start, cur))
    if pattern and pattern[-1].strip() == ELISION:
        trail = True
    return segs, lead, trail


def _eq(doc_line, run_line, names):
    """The run's line shows what the doc's does.  A "..." inside a doc line
    stands for any text, as doctest's ELLIPSIS (a line cut short)."""
    want, got = normalise(doc_line, names), normalise(run_line, names)
    if want == got:
        return True
    if ELLIPSIS_IN_LINE not in want or want.strip() == ELISION:
        return False
    rx = ".*".join(re.escape(part) for part in want.split(ELLIPSIS_IN_LINE))
    return re.fullmatch(rx, got) is not None


def _score(seg, actual, j, names):
    """How many of seg's lines equal actual's from j, and how alike the rest are."""
    exact, alike = 0, 0.0
    for k, line in enumerate(seg):
        if j + k >= len(actual):
            break
        if _eq(line, actual[j + k], names):
            exact += 1
        else:
            alike += difflib.SequenceMatcher(None, normalise(line, names),
                                             normalise(actual[j + k], names)).ratio()
    return exact, alike


def _windows(segs, actual, lead, trail, names):
    """For each segment, the start in actual where it matches best, in order:
    (starts, all exact).  Greedy, earliest exact match first (as a glob)."""
    starts, ok, cur = [], True, 0
    for n, (_, seg) in enumerate(segs):
        first, last = n == 0, n == len(segs) - 1
        if first and not lead:
            cands = [0]
        elif last and not trail:
            cands = [max(cur, len(actual) - len(seg))]
        else:
            cands = range(cur, max(cur, len(actual) - len(seg)) + 1)
        best, best_j = None, cands[0] if cands else cur
        for j in cands:
            exact, alike = _score(seg, actual, j, names)
            if exact == len(seg) and j + len(seg) <= len(actual):
                best, best_j = (exact, 0), j
                break
            # Most equal lines first, the earliest such place; only where no
            # line is equal, the most alike (a block whose every line changed).
            s = (exact, alike if exact == 0 else -(j - cur))
            if best is None or s > best:
                best, best_j = s, j
        if best is None or best[0] != len(seg) or best_j + len(seg) > len(actual):
            ok = False
        if first and last and not lead and not trail and len(actual) != len(seg):
            ok = False
        starts.append(best_j)
        cur = best_j + len(seg)
    return starts, ok


def check(pattern, actual, names, lead=False, trail=False):
    """None if actual (the run's lines) shows what pattern (the doc's
    lines) shows, else the first Mismatch.  lead/trail: the doc shows an
    excerpt, lines may come before/after it."""
    segs, lead, trail = _segments(pattern, lead, trail)
    if not segs:
        return None
    starts, ok = _windows(segs, actual, lead, trail, names)
    if ok:
        return None
    for (p0, seg), j in zip(segs, starts):
        for k, line in enumerate(seg):
            got = actual[j + k] if j + k < len(actual) else None
            if got is None or not _eq(line, got, names):
                why = "the run has no line here" if got is None else "differs"
                return Mismatch(p0 + k, line, got, why)
    # Every segment matched but the block has lines the doc does not show.
    p0, seg = segs[-1]
    extra = actual[starts[-1] + len(seg)] if starts[-1] + len(seg) < len(actual) else None
    return Mismatch(p0 + len(seg) - 1, seg[-1], extra,
                    "the run prints more lines after this one (add them or a '...' line)")


def rewrite(pattern, actual, names, lead=False, trail=False):
    """The pattern brought in line with actual: "..." lines stay, every
    shown line that still matches keeps the doc's text, the others (and
    lines the run added inside an exact segment) take the run's text."""
    segs, lead, trail = _segments(pattern, lead, trail)
    if not segs:
        return list(pattern)
    whole = len(segs) == 1 and not lead and not trail
    starts, _ = _windows(segs, actual, lead, trail, names)
    out, done = [], 0
    for (p0, seg), j in zip(segs, starts):
        out.extend(pattern[done:p0])                    # the "..." lines before it
        run = actual if whole else actual[j:j + len(seg)]
        out.extend(_merge(seg, run, names))
        done = p0 + len(seg)
    out.extend(pattern[done:])
    return out


def _merge(doc, run, names):
    """run's lines, but where a doc line equals one (after normalising) the
    doc's version of it: the diff a reviewer sees is only what changed."""
    sm = difflib.SequenceMatcher(None, [normalise(l, names) for l in doc],
                                 [normalise(l, names) for l in run], autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            # Line for line: a doc line cut short with "..." that still
            # matches stays as the doc wrote it.
            out.extend(d if _eq(d, r, names) else r for d, r in zip(doc[i1:i2], run[j1:j2]))
        else:
            out.extend(doc[i1:i2] if tag == "equal" else run[j1:j2])
    return out
