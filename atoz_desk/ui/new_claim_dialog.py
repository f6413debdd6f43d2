"""File a new claim by hand (Ctrl+Shift+N): the intake feed's fields, checked like an import.

The form is checked with `validate_intake` (the same rules as the import):
every bad field is marked at once, each problem beside the field it names and
a problem with the record as a whole above the form. A clean form is filed
with `intake.file_claim` off the GUI thread; then the dialog says where
screening sent the claim and offers to open it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError, DuplicateClaim, ValidationError
from atoz_desk.domain.states import IncidentType
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services, intake_rules
from atoz_desk.services.dto import IntakeResult
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, humanize, incident_label, state_label
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import Banner

FieldWidget = QLineEdit | QDateEdit | QDateTimeEdit | QComboBox | QPlainTextEdit

_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Order", (("order_id", "&Order id"), ("order_date", "Order date"), ("delivered_date", "Delivered"))),
    ("Product", (("product_id", "Product id"), ("product_title", "Title"), ("product_price", "Price"))),
    ("Seller", (("seller_id", "Seller id"), ("seller_name", "Seller name"))),
    ("Customer", (("customer_name", "&Name"), ("customer_email", "E-mail"), ("customer_address", "Address"))),
    (
        "Incident",
        (
            ("incident_type", "&Incident type"),
            ("incident_date", "Incident date"),
            ("filed_at", "Filed at"),
            ("amount_claimed", "&Amount claimed"),
            ("currency", "Currency"),
            ("description", "Description"),
        ),
    ),
)


def _readable(field: str) -> str:
    """`customer_email` → `customer e-mail`, as the banner names a field."""
    return humanize(field).lower().replace("email", "e-mail")


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class NewClaimDialog(QDialog):
    open_claim = Signal(str)
    """The user wants to see the claim just filed (its reference)."""

    def __init__(
        self, services: Services, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services, self._actor, self._runner = services, actor, runner
        self.result_info: IntakeResult | None = None
        self.working = False
        self.setObjectName("newClaimDialog")
        self.setAccessibleName("New claim")
        self.setWindowTitle("New claim")
        self.fields: dict[str, FieldWidget] = {}
        self.errors: dict[str, QLabel] = {}
        today = services.clock().astimezone().date()

        self.pages = QStackedWidget(self)
        form_page = QWidget(self.pages)
        grid = QGridLayout(form_page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        placement = {
            "Order": (0, 0),
            "Product": (1, 0),
            "Seller": (2, 0),
            "Customer": (0, 1),
            "Incident": (1, 1),
        }
        for title, rows in _GROUPS:
            box = QGroupBox(title, form_page)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name, caption in rows:
                self._add_field(form, box, name, caption, today)
            row, column = placement[title]
            grid.addWidget(box, row, column, 2 if title == "Incident" else 1, 1)
        grid.setRowStretch(3, 1)
        self.pages.addWidget(form_page)

        self.result_page = QWidget(self.pages)
        self.result_title = QLabel(self.result_page)
        self.result_title.setObjectName("newClaimReference")
        self.result_title.setFont(style.scaled_font(self, 1.4, bold=True))
        self.result_text = QLabel(self.result_page)
        self.result_text.setObjectName("newClaimOutcome")
        self.result_text.setWordWrap(True)
        result_layout = QVBoxLayout(self.result_page)
        result_layout.addStretch(1)
        result_layout.addWidget(self.result_title, 0, Qt.AlignmentFlag.AlignHCenter)
        result_layout.addWidget(self.result_text, 0, Qt.AlignmentFlag.AlignHCenter)
        result_layout.addStretch(2)
        self.pages.addWidget(self.result_page)

        self.banner = Banner(self)
        self.status_label = QLabel(self)
        self.status_label.setProperty("role", "caption")
        self.buttons = QDialogButtonBox(self)
        self.file_button = self.buttons.addButton("File claim", QDialogButtonBox.ButtonRole.AcceptRole)
        self.file_button.setObjectName("fileClaim")
        self.file_button.setDefault(True)
        self.open_button = QPushButton("Open claim", self)
        self.open_button.setObjectName("openFiledClaim")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self._open_filed)

        heading = QLabel("File a new claim", self)
        heading.setFont(style.scaled_font(self, 1.2, bold=True))
        caption = QLabel(
            "The fields of the intake feed, checked by the same rules as an import. "
            "Screening runs as soon as the claim is filed.",
            self,
        )
        caption.setProperty("role", "caption")
        caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(caption)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 120)
        self.fields["order_id"].setFocus()

    # ------------------------------------------------------------------ form

    def _add_field(self, form: QFormLayout, box: QWidget, name: str, caption: str, today: date) -> None:
        widget: FieldWidget
        if name in ("order_date", "incident_date", "delivered_date"):
            widget = QDateEdit(_qdate(today), box)
            widget.setCalendarPopup(True)
            widget.setDisplayFormat("yyyy-MM-dd")
        elif name == "filed_at":
            now = self._services.clock().astimezone()  # the desk's clock, in local time
            widget = QDateTimeEdit(QDateTime(_qdate(now.date()), QTime(now.hour, now.minute)), box)
            widget.setDisplayFormat("yyyy-MM-dd HH:mm")
            widget.setCalendarPopup(True)
            widget.setToolTip("Local time; stored in UTC")
        elif name == "incident_type":
            widget = QComboBox(box)
            for kind in IncidentType:
                widget.addItem(incident_label(kind.value), kind.value)
        elif name == "currency":
            widget = QComboBox(box)
            for code in self._services.policy.currencies:
                widget.addItem(code, code)
        elif name == "description":
            widget = QPlainTextEdit(box)
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        else:
            widget = QLineEdit(box)
            if name in ("product_price", "amount_claimed"):
                widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                widget.setPlaceholderText("0.00")
            if name == "customer_email":
                widget.setPlaceholderText("name@example.com")
        widget.setObjectName(f"intake_{name}")
        widget.setAccessibleName(caption.replace("&", ""))
        error = QLabel(box)
        error.setObjectName(f"intakeError_{name}")
        error.setProperty("role", "fieldError")
        error.setWordWrap(True)
        error.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        if name == "delivered_date":
            self.delivered_check = QCheckBox("Known", box)
            self.delivered_check.setObjectName("intake_delivered_known")
            self.delivered_check.setChecked(True)
            self.delivered_check.toggled.connect(widget.setEnabled)
            line = QHBoxLayout()
            line.addWidget(self.delivered_check)
            line.addWidget(widget, 1)
            column.addLayout(line)
        else:
            column.addWidget(widget)
        column.addWidget(error)
        label = QLabel(f"{caption}:", box)
        label.setBuddy(widget)
        form.addRow(label, column)
        self.fields[name] = widget
        self.errors[name] = error

    def row(self) -> dict[str, str]:
        """The form as an intake record (the import's column names and text formats)."""
        out: dict[str, str] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QDateTimeEdit) and not isinstance(widget, QDateEdit):
                local = widget.dateTime().toPython().astimezone()  # a naive local time made aware
                out[name] = local.astimezone(UTC).isoformat()
            elif isinstance(widget, QDateEdit):
                out[name] = widget.date().toPython().isoformat()
            elif isinstance(widget, QComboBox):
                out[name] = str(widget.currentData())
            elif isinstance(widget, QPlainTextEdit):
                out[name] = widget.toPlainText()
            else:
                out[name] = widget.text()
        if not self.delivered_check.isChecked():
            out["delivered_date"] = ""
        return out

    # ---------------------------------------------------------------- filing

    def submit(self) -> None:
        if self.working:
            return
        self._clear_problems()
        services = self._services
        row, now = self.row(), services.clock()
        problems = intake_rules.validate_intake(row, services.policy, now)
        if problems:
            self.show_problems(problems)
            return
        try:
            request = intake_rules.parse_intake(row, services.policy, now)
        except ValidationError as problem:  # not expected once validate_intake is content
            self.show_problems([problem])
            return
        self.working = True
        self._set_enabled(False)
        self.status_label.setText("Filing and screening…")
        actor = self._actor

        def file() -> IntakeResult:  # the intake service is made here, on the worker, the first time
            return services.intake.file_claim(request, actor)

        self._runner.run(file, self._filed, on_error=self._refused, owner=self)

    def _filed(self, result: IntakeResult) -> None:
        self.working = False
        self.status_label.setText("")
        self.result_info = result
        self.result_title.setText(f"Filed as {result.reference}")
        if result.state == "fraud_review":
            reasons = "; ".join(result.review_reasons) or "screening raised flags"
            outcome = f"Screening sent it to fraud review (score {result.fraud_score}): {reasons}."
        else:
            flags = f"{len(result.flags)} low-risk flag(s)" if result.flags else "no fraud flags"
            where = state_label(result.state)
            outcome = f"Screening found {flags} (score {result.fraud_score}); it waits in {where}."
        self.result_text.setText(outcome)
        self.pages.setCurrentWidget(self.result_page)
        self.file_button.hide()
        self.cancel_button.setText("Close")
        self.open_button.show()
        self.open_button.setDefault(True)
        self.open_button.setFocus()

    def _refused(self, problem: DomainError) -> None:
        self.working = False
        self._set_enabled(True)
        self.status_label.setText("")
        self.show_problem(problem)

    def show_problem(self, problem: DomainError) -> None:
        self.show_problems([problem])

    def show_problems(self, problems: Sequence[DomainError]) -> None:
        """Each problem beside its field, the rest above the form; the first bad field gets the focus."""
        marked: list[str] = []
        general: list[str] = []
        for problem in problems:
            field = problem.field if isinstance(problem, ValidationError) else None
            message = first_upper(problem.message)
            if isinstance(problem, DuplicateClaim):
                message = f"{message} — open {problem.existing_reference} instead with Ctrl+K."
            label = self.errors.get(field or "")
            if label is None or field is None:
                general.append(message)
                continue
            prefix = f"{field}:"
            label.setText(
                first_upper(message[len(prefix) :].strip()) if message.lower().startswith(prefix) else message
            )
            label.show()
            widget = self.fields[field]
            widget.setAccessibleDescription(label.text())
            if isinstance(widget, QLineEdit):
                widget.setStyleSheet(style.invalid_field_style())
            marked.append(field)
        if marked:
            in_form_order = [name for name in self.fields if name in marked]
            self.fields[in_form_order[0]].setFocus()
            names = ", ".join(_readable(name) for name in in_form_order)
            general.append(f"Check {names}." if len(marked) == 1 else f"Check {len(marked)} fields: {names}.")
        self.banner.show_message("\n".join(general))

    def _clear_problems(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            self.fields[name].setAccessibleDescription("")
            self.fields[name].setStyleSheet("")
        self.banner.clear()

    def _set_enabled(self, enabled: bool) -> None:
        self.pages.setEnabled(enabled)
        self.file_button.setEnabled(enabled)

    def _open_filed(self) -> None:
        if self.result_info is not None:
            self.open_claim.emit(self.result_info.reference)
        self.accept()
