"""Exactly once, when Slack is slow or answers badly: the real deliverer, a real database (SQLite
and PostgreSQL) and the fake Slack on loopback, which keeps every channel's messages with their
metadata and can accept a post while its client sees a timeout, a 500 or a dropped connection.
Nothing of ours is mocked. Doubles are counted in what the channels show, not in what the bot
believes it sent."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from sqlalchemy import Row, select

from bot import metrics
from bot.app import Runtime, create_app
from bot.clock import Clock
from bot.config import Settings
from bot.content.loading import load_library
from bot.delivery.deliverer import Deliverer, DeliverySettings
from bot.delivery.history import History, Seen
from bot.delivery.planner import Rules
from bot.delivery.report import PassReport
from bot.delivery.transport import EVENT_TYPE, Pacing, delivery_key, post_metadata
from bot.slack.clients import SlackClients
from bot.store.store import Store
from bot.store.tables import deliveries
from bot.subscriptions.replies import last_result
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import CONTENT
from tests.deliveryhelp import once, shown
from tests.fakeslack import FakeSlack

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # every channel's slot: daily 09:00 UTC
N = 300  # channels, as the "done means" asks


class MovingClock:
    """Time that passes: starts at ``start`` and runs with the real clock (leases expire)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


class Clockwork:
    """One clock process: its own store (engine), runtime, Slack clients and deliverer."""

    def __init__(self, db_url: str, slack: FakeSlack, clock: Clock, **cfg: Any) -> None:
        self.clock = clock
        self.settings = Settings(
            slack_bot_token=SecretStr("xoxb-delivery"),
            slack_api_url=slack.base_url,
            database_url=db_url,
            retry_base_seconds=0.01,
            **cfg,
        )
        self.store = Store.open(db_url)
        self.rt = Runtime.build(self.settings, load_library(CONTENT), clock, self.store)
        assert self.rt.deliverer is not None
        self.deliverer: Deliverer = self.rt.deliverer

    def subscribe(self, channels: list[str], words: str = "daily 09:00 UTC always") -> None:
        split = words.split()
        schedule = parse_schedule([w for w in split if w != "always"])
        assert isinstance(schedule, Schedule), schedule
        for channel in channels:
            self.store.subscribe(
                team_id="T1",
                channel_id=channel,
                schedule=schedule,
                now=T0 - timedelta(hours=1),
                always="always" in split,
            )

    async def tick(self) -> PassReport:
        return await self.deliverer.run_pass()

    def rows(self) -> list[Row[Any]]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(deliveries).order_by(deliveries.c.id)))

    async def close(self) -> None:
        if self.rt.clients:
            await self.rt.clients.close()
        self.store.close()


def channels(n: int = N) -> list[str]:
    return [f"C{i:03d}" for i in range(n)]


def fake_at(clock: Clock) -> FakeSlack:
    """A fake Slack whose message timestamps follow the bot's clock (as Slack's follow ours)."""
    return FakeSlack(clock=lambda: clock.now().timestamp())


# --- the key every post carries ---------------------------------------------------------------


async def test_every_post_carries_its_delivery_key(db_url: str) -> None:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(db_url, slack, clock)
        w.subscribe(["CKEY"])
        report = await w.tick()
        (message,) = slack.top_level("CKEY")
        (sub_id,) = {o.subscription_id for o in report.sent}
        assert message["metadata"] == {
            "event_type": EVENT_TYPE,
            "event_payload": {"delivery": delivery_key(sub_id, T0)},
        }
        assert delivery_key(sub_id, T0) == f"{sub_id}@2026-12-01T09:00:00Z"
        # the reply in the digest's thread carries a key of its own, derived from the slot's
        (reply,) = slack.thread("CKEY", message["ts"])
        assert reply["metadata"] == {
            "event_type": EVENT_TYPE,
            "event_payload": {"delivery": f"{sub_id}@2026-12-01T09:00:00Z/thread"},
        }
        await w.close()


# --- posts Slack accepted whose answer was lost --------------------------------------------

FAILURES = ["timeout", "500", "drop", "error:internal_error", "error:fatal_error"]


