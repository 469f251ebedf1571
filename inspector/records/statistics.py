"""What the quality charts need, gathered from the records for a history filter.

:func:`gather` takes the same :class:`~inspector.records.history.HistoryFilter` as the
history table (its ``limit`` is the table's page size and does not apply here) and
returns :class:`QualityData`: counts aggregated in SQL, ready for
:mod:`inspector.quality_stats` and :mod:`inspector.quality_charts`. What counts is what a
certificate counts (:mod:`inspector.certificates.from_records`):

- rings *inspected*: final verdict pass or fail (rings the engine could not judge are
  counted apart as ``errors``); *nonconforming*: final verdict fail;
- *defects*: final call reject on a nonconforming ring, so overruled calls and the
  defects of rings overruled to pass are left out (their number is ``overruled_calls``);
  a nonconforming ring without a rejecting defect counts once as
  :data:`~inspector.certificates.from_records.OTHER_NONCONFORMITY`;
- *dimensions*: ID and CS of counted rings measured with a real scale (calibration or
  given); dimensions from the nominal-scale estimate are not measurements and are only
  counted (``unmeasured``). Dimensions are gathered only when the filter holds one part,
  since tolerances differ between parts; the limits are those of the lots' recipe
  snapshot.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from inspector.certificates.from_records import MEASURED_SCALE_SOURCES, OTHER_NONCONFORMITY
from inspector.imaging.results import DefectType
from inspector.recipes import Recipe, recipe_from_dict
from inspector.records.history import REVIEW_FILTERS, VERDICTS, HistoryFilter, sql_filters
from inspector.records.lots import LotError
from inspector.store import repo, statistics_sql
from inspector.store.sqlite import SqliteStore, Tx

__all__ = [
    "APPLIED_FIELDS",
    "DimensionData",
    "LotCounts",
    "QualityData",
    "describe",
    "gather",
]

#: The :class:`HistoryFilter` fields the statistics apply (``limit`` is the table's page
#: size). A field added to the filter must be added here and to the SQL, or :func:`gather`
#: refuses a filter that sets it rather than draw charts of other rings than the table's.
APPLIED_FIELDS = frozenset(
    {
        "date_from",
        "date_to",
        "customer",
        "part",
        "lot",
        "station",
        "operator",
        "defect_type",
        "verdict",
        "review",
        "limit",
    }
)


@dataclass(frozen=True)
class LotCounts:
    """One lot's rings within the filter."""

    lot_no: str
    part: str
    first_utc: str
    inspected: int
    nonconforming: int
    errors: int


@dataclass
class _LotSum:
    lot_no: str
    part: str
    recipe_id: int
    first_utc: str
    inspected: int = 0
    nonconforming: int = 0
    errors: int = 0


@dataclass(frozen=True)
class DimensionData:
    """Measured ID and CS of one part's rings, oldest first.

    Attributes
    ----------
    part : str
    recipe : str
        The recipe snapshot whose tolerances apply, ``"AS568-117@1"``.
    id_nominal_mm, id_tol_mm, cs_nominal_mm, cs_tol_mm : float
        Nominal and ± tolerance (mm).
    lots : tuple of str
        Lot numbers, in the order of their first ring.
    ring_lot : (n,) ndarray of int64
        Index into ``lots`` of each ring.
    id_mm, cs_mm : (n,) ndarray of float64
        NaN where the ring has no such measurement.
    note : str
        Empty, or why the limits may not fit every ring (lots on other recipe versions).
    """

    part: str
    recipe: str
    id_nominal_mm: float
    id_tol_mm: float
    cs_nominal_mm: float
    cs_tol_mm: float
    lots: tuple[str, ...]
    ring_lot: npt.NDArray[np.int64]
    id_mm: npt.NDArray[np.float64]
    cs_mm: npt.NDArray[np.float64]
    note: str = ""


