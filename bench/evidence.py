"""Evidence: hash and store a 20 MB file off the GUI thread; near-duplicate photo search among 100,000.

    .venv/bin/python bench/evidence.py [--photos N] [--runs R] [--backend sqlite|postgresql|both]
        [--database-url URL]

1. A 20 MB PNG (random pixels: incompressible, so it really is 20 MB) is added to a claim through
   `EvidenceService.add` on a `TaskRunner` worker thread inside a QApplication, while a 10 ms QTimer
   on the GUI thread records the gaps between its ticks: the longest gap is the worst stall the
   adjuster would feel (target < 100 ms). The add's wall time is printed for information.
2. N (default 100,000) photo evidence rows with perceptual hashes (and their hash bands) are
   bulk-inserted into a scratch database, then `similar_photos` for one photo is timed over R runs
   (target p95 < 100 ms). One planted near-duplicate must be found.

Scratch databases: bench/out/evidence.sqlite3 and the PostgreSQL schema atoz_bench_evidence
(ATOZ_BENCH_PG_URL or the test server), both rebuilt on every run.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib
from benchlib import Figure, Target
from sqlalchemy import func, insert, make_url, select

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from atoz_desk.data.base import Base
from atoz_desk.data.database import normalise_url
from atoz_desk.data.models import Evidence, PhotoHashBand
from atoz_desk.services import Services
from atoz_desk.services.evidence import similar_photos
from atoz_desk.services.evidence_content import hash_bands
from atoz_desk.services.intake_rules import parse_intake

STALL_TARGET_MS = 100.0
SEARCH_TARGET_MS = 100.0
FILE_BYTES = 20 * 1024 * 1024
MAX_DISTANCE = 8
SCHEMA = "atoz_bench_evidence"
BATCH = 10_000


def _targets(args: Any) -> list[Target]:
    if args.database_url:
        url = normalise_url(args.database_url)
        return [Target(make_url(url).get_backend_name(), url)]
    out: list[Target] = []
    if args.backend in ("sqlite", "both"):
        benchlib.OUT.mkdir(parents=True, exist_ok=True)
        path = benchlib.OUT / "evidence.sqlite3"
        out.append(Target("sqlite", f"sqlite:///{path}", sqlite_file=path))
    if args.backend in ("postgresql", "both"):
        base = (
            os.environ.get("ATOZ_BENCH_PG_URL", "").strip()
            or os.environ.get("ATOZ_TEST_PG_URL", "").strip()
            or benchlib.DEFAULT_PG_URL
        )
        pg = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
        out.append(Target("postgresql", pg.render_as_string(hide_password=False), schema=SCHEMA))
    return out


def _setup(target: Target) -> tuple[Services, list[str]]:
    target.reset()
    db = target.open()
    Base.metadata.create_all(db.engine)
    services = Services.build(db)
    services.users.add_user(
        "alice", role="adjuster", authority="1000", password="bench pw", display_name="Alice"
    )
    alice = services.users.actor("alice")
    refs = [
        services.intake.file_claim(
            parse_intake(benchlib.intake_row(n), services.policy, services.clock()), alice
        ).reference
        for n in range(1, 21)
    ]
    return services, refs


def _big_png(folder: Path) -> Path:
    from PIL import Image

    side = 2580  # 2580 x 2580 x 3 bytes of noise: just under 20 MiB, stored as it is
    img = Image.frombytes("RGB", (side, side), random.Random(1).randbytes(side * side * 3))
    path = folder / "site-survey.png"
    img.save(path, format="PNG", compress_level=1)
    return path


def bench_store(services: Services, ref: str) -> list[Figure]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from atoz_desk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = _big_png(Path(folder))
        size = path.stat().st_size
        actor = services.users.actor("alice")
        runner = TaskRunner()
        clock = QElapsedTimer()
        gaps: list[float] = []
        last = [0.0]
        done: list[Any] = []

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        started = time.perf_counter()
        runner.run(
            lambda: services.evidence.add(ref, path, "photo", actor),
            done.append,
            on_error=lambda e: done.append(e),
        )
        while not done:
            app.processEvents()
            time.sleep(0.001)
        seconds = time.perf_counter() - started
        timer.stop()
        runner.shutdown()
    if isinstance(done[0], Exception):
        raise done[0]
    backend = services.db.dialect
    worst = max(gaps[1:] or [0.0])
    print(
        f"{backend}: stored {size / 2**20:.1f} MiB in {seconds:.2f} s; GUI ticks {len(gaps)}, "
        f"longest gap {worst:.1f} ms",
        file=sys.stderr,
    )
    return [
        Figure(backend, "add 20 MB file: wall time", seconds * 1000, "ms", None),
        Figure(backend, "add 20 MB file: longest GUI stall", worst, "ms", STALL_TARGET_MS),
    ]


def bench_search(services: Services, refs: list[str], photos: int, runs: int) -> list[Figure]:
    backend = services.db.dialect
    rng = random.Random(benchlib.SEED)
    with services.db.reading() as s:
        ids = {r: services.claims.detail(r).id for r in refs}
    probe_claim, others = ids[refs[-1]], [ids[r] for r in refs[:-1]]
    now = services.clock()
    probe = rng.getrandbits(64)
    planted = probe ^ (1 << 3) ^ (1 << 40) ^ (1 << 61)  # a near-duplicate, 3 bits away
    started = time.perf_counter()
    with services.db.unit_of_work() as s:
        next_id = (s.scalar(select(func.max(Evidence.id))) or 0) + 1
        for start in range(0, photos, BATCH):
            evidence, bands = [], []
            for i in range(start, min(photos, start + BATCH)):
                value = planted if i == photos // 2 else rng.getrandbits(64)
                phash = f"{value:016x}"
                evidence.append(
                    {
                        "id": next_id,
                        "claim_id": others[i % len(others)],
                        "kind": "photo",
                        "filename": f"photo-{i}.jpg",
                        "media_type": "image/jpeg",
                        "size_bytes": 1000,
                        "sha256": f"{i:064x}",
                        "perceptual_hash": phash,
                        "storage_key": f"db:{i:064x}",
                        "added_at": now,
                    }
                )
                bands += [
                    {"evidence_id": next_id, "band": b, "value": v} for b, v in enumerate(hash_bands(phash))
                ]
                next_id += 1
            s.execute(insert(Evidence), evidence)
            s.execute(insert(PhotoHashBand), bands)
        s.execute(
            insert(Evidence),
            [
                {
                    "id": next_id,
                    "claim_id": probe_claim,
                    "kind": "photo",
                    "filename": "probe.jpg",
                    "media_type": "image/jpeg",
                    "size_bytes": 1000,
                    "sha256": "f" * 64,
                    "perceptual_hash": f"{probe:016x}",
                    "storage_key": "db:" + "f" * 64,
                    "added_at": now,
                }
            ],
        )
        s.execute(
            insert(PhotoHashBand),
            [
                {"evidence_id": next_id, "band": b, "value": v}
                for b, v in enumerate(hash_bands(f"{probe:016x}"))
            ],
        )
    if backend == "postgresql":
        with services.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE evidence")
            conn.exec_driver_sql("ANALYZE photo_hash_bands")
    loaded = time.perf_counter() - started
    print(f"{backend}: loaded {photos:,} photo hashes in {loaded:.1f} s", file=sys.stderr)

    with services.db.reading() as s:
        hits = similar_photos(s, probe_claim, MAX_DISTANCE)
        assert [h.distance for h in hits] == [3], hits
        timing = benchlib.measure(lambda: similar_photos(s, probe_claim, MAX_DISTANCE), runs=runs)
    print(f"{backend}: similar_photos among {photos:,}: {timing}", file=sys.stderr)
    return [
        Figure(backend, f"near-duplicate search among {photos:,} p95", timing.p95_ms, "ms", SEARCH_TARGET_MS),
        Figure(backend, f"near-duplicate search among {photos:,} median", timing.median_ms, "ms", None),
    ]


def main() -> int:
    p = benchlib.parser(__doc__.splitlines()[0])
    p.add_argument("--photos", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=30)
    args = p.parse_args()
    figures: list[Figure] = []
    print(f"machine: {benchlib.machine()}", file=sys.stderr)
    for target in _targets(args):
        print(f"{target.backend}: {target.shown}", file=sys.stderr)
        services, refs = _setup(target)
        try:
            figures += bench_store(services, refs[0])
            figures += bench_search(services, refs, args.photos, args.runs)
        finally:
            services.db.dispose()
    ok = benchlib.print_table(f"Evidence ({benchlib.machine()})", figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
