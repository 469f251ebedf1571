"""``inspector audit verify``: check the audit trail's hash chain and every signature."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inspector import audit
from inspector.cli.common import db_options, handles_errors, open_db
from inspector.records import signing


def register(subparsers: Any) -> None:
    """Add the ``audit`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help="verify the audit trail and signatures"
    )
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "verify",
        parents=[db_options()],
        help="check nothing was edited, deleted or inserted behind the application",
        description="Re-walk the audit trail's hash chain and re-hash every signed lot. "
        "Exit status 0 intact, 2 a problem (the first broken row is named).",
    )
    p.set_defaults(handler=_verify)


@handles_errors("audit verify")
def _verify(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        report = audit.verify(store)
        problems = signing.verify_signatures(store)
    if report.ok:
        print(f"audit trail intact: {report.rows} rows")
    else:
        print(f"inspector audit verify: {report.problem}", file=sys.stderr)
    for problem in problems:
        print(f"inspector audit verify: {problem}", file=sys.stderr)
    if not problems and report.ok:
        print("every signature matches its lot's records")
        return 0
    return 2
