"""A shown session against a fresh run: cram-style line matching, and the
rewrite `make docs` applies.  Doc lines equal run lines (trailing blanks
ignored) but for "..." lines (any number of lines, cram's elision), "..."
inside a line (any text, doctest's ELLIPSIS) and the varying values a
block names (VARY), which compare equal whatever they are.  The rewrite
keeps every line that still matches.  Linux: none; cram is the model.
"""

import difflib
import re
from dataclasses import dataclass

# Values that differ from run to run, by name.  A block lists the names it
# uses (vary=speed,date); "stamp", "build-id", "time" and "vga" apply everywhere.
VARY = {
    "stamp": r"\[\s*\d+\.\d{6}\]",                       # printk: [    0.131028]
    "build-id": r"\b[0-9a-f]{40}\b",                     # the kernel's build id
    "time": r"\b\d+(?:\.\d+)? ?(?:ms|s|us)\b",           # 510 ms, 0.149 s, 17 s
    "speed": r"\b\d+(?:\.\d+)? ?MB/s\b",                 # 920 MB/s
    "date": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC(?: \(\d+ s since 1970\))?|CRASHTIME=\d+",
    # Calibrated against the PIT: the TSC, the local APIC timer's counts.
    "clock": r"TSC \d+\.\d+ MHz|\d+ counts (?:per second|a tick)|tsc_early_khz=\d+"
             r"|initial count \d+, current \d+",
    "tmp": r"/tmp/[\w.-]+",                               # a temporary file's name
    # RCX at a crash from the shell: the VGA text cursor, which moves with
    # the width of every number printed before.
    "vga": r"RCX: [0-9a-f]{16}",
}
ALWAYS = ("stamp", "build-id", "time", "vga")
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
    """The pattern brought in line with actual.  Every shown line is paired
    with a run line in order (equal ones first, then the most alike; a doc
    line like no run line is dropped): a line that still matches keeps the
    doc's text, a changed one takes the run's.  Where the run has lines
    between two shown ones, a trimmed block (one with "..." or shown as an
    excerpt) gets a "..." line there, a whole one gets the lines."""
    shown = [(i, l) for i, l in enumerate(pattern) if l.strip() != ELISION]
    trimmed = lead or trail or len(shown) != len(pattern)
    pairs = _align([l for _, l in shown], actual, names)
    out, prev_doc, prev_run = [], -1, -1
    for (di, line), ri in zip(shown, pairs):
        if ri is None:
            continue                                   # the run no longer prints it
        elided = any(pattern[k].strip() == ELISION for k in range(prev_doc + 1, di))
        gap = actual[prev_run + 1:ri]
        if elided:
            out.extend(pattern[k] for k in range(prev_doc + 1, di)
                       if pattern[k].strip() == ELISION)
        elif gap and prev_run < 0 and lead:
            pass                                       # an excerpt: lines before it are fine
        elif gap and trimmed and prev_run >= 0:
            out.append(_indent(line) + ELISION)
        elif gap:
            out.extend(gap)
        out.append(line if _eq(line, actual[ri], names) else actual[ri])
        prev_doc, prev_run = di, ri
    tail = actual[prev_run + 1:]
    rest = [l for l in pattern[prev_doc + 1:] if l.strip() == ELISION]
    if rest:
        out.extend(rest)
    elif tail and trail:
        pass
    elif tail and trimmed and prev_run >= 0:
        out.append(_indent(out[-1]) + ELISION)
    elif tail:
        out.extend(tail)
    return out


def _indent(line):
    return line[:len(line) - len(line.lstrip())]


def _alike(doc_line, run_line, names):
    """2 for lines that match, their similarity (0.5..1) for alike ones, else None."""
    if _eq(doc_line, run_line, names):
        return 2.0
    a, b = normalise(doc_line, names), normalise(run_line, names)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if sm.real_quick_ratio() < 0.6 or sm.quick_ratio() < 0.6:
        return None
    r = sm.ratio()
    return r if r >= 0.6 else None


def _align(doc, run, names):
    """For each doc line, the index of its run line, or None: the pairing in
    order that maximises the summed likeness (an LCS-style table)."""
    n, m = len(doc), len(run)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]    # 0: skip run line, 1: drop doc line, 2: pair
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best, how = score[i][j - 1], 0
            if score[i - 1][j] > best:
                best, how = score[i - 1][j], 1
            s = _alike(doc[i - 1], run[j - 1], names)
            if s is not None and score[i - 1][j - 1] + s > best:
                best, how = score[i - 1][j - 1] + s, 2
            score[i][j], move[i][j] = best, how
    pairs, i, j = [None] * n, n, m
    while i > 0 and j > 0:
        if move[i][j] == 2:
            pairs[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif move[i][j] == 1:
            i -= 1
        else:
            j -= 1
    return pairs
