"""``inspector lot open|show|list|inspect|review|dispose|sign|resume``: a lot and its records.

Exit status: 0 done (for ``inspect``: every ring recorded and passed), 1 (``inspect``
only) some ring failed, 2 any error or bad usage, with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
from typing import Any

from inspector.calibration import load_calibration
from inspector.cli.common import handles_errors, open_db, password, sign_in, user_options
from inspector.inputs import expand_paths
from inspector.outcome import Verdict
from inspector.recipes import load_grade, load_recipe
from inspector.records import lots, recording, reviews, signing
from inspector.records.lots import LotClosed, LotError
from inspector.runner import InspectionSettings, run_batch
from inspector.store import StoreError

STATION_ENV = "INSPECTOR_STATION"


def register(subparsers: Any) -> None:
    """Add the ``lot`` command and its sub-commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lot",
        help="open, inspect, review, dispose and sign lots",
        description="Lots of rings and their records. Exit status: 0 ok, 1 (inspect) some "
        "ring failed, 2 any error or bad usage.",
    )
    sub = parser.add_subparsers(dest="lot_command", metavar="ACTION", required=True)
    common = user_options()

    p = sub.add_parser("open", parents=[common], help="open a new lot")
    p.add_argument("lot", metavar="LOT", help="lot number")
    p.add_argument("--part", required=True, help="part recipe, e.g. AS568-214")
    p.add_argument("--quantity", type=int, required=True, help="rings in the lot")
    p.add_argument("--customer", default="", help="customer fab")
    p.add_argument("--po", default="", help="customer purchase order")
    p.add_argument("--po-line", default="", help="line of the purchase order")
    p.add_argument("--compound", default="", help="compound, e.g. 'FFKM 75 black'")
    p.add_argument("--compound-batch", default="", help="compound batch")
    p.add_argument("--cure-quarter", default="", help="cure quarter, e.g. 4Q26")
    p.add_argument("--mould", default="", help="mould")
    p.add_argument("--cavity", default="", help="cavity")
    p.add_argument("--grade", help="acceptance grade (default: the recipe's)")
    plan = p.add_mutually_exclusive_group()
    plan.add_argument("--aql", type=float, help="AQL in percent (default: the recipe's)")
    plan.add_argument(
        "--hundred-percent", action="store_true", help="inspect every ring and sort the lot"
    )
    p.add_argument("--level", help="ISO 2859-1 level: I, II, III, S-1…S-4 (default: recipe's)")
    p.set_defaults(handler=_open)

    p = sub.add_parser("show", parents=[common], help="show a lot, its plan and progress")
    p.add_argument("lot", metavar="LOT")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_show)

    p = sub.add_parser("list", parents=[common], help="list lots, newest first")
    p.add_argument("--status", choices=("open", "disposed", "signed"))
    p.add_argument("--part")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_list)

    p = sub.add_parser("inspect", parents=[common], help="inspect images into a lot")
    p.add_argument("lot", metavar="LOT")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image file or folder")
    p.add_argument("--station", help=f"station name (default: ${STATION_ENV}, else the host name)")
    p.add_argument("--px-per-mm", type=float, help="image scale; overrides the calibration")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.set_defaults(handler=_inspect)

    p = sub.add_parser("review", parents=[common], help="confirm or overrule a ring or defect")
    p.add_argument("lot", metavar="LOT")
    p.add_argument("ring", metavar="RING", type=int, help="ring number in the lot")
    p.add_argument("--reason", required=True, help="why")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--verdict", choices=("pass", "fail"), help="the ring's verdict")
    target.add_argument("--defect", type=int, metavar="N", help="defect number on the ring")
    call = p.add_mutually_exclusive_group()
    call.add_argument("--reject", dest="reject", action="store_true", default=None)
    call.add_argument("--accept", dest="reject", action="store_false")
    p.set_defaults(handler=_review)

    p = sub.add_parser("dispose", parents=[common], help="record the plan's disposition")
    p.add_argument("lot", metavar="LOT")
    p.add_argument("--reason", default="", help="note with the disposition")
    p.add_argument(
        "--correct",
        choices=lots.DECISIONS,
        metavar="DECISION",
        help="correct a signed lot with a new disposition (accept, reject, sorted); "
        "needs --reason and a new signature",
    )
    p.set_defaults(handler=_dispose)

    p = sub.add_parser(
        "resume", parents=[common], help="resume a discontinued part (ISO 2859-1 clause 9.4)"
    )
    p.add_argument("part", metavar="PART")
    p.add_argument("--reason", required=True, help="the corrective action taken")
    p.set_defaults(handler=_resume)

    p = sub.add_parser("sign", parents=[common], help="sign a disposed lot")
    p.add_argument("lot", metavar="LOT")
    p.add_argument("--meaning", required=True, choices=signing.MEANINGS)
    p.set_defaults(handler=_sign)


