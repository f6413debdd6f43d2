"""queue sort indexes and indexed substring search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Every sortable queue column gets a (state, column, id) index so each page is
an index range. `claims.search_text` holds what the text filter searches;
SQLite indexes it with an FTS5 trigram table kept by triggers, PostgreSQL
with a pg_trgm GIN index. Existing claims get their search text here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILL = """
UPDATE claims SET search_text = lower(
    claims.reference
    || ' ' || (SELECT name || ' ' || email FROM customers WHERE customers.id = claims.customer_id)
    || ' ' || (SELECT external_id FROM orders WHERE orders.id = claims.order_id)
    || ' ' || (SELECT name || ' ' || external_id FROM sellers WHERE sellers.id = claims.seller_id)
    || ' ' || (SELECT title || ' ' || external_id FROM products WHERE products.id = claims.product_id)
)
"""

_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS claims_fts USING fts5("
    "search_text, content='claims', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS claims_fts_ai AFTER INSERT ON claims BEGIN "
    "INSERT INTO claims_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS claims_fts_ad AFTER DELETE ON claims BEGIN "
    "INSERT INTO claims_fts(claims_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS claims_fts_au AFTER UPDATE OF search_text ON claims BEGIN "
    "INSERT INTO claims_fts(claims_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO claims_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')",
)
_POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    "CREATE INDEX IF NOT EXISTS ix_claims_search_text_trgm ON claims "
    "USING gin (search_text public.gin_trgm_ops)",
)


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.execute(_FILL)
    op.drop_index("ix_claims_assignee_id_state", table_name="claims")
    op.create_index("ix_claims_assignee_id_state", "claims", ["assignee_id", "state", "due_at", "id"])
    op.create_index("ix_claims_state_amount", "claims", ["state", "amount_claimed", "id"])
    op.create_index("ix_claims_state_filed_at", "claims", ["state", "filed_at", "id"])
    op.create_index("ix_claims_state_fraud_score", "claims", ["state", "fraud_score", "id"])
    op.create_index("ix_claims_state_id", "claims", ["state", "id"])
    op.create_index("ix_recoveries_status", "recoveries", ["status"])
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("claims_fts_ai", "claims_fts_ad", "claims_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS claims_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_claims_search_text_trgm")
    op.drop_index("ix_recoveries_status", table_name="recoveries")
    for name in ("ix_claims_state_id", "ix_claims_state_fraud_score", "ix_claims_state_filed_at"):
        op.drop_index(name, table_name="claims")
    op.drop_index("ix_claims_state_amount", table_name="claims")
    op.drop_index("ix_claims_assignee_id_state", table_name="claims")
    op.create_index("ix_claims_assignee_id_state", "claims", ["assignee_id", "state"])
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("search_text")
