"""Quiet digests through the real delivery pass, a real database (SQLite and PostgreSQL) and the
fake Slack on loopback: a slot with nothing new is recorded and not posted, the next news is
compared with the last digest actually posted, and `always` keeps posting every time."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bot.store.engine import MIGRATIONS, make_engine
from bot.store.store import Store
from tests.conftest import CONTENT
from tests.contenthelp import add_summit
from tests.deliveryhelp import NINE, T0, World, day, edited, posts_to, statuses
from tests.fakeslack import FakeSlack
from tests.newshelp import (
    add_development,
    no_developments,
    no_revisions_after,
    no_upcoming_dates,
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the content with no developments: each test adds its own."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    no_developments(dest)
    no_upcoming_dates(dest, NINE.date())  # reminders only where a test adds a summit
    no_revisions_after(dest, NINE.date() - timedelta(days=1))  # news only where a test adds it
    return dest


async def test_a_quiet_slot_is_recorded_not_posted_and_news_is_posted_later(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    r = await w.tick(day(0))  # the first digest is always posted
    assert len(r.sent) == 1 and "Welcome" in str(slack.posts()[0].params["blocks"])
    r = await w.tick(day(1))  # nothing new: recorded, not posted
    assert len(r.quiet) == 1 and r.sent == [] and len(slack.posts()) == 1
    assert "1 with nothing new" in r.lines()[0]
    await w.tick(day(1) + timedelta(minutes=5))  # the same slot again: still one record
    assert statuses(w) == ["sent", "nothing_new"]
    sub = w.store.get("T1", "C1")
    assert sub is not None and sub.last_result == "nothing new"
    assert sub.last_digest_for == day(0).replace(second=0) and sub.digests_sent == 1
    for n in range(2, 11):  # ten days with nothing new
        r = await w.tick(day(n))
        assert len(r.quiet) == 1
    assert len(slack.posts()) == 1
    # dated the 2nd, but in the content only after the 11th's slot was checked: the comparison
    # is with the digest posted on the 1st, not with the last slot checked, so it is news on
    # the 12th all the same
    add_development(
        content,
        "late-news",
        happened=date(2026, 11, 30),
        added=day(1).date(),
        title="Switzerland names the dates of the Geneva summit",
    )
    edited(content)
    r = await w.tick(day(11))
    assert len(r.sent) == 1
    post = str(slack.posts()[-1].params["blocks"])
    assert "Switzerland names the dates of the Geneva summit" in post
    assert "New since the last digest" in post and "Upcoming summits" not in post
    assert "Upcoming summits" in str(slack.thread_posts()[-1].params["blocks"])  # its thread
    assert "<https://example.org/news/late-news/1|Publisher 1>" in post
    assert "Switzerland names the dates" in slack.posts()[-1].params["text"]
    r = await w.tick(day(12))  # reported once, not again
    assert len(r.quiet) == 1 and len(posts_to(slack, "C1")) == 2
    assert statuses(w) == ["sent", *["nothing_new"] * 10, "sent", "nothing_new"]
    await w.close()


async def test_news_added_on_the_day_of_a_posted_digest_is_not_lost(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    add_development(content, "morning", happened=date(2026, 11, 30), added=day(1).date())
    edited(content)
    await w.tick(day(0))  # the first digest: welcome
    r = await w.tick(day(1))  # "morning" is news, posted
    assert len(r.sent) == 1 and "Development morning" in str(slack.posts()[-1].params["blocks"])
    # later the same day, an editor adds another dated that day
    add_development(content, "afternoon", happened=date(2026, 11, 30), added=day(1).date())
    edited(content)
    r = await w.tick(day(2))
    assert len(r.sent) == 1
    post = str(slack.posts()[-1].params["blocks"])
    assert "Development afternoon" in post and "Development morning" not in post
    await w.close()


async def test_a_digest_that_failed_was_not_posted(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    await w.tick(day(0))
    add_development(content, "refused", happened=date(2026, 11, 30), added=day(1).date())
    edited(content)
    slack.fail("chat.postMessage", "msg_too_long")
    r = await w.tick(day(1))
    assert len(r.failed) == 1
    r = await w.tick(day(2))  # still news: the last POSTED digest is the 1st
    assert len(r.sent) == 1 and "Development refused" in str(slack.posts()[-1].params["blocks"])
    await w.close()


async def test_two_clocks_record_a_quiet_slot_once(db_url: str, content: Path) -> None:
    with FakeSlack(delay=0.01) as slack:
        a = World(db_url, slack, content=content)
        b = World(db_url, slack, content=content)
        for i in range(30):
            a.subscribe(f"C{i:02d}", "daily 09:00 UTC")
        await asyncio.gather(a.tick(day(0)), b.tick(day(0)))
        assert len(slack.posts()) == 30
        ra, rb = await asyncio.gather(a.tick(day(1)), b.tick(day(1)))
        assert len(ra.quiet) + len(rb.quiet) == 30 and len(slack.posts()) == 30
        await asyncio.gather(a.tick(day(1) + timedelta(minutes=20)), b.tick(day(1)))
        for i in range(30):
            assert statuses(a, f"C{i:02d}") == ["sent", "nothing_new"]
        await a.close()
        await b.close()


async def test_catching_up_after_an_outage_checks_once(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    await w.tick(day(0))
    r = await w.tick(day(3) + timedelta(minutes=30))  # nothing ran for three days
    assert len(r.quiet) == 1 and len(r.skipped) == 1 and len(slack.posts()) == 1
    assert statuses(w) == ["sent", "skipped", "nothing_new"]
    # news dated during the outage, deployed after it: still reported
    add_development(content, "outage", happened=date(2026, 11, 30), added=day(2).date())
    edited(content)
    r = await w.tick(day(4))
    assert len(r.sent) == 1 and "Development outage" in str(slack.posts()[-1].params["blocks"])
    await w.close()


async def test_always_posts_every_time_with_the_featured_topic_in_rotation(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC always")
    w.subscribe("CQ", "daily 09:00 UTC")
    for n in range(4):
        await w.tick(day(n))
    always = [str(p.params["blocks"]) for p in slack.posts() if p.params["channel"] == "C1"]
    threads = [str(p.params["blocks"]) for p in slack.thread_posts() if p.params["channel"] == "C1"]
    assert len(always) == len(threads) == 4 and len(posts_to(slack, "CQ")) == 1
    # nothing new: one line saying so and the next event; the featured topic is in the thread
    assert "No news since 1 December 2026." in always[1] and "Next: " in always[1]
    assert "Featured: " not in always[1]
    featured = [p.split("Featured: ")[1].split("*")[0] for p in threads]
    assert featured[0] != featured[1] != featured[2] and featured[3] == featured[0]
    assert "From now on a digest goes out only when" not in always[0] + threads[0]
    quiet_first = str(next(p for p in slack.thread_posts() if p.params["channel"] == "CQ").params)
    assert "From now on a digest goes out only when there is something new" in quiet_first
    # subscribing again without `always` turns it off
    w.subscribe("C1", "daily 09:00 UTC")
    sub = w.store.get("T1", "C1")
    assert sub is not None and not sub.always
    r = await w.tick(day(4))
    assert len(r.quiet) == 2
    await w.close()


async def test_reminders_are_unaffected(db_url: str, slack: FakeSlack, content: Path) -> None:
    add_summit(content, "reminded", "2026-12-15")  # a Tuesday, no `updated`: not itself news
    w = World(db_url, slack, content=content)
    w.subscribe("CW", "weekly tue 09:00 UTC")
    posted = []
    for n in range(22):
        before = len(slack.posts())
        await w.tick(day(n))
        if len(slack.posts()) > before:
            posted.append(day(n).date().isoformat())
    # the first digest; 7 days before (a digest day: one post); 1 day before; the day it opens
    # (a digest day: one post); then a quiet Tuesday, the 22nd, with nothing new
    assert posted == ["2026-12-01", "2026-12-08", "2026-12-14", "2026-12-15"]
    texts = posts_to(slack, "CW")
    assert "in 7 days" in texts[1] and "tomorrow" in texts[2] and "opens today" in texts[3]
    assert statuses(w, "CW")[-1] == "nothing_new"
    await w.close()


def test_a_database_from_before_quiet_digests_is_migrated(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(
            text(
                "INSERT INTO subscriptions (team_id, channel_id, cadence, at_minute, tz, lang,"
                " paused, created_at, updated_at, digests_sent, last_digest_for)"
                " VALUES ('T1', 'COLD', 'daily', 540, 'UTC', 'en', false, :now, :now, 3, :now)"
            ),
            {"now": T0.replace(tzinfo=None)},
        )
    engine.dispose()
    store = Store.open(db_url)
    sub = store.get("T1", "COLD")
    assert sub is not None and not sub.always and sub.news_seen is None
    assert sub.digests_sent == 3
    store.close()
