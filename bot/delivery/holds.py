"""What a subscription holds back for a while: nothing through a day (``pause until``), or one
digest (``skip next``). Pure: the planner asks :func:`held` of every wake-up, and replies ask when
posting resumes and which digest ``skip next`` would skip.

Both are data on the subscription (``paused_until``: a local date in its zone, inclusive;
``skip_digest_at``: a scheduled instant), never free text, and neither stops the subscription
from waking up: the wake-ups they cover owe nothing (or no digest), and the first one after them
owes what it always did. Nobody has to resume it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.subscriptions.schedule import Schedule, local_day, next_digest, zone
from bot.subscriptions.stored import Receives


class Holding(Protocol):
    """What is read of a subscription here (``bot.store.SubscriptionView`` has it)."""

    @property
    def schedule(self) -> Schedule: ...
    @property
    def receives(self) -> str: ...
    @property
    def paused_until(self) -> date | None: ...
    @property
    def skip_digest_at(self) -> datetime | None: ...


def paused_on(sub: Holding, wake: datetime) -> bool:
    """Whether a wake-up falls on a day ``pause until`` covers (its local day, up to and
    including ``paused_until``)."""
    until = sub.paused_until
    return until is not None and local_day(sub.schedule, wake) <= until


def skipped(sub: Holding, wake: datetime) -> bool:
    """Whether the digest of this wake-up is the one ``skip next`` skips."""
    return sub.skip_digest_at is not None and sub.skip_digest_at == wake


def resumes_at(sub: Holding, now: datetime) -> datetime:
    """The instant from which posts may come again: the local midnight after ``paused_until``
    (``now`` when that has passed, or nothing is paused)."""
    until = sub.paused_until
    if until is None:
        return now
    tz = zone(sub.schedule.tz) or UTC
    midnight = datetime.combine(until + timedelta(days=1), time(0), tz)
    # a second before: the schedules' "next" are strictly after the instant they are given
    return max(now, midnight - timedelta(seconds=1))


def next_digest_slot(sub: Holding, now: datetime) -> datetime | None:
    """The next digest that would be posted (after any ``pause until``): what ``skip next``
    skips. None for a subscription that receives no digests."""
    if sub.receives == Receives.REMINDERS:
        return None
    return next_digest(sub.schedule, resumes_at(sub, now))
