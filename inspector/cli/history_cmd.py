"""``inspector history``: recorded rings, filtered, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from typing import Any

from inspector.cli.common import db_options, handles_errors, open_db
from inspector.imaging.results import DefectType
from inspector.records import history


def register(subparsers: Any) -> None:
    """Add the ``history`` command."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "history",
        parents=[db_options()],
        help="list recorded rings, filtered",
        description="Recorded rings, newest first. Dates are UTC: 2026-11-27 or "
        "2026-11-27T08:00; --to includes the whole day given.",
    )
    p.add_argument("--from", dest="date_from", metavar="DATE")
    p.add_argument("--to", dest="date_to", metavar="DATE")
    p.add_argument("--customer")
    p.add_argument("--part")
    p.add_argument("--lot")
    p.add_argument("--station")
    p.add_argument("--operator")
    p.add_argument("--defect-type", choices=[t.value for t in DefectType])
    p.add_argument("--verdict", choices=history.VERDICTS, help="final verdict (after reviews)")
    p.add_argument("--review", choices=history.REVIEW_FILTERS)
    p.add_argument("--limit", type=int, default=1000, help="most rows shown (default 1000)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    fmt.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_run)


def _counts(types: tuple[str, ...]) -> str:
    counts = Counter(types)
    return " ".join(f"{t}×{n}" if n > 1 else t for t, n in counts.items())


@handles_errors("history")
def _run(args: argparse.Namespace) -> int:
    f = history.HistoryFilter(
        date_from=args.date_from,
        date_to=args.date_to,
        customer=args.customer,
        part=args.part,
        lot=args.lot,
        station=args.station,
        operator=args.operator,
        defect_type=args.defect_type,
        verdict=args.verdict,
        review=args.review,
        limit=args.limit,
    )
    with open_db(args) as store:
        rows = history.query(store, f)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
    elif args.csv:
        # The same CSV as the desk's export: one format for history wherever it is taken.
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(history.CSV_COLUMNS)
        for r in rows:
            writer.writerow(history.csv_record(r))
    else:
        print(
            f"{'time (UTC)':<20} {'lot':<12} {'ring':>4} {'part':<11} {'station':<10} "
            f"{'operator':<10} {'verdict':<8} {'review':<9} defects"
        )
        for r in rows:
            verdict = r.verdict if r.verdict == r.machine_verdict else f"{r.verdict}*"
            print(
                f"{r.time_utc[:19]:<20} {r.lot:<12} {r.seq:>4} {r.part:<11} {r.station:<10} "
                f"{r.operator:<10} {verdict:<8} {r.review:<9} {_counts(r.defects)}".rstrip()
            )
        print(f"{len(rows)} ring(s){' (limit reached)' if len(rows) == args.limit else ''}")
    return 0
