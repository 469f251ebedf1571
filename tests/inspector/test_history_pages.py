"""The desk's history: keyset pages in every sort, counts, choices, CSV export."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from inspector.auth import User
from inspector.outcome import Verdict
from inspector.records import history, recording, reviews
from inspector.records.history import HistoryFilter, HistorySort, SortKey
from inspector.records.lots import LotError
from inspector.store import SqliteStore, open_store
from tests.inspector.test_store_fixtures import add_users, make_image, make_result, open_lot


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    with open_store(tmp_path / "db" / "inspector.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def _record(
    store: SqliteStore, users: dict[str, User], tmp_path: Path, n: int, **lots: str
) -> None:
    """Record ``n`` rings round-robin into the lots given as lot number -> customer."""
    names = list(lots)
    for lot_no, customer in lots.items():
        open_lot(store, users["engineer"], lot_no, customer=customer)
    for k in range(n):
        path = make_image(tmp_path / "img", k)
        verdict = Verdict.FAIL if k % 3 == 0 else Verdict.PASS
        result = make_result(path, verdict=verdict, n_defects=k % 4)
        if k == 5:  # not measured: the ID and CS sorts cross NULL
            result = dataclasses.replace(result, dimensions=None)
        recording.record_inspection(
            store, users["inspector"], names[k % len(names)], result, station=f"st{k % 2}"
        )


def _walk(store: SqliteStore, f: HistoryFilter, sort: HistorySort, size: int) -> list[int]:
    ids: list[int] = []
    page = history.page(store, f, sort, size=size)
    while True:
        assert len(page.rows) <= size
        ids += [r.inspection_id for r in page.rows]
        if page.after is None:
            return ids
        assert len(page.rows) == size  # only the last page may be short
        page = history.page(store, f, sort, after=page.after, size=size)


@pytest.mark.parametrize("key", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_pages_walk_every_row_once_in_order(
    store: SqliteStore, users: dict[str, User], tmp_path: Path, key: SortKey, descending: bool
) -> None:
    _record(store, users, tmp_path, 23, A="Fab One", B="Fab Two", C="Fab One")
    # One reviewed ring, so the review sort crosses between NULL and values.
    reviews.review_ring(store, users["engineer"], "A", 1, verdict="pass", reason="a stain")
    sort = HistorySort(key, descending)
    paged = _walk(store, HistoryFilter(), sort, size=4)
    assert len(paged) == len(set(paged)) == 23
    # The same order as the whole result read in one page.
    whole = [r.inspection_id for r in history.page(store, HistoryFilter(), sort, size=100).rows]
    assert paged == whole


def test_pages_follow_the_sort(store: SqliteStore, users: dict[str, User], tmp_path: Path) -> None:
    _record(store, users, tmp_path, 12, A="Fab One", B="Fab Two")
    rows = history.page(store, HistoryFilter(), HistorySort(SortKey.TIME), size=50).rows
    assert [r.time_utc for r in rows] == sorted((r.time_utc for r in rows), reverse=True)
    rows = history.page(store, HistoryFilter(), HistorySort(SortKey.LOT, False), size=50).rows
    assert [(r.lot, r.seq) for r in rows] == sorted((r.lot, r.seq) for r in rows)
    rows = history.page(store, HistoryFilter(), HistorySort(SortKey.CUSTOMER, True), size=50).rows
    assert [r.customer for r in rows] == ["Fab Two"] * 6 + ["Fab One"] * 6


def test_filters_count_and_page_agree(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    _record(store, users, tmp_path, 12, A="Fab One", B="Fab Two")
    cases = [
        (HistoryFilter(), 12),
        (HistoryFilter(customer="Fab Two"), 6),
        (HistoryFilter(lot="A"), 6),
        (HistoryFilter(station="st1"), 6),
        (HistoryFilter(verdict="fail"), 4),
        (HistoryFilter(operator="ins"), 12),
        (HistoryFilter(part="AS568-214"), 12),
        (HistoryFilter(defect_type="cut"), 3),  # the 3rd type: rings k = 3, 7, 11
        (HistoryFilter(review="none"), 12),
        (HistoryFilter(date_to="2000-01-01"), 0),
    ]
    for f, expected in cases:
        assert history.count(store, f) == expected, f
        assert len(history.page(store, f, size=100).rows) == expected, f
    with pytest.raises(LotError, match="not a defect type"):
        history.count(store, HistoryFilter(defect_type="smudge"))


def test_overruled_defect_calls_are_listed(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    _record(store, users, tmp_path, 4, A="Fab One")
    # Ring 4 (k=3) failed with 3 defects; overrule its second call.
    reviews.review_defect(
        store, users["engineer"], "A", 4, 2, reject=False, reason="dust on the lens"
    )
    row = next(r for r in history.page(store, HistoryFilter()).rows if r.seq == 4)
    assert row.defects == ("scratch", "crack", "cut")
    assert row.overruled_defects == ("crack",)
    assert row.overruled


def test_choices(store: SqliteStore, users: dict[str, User], tmp_path: Path) -> None:
    _record(store, users, tmp_path, 4, A="Fab One", B="Fab Two")
    c = history.choices(store)
    assert c.customers == ("Fab One", "Fab Two")
    assert c.parts == ("AS568-214",)
    assert set(c.lots) == {"A", "B"}
    assert c.stations == ("st0", "st1")
    assert c.operators == ("ins",)
    assert "scratch" in c.defect_types
    assert c.first_utc is not None and c.last_utc is not None and c.first_utc <= c.last_utc


def test_export_in_chunks_writes_every_row(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    _record(store, users, tmp_path, 9, A="Fab One", B="Fab Two")
    out = tmp_path / "history.csv"
    f, sort = HistoryFilter(customer="Fab One"), HistorySort(SortKey.LOT, False)
    written, after = history.export_csv_chunk(store, f, sort, out, rows=2)
    total = written
    while after is not None:
        written, after = history.export_csv_chunk(store, f, sort, out, after=after, rows=2)
        total += written
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert total == len(rows) == 5
    assert [int(r["seq"]) for r in rows] == [1, 2, 3, 4, 5]
    assert {r["customer"] for r in rows} == {"Fab One"}
    assert list(rows[0]) == list(history.CSV_COLUMNS)
