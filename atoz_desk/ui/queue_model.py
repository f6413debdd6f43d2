"""A work queue as a Qt table model: keyset pages from QueueService, loaded on demand.

The model never holds the whole queue. It asks for the first page when the
query is set and for the next one (after the service's cursor) when the view
scrolls to the end, always through the task runner. Sorting and filtering
happen in the database; a page that arrives for an older query is dropped.

`jump_to_end` (Ctrl+End) reaches the end of a long queue without loading
every page: the last page comes by the opposite sort order (reverse keyset)
and is kept as a tail after one placeholder "gap" row; the head keeps
growing from the front (the gap row asks for the next page when it is
shown) until head and tail meet and the gap goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.dto import ClaimDetail, ClaimRow
from atoz_desk.services.queues import Cursor, QueuePage, QueueQuery, QueueService
from atoz_desk.ui import style
from atoz_desk.ui.formatting import (
    DASH,
    age,
    countdown,
    incident_label,
    is_open_state,
    local_time,
    money,
    state_label,
)
from atoz_desk.ui.icons import icon
from atoz_desk.ui.queue_columns import (
    COL_AGE,
    COL_AMOUNT,
    COL_APPROVED,
    COL_ASSIGNEE,
    COL_CUSTOMER,
    COL_DUE,
    COL_FRAUD,
    COL_INCIDENT,
    COL_PRODUCT,
    COL_REFERENCE,
    COL_SELLER,
    COL_STATE,
    COLUMNS,
    SORT_NAMES,
)
from atoz_desk.ui.tasks import TaskRunner

ClaimReferenceRole = Qt.ItemDataRole.UserRole + 1
ClaimIdRole = Qt.ItemDataRole.UserRole + 2
ClaimRowRole = Qt.ItemDataRole.UserRole + 3

PAGE_SIZE = 200
Index = QModelIndex | QPersistentModelIndex

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def row_from_detail(d: ClaimDetail) -> ClaimRow:
    """The queue row of a claim just changed, so the table updates without a reload."""
    return ClaimRow(
        id=d.id,
        reference=d.reference,
        customer_name=str(d.customer.get("name", "")),
        product_title=str(d.product.get("title", "")),
        seller_name=str(d.seller.get("name", "")),
        incident_type=d.incident_type,
        amount_claimed=d.amount_claimed,
        currency=d.currency,
        state=d.state,
        assignee=d.assignee,
        due_at=d.due_at,
        filed_at=d.filed_at,
        fraud_score=d.fraud_score,
        version=d.version,
        approved_amount=d.approved_amount,
    )


def amounts_tooltip(claim: ClaimRow) -> str:
    """Claimed and approved side by side: what a supervisor weighs before paying."""
    claimed = money(claim.amount_claimed, claim.currency)
    if claim.approved_amount is None:
        return f"Claimed {claimed}; not approved yet"
    approved = money(claim.approved_amount, claim.currency)
    gap = claim.amount_claimed - claim.approved_amount
    if gap > 0:
        return f"Approved {approved} of {claimed} claimed ({money(gap, claim.currency)} less)"
    if gap < 0:
        return f"Approved {approved}, more than the {claimed} claimed"
    return f"Approved {approved}, the full amount claimed"


class QueueTableModel(QAbstractTableModel):
    """One queue as the user is looking at it, fetched a page at a time."""

    page_loaded = Signal(int)
    """A page arrived and this many rows were appended (0 at the end of the queue)."""
    load_failed = Signal(str)
    sort_applied = Signal(object, bool)
    """The sort the service applied to the first page (SortKey, descending)."""
    end_loaded = Signal()
    """`jump_to_end` brought the queue's last rows in: the last row is `rowCount() - 1`."""

    def __init__(
        self,
        queues: QueueService,
        actor: Actor,
        runner: TaskRunner,
        *,
        clock: Callable[[], datetime],
        high_risk_score: int,
        parent: QObject | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self._queues = queues
        self._actor = actor
        self._runner = runner
        self._clock = clock
        self._high_risk = high_risk_score
        self._page_size = page_size
        self._query: QueueQuery | None = None
        self._rows: list[ClaimRow] = []
        self._ids: set[int] = set()
        self._departed: set[int] = set()
        self._next: Cursor | None = None
        self._exhausted = True  # nothing to fetch until a query is set
        self._failed = False
        self._task: int | None = None
        self._tail: list[ClaimRow] = []  # the queue's last rows (forward order), after the gap row
        self._tail_ids: set[int] = set()
        self._sort: tuple[Any, bool] | None = None  # (SortKey, descending) the service applied
        self._gap_asked = False
        self.last_page_ms = 0.0

    # ------------------------------------------------------------------ queue

    @property
    def query(self) -> QueueQuery | None:
        return self._query

    @property
    def loading(self) -> bool:
        return self._task is not None

    @property
    def complete(self) -> bool:
        """Every row of the query is loaded."""
        return self._exhausted and self._task is None and not self._tail

    @property
    def at_end(self) -> bool:
        """The queue's last row is in the model (every row, or a tail after `jump_to_end`)."""
        return (self._exhausted or bool(self._tail)) and self._task is None

    @property
    def gap_row(self) -> int | None:
        """The placeholder row between the loaded head and tail, if there is one."""
        return len(self._rows) if self._tail else None

    def jump_to_end(self) -> None:
        """Load the queue's last page (reverse keyset) instead of every page up to it."""
        if self._query is None or self._failed or self._sort is None or self.at_end:
            if self.at_end:
                self.end_loaded.emit()
            return
        if self._task is not None:  # a forward page on its way: the end matters more now
            self._runner.discard(self._task)
            self._task = None
        sort, descending = self._sort
        queues, actor, limit = self._queues, self._actor, self._page_size
        reverse = replace(self._query, sort=sort, descending=not descending)
        task: int | None = None

        def arrived(page: QueuePage) -> None:
            if task != self._task:
                return
            self._task = None
            self.last_page_ms = page.elapsed_ms
            rows = list(reversed(page.rows))
            overlap = any(r.id in self._ids for r in rows)
            fresh = [r for r in rows if r.id not in self._ids]
            if page.next is None or overlap:  # the whole rest of the queue: no gap needed
                self._exhausted = True
                added = self._append(fresh)
            elif fresh:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(fresh))  # the gap row + tail
                self._tail = fresh
                self._tail_ids = {r.id for r in fresh}
                self._gap_asked = False
                self.endInsertRows()
                added = len(fresh)
            else:
                added = 0
            self.page_loaded.emit(added)
            self.end_loaded.emit()

        def refused(problem: DomainError) -> None:
            if task != self._task:
                return
            self._task = None
            self.load_failed.emit(problem.message)

        task = self._runner.run(
            lambda: queues.page(reverse, actor, limit=limit), arrived, on_error=refused, owner=self
        )
        self._task = task

    def _claims(self) -> Iterator[tuple[int, ClaimRow]]:
        """(row, claim) for every loaded claim, head and tail."""
        yield from enumerate(self._rows)
        offset = len(self._rows) + 1
        for i, claim in enumerate(self._tail):
            yield offset + i, claim

    def _fill_gap(self) -> None:
        self._gap_asked = False
        if self._tail and self._task is None:
            self._fetch_page()

    def set_query(self, query: QueueQuery) -> None:
        """Show another queue, sort or filter: drop the rows (and any page on its way), fetch anew."""
        self._query = query
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        if self._task is not None:
            self._runner.discard(self._task)
            self._task = None
        self._rows, self._ids, self._departed = [], set(), set()
        self._tail, self._tail_ids, self._sort = [], set(), None
        self._next = None
        self._exhausted = self._query is None
        self._failed = False
        self.endResetModel()
        self._fetch_page()

    def claim_at(self, row: int) -> ClaimRow | None:
        if 0 <= row < len(self._rows):
            return self._rows[row]
        tail_row = row - len(self._rows) - 1
        return self._tail[tail_row] if self._tail and 0 <= tail_row < len(self._tail) else None

    def row_of(self, reference: str) -> int | None:
        for row, claim in self._claims():
            if claim.reference == reference:
                return row
        return None

    def update_claim(self, claim: ClaimRow) -> bool:
        """Show a changed claim's new values in place (whether it still belongs is `mark_departed`'s)."""
        row = next((i for i, r in self._claims() if r.id == claim.id), None)
        if row is None:
            return False
        if row < len(self._rows):
            self._rows[row] = claim
        else:
            self._tail[row - len(self._rows) - 1] = claim
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return True

    def mark_departed(self, reference: str, departed: bool) -> None:
        """A claim that left the queue stays, dimmed, until a reload; one that came back looks normal."""
        row = self.row_of(reference)
        claim = self.claim_at(row) if row is not None else None
        if row is None or claim is None or (claim.id in self._departed) == departed:
            return
        if departed:
            self._departed.add(claim.id)
        else:
            self._departed.discard(claim.id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def has_left_queue(self, row: int) -> bool:
        claim = self.claim_at(row)
        return claim is not None and claim.id in self._departed

    def refresh_times(self) -> None:
        """Countdowns and ages move with the clock: repaint those two columns."""
        if self.rowCount():
            self.dataChanged.emit(self.index(0, COL_DUE), self.index(self.rowCount() - 1, COL_AGE))

    # ------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid():
            return 0
        return len(self._rows) + (len(self._tail) + 1 if self._tail else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        claim = self.claim_at(index.row())
        column = index.column()
        if claim is None and self._tail and index.row() == len(self._rows):
            return self._gap_data(column, role)
        if claim is None or not 0 <= column < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(claim, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[column].numeric else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(claim, column)
        if role == Qt.ItemDataRole.DecorationRole:
            if column == COL_DUE and self._overdue(claim):
                return icon("overdue")
            if column == COL_FRAUD and claim.fraud_score >= self._high_risk:
                return icon("risk")
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._font(claim, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(claim, column)
        if role == ClaimReferenceRole:
            return claim.reference
        if role == ClaimIdRole:
            return claim.id
        if role == ClaimRowRole:
            return claim
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        spec = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if spec.numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            what = {
                COL_AMOUNT: "Amount claimed",
                COL_APPROVED: "Amount approved: what will be paid",
                COL_FRAUD: "Fraud score, 0-100",
                COL_AGE: "Time since the claim was filed",
            }
            base = what.get(section, spec.title)
            if spec.sort is None:
                return f"{base} (not sortable)"
            return f"{base}: click to sort by {SORT_NAMES[spec.sort]}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._tail and index.row() == len(self._rows):  # the gap row: nothing to select
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def canFetchMore(self, parent: Index) -> bool:
        # with a tail loaded the bottom is the queue's end: the gap row asks for pages instead
        return not parent.isValid() and not self._exhausted and not self._failed and not self._tail

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetch_page()

    # --------------------------------------------------------------- display

    def _gap_data(self, column: int, role: int) -> Any:
        """The placeholder between head and tail: shown, it asks for the next page of the head."""
        if not self._gap_asked and self._task is None:
            self._gap_asked = True
            QTimer.singleShot(0, self._fill_gap)  # not from inside data(): the view is painting
        if role == Qt.ItemDataRole.DisplayRole and column == COL_REFERENCE:
            return "…"
        if role == Qt.ItemDataRole.DisplayRole and column == COL_CUSTOMER:
            return "Loading more claims…"
        if role == Qt.ItemDataRole.ForegroundRole:
            return style.colour(style.MUTED)
        return None

    def _overdue(self, claim: ClaimRow) -> bool:
        return is_open_state(claim.state) and claim.due_at < self._clock()

    def _text(self, claim: ClaimRow, column: int) -> str:
        if column == COL_REFERENCE:
            return claim.reference
        if column == COL_CUSTOMER:
            return claim.customer_name
        if column == COL_PRODUCT:
            return claim.product_title
        if column == COL_SELLER:
            return claim.seller_name
        if column == COL_INCIDENT:
            return incident_label(claim.incident_type)
        if column == COL_AMOUNT:
            return money(claim.amount_claimed, claim.currency)
        if column == COL_APPROVED:
            return money(claim.approved_amount, claim.currency)
        if column == COL_STATE:
            return state_label(claim.state)
        if column == COL_ASSIGNEE:
            return claim.assignee or DASH
        if column == COL_DUE:
            if claim.state == "seller_notified":
                return countdown(claim.due_at, self._clock())[0]
            return local_time(claim.due_at) if is_open_state(claim.state) else DASH
        if column == COL_AGE:
            return age(claim.filed_at, self._clock())
        return str(claim.fraud_score)

    def _foreground(self, claim: ClaimRow, column: int) -> QColor | None:
        if claim.id in self._departed:
            return style.colour(style.MUTED)
        if column == COL_DUE and self._overdue(claim):
            return style.colour(style.DANGER)
        if column == COL_FRAUD and claim.fraud_score >= self._high_risk:
            return style.colour(style.WARNING)
        if column in (COL_ASSIGNEE, COL_AGE) or (column == COL_DUE and not is_open_state(claim.state)):
            return style.colour(style.MUTED)
        if column == COL_APPROVED and claim.approved_amount is None:
            return style.colour(style.MUTED)
        return None

    def _font(self, claim: ClaimRow, column: int) -> QFont | None:
        departed = claim.id in self._departed
        strong = (column == COL_DUE and self._overdue(claim)) or (
            column == COL_FRAUD and claim.fraud_score >= self._high_risk
        )
        if not departed and not strong:
            return None
        font = QFont()
        font.setItalic(departed)
        font.setBold(strong and not departed)
        return font

    def _tooltip(self, claim: ClaimRow, column: int) -> str | None:
        if claim.id in self._departed:
            now = state_label(claim.state).lower()
            return f"{claim.reference} is now {now} and has left this queue; F5 refreshes"
        if column in (COL_CUSTOMER, COL_PRODUCT, COL_SELLER, COL_STATE, COL_ASSIGNEE):
            return self._text(claim, column)
        if column == COL_DUE and is_open_state(claim.state):
            left, overdue = countdown(claim.due_at, self._clock())
            what = "Seller must respond by" if claim.state == "seller_notified" else "Due"
            return f"{what} {local_time(claim.due_at)} ({left}){' — overdue' if overdue else ''}"
        if column in (COL_AMOUNT, COL_APPROVED):
            return amounts_tooltip(claim)
        if column == COL_AGE:
            return f"Filed {local_time(claim.filed_at)}"
        if column == COL_FRAUD:
            high = claim.fraud_score >= self._high_risk
            return f"Fraud score {claim.fraud_score}" + (
                f" — high risk (review at {self._high_risk} or more)" if high else ""
            )
        return None

    # ---------------------------------------------------------------- paging

    def _fetch_page(self) -> None:
        if self._task is not None or self._exhausted or self._query is None:
            return
        queues, actor, query = self._queues, self._actor, self._query
        after, limit, first = self._next, self._page_size, not self._rows and not self._tail
        task: int | None = None

        def page_arrived(page: QueuePage) -> None:
            if task != self._task:  # a page for a query no longer shown
                return
            # still "loading" while rows go in: a view asking for more from inside
            # beginInsertRows would otherwise page from a stale cursor and repeat rows
            self.last_page_ms = page.elapsed_ms
            self._next = page.next
            self._exhausted = page.next is None
            rows = [r for r in page.rows if r.id not in self._ids]
            if self._tail:
                meet = next((i for i, r in enumerate(rows) if r.id in self._tail_ids), None)
                if meet is not None or page.next is None:  # head reached the tail: close the gap
                    rows = rows[:meet] if meet is not None else rows
                    self._exhausted = True
            added = self._append(rows)
            if self._tail and self._exhausted:
                self._join_tail()
            self._task = None
            if first:
                self._sort = (page.sort, page.descending)
                self.sort_applied.emit(page.sort, page.descending)
            self.page_loaded.emit(added)

        def page_refused(problem: DomainError) -> None:
            if task != self._task:
                return
            self._task = None
            self._failed = True
            self.load_failed.emit(problem.message)

        task = self._runner.run(
            lambda: queues.page(query, actor, after=after, limit=limit),
            page_arrived,
            on_error=page_refused,
            owner=self,
        )
        self._task = task

    def _join_tail(self) -> None:
        """Head and tail met: the gap row goes, the tail becomes the end of the rows."""
        gap = len(self._rows)
        self.beginRemoveRows(QModelIndex(), gap, gap)
        self._rows.extend(self._tail)
        self._ids.update(self._tail_ids)
        self._tail, self._tail_ids = [], set()
        self.endRemoveRows()

    def _append(self, rows: list[ClaimRow]) -> int:
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._ids.update(r.id for r in rows)
            self.endInsertRows()
        return len(rows)
