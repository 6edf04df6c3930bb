"""A post leaves for Slack only while its lease has time left for the whole request (Slack's
timeout) to end: a post near the end of its lease is renewed first. Otherwise the lease could run
out while the request is in flight, another clock would take the post over and send it again: a
double post in the channel.

What is measured is what another clock would see: the lease the database holds for the post at
the moment the fake Slack receives it. The real deliverer, a real database (SQLite and
PostgreSQL), the fake Slack on loopback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

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
        self.unsure: list[bool] = []  # whether the row said "may have been posted"

    def __call__(self) -> float:
        assert self.world is not None
        now = self.world.clock.now()
        with self.engine.connect() as conn:
            until, unsure = conn.execute(
                select(deliveries.c.lease_until, deliveries.c.maybe_posted)
            ).one()
        assert isinstance(until, datetime)
        self.left.append((until - now).total_seconds())
        self.unsure.append(bool(unsure))
        return now.timestamp()


async def first_try(slack: FakeSlack, w: World) -> asyncio.Task[Any]:
    """A pass of ``w`` started, once its first post has reached the fake Slack."""
    assert w.rt.deliverer is not None
    running = asyncio.create_task(w.rt.deliverer.run_pass())
    while not slack.calls_to("chat.postMessage"):
        await asyncio.sleep(0.01)
    return running


def renewing_pair(db_url: str, slack: FakeSlack) -> tuple[World, World]:
    """Clocks A and B on one database, with a lease of 0.9 s that a waiting pass renews every
    0.3 s on real time."""
    return (
        World(db_url, slack, lease_seconds=0.9, slack_timeout_seconds=0.3),
        World(db_url, slack, lease_seconds=0.9, slack_timeout_seconds=0.3),
    )


async def waiting_out(slack: FakeSlack, a: World, retry_after: int) -> asyncio.Task[Any]:
    """A's pass, once its first try of channel C1's post was rate limited for ``retry_after``
    seconds: it now waits that out, renewing its lease."""
    a.subscribe("C1", "daily 09:00 UTC always")
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=retry_after)
    a.clock.at = SLOT + timedelta(seconds=5)
    return await first_try(slack, a)


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
        tick = await first_try(slack, w)
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
        # and the row said the post may be in Slack before it got there: had the process died
        # in the request, the next owner would look in the channel first, not post it again
        assert lease_at_arrival.unsure == [True, True]
        await w.close()


def posts_in(slack: FakeSlack) -> list[dict[str, Any]]:
    """The posts at the top of channel C1 (a digest's reply in its thread is not one)."""
    return [m for m in slack.messages("C1") if m.get("thread_ts") in (None, m["ts"])]


@pytest.mark.parametrize(
    ("lease", "left"),
    [
        (LEASE, TIMEOUT - 0.5),  # less lease left than a request may take, by half a second
        (LEASE, TIMEOUT + 0.5),  # more, but not by the second a request needs to be written
        (40.0, TIMEOUT - 0.5),  # a shorter lease: the margin is still a whole request
    ],
)
async def test_a_post_with_less_lease_left_than_a_request_is_renewed_before_it_leaves(
    db_url: str, lease_at_arrival: LeaseAtArrival, lease: float, left: float
) -> None:
    """The margin is the request's whole time and a second more, whatever the lease (up to half
    of it): a post with less left than that would see its lease run out in flight."""
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=lease, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1)
        taken = SLOT + timedelta(seconds=5)
        w.clock.at = taken
        tick = await first_try(slack, w)
        # while the first try waits out its Retry-After, the lease runs down to `left`
        w.clock.at = taken + timedelta(seconds=lease - left)
        report = await tick
        assert len(report.sent) == 1 and len(posts_in(slack)) == 1
        # renewed first: a whole lease to run, for the digest and then its reply
        assert lease_at_arrival.left == [lease, lease]
        await w.close()


async def test_posts_leave_even_with_a_lease_shorter_than_a_request(
    db_url: str, lease_at_arrival: LeaseAtArrival
) -> None:
    """An operator who sets the lease below Slack's timeout gets posts all the same (the margin
    is at most half the lease), not a pass that renews its leases for ever."""
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=10.0, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        report = await asyncio.wait_for(w.tick(SLOT + timedelta(seconds=5)), 20)
        assert len(report.sent) == 1 and len(posts_in(slack)) == 1
        assert lease_at_arrival.left == [10.0, 10.0]  # the digest, then its reply
        await w.close()


