"""Take the source-reading out of PySide6's import hook.

Importing PySide6.QtCore replaces `builtins.__import__`. After every later import the hook asks
whether the new module mentions "PySide6" (for the opt-in `from __feature__ import snake_case`),
and it answers with `inspect.getsource(module)`: it decodes the module's whole source, splits it
into lines and keeps them in `linecache` for the life of the process. The desk imports about 250
modules after Qt (SQLAlchemy, the data layer, the window), so that is a fifth of a second of the
start-up and a few megabytes of source text held for nothing.

`quiet_feature_hook()` gives the hook the same answer for less: it searches the module file's raw
bytes. Any source that contains "PySide6" once decoded contains those ASCII bytes too, so which
modules PySide sees as its users is unchanged. The hook is PySide's private code, so the
replacement is installed only where its shape is the one known here; anything else is left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (installs the hook this module adjusts)

FEATURE_MODULES = ("PySide6.support.feature", "shibokensupport.feature")


def mentions_pyside(module: ModuleType) -> bool:
    """Whether the module's source file mentions PySide6: the hook's question, without `inspect`."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built-in, extension, bytecode-only or namespace: no source for the hook either
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def quiet_feature_hook() -> bool:
    """Install `mentions_pyside` in PySide's feature module; True when it is (or already was) in place."""
    for name in FEATURE_MODULES:
        feature = sys.modules.get(name)
        current: Callable[[ModuleType], bool] | None = getattr(feature, "_mod_uses_pyside", None)
        if feature is None or not callable(current):
            continue
        if current is not mentions_pyside:
            feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
        return True
    return False
