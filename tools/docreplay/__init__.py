"""Docs that stay true: every session a document shows is replayed against
the current build and compared line by line (`make test`), or rewritten
from the fresh run (`make docs`).  tools/README.md ("docs_replay.py")
describes the markers; compare.py the matching, markdown.py the documents,
session.py the runs.  Linux's counterpart: none; cram and doctest are the
models.
"""

import time
from dataclasses import dataclass, field

from .compare import check, rewrite, vary_names
from .markdown import Doc, DocError
from .session import ReplayError, Session

__all__ = ["Doc", "DocError", "ReplayError", "Session", "Result", "replay"]


@dataclass
class Result:
    """One document's replay: the failures (messages naming FILE:LINE),
    blocks replayed / not replayed / not output, seconds, and whether the
    file was rewritten."""
    path: str
    failures: list = field(default_factory=list)
    replayed: int = 0
    not_replayed: list = field(default_factory=list)
    not_output: int = 0
    seconds: float = 0.0
    rewritten: int = 0


def _failure(block, mm):
    where = block.where(mm.index)
    got = "(nothing)" if mm.got is None else mm.got
    return (f"{where}: the doc no longer matches the run ({mm.why})\n"
            f"    doc: {mm.want}\n    run: {got}")


def _one(session, doc, b, res, write, run):
    """Replay block b with run() (its actual lines, lead, trail); note a
    failure in res, or the rewritten lines in doc when write."""
    try:
        names = vary_names([n for n in str(b.options.get("vary", "")).split(",") if n])
        actual, lead, trail = run()
    except (ReplayError, ValueError) as e:
        res.failures.append(f"{b.where()}: {e}" if isinstance(e, ValueError) else str(e))
        return
    res.replayed += 1
    excerpt = "excerpt" in b.options
    lead, trail = lead or excerpt, trail or excerpt
    mm = check(b.lines, actual, names, lead, trail)
    if mm is None:
        return
    if write:
        doc.replace(b, rewrite(b.lines, actual, names, lead, trail))
        res.rewritten += 1
    else:
        res.failures.append(_failure(b, mm))


def replay(session, path, write=False, progress=None):
    """Replay every marked block of the document at path in order on
    session; return a Result.  write: rewrite the blocks that differ from
    the run (the file is written once, at the end).  progress(block) is
    called before each replayed block.  Blocks marked "later" (lines
    shown before the command that prints them) are checked at the end,
    against all their machine printed."""
    t0 = time.monotonic()
    doc = Doc(path)
    res = Result(str(path))
    later = []
    try:
        for b in doc.blocks:
            if b.kind == "not replayed":
                res.not_replayed.append((b.where(), b.reason))
            elif b.kind == "not output":
                res.not_output += 1
            if b.kind != "replay":
                continue
            if "later" in b.options:
                later.append(b)
                continue
            if progress:
                progress(b)
            _one(session, doc, b, res, write, lambda: session.run(doc, b))
        for b in later:
            if progress:
                progress(b)
            _one(session, doc, b, res, write, (lambda: session.run(doc, b))
                 if b.what == "shell" else (lambda: session.everything(b)))
    finally:
        session.end_document()
    if write and res.rewritten:
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc.text())
    res.seconds = time.monotonic() - t0
    return res
