"""Build one recipe file per AS568 size from ``models/standards/as568.csv``.

Usage::

    .venv/bin/python tools/build_recipes.py            # (re)write models/recipes/*.json
    .venv/bin/python tools/build_recipes.py --check    # exit 1 if a file is missing or stale

Every recipe starts at version 1 with the ``fab`` grade and ISO 2859-1 level II, AQL 1.0.
Rows the table marks unconfirmed (an ID tolerance from one chart only) are kept, with
``"confirmed": false`` and a note that says so. The files are generated: change the CSV or
this script, not the JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from inspector.paths import MODELS_DIR
from inspector.recipes import Recipe, Sampling, recipe_from_dict

CSV_PATH = MODELS_DIR / "standards" / "as568.csv"
OUT_DIR = MODELS_DIR / "recipes"
STANDARD = "SAE AS568 (aerospace size standard for O-rings)"
COLUMNS = [
    "dash",
    "id_in",
    "id_tol_in",
    "cs_in",
    "cs_tol_in",
    "id_mm",
    "id_tol_mm",
    "cs_mm",
    "cs_tol_mm",
    "confirmed",
    "sources",
    "note",
]


def recipe_for_row(row: dict[str, str]) -> Recipe:
    """Return the version-1 recipe for one row of the AS568 table."""
    name = f"AS568-{row['dash']}"
    confirmed = row["confirmed"].strip() == "yes"
    if row["confirmed"].strip() not in ("yes", "no"):
        raise ValueError(f"{name}: confirmed must be yes or no, got {row['confirmed']!r}")
    note = row["note"].strip()
    if not confirmed:
        note = (
            "Unconfirmed: the ID tolerance comes from one chart only; kept as published. "
            f"Source notes: {note}"
        )
    description = (
        f"{name} O-ring: ID {row['id_mm']} ± {row['id_tol_mm']} mm, "
        f"CS {row['cs_mm']} ± {row['cs_tol_mm']} mm "
        f"({row['id_in']} ± {row['id_tol_in']} × {row['cs_in']} ± {row['cs_tol_in']} in)"
    )
    return Recipe(
        name=name,
        version=1,
        description=description,
        standard=STANDARD,
        id_mm=float(row["id_mm"]),
        id_tol_mm=float(row["id_tol_mm"]),
        cs_mm=float(row["cs_mm"]),
        cs_tol_mm=float(row["cs_tol_mm"]),
        grade="fab",
        sampling=Sampling(level="II", aql=1.0),
        confirmed=confirmed,
        note=note,
        sources=row["sources"].strip(),
    )


def build(csv_path: Path = CSV_PATH) -> dict[str, str]:
    """Return ``{file name: file text}`` for every row of the table."""
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{csv_path}: expected columns {COLUMNS}, got {reader.fieldnames}")
        recipes = [recipe_for_row(row) for row in reader]
    files: dict[str, str] = {}
    for recipe in recipes:
        data: dict[str, Any] = recipe.to_dict()
        recipe_from_dict(data, where=recipe.name)  # the loader must accept what we write
        file_name = f"{recipe.name}.json"
        if file_name in files:
            raise ValueError(f"{csv_path}: {recipe.name} appears twice")
        files[file_name] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, verify) the recipe files; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=CSV_PATH)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    args = parser.parse_args(argv)
    files = build(args.csv)
    stale = [
        name
        for name, text in files.items()
        if not (args.out / name).is_file() or (args.out / name).read_text(encoding="utf-8") != text
    ]
    extra = sorted(p.name for p in args.out.glob("*.json") if p.name not in files)
    if args.check:
        for name in stale:
            print(f"stale or missing: {args.out / name}", file=sys.stderr)
        for name in extra:
            print(f"not in the table: {args.out / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.out / name).write_text(files[name], encoding="utf-8")
    for name in extra:
        print(f"warning: {args.out / name} is not in the table (left in place)", file=sys.stderr)
    print(f"{len(files)} recipes in {args.out} ({len(stale)} written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
