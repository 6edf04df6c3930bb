"""A pytest plugin for ``make mutants`` only (pyproject's ``[tool.mutmut]`` loads it with ``-p``): a
test that runs longer than ``LIMIT`` seconds of wall time fails.

mutmut stops a mutant's tests after a number of CPU seconds, and a mutant that leaves a test
waiting forever (a future nobody resolves, a lock nobody releases) uses none: without this, one
such mutant would hold the whole run. A test stopped so counts as a failure, so the mutant as
caught: the slowest test mutmut runs takes under 10 s. When the exception raised at the limit
does not end the test (a task of the event loop caught it and died, leaving the test waiting on
it), the process ends 5 s later with mutmut's exit code for a time-out."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

LIMIT = 30  # seconds, for a test's setup, call and teardown together


class RanTooLong(Exception):
    """A test went on past ``LIMIT``."""


# mutmut's exit code for a mutant whose tests ran out of time (counted as caught)
TIMED_OUT = 36


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    fired = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal fired
        if fired:  # the first exception was swallowed (by a task that died of it): end here
            os._exit(TIMED_OUT)
        fired = True
        signal.alarm(5)
        raise RanTooLong(f"{item.nodeid} ran over {LIMIT} s")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
