"""What the store gives back is what was stored, every field of it: a subscription's days and
time to the minute, its language, what it receives, its topics, its owner, its holds, and what
its last digest knew; a workspace's list in a stable order; nothing made up for a channel with
none. (A field read back wrong shows a channel the wrong settings, or posts where it should not.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import update

from bot.store.store import Store
from bot.store.tables import subscriptions
from bot.subscriptions.schedule import Schedule
from bot.subscriptions.stored import Receives

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SLOT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


def test_every_field_reads_back_as_written(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        schedule = Schedule(frozenset({0, 3}), time(9, 30), "Europe/Paris")
        store.subscribe(
            team_id="T1",
            channel_id="D1",
            schedule=schedule,
            now=NOW,
            user_id="U1",
            enterprise_id="E1",
            lang="fr",
            always=True,
            receives=Receives.REMINDERS,
            topics=frozenset({"bletchley", "france-china-ai"}),
            owner_id="U1",
        )
        held = store.hold("T1", "D1", NOW, until=date(2027, 3, 10), skip=SLOT)
        assert held is not None and held.paused_until == date(2027, 3, 10)
        with store.engine.begin() as conn:  # what a posted digest records
            conn.execute(
                update(subscriptions).values(
                    last_digest_for=SLOT,
                    last_delivery_at=NOW,
                    news_seen="d:one d:two",
                    digests_sent=3,
                )
            )
        for sub in (store.get("T1", "D1"), store.personal("T1", "U1"), *store.list_team("T1")):
            assert sub is not None
            assert (sub.team_id, sub.channel_id, sub.enterprise_id) == ("T1", "D1", "E1")
            assert sub.schedule == schedule and sub.schedule.at == time(9, 30)
            assert (sub.lang, sub.always, sub.receives) == ("fr", True, Receives.REMINDERS)
            assert sub.topics == {"bletchley", "france-china-ai"}
            assert (sub.owner_id, sub.created_by) == ("U1", "U1")
            assert (sub.paused_until, sub.skip_digest_at) == (date(2027, 3, 10), SLOT)
            assert sub.last_digest_for == SLOT and sub.digests_sent == 3
            assert sub.last_delivery_at == NOW
            assert sub.news_seen == {"d:one", "d:two"}
    finally:
        store.close()


def test_a_channel_that_never_had_a_digest_has_no_news_seen(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.subscribe(
            team_id="T1",
            channel_id="C1",
            schedule=Schedule(frozenset({0}), time(9, 0), "UTC"),
            now=NOW,
        )
        sub = store.get("T1", "C1")
        assert sub is not None
        assert sub.news_seen is None and sub.last_digest_for is None and sub.owner_id is None
        assert sub.receives == Receives.ALL and sub.topics == frozenset()
    finally:
        store.close()


def test_a_workspace_lists_its_channels_in_order_and_resumes_nothing_it_lacks(
    db_url: str,
) -> None:
    store = Store.open(db_url)
    try:
        for channel in ("C3", "C1", "C2"):
            store.subscribe(
                team_id="T1",
                channel_id=channel,
                schedule=Schedule(frozenset({0}), time(9, 0), "UTC"),
                now=NOW,
            )
        assert [s.channel_id for s in store.list_team("T1")] == ["C1", "C2", "C3"]
        assert store.resume("T1", "C9", NOW) is None  # no subscription there: none made up
    finally:
        store.close()


def test_the_operators_counts_say_how_many_are_paused_and_due(db_url: str) -> None:
    """/metrics' gauges: every subscription, the paused ones, and those due now and not paused
    (a due count stuck above 0 is a clock that is not running)."""
    store = Store.open(db_url)
    try:
        daily = Schedule(frozenset(range(7)), time(9, 0), "UTC")
        for channel in ("C1", "C2", "C3", "C4"):
            store.subscribe(team_id="T1", channel_id=channel, schedule=daily, now=NOW)
        store.pause("T1", "C2", "paused by a person", NOW)
        # wakes at 09:00 the next day: not due at noon, due at 09:00 the day after
        assert store.gauges(NOW) == {"subscriptions": 4, "paused": 1, "due": 0}
        after = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
        assert store.gauges(after) == {"subscriptions": 4, "paused": 1, "due": 3}
        store.resume("T1", "C2", NOW)
        assert store.gauges(after) == {"subscriptions": 4, "paused": 0, "due": 4}
    finally:
        store.close()


def test_what_no_subscription_has_is_none_and_an_unknown_word_reads_as_all(db_url: str) -> None:
    """Holding, finding a person's own, or resuming where there is no subscription gives None,
    never a made-up one; a `receives` word this version does not know (written by a newer one, or
    by hand) reads as digests and reminders, not as an error on every read."""
    store = Store.open(db_url)
    try:
        assert store.hold("T1", "C9", NOW, until=date(2027, 3, 10), skip=None) is None
        assert store.personal("T1", "U9") is None
        store.subscribe(
            team_id="T1",
            channel_id="C1",
            schedule=Schedule(frozenset({0}), time(9, 0), "UTC"),
            now=NOW,
        )
        with store.engine.begin() as conn:
            conn.execute(update(subscriptions).values(receives="everything"))
        sub = store.get("T1", "C1")
        assert sub is not None and sub.receives == Receives.ALL
    finally:
        store.close()
