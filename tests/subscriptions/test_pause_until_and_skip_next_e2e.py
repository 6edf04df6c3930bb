"""Pausing for a while and skipping once (issue 20, item 5): `pause until <day>` posts nothing
through that day and posts again the day after by itself; `skip next` skips one digest and not
the one after, while a summit reminder that day still comes; `status` says until when and what
is skipped; a day past or unreadable is refused with an example and nothing stored. Signed to
the app `serve` serves (in-process), `declaration-bot tick --at` for the clock, against the fake
Slack on loopback and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import human_date
from bot.store.store import Store
from tests import e2e
from tests.contenthelp import add_summit
from tests.e2e import InProcessBot, bot_env, in_process
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import tick_env


@pytest.fixture
def db(db_url: str) -> str:
    """This module's tests run on SQLite and on PostgreSQL."""
    return db_url


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC")
        fake.add_user("UFR", tz="UTC", locale="fr-FR")
        yield fake


def say(bot: InProcessBot, slack: FakeSlack, text: str, user: str = "U1") -> str:
    return e2e.say(bot, slack, text, channel_id="C1", user_id=user)


def stored(db: str) -> Any:
    store = Store.open(db)
    try:
        return store.get("T1", "C1")
    finally:
        store.close()


def posted(slack: FakeSlack) -> int:
    return sum(1 for c in slack.posts() if c.params.get("channel") == "C1")


def kinds_sent(db: str) -> list[tuple[date, str]]:
    """The posts made, oldest first: their day and what they carried."""
    store = Store.open(db)
    try:
        sub = store.get("T1", "C1")
        assert sub is not None
        rows = store.deliveries(sub.id)
    finally:
        store.close()
    return [(r["scheduled_for"].date(), r["kinds"]) for r in rows if r["status"] == "sent"]


def next_nine() -> datetime:
    now = datetime.now(UTC)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine > now else nine + timedelta(days=1)


def tenth_of_march() -> date:
    """The issue's day, 2027-03-10, or the next 10 March when that has passed."""
    today = datetime.now(UTC).date()
    day = date(today.year, 3, 10)
    return day if day > today else date(today.year + 1, 3, 10)


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def test_pause_until_a_day_then_posting_resumes_by_itself(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    """The issue's check: nothing on 5 March, nothing on the 10th (the day named is paused
    too), a post again on 11 March, and `status` names the day."""
    tenth = tenth_of_march()
    say(bot, slack, "subscribe daily 09:00 UTC")
    seen = say(bot, slack, f"pause until {tenth.isoformat()}")
    said = f"{tenth.day} March {tenth.year}"
    assert f"Paused <#C1> through {said}" in seen
    assert f"posting resumes by itself on 11 March {tenth.year}" in seen
    sub = stored(db)
    assert sub.paused_until == tenth and not sub.paused
    status = say(bot, slack, "status")
    assert f"Paused through {said}: posting resumes by itself on 11 March" in status
    env = tick_env(slack, db)
    e2e.run_tick(env, tmp_path, at_nine(tenth - timedelta(days=5)))
    assert posted(slack) == 0
    e2e.run_tick(env, tmp_path, at_nine(tenth))
    assert posted(slack) == 0
    e2e.run_tick(env, tmp_path, at_nine(tenth + timedelta(days=1)))
    assert posted(slack) == 1
    assert kinds_sent(db) == [(tenth + timedelta(days=1), "digest")]


def test_pause_for_two_weeks_and_until_monday(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    today = datetime.now(UTC).date()
    say(bot, slack, "pause for 2 weeks")
    assert stored(db).paused_until == today + timedelta(days=13)  # back on the 15th day
    say(bot, slack, "resume")
    assert stored(db).paused_until is None
    say(bot, slack, "pause until monday")
    monday = stored(db).paused_until
    assert monday.weekday() == 0 and 1 <= (monday - today).days <= 7
    say(bot, slack, "resume")
    tenth = tenth_of_march()
    seen = say(bot, slack, f"pause jusqu'au {tenth.isoformat()}", user="UFR")  # French words
    assert f"jusqu'au {human_date(tenth, 'fr')} inclus" in seen
    assert stored(db).paused_until == tenth


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("pause until 2020-01-01", "“2020-01-01” has passed already"),
        ("pause until 2027-02-30", "I don't understand “2027-02-30”"),
        ("pause until someday", "I don't understand “someday”"),
        ("pause for ever", "I don't understand “for ever”"),
        ("skip everything", "`skip` skips the next digest only"),
    ],
)
def test_a_day_past_or_unreadable_is_refused(
    bot: InProcessBot, slack: FakeSlack, db: str, words: str, said: str
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    seen = say(bot, slack, words)
    assert said in seen and "Nothing changed." in seen
    assert "`pause until 2027-03-10`" in seen or "`skip next`" in seen
    sub = stored(db)
    assert sub.paused_until is None and sub.skip_digest_at is None and not sub.paused


def test_skip_next_skips_one_digest_and_not_the_reminder(
    slack: FakeSlack, db: str, tmp_path: Path, content_copy: Path
) -> None:
    """The issue's check: the next digest is skipped, the one after is posted, and a summit
    reminder due on the skipped day still comes."""
    slot = next_nine()
    add_summit(content_copy, "near", slot.date() + timedelta(days=7), name="Summit Near")
    env = bot_env(slack.base_url, DATABASE_URL=db, CONTENT_DIR=str(content_copy))
    with in_process(env, tmp_path) as bot:
        say(bot, slack, "subscribe daily 09:00 UTC")
        seen = say(bot, slack, "skip next")
        assert "Skipping the next digest" in seen and "summit reminders still come" in seen
        assert stored(db).skip_digest_at == slot
        assert "Skipping the digest of" in say(bot, slack, "status")
        assert "skipped already" in say(bot, slack, "skip next")
    tick = tick_env(slack, db, CONTENT_DIR=str(content_copy))
    e2e.run_tick(tick, tmp_path, slot)
    e2e.run_tick(tick, tmp_path, slot + timedelta(days=1))
    assert kinds_sent(db) == [
        (slot.date(), "reminder"),  # the day's digest skipped, its reminder not
        (slot.date() + timedelta(days=1), "digest"),
    ]


def test_a_pause_covering_the_skipped_digest_forgets_the_skip(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    say(bot, slack, "skip next")
    say(bot, slack, "pause for 2 weeks")
    assert stored(db).skip_digest_at is None
    assert "Skipping" not in say(bot, slack, "status")
    seen = say(bot, slack, "skip next")  # now the first digest after the pause
    sub = stored(db)
    assert "Skipping the next digest" in seen and sub.skip_digest_at is not None
    assert sub.skip_digest_at.date() == sub.paused_until + timedelta(days=1)


def test_resume_cancels_a_skip(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    say(bot, slack, "skip next")
    assert "Resumed" in say(bot, slack, "resume")
    assert stored(db).skip_digest_at is None


def test_the_preview_shows_the_digest_that_will_be_posted(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """`digest` previews the next digest the channel will get: not the one `skip next` skips,
    nor one on a day `pause until` covers."""
    say(bot, slack, "subscribe daily 09:00 UTC")
    slot = next_nine()
    say(bot, slack, "skip next")
    after = slot + timedelta(days=1)
    assert f"({after.date().isoformat()} in UTC)" in say(bot, slack, "digest")
    say(bot, slack, "pause for 2 weeks")
    resumes = stored(db).paused_until + timedelta(days=1)
    assert f"({resumes.isoformat()} in UTC)" in say(bot, slack, "digest")
