"""The filter bar above the queue: text, incident type, amount range and state.

Text and amounts wait ~250 ms after the last key before the queue reloads.
Input the database would refuse (an amount that is not money, min above
max, a text too short to search) is shown inline and never sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.money import parse_amount
from atoz_desk.domain.states import IncidentType
from atoz_desk.services.queues import MIN_SEARCH_CHARS, QueueQuery, QueueSpec
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, incident_label
from atoz_desk.ui.icons import icon

DEBOUNCE_MS = 250


@dataclass(frozen=True)
class Filters:
    text: str | None = None
    incident_type: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    states: tuple[str, ...] = ()

    def apply(self, query: QueueQuery) -> QueueQuery:
        return replace(
            query,
            text=self.text,
            incident_type=self.incident_type,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            states=self.states,
        )

    @property
    def active(self) -> bool:
        return self != Filters()


class FilterBar(QWidget):
    changed = Signal()
    """The filters changed and are valid: reload the queue with `filters`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.setAccessibleName("Queue filters")
        self.filters = Filters()
        self._debounce = QTimer(self)
        self._debounce.setObjectName("filterDebounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._commit)

        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("filterText")
        self.text_edit.setAccessibleName("Filter text")
        self.text_edit.setPlaceholderText("Filter by reference, customer, e-mail, order, seller or product")
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.incident_combo = QComboBox(self)
        self.incident_combo.setObjectName("filterIncident")
        self.incident_combo.setAccessibleName("Incident type")
        self.incident_combo.addItem("Any incident", None)
        for kind in IncidentType:
            self.incident_combo.addItem(incident_label(kind.value), kind.value)
        self.amount_min = self._amount_edit("filterAmountMin", "Lowest amount claimed", "Min $")
        self.amount_max = self._amount_edit("filterAmountMax", "Highest amount claimed", "Max $")
        self.state_combo = QComboBox(self)
        self.state_combo.setObjectName("filterState")
        self.state_combo.setAccessibleName("State within the queue")
        self.clear_button = QToolButton(self)
        self.clear_button.setObjectName("filterClear")
        self.clear_button.setText("Clear")
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.setToolTip("Clear every filter")
        self.clear_button.setAutoRaise(True)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("queueCount")
        self.count_label.setAccessibleName("Claims matching")
        self.count_label.setProperty("role", "caption")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("filterError")
        self.error_label.setAccessibleName("Filter problem")
        self.error_label.setProperty("role", "fieldError")
        self.error_label.hide()

        dash = QLabel("–", self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.text_edit, 4)
        row.addWidget(self.incident_combo)
        row.addWidget(self.amount_min)
        row.addWidget(dash)
        row.addWidget(self.amount_max)
        row.addWidget(self.state_combo)
        row.addWidget(self.clear_button)
        row.addWidget(self.count_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error_label)

        self.text_edit.textChanged.connect(self._debounce.start)
        self.amount_min.textChanged.connect(self._debounce.start)
        self.amount_max.textChanged.connect(self._debounce.start)
        self.text_edit.returnPressed.connect(self.commit_now)
        self.amount_min.returnPressed.connect(self.commit_now)
        self.amount_max.returnPressed.connect(self.commit_now)
        self.incident_combo.currentIndexChanged.connect(self.commit_now)
        self.state_combo.currentIndexChanged.connect(self.commit_now)
        self.clear_button.clicked.connect(self.clear)

    def _amount_edit(self, name: str, accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        edit.setMaximumWidth(self.fontMetrics().horizontalAdvance("999,999.99") + 24)
        return edit

    # ------------------------------------------------------------------ queue

    def set_queue(self, spec: QueueSpec) -> None:
        """A new queue starts unfiltered; the state choice lists only that queue's states."""
        self._debounce.stop()
        widgets = (self.text_edit, self.amount_min, self.amount_max, self.incident_combo, self.state_combo)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.text_edit.clear()
            self.amount_min.clear()
            self.amount_max.clear()
            self.incident_combo.setCurrentIndex(0)
            self.state_combo.clear()
            self.state_combo.addItem("Any state", None)
            for state in spec.states:
                self.state_combo.addItem(state.label, state.value)
            self.state_combo.setVisible(len(spec.states) > 1)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self.filters = Filters()
        self._show_problem(None)

    def show_count(self, count: int | None, *, more: bool = False) -> None:
        """The queue's count; `more`: counting stopped there, there are more ("10,000+ claims")."""
        if count is None:
            self.count_label.setText("Counting…")
        else:
            shown = f"{count - 1:,}+" if more else f"{count:,}"
            suffix = " matching" if self.filters.active else ""
            self.count_label.setText(f"{shown} claim{'s' if count != 1 else ''}{suffix}")

    def stop(self) -> None:
        self._debounce.stop()

    def clear(self) -> None:
        self.text_edit.clear()
        self.amount_min.clear()
        self.amount_max.clear()
        self.incident_combo.setCurrentIndex(0)
        if self.state_combo.count():
            self.state_combo.setCurrentIndex(0)
        self.commit_now()

    # ------------------------------------------------------------ validation

    def commit_now(self) -> None:
        self._debounce.stop()
        self._commit()

    def read(self) -> Filters:
        """The filters as typed; raises ValidationError (with .field) for input that cannot be sent."""
        text = " ".join(self.text_edit.text().split()) or None
        if text is not None and len(text) < MIN_SEARCH_CHARS:
            raise ValidationError(f"Type at least {MIN_SEARCH_CHARS} characters to filter", "text")
        low = self._amount(self.amount_min, "min amount")
        high = self._amount(self.amount_max, "max amount")
        if low is not None and high is not None and low > high:
            raise ValidationError("The lowest amount is above the highest", "max amount")
        state = self.state_combo.currentData()
        return Filters(
            text=text,
            incident_type=self.incident_combo.currentData(),
            amount_min=low,
            amount_max=high,
            states=(state,) if state else (),
        )

    @staticmethod
    def _amount(edit: QLineEdit, field: str) -> Decimal | None:
        if not edit.text().strip():
            return None
        amount = parse_amount(edit.text(), field=field, minimum_exclusive=None)
        if amount < 0:
            raise ValidationError(f"{field}: an amount cannot be negative", field)
        return amount

    def _commit(self) -> None:
        try:
            filters = self.read()
        except ValidationError as problem:
            self._show_problem(problem)
            return
        self._show_problem(None)
        if filters != self.filters:
            self.filters = filters
            self.changed.emit()

    def _show_problem(self, problem: ValidationError | None) -> None:
        fields = {"text": self.text_edit, "min amount": self.amount_min, "max amount": self.amount_max}
        for name, edit in fields.items():
            bad = problem is not None and problem.field == name
            edit.setStyleSheet(style.invalid_field_style() if bad else "")
            edit.setToolTip(first_upper(problem.message) if bad and problem else "")
        if problem is None:
            self.error_label.hide()
            self.error_label.clear()
        else:
            self.error_label.setText(
                first_upper(problem.message) + " — the queue shows the last valid filter."
            )
            self.error_label.show()
