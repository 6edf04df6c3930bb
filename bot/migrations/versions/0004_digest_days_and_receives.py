"""digest days as a set of weekdays; what a channel receives (digests, reminders, topics)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

``cadence`` and ``weekday`` become ``days``, the digest days Monday first ("mon thu"): a daily
subscription gets all seven, a weekly one its day. Going back down, seven days become daily and
any other set becomes weekly on its first day (several days cannot be said any other way).

Columns are added and dropped in place (SQLite has ``ALTER TABLE … DROP COLUMN`` since 3.35), never
by copying the table: on SQLite, dropping the old ``subscriptions`` table would cascade to every
delivery.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EVERY_DAY = " ".join(_WEEKDAYS)


def upgrade() -> None:
    op.add_column(
        "subscriptions", sa.Column("days", sa.String(32), nullable=False, server_default="mon")
    )
    op.add_column(
        "subscriptions",
        sa.Column("receives", sa.String(16), nullable=False, server_default="all"),
    )
    op.add_column("subscriptions", sa.Column("topics", sa.Text, nullable=True))
    one_day = " ".join(f"WHEN {n} THEN '{name}'" for n, name in enumerate(_WEEKDAYS))
    op.execute(
        "UPDATE subscriptions SET days = CASE "
        f"WHEN cadence = 'daily' OR weekday IS NULL THEN '{_EVERY_DAY}' "
        f"ELSE CASE weekday {one_day} ELSE 'mon' END END"
    )
    op.drop_column("subscriptions", "weekday")
    op.drop_column("subscriptions", "cadence")


def downgrade() -> None:
    op.add_column(
        "subscriptions",
        sa.Column("cadence", sa.String(8), nullable=False, server_default="weekly"),
    )
    op.add_column("subscriptions", sa.Column("weekday", sa.Integer, nullable=True))
    first_day = " ".join(f"WHEN days LIKE '{name}%' THEN {n}" for n, name in enumerate(_WEEKDAYS))
    op.execute(
        "UPDATE subscriptions SET "
        f"cadence = CASE WHEN days = '{_EVERY_DAY}' THEN 'daily' ELSE 'weekly' END, "
        f"weekday = CASE WHEN days = '{_EVERY_DAY}' THEN NULL ELSE CASE {first_day} END END"
    )
    op.drop_column("subscriptions", "topics")
    op.drop_column("subscriptions", "receives")
    op.drop_column("subscriptions", "days")
