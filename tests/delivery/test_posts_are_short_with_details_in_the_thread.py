"""What a channel is posted, read as its members read it, against the fake Slack: a reminder is
one short post with something to click; a digest leads with the news, briefly, and keeps the
rest in its thread; the day an event opens gets its own line; a shared topic is a card.

"Shown" is every text a reader sees in a message's blocks (tests/replyhelp.characters_shown)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.slack import ids
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import CONTENT
from tests.contenthelp import add_summit
from tests.deliveryhelp import World, day, edited, posts_to
from tests.e2e import InProcessBot, button_press, say
from tests.fakeslack import FakeSlack
from tests.newshelp import add_development, no_developments
from tests.replyhelp import characters_shown

GENEVA = "un-global-dialogue-geneva-2026"  # 6–7 July 2026, Palexpo, Geneva
WEEK_BEFORE = datetime(2026, 6, 29, 9, 0, 5, tzinfo=UTC)
OPENING = datetime(2026, 7, 6, 9, 0, 5, tzinfo=UTC)


def world_at(db: str, slack: FakeSlack, at: datetime, **cfg: Any) -> World:
    """A channel subscribed the day before ``at`` to reminders only, daily at 09:00 UTC."""
    w = World(db, slack, **cfg)
    w.clock.at = at - timedelta(days=1)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    w.store.subscribe(
        team_id="T1", channel_id="C1", schedule=schedule, now=w.clock.now(), receives="reminders"
    )
    return w


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a message, by action id."""
    return {
        e["action_id"]: e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }


def press_on_post(bot: InProcessBot, slack: FakeSlack, button: dict[str, Any]) -> dict[str, Any]:
    """Press a button of a channel post (not an ephemeral reply): what the presser is answered."""
    key = f"press-{button['action_id']}"
    payload = button_press(button["action_id"], button["value"], slack.response_url(key))
    payload["container"]["is_ephemeral"] = False
    assert bot.interactive(payload).status == 200
    slack.wait_for(lambda: bool(slack.responses.get(key)))
    (answer,) = slack.responses[key]
    return dict(answer)


async def test_a_reminder_day_is_one_short_post_with_something_to_click(
    db: str, slack: FakeSlack, bot: InProcessBot
) -> None:
    w = world_at(db, slack, WEEK_BEFORE)
    await w.tick(WEEK_BEFORE)
    (post,) = slack.posts()
    assert slack.thread_posts() == []  # nothing in a thread: the post is all there is
    blocks = post.params["blocks"]
    assert characters_shown(blocks) <= 700
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "starts in 7 days: 6–7 July 2026, Palexpo, Geneva, Switzerland" in shown
    assert "Nothing has changed" not in shown and "No news" not in shown
    # what a phone shows: written as a person would, dates without the ISO form
    text = post.params["text"]
    assert text == "UN Global Dialogue on AI Governance, Geneva 2026: in 7 days (6–7 July)"
    # Add to calendar: without PUBLIC_URL, a Google Calendar template of the event's days
    found = buttons(blocks)
    calendar = found[f"{ids.CALENDAR_ACTION}:{GENEVA}"]
    link = urlsplit(calendar["url"])
    assert link.netloc == "calendar.google.com"
    query = parse_qs(link.query)
    assert query["dates"] == ["20260706/20260708"] and query["action"] == ["TEMPLATE"]
    # Details: the event card, for the presser only, the post staying as it is
    card = press_on_post(bot, slack, found[f"{ids.EVENT_CARD_ACTION}:{GENEVA}"])
    assert card["response_type"] == "ephemeral" and card["replace_original"] is False
    assert "UN Global Dialogue on AI Governance, Geneva 2026" in json.dumps(card)
    assert "Palexpo" in json.dumps(card)
    # News: that event's news, for the presser only
    news = press_on_post(bot, slack, found[f"{ids.POST_EVENT_NEWS_ACTION}:{GENEVA}"])
    assert news["response_type"] == "ephemeral" and news["replace_original"] is False
    assert "first full session" in json.dumps(news)
    await w.close()


