"""Shared helpers for the records tests (no tests here): users, a lot, hand-built results.

The child processes of the reliability tests import this module too, so it stays free of
pytest fixtures.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from inspector import auth
from inspector.auth import User
from inspector.imaging.results import BBox, Defect, DefectType, Where
from inspector.outcome import (
    InspectionResult,
    JudgedDefect,
    RingDimensions,
    Scale,
    ScaleSource,
    Timing,
    Verdict,
)
from inspector.recipes import Recipe, load_recipe
from inspector.records import lots
from inspector.store import SqliteStore

PASSWORD = "station password"
PART = "AS568-214"


def recipe() -> Recipe:
    """The shipped recipe of the test part."""
    return load_recipe(PART)


def add_users(store: SqliteStore) -> dict[str, User]:
    """Create admin, inspector, engineer and manager users (all with :data:`PASSWORD`)."""
    admin = auth.add_user(
        store, None, name="admin", full_name="Ada Admin", role="admin", password=PASSWORD
    )
    users = {"admin": admin}
    for role, full in (
        ("inspector", "Ivo Inspector"),
        ("engineer", "Eva Engineer"),
        ("manager", "Max Manager"),
    ):
        users[role] = auth.add_user(
            store, admin, name=role[:3], full_name=full, role=role, password=PASSWORD
        )
    return users


def open_lot(store: SqliteStore, user: User, lot_no: str = "L1", **kw: object) -> lots.Lot:
    """Open a lot of the test part (1000 rings, level II, AQL 1.0 unless told)."""
    spec = lots.LotSpec(
        lot_no=lot_no,
        quantity=int(kw.pop("quantity", 1000)),  # type: ignore[call-overload]  # kw values are loosely typed test options
        customer=str(kw.pop("customer", "Fab One")),
        cure_quarter=str(kw.pop("cure_quarter", "4Q26")),
        **kw,  # type: ignore[arg-type]  # the remaining LotSpec fields, as given
    )
    return lots.open_lot(store, user, spec, recipe=recipe())


def make_image(folder: Path, index: int, *, tag: str = "") -> Path:
    """Write a small unique file standing in for a ring image; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ring{tag}{index:04d}.png"
    path.write_bytes(b"\x89PNG fake ring " + f"{tag}{index}".encode() * 50)
    return path


def make_result(
    path: Path,
    *,
    verdict: Verdict = Verdict.PASS,
    n_defects: int = 0,
    recipe_key: str | None = f"{PART}@1",
) -> InspectionResult:
    """Build a judged result for the file at ``path`` as the runner would."""
    data = path.read_bytes()
    defects = tuple(
        JudgedDefect(
            defect=Defect(
                type=list(DefectType)[i % len(DefectType)],
                where=Where.SURFACE,
                bbox=BBox(10 * i, 20, 5, 6),
                length_px=4.0 + i,
                width_px=2.0,
                area_px=8.0,
                angle_deg=30.0 * i,
                outline_px=np.zeros((0, 2)),
                score=5.0,
            ),
            length_mm=0.1 + i / 100,
            width_mm=0.05,
            area_mm2=0.004,
            reject=verdict is Verdict.FAIL,
            reason="too long" if verdict is Verdict.FAIL else None,
        )
        for i in range(n_defects)
    )
    error = "no ring found" if verdict is Verdict.ERROR else None
    return InspectionResult(
        image=str(path),
        verdict=verdict,
        reasons=(("scratch too long",) if verdict is Verdict.FAIL else ())
        + ((error,) if error else ()),
        error=error,
        scale=Scale(20.0, ScaleSource.CLI),
        inspection=None,
        dimensions=RingDimensions(32.05, 24.99, 3.53, 3.50, 3.56, 0.4),
        defects=defects,
        recipe=recipe_key,
        grade="fab@1",
        engine_version="engine-test-1",
        timing=Timing(3.0, 40.0),
        image_sha256=hashlib.sha256(data).hexdigest(),
    )
