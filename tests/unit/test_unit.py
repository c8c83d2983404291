"""The host unit tests (the TEST()s of tests/unit/*.c) as pytest tests.

`BUILD/host/unittests --list` names them at collection: one pytest test
each, test_unit[NAME].  The first to run runs the binary once; each then
passes or fails on its own PASS/FAIL line.  A binary that dies fails the
test it was running and every test it never reached (tests/README.md).
"""

import re
import subprocess

import pytest

import guest

RUN_TIMEOUT = 600          # the whole binary
NOT_BUILT = "not-built"


def unit_names(config):
    """The names `unittests --list` prints, or [NOT_BUILT] with the reason."""
    build = guest.Build(config.getoption("build"))
    try:
        build.require("host/unittests")
        r = subprocess.run([str(build.unittests), "--list"], capture_output=True, text=True,
                           timeout=60, cwd=build.root)
    except (guest.BuildMissing, OSError, subprocess.TimeoutExpired) as e:
        return [pytest.param(NOT_BUILT, str(e), id=NOT_BUILT)]
    names = r.stdout.split()
    if r.returncode != 0 or not names:
        why = f"`{build.rel(build.unittests)} --list` gave status {r.returncode} and " \
              f"{len(names)} names: {r.stderr.strip()[-300:]}"
        return [pytest.param(NOT_BUILT, why, id=NOT_BUILT)]
    return [pytest.param(n, None, id=n) for n in names]


def pytest_generate_tests(metafunc):
    metafunc.parametrize(("name", "not_built"), unit_names(metafunc.config))


class UnitRun:
    """One run of the whole binary: results[name] = (passed, report lines)."""

    def __init__(self, build):
        self.cmd = build.rel(build.unittests)
        p = subprocess.run([str(build.unittests)], cwd=build.root, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace",
                           timeout=RUN_TIMEOUT)
        self.status, self.stderr = p.returncode, p.stderr
        self.results = {}
        detail = []               # a test's "    file:line: why" lines come before its FAIL
        for line in p.stdout.splitlines():
            m = re.match(r"(PASS|FAIL) (\S+)", line)
            if m:
                self.results[m.group(2)] = (m.group(1) == "PASS", detail + [line])
                detail = []
            elif line.startswith("    "):
                detail.append(line.strip())
        summary = re.search(r"^unit: (\d+) passed, (\d+) failed$", p.stdout, re.M)
        running = re.findall(r"^unit: running (\S+)", p.stderr, re.M)
        self.died_in = None if summary else (running[-1] if running else "?")
        if summary and (p.returncode != 0) != (int(summary.group(2)) > 0):
            pytest.fail(f"{self.cmd} exited with status {p.returncode} after "
                        f"'{summary.group(0)}'", pytrace=False)


@pytest.fixture(scope="module")
def unit_run(pytestconfig):
    return UnitRun(guest.Build(pytestconfig.getoption("build")))


def test_unit(name, not_built, request):
    if name == NOT_BUILT:
        pytest.fail(not_built, pytrace=False)
    run = request.getfixturevalue("unit_run")
    if name in run.results:
        passed, lines = run.results[name]
        if not passed:
            pytest.fail("\n".join(lines), pytrace=False)
    elif run.died_in == name:
        pytest.fail(f"{run.cmd} died (status {run.status}) during {name}:\n" +
                    "\n".join(run.stderr.strip().splitlines()[-25:]), pytrace=False)
    elif run.died_in:
        pytest.fail(f"not run: {run.cmd} died during {run.died_in}", pytrace=False)
    else:
        pytest.fail(f"not run: {run.cmd} printed no PASS or FAIL line for it", pytrace=False)
