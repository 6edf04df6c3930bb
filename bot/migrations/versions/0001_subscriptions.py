"""subscriptions and deliveries

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("cadence", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=True),
        sa.Column("at_minute", sa.Integer, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False, server_default="en"),
        sa.Column("next_wake_at", UTCDateTime, nullable=True),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("paused_reason", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("last_digest_for", UTCDateTime, nullable=True),
        sa.Column("last_delivery_at", UTCDateTime, nullable=True),
        sa.Column("last_result", sa.Text, nullable=True),
        sa.Column("digests_sent", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_subscription_channel"),
    )
    op.create_index("ix_subscriptions_next_wake_at", "subscriptions", ["next_wake_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("scheduled_for", UTCDateTime, nullable=False),
        sa.Column("kinds", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("subscription_id", "scheduled_for", name="uq_delivery_slot"),
    )
    op.create_index("ix_deliveries_subscription_id", "deliveries", ["subscription_id"])
    op.create_index("ix_deliveries_claimed_lease", "deliveries", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
