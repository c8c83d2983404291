"""pytest's view of the kernel's tests: fixtures for the build, QEMU machines
(new, or shared by a file's tests), one session vmcore and kernel.elf's
symbols (tests/README.md lists them).  Every machine a test started, by any
path, is stopped after it; if the test failed, its serial logs go to
BUILD/test-logs/ first and the report names them.  The run ends with the
line "N passed, N failed".  Linux's counterpart: kunit.py, kselftest's runner.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import guest  # noqa: E402  (tools/guest: the package the tools use too)
from guest.elf import Symbols  # noqa: E402

BUILD = pytest.StashKey()          # the session's guest.Build
SHARED = pytest.StashKey()         # the session's SharedMachines
BEFORE = pytest.StashKey()         # per test: the machines that existed before it
USED = pytest.StashKey()           # per test: the shared machines it used
FAILED = pytest.StashKey()         # per test: its setup or body failed
RAN = pytest.StashKey()            # a session ran: print the summary line

# The session's vmcore: a canary to find, low memory to compare, and an
# image loaded with kexec -l so the dead kernel holds an IND list.
VMCORE_CANARY = 0x696e7370656374ff      # "\xfftcepsni" in memory: easy to spot in a dump
VMCORE_KEXEC_LOAD = "kexec -l /boot/kernel.elf --module=/boot/kernel.elf"


def pytest_addoption(parser):
    parser.addoption("--build", default=None, metavar="DIR",
                     help="build directory (default: $BUILD, else build)")
    parser.addoption("--keep-logs", action="store_true",
                     help="save the serial logs of passing tests too (BUILD/test-logs/)")


def pytest_configure(config):
    config.stash[BUILD] = guest.Build(config.getoption("build"))
    config.stash[SHARED] = SharedMachines(config.stash[BUILD])


class SharedMachines:
    """Booted machines at the prompt, by name, for read-only checks: one
    boot serves many tests.  One at a time (an idle guest still costs host
    memory); closed at the end of each test file."""

    def __init__(self, build):
        self.build = build
        self.by_name = {}

    def get(self, name, **kw):
        m = self.by_name.get(name)
        if m is not None and m.alive():
            return m
        self.close()
        m = guest.Machine(self.build, **kw)
        m.wait_prompt()
        self.by_name[name] = m
        return m

    def holds(self, m):
        return any(m is x for x in self.by_name.values())

    def drop(self, m):
        self.by_name = {n: x for n, x in self.by_name.items() if x is not m}

    def close(self):
        for m in self.by_name.values():
            m.close()
            m.cleanup_files()
        self.by_name.clear()


# ------------------------------------------------------------------ fixtures

def require(build, *files):
    """None if build has files (see guest.Build.require), else why not."""
    try:
        build.require(*files)
    except guest.BuildMissing as e:
        return str(e)
    return None


@pytest.fixture(scope="session")
def build(pytestconfig):
    b = pytestconfig.stash[BUILD]
    missing = require(b, "iso")
    if missing:
        pytest.fail(missing, pytrace=False)
    return b


@pytest.fixture
def machine(build):
    """machine(**kw): a new guest.Machine (started, not yet at the prompt);
    it is stopped after the test whether or not the test closed it."""
    return build.machine


@pytest.fixture
def shared_machine(request, build):
    """shared_machine(name, **kw): a guest.Machine at the prompt that the
    tests of this file asking for the same name share.  A test must leave it
    at the prompt; if the test fails, the next one gets a fresh machine."""
    pool = request.config.stash[SHARED]

    def get(name, **kw):
        m = pool.get(name, **kw)
        request.node.stash[USED].append(m)
        return m
    return get


@pytest.fixture(scope="module", autouse=True)
def _shared_machines_per_file(pytestconfig):
    yield
    pytestconfig.stash[SHARED].close()


@dataclass
class SessionVmcore:
    """The session's vmcore: where it is, the serial log of its capture
    (all of it, and the part of the kernel that died), the outputs of the
    commands run before the crash, and the canary value written."""
    path: Path
    log: str
    crashed_log: str
    outputs: dict
    canary: int


@pytest.fixture(scope="session")
def vmcore(build):
    """One kdump, captured the first time a test asks: a 256 MiB guest with
    crashkernel=32M dies by `crash null` after `canary VMCORE_CANARY`,
    `xd 0x8000 64` (low memory the first kernel never touches), and a
    kexec -l of itself shown by `kexec -s -v` (an IND list in the dump).
    The file is BUILD/test-vmcore, removed at the end; tests only read it."""
    cap = guest.kdump.capture(build, mem="256M", crashkernel="32M", trigger="null",
                              before=[f"canary {VMCORE_CANARY:#x}", "xd 0x8000 64",
                                      VMCORE_KEXEC_LOAD, "kexec -s -v"],
                              vmcore=build.dir / "test-vmcore")
    yield SessionVmcore(path=cap.vmcore, log=cap.log, crashed_log=cap.crashed_log,
                        outputs=cap.outputs, canary=VMCORE_CANARY)
    cap.vmcore.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def kernel_symbols(build):
    return Symbols(build.kernel_elf)


# ---------------------------------------------------- machines of each test

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    b = item.config.stash[BUILD]
    b.current_test = item.nodeid
    item.stash[BEFORE] = list(b.machines)
    item.stash[USED] = []
    item.stash[FAILED] = False


def machines_of(item):
    """The machines item started (fixtures included) and the shared ones it used."""
    before = item.stash.get(BEFORE, [])
    mine = [m for m in item.config.stash[BUILD].machines if not any(m is b for b in before)]
    return mine + [m for m in item.stash.get(USED, []) if not any(m is x for x in mine)]


def save_logs(item):
    """Save the serial logs of item's machines; the paths, for the report."""
    b = item.config.stash[BUILD]
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{item.path.stem}-{item.name}")
    paths = []
    for i, m in enumerate(machines_of(item)):
        path = b.log_dir / f"{stem}-{i}.log"
        try:
            m.save_log(path)
            paths.append(b.rel(path))
        except OSError as e:
            paths.append(f"(could not save the log of {' '.join(m.args or [])[:60]}...: {e})")
    return paths


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    rep = (yield).get_result()
    if rep.when == "teardown":
        return
    keep = rep.when == "call" and item.config.getoption("keep_logs")
    if rep.failed:
        item.stash[FAILED] = True
    if rep.failed or keep:
        paths = save_logs(item)
        if paths:
            rep.sections.append(("serial logs", "\n".join(paths)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield                                  # the fixtures' own teardown first
    failed = item.stash.get(FAILED, True)
    pool = item.config.stash[SHARED]
    for m in machines_of(item):
        if pool.holds(m) and not failed and m.alive():
            continue                       # kept for the next test of this file
        pool.drop(m)
        m.close()
        m.cleanup_files()


# ------------------------------------------------------- order and summary

def pytest_collection_modifyitems(items):
    """The host unit tests first (seconds), then the scenarios (minutes)."""
    items.sort(key=lambda item: item.path.parent.name != "unit")


class NoTests(pytest.Item):
    """Stands for a scenario file that defines no test: a test that never
    ran cannot fail, so the file fails (the meta-check)."""

    def runtest(self):
        raise AssertionError(f"{self.path.name} defines no test_* function (meta-check)")

    def reportinfo(self):
        return self.path, None, self.name


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    rep = (yield).get_result()
    if isinstance(collector, pytest.Module) and rep.passed and not rep.result:
        rep.result.append(NoTests.from_parent(collector, name="no-tests"))


def pytest_sessionstart(session):
    session.config.stash[RAN] = not session.config.option.collectonly


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """The last line of every run: "N passed, N failed", pytest's own counts
    (its "error" reports, failures outside the test body, count as failed)."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or not config.stash.get(RAN, False):
        return
    passed = len(tr.stats.get("passed", []))
    failed = len(tr.stats.get("failed", [])) + len(tr.stats.get("error", []))
    tr.write_line(f"{passed} passed, {failed} failed")
