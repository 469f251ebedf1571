"""``inspector certificate LOT --out FILE.pdf`` and ``inspector certificate verify FILE.pdf``.

Issuing needs a manager (``--user`` and ``INSPECTOR_PASSWORD``) and a lot signed
``approved``; the PDF is written whole or not at all and the issue is recorded in the
audit trail with its number (``COC-2026-00042``).

Exit status of ``issue``: 0 issued; 2 any error (nothing written, nothing recorded).
Exit status of ``verify``:

- 0 the file is ours, unaltered, and the lot's records still match it;
- 1 the file is ours and intact, but the records changed since it was issued (or the
  lot was corrected, or it was made by another software version so the bytes cannot
  be compared here);
- 2 not ours, altered, not issued under its number by these records, or unreadable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inspector.certificates.render import PageSize, RenderOptions
from inspector.certificates.verify import Verdict, verify_certificate
from inspector.cli.common import UsageError, handles_errors, open_db, sign_in, user_options
from inspector.records.certificates import (
    CertificateRequest,
    RecordsCheck,
    issue_certificate,
    records_check,
)

VERIFY = "verify"

#: Exit status of ``verify`` per verdict (see the module docstring).
VERIFY_STATUS: dict[Verdict, int] = {
    Verdict.VALID: 0,
    Verdict.RECORDS_CHANGED: 1,
    Verdict.RENDERER_DIFFERS: 1,
    Verdict.NOT_IN_RECORDS: 2,
    Verdict.ALTERED: 2,
    Verdict.NOT_OURS: 2,
}


def register(subparsers: Any) -> None:
    """Add the ``certificate`` command."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "certificate",
        parents=[user_options()],
        help="issue or verify a Certificate of Conformance",
        description="inspector certificate LOT --out FILE.pdf issues a Certificate of "
        "Conformance for a lot signed 'approved' (a manager only). inspector certificate "
        "verify FILE.pdf checks a certificate: exit 0 valid, 1 ours but the records changed "
        "since (or made by another software version), 2 not ours, altered or unreadable.",
    )
    p.add_argument("lot", metavar="LOT|verify", help="the lot to certify, or 'verify'")
    p.add_argument("file", nargs="?", metavar="FILE.pdf", help="with verify: the PDF to check")
    p.add_argument("--out", metavar="FILE.pdf", help="the PDF to write (must not exist)")
    p.add_argument("--letter", action="store_true", help="US Letter pages (default A4)")
    p.add_argument("--histograms", action="store_true", help="add ID and CS histograms")
    p.add_argument(
        "--thumbnails", action="store_true", help="add images of the rejected rings, defects boxed"
    )
    d = p.add_argument_group("certificate details the lot records do not hold")
    d.add_argument("--customer-part", default="", help="customer part number")
    d.add_argument("--drawing", default="", help="customer drawing number")
    d.add_argument("--revision", default="", help="drawing revision")
    d.add_argument("--colour", default="", help="compound colour, e.g. white")
    d.add_argument("--hardness", default="", help="compound hardness, e.g. '75 Shore A'")
    d.add_argument(
        "--customer-address",
        action="append",
        default=[],
        metavar="LINE",
        help="a line of the customer's address (repeat for each line)",
    )
    d.add_argument("--cleaning", help="cleaning and packaging statement (default: the site's)")
    d.add_argument("--standard", help="inspection standard text (default: the lot grade's)")
    d.add_argument(
        "--quantity-shipped",
        type=int,
        metavar="N",
        help="rings shipped (default: lot quantity less nonconforming rings found)",
    )
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.lot == VERIFY and args.file is not None:
        return _verify(args)
    return _issue(args)


@handles_errors("certificate")
def _issue(args: argparse.Namespace) -> int:
    if args.lot == VERIFY and not args.out:
        raise UsageError("give the certificate to check: inspector certificate verify FILE.pdf")
    if args.file is not None:
        raise UsageError(f"unexpected argument {args.file}; did you mean --out {args.file}?")
    if not args.out:
        raise UsageError("say where to write the certificate: --out FILE.pdf")
    options = RenderOptions(
        page_size=PageSize.LETTER if args.letter else PageSize.A4,
        histograms=args.histograms,
        thumbnails=args.thumbnails,
    )
    request = CertificateRequest(
        customer_part=args.customer_part,
        drawing=args.drawing,
        revision=args.revision,
        compound_colour=args.colour,
        compound_hardness=args.hardness,
        customer_address=tuple(args.customer_address),
        cleaning_packaging=args.cleaning,
        inspection_standard=args.standard,
        quantity_shipped=args.quantity_shipped,
        thumbnails=args.thumbnails,
    )
    with open_db(args) as store:
        user = sign_in(store, args)
        issued = issue_certificate(
            store, user, args.lot, request, out=Path(args.out), options=options
        )
    print(
        f"certificate {issued.number} issued for lot {issued.lot_no} by {issued.issued_by} "
        f"at {issued.issued_utc}: {args.out} (content sha256 {issued.digest})"
    )
    return 0


@handles_errors("certificate verify")
def _verify(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        pdf = path.read_bytes()
    except OSError as exc:
        print(
            f"inspector certificate verify: cannot read {path}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    checks: list[RecordsCheck] = []
    with open_db(args) as store:

        def lookup(number: str) -> Any:
            check = records_check(store, number)
            if check is None:
                return None
            checks.append(check)
            return check.answer

        result = verify_certificate(pdf, expected_digest_lookup=lookup)
    status = VERIFY_STATUS[result.verdict]
    messages = list(result.messages)
    if checks and status < 2:
        messages += checks[0].problems
        if checks[0].problems:
            status = max(status, 1)
    head = result.certificate_number or path.name
    lot = f" for lot {checks[0].lot_no}" if checks else ""
    word = {0: "VALID", 1: "RECORDS CHANGED", 2: "INVALID"}[status]
    if result.verdict is Verdict.RENDERER_DIFFERS and not (checks and checks[0].problems):
        word = "NOT CHECKED BYTE FOR BYTE"
    print(f"{word}: certificate {head}{lot} ({result.verdict.value})")
    for message in messages:
        print(f"  - {message}")
    return status
