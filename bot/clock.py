"""Time as something passed in, so every decision can be tested at any instant."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def today(clock: Clock) -> date:
    """Today's date in UTC, the day summit countdowns are counted from."""
    return clock.now().astimezone(UTC).date()
