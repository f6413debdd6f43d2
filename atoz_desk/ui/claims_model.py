"""The claims queue as a Qt table model: keyset pages from the claim service, loaded on demand.

The model never holds the whole table. It starts with one page and asks the
service for the next one (after the last row's (due_at, id) key) when the
view scrolls to the end, always through the task runner. Sorting and
filtering happen in the database; changing the filter resets the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.money import format_money
from atoz_desk.domain.states import ClaimState
from atoz_desk.services.claims import ClaimQueries, QueueFilter
from atoz_desk.services.dto import ClaimRow
from atoz_desk.ui.tasks import TaskRunner

COL_REFERENCE = 0
COL_CUSTOMER = 1
COL_PRODUCT = 2
COL_SELLER = 3
COL_INCIDENT = 4
COL_AMOUNT = 5
COL_STATE = 6
COL_ASSIGNEE = 7
COL_DUE = 8
COL_FRAUD = 9

ClaimReferenceRole = Qt.ItemDataRole.UserRole + 1
ClaimIdRole = Qt.ItemDataRole.UserRole + 2

PAGE_SIZE = 200

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    sample: str
    """Typical widest text: the view sizes the column from this, never by measuring rows."""
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Reference", "AZ-00000000"),
    Column("Customer", "Mariana Oliveira"),
    Column("Product", "Oil-filled space heater"),
    Column("Seller", "Brightstar Appl"),
    Column("Incident", "Damage + injury"),
    Column("Amount", "$999,999.99", numeric=True),
    Column("State", "Marketplace step-in"),
    Column("Assignee", "Carol Clarke"),
    Column("Due", "2026-12-31 23:59"),
    Column("Fraud score", "100", numeric=True),
)
assert len(COLUMNS) == COL_FRAUD + 1

_INCIDENT_LABELS = {
    "property_damage": "Property damage",
    "personal_injury": "Personal injury",
    "both": "Damage + injury",
}


def incident_label(incident_type: str) -> str:
    return _INCIDENT_LABELS.get(incident_type, incident_type.replace("_", " ").capitalize())


def state_label(state: str) -> str:
    try:
        return ClaimState(state).label
    except ValueError:  # a state this version does not know: show it rather than fail
        return state


def local_time(at: datetime) -> str:
    """A stored UTC time as the desk's local wall-clock time."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def display_text(row: ClaimRow, column: int) -> str:
    if column == COL_REFERENCE:
        return row.reference
    if column == COL_CUSTOMER:
        return row.customer_name
    if column == COL_PRODUCT:
        return row.product_title
    if column == COL_SELLER:
        return row.seller_name
    if column == COL_INCIDENT:
        return incident_label(row.incident_type)
    if column == COL_AMOUNT:
        return format_money(row.amount_claimed, row.currency)
    if column == COL_STATE:
        return state_label(row.state)
    if column == COL_ASSIGNEE:
        return row.assignee or "—"
    if column == COL_DUE:
        return local_time(row.due_at)
    if column == COL_FRAUD:
        return str(row.fraud_score)
    raise IndexError(column)


class ClaimQueueModel(QAbstractTableModel):
    """One queue of claims, sorted by due date, fetched a page at a time."""

    page_loaded = Signal(int)
    """A page arrived and this many rows were appended (0 at the end of the queue)."""
    load_failed = Signal(str)

    def __init__(
        self,
        claims: ClaimQueries,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self._claims = claims
        self._runner = runner
        self._page_size = page_size
        self._filter = QueueFilter()
        self._rows: list[ClaimRow] = []
        self._exhausted = True  # nothing to fetch until a filter is set
        self._failed = False
        self._task: int | None = None

    # ------------------------------------------------------------------ queue

    @property
    def queue_filter(self) -> QueueFilter:
        return self._filter

    @property
    def loading(self) -> bool:
        return self._task is not None

    def set_filter(self, flt: QueueFilter) -> None:
        """Show another queue: drop the rows (and any page on its way) and fetch the first page."""
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        if self._task is not None:
            self._runner.discard(self._task)
            self._task = None
        self._rows = []
        self._exhausted = False
        self._failed = False
        self.endResetModel()
        self._fetch_page()

    def claim_at(self, row: int) -> ClaimRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, reference: str) -> int | None:
        for row, claim in enumerate(self._rows):
            if claim.reference == reference:
                return row
        return None

    # ------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        claim = self.claim_at(index.row())
        if claim is None or not 0 <= index.column() < len(COLUMNS):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(claim, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[column].numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_CUSTOMER, COL_PRODUCT, COL_SELLER):
            return display_text(claim, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_DUE:
            return f"Due {local_time(claim.due_at)} (local time)"
        if role == ClaimReferenceRole:
            return claim.reference
        if role == ClaimIdRole:
            return claim.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if COLUMNS[section].numeric else _LEFT
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_FRAUD:
                return "Fraud score, 0-100"
        elif (
            orientation == Qt.Orientation.Vertical
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._rows)
        ):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._failed

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetch_page()

    # ---------------------------------------------------------------- paging

    def _fetch_page(self) -> None:
        if self._task is not None or self._exhausted:
            return
        claims, flt, limit = self._claims, self._filter, self._page_size
        last = self._rows[-1] if self._rows else None
        after = (last.due_at, last.id) if last is not None else None
        task: int | None = None

        def page_arrived(rows: list[ClaimRow]) -> None:
            if task != self._task:  # a page for a queue no longer shown
                return
            # still "loading" while rows go in: a view or tester asking for more from inside
            # beginInsertRows would otherwise page from a stale last row and repeat rows
            self._append(rows)
            self._task = None
            self.page_loaded.emit(len(rows))

        def page_refused(problem: DomainError) -> None:
            if task != self._task:
                return
            self._task = None
            self._failed = True
            self.load_failed.emit(problem.message)

        task = self._runner.run(
            lambda: claims.queue_page(flt, after=after, limit=limit),
            page_arrived,
            on_error=page_refused,
            owner=self,
        )
        self._task = task

    def _append(self, rows: list[ClaimRow]) -> None:
        if len(rows) < self._page_size:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
