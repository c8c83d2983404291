#!/usr/bin/python3
"""Run the fuzz targets (built by `make fuzz-build` into BUILD/fuzz/) and
say, per target, how many inputs ran and what was found.

    tests/fuzz/run.py [--build DIR] [--seconds S] [--runs N --seed K] [TARGET...]

Each target starts from its seeds (SEEDS below: committed files and what
the build made) and its regression inputs (tests/fuzz/regress/TARGET/,
replayed first: a fixed crash that comes back fails at once), and grows a
corpus of its own in BUILD/fuzz/corpus/TARGET/.  A crash, leak, timeout
or sanitizer report is saved under BUILD/fuzz/crashes/TARGET/ and counted
as a finding.  `make fuzz` runs this for FUZZ_SECONDS each; `make test`
runs a short pass with a fixed seed (test_fuzz.py).  Linux's counterpart:
syzkaller, far bigger; libFuzzer is LLVM's in-process fuzzer.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FUZZ = ROOT / "tests" / "fuzz"
DATA = ROOT / "tests" / "data"

# Where each target's seeds come from: committed files (globs under the
# repository) and files the build made (globs under BUILD/fuzz/seeds/).
SEEDS = {
    "mb2_info": ["tests/data/mbi-*.bin"],
    "mb2_header": ["@images/*"],
    "elf_image": ["@images/mini32.elf", "@images/kernel.elf"],
    "purgatory": ["@purgatory/*"],
    "elfcorehdr": ["tests/fuzz/corpus/elfcorehdr/*"],
    "vmcoreinfo": ["tests/fuzz/corpus/vmcoreinfo/*"],
    "cmdline": ["tests/fuzz/corpus/cmdline/*"],
    "crashkernel": ["tests/fuzz/corpus/crashkernel/*"],
    "acpi": ["tests/data/acpi-*.bin"],
    "vmcore_inspect": ["tests/fuzz/corpus/vmcore_inspect/*"],
    "bzimage": ["@bzimage/*", "tests/fuzz/corpus/bzimage/*"],
    "bootparams": ["tests/fuzz/corpus/bootparams/*"],
    "madt": ["tests/data/madt-*.bin"],
    "initrd_cpio": ["tests/fuzz/corpus/initrd_cpio/*"],
}
# Inputs larger than this are cut by libFuzzer (kernel.elf is ~1 MiB).
MAX_LEN = {"elf_image": 1 << 21, "mb2_header": 40000, "purgatory": 1 << 16,
           "bzimage": 1 << 20}


@dataclass
class Result:
    target: str
    executions: int
    seconds: float
    corpus: int
    findings: list
    status: int
    log: str

    def line(self):
        found = ", ".join(p.name for p in self.findings) or "none"
        return (f"fuzz: {self.target:<15} {self.executions:>9} executions in "
                f"{self.seconds:5.1f} s, corpus {self.corpus:>4}, findings: {found}")


def seed_dir(build, target):
    """BUILD/fuzz/seeds-of/TARGET: a copy of the target's seeds."""
    d = build / "fuzz" / "seeds-of" / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for pattern in SEEDS[target]:
        base, pattern = ((build / "fuzz" / "seeds", pattern[1:]) if pattern.startswith("@")
                         else (ROOT, pattern))
        for f in sorted(base.glob(pattern)):
            shutil.copyfile(f, d / f.name)
    return d


def fuzz_one(build, target, seconds, runs=None, seed=None):
    """Run one target; a Result."""
    build = Path(build).resolve()
    binary = build / "fuzz" / f"fuzz_{target}"
    if not binary.is_file():
        raise FileNotFoundError(f"{binary} is missing: run `make fuzz-build`")
    corpus = build / "fuzz" / "corpus" / target
    crashes = build / "fuzz" / "crashes" / target
    regress = FUZZ / "regress" / target
    for d in (corpus, crashes):
        d.mkdir(parents=True, exist_ok=True)
    before = set(crashes.iterdir())
    args = [str(binary), f"-max_total_time={seconds}", f"-artifact_prefix={crashes}/",
            "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048",
            f"-max_len={MAX_LEN.get(target, 65536)}"]
    leaks = 1
    if target.startswith("vmcore"):
        # die() jumps out of the host tool with its buffers (and libelf's)
        # still held: by design, not a leak of the tool, which exits there.
        args.append("-detect_leaks=0")
        leaks = 0
    if runs:
        args.append(f"-runs={runs}")
    if seed is not None:
        args.append(f"-seed={seed}")
    dirs = [corpus, seed_dir(build, target)] + ([regress] if regress.is_dir() else [])
    env = dict(os.environ, ASAN_OPTIONS=f"detect_leaks={leaks}:detect_odr_violation=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run(args + [str(d) for d in dirs], capture_output=True, text=True,
                       errors="replace", timeout=seconds + 120, env=env, cwd=build)
    log = r.stderr
    execs = re.search(r"stat::number_of_executed_units: (\d+)", log)
    secs = re.search(r"Done (\d+) runs in (\d+) second", log)
    findings = sorted(set(crashes.iterdir()) - before)
    return Result(target, int(execs.group(1)) if execs else 0,
                  float(secs.group(2)) if secs else float(seconds),
                  len(list(corpus.iterdir())), findings, r.returncode, log)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("targets", nargs="*", default=list(SEEDS))
    args = ap.parse_args()
    total, bad = 0, 0
    for t in args.targets:
        res = fuzz_one(args.build, t, args.seconds, args.runs, args.seed)
        print(res.line(), flush=True)
        total += res.executions
        if res.findings or res.status:
            bad += 1
            tail = "\n".join(res.log.strip().split("\n")[-25:])
            print(f"fuzz: {t}: exit status {res.status}; the end of its log:\n{tail}")
    print(f"fuzz: {len(args.targets)} targets, {total} executions, "
          f"{bad} with findings")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
