"""The few colours and type sizes the desk uses, so every panel says 'overdue' the same way."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QWidget

DANGER = "#b42318"  # overdue, invalid input, refusals
WARNING = "#b54708"  # high fraud risk
SUCCESS = "#1e7b34"  # valid insurance, done
MUTED = "#5f6b7a"  # secondary text
ACCENT = "#1f5fbf"  # the primary action
BANNER_ERROR_BG = "#fdecea"
BANNER_INFO_BG = "#eaf2fd"


def colour(name: str) -> QColor:
    return QColor(name)


def scaled_font(widget: QWidget | None, factor: float, *, bold: bool = False) -> QFont:
    font = QFont(widget.font() if widget is not None else QApplication.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


def error_label_style() -> str:
    return f"color: {DANGER};"


def banner_style(error: bool) -> str:
    background, border = (BANNER_ERROR_BG, DANGER) if error else (BANNER_INFO_BG, ACCENT)
    return (
        f"background: {background}; border: 1px solid {border}; border-radius: 4px; padding: 6px 8px;"
        f"color: {'#5c1a12' if error else '#173a70'};"
    )


def invalid_field_style() -> str:
    return f"border: 1px solid {DANGER}; border-radius: 3px; padding: 2px;"


# The app-wide stylesheet: only spacing and the primary button; Fusion draws the rest.
APP_STYLESHEET = f"""
QPushButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid #174a96; border-radius: 4px;
    padding: 4px 12px; font-weight: bold;
}}
QPushButton[primary="true"]:disabled {{ background: #9db5dc; border-color: #9db5dc; }}
QPushButton[primary="true"]:focus {{ border: 2px solid #0b2f66; }}
QLabel[role="caption"] {{ color: {MUTED}; }}
QLabel[role="fieldError"] {{ color: {DANGER}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion everywhere (the same look on every desk and in screenshots) plus the few rules above."""
    app.setStyle("Fusion")
    app.setStyleSheet(APP_STYLESHEET)
