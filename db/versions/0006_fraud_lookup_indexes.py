"""index contact details for fraud screening and linked claims

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Screening looks for other customer accounts with a customer's phone number
(`shared_contact`), and linked claims look for sellers whose e-mail, phone or
address is a customer's (and the other way round). Customers' e-mail and
address were indexed already; these make the remaining look-ups index seeks
on a database of a million claims.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_customers_phone", "customers", "phone"),
    ("ix_sellers_email", "sellers", "email"),
    ("ix_sellers_phone", "sellers", "phone"),
    ("ix_sellers_address", "sellers", "address"),
)


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _column in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