async def test_a_reminder_on_a_digest_day_with_no_news_goes_alone(
    db: str, slack: FakeSlack
) -> None:
    """A channel that gets digests and reminders every day: after its welcome, a day with no
    news but a reminder due is the reminder's own short post, not a digest saying there is no
    news, and nothing in a thread; the next digest still reports what is new since the welcome."""
    w = World(db, slack)
    w.clock.at = WEEK_BEFORE - timedelta(days=2)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    w.store.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=w.clock.now())
    await w.tick(WEEK_BEFORE - timedelta(days=1))  # the welcome digest, with its thread
    assert len(slack.posts()) == 1 and len(slack.thread_posts()) == 1
    await w.tick(WEEK_BEFORE)  # no news; Geneva is 7 days ahead
    assert len(slack.posts()) == 2 and len(slack.thread_posts()) == 1  # no second thread
    post = slack.posts()[-1]
    shown = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert characters_shown(post.params["blocks"]) <= 700
    assert "starts in 7 days: 6–7 July 2026, Palexpo, Geneva, Switzerland" in shown
    assert "No news" not in shown and "Nothing has changed" not in shown
    assert f"{ids.CALENDAR_ACTION}:{GENEVA}" in buttons(post.params["blocks"])
    assert (
        post.params["text"]
        == "UN Global Dialogue on AI Governance, Geneva 2026: in 7 days (6–7 July)"
    )
    sub = w.store.get("T1", "C1")
    assert sub is not None and sub.digests_sent == 1  # the reminder is not counted as a digest
    await w.close()


async def test_with_public_url_the_calendar_button_is_the_events_own_file(
    db: str, slack: FakeSlack
) -> None:
    w = world_at(db, slack, WEEK_BEFORE, public_url="https://d.example")
    await w.tick(WEEK_BEFORE)
    (post,) = slack.posts()
    calendar = buttons(post.params["blocks"])[f"{ids.CALENDAR_ACTION}:{GENEVA}"]
    assert calendar["url"] == f"https://d.example/summits/{GENEVA}.ics"
    await w.close()


async def test_the_notification_is_in_the_channels_language_and_dates(
    db: str, slack: FakeSlack
) -> None:
    w = World(db, slack)
    w.clock.at = WEEK_BEFORE - timedelta(days=1)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    for channel, lang in (("CFR", "fr"), ("CZH", "zh")):
        w.store.subscribe(
            team_id="T1",
            channel_id=channel,
            schedule=schedule,
            now=w.clock.now(),
            lang=lang,
            receives="reminders",
        )
    await w.tick(WEEK_BEFORE)
    (fr,) = posts_to(slack, "CFR")
    (zh,) = posts_to(slack, "CZH")
    assert fr.endswith(": dans 7 jours (6–7 juillet)"), fr
    assert zh.endswith("：7天后（7月6日至7日）"), zh
    await w.close()


async def test_the_day_an_event_opens_gets_one_post_and_the_same_instant_none(
    db: str, slack: FakeSlack
) -> None:
    w = world_at(db, slack, OPENING)
    await w.tick(OPENING)
    (post,) = slack.posts()
    shown = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "opens today in Geneva" in shown
    # AI for Good opens the next day: several reminders due at once are one post, a line each
    assert "starts tomorrow" in shown and "AI for Good Global Summit" in shown
    assert shown.count(":alarm_clock:") == 2
    assert characters_shown(post.params["blocks"]) <= 700
    assert "opens today in Geneva" in post.params["text"]
    for _ in range(3):  # the same instant again: nothing, at the top level or in a thread
        await w.tick(OPENING)
    assert len(slack.posts()) == 1 and slack.thread_posts() == []
    await w.close()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    no_developments(dest)
    return dest