@handles_errors("lot open")
def _open(args: argparse.Namespace) -> int:
    recipe = load_recipe(args.part)
    grade = load_grade(args.grade).name if args.grade else None
    with open_db(args) as store:
        user = sign_in(store, args)
        spec = lots.LotSpec(
            lot_no=args.lot,
            quantity=args.quantity,
            customer=args.customer,
            po=args.po,
            po_line=args.po_line,
            compound=args.compound,
            compound_batch=args.compound_batch,
            cure_quarter=args.cure_quarter,
            mould=args.mould,
            cavity=args.cavity,
            hundred_percent=args.hundred_percent,
            level=args.level,
            aql=args.aql,
        )
        lot = lots.open_lot(store, user, spec, recipe=recipe, grade=grade)
    print(f"lot {lot.lot_no} opened: {_plan_text(lot)}")
    return 0


def _plan_text(lot: lots.Lot) -> str:
    if lot.plan is None:
        return f"{lot.part}, 100 % inspection of {lot.quantity} rings"
    p = lot.plan
    return (
        f"{lot.part}, {lot.quantity} rings; ISO 2859-1 level {p.level.value}, AQL {p.aql:g}, "
        f"{p.severity.value}: code {p.code_letter}, sample {p.sample_size}, "
        f"Ac {p.accept} / Re {p.reject}"
    )


@handles_errors("lot show")
def _show(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        lot = lots.get_lot(store, args.lot)
        prog = lots.progress(store, args.lot)
        disp = lots.dispositions(store, args.lot)
        sigs = signing.signatures(store, args.lot)
    if args.json:
        out = lot.to_dict()
        out["progress"] = {
            "inspected": prog.inspected,
            "required": prog.required,
            "nonconforming": prog.nonconforming,
            "not_judged": prog.errors,
            "accept": prog.accept,
            "reject": prog.reject,
            "decision": prog.decision,
        }
        out["dispositions"] = [d.__dict__ for d in disp]
        out["signatures"] = [s.__dict__ for s in sigs]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"lot {lot.lot_no}  [{lot.status}{' ' + lot.disposition if lot.disposition else ''}]")
    print(f"  {_plan_text(lot)}")
    print(f"  recipe {lot.recipe.key} ({lot.recipe_sha256[:12]}), grade {lot.grade}")
    for label, value in (
        ("customer", lot.customer),
        ("PO", f"{lot.po} line {lot.po_line}" if lot.po_line else lot.po),
        (
            "compound",
            f"{lot.compound} batch {lot.compound_batch}" if lot.compound_batch else lot.compound,
        ),
        ("cure", lot.cure_quarter),
        ("mould/cavity", f"{lot.mould}/{lot.cavity}" if lot.mould or lot.cavity else ""),
    ):
        if value.strip():
            print(f"  {label}: {value}")
    print(f"  progress: {prog.describe()}")
    for d in disp:
        print(f"  disposition: {d.decision} by {d.by} at {d.time_utc} {d.reason}".rstrip())
    for s in sigs:
        print(f"  signed: {s.meaning} by {s.printed_name} ({s.role}) at {s.time_utc}")
    return 0


