"""Migration 0004: daily and weekly subscriptions become sets of digest days, with nothing else
lost (their deliveries stay), on SQLite and PostgreSQL; and back down again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from bot.store.engine import MIGRATIONS
from bot.store.store import Store

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _migrate(store: Store, target: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_existing_subscriptions_get_their_days(db_url: str) -> None:
    store = Store.open(db_url, migrate=False)
    try:
        _migrate(store, "0003")
        with store.engine.begin() as conn:
            for n, (cadence, weekday) in enumerate(
                [("daily", None), ("weekly", 0), ("weekly", 4), ("weekly", 6)]
            ):
                conn.execute(
                    text(
                        "INSERT INTO subscriptions (team_id, channel_id, cadence, weekday,"
                        " at_minute, tz, lang, paused, created_at, updated_at, digests_sent,"
                        " always) VALUES ('T1', :c, :cadence, :weekday, 540, 'Europe/Paris', 'fr',"
                        " false, :now, :now, 3, true)"
                    ),
                    {"c": f"C{n}", "cadence": cadence, "weekday": weekday, "now": NOW},
                )
            conn.execute(
                text(
                    "INSERT INTO deliveries (subscription_id, scheduled_for, kinds, status,"
                    " attempts, created_at) SELECT id, :now, 'digest', 'sent', 1, :now"
                    " FROM subscriptions"
                ),
                {"now": NOW},
            )
        store.migrate()
        subs = {s.channel_id: s for s in store.list_team("T1")}
        assert {c: sorted(s.schedule.days) for c, s in subs.items()} == {
            "C0": [0, 1, 2, 3, 4, 5, 6],
            "C1": [0],
            "C2": [4],
            "C3": [6],
        }
        for sub in subs.values():  # nothing else changed, and the deliveries are all there
            assert (sub.lang, sub.always, sub.digests_sent, sub.receives, sub.topics) == (
                "fr",
                True,
                3,
                "all",
                frozenset(),
            )
            assert str(sub.schedule.at) == "09:00:00" and sub.schedule.tz == "Europe/Paris"
            assert len(store.deliveries(sub.id)) == 1
        columns = {c["name"] for c in inspect(store.engine).get_columns("subscriptions")}
        assert {"days", "receives", "topics"} <= columns
        assert not {"cadence", "weekday"} & columns

        # several days cannot go back down as they are: weekly on the first of them
        store.subscribe(
            team_id="T1",
            channel_id="C2",
            schedule=subs["C2"].schedule.__class__(
                frozenset({1, 3}), subs["C2"].schedule.at, "UTC"
            ),
            now=NOW,
        )
        _migrate(store, "0003", down=True)
        with store.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT channel_id, cadence, weekday FROM subscriptions ORDER BY channel_id")
            ).all()
            kept = conn.execute(text("SELECT count(*) FROM deliveries")).scalar()
        assert [tuple(r) for r in rows] == [
            ("C0", "daily", None),
            ("C1", "weekly", 0),
            ("C2", "weekly", 1),
            ("C3", "weekly", 6),
        ]
        assert kept == 4
    finally:
        store.close()
