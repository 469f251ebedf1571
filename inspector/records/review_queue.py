"""The engineer's review queue: rings of open lots that need a person's eye, oldest first.

A ring is in the queue when its lot is still open (reviews are taken before the
disposition), the engine judged it (``error`` rings are imaged again, not reviewed), no
engineer has yet reviewed its *verdict*, and it is

- **failed**: the machine's verdict is fail; or
- **borderline**: the machine passed it, but what the records hold puts it near a limit:

  * an accepted defect reaches :data:`BORDERLINE_LIMIT_FRACTION` (70 %) of one of its
    grade limits (length, width or area), under the grade the ring was judged by; or
  * ID or CS, judged against tolerance (measured scale), lies in the outer
    :data:`BORDERLINE_BAND_FRACTION` (20 %) of its tolerance band, i.e. at least 80 % of
    the tolerance away from nominal.

A review of one defect does not take the ring out of the queue: the ring's verdict is
decided on its own (see :mod:`inspector.records.reviews`). Grades are shipped data
(``models/grades``); a ring judged by a grade version that is no longer shipped is checked
for borderline dimensions only, since its limits are not known any more.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from inspector.imaging.results import DefectType
from inspector.recipes import Grade, Recipe, RecipeError, load_grade, recipe_from_dict
from inspector.records.rings import DimensionStatus, check_dimensions
from inspector.store import review_sql
from inspector.store.sqlite import Row, SqliteStore

__all__ = [
    "BORDERLINE_BAND_FRACTION",
    "BORDERLINE_LIMIT_FRACTION",
    "DefectSizes",
    "QueueItem",
    "QueueReason",
    "borderline_defect",
    "borderline_dimension",
    "review_queue",
    "shipped_grade",
]

#: An accepted defect this close to a grade limit (size / limit) makes a passed ring
#: borderline: 70 % leaves room for the engine's sizing scatter of about ±20 %.
BORDERLINE_LIMIT_FRACTION = 0.70
#: A judged dimension in this outer fraction of its tolerance band (each side of nominal)
#: makes a passed ring borderline.
BORDERLINE_BAND_FRACTION = 0.20

# Float noise from px→mm must not move a value that sits exactly on a threshold.
_EPS = 1e-9


class QueueReason(StrEnum):
    """Why a ring is in the queue."""

    FAILED = "failed"
    BORDERLINE = "borderline"


@dataclass(frozen=True)
class QueueItem:
    """One ring waiting for review.

    Attributes
    ----------
    inspection_id : int
    lot_no, part : str
    seq : int
        The ring's number in its lot.
    time_utc : str
        When it was recorded (the queue's order).
    machine_verdict, final_verdict : str
    review_outcome : str or None
        Set when defects of the ring were already reviewed.
    n_defects : int
    reason : QueueReason
    why : tuple of str
        Why it is here, one line per finding: the machine's reasons for a failed ring,
        the near-limit findings for a borderline one.
    """

    inspection_id: int
    lot_no: str
    part: str
    seq: int
    time_utc: str
    machine_verdict: str
    final_verdict: str
    review_outcome: str | None
    n_defects: int
    reason: QueueReason
    why: tuple[str, ...]

    @property
    def key(self) -> str:
        """``"<lot>#<seq>"``, as the audit trail names a ring."""
        return f"{self.lot_no}#{self.seq}"


@dataclass(frozen=True)
class DefectSizes:
    """What the borderline rule reads of one recorded defect (sizes in mm, mm²)."""

    idx: int
    type: str
    angle_deg: float
    length_mm: float | None
    width_mm: float | None
    area_mm2: float | None
    final_reject: bool


@functools.lru_cache(maxsize=16)
def shipped_grade(key: str) -> Grade | None:
    """Return the shipped grade with this key (``"fab@1"``), or None.

    None when the name is unknown or ``models/grades`` now holds another version: the
    limits a ring was judged by are then not known.
    """
    name, _, version = key.rpartition("@")
    try:
        grade = load_grade(name or key)
    except RecipeError:
        return None
    return grade if not version or str(grade.version) == version else None


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def borderline_defect(defect: DefectSizes, grade: Grade, cs_nominal_mm: float | None) -> str | None:
    """Say why an accepted defect is near its grade limit, or return None.

    Parameters
    ----------
    defect : DefectSizes
    grade : Grade
        The grade the ring was judged by.
    cs_nominal_mm : float or None
        The part's nominal cross-section (picks the grade's band).

    Returns
    -------
    str or None
        ``"scratch 0.08 mm at 118° is 80 % of its 0.10 mm length limit"`` when the largest
        size / limit ratio reaches :data:`BORDERLINE_LIMIT_FRACTION`; None for a rejected
        defect, an unknown type, a type without size limits, or sizes not in mm.
    """
    if defect.final_reject:
        return None
    try:
        kind = DefectType(defect.type)
    except ValueError:
        return None
    rule = grade.rule_for(kind, cs_nominal_mm)
    if rule is None or rule.always_reject:
        return None
    best: tuple[float, str, float, str] | None = None
    for what, value, limit, unit in (
        ("length", defect.length_mm, rule.max_length_mm, "mm"),
        ("width", defect.width_mm, rule.max_width_mm, "mm"),
        ("area", defect.area_mm2, rule.max_area_mm2, "mm²"),
    ):
        if value is None or not limit:
            continue
        fraction = value / limit
        if best is None or fraction > best[0]:
            best = (fraction, what, limit, unit)
    if best is None or best[0] < BORDERLINE_LIMIT_FRACTION - _EPS:
        return None
    fraction, what, limit, unit = best
    value = {"length": defect.length_mm, "width": defect.width_mm, "area": defect.area_mm2}[what]
    name = defect.type.replace("_", "-")
    decimals = 3 if unit == "mm²" else 2
    return (
        f"#{defect.idx} {name} {what} {value:.{decimals}f} {unit} at "
        f"{defect.angle_deg % 360.0:.0f}° is {_pct(fraction)} of its {limit:g} {unit} limit"
    )


def borderline_dimension(
    label: str, value_mm: float, nominal_mm: float, tol_mm: float
) -> str | None:
    """Say why a dimension inside tolerance is near its edge, or return None.

    Returns
    -------
    str or None
        ``"ID 25.20 mm is 84 % of its tolerance from nominal (24.99 ± 0.25 mm)"`` when
        ``|value − nominal| ≥ (1 − BORDERLINE_BAND_FRACTION) × tol`` and the value is
        still within tolerance; None otherwise (out of tolerance is a failure, not
        borderline; a zero tolerance has no band).
    """
    if tol_mm <= 0:
        return None
    deviation = abs(value_mm - nominal_mm) / tol_mm
    if deviation > 1.0 + _EPS or deviation < 1.0 - BORDERLINE_BAND_FRACTION - _EPS:
        return None
    return (
        f"{label} {value_mm:.3f} mm is {_pct(deviation)} of its tolerance from nominal "
        f"({nominal_mm:g} ± {tol_mm:g} mm)"
    )


def _recipe(row: Row) -> Recipe | None:
    if row["recipe_json"] is None:
        return None
    try:
        return recipe_from_dict(json.loads(row["recipe_json"]), where="recipe snapshot")
    except (RecipeError, ValueError):
        return None


def _borderline(
    row: Row,
    defects: Sequence[DefectSizes],
    grade_for: Callable[[str], Grade | None],
) -> list[str]:
    recipe = _recipe(row)
    why: list[str] = []
    grade = grade_for(str(row["grade"])) if row["grade"] else None
    if grade is not None:
        cs_nominal = recipe.cs_mm if recipe is not None else None
        for d in defects:
            text = borderline_defect(d, grade, cs_nominal)
            if text is not None:
                why.append(text)
    checks = check_dimensions(
        od_mm=None,
        id_mm=row["id_mm"],
        cs_mm=row["cs_mm"],
        cs_min_mm=None,
        cs_max_mm=None,
        ovality_pct=None,
        recipe=recipe,
        scale_source=row["scale_source"],
    )
    for check in checks:
        # Only dimensions the judge held to tolerance (measured scale) can be borderline.
        if (
            check.status is not DimensionStatus.OK
            or check.value is None
            or check.nominal_mm is None
            or check.tol_mm is None
        ):
            continue
        text = borderline_dimension(check.label, check.value, check.nominal_mm, check.tol_mm)
        if text is not None:
            why.append(text)
    return why


def _reasons(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return (str(text),)
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def review_queue(
    store: SqliteStore, *, grade_for: Callable[[str], Grade | None] = shipped_grade
) -> list[QueueItem]:
    """Return every failed or borderline ring of open lots not yet reviewed, oldest first.

    Parameters
    ----------
    store : SqliteStore
    grade_for : callable, optional
        Grade key (``"fab@1"``) to the grade it names, or None when unknown; the shipped
        grades by default (tests pass their own).

    Returns
    -------
    list of QueueItem
        In recording order (time, then inspection id).
    """
    with store.snapshot() as tx:
        rows = review_sql.queue_candidates(tx)
        passed = [int(r["id"]) for r in rows if r["verdict"] == "pass" and r["n_defects"]]
        sizes: dict[int, list[DefectSizes]] = {}
        for d in review_sql.defects_of(tx, passed):
            sizes.setdefault(int(d["inspection_id"]), []).append(
                DefectSizes(
                    idx=int(d["idx"]),
                    type=str(d["type"]),
                    angle_deg=float(d["angle_deg"]),
                    length_mm=d["length_mm"],
                    width_mm=d["width_mm"],
                    area_mm2=d["area_mm2"],
                    final_reject=bool(d["final_reject"]),
                )
            )
    queue: list[QueueItem] = []
    for r in rows:
        rid = int(r["id"])
        if r["verdict"] == "fail":
            reason = QueueReason.FAILED
            why = _reasons(r["reasons"]) or ("failed",)
        else:
            found = _borderline(r, sizes.get(rid, ()), grade_for)
            if not found:
                continue
            reason, why = QueueReason.BORDERLINE, tuple(found)
        queue.append(
            QueueItem(
                inspection_id=rid,
                lot_no=str(r["lot_no"]),
                part=str(r["part"]),
                seq=int(r["seq"]),
                time_utc=str(r["time_utc"]),
                machine_verdict=str(r["verdict"]),
                final_verdict=str(r["final_verdict"]),
                review_outcome=r["review_outcome"],
                n_defects=int(r["n_defects"]),
                reason=reason,
                why=why,
            )
        )
    return queue
