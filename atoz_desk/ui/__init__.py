"""Qt widgets, item models, dialogs and the background task runner.

The only layer that imports PySide6. Widgets read and write through the
services; they never touch SQL or the ORM.
"""
