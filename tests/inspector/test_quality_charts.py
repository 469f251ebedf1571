"""Gathering the quality data from records built by hand, and the figures drawn from it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from inspector import quality_charts as qc
from inspector.certificates.from_records import OTHER_NONCONFORMITY
from inspector.outcome import RingDimensions, Scale, ScaleSource, Verdict
from inspector.recipes import load_recipe
from inspector.records import lots, recording, reviews
from inspector.records.history import HistoryFilter
from inspector.records.lots import LotError
from inspector.records.statistics import (
    APPLIED_FIELDS,
    LotCounts,
    QualityData,
    describe,
    gather,
)
from inspector.store import SqliteStore, open_store
from tests.inspector.test_store_fixtures import add_users, make_image, make_result, open_lot

PART = "AS568-214"  # ID 24.99 ± 0.25, CS 3.53 ± 0.10 (the shipped recipe)
OTHER_PART = "AS568-117"
STATION = "S1"


def _record(
    store: SqliteStore,
    users: dict,
    folder: Path,
    lot_no: str,
    index: int,
    *,
    verdict: Verdict = Verdict.PASS,
    n_defects: int = 0,
    id_mm: float = 24.99,
    cs_mm: float = 3.53,
    source: ScaleSource = ScaleSource.CALIBRATION,
    recipe_key: str = f"{PART}@1",
) -> None:
    result = make_result(
        make_image(folder, index, tag=lot_no),
        verdict=verdict,
        n_defects=n_defects,
        recipe_key=recipe_key,
    )
    result = dataclasses.replace(
        result,
        scale=Scale(20.0, source),
        dimensions=RingDimensions(id_mm + 2 * cs_mm, id_mm, cs_mm, cs_mm, cs_mm, 0.2),
    )
    recording.record_inspection(store, users["inspector"], lot_no, result, station=STATION)


@pytest.fixture
def records(tmp_path: Path) -> Iterator[SqliteStore]:
    """Three lots with known counts (see the comments), two of one part.

    A1 (AS568-214): 1 pass; 2 fail, scratch + crack, the crack overruled to accept;
    3 fail, scratch, the ring overruled to pass; 4 pass measured on the nominal scale.
    B1 (AS568-214): 1 fail without defects (dimensional); 2 and 3 pass.
    C1 (AS568-117): 1 fail with scratch, crack, cut; 2 pass.
    """
    store = open_store(tmp_path / "records.db")
    users = add_users(store)
    folder = tmp_path / "images"
    eng = users["engineer"]
    open_lot(store, eng, "A1", quantity=4, hundred_percent=True)
    _record(store, users, folder, "A1", 1, id_mm=24.95, cs_mm=3.52)
    _record(store, users, folder, "A1", 2, verdict=Verdict.FAIL, n_defects=2, id_mm=25.00)
    _record(store, users, folder, "A1", 3, verdict=Verdict.FAIL, n_defects=1, id_mm=25.05)
    _record(store, users, folder, "A1", 4, id_mm=24.0, source=ScaleSource.NOMINAL)
    reviews.review_defect(store, eng, "A1", 2, 2, reject=False, reason="a fibre, not a crack")
    reviews.review_ring(store, eng, "A1", 3, verdict="pass", reason="lint wiped off")
    open_lot(store, eng, "B1", quantity=3, hundred_percent=True)
    _record(store, users, folder, "B1", 1, verdict=Verdict.FAIL, id_mm=25.30, cs_mm=3.60)
    _record(store, users, folder, "B1", 2, id_mm=24.99, cs_mm=3.55)
    _record(store, users, folder, "B1", 3, id_mm=24.97, cs_mm=3.51)
    other = load_recipe(OTHER_PART)
    spec = lots.LotSpec(lot_no="C1", quantity=2, customer="Fab Two", hundred_percent=True)
    lots.open_lot(store, eng, spec, recipe=other)
    key = other.key
    _record(store, users, folder, "C1", 1, verdict=Verdict.FAIL, n_defects=3, recipe_key=key)
    _record(store, users, folder, "C1", 2, recipe_key=key)
    yield store
    store.close()


def test_gather_counts_defects_as_finally_called(records: SqliteStore) -> None:
    data = gather(records, HistoryFilter())
    assert (data.inspected, data.nonconforming, data.errors) == (9, 3, 0)
    # A1#2 scratch (its crack overruled), B1#1 dimensional, C1#1 scratch, crack, cut;
    # A1#3's scratch is on a ring overruled to pass.
    assert data.defects == {"scratch": 2, "crack": 1, "cut": 1, OTHER_NONCONFORMITY: 1}
    assert data.overruled_calls == 2
    assert [(lot.lot_no, lot.inspected, lot.nonconforming) for lot in data.lots] == [
        ("A1", 4, 1),
        ("B1", 3, 1),
        ("C1", 2, 1),
    ]
    assert data.parts == (OTHER_PART, PART)
    assert data.dimensions is None  # two parts: no dimensions mixed
    assert sum(data.inspected_by_day.values()) == 9
    assert sum(data.defects_by_day.values()) == 5


def test_gather_follows_the_filter(records: SqliteStore) -> None:
    c1 = gather(records, HistoryFilter(lot="C1"))
    assert c1.defects == {"scratch": 1, "crack": 1, "cut": 1}
    assert c1.overruled_calls == 0
    fab_two = gather(records, HistoryFilter(customer="Fab Two"))
    assert fab_two.defects == c1.defects
    fails = gather(records, HistoryFilter(verdict="fail"))
    assert (fails.inspected, fails.nonconforming) == (3, 3)
    reviewed = gather(records, HistoryFilter(review="reviewed"))
    assert [lot.lot_no for lot in reviewed.lots] == ["A1"]
    assert reviewed.inspected == 2 and reviewed.overruled_calls == 2
    assert gather(records, HistoryFilter(date_to="2000-01-01")).inspected == 0


def test_dimensions_of_one_part_leave_nominal_scale_estimates_out(records: SqliteStore) -> None:
    data = gather(records, HistoryFilter(part=PART))
    dims = data.dimensions
    assert dims is not None
    assert dims.part == PART and dims.recipe == f"{PART}@1"
    assert (dims.id_nominal_mm, dims.id_tol_mm) == (24.99, 0.25)
    assert dims.lots == ("A1", "B1")
    assert dims.id_mm.tolist() == pytest.approx([24.95, 25.00, 25.05, 25.30, 24.99, 24.97])
    assert dims.ring_lot.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.unmeasured == 1  # A1#4, measured on the nominal scale


def test_gather_refuses_what_it_cannot_filter(records: SqliteStore) -> None:
    with pytest.raises(LotError, match="defect type"):
        gather(records, HistoryFilter(defect_type="smudge"))
    with pytest.raises(LotError, match="verdict"):
        gather(records, HistoryFilter(verdict="maybe"))


def test_every_history_filter_field_is_applied() -> None:
    # A field added to HistoryFilter must reach the statistics' SQL too (see APPLIED_FIELDS).
    assert {f.name for f in dataclasses.fields(HistoryFilter)} == APPLIED_FIELDS


def test_describe_says_the_filter() -> None:
    assert describe(HistoryFilter()) == "all records"
    text = describe(HistoryFilter(lot="L-1", date_from="2026-01-01", review="none"))
    assert text == "2026-01-01 to now · lot L-1 · not reviewed"


def _texts(fig: Figure) -> str:
    """Every text drawn on a figure (titles, labels, annotations, tick labels)."""
    fig.canvas.draw()
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(str(t) for t in found)


def test_every_chart_draws_for_one_part(records: SqliteStore, tmp_path: Path) -> None:
    data = gather(records, HistoryFilter(part=PART))
    for spec in qc.CHARTS:
        fig = spec.build(data)
        assert isinstance(fig, Figure)
        assert tuple(fig.get_size_inches()) == qc.FIGSIZE
        text = _texts(fig)
        assert "part AS568-214" in text, spec.key
        assert "Choose one part" not in text
    pareto = _texts(qc.pareto_figure(data))
    assert "(2 here)" in pareto  # A1's overruled crack and the scratch of a ring passed
    assert "2 defects on 7 rings inspected" in pareto  # A1#2 scratch, B1#1 dimensional
    histogram = _texts(qc.histogram_figure(data, "id"))
    assert "n = 6 measured" in histogram.replace("rings ", "")
    assert "1 ring measured on the nominal-scale estimate left out" in histogram
    assert "LSL\n24.740" in histogram and "USL\n25.240" in histogram
    subgroups = _texts(qc.subgroup_figure(data, "id"))
    assert "X̄-R chart" in subgroups and "A2 = 1.023" in subgroups  # two lots of three


def test_dimension_charts_ask_for_one_part(records: SqliteStore) -> None:
    data = gather(records, HistoryFilter())
    for build in (qc.imr_figure, qc.subgroup_figure, qc.histogram_figure):
        for feature in ("id", "cs"):
            text = _texts(build(data, feature))  # type: ignore[arg-type]
            assert "Choose one part" in text and "AS568-117, AS568-214" in text


def test_empty_filter_says_so(records: SqliteStore) -> None:
    data = gather(records, HistoryFilter(lot="nope"))
    assert data.inspected == 0
    for spec in qc.CHARTS:
        assert "No " in _texts(spec.build(data)), spec.key


def test_p_chart_marks_a_lot_out_of_its_limits() -> None:
    lots_ = tuple(
        LotCounts(f"L{i}", PART, f"2026-01-0{i + 1}T00:00:00Z", 50, 25 if i == 5 else 2, 0)
        for i in range(6)
    )
    data = QualityData(HistoryFilter(), "all records", 300, 35, 0, lots_, (PART,))
    text = _texts(qc.p_chart_figure(data))
    assert "6 lots, n = 300 rings" in text and "1 out of limits" in text


def test_save_png_writes_a_png(records: SqliteStore, tmp_path: Path) -> None:
    data = gather(records, HistoryFilter(part=PART))
    path = qc.save_png(qc.histogram_figure(data, "cs"), tmp_path / "cs.png")
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    import cv2

    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (1000, 1800)  # 9 × 5 in at 200 dpi
    assert image.std() > 10  # something drawn, not a blank page
