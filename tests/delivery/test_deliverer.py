"""Delivery end to end below the CLI: a real database (SQLite and PostgreSQL), the real deliverer,
and the fake Slack Web API over loopback HTTP. Nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery import digest
from bot.delivery.planner import Channel, Rules, digest_inputs
from bot.store.store import Store
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import CONTENT
from tests.contenthelp import add_summit
from tests.deliveryhelp import T0, World, posts_to
from tests.fakeslack import FakeSlack


async def test_due_digest_is_posted_once_and_never_twice(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.subscribe("C1", "daily 09:00 UTC always")
    report = await w.tick(T0)  # 07:00: not yet
    assert report.sent == [] and slack.posts() == []
    report = await w.tick(T0.replace(hour=9, second=30))
    assert len(report.sent) == 1
    (post,) = slack.posts()
    assert post.params["channel"] == "C1" and post.token == "xoxb-delivery"
    assert "AI-governance digest" in post.params["text"]
    (reply,) = slack.thread_posts()  # the summits ahead are in the digest's thread
    assert reply.params["thread_ts"] == post.response["ts"]
    assert "Upcoming summits" in str(reply.params["blocks"])
    for _ in range(3):  # the same instant again, and a bit later: nothing new
        await w.tick(T0.replace(hour=9, minute=1))
    assert len(slack.posts()) == 1
    sub = w.store.get("T1", "C1")
    assert sub is not None and sub.last_result == "sent" and sub.digests_sent == 1
    await w.tick(T0.replace(hour=9) + timedelta(days=1))  # the next day: the next digest
    assert len(slack.posts()) == 2
    await w.close()


async def test_channels_in_one_pass_each_get_their_own_post(db_url: str, slack: FakeSlack) -> None:
    """A pass composes a post once for all the channels owed the same one: channels alike share
    it, and a channel in another language, on fewer topics or with `always` never gets another
    channel's post."""
    w = World(db_url, slack)
    schedule = parse_schedule("daily 09:00 UTC".split())
    assert isinstance(schedule, Schedule)
    channels: dict[str, dict[str, Any]] = {
        "CEN": {},
        "CEN2": {},
        "CFR": {"lang": "fr"},
        "CZH": {"lang": "zh"},
        "CTOPIC": {"topics": frozenset({"bletchley"})},
        "CALWAYS": {"always": True},
    }
    for channel, extra in channels.items():
        w.store.subscribe(
            team_id="T1", channel_id=channel, schedule=schedule, now=w.clock.now(), **extra
        )
    slot = T0.replace(hour=9)
    await w.tick(slot + timedelta(seconds=30))
    posted = {
        c.params["channel"]: (c.params["text"], json.dumps(c.params["blocks"]))
        for c in slack.posts()
    }
    replies = {c.params["channel"]: json.dumps(c.params["blocks"]) for c in slack.thread_posts()}
    assert sorted(posted) == sorted(channels) == sorted(replies)
    library = w.rt.library
    for channel, extra in channels.items():
        topics = extra.get("topics", frozenset())
        sub = Channel(
            schedule,
            lang=extra.get("lang", "en"),
            topics=topics,
            always=extra.get("always", False),
        )
        inputs = digest_inputs(library, sub, slot, "digest")
        reply = digest.post(library, inputs)
        assert posted[channel] == (reply.text, json.dumps(reply.blocks_json())), channel
        below = digest.thread(library, inputs)
        assert below is not None and replies[channel] == json.dumps(below.blocks_json())
    assert (posted["CEN"], replies["CEN"]) == (posted["CEN2"], replies["CEN2"])
    both = {(posted[c], replies[c]) for c in ("CEN", "CFR", "CZH", "CTOPIC", "CALWAYS")}
    assert len(both) == 5
    await w.close()