@dataclass(frozen=True)
class QualityData:
    """Everything the quality charts draw for one filter (see the module docstring).

    Attributes
    ----------
    selection : HistoryFilter
    description : str
        The filter in words, for chart titles.
    inspected, nonconforming, errors : int
        Rings over the whole filter.
    lots : tuple of LotCounts
        In the order of their first ring.
    parts : tuple of str
        Parts of those lots, sorted.
    defects : mapping of str to int
        Defects as finally called, by type (and nonconforming rings without one).
    defects_by_day : mapping of (date, str) to int
    inspected_by_day : mapping of date to int
    overruled_calls : int
        Machine reject calls not counted because they or their ring were overruled.
    dimensions : DimensionData or None
        None when the filter spans several parts (or none).
    unmeasured : int
        Rings of the filter whose dimensions are nominal-scale estimates (left out).
    """

    selection: HistoryFilter
    description: str
    inspected: int
    nonconforming: int
    errors: int
    lots: tuple[LotCounts, ...]
    parts: tuple[str, ...]
    defects: Mapping[str, int] = field(default_factory=dict)
    defects_by_day: Mapping[tuple[date, str], int] = field(default_factory=dict)
    inspected_by_day: Mapping[date, int] = field(default_factory=dict)
    overruled_calls: int = 0
    dimensions: DimensionData | None = None
    unmeasured: int = 0


def describe(f: HistoryFilter) -> str:
    """The filter in a few words for a chart title: ``"lot L-117 · fail"`` or ``"all records"``."""
    parts: list[str] = []
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or '…'} to {f.date_to or 'now'}")
    for label, value in (
        ("customer", f.customer),
        ("part", f.part),
        ("lot", f.lot),
        ("station", f.station),
        ("operator", f.operator),
    ):
        if value:
            parts.append(f"{label} {value}")
    if f.defect_type:
        parts.append(f"rings with {f.defect_type}")
    if f.verdict:
        parts.append(f"verdict {f.verdict}")
    if f.review:
        parts.append("not reviewed" if f.review == "none" else f"review {f.review}")
    return " · ".join(parts) if parts else "all records"


def _check(f: HistoryFilter) -> None:
    default = HistoryFilter()
    for fld in dataclasses.fields(f):
        if fld.name not in APPLIED_FIELDS and getattr(f, fld.name) != getattr(default, fld.name):
            raise LotError(f"the charts cannot filter by {fld.name.replace('_', ' ')} yet")
    if f.defect_type and f.defect_type not in {t.value for t in DefectType}:
        raise LotError(f"'{f.defect_type}' is not a defect type")
    if f.verdict and f.verdict not in VERDICTS:
        raise LotError(f"verdict is one of {', '.join(VERDICTS)}, not '{f.verdict}'")
    if f.review and f.review not in REVIEW_FILTERS:
        raise LotError(f"review is one of {', '.join(REVIEW_FILTERS)}, not '{f.review}'")


def _where(f: HistoryFilter) -> statistics_sql.Where:
    return statistics_sql.where(**sql_filters(f))


def _recipe(tx: Tx, recipe_id: int) -> Recipe:
    row = repo.recipe_by_id(tx, recipe_id)
    if row is None:  # a foreign key guarantees it; a damaged database may not
        raise LotError(f"recipe {recipe_id} is missing from the records")
    return recipe_from_dict(json.loads(row["json"]))


