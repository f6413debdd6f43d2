"""Team workload (supervisors): one row per person with their open and overdue claims by state.

The service lists every active user, one row per user and state, idle users
with no state. Here that becomes a pivot: a row per person (idle ones show 0,
in grey), a column per state anyone has claims in (workflow order), and a
team total line. Anything overdue is red: a state's cell reads "36 (11)",
36 open of which 11 (in red) are overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.states import ClaimState
from atoz_desk.services.assignment import AssignmentService
from atoz_desk.services.dto import WorkloadRow
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, role_label, state_label
from atoz_desk.ui.icons import icon
from atoz_desk.ui.record_table import Field, RecordRole, RecordTable, RecordTableModel
from atoz_desk.ui.tasks import TaskRunner

TOTAL = "Team total"
_STATE_ORDER = {state.value: n for n, state in enumerate(ClaimState)}


@dataclass(frozen=True)
class WorkloadLine:
    """One person's open claims (or the team's, on the total line)."""

    name: str
    username: str  # "" on the total line
    role: str
    open: int
    overdue: int
    by_state: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """state -> (open, overdue); states without claims are absent."""
    total: bool = False

    @property
    def idle(self) -> bool:
        return not self.total and self.open == 0

    def in_state(self, state: str) -> tuple[int, int]:
        return self.by_state.get(state, (0, 0))


def workload_table(rows: Iterable[WorkloadRow]) -> tuple[tuple[str, ...], list[WorkloadLine]]:
    """The states anyone has claims in (workflow order) and a line per person, then the team total."""
    people: dict[str, tuple[WorkloadRow, dict[str, tuple[int, int]]]] = {}
    for row in rows:
        _, states = people.setdefault(row.username, (row, {}))
        if row.state is not None:
            n, late = states.get(row.state, (0, 0))
            states[row.state] = (n + row.open, late + row.overdue)
    lines = [
        WorkloadLine(
            first.display_name,
            username,
            first.role,
            sum(n for n, _ in states.values()),
            sum(late for _, late in states.values()),
            states,
        )
        for username, (first, states) in people.items()
    ]
    lines.sort(key=lambda line: (line.name.casefold(), line.username))
    used = sorted(
        {state for line in lines for state in line.by_state},
        key=lambda state: (_STATE_ORDER.get(state, len(_STATE_ORDER)), state),
    )
    team = {
        state: (
            sum(line.in_state(state)[0] for line in lines),
            sum(line.in_state(state)[1] for line in lines),
        )
        for state in used
    }
    total = WorkloadLine(
        TOTAL,
        "",
        "",
        sum(line.open for line in lines),
        sum(line.overdue for line in lines),
        team,
        total=True,
    )
    return tuple(used), [*lines, total]


def _late_text(late: int) -> str:
    return f"({late:,})" if late else ""


def _count_text(n: int, late: int) -> str:
    return f"{n:,} {_late_text(late)}".strip() if n else ""


def _who(line: WorkloadLine) -> str:
    if line.total:
        return f"The team: {line.open:,} open, {line.overdue:,} overdue"
    what = f"{line.open:,} open, {line.overdue:,} overdue" if line.open else "no open claims"
    return f"{line.name} ({line.username}, {role_label(line.role)}): {what}"


def _two_lines(title: str) -> str:
    """`Concession approved` → `Concession⏎approved`: state columns stay narrow enough to see them all."""
    words = title.split(" ")
    if len(title) <= 12 or len(words) < 2:
        return title
    split = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(title) / 2))
    return " ".join(words[:split]) + "\n" + " ".join(words[split:])


def _state_field(state: str) -> Field[WorkloadLine]:
    label = state_label(state)

    def tooltip(line: WorkloadLine) -> str:
        n, late = line.in_state(state)
        who = "The team" if line.total else line.name
        return f"{who} — {label}: " + (f"{n:,} open, {late:,} overdue" if n else "none")

    # the overdue part is drawn red by StateCellDelegate; the count keeps the row's colour
    return Field(
        _two_lines(label),
        lambda line: _count_text(*line.in_state(state)),
        sample="999 (99)",
        numeric=True,
        tooltip=tooltip,
    )


FIXED_FIELDS: tuple[Field[WorkloadLine], ...] = (
    Field(
        "Team member",
        lambda w: w.name,
        sample="Dana Whitfield (admin)",
        tooltip=_who,
        colour=lambda w: style.MUTED if w.idle else None,
    ),
    Field(
        "Role",
        lambda w: role_label(w.role) if w.role else "",
        sample="supervisor",
        colour=lambda w: style.MUTED if w.idle else None,
    ),
    Field(
        "Open",
        lambda w: f"{w.open:,}",
        sample="99,999",
        numeric=True,
        tooltip=_who,
        colour=lambda w: style.MUTED if w.idle else None,
    ),
    Field(
        "Overdue",
        lambda w: f"{w.overdue:,}",
        sample="99,999",
        numeric=True,
        tooltip=_who,
        colour=lambda w: style.DANGER if w.overdue else (style.MUTED if w.idle else None),
    ),
)


class WorkloadModel(RecordTableModel[WorkloadLine]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(FIXED_FIELDS, parent, bold=lambda w: w.total)
        self.states: tuple[str, ...] = ()

    def set_workload(self, rows: Iterable[WorkloadRow]) -> None:
        self.states, lines = workload_table(rows)
        self.set_table((*FIXED_FIELDS, *(_state_field(s) for s in self.states)), lines)

    def state_at(self, column: int) -> str | None:
        index = column - len(FIXED_FIELDS)
        return self.states[index] if 0 <= index < len(self.states) else None

    def column_of(self, state: str) -> int | None:
        """The column showing this state, None when nobody has claims in it."""
        return len(FIXED_FIELDS) + self.states.index(state) if state in self.states else None

    def row_of(self, username: str) -> int | None:
        for row, line in enumerate(self.records()):
            if line.username == username and not line.total:
                return row
        return None

    def totals(self) -> WorkloadLine | None:
        records = self.records()
        return records[-1] if records else None


class StateCellDelegate(QStyledItemDelegate):
    """Draws a state cell as "36 (11)": open claims, and in red how many of them are overdue."""

    def __init__(self, model: WorkloadModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def overdue_in(self, index: QModelIndex | QPersistentModelIndex) -> tuple[int, int]:
        line = index.data(RecordRole)
        state = self._model.state_at(index.column())
        if not isinstance(line, WorkloadLine) or state is None:
            return 0, 0
        return line.in_state(state)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        n, late = self.overdue_in(index)
        if not late:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        count, overdue = f"{n:,}", _late_text(late)
        opt.text = ""
        widget = opt.widget
        app_style = widget.style() if widget is not None else QApplication.style()
        app_style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        area = app_style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget).adjusted(
            3, 0, -3, 0
        )
        metrics = opt.fontMetrics
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        try:
            painter.setFont(opt.font)
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.setPen(opt.palette.color(group) if selected else style.colour(style.DANGER))
            painter.drawText(area, int(right), overdue)
            painter.setPen(opt.palette.color(group))
            gap = metrics.horizontalAdvance(f" {overdue}")
            painter.drawText(area.adjusted(0, 0, -gap, 0), int(right), count)
        finally:
            painter.restore()


def summary_text(lines: list[WorkloadLine]) -> str:
    people = [line for line in lines if not line.total]
    total = next((line for line in lines if line.total), None)
    if total is None or not people:
        return "Nobody on the team is active."
    claims = "open claim" if total.open == 1 else "open claims"
    busy = len(people) - sum(line.idle for line in people)
    text = f"{total.open:,} {claims}, {total.overdue:,} overdue, held by {busy} of {len(people)} people."
    idle = [line.name for line in people if line.idle]
    if idle:
        text += f" No open claims: {', '.join(idle)}."
    return text


class WorkloadDialog(QDialog):
    def __init__(
        self, assignment: AssignmentService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._assignment, self._runner = assignment, runner
        self._task: int | None = None
        self._sized = False
        self.setObjectName("workloadDialog")
        self.setAccessibleName("Team workload")
        self.setWindowTitle("Team workload")
        self.model = WorkloadModel(self)
        self.table = RecordTable(
            self.model, "workloadTable", "Workload by team member and state", "Loading…", self
        )
        self.table.setItemDelegate(StateCellDelegate(self.model, self.table))
        heading = QLabel("Open claims by team member and state", self)
        heading.setFont(style.scaled_font(self, 1.15, bold=True))
        self.summary = QLabel(self)
        self.summary.setObjectName("workloadSummary")
        self.summary.setProperty("role", "caption")
        self.summary.setWordWrap(True)
        legend = QLabel(
            "A state's cell reads “open (overdue)”; red is past its due date. Hover a cell for the details.",
            self,
        )
        legend.setProperty("role", "caption")
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
        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(legend)
        layout.addWidget(buttons)
        self.resize(720, 480)
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

    def _show(self, rows: list[WorkloadRow]) -> None:
        self._task = None
        self.model.set_workload(rows)
        self.table.empty_text = "Nobody on the team is active."
        self.summary.setText(summary_text(self.model.records()))
        if not self._sized:  # wide enough for the states shown, once; after that the user's size stands
            self._sized = True
            margins = self._layout.contentsMargins()
            wanted = self.table.columns_width() + margins.left() + margins.right() + 24
            screen = self.screen().availableGeometry().width() if self.screen() else 1600
            self.resize(min(max(wanted, self.width()), int(screen * 0.9)), self.height())

    def _refused(self, problem: DomainError) -> None:
        self._task = None
        self.summary.setText(first_upper(problem.message))
