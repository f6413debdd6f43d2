"""Where the embedded database lives, and how a database URL is chosen."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "AtoZDesk"
ENV_URL = "ATOZ_DATABASE_URL"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'atoz_desk.sqlite3'}"


def resolve_database_url(explicit: str | None = None) -> str:
    """Command-line flag first, then ATOZ_DATABASE_URL, then the embedded SQLite file."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return default_sqlite_url()
