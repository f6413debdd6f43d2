"""PySide6 6.12.0 on Python < 3.12 drops a reference to True on every Signal.emit() and to
None on every call of a void Qt method, and soon aborts the interpreter (DESIGN.md).

The loops run in a child process so a regression shows up as a failed test, not as
pytest itself dying of "bool_dealloc".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version

import PySide6

CALLS = 10_000
# A real leak loses one reference per call (10,000); a few may come and go legitimately.
SLACK = 100

_CHILD = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

    class Emitter(QObject):
        fired = Signal()

    app = QCoreApplication([])
    emitter = Emitter()
    seen = []
    emitter.fired.connect(lambda: seen.append(None) if len(seen) < 1 else None)
    timer = QTimer()
    calls = int(sys.argv[1])

    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(calls):
        emitter.fired.emit()
    true_after_emit = sys.getrefcount(True)
    for i in range(calls):
        emitter.setObjectName("emitter")
        timer.stop()
    none_after_void = sys.getrefcount(None)
    print(json.dumps({
        "true_before": true_before, "true_after": true_after_emit,
        "none_before": none_before, "none_after": none_after_void,
        "slot_ran": bool(seen),
    }))
    """
)


def test_signal_emits_and_void_calls_keep_true_and_none_alive() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(CALLS)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, (
        f"the process did not survive {CALLS:,} emits and void calls "
        f"(exit {done.returncode}):\n{done.stderr[-2000:]}"
    )
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["slot_ran"]
    if sys.version_info >= (3, 12):
        return  # True and None are immortal: their counts say nothing, surviving is the test
    assert counts["true_after"] >= counts["true_before"] - SLACK, counts
    assert counts["none_after"] >= counts["none_before"] - SLACK, counts


def test_installed_pyside_is_not_the_broken_release() -> None:
    installed = version("PySide6-Essentials")
    assert PySide6.__version__ == installed
    if sys.version_info < (3, 12):
        parts = tuple(int(p) for p in installed.split(".")[:3] if p.isdigit())
        assert parts != (6, 12, 0), (
            f"PySide6 {installed} on Python {sys.version.split()[0]} loses references on every "
            "emit; the project pins PySide6-Essentials < 6.12 for Python < 3.12"
        )
