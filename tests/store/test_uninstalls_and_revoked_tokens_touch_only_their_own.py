"""What an operator would lose if a workspace-wide change reached too far, or not far enough: an
organisation uninstalling the app takes its own installations and subscriptions and nobody
else's; a workspace whose token stopped working stops waking up; an OAuth sign-in is honoured up to
the instant its state expires, and adding a state never drops one still valid.

A real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.content.library import Library
from bot.delivery.planner import Rules
from bot.store.store import Store
from bot.subscriptions.schedule import Schedule, parse_schedule

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    daily = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(daily, Schedule)
    # org E1 with workspaces T1 and T2; org E2 with T3; T4 in no org
    for enterprise, team in (("E1", "T1"), ("E1", "T2"), ("E2", "T3"), (None, "T4")):
        s.subscribe(
            team_id=team, channel_id="C1", schedule=daily, now=NOW, enterprise_id=enterprise
        )
        s.save_installation(
            f"{enterprise or '-'}:{team}",
            enterprise_id=enterprise,
            team_id=team,
            is_enterprise_install=False,
            sealed=f"sealed-{team}",
            now=NOW,
        )
    s.save_installation(
        "E1:-", enterprise_id="E1", team_id=None, is_enterprise_install=True, sealed="org", now=NOW
    )
    yield s
    s.close()


KEYS = ["E1:T1", "E1:T2", "E2:T3", "-:T4", "E1:-"]


def teams(store: Store) -> list[str]:
    return [t for t in ("T1", "T2", "T3", "T4") if store.get(t, "C1") is not None]


def test_an_organisation_uninstalled_takes_only_its_own(store: Store) -> None:
    assert store.forget_workspace("E1:-", "E1", None) == (3, 2)
    assert sorted(store.installations(KEYS)) == ["-:T4", "E2:T3"]
    assert teams(store) == ["T3", "T4"]


def test_one_workspace_of_an_organisation_uninstalled_takes_only_its_own(store: Store) -> None:
    assert store.forget_workspace("E1:T1", "E1", "T1") == (1, 1)
    assert sorted(store.installations(KEYS)) == ["-:T4", "E1:-", "E1:T2", "E2:T3"]
    assert teams(store) == ["T2", "T3", "T4"]


def test_a_workspace_whose_token_stopped_working_stops_waking_up(
    store: Store, library: Library
) -> None:
    later = NOW + timedelta(minutes=5)
    assert store.pause_team("T2", "slack:token_revoked", later) == 1
    sub = store.get("T2", "C1")
    assert sub is not None and sub.paused and sub.next_wake_at is None
    claims, _ = store.claim_due(
        NOW.replace(hour=9, second=30),
        Rules(library, max_late=timedelta(hours=1)),
        lease=timedelta(minutes=2),
    )
    assert sorted(c.subscription.team_id for c in claims) == ["T1", "T3", "T4"]


def test_a_sign_in_state_is_good_once(store: Store) -> None:
    """A state recorded as used cannot be used again, while its record lasts."""
    assert not store.state_used("nonce-1")
    assert store.use_state("nonce-1", NOW + timedelta(minutes=10), NOW)
    assert store.state_used("nonce-1")
    assert not store.use_state("nonce-1", NOW + timedelta(minutes=10), NOW + timedelta(minutes=1))
    assert not store.state_used("nonce-2")  # another sign-in is not affected


def test_records_of_expired_states_are_dropped_and_only_those(store: Store) -> None:
    store.use_state("old", NOW, NOW - timedelta(minutes=10))
    store.use_state("edge", NOW + timedelta(minutes=1), NOW - timedelta(minutes=10))
    store.use_state("new", NOW + timedelta(minutes=10), NOW + timedelta(minutes=1))
    # recording "new" at NOW+1min dropped what had expired by then ("old"), and kept "edge"
    # (it expires at that very instant) and "new"
    assert not store.state_used("old")
    assert store.state_used("edge")
    assert store.state_used("new")
