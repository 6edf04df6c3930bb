"""subscriptions for one person (their DM), pause until a day, skip the next digest

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

``owner_id``: the person a personal subscription belongs to (its ``channel_id`` is their direct
message with the bot), so that ``… me`` finds it from any channel; NULL for a channel's.
``paused_until``: the last local day (the subscription's zone) nothing is posted; posting
resumes by itself the day after. ``skip_digest_at``: the scheduled instant of the one digest to
skip (``skip next``). Columns are added in place; existing rows get NULL (nothing changes for
them). Dropped in place going down, never by copying the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("owner_id", sa.String(32), nullable=True))
    op.add_column("subscriptions", sa.Column("paused_until", sa.Date, nullable=True))
    op.add_column("subscriptions", sa.Column("skip_digest_at", UTCDateTime, nullable=True))
    op.create_index("ix_subscriptions_owner", "subscriptions", ["team_id", "owner_id"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_owner", table_name="subscriptions")
    # in place (SQLite has DROP COLUMN since 3.35): copying the table would cascade to deliveries
    op.drop_column("subscriptions", "skip_digest_at")
    op.drop_column("subscriptions", "paused_until")
    op.drop_column("subscriptions", "owner_id")
