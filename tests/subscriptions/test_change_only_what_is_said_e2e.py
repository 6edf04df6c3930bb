"""A subscribed channel changes only what `subscribe` names (issue 20, item 1): the other settings
are kept, the reply says what changed as before → after, `reset` (or `fresh`) starts from the
defaults, and `subscribe` alone shows the settings instead of resetting them. `/declaration
subscribe`, signed to the app `serve` serves (in-process), against the fake Slack on loopback and a
real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import form_submission

ISSUE = "subscribe mon thu 9am Europe/Paris lang:fr topics:bletchley"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="America/New_York")  # not the channel's zone: it must not leak in
        fake.add_user("UFR", tz="America/New_York", locale="fr-FR")
        fake.add_user("UZH", tz="America/New_York", locale="zh-CN")
        yield fake


def say(
    bot: InProcessBot, slack: FakeSlack, text: str, user: str = "U1", channel: str = "C1"
) -> str:
    return e2e.say(bot, slack, text, channel_id=channel, user_id=user)


def stored(db: str, channel: str = "C1") -> Any:
    store = Store.open(db)
    try:
        return store.get("T1", channel)
    finally:
        store.close()


def settings(db: str) -> tuple[Any, ...]:
    sub = stored(db)
    s = sub.schedule
    return (s.days, s.at, s.tz, sub.lang, sub.receives, sub.topics, sub.always)


def test_subscribe_8am_changes_only_the_time(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    """The issue's check: Mondays and Thursdays, Europe/Paris, French and Bletchley are kept."""
    say(bot, slack, ISSUE)
    seen = say(bot, slack, "subscribe 8am")
    sub = stored(db)
    assert sub.schedule.days == {0, 3}
    assert sub.schedule.at == time(8, 0)
    assert sub.schedule.tz == "Europe/Paris"
    assert sub.lang == "fr"
    assert sub.topics == {"bletchley"}
    assert "Time: 09:00 → 08:00; days, zone, language and topics unchanged" in seen
    assert "Mondays and Thursdays at 08:00 (Europe/Paris), in French" in seen
    assert "your Slack time zone" not in seen and "by default" not in seen


def test_each_setting_changes_alone(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    say(bot, slack, ISSUE)
    first = settings(db)
    seen = say(bot, slack, "subscribe Asia/Tokyo")
    assert "Zone: Europe/Paris → Asia/Tokyo; days, time, language and topics unchanged" in seen
    assert settings(db) == (*first[:2], "Asia/Tokyo", *first[3:])
    seen = say(bot, slack, "subscribe lang:zh")  # lang: also sets the reply's language
    assert "语言：法文 → 中文；日期、时间、时区、主题不变" in seen
    assert stored(db).lang == "zh" and stored(db).schedule.tz == "Asia/Tokyo"
    seen = say(bot, slack, "subscribe daily")
    assert "Days: Mondays and Thursdays → every day" in seen
    assert stored(db).schedule.days == set(range(7))
    seen = say(bot, slack, "subscribe reminders-only always")
    sub = stored(db)
    assert sub.receives == "reminders" and sub.always
    assert sub.topics == {"bletchley"} and sub.schedule.at == time(9, 0)
    seen = say(bot, slack, "subscribe topics:bletchley")
    assert "Nothing changed: days, time, zone, language and topics as they were." in seen


def test_the_change_is_said_in_the_callers_language(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, ISSUE)
    fr = say(bot, slack, "subscribe 8am", user="UFR")
    assert "Heure : 09:00 → 08:00 ; jours, fuseau, langue et sujets inchangés" in fr
    zh = say(bot, slack, "subscribe 7am", user="UZH")
    assert "时间：08:00 → 07:00；日期、时区、语言、主题不变" in zh
    assert stored(db).lang == "fr"  # the readers' languages are not the digests'


def test_reset_and_fresh_start_from_the_defaults(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, ISSUE)
    seen = say(bot, slack, "subscribe reset")
    assert "every Monday at 09:00 (America/New_York, your Slack time zone)" in seen
    sub = stored(db)
    assert sub.schedule.days == {0} and sub.lang == "en" and sub.topics == frozenset()
    say(bot, slack, ISSUE)
    say(bot, slack, "subscribe daily 10:00 fresh")
    sub = stored(db)
    assert sub.schedule.days == set(range(7)) and sub.schedule.at == time(10, 0)
    assert sub.schedule.tz == "America/New_York" and sub.lang == "en" and not sub.topics


def test_subscribe_alone_shows_the_settings_and_changes_nothing(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, ISSUE)
    before = settings(db)
    seen = say(bot, slack, "subscribe")
    assert "<#C1> is subscribed already; nothing was changed." in seen
    assert "lundi et jeudi" not in seen  # said in the reader's language (English)
    assert "Mondays and Thursdays at 09:00 (Europe/Paris)" in seen
    assert "subscribe 8am" in seen and "subscribe reset" in seen
    assert "subscription_form" in seen  # the form, showing what is set
    assert settings(db) == before
    # on a channel with no subscription, `subscribe` alone still subscribes with the defaults
    assert "Subscribed <#C2>" in say(bot, slack, "subscribe", channel="C2")


def test_the_form_still_saves_everything_it_shows(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """The form is not a change of what it does not show: it saves its values whole."""
    say(bot, slack, ISSUE)
    payload = form_submission("C1")  # daily at 09:00 UTC in English, every topic
    payload["view"]["private_metadata"] = '{"channel": "C1", "lang": "en"}'
    r = bot.interactive(payload)
    assert r.status == 200 and r.json()["response_action"] == "update", r.body
    sub = stored(db)
    assert sub.schedule.days == set(range(7)) and sub.schedule.tz == "UTC"
    assert sub.lang == "en" and sub.topics == frozenset()


def test_user_words_in_a_refused_change_never_ping(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, ISSUE)
    before = settings(db)
    seen = say(bot, slack, "subscribe 8am topics:<!channel>")
    assert "<!channel>" not in seen and "&lt;!channel&gt;" in seen
    assert settings(db) == before
