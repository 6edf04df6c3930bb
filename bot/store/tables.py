"""Database tables (SQLAlchemy 2 Core: ``Table`` objects on one ``MetaData``, no ORM, whose import
alone would cost the server 6 MB). The schema itself is created by the Alembic migrations; a test
checks that these tables match it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which has no time zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

# One channel's digest schedule. The database is the source of truth for what is due.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(32), nullable=False),
    Column("enterprise_id", String(32), nullable=True),
    Column("channel_id", String(32), nullable=False),
    # the digest days, Monday first: "mon tue wed thu fri sat sun", "fri", "mon thu"
    Column("days", String(32), nullable=False),
    Column("at_minute", Integer, nullable=False),  # minutes after local midnight
    Column("tz", String(64), nullable=False),
    Column("lang", String(8), nullable=False, default="en"),
    # next instant the clock looks at this channel; NULL while paused
    Column("next_wake_at", UTCDateTime, nullable=True, index=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_reason", Text, nullable=True),
    Column("created_by", String(32), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_digest_for", UTCDateTime, nullable=True),
    Column("last_delivery_at", UTCDateTime, nullable=True),
    Column("last_result", Text, nullable=True),
    Column("digests_sent", Integer, nullable=False, default=0),
    # post a digest every time, even with nothing new (`subscribe … always`)
    Column("always", Boolean, nullable=False, default=False),
    # keys of the items dated on the last posted digest's local day that it already knew
    # (space-separated); NULL for digests posted before this was recorded
    Column("news_seen", Text, nullable=True),
    # what the channel receives: "all", "digests" (no reminders) or "reminders" (no digests)
    Column("receives", String(16), nullable=False, default="all"),
    # topic ids (space-separated) its digests, news and reminders are limited to; NULL: every topic
    Column("topics", Text, nullable=True),
    # a person's own subscription (`subscribe me`): its owner, whose DM with the bot channel_id is
    Column("owner_id", String(32), nullable=True),
    # the last local day nothing is posted (`pause until`); posting resumes the day after
    Column("paused_until", Date, nullable=True),
    # the scheduled instant of the one digest not to post (`skip next`)
    Column("skip_digest_at", UTCDateTime, nullable=True),
    UniqueConstraint("team_id", "channel_id", name="uq_subscription_channel"),
    Index("ix_subscriptions_owner", "team_id", "owner_id"),
)

# One post owed to one channel for one scheduled instant: the key that stops doubles.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("kinds", String(32), nullable=False),  # "digest", "reminder" or "digest+reminder"
    # claimed | sent | failed | skipped (too late) | nothing_new (a quiet digest, not posted)
    # | uncertain (may have been posted; Slack did not say and the history could not tell)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("message_ts", String(32), nullable=True),
    Column("error", Text, nullable=True),
    # a request for this post may have reached Slack without its answer being recorded (set just
    # before a post is sent, cleared when the answer is known): the next owner looks in the
    # channel's history before sending it again
    Column("maybe_posted", Boolean, nullable=False, default=False),
    UniqueConstraint("subscription_id", "scheduled_for", name="uq_delivery_slot"),
    Index("ix_deliveries_claimed_lease", "status", "lease_until"),
)

# One workspace's (or Enterprise Grid org's) installation; its tokens are encrypted.
installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "enterprise:team" with "-" for a missing part: unique even where one of them is NULL
    Column("workspace_key", String(80), nullable=False, unique=True),
    Column("enterprise_id", String(32), nullable=True, index=True),
    Column("team_id", String(32), nullable=True, index=True),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("data", Text, nullable=False),  # the installation as JSON, encrypted (Fernet)
    Column("installed_at", UTCDateTime, nullable=False),
)

# An OAuth `state` used to install the app (keyed by its nonce), kept until the state expires so
# that it is not used twice (bot.installations.SignedOAuthStates). States are issued unstored.
oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)
