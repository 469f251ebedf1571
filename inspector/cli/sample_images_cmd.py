"""``inspector sample-images``: write a seeded set of synthetic ring images with truth."""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from inspector.synth import generate_set
from inspector.synth.scene import FORMATS
from inspector.synth.truth import DefectType

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def register(subparsers: Any) -> None:
    """Add the ``sample-images`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sample-images",
        help="write synthetic ring images with known truth",
        description=(
            "Render N seeded synthetic images of FFKM O-rings into OUT, with truth.json "
            "giving each ring's dimensions and defects. Image k depends only on the seed and k."
        ),
    )
    parser.add_argument("out", metavar="OUT", help="folder to write (created if missing)")
    parser.add_argument("--n", type=int, required=True, help="number of images")
    parser.add_argument("--seed", type=int, required=True, help="set seed")
    parser.add_argument(
        "--size",
        metavar="WxH",
        help="fix the image size, e.g. 1600x1200; a comma-separated list draws among them",
    )
    parser.add_argument(
        "--good-fraction", type=float, default=0.4, help="share of rings with no defect (0.4)"
    )
    parser.add_argument(
        "--out-of-tolerance-fraction",
        type=float,
        default=0.1,
        help="share of rings with ID or CS out of tolerance (0.1)",
    )
    parser.add_argument(
        "--formats",
        help=f"comma-separated file formats to draw from ({','.join(FORMATS)})",
    )
    parser.add_argument(
        "--defect-types",
        help=f"comma-separated defect types ({','.join(t.value for t in DefectType)})",
    )
    parser.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    parser.set_defaults(handler=_run)


def _fail(message: str) -> int:
    print(f"inspector sample-images: error: {message}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    sizes: list[tuple[int, int]] = []
    for item in (args.size or "").split(",") if args.size else []:
        match = _SIZE.match(item)
        if not match:
            return _fail(f"--size must look like 1600x1200, not {item!r}")
        sizes.append((int(match.group(1)), int(match.group(2))))
        if min(sizes[-1]) < 64:
            return _fail("--size must be at least 64x64")
    size = sizes[0] if len(sizes) == 1 else None
    if args.n < 1:
        return _fail("--n must be at least 1")
    for name in ("good_fraction", "out_of_tolerance_fraction"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:
            return _fail(f"--{name.replace('_', '-')} must be within 0 and 1, not {value}")
    formats = [f.strip().lower() for f in args.formats.split(",")] if args.formats else None
    if formats:
        formats = ["jpeg" if f == "jpg" else "tiff" if f == "tif" else f for f in formats]
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            return _fail(f"unknown format(s) {', '.join(unknown)}; choose from {FORMATS}")
    types = [t.strip() for t in args.defect_types.split(",")] if args.defect_types else None
    if types:
        known = {t.value for t in DefectType}
        unknown = [t for t in types if t not in known]
        if unknown:
            choices = ", ".join(sorted(known))
            return _fail(f"unknown defect type(s) {', '.join(unknown)}; choose from {choices}")
    started = time.perf_counter()
    try:
        truth = generate_set(
            args.out,
            n=args.n,
            seed=args.seed,
            size=size,
            sizes=sizes if len(sizes) > 1 else None,
            good_fraction=args.good_fraction,
            out_of_tolerance_fraction=args.out_of_tolerance_fraction,
            formats=formats,
            defect_types=types,
            workers=args.workers,
        )
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    good = sum(1 for image in truth.images if not image.defects)
    print(
        f"wrote {len(truth.images)} images ({good} without defects) and truth.json to "
        f"{args.out} in {time.perf_counter() - started:.1f} s"
    )
    return 0
