"""End to end: a French or Chinese Slack user reads the bot in their language; a channel gets its
digest in the language it chose; the calendar feed opens in a calendar library. Signed requests
to the app `serve` serves and `tick` run in-process, against the fake Slack on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot, bot_env, button_press, in_process, run_cli
from tests.fakeslack import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("UFR", tz="Europe/Paris", locale="fr-FR")
        fake.add_user("UZH", tz="Asia/Shanghai", locale="zh-CN")
        fake.add_user("UEN", tz="America/New_York", locale="en-US")
        yield fake


@pytest.fixture
def bot(slack: FakeSlack, db: str, tmp_path: Path) -> Iterator[InProcessBot]:
    env = bot_env(slack.base_url, DATABASE_URL=db, PUBLIC_URL="https://bot.example.org")
    with in_process(env, tmp_path) as b:
        yield b


def body(bot: InProcessBot, text: str, user: str) -> str:
    r = bot.command(text, user_id=user)
    assert r.status == 200
    return json.dumps(r.json(), ensure_ascii=False)


def test_each_user_reads_their_own_language(bot: InProcessBot, slack: FakeSlack) -> None:
    assert "Points clés" in body(bot, "bletchley", "UFR")
    assert "要点" in body(bot, "bletchley", "UZH")
    assert "Key points" in body(bot, "bletchley", "UEN")
    assert "Key points" in body(bot, "bletchley lang:en", "UFR")
    # the locale is asked once per user, then remembered
    for _ in range(3):
        body(bot, "topics", "UFR")
    assert len([c for c in slack.calls_to("users.info") if c.params["user"] == "UFR"]) == 1
    assert slack.calls_to("users.info")[0].params.get("include_locale") in ("true", True, "1")


def test_every_show_button_keeps_the_readers_language(bot: InProcessBot, slack: FakeSlack) -> None:
    """A French reader who presses any *Show* button (topics list, search hits, did you mean) reads
    the topic in French."""
    for text in ("topics", "search cessez-le-feu", "bletchly"):
        reply = bot.command(text, user_id="UFR").json()
        buttons = [
            e
            for b in reply["blocks"]
            for e in ([b["accessory"]] if "accessory" in b else b.get("elements", []))
            if e.get("type") == "button" and e["action_id"].startswith("show_topic")
        ]
        assert buttons, (text, reply)
        for i, button in enumerate(buttons):
            key = f"show-{text}-{i}"
            payload = button_press(button["action_id"], button["value"], slack.response_url(key))
            payload["user"] = {"id": "UFR"}
            assert bot.interactive(payload).status == 200
            slack.wait_for(lambda k=key: bool(slack.responses.get(k)))
            shown = json.dumps(slack.responses[key][0], ensure_ascii=False)
            assert "Points clés" in shown, (text, button)


def test_summits_reply_links_the_calendar_feed(bot: InProcessBot) -> None:
    assert "https://bot.example.org/summits.ics" in body(bot, "summits", "UEN")
    assert "将所有峰会添加到你的日历" in body(bot, "summits", "UZH")


def test_calendar_feed_parses_back(bot: InProcessBot) -> None:
    r = bot.get("/summits.ics")
    assert r.status == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.body)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    paris = events["ai-action-summit-2025@declaration-bot"]
    assert str(paris["SUMMARY"]).startswith("AI Action Summit")
    assert paris.decoded("DTSTART").isoformat() == "2025-02-10"
    assert paris.decoded("DTEND").isoformat() == "2025-02-12"  # all day, end exclusive
    assert "Paris" in str(paris["LOCATION"]) and str(paris["URL"]).startswith("https://")
    assert str(events["waic-2026@declaration-bot"]["STATUS"]) == "TENTATIVE"
    assert "ai-summit-geneva-2027@declaration-bot" not in events  # no dates yet
    again = Calendar.from_ical(bot.get("/summits.ics").body)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)  # stable UIDs


def test_home_tab_in_the_users_language(bot: InProcessBot, slack: FakeSlack) -> None:
    bot.event({"type": "app_home_opened", "user": "UZH", "channel": "D1", "tab": "home"})
    slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    view = slack.calls_to("views.publish")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view, ensure_ascii=False)
    assert "人工智能峰会" in text and "本工作区的订阅" in text


def say(bot: InProcessBot, slack: FakeSlack, text: str, user: str, channel: str) -> str:
    return e2e.say(bot, slack, text, user_id=user, channel_id=channel)


def test_a_channel_gets_its_digest_in_the_language_it_chose(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    seen = say(bot, slack, "subscribe daily 09:00 UTC lang:zh", "UEN", "CZH")
    assert "Subscribed" in seen or "已订阅" in seen
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "UFR", "CFR")
    assert "abonné" in seen and "en français" in seen
    store = Store.open(db)
    due = store.get("T1", "CZH").next_wake_at  # type: ignore[union-attr]
    store.close()
    assert due is not None
    at = (due + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = run_cli(["tick", "--at", at], bot_env(slack.base_url, DATABASE_URL=db), tmp_path)
    assert r.returncode == 0, r.stderr
    posts = {c.params["channel"]: json.dumps(c.params, ensure_ascii=False) for c in slack.posts()}
    assert "人工智能治理每日摘要" in posts["CZH"]
    assert "Résumé quotidien sur la gouvernance de l'IA" in posts["CFR"]
    status = say(bot, slack, "status", "UFR", "CFR")
    assert "tous les jours à 09:00 (UTC), en français" in status