@handles_errors("lot list")
def _list(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        found = lots.list_lots(store, status=args.status, part=args.part)
        rows = [(lot, lots.progress(store, lot.lot_no)) for lot in found]
    if args.json:
        print(json.dumps([lot.to_dict() | {"progress": p.describe()} for lot, p in rows], indent=2))
        return 0
    for lot, p in rows:
        print(f"{lot.lot_no:<16} {lot.part:<12} {lot.status:<9} {lot.customer:<16} {p.describe()}")
    return 0


@handles_errors("lot inspect")
def _inspect(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise LotError("--workers must be at least 1")
    if args.px_per_mm is not None and not args.px_per_mm > 0:
        raise LotError(f"--px-per-mm must be a positive number, not {args.px_per_mm}")
    station = args.station or os.environ.get(STATION_ENV) or socket.gethostname()
    with open_db(args) as store:
        user = sign_in(store, args)
        lot = lots.get_lot(store, args.lot)
        lots.require_open(lot, "record more rings")
        settings = InspectionSettings(
            grade=load_grade(lot.grade),
            recipe=lot.recipe,
            cli_px_per_mm=args.px_per_mm,
            calibration=load_calibration(),
        )
        total = len(expand_paths(args.paths))
        cancel = threading.Event()
        failed = errors = recorded = already = 0
        stopped: str | None = None
        for i, result in enumerate(
            run_batch(args.paths, settings, workers=args.workers, cancel=cancel), start=1
        ):
            name = os.path.basename(result.image) or result.image
            head = f"[{i}/{total}] {name}:"
            if result.image_sha256 is None:
                errors += 1
                print(f"{head} error: {result.error}", file=sys.stderr)
                continue
            try:
                done = recording.record_inspection(store, user, lot.lot_no, result, station=station)
            except LotClosed as exc:
                stopped = str(exc)
                cancel.set()
                break
            except LotError as exc:
                errors += 1
                print(f"{head} error: {exc}", file=sys.stderr)
                continue
            except StoreError:
                cancel.set()
                raise
            verdict = result.verdict.value
            if done.status is recording.RecordStatus.ALREADY:
                already += 1
                note = f"already recorded as ring {done.seq}"
            else:
                recorded += 1
                note = f"ring {done.seq}"
            if result.verdict is Verdict.FAIL:
                failed += 1
            elif result.verdict is Verdict.ERROR:
                errors += 1
                verdict = f"error ({result.error})"
            print(f"{head} {verdict}, {note}", file=sys.stderr)
        prog = lots.progress(store, lot.lot_no)
    print(
        f"lot {lot.lot_no}: {recorded} recorded, {already} already recorded, "
        f"{failed} failed, {errors} not judged; {prog.describe()}"
    )
    if stopped:
        # Feeding a tray larger than the sample is the normal way of working: say where
        # it stopped, but it is not an error.
        print(f"note: {stopped}; the rest were not inspected", file=sys.stderr)
    if errors:
        return 2
    return 1 if failed else 0


@handles_errors("lot review")
def _review(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        user = sign_in(store, args)
        if args.defect is not None:
            if args.reject is None:
                raise LotError("say --reject or --accept for the defect")
            rv = reviews.review_defect(
                store,
                user,
                args.lot,
                args.ring,
                args.defect,
                reject=args.reject,
                reason=args.reason,
            )
            what = f"defect {rv.defect_idx} of ring {rv.seq}"
        else:
            if args.reject is not None:
                raise LotError("--reject/--accept go with --defect; use --verdict for the ring")
            rv = reviews.review_ring(
                store, user, args.lot, args.ring, verdict=args.verdict, reason=args.reason
            )
            what = f"ring {rv.seq}"
        prog = lots.progress(store, args.lot)
    print(
        f"lot {args.lot} {what}: {rv.outcome} ({rv.old_value} → {rv.new_value}); {prog.describe()}"
    )
    return 0


@handles_errors("lot dispose")
def _dispose(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        user = sign_in(store, args)
        if args.correct:
            lots.correct_disposition(
                store, user, args.lot, decision=args.correct, reason=args.reason
            )
            print(f"lot {args.lot}: corrected to {args.correct}; it needs a new signature")
            return 0
        prog = lots.dispose(store, user, args.lot, reason=args.reason)
    print(f"lot {args.lot}: {prog.decision} ({prog.describe()})")
    return 0


@handles_errors("lot sign")
def _sign(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        user = sign_in(store, args)
        sig = signing.sign_lot(
            store,
            user,
            args.lot,
            password=password(f"Password to sign lot {args.lot} ({args.meaning}): "),
            meaning=args.meaning,
        )
    print(
        f"lot {sig.lot_no} signed '{sig.meaning}' by {sig.printed_name} ({sig.role}) at "
        f"{sig.time_utc}; records hash {sig.content_sha256[:16]}…"
    )
    return 0


@handles_errors("lot resume")
def _resume(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        user = sign_in(store, args)
        state = lots.resume_inspection(store, user, args.part, reason=args.reason)
    print(f"{args.part}: inspection resumed on {state.severity.value} inspection")
    return 0
