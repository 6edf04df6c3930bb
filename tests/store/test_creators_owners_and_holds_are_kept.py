"""What the store keeps of who made a subscription and what it holds back (issue 20, items 4 to
6): the maker is recorded when it is made and kept through changes (the PostgreSQL upsert and
the SQLite update alike); a person's own subscription is found by its owner; a pause until a
day and a skipped slot are stored as a date and an instant, cleared by `resume` and by
subscribing again. A real database (SQLite and PostgreSQL), nothing of ours replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.store.store import Store
from bot.subscriptions.schedule import Schedule, parse_schedule

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def schedule(words: str) -> Schedule:
    parsed = parse_schedule(words.split())
    assert isinstance(parsed, Schedule), parsed
    return parsed


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()


def test_the_maker_is_kept_through_changes(store: Store) -> None:
    daily = schedule("daily 09:00 UTC")
    sub, created = store.subscribe(
        team_id="T1", channel_id="C1", schedule=daily, now=NOW, user_id="U1"
    )
    assert created and sub.created_by == "U1"
    sub, created = store.subscribe(
        team_id="T1", channel_id="C1", schedule=schedule("8am UTC"), now=NOW, user_id="U2"
    )
    assert not created and sub.created_by == "U1" and sub.schedule.at.hour == 8


def test_a_persons_own_is_found_by_its_owner(store: Store) -> None:
    store.subscribe(
        team_id="T1",
        channel_id="DU1",
        schedule=schedule("daily 09:00 UTC"),
        now=NOW,
        user_id="U1",
        owner_id="U1",
    )
    store.subscribe(team_id="T1", channel_id="C1", schedule=schedule("daily"), now=NOW)
    mine = store.personal("T1", "U1")
    assert mine is not None and mine.channel_id == "DU1" and mine.owner_id == "U1"
    assert store.personal("T2", "U1") is None and store.personal("T1", "U2") is None
    assert store.get("T1", "C1").owner_id is None  # type: ignore[union-attr]


def test_holds_are_data_cleared_by_resume_and_by_subscribing(store: Store) -> None:
    daily = schedule("daily 09:00 UTC")
    store.subscribe(team_id="T1", channel_id="C1", schedule=daily, now=NOW, user_id="U1")
    slot = datetime(2026, 12, 6, 9, tzinfo=UTC)
    held = store.hold("T1", "C1", NOW, until=date(2027, 3, 10), skip=slot)
    assert held is not None
    assert held.paused_until == date(2027, 3, 10) and held.skip_digest_at == slot
    assert not held.paused and held.next_wake_at is not None  # it keeps waking up
    resumed = store.resume("T1", "C1", NOW)
    assert resumed is not None and resumed.paused_until is None and resumed.skip_digest_at is None
    store.hold("T1", "C1", NOW, until=NOW.date() + timedelta(days=3), skip=None)
    again, _ = store.subscribe(team_id="T1", channel_id="C1", schedule=daily, now=NOW)
    assert again.paused_until is None
    assert store.hold("T1", "CNONE", NOW, until=None, skip=None) is None
