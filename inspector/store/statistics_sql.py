"""SQL of the quality statistics: counts aggregated in SQLite, dimensions fetched by part.

The filter is the history's (:func:`inspector.store.repo.history`), written the same way
so an index serves each condition; the aggregation happens in SQL so a database of a
million defects answers in well under a second (``benchmarks/records_benchmark.py``
builds one): the defect counts walk only the failed rings (``inspections_verdict``) and
their defects (the ``(inspection_id, idx)`` key); the overruled calls walk only the
reviewed rings (``inspections_review``).

Days are the UTC date of ``time_utc`` (its first ten characters).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from inspector.store.history_filter import filter_conditions
from inspector.store.sqlite import Row, Tx

__all__ = [
    "Where",
    "defect_day_counts",
    "lot_day_counts",
    "measured_dimensions",
    "overruled_calls",
    "unmeasured_rings",
    "where",
]


@dataclass(frozen=True)
class Where:
    """Conditions on the inspections (alias ``i``), each starting with ``AND``."""

    sql: str
    params: tuple[Any, ...]


def where(**filters: str | None) -> Where:
    """The history's filter as conditions on ``inspections i`` (same meaning, same indexes).

    ``filters`` are those of :func:`inspector.store.history_filter.filter_conditions`
    (``time_from``, ``customer``, ``review`` …); None means any.
    """
    conds, params = filter_conditions(**filters)
    return Where("".join(f" AND {c}" for c in conds), tuple(params))


def lot_day_counts(tx: Tx, w: Where) -> list[Row]:
    """Per lot and UTC day: rings counted (final pass or fail), nonconforming (final fail),
    not judged (error), and failed rings without a rejecting defect (``other``).

    Columns: ``lot_id, lot_no, part, recipe_id, day, first_utc, inspected,
    nonconforming, errors, other``; ordered by lot id, then day.
    """
    return tx.all(
        "SELECT i.lot_id, l.lot_no, l.part, l.recipe_id, substr(i.time_utc, 1, 10) AS day, "
        "MIN(i.time_utc) AS first_utc, "
        "SUM(i.final_verdict IN ('pass', 'fail')) AS inspected, "
        "SUM(i.final_verdict = 'fail') AS nonconforming, "
        "SUM(i.final_verdict = 'error') AS errors, "
        # Only failed rings pay for the defect lookup (CASE evaluates lazily).
        "SUM(CASE WHEN i.final_verdict = 'fail' THEN NOT EXISTS (SELECT 1 FROM defects d "
        "WHERE d.inspection_id = i.id AND d.final_reject = 1) ELSE 0 END) AS other "
        f"FROM inspections i JOIN lots l ON l.id = i.lot_id WHERE 1 = 1{w.sql} "
        "GROUP BY i.lot_id, day ORDER BY i.lot_id, day",
        w.params,
    )


def defect_day_counts(tx: Tx, w: Where) -> list[Row]:
    """Defects as finally called, per UTC day and type: ``day, type, n``.

    A defect counts when its final call is reject on a ring whose final verdict is fail
    (as on a certificate): overruled calls and the defects of rings overruled to pass are
    not counted.
    """
    return tx.all(
        "SELECT substr(i.time_utc, 1, 10) AS day, d.type, COUNT(*) AS n "
        "FROM inspections i JOIN defects d ON d.inspection_id = i.id "
        f"WHERE i.final_verdict = 'fail' AND d.final_reject = 1{w.sql} "
        "GROUP BY day, d.type",
        w.params,
    )


def overruled_calls(tx: Tx, w: Where) -> int:
    """Machine reject calls no longer counted: the call or its ring was overruled.

    Only reviewed rings can hold one (a machine reject fails the ring, and any review sets
    the ring's ``review_outcome``), so only those are visited.
    """
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM inspections i JOIN defects d ON d.inspection_id = i.id "
            "WHERE i.review_outcome IN ('confirmed', 'overruled') AND d.reject = 1 "
            f"AND NOT (d.final_reject = 1 AND i.final_verdict = 'fail'){w.sql}",
            w.params,
        )
        or 0
    )


def _sources(sources: Collection[str]) -> tuple[str, tuple[str, ...]]:
    ordered = tuple(sorted(sources))
    return ", ".join("?" for _ in ordered), ordered


def measured_dimensions(tx: Tx, w: Where, sources: Collection[str]) -> list[Row]:
    """ID and CS (mm) of counted rings measured with a scale from ``sources``, oldest
    first: ``lot_id, id_mm, cs_mm`` (either may be NULL)."""
    marks, values = _sources(sources)
    return tx.all(
        "SELECT i.lot_id, i.id_mm, i.cs_mm FROM inspections i "
        f"WHERE i.scale_source IN ({marks}) AND i.final_verdict IN ('pass', 'fail'){w.sql} "
        "AND (i.id_mm IS NOT NULL OR i.cs_mm IS NOT NULL) ORDER BY i.time_utc, i.id",
        (*values, *w.params),
    )


def unmeasured_rings(tx: Tx, w: Where, sources: Collection[str]) -> int:
    """Counted rings with dimensions taken on a scale not in ``sources`` (estimates)."""
    marks, values = _sources(sources)
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM inspections i WHERE i.final_verdict IN ('pass', 'fail') "
            f"AND (i.scale_source IS NULL OR i.scale_source NOT IN ({marks})){w.sql} "
            "AND (i.id_mm IS NOT NULL OR i.cs_mm IS NOT NULL)",
            (*values, *w.params),
        )
        or 0
    )
