"""``inspector site show|set``: the supplier details printed on every certificate.

Exit status: 0 done, 2 any error or bad usage, with a one-line message.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from inspector.cli.common import handles_errors, open_db, sign_in, user_options
from inspector.records import site


def register(subparsers: Any) -> None:
    """Add the ``site`` command and its sub-commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "site",
        help="the supplier's name, address and statements printed on certificates",
        description="Site settings printed on every Certificate of Conformance. "
        "Setting them needs a manager and is audited.",
    )
    sub = parser.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    common = user_options()

    p = sub.add_parser("show", parents=[common], help="show the site settings")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_show)

    p = sub.add_parser("set", parents=[common], help="change site settings (manager)")
    p.add_argument("--supplier-name", metavar="NAME", help="the supplier's company name")
    p.add_argument(
        "--supplier-address",
        action="append",
        metavar="LINE",
        help="a line of the supplier's address (repeat for each line; replaces the address)",
    )
    p.add_argument("--cleaning", metavar="TEXT", help="default cleaning and packaging statement")
    p.add_argument("--conformance", metavar="TEXT", help="the conformance statement")
    p.set_defaults(handler=_set)


def _print(settings: site.SiteSettings, as_json: bool) -> None:
    if as_json:
        print(json.dumps(settings.to_dict(), indent=2, ensure_ascii=False))
        return
    print(f"supplier: {settings.supplier_name or '(not set)'}")
    for line in settings.supplier_address:
        print(f"          {line}")
    print(f"cleaning and packaging: {settings.cleaning_packaging or '(not set)'}")
    print(f"conformance statement: {settings.conformance}")


@handles_errors("site show")
def _show(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        settings = site.site_settings(store)
    _print(settings, args.json)
    return 0


@handles_errors("site set")
def _set(args: argparse.Namespace) -> int:
    with open_db(args) as store:
        user = sign_in(store, args)
        settings = site.set_site(
            store,
            user,
            supplier_name=args.supplier_name,
            supplier_address=None
            if args.supplier_address is None
            else tuple(args.supplier_address),
            cleaning_packaging=args.cleaning,
            conformance=args.conformance,
        )
    _print(settings, False)
    return 0
