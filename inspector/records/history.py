"""The inspection history: every recorded ring, filtered the ways the GUI and CLI ask.

Filters combine with AND: a UTC date or time range, customer, part, lot, station,
operator, defect type, verdict (final, after reviews) and review outcome. :func:`query`
returns the newest rows, at most ``limit``; the desk's table pages through the whole result
with :func:`page` (keyset pagination, any sortable column), counts it with :func:`count` and
exports it with :func:`export_csv_chunk`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from inspector.imaging.results import DefectType
from inspector.records.lots import LotError
from inspector.store import history_sql, repo
from inspector.store.sqlite import Row, SqliteStore

__all__ = [
    "CSV_COLUMNS",
    "REVIEW_FILTERS",
    "VERDICTS",
    "HistoryChoices",
    "HistoryFilter",
    "HistoryPage",
    "HistoryRow",
    "HistorySort",
    "SortKey",
    "choices",
    "count",
    "export_csv_chunk",
    "page",
    "parse_when",
    "query",
    "sql_filters",
]

REVIEW_FILTERS = ("confirmed", "overruled", "reviewed", "none")
VERDICTS = ("pass", "fail", "error")


def parse_when(text: str, *, end: bool = False) -> str:
    """Turn ``2026-11-27`` or ``2026-11-27T08:00`` (UTC) into the stored time form.

    With ``end``, a bare date means the end of that day (the range includes it).

    Raises
    ------
    LotError
        Not a date or date-time.
    """
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if end:
                when += timedelta(days=1)
        else:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except ValueError:
        raise LotError(
            f"'{text}' is not a date (2026-11-27) or UTC time (2026-11-27T08:00)"
        ) from None
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class HistoryFilter:
    """What to look for; None (or empty) means any."""

    date_from: str | None = None
    date_to: str | None = None
    customer: str | None = None
    part: str | None = None
    lot: str | None = None
    station: str | None = None
    operator: str | None = None
    defect_type: str | None = None
    verdict: str | None = None
    review: str | None = None
    limit: int = 1000


@dataclass(frozen=True)
class HistoryRow:
    """One recorded ring as the history lists it."""

    time_utc: str
    lot: str
    seq: int
    part: str
    customer: str
    station: str
    operator: str
    image: str
    image_sha256: str
    machine_verdict: str
    verdict: str
    review: str
    defects: tuple[str, ...] = field(default=())
    id_mm: float | None = None
    cs_mm: float | None = None
    engine_version: str = ""
    #: The record's id (the desk opens the ring by it); 0 when not known.
    inspection_id: int = 0
    #: Types of the defects whose call a review overruled, in defect order.
    overruled_defects: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values."""
        out = asdict(self)
        out["defects"] = list(self.defects)
        out["overruled_defects"] = list(self.overruled_defects)
        return out

    @property
    def overruled(self) -> bool:
        """True when a review overruled the ring or one of its defect calls."""
        return self.review == "overruled" or bool(self.overruled_defects)


def _check(f: HistoryFilter) -> None:
    if f.defect_type is not None and f.defect_type not in {t.value for t in DefectType}:
        known = ", ".join(t.value for t in DefectType)
        raise LotError(f"'{f.defect_type}' is not a defect type (known: {known})")
    if f.verdict is not None and f.verdict not in VERDICTS:
        raise LotError(f"verdict is one of {', '.join(VERDICTS)}, not '{f.verdict}'")
    if f.review is not None and f.review not in REVIEW_FILTERS:
        raise LotError(f"review is one of {', '.join(REVIEW_FILTERS)}, not '{f.review}'")
    if f.limit < 1:
        raise LotError(f"limit must be at least 1, got {f.limit}")


def query(store: SqliteStore, f: HistoryFilter) -> list[HistoryRow]:
    """Return the recorded rings matching ``f``, newest first.

    Raises
    ------
    LotError
        A filter value that cannot match anything (unknown defect type, verdict, date).
    """
    filters = _sql_filters(f)
    with store.snapshot() as tx:
        rows = repo.history(tx, **filters, limit=f.limit)
        types = repo.defect_types_of(tx, [int(r["id"]) for r in rows if r["n_defects"]])
    return [_row(r, tuple(types.get(int(r["id"]), ()))) for r in rows]


