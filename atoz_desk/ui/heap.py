"""The garbage collector and a desk that holds tens of thousands of rows.

CPython's full collections walk every container object alive; after start-up
that is mostly modules, SQLAlchemy's mappers and Qt's wrappers, none of which
will ever be garbage. A full collection while the adjuster scrolls a big queue
stalled the event loop for 65-100 ms (measured with bench/ui_session.py), so
once the window stands, what start-up built is frozen out of the collector's
sight (gc.freeze): later collections walk only what the session made since.
"""

from __future__ import annotations

import gc


def settle_after_start() -> None:
    """Call once the main window is built: start-up's objects are kept out of later collections."""
    gc.freeze()


def release_on_close() -> None:
    """Call when the window goes (sign-out): what was frozen with it can be collected again."""
    gc.unfreeze()
