"""PySide6's import hook reads raw bytes, not decoded source, and still gives the same answers."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import atoz_desk.ui  # noqa: F401  (quiets the hook, as any desk start does)
from atoz_desk.ui import pyside_hook


def _feature_module():  # type: ignore[no-untyped-def]
    return next(sys.modules[name] for name in pyside_hook.FEATURE_MODULES if name in sys.modules)


def _by_source(module) -> bool:  # type: ignore[no-untyped-def]
    """PySide's own test, as it ships: decode the module's source through inspect."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


def test_the_installed_pyside_has_the_hook_in_the_shape_we_replace() -> None:
    # Fails when a PySide6 upgrade renames or moves the hook: the start-up saving is then gone
    assert _feature_module()._mod_uses_pyside is pyside_hook.mentions_pyside  # by importing atoz_desk.ui
    assert pyside_hook.quiet_feature_hook() is True  # and again: nothing to do


def test_raw_bytes_give_the_same_answer_as_the_decoded_source() -> None:
    import sqlalchemy.orm

    import atoz_desk.ui.main_window

    modules = [m for m in list(sys.modules.values()) if m is not None]
    assert len(modules) > 200
    differing = [m.__name__ for m in modules if pyside_hook.mentions_pyside(m) != _by_source(m)]
    assert differing == []
    assert pyside_hook.mentions_pyside(atoz_desk.ui.main_window) is True
    assert pyside_hook.mentions_pyside(sqlalchemy.orm) is False
    assert pyside_hook.mentions_pyside(sys) is False  # built in: no file


def test_modules_imported_after_qt_leave_no_source_in_linecache() -> None:
    # Before: every module imported after Qt had its whole source decoded and kept in linecache
    script = textwrap.dedent(
        """
        import linecache
        import PySide6.QtCore  # the hook is installed here
        import atoz_desk.ui
        import sqlalchemy.orm, atoz_desk.services.startup
        kept = [name for name in linecache.cache if "sqlalchemy" in name and name.endswith(".py")]
        print(len(kept))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
