#!/usr/bin/env python3
"""Run every test of the kernel and end with the line "N passed, N failed".

First the host unit tests (BUILD/host/unittests: each "PASS name" or
"FAIL name" line is one test), then every QEMU scenario: each function
test_*(build) of each tests/scenarios/test_*.py, one after another, in file
order.  A scenario file that yields no test is itself a failure (the
meta-check: a test that never ran cannot fail).  Exit status 1 on any failure.

    python3 tests/run.py [--build DIR] [-k FILTER] [--list] [--no-unit]

BUILD comes from --build, else the BUILD environment variable, else build.
Serial logs of failed scenarios go to BUILD/test-logs/.
"""

import argparse
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qemu  # noqa: E402

ROOT = qemu.ROOT
SCENARIOS = ROOT / "tests" / "scenarios"
UNIT_TIMEOUT = 600         # the whole unit-test binary
TEST_TIMEOUT = 600         # one scenario function, whatever it does


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def ok(self, name, secs):
        self.passed += 1
        print(f"PASS {name} ({secs:.1f} s)", flush=True)

    def bad(self, name, reason):
        self.failed += 1
        self.failures.append(name)
        first, _, rest = reason.strip().partition("\n")
        print(f"FAIL {name}: {first}", flush=True)
        if rest:
            print("\n".join("    " + l for l in rest.split("\n")), flush=True)


# ---------------------------------------------------------------- unit tests

def run_unit(build, filt, res):
    """Run the host unit tests; each PASS/FAIL line counts as one test."""
    binary = build.unittests
    if not binary.is_file():
        res.bad("unit", f"{binary} is missing: run `make unit BUILD={build.dir.name}`")
        return
    cmd = [str(binary)] + ([filt] if filt else [])
    # Some unit tests read build artefacts (kernel.elf): tell them where.
    env = dict(os.environ, BUILD=os.path.relpath(build.dir, ROOT))
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace", timeout=UNIT_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        res.bad("unit", f"{binary} ran for more than {UNIT_TIMEOUT} s")
        return
    detail = []          # "    file:line: why" lines come before the FAIL line
    seen = 0
    for line in p.stdout.splitlines():
        m = re.match(r"(PASS|FAIL) (\S+)", line)
        if m:
            seen += 1
            if m.group(1) == "PASS":
                print(f"PASS unit:{m.group(2)}", flush=True)
                res.passed += 1
            else:
                res.bad(f"unit:{m.group(2)}", "\n".join([line] + detail) if detail else line)
            detail = []
        elif line.startswith("    "):
            detail.append(line.strip())
    summary = re.search(r"^unit: (\d+) passed, (\d+) failed$", p.stdout, re.M)
    if not summary:
        running = re.findall(r"^unit: running (\S+)", p.stderr, re.M)
        who = running[-1] if running else "?"
        res.bad(f"unit:{who}", f"unit-test binary died (status {p.returncode}) "
                f"during {who}:\n" + "\n".join(p.stderr.strip().splitlines()[-25:]))
    elif seen == 0 and not filt:
        res.bad("unit", "the unit-test binary ran no test")
    elif p.returncode != 0 and int(summary.group(2)) == 0:
        res.bad("unit", f"unit-test binary exited {p.returncode} with no failed test")


# ------------------------------------------------------------------ scenarios

