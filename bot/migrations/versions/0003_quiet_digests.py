"""quiet digests: `always`, and what the last posted digest already knew

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "subscriptions",
        sa.Column("always", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("subscriptions", sa.Column("news_seen", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("news_seen")
        batch.drop_column("always")
