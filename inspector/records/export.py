"""A lot's records for export: one :class:`RingRecord` per ring and a lot summary.

The CLI (``inspector export lot``) turns these into CSV or JSON; nothing here formats.
Times are the records' ISO 8601 UTC text, lengths in mm.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from inspector.certificates.model import dimension_stats
from inspector.records.lots import Lot, Progress, lot_in, progress_in
from inspector.store import repo
from inspector.store.sqlite import Row, SqliteStore

__all__ = [
    "DefectRecord",
    "LotExport",
    "RingRecord",
    "defect_fields",
    "lot_export",
    "ring_fields",
]


@dataclass(frozen=True)
class DefectRecord:
    """One defect on a ring: the machine's call and the call after reviews."""

    idx: int
    type: str
    location: str
    length_mm: float | None
    width_mm: float | None
    machine_reject: bool
    final_reject: bool


@dataclass(frozen=True)
class RingRecord:
    """One recorded ring.

    ``review_outcome`` is None when no engineer reviewed it; dimensions are None when the
    engine could not measure the ring.
    """

    seq: int
    image_name: str
    image_sha256: str
    time_utc: str
    station: str
    operator: str
    machine_verdict: str
    review_outcome: str | None
    final_verdict: str
    od_mm: float | None
    id_mm: float | None
    cs_mm: float | None
    cs_min_mm: float | None
    cs_max_mm: float | None
    ovality_pct: float | None
    px_per_mm: float | None
    engine_version: str
    defects: tuple[DefectRecord, ...]


@dataclass(frozen=True)
class LotExport:
    """A lot, where it stands, its decisions and every ring."""

    lot: Lot
    progress: Progress
    dispositions: tuple[dict[str, Any], ...]
    signatures: tuple[dict[str, Any], ...]
    certificates: tuple[str, ...]
    rings: tuple[RingRecord, ...]

    def summary(self) -> dict[str, Any]:
        """Return the lot summary as JSON-ready values (counts, defects by type, ID/CS stats)."""
        counted = [r for r in self.rings if r.final_verdict in ("pass", "fail")]
        # As on the certificate: rejecting defects (after reviews) of nonconforming rings.
        defects: Counter[str] = Counter(
            d.type
            for r in counted
            if r.final_verdict == "fail"
            for d in r.defects
            if d.final_reject
        )
        recipe = self.lot.recipe
        dims = {}
        for name, nominal, tol, values in (
            ("id", recipe.id_mm, recipe.id_tol_mm, [r.id_mm for r in counted]),
            ("cs", recipe.cs_mm, recipe.cs_tol_mm, [r.cs_mm for r in counted]),
        ):
            measured = tuple(v for v in values if v is not None)
            st = dimension_stats(measured, lsl=nominal - tol, usl=nominal + tol)
            dims[f"{name}_mm"] = {
                "nominal": nominal,
                "tolerance": tol,
                "n": st.n,
                "mean": st.mean,
                "min": st.minimum,
                "max": st.maximum,
                "std": st.std,
                "cpk": st.cpk,
            }
        p = self.progress
        return {
            "rings_recorded": len(self.rings),
            "inspected": p.inspected,
            "required": p.required,
            "nonconforming": p.nonconforming,
            "not_judged": p.errors,
            "reviewed": sum(1 for r in self.rings if r.review_outcome is not None),
            "decision": p.decision,
            "rejecting_defects_by_type": dict(sorted(defects.items())),
            "dimensions": dims,
            "dispositions": list(self.dispositions),
            "signatures": list(self.signatures),
            "certificates": list(self.certificates),
        }


def defect_fields(d: Row) -> dict[str, Any]:
    """The :class:`DefectRecord` fields of a ``defects`` row, by name.

    :class:`inspector.records.rings.RingDefect` extends the record, so it reads its
    inherited fields here too: one place says how a column becomes a field.
    """
    return {
        "idx": int(d["idx"]),
        "type": str(d["type"]),
        "location": str(d["location"]),
        "length_mm": d["length_mm"],
        "width_mm": d["width_mm"],
        "machine_reject": bool(d["reject"]),
        "final_reject": bool(d["final_reject"]),
    }


def ring_fields(r: Row) -> dict[str, Any]:
    """The :class:`RingRecord` fields of an ``inspections`` row by name, all but ``defects``.

    As :func:`defect_fields`, for :class:`inspector.records.rings.RingRecord` too.
    """
    return {
        "seq": int(r["seq"]),
        "image_name": str(r["image_name"]),
        "image_sha256": str(r["image_sha256"]),
        "time_utc": str(r["time_utc"]),
        "station": str(r["station"]),
        "operator": str(r["operator"]),
        "machine_verdict": str(r["verdict"]),
        "review_outcome": r["review_outcome"],
        "final_verdict": str(r["final_verdict"]),
        "od_mm": r["od_mm"],
        "id_mm": r["id_mm"],
        "cs_mm": r["cs_mm"],
        "cs_min_mm": r["cs_min_mm"],
        "cs_max_mm": r["cs_max_mm"],
        "ovality_pct": r["ovality_pct"],
        "px_per_mm": r["px_per_mm"],
        "engine_version": str(r["engine_version"]),
    }


def lot_export(store: SqliteStore, lot_no: str) -> LotExport:
    """Return every record of lot ``lot_no``, read from one consistent state.

    Raises
    ------
    LotError
        No such lot.
    """
    with store.snapshot() as tx:
        lot = lot_in(tx, lot_no)
        prog = progress_in(tx, lot)
        defects: dict[int, list[DefectRecord]] = {}
        for d in repo.defects_of_lot(tx, lot.id):
            defects.setdefault(int(d["inspection_id"]), []).append(DefectRecord(**defect_fields(d)))
        rings = tuple(
            RingRecord(**ring_fields(r), defects=tuple(defects.get(int(r["id"]), [])))
            for r in repo.inspections_of(tx, lot.id)
        )
        dispositions = tuple(
            {
                "decision": d["decision"],
                "inspected": d["inspected"],
                "nonconforming": d["nonconforming"],
                "by": d["by_name"],
                "time_utc": d["time_utc"],
                "reason": d["reason"],
            }
            for d in repo.dispositions_of(tx, lot.id)
        )
        signatures = tuple(
            {
                "printed_name": s["printed_name"],
                "role": s["role"],
                "meaning": s["meaning"],
                "time_utc": s["time_utc"],
                "content_sha256": s["content_sha256"],
            }
            for s in repo.signatures_of(tx, lot.id)
        )
        certificates = tuple(str(c["number"]) for c in repo.certificates_of(tx, lot.id))
    return LotExport(lot, prog, dispositions, signatures, certificates, rings)