async def test_posts_accepted_but_unanswered_are_found_in_the_history_not_doubled(
    db_url: str,
) -> None:
    """300 channels; every first post is stored by Slack while the bot sees a timeout (the
    fake answers after 5 s, the limit is 0.5 s), an HTTP 500, a dropped connection,
    internal_error or fatal_error. Each is found in the history and recorded with its ts."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(db_url, slack, clock, slack_timeout_seconds=0.5)
        names = channels()
        w.subscribe(names)
        for i, name in enumerate(names):
            slack.accept_but(FAILURES[i % len(FAILURES)], channel=name, hang=5.0)
        report = await w.tick()
        assert shown(slack) == once(names)  # 0 doubled, 0 missing, digest and reply both
        assert len(report.sent) == N
        # one request per channel and message: nothing was sent again, by the pass or the client
        calls = slack.calls_to("chat.postMessage")
        assert Counter(
            (c.params["channel"], "reply" if c.params.get("thread_ts") else "post") for c in calls
        ) == once(names)
        ts_shown = {str(m["channel"]): m["ts"] for m in slack.top_level()}
        subs = {s.id: s.channel_id for s in w.store.list_team("T1")}
        rows = w.rows()
        assert {r.status for r in rows} == {"sent"}
        assert {subs[r.subscription_id]: r.message_ts for r in rows} == ts_shown
        assert all(not r.maybe_posted for r in rows)
        # the next pass has nothing to do
        await w.tick()
        assert shown(slack) == once(names)
        await w.close()


async def test_a_hanging_slack_is_cut_off_at_the_configured_limit(sqlite_url: str) -> None:
    """SLACK_TIMEOUT_SECONDS holds on the shared session: a post Slack answers only after 5 s is
    given up at 0.5 s, its outcome is unknown, and the history tells it was posted."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock, slack_timeout_seconds=0.5)
        w.subscribe(["CHANG"])
        slack.accept_but("timeout", channel="CHANG", hang=5.0)
        report = await w.tick()
        digest, reply = slack.calls_to("chat.postMessage")
        assert digest.status == 0 and reply.status == 200  # the digest was never answered
        assert len(slack.calls_to("conversations.history")) == 1  # so the pass looked
        (message,) = slack.top_level("CHANG")
        assert reply.params["thread_ts"] == message["ts"]
        assert [o.message_ts for o in report.sent] == [message["ts"]]
        await w.close()


async def test_a_post_slack_refused_is_sent_again_after_the_history_check(
    sqlite_url: str,
) -> None:
    """A 503 that did not post anything: the history says so, and the post goes out once."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock)
        w.subscribe(["C503"])
        slack.fail("chat.postMessage", "service_unavailable", status=503)
        report = await w.tick()
        assert len(report.sent) == 1 and shown(slack) == once(["C503"])
        assert len(slack.calls_to("conversations.history")) == 1
        assert len(slack.calls_to("chat.postMessage")) == 3  # the digest twice, then its reply
        await w.close()


# --- when the history cannot be read: UNCERTAIN_POSTS -----------------------------------------


@pytest.mark.parametrize("error", ["not_in_channel", "missing_scope"])
async def test_unreadable_history_gives_up_by_default_and_says_so(db_url: str, error: str) -> None:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(db_url, slack, clock)
        assert w.settings.uncertain_posts == "give-up"
        w.subscribe(["CPRIV", "COK"])
        slack.fail_always("conversations.history", error, channel="CPRIV")
        slack.accept_but("500", channel="CPRIV")
        report = await w.tick()
        # posted once, not again (nor its reply: the digest is not known to be there)
        assert shown(slack) == once(["COK"]) + once(["CPRIV"], replies=False)
        assert len(report.uncertain) == 1 and len(report.sent) == 1
        assert "1 uncertain" in report.lines()[0]
        sub = w.store.get("T1", "CPRIV")
        assert sub is not None and not sub.paused
        (row,) = w.store.deliveries(sub.id)
        assert row["status"] == "uncertain" and error in (row["error"] or "")
        # what `status` says in the channel, in each language
        assert "may have been posted" in last_result(sub.last_result, "en")
        assert "peut-être publié" in last_result(sub.last_result, "fr")
        assert "可能已发布" in last_result(sub.last_result, "zh")
        # a later pass does not send it either; the next day's digest goes out as usual
        await w.tick()
        assert shown(slack)[("CPRIV", "post")] == 1
        await w.close()


async def test_unreadable_history_resends_when_configured(db_url: str) -> None:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(db_url, slack, clock, uncertain_posts="resend")
        w.subscribe(["CPRIV"])
        slack.fail_always("conversations.history", "not_in_channel", channel="CPRIV")
        slack.accept_but("500", channel="CPRIV")
        report = await w.tick()
        # the rule chosen: a possible double rather than a possible gap
        assert shown(slack) == once(["CPRIV"]) + once(["CPRIV"], replies=False)
        assert len(report.sent) == 1 and report.uncertain == []
        sub = w.store.get("T1", "CPRIV")
        assert sub is not None and sub.last_result == "sent"
        await w.close()


def test_the_rule_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNCERTAIN_POSTS", "RESEND")
    assert Settings().uncertain_posts == "resend"
    monkeypatch.setenv("UNCERTAIN_POSTS", "give_up")
    assert Settings().uncertain_posts == "give-up"


async def test_a_rate_limited_history_is_checked_later_never_guessed(sqlite_url: str) -> None:
    """History that cannot be read *now* (429) is not a reason to resend: the post waits for a
    later pass, which finds it."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock, slack_timeout_seconds=0.2)
        w.subscribe(["CRL"])
        slack.accept_but("timeout", channel="CRL", hang=0.5)
        slack.fail_always("conversations.history", "ratelimited", status=429, retry_after=1)
        report = await w.tick()
        assert len(report.retrying) == 1 and shown(slack) == once(["CRL"], replies=False)
        (row,) = w.rows()
        assert row.status == "claimed" and row.maybe_posted
        slack.clear_faults()
        clock.start += timedelta(minutes=10)  # past the retry time
        report = await w.tick()
        assert len(report.sent) == 1 and shown(slack) == once(["CRL"])
        await w.close()