async def test_a_post_waiting_out_a_rate_limit_is_handed_back_not_sent_when_the_bot_stops(
    db_url: str, lease_at_arrival: LeaseAtArrival
) -> None:
    """SIGTERM while a post waits for its workspace's Retry-After: the post does not leave on
    the way out; its claim is handed back (claimed by nobody) for the next process to send."""
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=30)
        w.clock.at = SLOT + timedelta(seconds=5)
        tick = await first_try(slack, w)
        await asyncio.sleep(0.2)  # the post now waits for its turn, 30 s away
        await asyncio.wait_for(w.rt.deliverer.shutdown(grace=5), 10)
        report = await asyncio.wait_for(tick, 10)
        assert report.sent == [] and posts_in(slack) == []
        assert len(slack.calls_to("chat.postMessage")) == 1  # only the refused try
        with lease_at_arrival.engine.connect() as conn:
            assert conn.scalar(select(deliveries.c.claimed_by)) is None
        await w.close()


async def test_a_post_whose_answer_timed_out_is_handed_back_as_maybe_posted_when_the_bot_stops(
    db_url: str, lease_at_arrival: LeaseAtArrival, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack stores a digest but its answer does not come within the 3 s limit; the pass waits
    a little before looking for it in the history, and SIGTERM comes during that wait. The claim
    is handed back saying the post may be in the channel, so the next process looks in the
    history first, finds it, and the channel gets the digest once."""
    caplog.set_level(logging.WARNING, "declaration_bot")
    with FakeSlack(clock=lease_at_arrival) as slack:
        a = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=3.0)
        lease_at_arrival.world = a
        a.subscribe("C1", "daily 09:00 UTC always")
        slack.accept_but("timeout", channel="C1", hang=5.0)
        a.clock.at = SLOT + timedelta(seconds=5)
        tick = await first_try(slack, a)
        while not any("post outcome unknown" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.01)
        # the pass now waits at least the 3 s limit before it looks in the history
        assert a.rt.deliverer is not None
        await asyncio.wait_for(a.rt.deliverer.shutdown(grace=5), 10)
        report = await asyncio.wait_for(tick, 10)
        assert report.sent == [] and len(posts_in(slack)) == 1
        with lease_at_arrival.engine.connect() as conn:
            row = conn.execute(select(deliveries.c.claimed_by, deliveries.c.maybe_posted)).one()
        assert (row.claimed_by, row.maybe_posted) == (None, True)
        await a.close()
        b = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=3.0)
        b_report = await asyncio.wait_for(b.tick(SLOT + timedelta(seconds=10)), 20)
        (top,) = posts_in(slack)
        assert [o.message_ts for o in b_report.sent] == [top["ts"]]
        assert len(slack.calls_to("chat.postMessage")) == 2  # the digest, then only its reply
        await b.close()


async def test_a_post_taken_over_while_it_waited_is_not_sent_again_by_its_old_owner(
    db_url: str, lease_at_arrival: LeaseAtArrival, caplog: pytest.LogCaptureFixture
) -> None:
    """Clock A waits out a Retry-After for longer than its lease (a process held up); clock B
    takes the post over and sends it. When A's turn comes, its renewal finds the post B's: A
    sends nothing, and logs one line that names the workspace and channel. The channel gets the
    post once."""
    caplog.set_level(logging.WARNING, "declaration_bot")
    with FakeSlack(clock=lease_at_arrival) as slack:
        a = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        b = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = a
        a.subscribe("C1", "daily 09:00 UTC always")
        slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=3)
        a.clock.at = SLOT + timedelta(seconds=5)
        a_pass = await first_try(slack, a)
        a.clock.at = SLOT + timedelta(seconds=5 + LEASE + 5)  # A's lease has run out
        b_report = await b.tick(a.clock.at)
        assert len(b_report.sent) == 1
        a_report = await asyncio.wait_for(a_pass, 20)
        assert a_report.sent == []
        assert len(posts_in(slack)) == 1
        said = [r.getMessage() for r in caplog.records]
        assert said.count("not posting team=T1 channel=C1: taken over by another clock") == 1
        await a.close()
        await b.close()


async def test_a_post_waiting_longer_than_its_lease_keeps_it_and_is_sent_once(
    db_url: str, lease_at_arrival: LeaseAtArrival
) -> None:
    """A post waits out a Retry-After longer than its lease: the pass renews its lease while it
    waits (every third of a lease), so clock B, ticking meanwhile, takes nothing over, and A
    sends the post when its turn comes. (A lease of 0.9 s: the renewals run on real time.)"""
    with FakeSlack(clock=lease_at_arrival) as slack:
        a, b = renewing_pair(db_url, slack)
        lease_at_arrival.world = a
        a_pass = await waiting_out(slack, a, retry_after=2)
        a.clock.at = SLOT + timedelta(seconds=60)  # far past the lease A took
        await asyncio.sleep(0.8)  # two renewals at least
        b_report = await b.tick(a.clock.at)
        assert b_report.sent == []  # the lease was A's still
        a_report = await asyncio.wait_for(a_pass, 20)
        assert len(a_report.sent) == 1 and len(posts_in(slack)) == 1
        await a.close()
        await b.close()


@contextmanager
def refused(engine: Any, column: str, when: str = "") -> Iterator[None]:
    """While inside, the database itself refuses every change of ``column`` in ``deliveries``
    (when ``when`` holds, if given): a trigger raises, as a full disk or a lost connection
    would, so what the pass does then is decided by the lease code alone."""
    from sqlalchemy import text

    name = f"refuse_{column}"
    if engine.dialect.name == "sqlite":
        made = [
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON deliveries"
            + (f" WHEN {when}" if when else "")
            + " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        ]
        dropped = [f"DROP TRIGGER {name}"]
    else:
        made = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$",
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON deliveries FOR EACH ROW"
            + (f" WHEN ({when})" if when else "")
            + f" EXECUTE FUNCTION {name}()",
        ]
        dropped = [f"DROP TRIGGER {name} ON deliveries", f"DROP FUNCTION {name}()"]
    with engine.begin() as conn:
        for sql in made:
            conn.execute(text(sql))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for sql in dropped:
                conn.execute(text(sql))


async def test_a_database_that_fails_before_posts_leave_sends_nothing_and_loses_nothing(
    db_url: str, lease_at_arrival: LeaseAtArrival, caplog: pytest.LogCaptureFixture
) -> None:
    """The renewal made just before posts leave fails in the database. The pass sends nothing
    it cannot vouch for, and ends (it does not wait for ever on an answer that never comes);
    once the database is back and the lease has run out, the next pass posts the digest once."""
    with FakeSlack(clock=lease_at_arrival) as slack:
        w = World(db_url, slack, lease_seconds=LEASE, slack_timeout_seconds=TIMEOUT)
        lease_at_arrival.world = w
        w.subscribe("C1", "daily 09:00 UTC always")
        with refused(
            lease_at_arrival.engine, "maybe_posted", "NEW.maybe_posted AND NOT OLD.maybe_posted"
        ):
            try:
                report = await asyncio.wait_for(w.tick(SLOT + timedelta(seconds=5)), 10)
            except TimeoutError:
                pytest.fail("the pass still waits, 10 s after the database refused its renewal")
            assert report.sent == [] and slack.calls_to("chat.postMessage") == []
            # the operator is told, in one line
            said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
            assert said == ["could not renew 1 leases before posting"]
        report = await w.tick(SLOT + timedelta(seconds=5 + LEASE + 1))
        assert len(report.sent) == 1 and len(posts_in(slack)) == 1
        await w.close()


async def test_a_pass_to_more_channels_than_it_posts_at_once_posts_each_once(db_url: str) -> None:
    """Posts leave a few at a time (``DELIVERY_CONCURRENCY``) and their leases are renewed in
    batches that take the next claims in line: with more channels than that, every channel still
    gets its digest once, and the pass ends."""
    channels = [f"C{n}" for n in range(1, 8)]
    with FakeSlack() as slack:
        w = World(db_url, slack, delivery_concurrency=2, lease_seconds=LEASE)
        for channel in channels:
            w.subscribe(channel, "daily 09:00 UTC always")
        try:
            report = await asyncio.wait_for(w.tick(SLOT + timedelta(seconds=5)), 20)
        except TimeoutError:
            pytest.fail("the pass did not end in 20 s")
        assert len(report.sent) == len(channels)
        assert {c: len(slack.top_level(c)) for c in channels} == dict.fromkeys(channels, 1)
        await w.close()


async def test_a_lease_renewal_the_database_refuses_once_is_made_at_the_next_beat(
    db_url: str, lease_at_arrival: LeaseAtArrival, caplog: pytest.LogCaptureFixture
) -> None:
    """While a post waits out a long Retry-After, the database refuses a renewal of its lease
    for a moment (locked, a failover). The next renewal goes through: the lease stays A's, clock
    B takes nothing over, and A sends the post once. (A lease of 0.9 s, renewed every 0.3 s on
    real time, as in the test above.)"""
    with FakeSlack(clock=lease_at_arrival) as slack:
        a, b = renewing_pair(db_url, slack)
        lease_at_arrival.world = a
        a_pass = await waiting_out(slack, a, retry_after=3)
        a.clock.at = SLOT + timedelta(seconds=60)  # far past the lease A took
        with refused(lease_at_arrival.engine, "lease_until"):
            await asyncio.sleep(0.5)  # one renewal at least is refused
        await asyncio.sleep(0.8)  # two renewals at least go through
        b_report = await b.tick(a.clock.at)
        assert b_report.sent == []  # the lease was A's still
        a_report = await asyncio.wait_for(a_pass, 20)
        assert len(a_report.sent) == 1 and len(posts_in(slack)) == 1
        # each refused renewal is one line for the operator
        said = {r.getMessage() for r in caplog.records if r.levelno == logging.ERROR}
        assert said == {"could not renew 1 leases"}
        await a.close()
        await b.close()


async def test_leases_are_renewed_once_per_batch_of_posts_not_once_per_post(db_url: str) -> None:
    """Before posts leave, their leases are renewed in one statement for the posts waiting and
    the next ones in line (as many as ``DELIVERY_CONCURRENCY``): a pass to 100 channels, ten at
    a time, writes about ten times, not a hundred (a database shared by thousands of channels
    would otherwise take a write per post)."""
    from sqlalchemy import event

    channels = [f"C{n}" for n in range(100)]
    renewals: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (
            statement.startswith("UPDATE deliveries SET lease_until")
            and "maybe_posted" in statement
        ):
            renewals.append(statement)

    with FakeSlack() as slack:
        w = World(db_url, slack, delivery_concurrency=10, lease_seconds=LEASE)
        for channel in channels:
            w.subscribe(channel, "daily 09:00 UTC always")
        event.listen(w.store.engine, "before_cursor_execute", seen)
        report = await asyncio.wait_for(w.tick(SLOT + timedelta(seconds=5)), 60)
        assert len(report.sent) == len(channels)
        assert len(renewals) <= 12, len(renewals)  # 9 on this machine; 24 or more without
        await w.close()


async def test_a_claim_another_clock_took_over_is_dropped_at_the_next_beat_and_said_once(
    db_url: str, lease_at_arrival: LeaseAtArrival, caplog: pytest.LogCaptureFixture
) -> None:
    """Clock B runs ahead of clock A by more than a lease (two machines whose clocks disagree):
    while A waits out a Retry-After, B finds A's lease run out, takes the post over and sends it.
    A's next lease renewal finds the post B's: A drops it, says so in one line, and does not
    send it when its wait is over, though its own clock says its lease has time left. The
    channel gets the post once. (A lease of 0.9 s, renewed every 0.3 s on real time.)"""
    caplog.set_level(logging.WARNING, "declaration_bot")
    with FakeSlack(clock=lease_at_arrival) as slack:
        a, b = renewing_pair(db_url, slack)
        lease_at_arrival.world = b
        a_pass = await waiting_out(slack, a, retry_after=2)
        await asyncio.sleep(0.7)  # A's renewals go through, and say nothing
        b_report = await b.tick(SLOT + timedelta(seconds=60))  # B's clock: far ahead of A's
        assert len(b_report.sent) == 1
        a_report = await asyncio.wait_for(a_pass, 20)
        assert a_report.sent == [] and len(posts_in(slack)) == 1
        said = [r.getMessage() for r in caplog.records if "taken over" in r.getMessage()]
        assert said == ["1 claims were taken over by another clock"]
        await a.close()
        await b.close()
