"""Subscriptions: what each channel asked for and where it stands, read and written."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql

from bot.store.engine import Database
from bot.store.tables import subscriptions
from bot.subscriptions.schedule import Schedule, days_from_key, days_key, wake_after
from bot.subscriptions.stored import RECEIVES, Receives, SubscriptionView


def seen_keys(stored: str | None) -> frozenset[str] | None:
    return None if stored is None else frozenset(stored.split())


_SUBSCRIPTIONS = subscriptions
_CHANNEL = (
    _SUBSCRIPTIONS.c.team_id == bindparam("team"),
    _SUBSCRIPTIONS.c.channel_id == bindparam("channel"),
)
_BY_CHANNEL = select(_SUBSCRIPTIONS).where(*_CHANNEL)
_BY_OWNER = select(_SUBSCRIPTIONS).where(
    _SUBSCRIPTIONS.c.team_id == bindparam("team"),
    _SUBSCRIPTIONS.c.owner_id == bindparam("owner"),
)
_UNSUBSCRIBE = delete(_SUBSCRIPTIONS).where(*_CHANNEL)
# `pause`: the channel's subscription stops waking up, as it is afterwards
_PAUSE = (
    update(_SUBSCRIPTIONS)
    .where(*_CHANNEL)
    .values(
        paused=True,
        paused_reason=bindparam("v_reason"),
        next_wake_at=None,
        paused_until=None,
        updated_at=bindparam("v_now"),
    )
    .returning(*_SUBSCRIPTIONS.c)
)
# `pause until <day>` and `skip next`: data the planner reads at every wake-up; the subscription
# keeps waking up, and owes nothing through that day (or no digest at that slot)
_HOLD = (
    update(_SUBSCRIPTIONS)
    .where(*_CHANNEL)
    .values(
        paused_until=bindparam("v_until"),
        skip_digest_at=bindparam("v_skip"),
        updated_at=bindparam("v_now"),
    )
    .returning(*_SUBSCRIPTIONS.c)
)
# `resume`: unpaused, waking up next when its schedule says (computed from the row just read)
_RESUME = (
    update(_SUBSCRIPTIONS)
    .where(_SUBSCRIPTIONS.c.id == bindparam("b_id"))
    .values(
        paused=False,
        paused_reason=None,
        paused_until=None,
        skip_digest_at=None,
        updated_at=bindparam("v_now"),
        next_wake_at=bindparam("v_next_wake_at"),
    )
    .returning(*_SUBSCRIPTIONS.c)
)


# what `subscribe` sets, on a new subscription and on an existing one alike
_SUBSCRIBE_SETS: dict[str, Any] = {
    name: bindparam(f"v_{name}")
    for name in (
        "enterprise_id",
        "days",
        "at_minute",
        "tz",
        "lang",
        "always",
        "receives",
        "topics",
        "paused",
        "paused_reason",
        "paused_until",
        "skip_digest_at",
        "owner_id",
        "updated_at",
        "next_wake_at",
    )
}
_SUBSCRIBE_UPDATE = (
    update(_SUBSCRIPTIONS)
    .where(
        _SUBSCRIPTIONS.c.team_id == bindparam("b_team"),
        _SUBSCRIPTIONS.c.channel_id == bindparam("b_channel"),
    )
    .values(_SUBSCRIBE_SETS)
    .returning(*_SUBSCRIPTIONS.c)
)
_SUBSCRIBE_INSERT = (
    insert(_SUBSCRIPTIONS)
    .values(
        team_id=bindparam("b_team"),
        channel_id=bindparam("b_channel"),
        created_at=bindparam("b_created"),
        created_by=bindparam("b_created_by"),
        digests_sent=0,
        **_SUBSCRIBE_SETS,
    )
    .returning(*_SUBSCRIPTIONS.c)
)

# PostgreSQL: the same in one statement (the unique constraint on the channel decides between
# insert and update), so it needs no transaction around it, and two people subscribing a new
# channel at once cannot both insert
_SUBSCRIBE_UPSERT = (
    postgresql.insert(_SUBSCRIPTIONS)
    .values(
        team_id=bindparam("b_team"),
        channel_id=bindparam("b_channel"),
        created_at=bindparam("b_created"),
        created_by=bindparam("b_created_by"),
        digests_sent=0,
        **_SUBSCRIBE_SETS,
    )
    .on_conflict_do_update(constraint="uq_subscription_channel", set_=_SUBSCRIBE_SETS)
    # a row an insert wrote has no deleting transaction yet (xmax 0); an updated one has
    .returning(*_SUBSCRIPTIONS.c, literal_column("xmax = 0").label("inserted"))
)


def view_of(row: Any) -> SubscriptionView:
    """A subscription as a plain value, from a row of its table (or anything with its columns'
    names as attributes)."""
    return SubscriptionView(
        id=row.id,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        channel_id=row.channel_id,
        schedule=Schedule(
            days=days_from_key(row.days),
            at=time(row.at_minute // 60, row.at_minute % 60),
            tz=row.tz,
        ),
        lang=row.lang,
        next_wake_at=row.next_wake_at,
        paused=row.paused,
        paused_reason=row.paused_reason,
        created_by=row.created_by,
        last_digest_for=row.last_digest_for,
        last_delivery_at=row.last_delivery_at,
        last_result=row.last_result,
        digests_sent=row.digests_sent,
        always=bool(row.always),
        news_seen=seen_keys(row.news_seen),
        receives=Receives(row.receives) if row.receives in RECEIVES else Receives.ALL,
        topics=frozenset((row.topics or "").split()),
        owner_id=row.owner_id,
        paused_until=row.paused_until,
        skip_digest_at=row.skip_digest_at,
    )


class Subscriptions(Database):
    """Subscribing, pausing, resuming and listing channels' subscriptions."""

    def subscribe(
        self,
        *,
        team_id: str,
        channel_id: str,
        schedule: Schedule,
        now: datetime,
        user_id: str | None = None,
        enterprise_id: str | None = None,
        lang: str = "en",
        always: bool = False,
        receives: str = "all",
        topics: frozenset[str] = frozenset(),
        owner_id: str | None = None,
    ) -> tuple[SubscriptionView, bool]:
        """Create or replace this channel's subscription; (view, created). Unpauses it (a
        ``pause until`` and a ``skip next`` too).

        Every option is set anew: subscribing again without ``always`` turns it off, without
        topics lifts the topic limit. ``user_id`` is recorded as who made it, on a new
        subscription only: a change keeps its maker. ``owner_id``: a person's own subscription
        (``channel_id`` is then their direct message with the bot)."""
        # Core statements built once: a quarter of the ORM's time, and this is every `subscribe`
        params: dict[str, Any] = {
            "b_team": team_id,
            "b_channel": channel_id,
            "v_enterprise_id": enterprise_id,
            "v_days": days_key(schedule.days),
            "v_at_minute": schedule.at.hour * 60 + schedule.at.minute,
            "v_tz": schedule.tz,
            "v_lang": lang,
            "v_always": always,
            "v_receives": receives,
            "v_topics": " ".join(sorted(topics)) or None,
            "v_paused": False,
            "v_paused_reason": None,
            "v_paused_until": None,
            "v_skip_digest_at": None,
            "v_owner_id": owner_id,
            "b_created_by": user_id,
            "v_updated_at": now,
            "v_next_wake_at": wake_after(schedule, now),
        }
        params["b_created"] = now
        if self.one_statement is not None:
            with self.one_statement.connect() as conn:
                row = conn.execute(_SUBSCRIBE_UPSERT, params).one()
            return view_of(row), bool(row.inserted)
        with self.write() as conn:
            updated = conn.execute(_SUBSCRIBE_UPDATE, params).first()
            if updated is not None:
                return view_of(updated), False
            return view_of(conn.execute(_SUBSCRIBE_INSERT, params).one()), True

    def get(self, team_id: str, channel_id: str) -> SubscriptionView | None:
        # Core rather than the ORM: half the time, and this is every `status` and `pause`
        with self.reader.connect() as conn:
            row = conn.execute(_BY_CHANNEL, {"team": team_id, "channel": channel_id}).first()
        return view_of(row) if row is not None else None

    def personal(self, team_id: str, owner_id: str) -> SubscriptionView | None:
        """A person's own subscription (``subscribe me``), found from any channel."""
        with self.reader.connect() as conn:
            row = conn.execute(_BY_OWNER, {"team": team_id, "owner": owner_id}).first()
        return view_of(row) if row is not None else None

    def hold(
        self,
        team_id: str,
        channel_id: str,
        now: datetime,
        *,
        until: date | None,
        skip: datetime | None,
    ) -> SubscriptionView | None:
        """Set what the planner holds back: nothing posted through local day ``until``, no
        digest at the slot ``skip`` (None: none)."""
        params = {
            "team": team_id,
            "channel": channel_id,
            "v_until": until,
            "v_skip": skip,
            "v_now": now,
        }
        with self.write() as conn:
            row = conn.execute(_HOLD, params).first()
        return view_of(row) if row is not None else None

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        with self.write() as conn:
            result = conn.execute(_UNSUBSCRIBE, {"team": team_id, "channel": channel_id})
            return bool(result.rowcount)

    def pause(
        self, team_id: str, channel_id: str, reason: str, now: datetime
    ) -> SubscriptionView | None:
        params = {"team": team_id, "channel": channel_id, "v_reason": reason, "v_now": now}
        with self.write() as conn:
            row = conn.execute(_PAUSE, params).first()
        return view_of(row) if row is not None else None

    def resume(self, team_id: str, channel_id: str, now: datetime) -> SubscriptionView | None:
        with self.write() as conn:
            row = conn.execute(_BY_CHANNEL, {"team": team_id, "channel": channel_id}).first()
            if row is None:
                return None
            next_wake = wake_after(view_of(row).schedule, now)
            params = {"b_id": row.id, "v_now": now, "v_next_wake_at": next_wake}
            row = conn.execute(_RESUME, params).first()
        return view_of(row) if row is not None else None

    def list_team(self, team_id: str) -> list[SubscriptionView]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(_SUBSCRIPTIONS)
                .where(_SUBSCRIPTIONS.c.team_id == team_id)
                .order_by(_SUBSCRIPTIONS.c.channel_id)
            ).all()
        return [view_of(r) for r in rows]

    def count(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(_SUBSCRIPTIONS)) or 0)

    def gauges(self, now: datetime) -> dict[str, int]:
        """Counts for monitoring: subscriptions, paused ones, and those due but not yet claimed."""
        c = _SUBSCRIPTIONS.c
        with self.reader.connect() as conn:
            total, paused, due = conn.execute(
                select(
                    func.count(),
                    func.count().filter(c.paused.is_(True)),
                    func.count().filter(c.paused.is_(False), c.next_wake_at <= now),
                ).select_from(_SUBSCRIPTIONS)
            ).one()
        return {"subscriptions": int(total), "paused": int(paused), "due": int(due)}
