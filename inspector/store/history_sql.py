"""SQL of the desk's defect history: keyset pages, counts and the filter's choices.

The history table pages through up to millions of inspections. A page is asked for with the
sort key of the last row already shown (keyset pagination): ``WHERE (key…, id) < (last…)
ORDER BY key… DESC, id DESC LIMIT n``. SQLite compares the row value against an index that
starts with the same columns, so a page deep in the table costs what the first one costs;
``OFFSET`` would walk every row before it.

Which index serves which sort (``EXPLAIN QUERY PLAN`` on the 300,000-inspection benchmark
database; see ``benchmarks/history_view_benchmark.py``):

==============  ===========================  ==============================================
sort            keys (then ``i.id``)         plan
==============  ===========================  ==============================================
time            time_utc                     ``inspections_time`` range
lot             lot_no, seq                  lots by ``lot_no``, then ``(lot_id, seq)``
part            part, time_utc               ``lots_part``, then ``(lot_id, seq)``; sorts
                                             within a part (~20 ms a page)
station         station, time_utc            ``inspections_station`` range
operator        operator name, time_utc      users by name, then ``inspections_operator``
verdict         final_verdict, time_utc      ``inspections_verdict`` range
review          review_outcome, time_utc     ``inspections_review`` range
customer        name, lot_no, seq            sorts every row: the customer is reached
                                             through a LEFT JOIN (~100-160 ms a page)
machine         verdict, time_utc            no index: sorts every row (~150-650 ms a
verdict                                      page); the desk does not offer it
ID, CS          id_mm / cs_mm, time_utc      no index: as above
==============  ===========================  ==============================================

A row value holding NULL compares as unknown, so a sort whose first key may be NULL (customer,
review outcome, ID, CS) walks the NULL rows and the others as two ranges; keys stay bare
columns so that an index on them can serve the order.

The filters are those of :func:`inspector.store.repo.history` (same SQL, same indexes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inspector.store.history_filter import filter_conditions
from inspector.store.sqlite import Row, Tx

__all__ = [
    "SORT_KEYS",
    "count",
    "customers_and_parts",
    "date_span",
    "defects_of",
    "distinct_stations",
    "operator_names",
    "page",
]

#: The key expressions of each sort, in order; the inspection id always breaks ties.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "time": ("i.time_utc",),
    "lot": ("l.lot_no", "i.seq"),
    "part": ("l.part", "i.time_utc"),
    "customer": ("c.name", "l.lot_no", "i.seq"),
    "station": ("i.station", "i.time_utc"),
    "operator": ("u.name", "i.time_utc"),
    "machine_verdict": ("i.verdict", "i.time_utc"),
    "verdict": ("i.final_verdict", "i.time_utc"),
    "review": ("i.review_outcome", "i.time_utc"),
    "id_mm": ("i.id_mm", "i.time_utc"),
    "cs_mm": ("i.cs_mm", "i.time_utc"),
}

#: Sorts whose first key may be NULL (SQLite orders NULL below every value): pages cross
#: between the NULL and the non-NULL rows in two steps, since a row value holding NULL
#: compares as unknown.
NULLABLE_FIRST = frozenset({"customer", "review", "id_mm", "cs_mm"})

_SELECT = (
    "SELECT i.id, i.time_utc, l.lot_no, l.part, c.name AS customer, i.station, "
    "u.name AS operator, i.seq, i.image_name, i.image_sha256, i.verdict, i.final_verdict, "
    "i.review_outcome, i.n_defects, i.id_mm, i.cs_mm, i.engine_version"
)
_FROM = (
    " FROM inspections i JOIN lots l ON l.id = i.lot_id "
    "LEFT JOIN customers c ON c.id = l.customer_id JOIN users u ON u.id = i.operator_id"
)


def page(
    tx: Tx,
    filters: dict[str, Any],
    *,
    sort: str = "time",
    descending: bool = True,
    after: Sequence[Any] | None = None,
    limit: int = 500,
) -> list[Row]:
    """Return up to ``limit`` inspections matching ``filters`` after the keyset ``after``.

    Parameters
    ----------
    tx : Tx
    filters : dict
        ``time_from``, ``time_to`` (stored time form), ``customer``, ``part``, ``lot``,
        ``station``, ``operator``, ``defect_type``, ``verdict``, ``review``; absent or None
        means any.
    sort : str
        A key of :data:`SORT_KEYS`.
    descending : bool
    after : sequence, optional
        The ``sort_key`` column values of the last row of the previous page, then its id.
    limit : int

    Returns
    -------
    list of Row
        The columns of ``repo.history`` plus ``k0``, ``k1``… (the sort key values).
    """
    keys = (*SORT_KEYS[sort], "i.id")
    where, params = filter_conditions(**filters)
    op = "<" if descending else ">"
    direction = " DESC" if descending else ""
    order = ", ".join(f"{k}{direction}" for k in keys)
    key_cols = "".join(f", {k} AS k{n}" for n, k in enumerate(keys[:-1]))

    def run(extra: list[str], extra_params: list[Any], n: int) -> list[Row]:
        terms = where + extra
        clause = f" WHERE {' AND '.join(terms)}" if terms else ""
        return tx.all(
            f"{_SELECT}{key_cols}{_FROM}{clause} ORDER BY {order} LIMIT ?",
            [*params, *extra_params, n],
        )

    def keyset(columns: Sequence[str], values: Sequence[Any]) -> str:
        return f"({', '.join(columns)}) {op} ({', '.join('?' * len(values))})"

    if after is None:
        return run([], [], limit)
    if len(after) != len(keys):
        raise ValueError(f"a {sort} keyset has {len(keys)} values, got {len(after)}")
    values = list(after)
    if sort not in NULLABLE_FIRST:
        return run([keyset(keys, values)], values, limit)
    first = keys[0]
    if values[0] is None:
        # Inside the NULL rows: first in ascending order, then every non-NULL row follows.
        steps = [([f"{first} IS NULL", keyset(keys[1:], values[1:])], values[1:])]
        if not descending:
            steps.append(([f"{first} IS NOT NULL"], []))
    else:
        # Among the values: in descending order the NULL rows come after the last value.
        steps = [([keyset(keys, values)], values)]
        if descending:
            steps.append(([f"{first} IS NULL"], []))
    rows: list[Row] = []
    for extra, extra_params in steps:
        rows += run(extra, extra_params, limit - len(rows))
        if len(rows) >= limit:
            break
    return rows


def count(tx: Tx, filters: dict[str, Any]) -> int:
    """Return how many inspections match ``filters``."""
    where, params = filter_conditions(**filters)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    # Only the filters' own tables: the joins of a page add nothing to a count.
    return int(tx.scalar(f"SELECT count(*) FROM inspections i{clause}", params))


def defects_of(tx: Tx, inspection_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Return ``type``, ``reject``, ``final_reject`` of each inspection's defects, by index."""
    out: dict[int, list[Row]] = {}
    ids = list(inspection_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in tx.all(
            "SELECT inspection_id, type, reject, final_reject FROM defects "
            f"WHERE inspection_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY inspection_id, idx",
            chunk,
        ):
            out.setdefault(int(r["inspection_id"]), []).append(r)
    return out


def distinct_stations(tx: Tx) -> list[str]:
    """Return every station that recorded an inspection, by name.

    A loose index scan over ``inspections_station``: one index seek per station instead of
    reading every inspection.
    """
    rows = tx.all(
        "WITH RECURSIVE s(name) AS ("
        " SELECT min(station) FROM inspections"
        " UNION ALL SELECT (SELECT min(station) FROM inspections WHERE station > s.name)"
        " FROM s WHERE s.name IS NOT NULL"
        ") SELECT name FROM s WHERE name IS NOT NULL"
    )
    return [str(r[0]) for r in rows]


def operator_names(tx: Tx) -> list[str]:
    """Return the names of users who recorded an inspection, by name (loose index scan)."""
    rows = tx.all(
        "WITH RECURSIVE s(uid) AS ("
        " SELECT min(operator_id) FROM inspections"
        " UNION ALL SELECT (SELECT min(operator_id) FROM inspections WHERE operator_id > s.uid)"
        " FROM s WHERE s.uid IS NOT NULL"
        ") SELECT u.name FROM s JOIN users u ON u.id = s.uid ORDER BY u.name"
    )
    return [str(r[0]) for r in rows]


def date_span(tx: Tx) -> tuple[str | None, str | None]:
    """Return the first and last inspection time (stored form), or Nones when empty."""
    row = tx.one("SELECT min(time_utc), max(time_utc) FROM inspections")
    return (None, None) if row is None else (row[0], row[1])


def customers_and_parts(tx: Tx) -> tuple[list[str], list[str], list[str]]:
    """Return the customer names, parts and lot numbers of every lot, each sorted."""
    customers = [str(r[0]) for r in tx.all("SELECT name FROM customers ORDER BY name")]
    parts = [str(r[0]) for r in tx.all("SELECT DISTINCT part FROM lots ORDER BY part")]
    lots = [str(r[0]) for r in tx.all("SELECT lot_no FROM lots ORDER BY lot_no DESC")]
    return customers, parts, lots
