"""index history by (txid, id) for the change feed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

PostgreSQL feed readers page on (txid, id) so that a transaction committing
late is never skipped (atoz_desk/sync/feed.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_history_txid_id", "history", ["txid", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_history_txid_id", table_name="history")