# --- the desk: pages, counts, choices, export, thumbnails ---------------------------------


class SortKey(StrEnum):
    """The columns the history can be sorted by (each with its own SQL keys)."""

    TIME = "time"
    LOT = "lot"
    PART = "part"
    CUSTOMER = "customer"
    STATION = "station"
    OPERATOR = "operator"
    MACHINE_VERDICT = "machine_verdict"
    VERDICT = "verdict"
    REVIEW = "review"
    ID_MM = "id_mm"
    CS_MM = "cs_mm"


@dataclass(frozen=True)
class HistorySort:
    """The order of the history: a column and a direction (newest first by default)."""

    key: SortKey = SortKey.TIME
    descending: bool = True


@dataclass(frozen=True)
class HistoryPage:
    """One page of the history.

    Attributes
    ----------
    rows : tuple of HistoryRow
    after : tuple or None
        The keyset to ask for the next page with; None when this page was the last.
    """

    rows: tuple[HistoryRow, ...]
    after: tuple[Any, ...] | None


@dataclass(frozen=True)
class HistoryChoices:
    """The values the desk's filter combos offer, read from the records."""

    customers: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    lots: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    defect_types: tuple[str, ...] = tuple(t.value for t in DefectType)
    first_utc: str | None = None
    last_utc: str | None = None


#: The columns of a history CSV, from the CLI (``inspector history --csv``) or the desk.
CSV_COLUMNS = (
    "time_utc",
    "lot",
    "seq",
    "part",
    "customer",
    "station",
    "operator",
    "image",
    "machine_verdict",
    "verdict",
    "review",
    "defects",
    "overruled_defects",
    "id_mm",
    "cs_mm",
    "engine_version",
    "image_sha256",
    "inspection_id",
)


def sql_filters(f: HistoryFilter) -> dict[str, Any]:
    """The filter as keyword arguments of the history's SQL, without checking its values.

    :func:`inspector.store.repo.history`, :mod:`inspector.store.history_sql` and
    :func:`inspector.store.statistics_sql.where` take these, so the table, its pages and
    the quality charts select the same rings for one filter. ``limit`` is not among them.

    Raises
    ------
    LotError
        A date that is not a date.
    """
    return {
        "time_from": None if not f.date_from else parse_when(f.date_from),
        "time_to": None if not f.date_to else parse_when(f.date_to, end=True),
        "customer": f.customer or None,
        "part": f.part or None,
        "lot": f.lot or None,
        "station": f.station or None,
        "operator": f.operator or None,
        "defect_type": f.defect_type or None,
        "verdict": f.verdict or None,
        "review": f.review or None,
    }


def _sql_filters(f: HistoryFilter) -> dict[str, Any]:
    _check(f)
    return sql_filters(f)


def _row(r: Row, defects: tuple[str, ...], overruled: tuple[str, ...] = ()) -> HistoryRow:
    """One history row from a row of :func:`repo.history` or :func:`history_sql.page`.

    Parameters
    ----------
    r : Row
        The inspection with its lot's number, part and customer.
    defects : tuple of str
        The types of its defects, in defect order.
    overruled : tuple of str
        The types of the defects whose call a review overruled.
    """
    return HistoryRow(
        time_utc=str(r["time_utc"]),
        lot=str(r["lot_no"]),
        seq=int(r["seq"]),
        part=str(r["part"]),
        customer=r["customer"] or "",
        station=str(r["station"]),
        operator=str(r["operator"]),
        image=str(r["image_name"]),
        image_sha256=str(r["image_sha256"]),
        machine_verdict=str(r["verdict"]),
        verdict=str(r["final_verdict"]),
        review=r["review_outcome"] or "",
        defects=defects,
        id_mm=r["id_mm"],
        cs_mm=r["cs_mm"],
        engine_version=str(r["engine_version"]),
        inspection_id=int(r["id"]),
        overruled_defects=overruled,
    )


def _rows(rows: Sequence[Row], defects: dict[int, list[Row]]) -> list[HistoryRow]:
    out = []
    for r in rows:
        own = defects.get(int(r["id"]), [])
        out.append(
            _row(
                r,
                tuple(str(d["type"]) for d in own),
                tuple(str(d["type"]) for d in own if int(d["reject"]) != int(d["final_reject"])),
            )
        )
    return out


