"""The store's own safeguards behind exactly-once, each on its own: a channel's post for one
scheduled instant is one row that no second clock can claim again (the database refuses a second
row for the slot, and the store skips a slot already taken), and a claim whose lease lapsed on a
subscription that was paused meanwhile is given up, never posted.

A real database (SQLite and PostgreSQL), nothing of ours replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.content.library import Library
from bot.delivery.planner import Rules
from bot.store.store import Store
from bot.store.tables import deliveries, subscriptions
from bot.subscriptions.schedule import Schedule, parse_schedule

SLOT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
def stores(db_url: str) -> Iterator[tuple[Store, Store]]:
    """Two clock processes on one database, and a channel due daily at 09:00 UTC."""
    a, b = Store.open(db_url), Store.open(db_url)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    a.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=SLOT - timedelta(hours=1))
    yield a, b
    a.close()
    b.close()


def rules(library: Library) -> Rules:
    return Rules(library, max_late=timedelta(hours=6))


def rows(store: Store) -> list[tuple[datetime, str, str | None]]:
    with store.engine.connect() as conn:
        return [
            (r.scheduled_for, r.status, r.claimed_by)
            for r in conn.execute(select(deliveries).order_by(deliveries.c.id))
        ]


def wake_again(store: Store, at: datetime) -> None:
    """As if a second clock read the subscription before the first moved its wake-up on."""
    with store.engine.begin() as conn:
        conn.execute(update(subscriptions).values(next_wake_at=at))


def test_the_database_refuses_a_second_row_for_one_slot(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, _ = stores
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    (claim,) = claims
    with pytest.raises(IntegrityError), a.engine.begin() as conn:
        conn.execute(
            insert(deliveries).values(
                subscription_id=claim.subscription.id,
                scheduled_for=SLOT,
                kinds="digest",
                status="claimed",
                attempts=1,
                claimed_by="another clock",
                lease_until=SLOT + LEASE,
                created_at=SLOT,
                maybe_posted=False,
            )
        )
    assert len(rows(a)) == 1


def test_a_slot_already_claimed_is_not_claimed_again_by_another_clock(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    first, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert [c.scheduled_for for c in first] == [SLOT]
    wake_again(b, SLOT)  # B sees the same slot due
    second, skipped = b.claim_due(SLOT + timedelta(seconds=6), rules(library), lease=LEASE)
    assert second == [] and skipped == []
    assert rows(a) == [(SLOT, "claimed", a.worker)]
    # and B moved the wake-up on all the same: the next slot is tomorrow's
    sub = b.get("T1", "C1")
    assert sub is not None and sub.next_wake_at == SLOT + timedelta(days=1)


def test_a_lapsed_claim_on_a_paused_subscription_is_given_up_not_posted(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert len(claims) == 1
    b.pause("T1", "C1", "by U1", SLOT + timedelta(seconds=10))  # A dies; the channel is paused
    later = SLOT + LEASE + timedelta(minutes=1)  # A's lease has lapsed
    taken, skipped = b.claim_due(later, rules(library), lease=LEASE)
    assert taken == [] and skipped == []
    ((slot, status, _),) = rows(b)
    assert (slot, status) == (SLOT, "failed")
    # and it stays given up: no later pass takes it over
    assert b.claim_due(later + timedelta(hours=1), rules(library), lease=LEASE) == ([], [])
    sub = b.get("T1", "C1")
    assert sub is not None and sub.paused and sub.digests_sent == 0


def test_a_lapsed_claim_on_a_removed_subscription_is_gone(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert b.unsubscribe("T1", "C1")
    later = SLOT + LEASE + timedelta(minutes=1)
    assert b.claim_due(later, rules(library), lease=LEASE) == ([], [])
    assert rows(b) == []


def test_a_lapsed_claim_on_an_active_subscription_is_taken_over_once(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    later = SLOT + LEASE + timedelta(minutes=1)
    (taken,), _ = b.claim_due(later, rules(library), lease=LEASE)
    assert taken.scheduled_for == SLOT and taken.attempts == 2
    assert rows(b) == [(SLOT, "claimed", b.worker)]
    # the first clock, back, cannot take it again while B holds it
    assert a.claim_due(later + timedelta(seconds=1), rules(library), lease=LEASE) == ([], [])
    assert a.renew([taken.delivery_id], later + LEASE) == set()
