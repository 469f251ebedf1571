"""``inspector db check`` and ``inspector db backup DEST``: the database's health and copies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inspector.cli.common import db_options, handles_errors, open_db
from inspector.imagestore import ImageStore
from inspector.records.recording import images_for
from inspector.store import repo


def register(subparsers: Any) -> None:
    """Add the ``db`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "db", help="check or back up the records database"
    )
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "check",
        parents=[db_options()],
        help="check the database's integrity and every stored image against its hash",
        description="Exit status 0 healthy, 2 a problem found (each one printed).",
    )
    p.set_defaults(handler=_check)
    p = sub.add_parser(
        "backup",
        parents=[db_options()],
        help="copy the database (consistent while stations write) and its images",
        description="Copy the database with SQLite's online backup to DEST (a new file), and "
        "the images it records to an 'images' folder beside DEST.",
    )
    p.add_argument("dest", metavar="DEST")
    p.set_defaults(handler=_backup)


@handles_errors("db check")
def _check(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        problems = store.integrity_problems()
        images = images_for(store)
        recorded = repo.all_image_hashes(store.reader())
        leftovers = images.remove_temporaries()
        report = images.check(recorded)
    for digest in report.bad:
        problems.append(f"stored image {digest} no longer matches its hash")
    for digest in report.missing:
        problems.append(f"recorded image {digest} is missing from {images.root}")
    for problem in problems:
        print(f"inspector db check: {problem}", file=sys.stderr)
    if leftovers:
        print(f"removed {leftovers} temporary image file(s) left by an interrupted write")
    if problems:
        return 2
    print(f"database healthy; {report.checked} stored image(s) match their hashes")
    return 0


@handles_errors("db backup")
def _backup(args: argparse.Namespace) -> int:
    dest = Path(args.dest)
    with open_db(args) as store:
        store.backup(dest)
        with store.snapshot() as tx:
            hashes = repo.all_image_hashes(tx)
        source = images_for(store)
    target = ImageStore(dest.parent / "images")
    copied = 0
    if target.root.resolve() != source.root.resolve():
        for digest in sorted(hashes):
            if not target.has(digest):
                target.put(source.read(digest), sha256=digest)
                copied += 1
    print(f"backed up to {dest}; {copied} image(s) copied to {target.root}")
    return 0