# --- one retry policy ---------------------------------------------------------------------


async def test_delivery_clients_never_retry_a_post_themselves(sqlite_url: str) -> None:
    clock = MovingClock(T0)
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock)
        clients = w.rt.clients
        assert isinstance(clients, SlackClients)
        client = await clients.for_team("T1")
        assert client is not None and client.retry_handlers == []
        slack.accept_but("drop", channel="CX")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await client.chat_postMessage(channel="CX", text="hello")
        slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1)
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="CX", text="hello")
        assert len(slack.calls_to("chat.postMessage")) == 2  # one request each, no retry
        await w.close()


async def test_interactive_calls_wait_out_one_rate_limit(sqlite_url: str) -> None:
    clock = MovingClock(T0)
    with fake_at(clock) as slack:
        slack.add_user("U1")
        w = Clockwork(sqlite_url, slack, clock)
        app = create_app(w.rt)
        slack.fail("users.info", "ratelimited", status=429, retry_after=1)
        info = await app.client.users_info(user="U1")
        assert info["user"]["id"] == "U1"
        assert [c.status for c in slack.calls_to("users.info")] == [429, 200]
        await w.close()


@settings(max_examples=50, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=12),
    base=st.floats(min_value=0.01, max_value=5.0),
    cap=st.floats(min_value=0.1, max_value=60.0),
)
def test_back_off_is_exponential_with_full_jitter(attempt: int, base: float, cap: float) -> None:
    d = Deliverer.__new__(Deliverer)
    d.settings = DeliverySettings(retry_base=base, retry_cap=cap)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    waits = [d._backoff(attempt) for _ in range(40)]
    assert all(0.0 <= x <= ceiling for x in waits)
    # jitter: posts that failed together do not come back together
    assert len({round(x, 9) for x in waits}) > 30


# --- leases that cover the work -----------------------------------------------------------


async def test_a_rate_limit_storm_longer_than_the_lease_with_two_clocks(db_url: str) -> None:
    """Clock A claims 300 posts; Slack answers 429 to every post for 2.5 s, longer than the 1.6 s
    lease. A keeps renewing its leases while it waits, so clock B, ticking all along, takes
    nothing over; once the storm ends A posts each channel once. (The lease leaves room for a
    heartbeat delayed by a busy machine: the suite runs on two cores, several tests at once.)"""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(db_url, slack, clock, lease_seconds=1.6, slack_timeout_seconds=0.3)
        b = Clockwork(db_url, slack, clock, lease_seconds=1.6, slack_timeout_seconds=0.3)
        names = channels()
        a.subscribe(names)
        slack.fail_always("chat.postMessage", "ratelimited", status=429, retry_after=1)
        calm = threading.Timer(2.5, slack.clear_faults)
        calm.start()
        a_pass = asyncio.create_task(a.tick())
        while len(a.rows()) < N:  # A has claimed everything
            await asyncio.sleep(0.01)
        b_reports: list[PassReport] = []
        while not a_pass.done():  # B ticks all along, every 0.2 s
            b_reports.append(await b.tick())
            await asyncio.sleep(0.2)
        a_report = await a_pass
        calm.cancel()
        assert shown(slack) == once(names)  # 0 doubled, 0 missing, digest and reply both
        assert len(a_report.sent) == N
        assert sum(len(r.sent) for r in b_reports) == 0 and len(b_reports) > 5
        assert all(r.status == "sent" for r in a.rows())
        await a.close()
        await b.close()


