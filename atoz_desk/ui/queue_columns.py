"""The queue table's columns: titles, sample widths, and which ones sort in the database.

Only the SortKey columns (reference, amount claimed, due, age, fraud score)
sort; the others' headers do not respond to a click. The approved amount is
shown by default only in the queues about paying (Approvals, Payments
pending, Recoveries); elsewhere the header's menu shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from atoz_desk.services.queues import QueueId, SortKey

COL_REFERENCE, COL_CUSTOMER, COL_PRODUCT, COL_SELLER, COL_INCIDENT = range(5)
COL_AMOUNT, COL_APPROVED, COL_STATE, COL_ASSIGNEE, COL_DUE, COL_AGE, COL_FRAUD = range(5, 12)


@dataclass(frozen=True)
class Column:
    title: str
    sample: str
    """Typical widest text: the view sizes the column from this, never by measuring rows."""
    numeric: bool = False
    sort: SortKey | None = None
    inverted: bool = False
    """Ascending on screen is descending in the database (Age: youngest first is newest filed)."""
    flexible: bool = False
    """Long text that takes the view's spare width (or gives some up)."""


COLUMNS: tuple[Column, ...] = (
    Column("Reference", "AZ-00000000", sort=SortKey.REFERENCE),
    Column("Customer", "Mariana Oliveira", flexible=True),
    Column("Product", "Voltaro Power bank", flexible=True),
    Column("Seller", "Oakridge Home Goods", flexible=True),
    Column("Incident", "Damage + injury"),
    Column("Claimed", "$999,999.99", numeric=True, sort=SortKey.AMOUNT),
    Column("Approved", "$999,999.99", numeric=True),
    Column("State", "Concession approved"),
    Column("Assignee", "Carol Jensen", flexible=True),
    Column("Due", "2026-12-31 23:59", sort=SortKey.DUE),
    Column("Age", "11mo", numeric=True, sort=SortKey.FILED, inverted=True),
    Column("Fraud", "100", numeric=True, sort=SortKey.FRAUD_SCORE),
)
assert len(COLUMNS) == COL_FRAUD + 1
SORT_COLUMN = {c.sort: i for i, c in enumerate(COLUMNS) if c.sort is not None}

# queues where what will be paid matters: the approved amount shows there unless the user hid it
APPROVED_QUEUES = frozenset({QueueId.APPROVALS, QueueId.PAYMENTS_PENDING, QueueId.RECOVERIES})


def hidden_by_default(queue: QueueId) -> frozenset[int]:
    """Columns a queue starts without (the user can show them from the header's menu)."""
    return frozenset() if queue in APPROVED_QUEUES else frozenset({COL_APPROVED})


SORT_NAMES = {
    SortKey.REFERENCE: "reference",
    SortKey.AMOUNT: "amount claimed",
    SortKey.DUE: "due date",
    SortKey.FILED: "age (date filed)",
    SortKey.FRAUD_SCORE: "fraud score",
}


def sort_for_column(column: int, ascending_on_screen: bool) -> tuple[SortKey, bool] | None:
    """The service sort (key, descending) for a click on `column`, None if it does not sort."""
    spec = COLUMNS[column] if 0 <= column < len(COLUMNS) else None
    if spec is None or spec.sort is None:
        return None
    return spec.sort, ascending_on_screen == spec.inverted


def indicator_for(sort: SortKey, descending: bool) -> tuple[int, Qt.SortOrder]:
    column = SORT_COLUMN[sort]
    ascending_on_screen = descending == COLUMNS[column].inverted
    return column, Qt.SortOrder.AscendingOrder if ascending_on_screen else Qt.SortOrder.DescendingOrder
