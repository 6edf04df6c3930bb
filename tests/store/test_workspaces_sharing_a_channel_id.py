"""Two workspaces with the same channel id (Slack Connect shares one channel between workspaces,
under one id): each workspace sees and changes only its own subscription. A store query that
forgets the team would show one workspace another's subscription, pause it or delete it.

A real database (SQLite and PostgreSQL), nothing of ours replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.content.library import Library
from bot.delivery.planner import Rules
from bot.store.store import Store
from bot.subscriptions.schedule import Schedule, parse_schedule
from bot.subscriptions.stored import SubscriptionView

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday
SHARED = "CSHARED"  # the one channel id both workspaces see


def schedule(words: str) -> Schedule:
    parsed = parse_schedule(words.split())
    assert isinstance(parsed, Schedule), parsed
    return parsed


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """Workspace T1 gets daily English digests at 09:00 UTC in the shared channel; workspace T2
    gets French ones on Fridays at 17:00 Paris time, in the same channel id."""
    s = Store.open(db_url)
    s.subscribe(
        team_id="T1",
        channel_id=SHARED,
        schedule=schedule("daily 09:00 UTC"),
        now=NOW,
        user_id="U1",
    )
    s.subscribe(
        team_id="T2",
        channel_id=SHARED,
        schedule=schedule("fri 17:00 Europe/Paris"),
        now=NOW,
        user_id="U2",
        lang="fr",
    )
    yield s
    s.close()


def mine(store: Store, team: str) -> SubscriptionView:
    sub = store.get(team, SHARED)
    assert sub is not None, f"{team} lost its subscription"
    return sub


def test_each_workspace_reads_its_own_subscription(store: Store) -> None:
    one, two = mine(store, "T1"), mine(store, "T2")
    assert (one.team_id, one.lang, one.schedule.at, one.created_by) == ("T1", "en", time(9), "U1")
    assert (two.team_id, two.lang, two.schedule.at, two.created_by) == ("T2", "fr", time(17), "U2")
    assert one.id != two.id
    assert store.get("T3", SHARED) is None  # a third workspace has nothing there
    assert [s.team_id for s in store.list_team("T1")] == ["T1"]
    assert [s.lang for s in store.list_team("T2")] == ["fr"]


def test_subscribing_again_changes_only_that_workspace(store: Store) -> None:
    view, created = store.subscribe(
        team_id="T1", channel_id=SHARED, schedule=schedule("mon 08:00 UTC"), now=NOW, lang="zh"
    )
    assert not created and view.team_id == "T1" and view.lang == "zh"
    assert mine(store, "T1").schedule.at == time(8)
    two = mine(store, "T2")
    assert (two.lang, two.schedule.at, two.schedule.tz) == ("fr", time(17), "Europe/Paris")
    # a third workspace subscribing the same id gets a subscription of its own
    _, created = store.subscribe(
        team_id="T3", channel_id=SHARED, schedule=schedule("daily 10:00 UTC"), now=NOW
    )
    assert created and store.count() == 3


def test_pausing_from_one_workspace_leaves_the_other_receiving(store: Store) -> None:
    paused = store.pause("T1", SHARED, "by U1", NOW)
    assert paused is not None and paused.team_id == "T1" and paused.paused
    one, two = mine(store, "T1"), mine(store, "T2")
    assert one.paused and one.next_wake_at is None
    assert not two.paused and two.next_wake_at is not None and two.paused_reason is None
    # a workspace with no subscription there pauses nothing
    assert store.pause("T3", SHARED, "by U3", NOW) is None
    assert not mine(store, "T2").paused


def test_resuming_from_one_workspace_leaves_the_others_pause(store: Store) -> None:
    store.pause("T1", SHARED, "by U1", NOW)
    store.pause("T2", SHARED, "by U2", NOW)
    resumed = store.resume("T2", SHARED, NOW)
    assert resumed is not None and resumed.team_id == "T2" and not resumed.paused
    assert resumed.lang == "fr" and resumed.next_wake_at is not None
    one = mine(store, "T1")
    assert one.paused and one.paused_reason == "by U1" and one.next_wake_at is None
    assert store.resume("T3", SHARED, NOW) is None


def test_unsubscribing_from_one_workspace_keeps_the_others(store: Store) -> None:
    assert store.unsubscribe("T3", SHARED) is False
    assert store.count() == 2
    assert store.unsubscribe("T2", SHARED) is True
    assert store.get("T2", SHARED) is None
    assert mine(store, "T1").lang == "en"


def test_a_workspace_whose_token_stops_working_pauses_only_its_own(store: Store) -> None:
    assert store.pause_team("T2", "slack:token_revoked", NOW) == 1
    assert mine(store, "T2").paused_reason == "slack:token_revoked"
    assert not mine(store, "T1").paused
    assert store.pause_team("T2", "slack:token_revoked", NOW) == 0  # already paused


def test_uninstalling_one_workspace_deletes_only_its_own(store: Store) -> None:
    store.save_installation(
        "-:T1", enterprise_id=None, team_id="T1", is_enterprise_install=False, sealed="a", now=NOW
    )
    store.save_installation(
        "-:T2", enterprise_id=None, team_id="T2", is_enterprise_install=False, sealed="b", now=NOW
    )
    assert store.forget_workspace("-:T2", None, "T2") == (1, 1)
    assert store.get("T2", SHARED) is None and mine(store, "T1").lang == "en"
    assert store.installations(["-:T1", "-:T2"]) == {"-:T1": "a"}
    assert store.delete_team("T1") == 1
    assert store.count() == 0


def test_each_workspace_gets_its_own_digest_claimed(store: Store, library: Library) -> None:
    """When both are due, each workspace's post is claimed for that workspace, in its language."""
    friday_evening = datetime(2026, 12, 4, 16, 0, 30, tzinfo=UTC)  # 17:00 in Paris
    claims, _ = store.claim_due(
        friday_evening,
        Rules(library, max_late=timedelta(hours=12)),
        lease=timedelta(minutes=2),
    )
    by_team = {(c.subscription.team_id, c.subscription.lang) for c in claims}
    assert ("T2", "fr") in by_team and ("T1", "en") in by_team
    assert {c.subscription.channel_id for c in claims} == {SHARED}
