"""The kernel's serial console as text: what its lines look like, and the
Transcript a Machine keeps of everything the guest printed.

The output holds printk stamps, CR LF line ends and the line editor's ANSI
escapes; the Transcript writes it unchanged to a file for the logs and keeps
a cleaned copy that checks search with plain regular expressions.  Linux's
counterpart: the console log kselftest and kvm-unit-tests match.
"""

import re

PROMPT = "kernel> "
# printk puts "[    1.234567] " before each console line.
STAMP = r"(?:\[\s*\d+\.\d+\] )?"
# A half-open physical range as the kernel prints it, both ends captured.
RANGE = r"\[0x([0-9a-f]{16}), 0x([0-9a-f]{16})\)"

# ANSI escape sequences: CSI ... final, OSC ... BEL/ST, two-byte ESC x.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                   r"|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>78]")
# An escape sequence cut at the end of what has arrived so far.
_ANSI_TAIL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()])?$")

# e820 type numbers and the names Linux (and our kernel) print for them.
E820_NAMES = {1: "usable", 2: "reserved", 3: "ACPI data", 4: "ACPI NVS", 5: "unusable"}


def clean(text):
    """text without ANSI escapes and carriage returns."""
    return _ANSI.sub("", text).replace("\r", "")


def strip_stamp(line):
    """A console line without its printk timestamp."""
    return re.sub(r"^" + STAMP, "", line)


class Transcript:
    """Everything a guest printed.  write() takes the decoded chunks pexpect
    reads; `raw_path` receives them unchanged, `text` grows by their cleaned
    form.  An escape sequence split across two chunks is held back until it
    is complete, so `text` never shows half of one."""

    def __init__(self, raw_path):
        self.raw_path = raw_path
        self._raw = open(raw_path, "w", encoding="utf-8", newline="")
        self._pending = ""
        self.text = ""

    def write(self, chunk):
        if not self._raw.closed:
            self._raw.write(chunk)
        s = self._pending + chunk
        tail = _ANSI_TAIL.search(s)
        cut = tail.start() if tail else len(s)
        self._pending = s[cut:]
        self.text += clean(s[:cut])

    def flush(self):
        if not self._raw.closed:
            self._raw.flush()

    def close(self):
        self._raw.close()


def e820_type_number(name):
    """The e820 type number of a name the kernel prints ("usable", "type 12")."""
    for num, n in E820_NAMES.items():
        if n == name:
            return num
    m = re.fullmatch(r"type (\d+)", name)
    if not m:
        raise ValueError(f"unknown e820 type name {name!r}")
    return int(m.group(1))


def parse_e820_lines(text):
    """(start, end, type) of every "e820: [a, b) name (size)" line of text."""
    rx = re.compile(r"^" + STAMP + r"e820: " + RANGE + r" (.+?) \([^()]+\)$", re.M)
    return [(int(m.group(1), 16), int(m.group(2), 16), e820_type_number(m.group(3)))
            for m in rx.finditer(text)]


_FW_HEAD = re.compile(r"e820 map has (\d+) items:$")
_FW_ITEM = re.compile(r"\s*(\d+): ([0-9a-f]{16}) - ([0-9a-f]{16}) = (\d+)")


def firmware_e820_block(text):
    """The lines of the last "e820 map has N items:" block SeaBIOS printed on
    its debug console (port 0x402): the head line and its N entries.
    Raises ValueError when there is no complete block."""
    lines = text.splitlines()
    heads = [i for i, l in enumerate(lines) if _FW_HEAD.match(l)]
    if not heads:
        raise ValueError("no 'e820 map has N items:' block in the SeaBIOS debug log")
    first = heads[-1]
    count = int(_FW_HEAD.match(lines[first]).group(1))
    block = lines[first:first + 1 + count]
    for i, line in enumerate(block[1:]):
        m = _FW_ITEM.match(line)
        if not m or int(m.group(1)) != i:
            raise ValueError(f"SeaBIOS e820 block announces {count} items; "
                             f"entry {i} is {line!r}")
    if len(block) != count + 1:
        raise ValueError(f"SeaBIOS e820 block announces {count} items, the log has {len(block) - 1}")
    return block


def parse_firmware_e820(text):
    """SeaBIOS's own e820 map as a list of (start, end, type)."""
    return [(int(m.group(2), 16), int(m.group(3), 16), int(m.group(4)))
            for m in (_FW_ITEM.match(l) for l in firmware_e820_block(text)[1:])]
