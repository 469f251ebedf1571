"""``inspector sampling``: look up the ISO 2859-1 sampling plan for a lot.

Exit status 0 with the plan on stdout (text, or one JSON object with ``--json``);
2 with a one-line message on stderr when the input is bad (AQL not in the table, lot
size below 1, unknown level or severity).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inspector.sampling import (
    AQL_VALUES,
    InspectionLevel,
    ReducedTable,
    SamplingError,
    SamplingPlan,
    Severity,
    plan_for,
)

_PROG = "inspector sampling"


def register(subparsers: Any) -> None:
    """Add the ``sampling`` sub-command."""
    aqls = ", ".join(f"{a:g}" for a in AQL_VALUES)
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sampling",
        help="show the ISO 2859-1 sampling plan for a lot",
        description=(
            "Show the ISO 2859-1:1999 single sampling plan (code letter, sample size, Ac/Re) "
            "for a lot of rings."
        ),
    )
    # Values are taken as text and checked by the handler, so a bad one gets the same
    # one-line message and exit status 2 whatever the argument.
    parser.add_argument("--lot-size", required=True, metavar="N", help="rings in the lot")
    parser.add_argument("--aql", required=True, metavar="A", help=f"AQL in %%: one of {aqls}")
    parser.add_argument(
        "--level",
        default=InspectionLevel.II.value,
        help="inspection level: " + ", ".join(v.value for v in InspectionLevel) + " (default II)",
    )
    parser.add_argument(
        "--severity",
        default=Severity.NORMAL.value,
        help="normal, tightened or reduced (default normal)",
    )
    parser.add_argument(
        "--reduced-table",
        default=ReducedTable.ISO_1999.value,
        help="reduced table: 1999 (ISO 2859-1:1999, default) or z14 (ANSI/ASQ Z1.4)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        lot_size = _parse_lot_size(args.lot_size)
        plan = plan_for(
            lot_size,
            args.aql,
            level=args.level,
            severity=args.severity,
            reduced_table=args.reduced_table,
        )
    except SamplingError as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(plan.to_dict()))
    else:
        print(_describe(plan))
    return 0


def _parse_lot_size(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SamplingError(f"lot size {text!r} is not a whole number") from None


def _describe(plan: SamplingPlan) -> str:
    head = (
        f"ISO 2859-1 single sampling, level {plan.level}, {plan.severity} inspection, "
        f"AQL {plan.aql:g} %"
    )
    if plan.hundred_percent:
        inspect = f"inspect all {plan.sample_size} rings (100 %: the sample reaches the lot size)"
    else:
        inspect = f"inspect {plan.sample_size} rings drawn at random"
    verdict = f"accept the lot with ≤ {plan.accept} nonconforming, reject with ≥ {plan.reject}"
    if plan.reject > plan.accept + 1:
        verdict += (
            f"; {plan.accept + 1}…{plan.reject - 1} accepts the lot but returns to normal "
            "inspection"
        )
    return f"{head}\nLot of {plan.lot_size}, code letter {plan.code_letter}: {inspect};\n{verdict}."
