"""One simulated workstation for bench/sync.py (a separate process).

sync_client.py watch URL SECONDS POLL_S   print "seen REF T" when a changed claim's row is re-read
sync_client.py take URL USERNAME          take next claims until none are left; print the count
"""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from atoz_desk.data.database import Database  # noqa: E402
from atoz_desk.services import Services  # noqa: E402
from atoz_desk.sync.feed import ChangeFeed  # noqa: E402
from atoz_desk.sync.listener import PgListener  # noqa: E402


def watch(url: str, seconds: float, poll: float) -> None:
    db = Database(url)
    services = Services.build(db)
    feed = ChangeFeed(db)
    cursor = feed.head()
    listener = PgListener(url) if db.is_postgresql else None
    if listener:
        listener.connect()
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listener:
            readable, _, _ = select.select([listener.fileno()], [], [], poll)
            if readable:
                listener.drain()
        else:
            time.sleep(poll)
        changes, cursor = feed.read(cursor)
        for change in changes:
            if change.reference:
                # what a workstation's model does: fetch the row again
                rows = services.queues.find(change.reference)
                assert rows and rows[0].state == change.to_state
                print(f"seen {change.reference} {time.time():.6f}", flush=True)
    if listener:
        listener.close()
    db.dispose()


def take(url: str, username: str) -> None:
    db = Database(url)
    services = Services.build(db)
    actor = services.users.actor(username)
    n = 0
    while services.assignment.take_next(actor) is not None:
        n += 1
    print(n, flush=True)
    db.dispose()


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        watch(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        take(sys.argv[2], sys.argv[3])
