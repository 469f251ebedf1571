"""The history filter as SQL conditions on ``inspections i``: one builder for every reader.

The history list (:func:`inspector.store.repo.history`), the desk's paged history
(:mod:`inspector.store.history_sql`) and the quality statistics
(:mod:`inspector.store.statistics_sql`) all select "the rings of this filter"; they must
mean the same rings, so they share these conditions. Each is written so an index of
:mod:`inspector.store.schema` serves it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["filter_conditions"]


def filter_conditions(
    *,
    time_from: str | None = None,
    time_to: str | None = None,
    customer: str | None = None,
    part: str | None = None,
    lot: str | None = None,
    station: str | None = None,
    operator: str | None = None,
    defect_type: str | None = None,
    verdict: str | None = None,
    review: str | None = None,
) -> tuple[list[str], list[Any]]:
    """Conditions (to be joined with ``AND``) and their parameters; None means any.

    Parameters
    ----------
    time_from, time_to : str, optional
        Stored UTC times; ``time_to`` is exclusive.
    customer, part, lot, station, operator, defect_type, verdict : str, optional
        Exact values; ``verdict`` is the final one (after reviews).
    review : str, optional
        ``"confirmed"``, ``"overruled"``, ``"reviewed"`` (either) or ``"none"``.
    """
    conditions: list[str] = []
    params: list[Any] = []
    if time_from is not None:
        conditions.append("i.time_utc >= ?")
        params.append(time_from)
    if time_to is not None:
        conditions.append("i.time_utc < ?")
        params.append(time_to)
    if customer is not None:
        conditions.append(
            "i.lot_id IN (SELECT l2.id FROM lots l2 JOIN customers c2 "
            "ON c2.id = l2.customer_id WHERE c2.name = ?)"
        )
        params.append(customer)
    if part is not None:
        conditions.append("i.lot_id IN (SELECT id FROM lots WHERE part = ?)")
        params.append(part)
    if lot is not None:
        conditions.append("i.lot_id = (SELECT id FROM lots WHERE lot_no = ?)")
        params.append(lot)
    if station is not None:
        conditions.append("i.station = ?")
        params.append(station)
    if operator is not None:
        conditions.append("i.operator_id = (SELECT id FROM users WHERE name = ?)")
        params.append(operator)
    if defect_type is not None:
        # Its own alias: the callers' queries may already call their defects "d".
        conditions.append(
            "EXISTS (SELECT 1 FROM defects dt WHERE dt.type = ? AND dt.inspection_id = i.id)"
        )
        params.append(defect_type)
    if verdict is not None:
        conditions.append("i.final_verdict = ?")
        params.append(verdict)
    if review == "none":
        conditions.append("i.review_outcome IS NULL")
    elif review == "reviewed":
        conditions.append("i.review_outcome IS NOT NULL")
    elif review is not None:
        conditions.append("i.review_outcome = ?")
        params.append(review)
    return conditions, params