def load_scenario(path):
    spec = importlib.util.spec_from_file_location(f"scenario_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def collect(mod):
    """The test functions a scenario module defines, in source order."""
    tests = [f for name, f in vars(mod).items()
             if name.startswith("test_") and inspect.isfunction(f)
             and f.__module__ == mod.__name__]
    return sorted(tests, key=lambda f: f.__code__.co_firstlineno)


def describe(exc, tb):
    if isinstance(exc, qemu.TestFailure):
        return str(exc)
    where = traceback.extract_tb(tb)
    frame = next((f for f in reversed(where) if "/scenarios/" in f.filename), where[-1])
    loc = f"{Path(frame.filename).name}:{frame.lineno}"
    if isinstance(exc, AssertionError):
        return f"assertion failed at {loc}: {exc}" if str(exc) else f"assertion failed at {loc}: {frame.line}"
    return f"{type(exc).__name__} at {loc}: {exc}"


def run_one(build, name, fn, res, keep_logs, test_timeout=TEST_TIMEOUT):
    qemu.live_machines.clear()
    qemu.current_test = name
    outcome = {}

    def body():
        try:
            fn(build)
            outcome["ok"] = True
        except BaseException as e:  # noqa: B902 - any failure is reported
            outcome["err"] = describe(e, e.__traceback__)

    t0 = time.monotonic()
    th = threading.Thread(target=body, daemon=True)
    th.start()
    th.join(test_timeout)
    if th.is_alive():
        outcome["err"] = f"test ran for more than {test_timeout} s; its machines were killed"
        for m in list(qemu.live_machines):
            m.kill()
        th.join(5)
    secs = time.monotonic() - t0
    failed = "ok" not in outcome
    logs = []
    for i, m in enumerate(list(qemu.live_machines)):
        if (failed or keep_logs) and m.proc is not None:
            path = build.log_dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{i}.log"
            try:
                m.save_log(path)
                logs.append(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
            except OSError as e:
                logs.append(f"(could not save log: {e})")
        if m.shared_name and not failed and m.alive():
            continue            # kept for the next test of this file
        build.drop_shared(m)
        m.close()
        m.cleanup_files()
    qemu.live_machines.clear()
    if failed:
        reason = outcome.get("err", "unknown failure")
        if logs:
            reason += "\nserial log: " + ", ".join(logs)
        res.bad(name, reason)
    else:
        res.ok(name, secs)


def run_scenarios(build, filt, res, keep_logs, listing, folder=SCENARIOS,
                  test_timeout=TEST_TIMEOUT):
    for path in sorted(Path(folder).glob("test_*.py")):
        try:
            mod = load_scenario(path)
        except BaseException as e:  # noqa: B902
            res.bad(path.stem, f"cannot import {path.name}: {describe(e, e.__traceback__)}")
            continue
        tests = collect(mod)
        if not tests:
            res.bad(path.stem, f"{path.name} defines no test_* function (meta-check)")
            continue
        for fn in tests:
            name = f"{path.stem}:{fn.__name__}"
            if filt and filt not in name:
                continue
            if listing:
                print(name)
                continue
            run_one(build, name, fn, res, keep_logs, test_timeout)
        build.close_shared()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD") or "build",
                    help="build directory (default: $BUILD or build)")
    ap.add_argument("-k", dest="filter", default=None,
                    help="only tests whose name contains FILTER; names are "
                         "test_FILE:test_FUNC, or unit:NAME (-k unit: all unit tests)")
    ap.add_argument("--list", action="store_true", help="list the scenario tests and stop")
    ap.add_argument("--no-unit", action="store_true", help="skip the host unit tests")
    ap.add_argument("--keep-logs", action="store_true",
                    help="save the serial log of passing scenarios too")
    ap.add_argument("--scenarios", default=str(SCENARIOS), metavar="DIR",
                    help="folder of test_*.py scenario files (default tests/scenarios)")
    ap.add_argument("--test-timeout", type=float, default=TEST_TIMEOUT, metavar="S",
                    help=f"limit for one scenario function (default {TEST_TIMEOUT} s)")
    args = ap.parse_args()
    build = qemu.Build(args.build)
    res = Results()
    t0 = time.monotonic()
    if args.list:
        run_scenarios(build, args.filter, res, False, True, args.scenarios)
        return 0
    # -k unit:NAME (or -k unit) selects host unit tests, any other filter
    # selects scenarios by "test_FILE:test_FUNC" substring.
    want_unit = not args.no_unit and (not args.filter or args.filter.startswith("unit"))
    want_scen = not args.filter or not args.filter.startswith("unit")
    if want_unit:
        unit_filter = args.filter[5:] if args.filter and args.filter.startswith("unit:") else None
        run_unit(build, unit_filter or None, res)
    if want_scen:
        run_scenarios(build, args.filter, res, args.keep_logs, False, args.scenarios,
                      args.test_timeout)
    total = time.monotonic() - t0
    if res.failures:
        print(f"failed: {' '.join(res.failures)}")
    print(f"total time {total:.1f} s")
    if res.passed + res.failed == 0:
        print("no test matched", file=sys.stderr)
        res.failed += 1
    print(f"{res.passed} passed, {res.failed} failed", flush=True)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
