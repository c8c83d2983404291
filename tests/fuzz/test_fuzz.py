"""A short pass of every fuzz target inside `make test`: a few seconds
each with a fixed seed, after replaying the target's seeds and its
regression inputs (tests/fuzz/regress/TARGET/: each crash the fuzzers
found, fixed since).  A finding fails the test with the end of
libFuzzer's report; `make fuzz` runs them longer (run.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as fuzz                                      # noqa: E402

SECONDS = 4


@pytest.mark.parametrize("target", list(fuzz.SEEDS))
def test_fuzz(build, target):
    try:
        res = fuzz.fuzz_one(build.dir, target, SECONDS, seed=1)
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)
    tail = "\n".join(res.log.strip().split("\n")[-30:])
    assert res.executions > 0, f"{target}: nothing ran:\n{tail}"
    assert not res.findings and res.status == 0, \
        f"{target}: {len(res.findings)} finding(s) {res.findings}, exit {res.status}:\n{tail}"
