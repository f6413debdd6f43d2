"""The app's own line icons (resources/icons/*.svg), loaded once each.

One style: 24 px grid, 1.8 px rounded strokes, slate for commands and
semantic colours only where colour means something (overdue, risk).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"


@cache
def icon(name: str) -> QIcon:
    """The named icon; an empty icon (never an exception) if the file is missing."""
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def icon_names() -> list[str]:
    return sorted(p.stem for p in ICON_DIR.glob("*.svg"))