async def test_a_taken_over_claim_is_never_sent_by_its_old_owner(sqlite_url: str) -> None:
    """A clock whose lease ran out while it was held up (a pause, a storm it could not renew
    through) finds the claim taken over when it is about to send, and sends nothing."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        b = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        a.subscribe(channels(20))
        claims, _ = a.store.claim_due(
            clock.now(),
            Rules(a.rt.library, max_late=timedelta(hours=6)),
            lease=timedelta(seconds=1),
        )
        clock.start += timedelta(seconds=2)  # A froze for longer than its lease
        report_b = await b.tick()  # B takes everything over and posts it
        assert len(report_b.sent) == 20
        # A wakes up and carries on with the claims it had
        library = a.rt.library
        outcomes, handed_back = await a.deliverer._fan_out(claims, library, clock.now())
        assert outcomes == [] and handed_back == 0
        assert shown(slack) == once(channels(20))
        assert {r.claimed_by for r in a.rows()} == {b.store.worker}
        await a.close()
        await b.close()


async def test_a_claim_taken_over_from_a_dead_clock_is_looked_up_first(db_url: str) -> None:
    """A pass died after its posts left (SIGKILL before it recorded them): the next owner finds
    them in the history and records them, and posts only the ones that never left."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        names = channels(40)
        a.subscribe(names)
        claims, _ = a.store.claim_due(
            clock.now(),
            Rules(a.rt.library, max_late=timedelta(hours=6)),
            lease=timedelta(seconds=1),
        )
        # the dead pass had marked and sent the first 25 (Slack has them), then died
        sent_ids = [c.delivery_id for c in claims[:25]]
        assert a.store.renew(sent_ids, clock.now() + timedelta(seconds=1), sending=True) == set(
            sent_ids
        )
        client = await a.rt.clients.for_team("T1") if a.rt.clients else None
        assert client is not None
        for c in claims[:25]:
            await client.chat_postMessage(
                channel=c.subscription.channel_id, text="x", metadata=post_metadata(c)
            )
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        report = await b.tick()
        assert shown(slack) == once(names)
        assert len(report.sent) == 40
        assert len(slack.calls_to("conversations.history")) == 25  # only those that had left
        # found, each digest's thread was looked at, and only its missing reply posted
        assert len(slack.calls_to("conversations.replies")) == 25
        await b.close()


async def test_a_pass_that_died_between_a_digest_and_its_reply_posts_only_the_reply(
    db_url: str,
) -> None:
    """A pass died with 30 claims marked: 10 digests and their replies had left, 10 digests
    without their replies, 10 nothing. The next owner posts 10 digests and 20 replies: no
    message doubled, none missing."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        names = channels(30)
        a.subscribe(names)
        claims, client = await died_sending(a, clock)
        for i, c in enumerate(claims[:20]):
            channel = c.subscription.channel_id
            top = await client.chat_postMessage(
                channel=channel, text="x", metadata=post_metadata(c)
            )
            if i < 10:
                await client.chat_postMessage(
                    channel=channel,
                    text="y",
                    thread_ts=top["ts"],
                    metadata=post_metadata(c, reply=True),
                )
        await a.close()
        before = len(slack.calls_to("chat.postMessage"))
        clock.start += timedelta(seconds=2)
        b = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        report = await b.tick()
        assert shown(slack) == once(names)  # 0 doubled, 0 missing
        assert len(report.sent) == 30 and {r.status for r in b.rows()} == {"sent"}
        posted = slack.calls_to("chat.postMessage")[before:]
        assert sum(1 for c in posted if not c.params.get("thread_ts")) == 10
        assert sum(1 for c in posted if c.params.get("thread_ts")) == 20
        # each slot is recorded with its digest's ts, found or posted
        tops = {str(m["channel"]): m["ts"] for m in slack.top_level()}
        subs = {s.id: s.channel_id for s in b.store.list_team("T1")}
        assert {subs[r.subscription_id]: r.message_ts for r in b.rows()} == tops
        await b.close()


async def test_a_post_whose_lease_ran_out_leaves_no_byte(sqlite_url: str) -> None:
    """The last check is made as the request's bytes are about to be written (a clock frozen
    between its lease check and that moment must not send): refused, Slack sees nothing."""
    from bot.delivery.transport import _SEND_GUARD, _SendGuard

    clock = MovingClock(T0)
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock)
        assert w.rt.clients is not None
        client = await w.rt.clients.for_team("T1")
        assert client is not None
        refuse = _SendGuard(lambda: False)
        token = _SEND_GUARD.set(refuse)
        try:
            with pytest.raises(Exception, match="lease"):
                await client.chat_postMessage(channel="CLATE", text="too late")
        finally:
            _SEND_GUARD.reset(token)
        assert refuse.refused and slack.calls_to("chat.postMessage") == []
        allow = _SendGuard(lambda: True)
        token = _SEND_GUARD.set(allow)
        try:
            await client.chat_postMessage(channel="CLATE", text="in time")
        finally:
            _SEND_GUARD.reset(token)
        assert [m["text"] for m in slack.messages("CLATE")] == ["in time"]
        await w.close()


# --- the history search: busy channels, long threads, faults of its own ---------------------


def keys_shown(slack: FakeSlack, channel: str) -> Counter[str]:
    """The delivery keys the channel shows (digests and replies), each as often as it is shown;
    people's messages carry none."""
    found: Counter[str] = Counter()
    for m in slack.messages(channel):
        meta = m.get("metadata")
        if isinstance(meta, dict) and meta.get("event_type") == EVENT_TYPE:
            found[str(meta["event_payload"]["delivery"])] += 1
    return found


