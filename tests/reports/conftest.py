"""Helpers for reading letters back: text with pypdf, rendering checks with poppler."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks of wrapped lines) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def letter_text(pdf: bytes) -> str:
    return flat(" ".join(page_texts(pdf)))


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: apt-get install -y poppler-utils", pytrace=False)
    return path


def poppler_checks(pdf: bytes, tmp_path: Path) -> str:
    """Render every page with pdftoppm and list fonts with pdffonts: both silent and successful."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    render = subprocess.run(
        [poppler("pdftoppm"), "-r", "50", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (render.returncode, render.stderr) == (0, ""), render.stderr
    assert sorted(tmp_path.glob("page*.png")), "pdftoppm wrote no page"
    fonts = subprocess.run(
        [poppler("pdffonts"), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (fonts.returncode, fonts.stderr) == (0, ""), fonts.stderr
    return fonts.stdout