def page(
    store: SqliteStore,
    f: HistoryFilter,
    sort: HistorySort = HistorySort(),
    *,
    after: Sequence[Any] | None = None,
    size: int = 500,
) -> HistoryPage:
    """Return the next ``size`` rings matching ``f`` in ``sort`` order after ``after``.

    ``f.limit`` is ignored: pages walk the whole result. Ask for the first page with
    ``after=None`` and for each next one with the previous page's ``after``; rows recorded
    meanwhile ahead of the keyset do not shift the pages (no row is shown twice).

    Raises
    ------
    LotError
        A filter value that cannot match anything (unknown defect type, verdict, date).
    """
    if size < 1:
        raise LotError(f"a page holds at least 1 row, got {size}")
    filters = _sql_filters(f)
    with store.snapshot() as tx:
        # One row more than asked says whether another page follows without a second query.
        rows = history_sql.page(
            tx,
            filters,
            sort=sort.key.value,
            descending=sort.descending,
            after=None if after is None else list(after),
            limit=size + 1,
        )
        more = len(rows) > size
        rows = rows[:size]
        defects = history_sql.defects_of(tx, [int(r["id"]) for r in rows if r["n_defects"]])
    cursor: tuple[Any, ...] | None = None
    if more and rows:
        last = rows[-1]
        n_keys = len(history_sql.SORT_KEYS[sort.key.value])
        cursor = (*(last[f"k{n}"] for n in range(n_keys)), int(last["id"]))
    return HistoryPage(tuple(_rows(rows, defects)), cursor)


def count(store: SqliteStore, f: HistoryFilter) -> int:
    """Return how many rings match ``f`` (``f.limit`` ignored)."""
    filters = _sql_filters(f)
    with store.snapshot() as tx:
        return history_sql.count(tx, filters)


def choices(store: SqliteStore) -> HistoryChoices:
    """Return the customers, parts, lots, stations and operators the records hold."""
    with store.snapshot() as tx:
        customers, parts, lots = history_sql.customers_and_parts(tx)
        first, last = history_sql.date_span(tx)
        return HistoryChoices(
            customers=tuple(customers),
            parts=tuple(parts),
            lots=tuple(lots),
            stations=tuple(history_sql.distinct_stations(tx)),
            operators=tuple(history_sql.operator_names(tx)),
            first_utc=first,
            last_utc=last,
        )


def csv_record(row: HistoryRow) -> list[Any]:
    """Return ``row`` as one CSV record in :data:`CSV_COLUMNS` order (None as empty)."""
    d = row.to_dict()
    d["defects"] = " ".join(row.defects)
    d["overruled_defects"] = " ".join(row.overruled_defects)
    return ["" if d[c] is None else d[c] for c in CSV_COLUMNS]


def export_csv_chunk(
    store: SqliteStore,
    f: HistoryFilter,
    sort: HistorySort,
    path: Path,
    *,
    after: Sequence[Any] | None = None,
    rows: int = 20_000,
) -> tuple[int, tuple[Any, ...] | None]:
    """Write the next ``rows`` rings of the history to the CSV file at ``path``.

    The first chunk (``after`` None) creates the file with its header; later ones append.
    Splitting the export lets the caller show progress and stay responsive between chunks.

    Returns
    -------
    written : int
        Rings written by this call.
    after : tuple or None
        The keyset for the next chunk; None when the export is complete.

    Raises
    ------
    OSError
        The file cannot be written.
    """
    mode = "w" if after is None else "a"
    written = 0
    cursor: tuple[Any, ...] | None = None if after is None else tuple(after)
    with open(path, mode, newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if after is None:
            writer.writerow(CSV_COLUMNS)
        while written < rows:
            chunk = page(store, f, sort, after=cursor, size=min(2000, rows - written))
            writer.writerows(csv_record(r) for r in chunk.rows)
            written += len(chunk.rows)
            cursor = chunk.after
            if cursor is None:
                fh.flush()
                os.fsync(fh.fileno())
                return written, None
    return written, cursor