async def test_daylight_saving_keeps_local_time(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.clock.at = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    w.subscribe("CPARIS", "daily 09:00 Europe/Paris always")
    # winter (UTC+1): 08:00Z; after 29 March (UTC+2): 07:00Z
    r = await w.tick(datetime(2026, 3, 28, 8, 0, 5, tzinfo=UTC))
    assert len(r.sent) == 1
    r = await w.tick(datetime(2026, 3, 30, 6, 59, tzinfo=UTC))
    assert r.sent == []
    r = await w.tick(datetime(2026, 3, 30, 7, 0, 5, tzinfo=UTC))
    assert len(r.sent) == 1
    await w.close()


async def test_late_posts_are_coalesced_or_skipped(
    db_url: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    w = World(db_url, slack)
    w.clock.at = T0.replace(hour=1)
    w.subscribe("CLATE", "daily 09:00 UTC always")
    w.subscribe("CVERYLATE", "daily 02:00 UTC")
    caplog.set_level(logging.WARNING, "declaration_bot")
    # nothing ran from 09:00 to 13:00: 4 h late is still sent; 02:00's is 11 h late: skipped
    r = await w.tick(T0.replace(hour=13))
    assert posts_to(slack, "CLATE") and not posts_to(slack, "CVERYLATE")
    assert len(r.skipped) == 1 and "skipped digest team=T1 channel=CVERYLATE" in caplog.text
    # three days of downtime: one post (the latest slot), not three
    await w.tick(T0.replace(hour=9, minute=30) + timedelta(days=3))
    assert len(posts_to(slack, "CLATE")) == 2
    await w.close()


async def test_a_pass_that_dies_loses_nothing(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    for i in range(5):
        w.subscribe(f"CD{i}", "daily 09:00 UTC")
    at = T0.replace(hour=9, second=10)
    # a pass claims the work and dies before posting anything
    claims, _ = w.store.claim_due(
        at, Rules(w.rt.library, max_late=timedelta(hours=6)), lease=timedelta(minutes=10)
    )
    assert len(claims) == 5 and slack.posts() == []
    # a restarted process: the claims are still leased, so nothing is posted twice...
    w2 = World(db_url, slack)
    await w2.tick(at + timedelta(minutes=1))
    assert slack.posts() == []
    # ...and once the lease runs out, everything is delivered exactly once
    await w2.tick(at + timedelta(minutes=11))
    assert sorted(c.params["channel"] for c in slack.posts()) == [f"CD{i}" for i in range(5)]
    await w2.tick(at + timedelta(minutes=30))
    assert len(slack.posts()) == 5
    await w.close()
    await w2.close()


async def test_two_clocks_never_post_the_same_digest_twice(db_url: str) -> None:
    with FakeSlack(delay=0.01) as slack:
        a = World(db_url, slack)
        b = World(db_url, slack)
        for i in range(120):
            a.subscribe(f"C{i:03d}", "daily 09:00 UTC")
        at = T0.replace(hour=9, second=5)
        ra, rb = await asyncio.gather(a.tick(at), b.tick(at))
        channels = [c.params["channel"] for c in slack.posts()]
        assert sorted(channels) == [f"C{i:03d}" for i in range(120)]  # none missing, none twice
        assert len(ra.sent) + len(rb.sent) == 120
        await asyncio.gather(a.tick(at + timedelta(minutes=20)), b.tick(at + timedelta(minutes=20)))
        assert len(slack.posts()) == 120
        await a.close()
        await b.close()


async def test_rate_limit_waits_retry_after_and_retries(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.subscribe("C429", "daily 09:00 UTC")
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    r = await w.tick(T0.replace(hour=9, second=1))
    calls = [c for c in slack.calls_to("chat.postMessage") if not c.params.get("thread_ts")]
    assert len(calls) == 2 and len(r.sent) == 1
    assert calls[1].at - calls[0].at >= 0.95 and time.monotonic() - started >= 0.95
    await w.close()


async def test_server_errors_are_retried_with_backoff(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.subscribe("C503", "daily 09:00 UTC")
    slack.fail("chat.postMessage", "service_unavailable", status=503, times=2)
    r = await w.tick(T0.replace(hour=9, second=1))
    tops = [c for c in slack.calls_to("chat.postMessage") if not c.params.get("thread_ts")]
    assert len(r.sent) == 1 and len(tops) == 3
    # a Slack outage longer than the pass: the post waits for a later pass, then goes out once
    w.subscribe("CDOWN", "daily 10:00 UTC")
    slack.fail("chat.postMessage", "service_unavailable", status=503, times=4)
    r = await w.tick(T0.replace(hour=10, second=1))
    assert len(r.retrying) == 1 and not posts_to(slack, "CDOWN")
    await w.tick(T0.replace(hour=10, minute=10))
    assert len(posts_to(slack, "CDOWN")) == 1
    await w.tick(T0.replace(hour=10, minute=30))
    assert len(posts_to(slack, "CDOWN")) == 1
    await w.close()


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_permanent_channel_errors_pause_only_that_channel(
    db_url: str, slack: FakeSlack, error: str
) -> None:
    w = World(db_url, slack)
    w.subscribe("CBAD", "daily 09:00 UTC")
    w.subscribe("CGOOD", "daily 09:00 UTC")
    slack.fail_always("chat.postMessage", error, channel="CBAD")
    r = await w.tick(T0.replace(hour=9, second=1))
    assert len(r.sent) == 1 and len(r.failed) == 1 and posts_to(slack, "CGOOD")
    bad = w.store.get("T1", "CBAD")
    assert bad is not None and bad.paused and error in (bad.paused_reason or "")
    assert (
        len([c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "CBAD"]) == 1
    )
    await w.tick(T0.replace(hour=9) + timedelta(days=1, seconds=1))
    assert (
        len([c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "CBAD"]) == 1
    )
    await w.close()


async def test_revoked_token_pauses_the_workspace(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    for i in range(3):
        w.subscribe(f"CW{i}", "daily 09:00 UTC")
    slack.fail_always("chat.postMessage", "token_revoked")
    await w.tick(T0.replace(hour=9, second=1))
    subs = w.store.list_team("T1")
    assert all(s.paused and "revoked" in (s.paused_reason or "") for s in subs)
    await w.close()


async def test_one_slow_channel_does_not_delay_the_others(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.subscribe("CSLOW", "daily 09:00 UTC")
    for i in range(10):
        w.subscribe(f"CF{i}", "daily 09:00 UTC")
    slack.fail("chat.postMessage", "service_unavailable", status=503, times=3, channel="CSLOW")
    await w.tick(T0.replace(hour=9, second=1))
    fast = [c.at for c in slack.posts() if c.params["channel"] != "CSLOW"]
    slow = [c.at for c in slack.posts() if c.params["channel"] == "CSLOW"]
    assert len(fast) == 10 and len(slow) == 1
    assert max(fast) < slow[0]
    await w.close()


def _add_summit(content: Path, sid: str, starts: str) -> None:
    add_summit(
        content,
        sid,
        starts,
        starts,
        name=f"Test Summit {sid}",
        location="Geneva, Switzerland",
        series="ai-summit",
    )


async def test_summit_added_later_gets_reminders_on_lead_days(
    db_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    w = World(db_url, slack, content=content)
    w.subscribe("CWEEK", "weekly mon 09:00 UTC always")  # a weekly channel, subscribed first
    _add_summit(content, "geneva-test", "2027-01-07")  # a Thursday, added afterwards
    posted_days = []
    day = T0.replace(hour=9, second=5)
    for n in range(40):
        before = len(slack.posts())
        await w.tick(day + timedelta(days=n))
        if len(slack.posts()) > before:
            posted_days.append((day + timedelta(days=n)).date().isoformat())
    texts = {d: t for d, t in zip(posted_days, posts_to(slack, "CWEEK"), strict=True)}
    # reminders 30, 7 and 1 days before 7 January and on the day; Mondays get the digest
    assert "2026-12-08" in texts and "in 30 days" in texts["2026-12-08"]
    assert "2026-12-31" in texts and "in 7 days" in texts["2026-12-31"]
    assert "2027-01-06" in texts and "tomorrow" in texts["2027-01-06"]
    assert "2027-01-07" in texts and "opens today in Geneva" in texts["2027-01-07"]
    mondays = [d for d in posted_days if datetime.fromisoformat(d).weekday() == 0]
    assert mondays == ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28", "2027-01-04"]
    assert len(posted_days) == 9
    await w.close()


async def test_reminder_and_digest_on_one_day_are_one_post(
    db_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    _add_summit(content, "same-day", "2026-12-08")  # 7 days after Tuesday 1 December
    w = World(db_url, slack, content=content)
    w.subscribe("CBOTH", "weekly tue 09:00 UTC")
    await w.tick(T0.replace(hour=9, second=5))
    (text,) = posts_to(slack, "CBOTH")
    assert "in 7 days" in text and "digest" in text.lower()
    await w.close()


async def test_pause_resume_unsubscribe(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    w.subscribe("CP", "daily 09:00 UTC")
    w.store.pause("T1", "CP", "paused by <@U1>", T0)
    await w.tick(T0.replace(hour=9, second=5))
    assert slack.posts() == []
    w.store.resume("T1", "CP", T0.replace(hour=9, minute=30))
    await w.tick(T0.replace(hour=9) + timedelta(days=1, seconds=5))
    assert len(slack.posts()) == 1
    assert w.store.unsubscribe("T1", "CP")
    await w.tick(T0.replace(hour=9) + timedelta(days=2, seconds=5))
    assert len(slack.posts()) == 1
    await w.close()


def test_subscribing_again_updates_and_racing_subscribes_make_one(db_url: str) -> None:
    """The reply says "Subscribed" once and "Updated" after; two people subscribing a new channel
    at the same moment leave one subscription, and exactly one of them is told it was created."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.subscriptions.schedule import parse_schedule

    store = Store.open(db_url)
    daily = parse_schedule(["daily", "09:00", "UTC"])
    weekly = parse_schedule(["weekly", "monday", "10:00", "UTC"])
    assert isinstance(daily, Schedule) and isinstance(weekly, Schedule)
    first, created = store.subscribe(team_id="T1", channel_id="CA", schedule=daily, now=T0)
    assert created and first.schedule == daily
    later = T0 + timedelta(minutes=5)
    again, created = store.subscribe(team_id="T1", channel_id="CA", schedule=weekly, now=later)
    assert not created and again.id == first.id and again.schedule == weekly
    assert store.get("T1", "CA") == again

    def subscribe(i: int) -> bool:
        return store.subscribe(team_id="T1", channel_id="CRACE", schedule=daily, now=T0)[1]

    with ThreadPoolExecutor(8) as pool:
        told = list(pool.map(subscribe, range(8)))
    assert told.count(True) == 1
    assert [s.channel_id for s in store.list_team("T1")].count("CRACE") == 1
    store.close()
