"""Team workload (supervisors): open and overdue claims per adjuster and state, with totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.services.assignment import AssignmentService
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, state_label
from atoz_desk.ui.icons import icon
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel
from atoz_desk.ui.tasks import TaskRunner


@dataclass(frozen=True)
class WorkloadLine:
    adjuster: str
    state: str  # "" on a subtotal or total line
    open: int
    overdue: int
    kind: str = "row"  # "row", "subtotal" or "total"
    first: bool = True  # the adjuster's first line (the name is printed once per group)


def workload_lines(rows: Iterable[tuple[str, str, int, int]]) -> list[WorkloadLine]:
    """Service rows (sorted by adjuster) with a subtotal after each adjuster and a grand total."""
    lines: list[WorkloadLine] = []
    current: str | None = None
    sub_open = sub_late = all_open = all_late = 0
    for adjuster, state, n, late in rows:
        if current is not None and adjuster != current:
            lines.append(WorkloadLine(current, "", sub_open, sub_late, "subtotal"))
            sub_open = sub_late = 0
        lines.append(WorkloadLine(adjuster, state, n, late, first=adjuster != current))
        current = adjuster
        sub_open, sub_late, all_open, all_late = sub_open + n, sub_late + late, all_open + n, all_late + late
    if current is not None:
        lines.append(WorkloadLine(current, "", sub_open, sub_late, "subtotal"))
    lines.append(WorkloadLine("Team total", "", all_open, all_late, "total"))
    return lines


def _who(line: WorkloadLine) -> str:
    if line.kind == "subtotal":
        return f"{line.adjuster}: all states"
    return line.adjuster if line.first or line.kind == "total" else ""


WORKLOAD_FIELDS: tuple[Field[WorkloadLine], ...] = (
    Field("Adjuster", _who, sample="Дмитрий Соколов: all states", tooltip=lambda w: w.adjuster),
    Field("State", lambda w: state_label(w.state) if w.state else "", sample="Concession approved"),
    Field("Open", lambda w: f"{w.open:,}", sample="99,999", numeric=True),
    Field(
        "Overdue",
        lambda w: f"{w.overdue:,}",
        sample="99,999",
        numeric=True,
        colour=lambda w: style.DANGER if w.overdue else None,
    ),
)


class WorkloadModel(RecordTableModel[WorkloadLine]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(WORKLOAD_FIELDS, parent, bold=lambda w: w.kind != "row")

    def set_workload(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        self.set_records(workload_lines(rows))

    def totals(self) -> WorkloadLine | None:
        records = self.records()
        return records[-1] if records else None


class WorkloadDialog(QDialog):
    def __init__(
        self, assignment: AssignmentService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._assignment, self._runner = assignment, runner
        self._task: int | None = None
        self.setObjectName("workloadDialog")
        self.setAccessibleName("Team workload")
        self.setWindowTitle("Team workload")
        self.model = WorkloadModel(self)
        self.table = RecordTable(
            self.model, "workloadTable", "Workload by adjuster and state", "Loading…", self, stretch_column=0
        )
        heading = QLabel("Open claims by adjuster and state", self)
        heading.setFont(style.scaled_font(self, 1.15, bold=True))
        self.summary = QLabel(self)
        self.summary.setObjectName("workloadSummary")
        self.summary.setProperty("role", "caption")
        refresh = QPushButton(icon("refresh"), "Refresh", self)
        refresh.setObjectName("workloadRefresh")
        refresh.setToolTip("Refresh (F5)")
        refresh.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self.refresh()

    @property
    def loading(self) -> bool:
        return self._task is not None

    def refresh(self) -> None:
        if self._task is not None:
            return
        self.summary.setText("Loading…")
        self._task = self._runner.run(
            self._assignment.workload, self._show, on_error=self._refused, owner=self
        )

    def _show(self, rows: list[tuple[str, str, int, int]]) -> None:
        self._task = None
        self.model.set_workload(rows)
        self.table.empty_text = "Nobody has open claims."
        total = self.model.totals()
        people = len({r[0] for r in rows})
        if total is not None:
            self.summary.setText(
                f"{total.open:,} open claims across {people} people; {total.overdue:,} overdue."
            )

    def _refused(self, problem: DomainError) -> None:
        self._task = None
        self.summary.setText(first_upper(problem.message))
