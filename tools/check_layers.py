#!/usr/bin/python3
"""Check the kernel's layering: no #include (or NASM %include) points up,
and the include graph has no cycle.  The Makefile runs it before linking,
so an upward include fails `make` and `make test`.

The order, low to high (the top README states it; each folder README says
what its layer holds):

    lib -> boot -> mm -> drivers -> kernel -> kexec -> crash -> top

A file may include headers of its own layer and of lower ones.  `top` is
kernel/main.c alone: kmain may name everything.  kexec/purgatory/ is a
separate blob (its own link, run between two kernels): it may include
lib/ and itself only, and only kexec and above may include it.

`#include "dir/x.h"` names a file from the repository root.  A NASM
`%include "x.inc"` names either the include the build makes from the
header x.h of a kernel folder (Makefile: ASM_HDRS), checked as an include
of that header, or a NASM file x.inc written by hand in a kernel folder
(macros C has no use for, such as lib/cfi.inc).  System headers
(`#include <...>`) are the compiler's.

The cycle check works on modules: x.c, x.h and x.asm of one folder are one
node (a header and the code behind it), so "shell.c includes cmdline.h and
cmdline.c includes shell.h" is a cycle even though no header includes
another.  Linux has the same rule in spirit (include/linux/ never includes
a driver); this kernel makes the build say it.

Usage: check_layers.py [--root DIR] [FILE...]
  With no FILE, every .c, .h, .asm and .inc under the kernel folders of DIR
  (default: the current directory).  FILE arguments are checked in
  addition, as if they were part of the tree (the test suite uses this to
  prove a deliberate upward include fails).
Prints one line per violation, `layers: error: ...`, and exits 1; on a
clean tree prints `layers: <n> files, <n> includes, no upward include, no
cycle` and exits 0.
"""
import argparse
import os
import re
import sys

ORDER = ["lib", "boot", "mm", "drivers", "kernel", "kexec", "crash", "top"]
ARROWS = " \u2192 ".join(ORDER)
TOP_FILES = {"kernel/main.c"}
PURGATORY = "kexec/purgatory"
FOLDERS = ["lib", "boot", "mm", "drivers", "kernel", "kexec", "crash"]
SOURCE_EXT = (".c", ".h", ".asm", ".inc")

C_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
NASM_INCLUDE = re.compile(r'^\s*%include\s+"([^"]+)"', re.IGNORECASE)


def layer_of(path):
    """(layer name, rank) of a repository-relative path; None outside."""
    if path in TOP_FILES:
        return "top", ORDER.index("top")
    if path.startswith(PURGATORY + "/"):
        return "purgatory", None
    first = path.split("/", 1)[0]
    if first in ORDER and "/" in path:
        return first, ORDER.index(first)
    return None


def may_include(src, dst):
    """None if src may include dst, else the reason (without the files)."""
    (sl, sr), (dl, dr) = layer_of(src), layer_of(dst)
    if sl == "purgatory":
        if dl in ("purgatory", "lib"):
            return None
        return (f"the purgatory may include only lib and itself: it is a blob of its own, "
                f"linked apart from the kernel")
    if dl == "purgatory":
        if sr >= ORDER.index("kexec"):
            return None
        return f"{sl} may not include the purgatory: only kexec and above load it"
    if dr <= sr:
        return None
    return f"{sl} may not include {dl}: {ARROWS}"


def module_of(path):
    """The node of the cycle check: the path without its extension."""
    return os.path.splitext(path)[0]


def scan(root, path):
    """[(line number, included path, how)] of one file."""
    found = []
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = C_INCLUDE.match(line)
            if m:
                found.append((n, m.group(1), "c"))
                continue
            if path.endswith((".asm", ".inc")):
                m = NASM_INCLUDE.match(line)
                if m:
                    found.append((n, m.group(1), "nasm"))
    return found


def tree_files(root):
    files = []
    for folder in FOLDERS:
        for d, _, names in os.walk(os.path.join(root, folder)):
            for name in names:
                if name.endswith(SOURCE_EXT):
                    files.append(os.path.relpath(os.path.join(d, name), root))
    return sorted(f.replace(os.sep, "/") for f in files)


def resolve(root, files, src, target, how, errors, lineno):
    """The repository path an include names, or None (after an error line)."""
    if how == "c":
        if "/" not in target:
            errors.append(f"layers: error: {src}:{lineno} includes \"{target}\": name the "
                          f"folder (\"dir/{target}\") so the layer is visible")
            return None
        if not os.path.exists(os.path.join(root, target)) and target not in files:
            errors.append(f"layers: error: {src}:{lineno} includes {target}, which does "
                          f"not exist")
            return None
        return target
    if not target.endswith(".inc"):
        errors.append(f"layers: error: {src}:{lineno} includes \"{target}\": a NASM "
                      f"include is a .inc of a kernel folder, or made from one of its headers")
        return None
    header = target[:-len(".inc")] + ".h"
    matches = [f for f in files if os.path.basename(f) in (header, target)]
    if len(matches) != 1:
        errors.append(f"layers: error: {src}:{lineno} includes \"{target}\": "
                      f"{len(matches)} files named {header} or {target} in the kernel "
                      f"folders, want exactly one")
        return None
    return matches[0]


def find_cycles(edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        # Iterative Tarjan: the graph is small, but recursion limits are not
        # something a build checker should depend on.
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    result.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return result


def one_cycle(comp, edges):
    """A shortest closed path through the component, for the message."""
    members = set(comp)
    start = comp[0]
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges.get(v, ())):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp + [start]


def check(root, extra):
    files = tree_files(root)
    for f in extra:
        rel = os.path.relpath(os.path.abspath(f), os.path.abspath(root)).replace(os.sep, "/")
        if layer_of(rel) is None:
            print(f"layers: error: {f} is not in a kernel folder ({', '.join(FOLDERS)})")
            return 1
        if rel not in files:
            files.append(rel)
    errors, edges, count = [], {}, 0
    for src in files:
        for lineno, target, how in scan(root, src):
            dst = resolve(root, files, src, target, how, errors, lineno)
            if dst is None:
                continue
            count += 1
            if layer_of(dst) is None:
                errors.append(f"layers: error: {src}:{lineno} includes {dst}, which is in no "
                              f"kernel folder")
                continue
            why = may_include(src, dst)
            if why:
                errors.append(f"layers: error: {src} includes {dst} ({why})")
            a, b = module_of(src), module_of(dst)
            if a != b:
                edges.setdefault(a, set()).add(b)
    for comp in find_cycles(edges):
        path = one_cycle(comp, edges)
        errors.append(f"layers: error: include cycle of {len(comp)} modules: "
                      + " -> ".join(path) + " (a module is x.c, x.h and x.asm of one folder)")
    for e in errors:
        print(e)
    if errors:
        return 1
    print(f"layers: {len(files)} files, {count} includes, no upward include, no cycle")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=".", help="the repository (default: .)")
    ap.add_argument("files", nargs="*", help="more files to check as part of the tree")
    args = ap.parse_args()
    return check(args.root, args.files)


if __name__ == "__main__":
    sys.exit(main())
