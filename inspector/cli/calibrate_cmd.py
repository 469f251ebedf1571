"""``inspector calibrate IMAGE --od-mm 32.05``: measure the station's px/mm on a reference ring."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

from inspector.calibration import CalibrationError, compute_calibration, save_calibration
from inspector.imaging.engine import inspect_pixels
from inspector.imaging.load import ImageReadError, read_image_file


def register(subparsers: Any) -> None:
    """Add the ``calibrate`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "calibrate",
        help="compute and store px/mm from an image of a reference ring of known OD",
        description=(
            "Measure a reference ring of known outside diameter and store the station's "
            "scale (px/mm); later inspections use it unless --px-per-mm is given."
        ),
    )
    parser.add_argument("image", metavar="IMAGE", help="image of the reference ring")
    parser.add_argument("--od-mm", type=float, required=True, help="the reference ring's true OD")
    parser.add_argument("--station", default=socket.gethostname(), help="station name to record")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Calibrate; return the exit status (0 stored, 2 refused)."""
    try:
        loaded = read_image_file(args.image)
        inspection = inspect_pixels(loaded.pixels)
        if inspection.ring is None:
            raise CalibrationError("; ".join(inspection.problems) or "no ring found")
        if inspection.problems:
            raise CalibrationError("; ".join(inspection.problems))
        calibration = compute_calibration(
            inspection.ring, od_mm=args.od_mm, image=args.image, station=args.station
        )
        path = save_calibration(calibration)
    except (ImageReadError, CalibrationError, OSError) as exc:
        print(f"inspector calibrate: {exc}", file=sys.stderr)
        return 2
    ring = inspection.ring
    print(
        f"{calibration.px_per_mm:.4f} px/mm — reference OD {args.od_mm:g} mm measured "
        f"{ring.outer_diameter_px:.2f} px (ovality {ring.ovality_pct:.2f} %); stored in {path}"
    )
    return 0
