"""``inspector export lot LOT --csv|--json [--out FILE]``: a lot's rings for a customer.

CSV: one row per ring, UTF-8 with a header row, ISO 8601 UTC times, dot decimals and
lengths in mm (4 places); a file written with ``--out`` starts with a UTF-8 byte-order
mark so spreadsheet programs read it as UTF-8 (standard output has none, for pipes).
Defects are ``type:length_mm`` joined with ``;``.

JSON: an object ``{"lot": {...}, "summary": {...}, "rings": [...]}``.

Exit status: 0 written, 2 any error (unknown lot, unwritable file: nothing written).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import sys
from pathlib import Path
from typing import Any

from inspector.cli.common import db_options, handles_errors, open_db
from inspector.outputs import write_atomic
from inspector.records.export import DefectRecord, LotExport, RingRecord, lot_export

CSV_COLUMNS = (
    "lot",
    "part",
    "ring",
    "image_name",
    "image_sha256",
    "time_utc",
    "station",
    "operator",
    "machine_verdict",
    "review_outcome",
    "final_verdict",
    "od_mm",
    "id_mm",
    "cs_mm",
    "cs_min_mm",
    "cs_max_mm",
    "ovality_pct",
    "n_defects",
    "defects",
    "rejecting_defects",
    "engine_version",
)


def register(subparsers: Any) -> None:
    """Add the ``export`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="export a lot's records as CSV or JSON",
        description="Export records for a customer or a spreadsheet.",
    )
    sub = parser.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    p = sub.add_parser(
        "lot",
        parents=[db_options()],
        help="one row per ring of a lot, and the lot's summary (JSON)",
    )
    p.add_argument("lot", metavar="LOT")
    fmt = p.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", action="store_true", help="CSV, one row per ring")
    fmt.add_argument("--json", action="store_true", help="JSON: lot, summary and rings")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.set_defaults(handler=_lot)


def _mm(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _defects(defects: tuple[DefectRecord, ...]) -> str:
    return ";".join(f"{d.type}:{_mm(d.length_mm, 3)}" for d in defects)


def _csv_row(data: LotExport, ring: RingRecord) -> list[str]:
    return [
        data.lot.lot_no,
        data.lot.part,
        str(ring.seq),
        ring.image_name,
        ring.image_sha256,
        ring.time_utc,
        ring.station,
        ring.operator,
        ring.machine_verdict,
        ring.review_outcome or "",
        ring.final_verdict,
        _mm(ring.od_mm),
        _mm(ring.id_mm),
        _mm(ring.cs_mm),
        _mm(ring.cs_min_mm),
        _mm(ring.cs_max_mm),
        _mm(ring.ovality_pct, 3),
        str(len(ring.defects)),
        _defects(ring.defects),
        _defects(tuple(d for d in ring.defects if d.final_reject)),
        ring.engine_version,
    ]


def to_csv(data: LotExport) -> str:
    """Return the lot's rings as CSV text (header row first, ``\\r\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for ring in data.rings:
        writer.writerow(_csv_row(data, ring))
    return buffer.getvalue()


def to_json(data: LotExport) -> str:
    """Return ``{"lot", "summary", "rings"}`` as indented JSON text."""
    tree = {
        "lot": data.lot.to_dict(),
        "summary": data.summary(),
        "rings": [dataclasses.asdict(r) for r in data.rings],
    }
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


@handles_errors("export lot")
def _lot(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        data = lot_export(store, args.lot)
    text = to_csv(data) if args.csv else to_json(data)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    encoding = "utf-8-sig" if args.csv else "utf-8"
    write_atomic(Path(args.out), text.encode(encoding))
    print(
        f"lot {data.lot.lot_no}: {len(data.rings)} rings exported to {args.out}",
        file=sys.stderr,
    )
    return 0
