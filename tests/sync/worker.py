"""Child processes for the sync tests: another workstation, as a separate interpreter.

python tests/sync/worker.py listen URL SECONDS      print each change seen (LISTEN + feed)
python tests/sync/worker.py take URL USERNAME       take next claims until none are left
"""

from __future__ import annotations

import select
import sys
import time

from atoz_desk.data.database import Database
from atoz_desk.services import Services
from atoz_desk.sync.feed import ChangeFeed
from atoz_desk.sync.listener import PgListener


def listen(url: str, seconds: float) -> None:
    db = Database(url)
    feed = ChangeFeed(db)
    cursor = feed.head()
    listener = PgListener(url)
    listener.connect()
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([listener.fileno()], [], [], 0.5)
        if readable:
            listener.drain()
        changes, cursor = feed.read(cursor)
        for change in changes:
            print(
                f"change {change.reference} {change.action} {change.to_state} by {change.actor}", flush=True
            )
    listener.close()
    db.dispose()


def take(url: str, username: str) -> None:
    db = Database(url)
    services = Services.build(db)
    actor = services.users.actor(username)
    while True:
        detail = services.assignment.take_next(actor)
        if detail is None:
            break
        print(detail.reference, flush=True)
    db.dispose()


if __name__ == "__main__":
    command, url, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if command == "listen":
        listen(url, float(arg))
    else:
        take(url, arg)
