"""``inspector inspect``: placeholder replaced by the engine work."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``inspect`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser("inspect", help="inspect images")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    raise NotImplementedError
