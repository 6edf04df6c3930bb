"""A pytest plugin for ``make mutants`` only (pyproject's ``[tool.mutmut]`` loads it with ``-p``): a
test that runs longer than ``LIMIT`` seconds of wall time fails.

mutmut stops a mutant's tests after a number of CPU seconds, and a mutant that leaves a test
waiting forever (a future nobody resolves, a lock nobody releases) uses none: without this, one
such mutant would hold the whole run. A test stopped so counts as a failure, so the mutant as
caught: the slowest test mutmut runs takes under 10 s."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

LIMIT = 30  # seconds, for a test's setup, call and teardown together


class RanTooLong(Exception):
    """A test went on past ``LIMIT``."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise RanTooLong(f"{item.nodeid} ran over {LIMIT} s")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
