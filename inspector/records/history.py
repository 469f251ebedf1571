"""The inspection history: every recorded ring, filtered the ways the GUI and CLI ask.

Filters combine with AND: a UTC date or time range, customer, part, lot, station,
operator, defect type, verdict (final, after reviews) and review outcome. Results come
newest first, at most ``limit`` rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inspector.imaging.results import DefectType
from inspector.records.lots import LotError
from inspector.store import repo
from inspector.store.sqlite import SqliteStore

__all__ = ["REVIEW_FILTERS", "HistoryFilter", "HistoryRow", "parse_when", "query"]

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

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values."""
        out = asdict(self)
        out["defects"] = list(self.defects)
        return out


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
    _check(f)
    with store.snapshot() as tx:
        rows = repo.history(
            tx,
            time_from=None if not f.date_from else parse_when(f.date_from),
            time_to=None if not f.date_to else parse_when(f.date_to, end=True),
            customer=f.customer or None,
            part=f.part or None,
            lot=f.lot or None,
            station=f.station or None,
            operator=f.operator or None,
            defect_type=f.defect_type or None,
            verdict=f.verdict or None,
            review=f.review or None,
            limit=f.limit,
        )
        types = repo.defect_types_of(tx, [int(r["id"]) for r in rows if r["n_defects"]])
    return [
        HistoryRow(
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
            defects=tuple(types.get(int(r["id"]), ())),
            id_mm=r["id_mm"],
            cs_mm=r["cs_mm"],
            engine_version=str(r["engine_version"]),
        )
        for r in rows
    ]
