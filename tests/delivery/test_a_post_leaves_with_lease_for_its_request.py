"""A post leaves for Slack only while its lease has time left for the whole request (Slack's
timeout) to end: a post near the end of its lease is renewed first. Otherwise the lease could run
out while the request is in flight, another clock would take the post over and send it again: a
double post in the channel.

What is measured is what another clock would see: the lease the database holds for the post at
the moment the fake Slack receives it. The real deliverer, a real database (SQLite and
PostgreSQL), the fake Slack on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.store.engine import make_engine
from bot.store.tables import deliveries
from tests.deliveryhelp import T0, World
from tests.fakeslack import FakeSlack

SLOT = T0.replace(hour=9)
LEASE = 60.0  # seconds
TIMEOUT = 15.0  # seconds a request to Slack may take


class LeaseAtArrival:
    """Called by the fake Slack as it accepts a post (for the message's timestamp): notes how
    long the post's lease still has to run in the database at that moment."""

    def __init__(self, db_url: str) -> None:
        self.engine = make_engine(db_url)
        self.world: World | None = None
        self.left: list[float] = []

    def __call__(self) -> float:
        assert self.world is not None
        now = self.world.clock.now()
        with self.engine.connect() as conn:
            until = conn.scalar(select(deliveries.c.lease_until))
        assert isinstance(until, datetime)
        self.left.append((until - now).total_seconds())
        return now.timestamp()


@pytest.fixture
def lease_at_arrival(db_url: str) -> Iterator[LeaseAtArrival]:
    seen = LeaseAtArrival(db_url)
    yield seen
    seen.engine.dispose()


async def test_a_post_near_the_end_of_its_lease_is_renewed_before_it_leaves(
    db_url: str, lease_at_arrival: LeaseAtArrival
) -> None:
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        # the first try is rate limited for a second; meanwhile the clock moves on 50 s (a
        # process held up), so the lease taken before that try has only 10 s left
        slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1)
        w.clock.at = SLOT + timedelta(seconds=5)
        assert w.rt.deliverer is not None
        tick = asyncio.create_task(w.rt.deliverer.run_pass())
        while not slack.calls_to("chat.postMessage"):
            await asyncio.sleep(0.01)
        w.clock.at = SLOT + timedelta(seconds=55)
        report = await tick
        assert len(report.sent) == 1 and len(slack.top_level("C1")) == 1
        # when the post (and then its reply in the thread) reached Slack, its lease outlasted a
        # whole request
        assert len(lease_at_arrival.left) == 2
        assert all(left > TIMEOUT for left in lease_at_arrival.left)
        await w.close()


async def test_a_post_with_its_lease_just_taken_leaves_at_once(
    db_url: str, lease_at_arrival: LeaseAtArrival
) -> None:
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        report = await w.tick(SLOT + timedelta(seconds=5))
        assert len(report.sent) == 1
        assert lease_at_arrival.left == [LEASE, LEASE]  # the digest, then its reply
        await w.close()
