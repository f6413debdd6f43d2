"""Imports point downward only, and nothing below `ui` imports Qt (pyproject's import-linter contracts)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BELOW_UI = ("cli", "services", "reports", "sync", "data", "domain")


def _lint_imports() -> Path:
    script = Path(sys.executable).with_name("lint-imports")
    assert script.exists(), f"import-linter is not installed next to {sys.executable}"
    return script


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(_lint_imports()), "--no-cache"],  # reads pyproject.toml in the project folder
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, f"lint-imports failed:\n{report[-4000:]}"
    assert " 0 broken" in report, report[-4000:]


def test_the_contracts_cover_qt_and_every_lower_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    forbidden = [c for c in contracts if c["type"] == "forbidden"]
    assert any("PySide6" in c["forbidden_modules"] for c in forbidden), "no contract forbids PySide6"
    sources = {m for c in forbidden if "PySide6" in c["forbidden_modules"] for m in c["source_modules"]}
    for layer in ("services", "data", "domain"):
        assert f"atoz_desk.{layer}" in sources, f"atoz_desk.{layer} may import PySide6"
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    names = [name.strip("()") for name in layers]
    assert names.index("atoz_desk.ui") < names.index("atoz_desk.services") < names.index("atoz_desk.data")
    assert names.index("atoz_desk.data") < names.index("atoz_desk.domain")


def test_importing_everything_below_ui_loads_no_qt() -> None:
    """The same rule checked at run time: import every module below ui, then look for Qt."""
    probe = f"""
import importlib, pkgutil, sys
import atoz_desk
for layer in {BELOW_UI!r}:
    try:
        package = importlib.import_module("atoz_desk." + layer)
    except ModuleNotFoundError:
        continue
    if hasattr(package, "__path__"):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
qt = sorted(name for name in sys.modules if name.split(".")[0] in ("PySide6", "shiboken6"))
print(",".join(qt))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip() == "", f"Qt was imported below ui: {done.stdout.strip()}"
