"""The engineer's review queue and one recorded ring read back (inspector.records.rings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from inspector.auth import PermissionDenied, User
from inspector.imagestore import ImageStore
from inspector.imaging.results import BBox, Defect, DefectType, Where
from inspector.outcome import (
    InspectionResult,
    JudgedDefect,
    RingDimensions,
    Scale,
    ScaleSource,
    Verdict,
)
from inspector.recipes import Comparison, Grade, Rule, load_grade
from inspector.records import lots, recording, reviews
from inspector.records.lots import LotError
from inspector.records.review_queue import (
    BORDERLINE_BAND_FRACTION,
    BORDERLINE_LIMIT_FRACTION,
    DefectSizes,
    QueueReason,
    borderline_defect,
    borderline_dimension,
    review_queue,
    shipped_grade,
)
from inspector.records.rings import (
    DimensionStatus,
    check_dimensions,
    load_ring,
    load_ring_by_seq,
    load_rings,
    ring_pixels,
)
from inspector.store import SqliteStore, open_store
from tests.inspector.test_store_fixtures import add_users, make_image, make_result, open_lot, recipe

FAB = load_grade("fab")  # every defect type but cut/crack: length limit 0.10 mm (>=)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "records.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def _defect(
    i: int, length_mm: float, *, kind: DefectType = DefectType.SCRATCH, reject: bool = False
) -> JudgedDefect:
    return JudgedDefect(
        defect=Defect(
            type=kind,
            where=Where.SURFACE,
            bbox=BBox(10 * i, 20, 5, 6),
            length_px=20 * length_mm,
            width_px=1.0,
            area_px=4.0,
            angle_deg=30.0 * i,
            outline_px=np.zeros((0, 2)),
            score=5.0,
        ),
        length_mm=length_mm,
        width_mm=0.05,
        area_mm2=0.004,
        reject=reject,
        reason=f"{kind.value} {length_mm:.2f} mm too long" if reject else None,
    )


def _ring(
    folder: Path,
    index: int,
    *,
    verdict: Verdict = Verdict.PASS,
    defects: tuple[JudgedDefect, ...] = (),
    id_mm: float = 24.99,
    cs_mm: float = 3.53,
    scale: ScaleSource = ScaleSource.CLI,
) -> tuple[InspectionResult, bytes]:
    path = make_image(folder, index)
    result = make_result(path, verdict=verdict)
    result = dataclasses.replace(
        result,
        defects=defects,
        dimensions=RingDimensions(id_mm + 7.06, id_mm, cs_mm, cs_mm - 0.03, cs_mm + 0.03, 0.4),
        scale=Scale(20.0, scale),
        reasons=tuple(d.reason for d in defects if d.reason) or result.reasons,
    )
    return result, path.read_bytes()


def _record(store: SqliteStore, user: User, lot_no: str, ring: tuple[InspectionResult, bytes]):
    result, data = ring
    return recording.record_inspection(store, user, lot_no, result, station="S1", image_bytes=data)


# --- the borderline rule (exact answers) ------------------------------------------------------


def test_the_documented_thresholds() -> None:
    assert BORDERLINE_LIMIT_FRACTION == 0.70
    assert BORDERLINE_BAND_FRACTION == 0.20


@pytest.mark.parametrize(
    ("length_mm", "expected"),
    [
        (0.07, "#3 scratch length 0.07 mm at 90° is 70 % of its 0.1 mm limit"),
        (0.0699, None),
        (0.0999, "#3 scratch length 0.10 mm at 90° is 100 % of its 0.1 mm limit"),
        (0.02, None),
        (None, None),
    ],
)
def test_borderline_defect_at_seventy_percent_of_its_limit(
    length_mm: float | None, expected: str | None
) -> None:
    sizes = DefectSizes(3, "scratch", 90.0, length_mm, None, None, final_reject=False)
    assert borderline_defect(sizes, FAB, 3.53) == expected


def test_rejected_and_always_rejected_defects_are_not_borderline() -> None:
    rejected = DefectSizes(1, "scratch", 0.0, 0.09, None, None, final_reject=True)
    cut = DefectSizes(2, "cut", 0.0, 0.01, None, None, final_reject=False)
    unknown = DefectSizes(3, "smudge", 0.0, 0.09, None, None, final_reject=False)
    assert borderline_defect(rejected, FAB, 3.53) is None
    assert borderline_defect(cut, FAB, 3.53) is None
    assert borderline_defect(unknown, FAB, 3.53) is None


def test_borderline_defect_takes_the_closest_of_its_limits() -> None:
    grade = Grade(
        name="t",
        version=1,
        title="",
        standard="",
        description="",
        rules=(
            Rule(
                DefectType.BLISTER,
                max_length_mm=1.0,
                max_width_mm=0.5,
                max_area_mm2=0.2,
                reject_if=Comparison.GT,
            ),
        ),
    )
    sizes = DefectSizes(1, "blister", 10.0, 0.5, 0.25, 0.18, final_reject=False)
    assert borderline_defect(sizes, grade, 3.53) == (
        "#1 blister area 0.180 mm² at 10° is 90 % of its 0.2 mm² limit"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (25.19, "ID 25.190 mm is 80 % of its tolerance from nominal (24.99 ± 0.25 mm)"),
        (24.79, "ID 24.790 mm is 80 % of its tolerance from nominal (24.99 ± 0.25 mm)"),
        (25.24, "ID 25.240 mm is 100 % of its tolerance from nominal (24.99 ± 0.25 mm)"),
        (25.18, None),  # 76 %: inside the inner 80 % of the band
        (24.74, "ID 24.740 mm is 100 % of its tolerance from nominal (24.99 ± 0.25 mm)"),
        (25.25, None),  # out of tolerance: a failure, not borderline
    ],
)
def test_borderline_dimension_in_the_outer_fifth_of_the_band(
    value: float, expected: str | None
) -> None:
    assert borderline_dimension("ID", value, 24.99, 0.25) == expected


def test_a_zero_tolerance_has_no_borderline_band() -> None:
    assert borderline_dimension("CS", 3.53, 3.53, 0.0) is None


def test_shipped_grade_names_the_exact_version() -> None:
    assert shipped_grade("fab@1") == FAB
    assert shipped_grade("fab@99") is None
    assert shipped_grade("no-such-grade@1") is None


# --- the queue --------------------------------------------------------------------------------


def test_queue_holds_failed_and_borderline_rings_of_open_lots_oldest_first(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    ins = users["inspector"]
    open_lot(store, users["engineer"], "L1")
    open_lot(store, users["engineer"], "L2")
    images = tmp_path / "img"
    _record(store, ins, "L1", _ring(images, 1))  # clean pass
    _record(
        store,
        ins,
        "L1",
        _ring(images, 2, verdict=Verdict.FAIL, defects=(_defect(1, 0.3, reject=True),)),
    )
    _record(
        store,
        ins,
        "L2",
        _ring(
            images,
            3,
            verdict=Verdict.FAIL,
            defects=(_defect(1, 0.5, kind=DefectType.CRACK, reject=True),),
        ),
    )
    _record(store, ins, "L1", _ring(images, 4, defects=(_defect(1, 0.05), _defect(2, 0.08))))
    _record(store, ins, "L1", _ring(images, 5, defects=(_defect(1, 0.06),)))  # 60 %: not
    _record(store, ins, "L2", _ring(images, 6, id_mm=25.20))  # 84 % of the ID tolerance
    _record(store, ins, "L2", _ring(images, 7, cs_mm=3.60))  # 70 %: not
    _record(store, ins, "L2", _ring(images, 8, id_mm=25.20, scale=ScaleSource.NOMINAL))
    error = dataclasses.replace(
        make_result(make_image(images, 9), verdict=Verdict.ERROR), dimensions=None
    )
    _record(store, ins, "L1", (error, make_image(images, 9).read_bytes()))

    queue = review_queue(store)

    assert [(q.key, q.reason) for q in queue] == [
        ("L1#2", QueueReason.FAILED),
        ("L2#1", QueueReason.FAILED),
        ("L1#3", QueueReason.BORDERLINE),
        ("L2#2", QueueReason.BORDERLINE),
    ]
    assert [q.time_utc for q in queue] == sorted(q.time_utc for q in queue)
    assert queue[0].why == ("scratch 0.30 mm too long",)
    assert queue[0].machine_verdict == "fail" and queue[0].n_defects == 1
    assert queue[2].why == ("#2 scratch length 0.08 mm at 60° is 80 % of its 0.1 mm limit",)
    assert queue[3].why == ("ID 25.200 mm is 84 % of its tolerance from nominal (24.99 ± 0.25 mm)",)
    assert queue[3].part == "AS568-214" and queue[3].machine_verdict == "pass"


def test_a_ring_review_takes_a_ring_out_a_defect_review_does_not(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    eng = users["engineer"]
    open_lot(store, eng, "L1")
    for i in (1, 2):
        _record(
            store,
            users["inspector"],
            "L1",
            _ring(
                tmp_path,
                i,
                verdict=Verdict.FAIL,
                defects=(_defect(1, 0.3, reject=True), _defect(2, 0.2, reject=True)),
            ),
        )
    reviews.review_defect(store, eng, "L1", 1, 2, reject=False, reason="lint on the ring")
    assert [(q.key, q.review_outcome) for q in review_queue(store)] == [
        ("L1#1", "overruled"),
        ("L1#2", None),
    ]
    reviews.review_ring(store, eng, "L1", 1, verdict="fail", reason="scratch #1 is real")
    assert [q.key for q in review_queue(store)] == ["L1#2"]


def test_disposed_lots_leave_the_queue(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    eng = users["engineer"]
    open_lot(store, eng, "L9", quantity=1, hundred_percent=True)
    _record(
        store,
        users["inspector"],
        "L9",
        _ring(tmp_path, 1, verdict=Verdict.FAIL, defects=(_defect(1, 0.3, reject=True),)),
    )
    assert [q.key for q in review_queue(store)] == ["L9#1"]
    lots.dispose(store, eng, "L9", reason="sorted")
    assert review_queue(store) == []


def test_an_unknown_grade_version_checks_dimensions_only(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "L1")
    _record(store, users["inspector"], "L1", _ring(tmp_path, 1, defects=(_defect(1, 0.09),)))
    _record(store, users["inspector"], "L1", _ring(tmp_path, 2, cs_mm=3.45))  # 80 %
    assert [q.key for q in review_queue(store)] == ["L1#1", "L1#2"]
    assert [q.key for q in review_queue(store, grade_for=lambda key: None)] == ["L1#2"]


# --- one ring read back -------------------------------------------------------------------------


def test_a_ring_reads_back_with_calls_reviews_dimensions_and_image(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    eng = users["engineer"]
    open_lot(store, eng, "L1")
    ring = _ring(
        tmp_path,
        1,
        verdict=Verdict.FAIL,
        id_mm=25.30,
        defects=(_defect(1, 0.3, reject=True), _defect(2, 0.04)),
    )
    recorded = _record(store, users["inspector"], "L1", ring)
    reviews.review_defect(store, eng, "L1", 1, 1, reject=False, reason="fibre, blown off")
    reviews.review_ring(store, eng, "L1", 1, verdict="pass", reason="only the fibre failed it")

    record = load_ring(store, recorded.inspection_id)

    assert record == load_ring_by_seq(store, "L1", 1)
    assert (record.key, record.part, record.customer, record.lot_status) == (
        "L1#1",
        "AS568-214",
        "Fab One",
        "open",
    )
    assert (record.machine_verdict, record.final_verdict, record.review_outcome) == (
        "fail",
        "pass",
        "overruled",
    )
    assert record.verdict_overruled and record.recipe == recipe()
    first, second = record.defects
    assert (first.idx, first.type, first.bbox, first.angle_deg) == (
        1,
        "scratch",
        BBox(10, 20, 5, 6),
        30.0,
    )
    assert (first.machine_reject, first.final_reject, first.overruled) == (True, False, True)
    assert first.reason == "scratch 0.30 mm too long"
    assert first.last_review is not None and first.last_review.reason == "fibre, blown off"
    assert (second.overruled, second.reviewed) == (False, False)
    assert [
        (r.defect_idx, r.outcome, r.old_value, r.new_value, r.reviewer) for r in record.reviews
    ] == [
        (1, "overruled", "reject", "accept", "eng"),
        (None, "overruled", "fail", "pass", "eng"),
    ]
    assert (
        record.ring_review is not None and record.ring_review.reason == "only the fibre failed it"
    )
    id_check = record.dimension("ID")
    assert id_check is not None and id_check.status is DimensionStatus.OUT
    assert id_check.deviation == pytest.approx(0.31 / 0.25)
    assert record.image_bytes == ring[1] and record.image_problem == ""
    assert record.reasons == ("scratch 0.30 mm too long",)


def test_a_missing_image_is_said_not_raised(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "L1")
    recorded = _record(store, users["inspector"], "L1", _ring(tmp_path, 1))
    elsewhere = ImageStore(tmp_path / "empty")
    record = load_ring(store, recorded.inspection_id, images=elsewhere)
    assert record.image_bytes is None and "cannot be read" in record.image_problem
    assert ring_pixels(record) is None
    assert load_ring(store, recorded.inspection_id, with_image=False).image_problem == ""


def test_undecodable_bytes_are_a_lot_error(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "L1")
    recorded = _record(store, users["inspector"], "L1", _ring(tmp_path, 1))
    with pytest.raises(LotError, match="L1#1 cannot be decoded"):
        ring_pixels(load_ring(store, recorded.inspection_id))


def test_rings_load_in_the_order_asked_and_unknown_ones_are_refused(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["engineer"], "L1")
    ids = [
        _record(store, users["inspector"], "L1", _ring(tmp_path, i)).inspection_id
        for i in (1, 2, 3)
    ]
    assert [r.seq for r in load_rings(store, [ids[2], 999, ids[0]])] == [3, 1]
    with pytest.raises(LotError, match="no recorded ring with inspection id 999"):
        load_ring(store, 999)
    with pytest.raises(LotError, match="lot L1 has no ring 7"):
        load_ring_by_seq(store, "L1", 7)


def test_dimensions_are_judged_only_on_a_measured_scale() -> None:
    kw = dict(
        od_mm=32.1,
        id_mm=25.3,
        cs_mm=3.53,
        cs_min_mm=3.5,
        cs_max_mm=3.56,
        ovality_pct=0.4,
        recipe=recipe(),
    )
    measured = {c.label: c.status for c in check_dimensions(**kw, scale_source="calibration")}
    assert measured == {
        "OD": DimensionStatus.INFO,
        "ID": DimensionStatus.OUT,
        "CS": DimensionStatus.OK,
        "CS min": DimensionStatus.INFO,
        "CS max": DimensionStatus.INFO,
        "Ovality %": DimensionStatus.INFO,
    }
    nominal = {c.label: c.status for c in check_dimensions(**kw, scale_source="nominal")}
    assert nominal["ID"] is DimensionStatus.NOT_JUDGED
    assert (
        check_dimensions(
            od_mm=None,
            id_mm=None,
            cs_mm=None,
            cs_min_mm=None,
            cs_max_mm=None,
            ovality_pct=None,
            recipe=recipe(),
            scale_source=None,
        )
        == ()
    )


def test_only_engineers_review(store: SqliteStore, users: dict[str, User], tmp_path: Path) -> None:
    # The queue is read by anyone; the core refuses a review from another role.
    open_lot(store, users["engineer"], "L1")
    _record(
        store,
        users["inspector"],
        "L1",
        _ring(tmp_path, 1, verdict=Verdict.FAIL, defects=(_defect(1, 0.3, reject=True),)),
    )
    with pytest.raises(PermissionDenied):
        reviews.review_ring(store, users["manager"], "L1", 1, verdict="pass", reason="x")
    assert [q.key for q in review_queue(store)] == ["L1#1"]
