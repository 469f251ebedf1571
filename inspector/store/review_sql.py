"""SQL for one recorded ring and for the engineer's review queue.

Beside :mod:`inspector.store.repo` (same conventions: a ``Tx`` and plain values in, rows
out) so the desk's reading of rings does not crowd the repository every service shares.
Every statement is served by an existing index: ``inspections`` by primary key or
``(lot_id, seq)``, ``defects`` by ``(inspection_id, idx)``, ``reviews`` by
``reviews_inspection``.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspector.store.sqlite import Row, Tx

__all__ = [
    "defects_of",
    "inspection_id_by_seq",
    "queue_candidates",
    "reviews_of",
    "ring_rows",
]

# A ring with everything the desk shows beside it: lot, operator and the recipe snapshot.
_RING_SELECT = (
    "SELECT i.*, l.lot_no, l.part, l.status AS lot_status, c.name AS customer, "
    "u.name AS operator, r.json AS recipe_json, r.sha256 AS recipe_sha256 "
    "FROM inspections i JOIN lots l ON l.id = i.lot_id "
    "LEFT JOIN customers c ON c.id = l.customer_id JOIN users u ON u.id = i.operator_id "
    "LEFT JOIN recipes r ON r.id = i.recipe_id"
)

# SQLite's default limit on host parameters is 999 in old builds; stay well under it.
_CHUNK = 500


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    items = list(ids)
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def ring_rows(tx: Tx, inspection_ids: Sequence[int]) -> list[Row]:
    """Return the given inspections with lot, customer, operator and recipe snapshot.

    Rows come in no particular order; ids that do not exist are simply missing.
    """
    out: list[Row] = []
    for chunk in _chunks(inspection_ids):
        out.extend(tx.all(f"{_RING_SELECT} WHERE i.id IN ({_marks(chunk)})", chunk))
    return out


def inspection_id_by_seq(tx: Tx, lot_no: str, seq: int) -> int | None:
    """Return the id of ring ``seq`` of lot ``lot_no``, or None."""
    value = tx.scalar(
        "SELECT i.id FROM inspections i JOIN lots l ON l.id = i.lot_id "
        "WHERE l.lot_no = ? AND i.seq = ?",
        (lot_no, seq),
    )
    return None if value is None else int(value)


def defects_of(tx: Tx, inspection_ids: Sequence[int]) -> list[Row]:
    """Return every defect of the given inspections, by inspection and index."""
    out: list[Row] = []
    for chunk in _chunks(inspection_ids):
        out.extend(
            tx.all(
                f"SELECT * FROM defects WHERE inspection_id IN ({_marks(chunk)}) "
                "ORDER BY inspection_id, idx",
                chunk,
            )
        )
    return out


def reviews_of(tx: Tx, inspection_ids: Sequence[int]) -> list[Row]:
    """Return every review of the given inspections, oldest first, with the reviewer's
    name and the reviewed defect's index (None for a ring review)."""
    out: list[Row] = []
    for chunk in _chunks(inspection_ids):
        out.extend(
            tx.all(
                "SELECT v.*, u.name AS reviewer, u.full_name AS reviewer_full_name, "
                "d.idx AS defect_idx FROM reviews v JOIN users u ON u.id = v.reviewer_id "
                "LEFT JOIN defects d ON d.id = v.defect_id "
                f"WHERE v.inspection_id IN ({_marks(chunk)}) ORDER BY v.id",
                chunk,
            )
        )
    return out


def queue_candidates(tx: Tx) -> list[Row]:
    """Return every judged ring of an open lot with no ring review yet, oldest first.

    A defect review alone leaves the ring here: the ring's verdict is decided on its own
    (see :mod:`inspector.records.reviews`). Rings the engine could not judge (``error``)
    cannot be reviewed, only imaged again, so they are left out.
    """
    return tx.all(
        "SELECT i.id, i.seq, i.time_utc, i.verdict, i.final_verdict, i.review_outcome, "
        "i.reasons, i.grade, i.scale_source, i.id_mm, i.cs_mm, i.n_defects, "
        "l.lot_no, l.part, r.json AS recipe_json "
        "FROM inspections i JOIN lots l ON l.id = i.lot_id "
        "LEFT JOIN recipes r ON r.id = i.recipe_id "
        "WHERE l.status = 'open' AND i.verdict != 'error' "
        "AND NOT EXISTS (SELECT 1 FROM reviews v "
        "WHERE v.inspection_id = i.id AND v.defect_id IS NULL) "
        "ORDER BY i.time_utc, i.id"
    )
