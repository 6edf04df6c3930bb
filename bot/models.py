"""Database tables (SQLAlchemy 2). The schema itself is created by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
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


class Base(DeclarativeBase):
    pass


class Subscription(Base):
    """One channel's digest schedule. The database is the source of truth for what is due."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_subscription_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    # the digest days, Monday first: "mon tue wed thu fri sat sun", "fri", "mon thu"
    days: Mapped[str] = mapped_column(String(32))
    at_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    tz: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    # next instant the clock looks at this channel; NULL while paused
    next_wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_digest_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_result: Mapped[str | None] = mapped_column(Text, nullable=True)
    digests_sent: Mapped[int] = mapped_column(Integer, default=0)
    # post a digest every time, even with nothing new (`subscribe … always`)
    always: Mapped[bool] = mapped_column(Boolean, default=False)
    # keys of the items dated on the last posted digest's local day that it already knew
    # (space-separated); NULL for digests posted before this was recorded
    news_seen: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what the channel receives: "all", "digests" (no reminders) or "reminders" (no digests)
    receives: Mapped[str] = mapped_column(String(16), default="all")
    # topic ids (space-separated) its digests, news and reminders are limited to; NULL: every topic
    topics: Mapped[str | None] = mapped_column(Text, nullable=True)


class Delivery(Base):
    """One post owed to one channel for one scheduled instant: the key that stops doubles."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "scheduled_for", name="uq_delivery_slot"),
        Index("ix_deliveries_claimed_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    kinds: Mapped[str] = mapped_column(String(32))  # "digest", "reminder" or "digest+reminder"
    # claimed | sent | failed | skipped (too late) | nothing_new (a quiet digest, not posted)
    # | uncertain (may have been posted; Slack did not say and the history could not tell)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # a request for this post may have reached Slack without its answer being recorded (set just
    # before a post is sent, cleared when the answer is known): the next owner looks in the
    # channel's history before sending it again
    maybe_posted: Mapped[bool] = mapped_column(Boolean, default=False)


class InstallationRow(Base):
    """One workspace's (or Enterprise Grid org's) installation; its tokens are encrypted."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "enterprise:team" with "-" for a missing part: unique even where one of them is NULL
    workspace_key: Mapped[str] = mapped_column(String(80), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    team_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[str] = mapped_column(Text)  # the installation as JSON, encrypted (Fernet)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OAuthState(Base):
    """An OAuth `state` we issued: consumed once, within its lifetime, or refused."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