def history_checks() -> Counter[str]:
    """``declaration_history_checks_total`` by result, as ``/metrics`` shows it."""
    found: Counter[str] = Counter()
    for line in metrics.exposition().decode().splitlines():
        if line.startswith("declaration_history_checks_total{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('result="', 1)[1].split('"', 1)[0]] = int(float(value))
    return found


def chatter(slack: FakeSlack, channel: str, after: float, n: int, thread_ts: str = "") -> None:
    """``n`` messages people wrote in ``channel`` (in the thread ``thread_ts``, if given), one
    millisecond apart from ``after`` (seconds since the epoch)."""
    for i in range(n):
        said = {"type": "message", "channel": channel, "user": "U1", "text": f"chat {i}"}
        said["ts"] = f"{after + (i + 1) / 1000:.6f}"
        if thread_ts:
            said["thread_ts"] = thread_ts
        slack.said(said)


async def died_sending(w: Clockwork, clock: MovingClock) -> tuple[list[Any], Any]:
    """A pass that claimed everything due and marked it as leaving for Slack (so its next owner
    looks in the history first), then dies before it sends anything itself: its claims and its
    Slack client, for the test to send what had left."""
    claims, _ = w.store.claim_due(
        clock.now(),
        Rules(w.rt.library, max_late=timedelta(hours=6)),
        lease=timedelta(seconds=1),
    )
    ids = [c.delivery_id for c in claims]
    assert w.store.renew(ids, clock.now() + timedelta(seconds=1), sending=True) == set(ids)
    client = await w.rt.clients.for_team("T1") if w.rt.clients else None
    assert client is not None
    return claims, client


async def digest_left(
    url: str, slack: FakeSlack, clock: MovingClock, channel: str
) -> tuple[Clockwork, Any, Any, Any]:
    """A clock whose pass died right after the digest for ``channel`` reached Slack (before it
    recorded it): the clock, its claim, its Slack client, and Slack's answer to the digest."""
    a = Clockwork(url, slack, clock, lease_seconds=1.0)
    a.subscribe([channel])
    (claim,), client = await died_sending(a, clock)
    top = await client.chat_postMessage(channel=channel, text="x", metadata=post_metadata(claim))
    return a, claim, client, top


async def test_a_busy_channel_is_searched_page_by_page_and_the_post_is_not_doubled(
    db_url: str,
) -> None:
    """A pass died after its digest left; 40 people wrote in the channel since. The history is
    read 15 messages a page, newest first: the digest is on the third page. It is found there
    and recorded, not posted again; only its reply goes out. /metrics counts one history check
    that found the post and one thread check that did not (the reply had never left)."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a, claim, _, top = await digest_left(db_url, slack, clock, "CBUSY")
        chatter(slack, "CBUSY", float(top["ts"]), 40)
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        before = history_checks()
        report = await b.tick()
        key = delivery_key(claim.subscription.id, T0)
        assert keys_shown(slack, "CBUSY") == Counter([key, f"{key}/thread"])  # none doubled
        assert [o.message_ts for o in report.sent] == [top["ts"]]
        assert len(slack.calls_to("conversations.history")) == 3  # 15 + 15 + 11 messages
        checks = history_checks() - before
        assert checks == Counter({"found": 1, "not_found": 1})
        await b.close()


async def test_a_lively_thread_is_searched_page_by_page_and_the_reply_is_not_doubled(
    db_url: str,
) -> None:
    """A pass died after a digest and, much later, its reply had left: 40 people had replied in
    the digest's thread in between. The thread is read 15 messages a page, oldest first: the
    reply is on the third page, found there, and not posted again."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a, claim, client, top = await digest_left(db_url, slack, clock, "CTHREAD")
        chatter(slack, "CTHREAD", float(top["ts"]), 40, thread_ts=top["ts"])
        await client.chat_postMessage(
            channel="CTHREAD",
            text="y",
            thread_ts=top["ts"],
            metadata=post_metadata(claim, reply=True),
        )
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(db_url, slack, clock, lease_seconds=1.0)
        before = history_checks()
        report = await b.tick()
        key = delivery_key(claim.subscription.id, T0)
        assert keys_shown(slack, "CTHREAD") == Counter([key, f"{key}/thread"])  # none doubled
        assert [o.message_ts for o in report.sent] == [top["ts"]]
        assert len(slack.calls_to("conversations.replies")) == 3  # 15 + 15 + 12 messages
        assert history_checks() - before == Counter({"found": 2})
        await b.close()


async def test_a_message_of_another_kind_carrying_the_key_is_not_taken_for_the_post(
    sqlite_url: str,
) -> None:
    """A pass died as its digest was about to leave; it never did. The channel shows a message
    whose metadata is of another kind (another app's event) but names the same delivery: it is
    not the digest, so the digest is posted, once."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        a.subscribe(["COTHER"])
        (claim,), client = await died_sending(a, clock)
        key = delivery_key(claim.subscription.id, T0)
        other = {"event_type": "quoted_elsewhere", "event_payload": {"delivery": key}}
        await client.chat_postMessage(channel="COTHER", text="quote", metadata=other)
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        report = await b.tick()
        assert keys_shown(slack, "COTHER") == Counter([key, f"{key}/thread"])
        (sent,) = report.sent
        (digest,) = [m for m in slack.top_level("COTHER") if m.get("metadata", {}) != other]
        assert sent.message_ts == digest["ts"]
        await b.close()


async def test_more_than_300_messages_since_the_slot_leave_the_post_for_later_never_doubled(
    sqlite_url: str,
) -> None:
    """A pass died after its digest left; 310 messages were written since. The search stops
    after 20 pages of 15 without finding it: that says nothing about the digest, so it is not
    posted again; it is left for a later pass (a guess of "not there" would double it)."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a, claim, _, top = await digest_left(sqlite_url, slack, clock, "CFLOOD")
        chatter(slack, "CFLOOD", float(top["ts"]), 310)
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        before = history_checks()
        report = await b.tick()
        assert keys_shown(slack, "CFLOOD") == Counter([delivery_key(claim.subscription.id, T0)])
        assert len(report.retrying) == 1 and report.sent == []
        (row,) = b.rows()
        assert row.status == "claimed" and row.maybe_posted
        assert len(slack.calls_to("conversations.history")) == 20
        assert history_checks() - before == Counter({"unknown": 1})
        await b.close()


async def test_a_long_history_before_the_slot_does_not_hold_a_post_back(
    sqlite_url: str,
) -> None:
    """A channel with 320 messages from the day before. A post Slack answered with a 503 (it
    stored nothing) is looked for from 10 minutes before its slot only: not there, so it is
    posted, once, in the same pass (searching the old messages would find no end to them and
    hold the post back)."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        chatter(slack, "COLD", (T0 - timedelta(days=1)).timestamp(), 320)
        w = Clockwork(sqlite_url, slack, clock)
        w.subscribe(["COLD"])
        slack.fail("chat.postMessage", "service_unavailable", status=503)
        report = await w.tick()
        assert len(report.sent) == 1 and report.retrying == []
        assert sum(keys_shown(slack, "COLD").values()) == 2  # the digest and its reply, once
        assert len(slack.calls_to("conversations.history")) == 1
        await w.close()


@pytest.mark.parametrize(
    "fault", ["HTTP 500", "fatal_error", "dropped connection", "no answer in time"]
)
async def test_a_history_slack_cannot_serve_now_is_checked_later_never_guessed(
    sqlite_url: str, fault: str
) -> None:
    """A post Slack stored while the bot saw an HTTP 500; the history search then fails too
    (Slack's 500, an error code, a dropped connection, no answer in time). That tells nothing:
    the post is not sent again now, and the next pass finds it."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock, slack_timeout_seconds=0.5)
        w.subscribe(["CHIST"])
        slack.accept_but("500", channel="CHIST")
        history = "conversations.history"
        if fault == "HTTP 500":
            slack.fail(history, "internal_error", status=500)
        elif fault == "fatal_error":
            slack.fail(history, "fatal_error")
        elif fault == "dropped connection":  # every time: aiohttp asks again once itself
            slack.accept_but("drop", method=history, times=None)
        else:
            slack.accept_but("timeout", method=history, hang=3.0)
        report = await w.tick()
        assert len(report.retrying) == 1 and shown(slack) == once(["CHIST"], replies=False)
        (row,) = w.rows()
        assert row.status == "claimed" and row.maybe_posted
        slack.clear_faults()
        clock.start += timedelta(minutes=10)  # past the retry time
        report = await w.tick()
        assert len(report.sent) == 1 and shown(slack) == once(["CHIST"])
        await w.close()


async def test_a_rate_limited_history_waits_retry_after_as_often_as_a_post_may(
    sqlite_url: str,
) -> None:
    """Two uncertain posts whose history searches Slack rate-limits: CWAIT's three times (first
    Retry-After 2, then 1), CSTORM's four times. Each answer's Retry-After is waited out before
    asking again; CWAIT's fourth try reads the history and finds its digest (recorded, not sent
    again), CSTORM gives up after four tries, as a post does, and waits for a later pass; neither
    is posted twice."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock)
        w.subscribe(["CWAIT", "CSTORM"])
        slack.accept_but("500", times=2)
        history = "conversations.history"
        slack.fail(history, "ratelimited", status=429, retry_after=2, channel="CWAIT")
        slack.fail(history, "ratelimited", status=429, retry_after=1, times=2, channel="CWAIT")
        slack.fail(history, "ratelimited", status=429, retry_after=1, times=4, channel="CSTORM")
        report = await w.tick()
        assert shown(slack) == once(["CWAIT"]) + once(["CSTORM"], replies=False)
        subs = {s.id: s.channel_id for s in w.store.list_team("T1")}
        assert [subs[o.subscription_id] for o in report.sent] == ["CWAIT"]
        assert [subs[o.subscription_id] for o in report.retrying] == ["CSTORM"]
        waits = [c.at for c in slack.calls_to(history) if c.params["channel"] == "CWAIT"]
        assert len(waits) == 4
        assert waits[1] - waits[0] >= 1.9 and waits[2] - waits[1] >= 0.9
        assert waits[3] - waits[2] >= 0.9
        tries = [c for c in slack.calls_to(history) if c.params["channel"] == "CSTORM"]
        assert [c.status for c in tries] == [429] * 4
        await w.close()


async def test_a_reply_whose_outcome_is_unknown_at_shutdown_is_not_sent_again_blind(
    sqlite_url: str,
) -> None:
    """A pass died after its digest left. The next owner finds the digest and posts its reply;
    SIGTERM arrives while the reply hangs (Slack stored it, the bot sees no answer). The reply
    is in flight, so the pass finishes it within the grace, but with the clock stopping its
    thread is not searched: the reply is not sent again (it would show twice), it is left for
    the next pass, which finds it."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a, claim, _, top = await digest_left(sqlite_url, slack, clock, "CTERM")
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(sqlite_url, slack, clock, lease_seconds=5.0, slack_timeout_seconds=0.5)
        slack.accept_but("timeout", channel="CTERM", hang=3.0)
        b_pass = asyncio.create_task(b.tick())
        await slack.wait_for_async(
            lambda: any(c.params.get("thread_ts") for c in slack.calls_to("chat.postMessage"))
        )
        await asyncio.wait_for(b.deliverer.shutdown(grace=5), 10)
        report = await b_pass
        key = delivery_key(claim.subscription.id, T0)
        assert keys_shown(slack, "CTERM") == Counter([key, f"{key}/thread"])  # none doubled
        assert report.sent == [] and len(report.retrying) == 1
        (row,) = b.rows()
        assert row.status == "claimed" and row.maybe_posted
        await b.close()
        clock.start += timedelta(minutes=10)  # past the retry time
        c = Clockwork(sqlite_url, slack, clock)
        report = await c.tick()
        assert [o.message_ts for o in report.sent] == [top["ts"]]
        assert keys_shown(slack, "CTERM") == Counter([key, f"{key}/thread"])
        await c.close()


async def test_a_workspace_slack_told_to_wait_does_not_hold_back_another_workspace_s_search(
    sqlite_url: str,
) -> None:
    """Slack's limits are per workspace. T1's history search is rate-limited (Retry-After 30 s):
    T1's next search waits out those 30 s, while T2's search, started right after, is answered at
    once. One search at a time, in order: no race decides it."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        w = Clockwork(sqlite_url, slack, clock)
        w.subscribe(["CT1"])
        schedule = parse_schedule(["daily", "09:00", "UTC"])
        assert isinstance(schedule, Schedule)
        w.store.subscribe(
            team_id="T2", channel_id="CT2", schedule=schedule, now=T0 - timedelta(hours=1)
        )
        claims, client = await died_sending(w, clock)
        mine = {c.subscription.team_id: c for c in claims}
        slack.fail("conversations.history", "ratelimited", status=429, retry_after=30)
        history = History(Pacing(asyncio.Event(), 0.0), max_attempts=1)
        told = await history.look(client, mine["T1"], "k1")
        assert told.unknown == "history rate limited, Retry-After 30s"
        other = await asyncio.wait_for(history.look(client, mine["T2"], "k2"), 10)
        assert other == Seen()  # searched, and the post is not there
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(history.look(client, mine["T1"], "k1"), 1)
        assert [c.params["channel"] for c in slack.calls_to("conversations.history")] == [
            "CT1",
            "CT2",
        ]
        await w.close()


async def test_a_rate_limit_on_one_workspace_does_not_hold_another_workspace_back(
    sqlite_url: str,
) -> None:
    """Four workspaces, each with a post whose outcome is unknown. T1's digest (Slack stored it,
    the bot saw a 500) and T3's reply (a dead pass's digest had left without it) are searched
    for first; Slack rate-limits those searches, Retry-After 4 s. T2's digest (no answer in
    time) and T4's reply (its digest found after a 1 s rate limit of T4's own) are searched for
    a second later: T1's and T3's waits do not hold them back. No message shows twice."""
    clock = MovingClock(T0 + timedelta(seconds=5))
    with fake_at(clock) as slack:
        a = Clockwork(sqlite_url, slack, clock, lease_seconds=1.0)
        schedule = parse_schedule(["daily", "09:00", "UTC"])
        assert isinstance(schedule, Schedule)

        def subscribe(team: str, channel: str) -> None:
            a.store.subscribe(
                team_id=team,
                channel_id=channel,
                schedule=schedule,
                now=T0 - timedelta(hours=1),
                always=True,
            )

        subscribe("T3", "CT3")
        subscribe("T4", "CT4")
        claims, client = await died_sending(a, clock)
        for c in claims:
            await client.chat_postMessage(
                channel=c.subscription.channel_id, text="x", metadata=post_metadata(c)
            )
        await a.close()
        clock.start += timedelta(seconds=2)
        b = Clockwork(sqlite_url, slack, clock, lease_seconds=10.0, slack_timeout_seconds=0.5)
        subscribe("T1", "CT1")
        subscribe("T2", "CT2")
        history, replies = "conversations.history", "conversations.replies"
        slack.accept_but("500", channel="CT1")
        slack.accept_but("timeout", channel="CT2", hang=3.0)
        slack.fail(history, "ratelimited", status=429, retry_after=4, channel="CT1")
        slack.fail(replies, "ratelimited", status=429, retry_after=4, channel="CT3")
        slack.fail(history, "ratelimited", status=429, retry_after=1, channel="CT4")
        report = await b.tick()
        names = ["CT1", "CT2", "CT3", "CT4"]
        assert shown(slack) == once(names) and len(report.sent) == 4
        searches = slack.calls_to(history) + slack.calls_to(replies)
        held = min(c.at for c in searches if c.status == 429 and c.params["channel"] != "CT4")
        (t2,) = [c.at for c in slack.calls_to(history) if c.params["channel"] == "CT2"]
        (t4,) = [c.at for c in slack.calls_to(replies) if c.params["channel"] == "CT4"]
        assert t2 - held < 3.0 and t4 - held < 3.0  # not held until T1's and T3's 4 s are up
        await b.close()
