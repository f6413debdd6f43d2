"""Qt widgets, item models, dialogs and the background task runner.

The only layer that imports PySide6. Widgets read and write through the
services; they never touch SQL or the ORM.
"""

from atoz_desk.ui.pyside_hook import quiet_feature_hook

quiet_feature_hook()  # first thing after Qt loads: every module imported later is checked cheaply