def _dimensions(
    tx: Tx, w: statistics_sql.Where, part: str, lots: list[tuple[int, str, int]]
) -> DimensionData:
    """``lots``: (lot id, lot number, recipe id) in the order of their first ring."""
    recipes = {rid: _recipe(tx, rid) for rid in {rid for _, _, rid in lots}}
    # The newest snapshot (highest version, then latest row) sets the limits.
    rid = max(recipes, key=lambda r: (recipes[r].version, r))
    recipe = recipes[rid]
    limits = {(r.id_mm, r.id_tol_mm, r.cs_mm, r.cs_tol_mm) for r in recipes.values()}
    note = ""
    if len(limits) > 1:
        versions = ", ".join(sorted({recipes[r].key for r in recipes}))
        note = f"lots use recipes {versions} with different limits; limits of {recipe.key} shown"
    index = {lot_id: k for k, (lot_id, _, _) in enumerate(lots)}
    rows = statistics_sql.measured_dimensions(tx, w, MEASURED_SCALE_SOURCES)
    values = np.array([(r[1], r[2]) for r in rows], dtype=np.float64).reshape(-1, 2)
    ring_lot = np.array([index[int(r[0])] for r in rows], dtype=np.int64)
    return DimensionData(
        part=part,
        recipe=recipe.key,
        id_nominal_mm=recipe.id_mm,
        id_tol_mm=recipe.id_tol_mm,
        cs_nominal_mm=recipe.cs_mm,
        cs_tol_mm=recipe.cs_tol_mm,
        lots=tuple(no for _, no, _ in lots),
        ring_lot=ring_lot,
        id_mm=values[:, 0].copy(),
        cs_mm=values[:, 1].copy(),
        note=note,
    )


def gather(store: SqliteStore, f: HistoryFilter) -> QualityData:
    """Gather the quality statistics' data for the rings matching ``f`` (one snapshot).

    Raises
    ------
    LotError
        A filter value that cannot match anything, or a filter field the statistics do not
        apply.
    """
    _check(f)
    w = _where(f)
    with store.snapshot() as tx:
        lot_rows = statistics_sql.lot_day_counts(tx, w)
        day_rows = statistics_sql.defect_day_counts(tx, w)
        overruled = statistics_sql.overruled_calls(tx, w)
        per_lot: dict[int, _LotSum] = {}
        inspected_by_day: dict[date, int] = defaultdict(int)
        by_day: dict[tuple[date, str], int] = defaultdict(int)
        for r in lot_rows:
            lot = per_lot.setdefault(
                int(r["lot_id"]),
                _LotSum(str(r["lot_no"]), str(r["part"]), int(r["recipe_id"]), str(r["first_utc"])),
            )
            lot.first_utc = min(lot.first_utc, str(r["first_utc"]))
            lot.inspected += int(r["inspected"])
            lot.nonconforming += int(r["nonconforming"])
            lot.errors += int(r["errors"])
            day = date.fromisoformat(str(r["day"]))
            inspected_by_day[day] += int(r["inspected"])
            if int(r["other"]):
                by_day[(day, OTHER_NONCONFORMITY)] += int(r["other"])
        for r in day_rows:
            by_day[(date.fromisoformat(str(r["day"])), str(r["type"]))] += int(r["n"])
        order = sorted(per_lot, key=lambda k: (per_lot[k].first_utc, k))
        lots = tuple(
            LotCounts(
                per_lot[k].lot_no,
                per_lot[k].part,
                per_lot[k].first_utc,
                per_lot[k].inspected,
                per_lot[k].nonconforming,
                per_lot[k].errors,
            )
            for k in order
        )
        parts = tuple(sorted({lot.part for lot in lots}))
        dimensions = None
        unmeasured = 0
        if len(parts) == 1:
            keys = [(k, per_lot[k].lot_no, per_lot[k].recipe_id) for k in order]
            dimensions = _dimensions(tx, w, parts[0], keys)
            unmeasured = statistics_sql.unmeasured_rings(tx, w, MEASURED_SCALE_SOURCES)
    totals: dict[str, int] = defaultdict(int)
    for (_, kind), n in by_day.items():
        totals[kind] += n
    return QualityData(
        selection=f,
        description=describe(f),
        inspected=sum(lot.inspected for lot in lots),
        nonconforming=sum(lot.nonconforming for lot in lots),
        errors=sum(lot.errors for lot in lots),
        lots=lots,
        parts=parts,
        defects=dict(totals),
        defects_by_day=dict(by_day),
        inspected_by_day=dict(inspected_by_day),
        overruled_calls=overruled,
        dimensions=dimensions,
        unmeasured=unmeasured,
    )
