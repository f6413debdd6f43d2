"""index claims by (due_at, id) for queues that span several states

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

"All claims" and "Open claims" sort every state by due date; without this
index SQLite sorts the whole table in a temporary B-tree for each page.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_claims_due_at_id", "claims", ["due_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claims_due_at_id", table_name="claims")
