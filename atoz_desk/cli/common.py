"""Shared pieces of the command-line commands: opening the database, printing results."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from atoz_desk.data.database import Database
from atoz_desk.services import Services

_opened: list[Database] = []


def open_database(url: str) -> Database:
    """A Database for this command; `close_databases` (called by main) releases its connections."""
    db = Database(url)
    _opened.append(db)
    return db


def close_databases() -> None:
    while _opened:
        _opened.pop().dispose()


def open_services(url: str, *, upgrade: bool = True) -> Services:
    """The services over the database at `url`, its schema brought up to date first."""
    from atoz_desk.data.migrate import ensure_current
    from atoz_desk.services.settings import load_policy

    db = open_database(url)
    if upgrade:
        ensure_current(db)
    return Services.build(db, load_policy(db))


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    json.dump(to_jsonable(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def read_password(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        from atoz_desk.domain.errors import ValidationError

        raise ValidationError("the two passwords differ", "password")
    return first