async def test_a_digest_leads_with_the_news_and_keeps_the_rest_in_its_thread(
    db: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    await w.tick(day(0))  # the welcome
    (welcome,) = slack.posts()
    assert characters_shown(welcome.params["blocks"]) <= 1500
    assert "This channel gets a digest every day at 09:00 (UTC)" in str(welcome.params["blocks"])
    (welcome_thread,) = slack.thread_posts()
    assert welcome_thread.params["thread_ts"] == welcome.response["ts"]
    for n in range(8):  # a busy day: eight developments, each with a long summary
        add_development(
            content,
            f"busy-{n}",
            happened=day(1).date(),
            added=day(1).date(),
            title=f"Busy day development {n}",
            summary="A long account of what happened. " * 16,
        )
    edited(content)
    await w.tick(day(1))
    post = slack.posts()[-1]
    blocks = post.params["blocks"]
    assert characters_shown(blocks) <= 1500
    # the news first: right under the header, each in two lines, with its date and a source
    assert blocks[1]["text"]["text"].startswith("*New since the last digest*")
    news = blocks[1]["text"]["text"]
    assert "Busy day development 7" in news and "_2 December 2026_" in news
    assert "<https://example.org/news/busy-7/1|Publisher 1>" in news
    assert "`/declaration news`" in json.dumps(blocks)  # what did not fit is counted
    assert "Upcoming summits" not in json.dumps(blocks) and "Featured" not in json.dumps(blocks)
    # one reply in its thread: the summits ahead, the featured topic, how to change it
    reply = slack.thread_posts()[-1]
    assert reply.params["thread_ts"] == post.response["ts"]
    below = json.dumps(reply.params["blocks"], ensure_ascii=False)
    assert "Upcoming summits" in below and "Featured: " in below and "Sources: " in below
    assert "`/declaration subscribe …`" in below
    assert len(slack.thread_posts()) == 2  # one per digest
    await w.close()


async def test_always_with_nothing_new_is_one_line_and_the_next_event(
    db: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC always")
    await w.tick(day(0))
    await w.tick(day(1))
    post = slack.posts()[-1]
    sections = [b["text"]["text"] for b in post.params["blocks"] if b["type"] == "section"]
    assert sections == [
        "No news since 1 December 2026.\nNext: *AI Summit 2027, Geneva* — Geneva, Switzerland"
        " · first half of 2027, dates not announced"
    ]
    assert "No news since 1 December 2026." in post.params["text"]
    assert "Featured: " in str(slack.thread_posts()[-1].params["blocks"])
    await w.close()


async def test_an_event_marked_held_is_news_in_the_next_digest(
    db: str, slack: FakeSlack, content: Path
) -> None:
    w = World(db, slack, content=content)
    w.subscribe("C1", "daily 09:00 UTC")
    await w.tick(day(0))
    add_summit(
        content,
        "past-forum",
        date(2026, 11, 20),
        date(2026, 11, 21),
        name="Past Forum on AI",
        extra={"held": "true", "updated": str(day(1).date())},
    )
    # its report, dated after it began (what lets the content say it was held)
    path = content / "summits.yml"
    path.write_text(
        path.read_text().replace("        date: 2026-11-01\n", "        date: 2026-11-22\n")
    )
    edited(content)
    await w.tick(day(1))
    shown = json.dumps(slack.posts()[-1].params["blocks"])
    assert "*Past Forum on AI* took place" in shown
    await w.close()


def test_a_shared_topic_is_a_card_and_the_full_summary_is_one_press_away(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    shared = json.loads(say(bot, slack, "share bletchley"))
    assert shared["response_type"] == "in_channel"
    blocks = shared["blocks"]
    assert characters_shown(blocks) <= 1500
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "The Bletchley Declaration" in shown and "· _confirmed_" in shown  # graded sources
    points = [b for b in blocks if b["type"] == "section" and "*Key points*" in b["text"]["text"]]
    assert len(points) == 1 and points[0]["text"]["text"].count("\n• ") == 3
    read = buttons(blocks)[ids.READ_TOPIC_ACTION]
    assert read["text"]["text"] == "Read the full summary"
    full = press_on_post(bot, slack, read)
    assert full["response_type"] == "ephemeral" and full["replace_original"] is False
    assert characters_shown(full["blocks"]) > 1500  # the whole card, for whoever asked
    # and `/declaration bletchley` still gives the whole card to whoever asks
    asked = json.loads(say(bot, slack, "bletchley"))
    assert asked["response_type"] == "ephemeral" and characters_shown(asked["blocks"]) > 1500
