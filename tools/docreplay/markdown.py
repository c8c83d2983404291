"""A Markdown document as the replay sees it: its fenced blocks, the marker
comment above each, and the machines it declares; written back with
blocks replaced and every other byte as it was.

Markers are HTML comments, invisible once rendered, on the line above a
fence (docs_replay.py's help lists them).  A fence with a language (```c)
is a source excerpt and needs none; every other block must say what it is.
Linux's counterpart: none (cram's .t files keep commands and output alike).
"""

import re
import shlex
from dataclasses import dataclass, field

MARKER = re.compile(r"^<!--\s*(replay|not replayed|not output)\b:?\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(.*)$")


class DocError(Exception):
    """A document the replay cannot read: the message starts FILE:LINE:."""


@dataclass
class Block:
    """One fenced block: where it is (1-based line of the opening fence),
    its lines, and its marker: kind "replay"/"not replayed"/"not output"/
    "source", what ("console", "shell"), machine, options, reason."""
    path: str
    line: int
    first: int                  # index in Doc.lines of the block's first line
    lines: list
    indent: str = ""
    kind: str = "source"
    what: str = ""
    machine: str = ""
    options: dict = field(default_factory=dict)
    reason: str = ""

    def where(self, index=None):
        """FILE:LINE of the block's index-th line (None: the opening fence)."""
        return f"{self.path}:{self.line + (0 if index is None else index + 1)}"


@dataclass
class Machine:
    """A machine a document declares: name and keyword options (mem=,
    cmdline=, smp=, disk...)."""
    name: str
    line: int
    options: dict


def _options(words, where):
    opts = {}
    for w in words:
        key, eq, value = w.partition("=")
        opts[key] = value if eq else True
    return opts


class Doc:
    """A Markdown file's lines, blocks and machine declarations."""

    def __init__(self, path, text=None):
        self.path = str(path)
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.lines = text.split("\n")
        self.blocks, self.machines = [], {}
        self._parse()

    def _marker(self, i):
        """The marker comment above line i (blank lines skipped), or None."""
        j = i - 1
        while j >= 0 and not self.lines[j].strip():
            j -= 1
        return MARKER.match(self.lines[j].strip()) if j >= 0 else None

    def _parse(self):
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            m = MARKER.match(line.strip())
            if m and m.group(1) == "replay" and m.group(2).startswith("machine "):
                self._declare(m.group(2), i + 1)
            f = FENCE.match(line)
            if not f:
                i += 1
                continue
            end = i + 1
            while end < len(self.lines) and not self.lines[end].startswith(f.group(1) + "```"):
                end += 1
            if end == len(self.lines):
                raise DocError(f"{self.path}:{i + 1}: a ``` block that never ends")
            indent = f.group(1)
            body = [l[len(indent):] if l.startswith(indent) else l
                    for l in self.lines[i + 1:end]]
            b = Block(self.path, i + 1, i + 1, body, indent)
            if not f.group(2).strip():
                self._mark(b, self._marker(i))
            self.blocks.append(b)
            i = end + 1

    def _declare(self, text, line):
        try:
            words = shlex.split(text)
        except ValueError as e:
            raise DocError(f"{self.path}:{line}: {e}")
        if len(words) < 2:
            raise DocError(f"{self.path}:{line}: 'replay machine NAME [key=value...]'")
        self.machines[words[1]] = Machine(words[1], line, _options(words[2:], line))

    def _mark(self, b, m):
        if m is None:
            raise DocError(f"{b.where()}: a block with no marker: put <!-- replay ... -->, "
                           "<!-- not replayed: WHY --> or <!-- not output: WHAT --> above it")
        b.kind = m.group(1)
        if b.kind != "replay":
            b.reason = m.group(2)
            if not b.reason:
                raise DocError(f"{b.where()}: <!-- {b.kind}: ... --> needs a reason")
            return
        try:
            words = shlex.split(m.group(2))
        except ValueError as e:
            raise DocError(f"{b.where()}: {e}")
        if not words or words[0] not in ("console", "shell"):
            raise DocError(f"{b.where()}: 'replay console MACHINE ...' or 'replay shell ...'")
        b.what = words[0]
        if b.what == "console":
            if len(words) < 2 or words[1] not in self.machines:
                raise DocError(f"{b.where()}: 'replay console MACHINE': no machine "
                               f"{words[1] if len(words) > 1 else ''!r} declared above")
            b.machine, words = words[1], words[2:]
        else:
            words = words[1:]
        b.options = _options(words, b.where())

    def replayed(self):
        return [b for b in self.blocks if b.kind == "replay"]

    def replace(self, block, new_lines):
        """Give block new lines (applied by text())."""
        block.new_lines = new_lines

    def text(self):
        """The document with every replaced block's new lines."""
        out, i = [], 0
        for b in sorted(self.blocks, key=lambda b: b.first):
            new = getattr(b, "new_lines", None)
            if new is None:
                continue
            out.extend(self.lines[i:b.first])
            out.extend((b.indent + l) if l else l for l in new)
            i = b.first + len(b.lines)
        out.extend(self.lines[i:])
        return "\n".join(out)
