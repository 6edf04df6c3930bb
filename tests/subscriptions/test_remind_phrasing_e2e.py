"""The /remind phrasings of issue 20 typed over the fake Slack: each subscribes the channel with
the schedule it says, the reply and ``status`` say that schedule, and what cannot be read stores
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest

from bot.store.store import Store
from bot.subscriptions.schedule import EVERY_DAY, WORKING_DAYS, Schedule
from tests.e2e import InProcessBot
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import say


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        yield fake


def stored(db: str) -> Schedule | None:
    store = Store.open(db)
    sub = store.get("T1", "C1")
    store.close()
    return None if sub is None else sub.schedule


@pytest.mark.parametrize(
    ("text", "expected", "said"),
    [
        (
            "subscribe every monday at 9am",
            Schedule(frozenset({0}), time(9), "Europe/Paris"),
            "every Monday at 09:00 (Europe/Paris, your Slack time zone)",
        ),
        (
            "subscribe daily at 9",
            Schedule(EVERY_DAY, time(9), "Europe/Paris"),
            "every day at 09:00 (Europe/Paris, your Slack time zone)",
        ),
        (
            "subscribe weekly on friday",
            Schedule(frozenset({4}), time(9), "Europe/Paris"),
            "every Friday at 09:00 (Europe/Paris, your Slack time zone)",
        ),
        (
            "subscribe every weekday at 9:30 Europe/Paris",
            Schedule(WORKING_DAYS, time(9, 30), "Europe/Paris"),
            "every weekday at 09:30 (Europe/Paris)",
        ),
        (
            "subscribe tous les lundis à 9h lang:fr",
            Schedule(frozenset({0}), time(9), "Europe/Paris"),
            "chaque lundi à 09:00",
        ),
        (
            "subscribe 每周一和周四下午3点 Asia/Shanghai lang:zh",
            Schedule(frozenset({0, 3}), time(15), "Asia/Shanghai"),
            "15:00（Asia/Shanghai）",
        ),
    ],
)
def test_remind_phrasings_subscribe_with_their_schedule(
    bot: InProcessBot, slack: FakeSlack, db: str, text: str, expected: Schedule, said: str
) -> None:
    seen = say(bot, slack, text)
    assert said in seen, seen
    assert stored(db) == expected
    lang = [word for word in text.split() if word.startswith("lang:")]
    status = say(bot, slack, " ".join(["status", *lang]))  # read in the language it was set in
    assert said.split(" (")[0].split("（")[0] in status, status


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("subscribe daily at", "“at” needs a time of day after it"),
        ("subscribe every other monday", "I don't understand “every”"),
        ("subscribe tous les lundis à 25h", "“25h” is not a time of day"),
    ],
)
def test_what_cannot_be_read_stores_nothing(
    bot: InProcessBot, slack: FakeSlack, db: str, text: str, needle: str
) -> None:
    seen = say(bot, slack, text)
    assert needle in seen and "Nothing was changed" in seen and "e.g. `subscribe " in seen
    assert stored(db) is None
