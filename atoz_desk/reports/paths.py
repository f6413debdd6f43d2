"""Where the shipped resources live (templates, fonts, logo); no ReportLab here, so reading
templates and letter kinds does not load it."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
