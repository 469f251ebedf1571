"""The ``inspector`` command line: the core's composition root.

Each sub-command lives in its own module with ``register(subparsers)``; the module's
handler receives the parsed arguments and returns the exit status
(0 all good, 1 some ring failed, 2 an error or bad usage).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from inspector import __version__

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "inspector.cli.inspect_cmd",
    "inspector.cli.calibrate_cmd",
    "inspector.cli.sampling_cmd",
    "inspector.cli.sample_images_cmd",
    "inspector.cli.lot_cmd",
    "inspector.cli.users_cmd",
    "inspector.cli.history_cmd",
    "inspector.cli.audit_cmd",
    "inspector.cli.db_cmd",
    "inspector.cli.site_cmd",
    "inspector.cli.certificate_cmd",
    "inspector.cli.export_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="inspector",
        description="Seal Inspector: inspect FFKM seal rings and keep their records.",
    )
    parser.add_argument("--version", action="version", version=f"inspector {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    handler = args.handler
    status: int = handler(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
