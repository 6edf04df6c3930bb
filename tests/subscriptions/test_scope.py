"""What a channel receives, through the real delivery pass, a real database (SQLite and
PostgreSQL) and the fake Slack: digests on several days a week, `reminders-only`, `digests-only`,
and `topics:` limiting digests, news and reminders (and what counts as new) to those topics."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.subscriptions.model import Request, parse_request
from tests.conftest import CONTENT
from tests.contenthelp import add_summit
from tests.deliveryhelp import NINE, World, day, edited, posts_to, statuses
from tests.fakeslack import FakeSlack
from tests.newshelp import (
    add_development,
    no_developments,
    no_revisions_after,
    no_upcoming_dates,
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    no_developments(dest)
    no_upcoming_dates(dest, NINE.date())
    no_revisions_after(dest, NINE.date() - timedelta(days=1))
    return dest


def subscribe(w: World, channel: str, words: str) -> Request:
    """As `/declaration subscribe <words>` would store it."""
    req = parse_request(
        words.split(), default_tz="UTC", default_lang="en", library=w.rt.content.current()
    )
    assert isinstance(req, Request), req
    w.store.subscribe(
        team_id="T1",
        channel_id=channel,
        schedule=req.schedule,
        now=w.clock.now(),
        lang=req.lang,
        always=req.always,
        receives=req.receives,
        topics=req.topics,
    )
    return req


def blocks_to(slack: FakeSlack, channel: str) -> list[str]:
    return [str(c.params["blocks"]) for c in slack.posts() if c.params.get("channel") == channel]


def threads_to(slack: FakeSlack, channel: str) -> list[str]:
    """The blocks of the replies in the threads of a channel's digests."""
    return [
        str(c.params["blocks"]) for c in slack.thread_posts() if c.params.get("channel") == channel
    ]


async def test_digests_go_out_on_the_days_asked_for(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    subscribe(w, "C1", "mon thu 09:00 UTC always")
    posted = []
    for n in range(14):  # two weeks from Tuesday 1 December 2026
        r = await w.tick(day(n))
        if r.sent:
            posted.append(day(n).date())
    assert [d.strftime("%a") for d in posted] == ["Thu", "Mon", "Thu", "Mon"]
    assert "AI-governance digest" in posts_to(slack, "C1")[0]
    await w.close()


async def test_reminders_only_gets_reminders_and_no_digest(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    add_summit(content, "soon-summit", NINE.date() + timedelta(days=9), name="Soon Summit")
    w = World(db_url, slack, content=content)
    subscribe(w, "CREM", "daily 09:00 UTC reminders-only")
    subscribe(w, "CDIG", "daily 09:00 UTC digests-only always")
    for n in range(4):
        await w.tick(day(n))
    reminders = posts_to(slack, "CREM")
    assert len(reminders) == 1 and "Soon Summit" in reminders[0] and "in 7 days" in reminders[0]
    assert "Soon Summit* starts in 7 days" in blocks_to(slack, "CREM")[0]
    assert threads_to(slack, "CREM") == []  # a reminder post has no thread
    assert "digest" not in blocks_to(slack, "CREM")[0].lower()
    digests = blocks_to(slack, "CDIG")
    assert len(digests) == 4 and not any("Soon Summit starts in" in b for b in digests)
    await w.close()


async def test_topics_limit_digests_news_reminders_and_what_is_new(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    # a summit of each topic, both 7 days ahead; news of each topic
    starts = NINE.date() + timedelta(days=8)
    add_summit(
        content, "bletchley-next", starts, name="Safety Summit X", extra={"topics": "[bletchley]"}
    )
    add_summit(content, "other-next", starts, name="Unrelated Expo")
    w = World(db_url, slack, content=content)
    subscribe(w, "CB", "daily 09:00 UTC topics:bletchley")
    subscribe(w, "CALL", "daily 09:00 UTC")
    await w.tick(day(0))  # first digests: welcome
    await w.tick(day(1))  # the reminders, 7 days ahead
    (first_b, second_b) = blocks_to(slack, "CB")
    assert "Safety Summit X* starts in 7 days" in second_b
    # nothing new on day 1: the reminder is its own short post, with no thread (issue 19)
    (first_thread,) = threads_to(slack, "CB")
    assert "Unrelated Expo" not in first_b + second_b + first_thread
    assert "Featured" in first_thread and "Bletchley" in first_thread.split("Featured")[1]
    both = blocks_to(slack, "CALL")[1]
    assert "Safety Summit X* starts in 7 days" in both
    assert "Unrelated Expo* starts in 7 days" in both
    # news of another topic is news for the whole workspace, not for the Bletchley channel
    add_development(
        content,
        "france-china-news",
        happened=day(2).date(),
        added=day(2).date(),
        topics=["france-china-ai"],
        title="Paris and Beijing meet again",
    )
    edited(content)
    r = await w.tick(day(2))
    assert "Paris and Beijing meet again" in blocks_to(slack, "CALL")[-1]
    assert len(blocks_to(slack, "CB")) == 2  # nothing new for it: recorded, not posted
    assert statuses(w, "CB")[-1] == "nothing_new" and len(r.quiet) == 1
    # Bletchley news reaches both
    add_development(
        content,
        "bletchley-news",
        happened=day(3).date(),
        added=day(3).date(),
        topics=["bletchley"],
        title="A new safety institute",
    )
    edited(content)
    await w.tick(day(3))
    assert "A new safety institute" in blocks_to(slack, "CB")[-1]
    assert "Paris and Beijing" not in blocks_to(slack, "CB")[-1]
    await w.close()


async def test_topics_with_always_post_even_with_nothing_new(
    db_url: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db_url, slack, content=content)
    subscribe(w, "C1", "weekdays 09:00 UTC topics:france-china-ai always")
    for n in range(7):  # Tuesday to Monday
        await w.tick(day(n))
    sent = blocks_to(slack, "C1")
    assert len(sent) == 5  # Tue Wed Thu Fri Mon
    assert "Welcome" in sent[0] and all("No news since" in b for b in sent[1:])
    threads = threads_to(slack, "C1")
    assert len(threads) == 5
    assert all("Bletchley Declaration" not in b.split("Featured")[1] for b in threads)
    await w.close()


def test_a_limit_to_a_topic_removed_from_the_content_falls_back_to_every_topic() -> None:
    from bot.content.loading import load_library
    from bot.delivery.planner import scoped

    library = load_library(CONTENT)
    assert scoped(library, frozenset({"gone"})) is library
    only = scoped(library, frozenset({"bletchley", "gone"}))
    assert [tp.id for tp in only.topics] == ["bletchley"]
    assert date(2023, 11, 1) in {s.starts for s in only.summits}  # Bletchley Park itself
