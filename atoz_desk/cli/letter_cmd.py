"""`letter REF KIND --out FILE.pdf [--as USER]` and `letter --kinds`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from atoz_desk.cli.common import open_services
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.transitions import SYSTEM_ACTOR

EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "letter",
        help="generate, archive and save a letter for a claim; --kinds lists the letter kinds",
        description="Generate a new archived version of a letter from the claim as it is now and "
        "save the PDF. It is signed by whoever made the decision it announces; --as USER records "
        "who made this copy (default: the claim's adjuster).",
    )
    p.add_argument("reference", nargs="?", metavar="REF", help="claim reference")
    p.add_argument("kind", nargs="?", metavar="KIND", help="letter kind (see --kinds)")
    p.add_argument("--out", metavar="FILE.pdf", help="where to save the PDF")
    p.add_argument("--as", dest="as_user", metavar="USER", help="the user making this copy")
    p.add_argument("--kinds", action="store_true", help="list the letter kinds and exit")
    p.set_defaults(func=_letter)


def _letter(args: argparse.Namespace) -> int:
    if args.kinds:
        return _kinds()
    if not (args.reference and args.kind and args.out):
        print("usage: letter REF KIND --out FILE.pdf [--as USER]  |  letter --kinds", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    if out.is_dir():
        raise ValidationError(f"--out {out} is a folder; give a file name ending in .pdf", "out")
    if not out.parent.is_dir():
        raise ValidationError(f"--out: the folder {out.parent} does not exist", "out")

    from atoz_desk.services.letters import LetterService

    services = open_services(args.database_url)
    try:
        actor = services.users.actor(args.as_user) if args.as_user else SYSTEM_ACTOR
        letters = LetterService(services.db, services.policy, services.clock)
        info = letters.generate(args.reference, args.kind, actor)
        _write_atomically(out, letters.pdf(info.id))
    finally:
        services.db.dispose()
    print(
        f"{info.reference}  {info.kind} version {info.version}  ({info.title}, to the {info.addressee})\n"
        f"  saved {out} ({info.size_bytes:,} bytes)  sha256 {info.sha256}  template {info.template_version}"
    )
    return 0


def _kinds() -> int:
    from atoz_desk.reports import KINDS

    width = max(len(code) for code in KINDS)
    for k in KINDS.values():
        print(f"{k.code:<{width}}  to the {k.addressee.value:<8} {k.title}: {k.description}")
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    """Never leave a half-written PDF where the user expects a letter."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
