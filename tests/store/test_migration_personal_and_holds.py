"""Migration 0006: subscriptions get an owner (a person's own), a day to pause until and a slot to
skip, all empty for the rows already there, with nothing else lost (their makers and deliveries
stay), on SQLite and PostgreSQL; and back down again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from bot.store.engine import MIGRATIONS
from bot.store.store import Store

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
ADDED = {"owner_id", "paused_until", "skip_digest_at"}


def _migrate(store: Store, target: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def _columns(store: Store) -> set[str]:
    return {c["name"] for c in inspect(store.engine).get_columns("subscriptions")}


def test_existing_rows_get_nothing_held_and_keep_the_rest(db_url: str) -> None:
    store = Store.open(db_url, migrate=False)
    try:
        _migrate(store, "0005")
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO subscriptions (team_id, channel_id, days, at_minute, tz, lang,"
                    " paused, created_by, created_at, updated_at, digests_sent, always, receives)"
                    " VALUES ('T1', 'C1', 'mon', 540, 'UTC', 'en', false, 'U1', :now, :now, 2,"
                    " false, 'all')"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO deliveries (subscription_id, scheduled_for, kinds, status,"
                    " attempts, created_at, maybe_posted) SELECT id, :now, 'digest', 'sent', 1,"
                    " :now, false FROM subscriptions"
                ),
                {"now": NOW},
            )
        assert not ADDED & _columns(store)
        _migrate(store, "0006")
        assert _columns(store) >= ADDED
        sub = store.get("T1", "C1")
        assert sub is not None and sub.created_by == "U1" and sub.digests_sent == 2
        assert sub.owner_id is None and sub.paused_until is None and sub.skip_digest_at is None
        assert len(store.deliveries(sub.id)) == 1
        _migrate(store, "0005", down=True)
        assert not ADDED & _columns(store)
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM deliveries")).scalar() == 1
    finally:
        store.close()
