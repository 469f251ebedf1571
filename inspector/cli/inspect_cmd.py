"""``inspector inspect PATH...``: inspect image files and folders from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from inspector.calibration import CalibrationError, load_calibration
from inspector.outcome import InspectionResult, Verdict
from inspector.recipes import Grade, Recipe, RecipeError, load_grade, load_recipe
from inspector.report import TABLE_HEADER, json_line, summary_line, table_row
from inspector.runner import InspectionSettings, run_batch

DEFAULT_GRADE = "fab"


def register(subparsers: Any) -> None:
    """Add the ``inspect`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "inspect",
        help="inspect ring images (files or folders)",
        description=(
            "Inspect seal-ring images. Exit status: 0 all pass, 1 some fail, "
            "2 any error or bad usage."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image file or folder")
    parser.add_argument("--recipe", help="part recipe, e.g. AS568-214")
    parser.add_argument("--grade", help="acceptance grade (default: the recipe's, else fab)")
    parser.add_argument(
        "--px-per-mm", type=float, help="image scale; overrides the station calibration"
    )
    parser.add_argument("--json", action="store_true", help="print JSON Lines, one per image")
    parser.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    parser.set_defaults(handler=run)


def settings_from_args(args: argparse.Namespace) -> InspectionSettings:
    """Recipe, grade, scale and calibration from the options; raises ValueError subclasses."""
    recipe: Recipe | None = load_recipe(args.recipe) if args.recipe else None
    grade_name = args.grade or (recipe.grade if recipe else DEFAULT_GRADE)
    grade: Grade = load_grade(grade_name)
    if args.px_per_mm is not None and not args.px_per_mm > 0:
        raise ValueError(f"--px-per-mm must be a positive number, not {args.px_per_mm}")
    calibration = load_calibration()
    return InspectionSettings(
        grade=grade, recipe=recipe, cli_px_per_mm=args.px_per_mm, calibration=calibration
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the inspection; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    if args.workers is not None and args.workers < 1:
        print("inspector inspect: --workers must be at least 1", file=err)
        return 2
    try:
        settings = settings_from_args(args)
    except (RecipeError, CalibrationError, ValueError) as exc:
        print(f"inspector inspect: {exc}", file=err)
        return 2

    results: list[InspectionResult] = []
    progress = _Progress(err) if not args.json and err.isatty() else None
    if not args.json:
        print(TABLE_HEADER, file=out, flush=True)
    for result in run_batch(args.paths, settings, workers=args.workers):
        results.append(result)
        if progress is not None:
            progress.clear()
        print(json_line(result) if args.json else table_row(result), file=out, flush=True)
        if progress is not None:
            progress.show(len(results))
    if progress is not None:
        progress.clear()
    if not args.json:
        print(summary_line(results), file=out, flush=True)
    return exit_status(results)


def exit_status(results: list[InspectionResult]) -> int:
    """0 all pass, 1 some fail, 2 any error (or nothing inspected)."""
    if not results or any(r.verdict is Verdict.ERROR for r in results):
        return 2
    if any(r.verdict is Verdict.FAIL for r in results):
        return 1
    return 0


class _Progress:
    """A one-line progress counter on a terminal's stderr, redrawn in place."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def show(self, done: int) -> None:
        self._stream.write(f"\r{done} inspected…")
        self._stream.flush()

    def clear(self) -> None:
        self._stream.write("\r\033[K")
        self._stream.flush()
