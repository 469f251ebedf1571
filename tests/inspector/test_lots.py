"""Lots: plans, recording, progress, reviews, disposition, signatures, history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector import audit
from inspector.auth import AuthError, PermissionDenied, User
from inspector.outcome import Verdict
from inspector.records import history, lots, recording, reviews, signing
from inspector.records.lots import LotError
from inspector.sampling import Severity
from inspector.store import SqliteStore, open_store

from .test_store_fixtures import PASSWORD, add_users, make_image, make_result, open_lot


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "db" / "x.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def _record(
    store: SqliteStore, user: User, lot_no: str, folder: Path, start: int, n: int, **kw: object
) -> None:
    for i in range(start, start + n):
        result = make_result(make_image(folder, i), **kw)  # type: ignore[arg-type]  # make_result keywords, as given
        recording.record_inspection(store, user, lot_no, result, station="st1")


def test_open_lot_takes_the_iso_plan(store: SqliteStore, users: dict[str, User]) -> None:
    lot = open_lot(store, users["inspector"], quantity=1000)
    assert lot.plan is not None
    assert (lot.plan.code_letter, lot.plan.sample_size, lot.plan.accept, lot.plan.reject) == (
        "J",
        80,
        2,
        3,
    )
    assert lot.recipe.key == "AS568-214@1" and lot.customer == "Fab One" and lot.status == "open"
    assert lots.get_lot(store, "L1") == lot
    hp = open_lot(store, users["inspector"], "L2", quantity=50, hundred_percent=True)
    assert hp.plan is None and hp.required == 50
    assert [x.lot_no for x in lots.list_lots(store)] == ["L2", "L1"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"quantity": -5}, "at least 1"),
        ({"quantity": 0}, "at least 1"),
        ({"aql": 0.3}, "AQL"),
        ({"level": "IV"}, "level"),
        ({"cure_quarter": "Q4-26"}, "4Q26"),
    ],
)
def test_bad_lot_input_is_refused(
    store: SqliteStore, users: dict[str, User], kw: dict[str, object], message: str
) -> None:
    with pytest.raises(LotError, match=message):
        open_lot(store, users["inspector"], "L9", **kw)
    assert lots.list_lots(store) == []


def test_roles_are_checked_in_the_core(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        open_lot(store, users["manager"])
    open_lot(store, users["inspector"])
    result = make_result(make_image(tmp_path / "img", 1))
    with pytest.raises(PermissionDenied):
        recording.record_inspection(store, users["admin"], "L1", result, station="s")
    with pytest.raises(PermissionDenied):
        lots.dispose(store, users["inspector"], "L1")


def test_recording_is_whole_and_idempotent(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["inspector"])
    path = make_image(tmp_path / "img", 1)
    result = make_result(path, verdict=Verdict.FAIL, n_defects=3)
    first = recording.record_inspection(store, users["inspector"], "L1", result, station="st1")
    again = recording.record_inspection(store, users["inspector"], "L1", result, station="st1")
    assert first.status is recording.RecordStatus.RECORDED and first.seq == 1
    assert (
        again.status is recording.RecordStatus.ALREADY
        and again.inspection_id == first.inspection_id
    )
    tx = store.reader()
    assert tx.scalar("SELECT count(*) FROM inspections") == 1
    assert tx.scalar("SELECT count(*) FROM defects") == 3
    images = recording.images_for(store)
    assert images.read(result.image_sha256 or "") == path.read_bytes()
    row = tx.one("SELECT * FROM inspections")
    assert row is not None
    assert row["engine_version"] == "engine-test-1" and row["recipe_id"] is not None
    assert row["station"] == "st1" and row["operator_id"] == users["inspector"].id


def test_changed_file_or_wrong_recipe_is_not_recorded(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["inspector"])
    path = make_image(tmp_path / "img", 1)
    result = make_result(path)
    path.write_bytes(b"changed")
    with pytest.raises(LotError, match="changed after"):
        recording.record_inspection(store, users["inspector"], "L1", result, station="s")
    other = make_result(make_image(tmp_path / "img", 2), recipe_key="AS568-215@1")
    with pytest.raises(LotError, match="uses AS568-214@1"):
        recording.record_inspection(store, users["inspector"], "L1", other, station="s")
    with pytest.raises(LotError, match="no lot L7"):
        recording.record_inspection(store, users["inspector"], "L7", other, station="s")
    assert store.reader().scalar("SELECT count(*) FROM inspections") == 0


def test_sampling_lot_accepts_with_reviews_and_is_signed(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    insp, eng, mgr = users["inspector"], users["engineer"], users["manager"]
    open_lot(store, insp, quantity=1000)  # n 80, Ac 2, Re 3
    _record(store, insp, "L1", tmp_path / "img", 0, 3, verdict=Verdict.FAIL, n_defects=1)
    _record(store, insp, "L1", tmp_path / "img", 3, 10)
    prog = lots.progress(store, "L1")
    assert (prog.inspected, prog.nonconforming, prog.decision) == (13, 3, "reject")
    # The engineer overrules one false call: the lot is back in play.
    rv = reviews.review_ring(store, eng, "L1", 2, verdict="pass", reason="dust, wiped")
    assert rv.outcome == "overruled" and rv.old_value == "fail"
    reviews.review_defect(store, eng, "L1", 1, 1, reject=True, reason="real scratch")
    with pytest.raises(LotError, match="no defect 5"):
        reviews.review_defect(store, eng, "L1", 1, 5, reject=True, reason="x")
    with pytest.raises(LotError, match="reason"):
        reviews.review_ring(store, eng, "L1", 1, verdict="pass", reason=" ")
    with pytest.raises(PermissionDenied):
        reviews.review_ring(store, insp, "L1", 1, verdict="pass", reason="x")
    prog = lots.progress(store, "L1")
    assert (prog.nonconforming, prog.decision) == (2, None)
    with pytest.raises(LotError, match="not decided"):
        lots.dispose(store, eng, "L1")
    _record(store, insp, "L1", tmp_path / "img", 13, 67)
    with pytest.raises(LotError, match="all 80 rings of the sample"):
        _record(store, insp, "L1", tmp_path / "img", 80, 1)
    prog = lots.dispose(store, eng, "L1", reason="sample complete")
    assert (prog.inspected, prog.nonconforming, prog.decision) == (80, 2, "accept")
    assert lots.get_lot(store, "L1").status == "disposed"
    with pytest.raises(LotError, match="disposed"):
        reviews.review_ring(store, eng, "L1", 1, verdict="pass", reason="late")
    with pytest.raises(PermissionDenied):
        signing.sign_lot(store, eng, "L1", password=PASSWORD, meaning="approved")
    with pytest.raises(AuthError):
        signing.sign_lot(store, mgr, "L1", password="wrong password", meaning="approved")
    signing.sign_lot(store, eng, "L1", password=PASSWORD, meaning="reviewed")
    sig = signing.sign_lot(store, mgr, "L1", password=PASSWORD, meaning="approved")
    assert sig.printed_name == "Max Manager" and sig.role == "manager"
    assert lots.get_lot(store, "L1").status == "signed"
    with pytest.raises(LotError, match="signed"):
        _record(store, insp, "L1", tmp_path / "img", 90, 1)
    with pytest.raises(LotError, match="signed"):
        lots.dispose(store, eng, "L1")
    assert signing.verify_signatures(store) == []
    assert audit.verify(store).ok
    # The machine verdict stays visible next to the reviewed one.
    rows = history.query(store, history.HistoryFilter(lot="L1", review="overruled"))
    assert [(r.seq, r.machine_verdict, r.verdict) for r in rows] == [(2, "fail", "pass")]


def test_signature_detects_records_changed_behind_the_app(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["inspector"], quantity=10, hundred_percent=True)
    _record(store, users["inspector"], "L1", tmp_path / "img", 0, 10)
    prog = lots.dispose(store, users["engineer"], "L1")
    assert prog.decision == "sorted" and prog.good == 10
    signing.sign_lot(store, users["manager"], "L1", password=PASSWORD, meaning="approved")
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE inspections SET final_verdict = 'fail' WHERE seq = 3")
    conn.commit()
    conn.close()
    problems = signing.verify_signatures(store)
    assert len(problems) == 1 and "lot L1" in problems[0] and "changed after signing" in problems[0]


def test_rejected_lots_tighten_the_part(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    for k in range(2):
        open_lot(store, users["inspector"], f"R{k}", quantity=1000)
        _record(
            store, users["inspector"], f"R{k}", tmp_path / f"img{k}", 0, 3, verdict=Verdict.FAIL
        )
        assert lots.dispose(store, users["engineer"], f"R{k}").decision == "reject"
    assert lots.switching_state(store, "AS568-214").severity is Severity.TIGHTENED
    lot = open_lot(store, users["inspector"], "T1", quantity=1000)
    assert lot.plan is not None and lot.plan.severity is Severity.TIGHTENED


def test_error_results_are_recorded_but_not_counted(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    open_lot(store, users["inspector"])
    _record(store, users["inspector"], "L1", tmp_path / "img", 0, 2, verdict=Verdict.ERROR)
    prog = lots.progress(store, "L1")
    assert (prog.inspected, prog.errors) == (0, 2)
    unread = make_result(make_image(tmp_path / "img", 9))
    unread = type(unread)(
        **{**unread.__dict__, "image_sha256": None, "verdict": Verdict.ERROR, "error": "empty file"}
    )
    with pytest.raises(LotError, match="could not be read"):
        recording.record_inspection(store, users["inspector"], "L1", unread, station="s")


def test_history_filters(store: SqliteStore, users: dict[str, User], tmp_path: Path) -> None:
    open_lot(store, users["inspector"], "A", customer="Fab One")
    open_lot(store, users["engineer"], "B", customer="Fab Two")
    _record(store, users["inspector"], "A", tmp_path / "a", 0, 4)
    _record(store, users["engineer"], "B", tmp_path / "b", 0, 2, verdict=Verdict.FAIL, n_defects=2)
    q = history.query
    assert len(q(store, history.HistoryFilter())) == 6
    assert {r.lot for r in q(store, history.HistoryFilter(customer="Fab Two"))} == {"B"}
    assert len(q(store, history.HistoryFilter(operator="ins"))) == 4
    assert len(q(store, history.HistoryFilter(verdict="fail"))) == 2
    assert len(q(store, history.HistoryFilter(defect_type="crack"))) == 2
    assert q(store, history.HistoryFilter(defect_type="crack"))[0].defects == ("scratch", "crack")
    assert len(q(store, history.HistoryFilter(part="AS568-214", station="st1", limit=3))) == 3
    assert len(q(store, history.HistoryFilter(date_from="2000-01-01", date_to="2999-12-31"))) == 6
    assert q(store, history.HistoryFilter(date_to="2000-01-01")) == []
    assert len(q(store, history.HistoryFilter(review="none"))) == 6
    with pytest.raises(LotError, match="defect type"):
        q(store, history.HistoryFilter(defect_type="smudge"))
    with pytest.raises(LotError, match="not a date"):
        q(store, history.HistoryFilter(date_from="yesterday"))


def test_recipe_edit_is_a_new_audited_version(store: SqliteStore, users: dict[str, User]) -> None:
    import dataclasses

    from inspector.recipes import load_recipe
    from inspector.records import recipe_versions

    base = load_recipe("AS568-214")
    with pytest.raises(PermissionDenied):
        recipe_versions.save_recipe_edit(store, users["inspector"], base, reason="x")
    edited = dataclasses.replace(base, cs_tol_mm=0.08)
    v2 = recipe_versions.save_recipe_edit(store, users["engineer"], edited, reason="customer spec")
    assert v2.version == base.version + 1
    assert recipe_versions.latest_recipe(store, "AS568-214") == v2
    with pytest.raises(LotError, match="as it is"):
        recipe_versions.save_recipe_edit(store, users["engineer"], v2, reason="again")
    lot = lots.open_lot(store, users["inspector"], lots.LotSpec("V2", 100), recipe=v2)
    assert lot.recipe == v2
    assert [r.action for r in audit.history(store, "recipe", "AS568-214")] == ["update"]
    assert audit.verify(store).ok


def test_discontinued_part_resumes_only_by_a_manager(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    with pytest.raises(LotError, match="not discontinued"):
        lots.resume_inspection(store, users["manager"], "AS568-214", reason="fixed")
    for k in range(7):  # 2 rejections tighten, 5 more on tightened discontinue
        open_lot(store, users["inspector"], f"R{k}", quantity=1000)
        _record(store, users["inspector"], f"R{k}", tmp_path / f"i{k}", 0, 4, verdict=Verdict.FAIL)
        lots.dispose(store, users["engineer"], f"R{k}")
    assert lots.switching_state(store, "AS568-214").discontinued
    with pytest.raises(LotError, match="discontinued"):
        open_lot(store, users["inspector"], "X")
    with pytest.raises(PermissionDenied):
        lots.resume_inspection(store, users["engineer"], "AS568-214", reason="fixed")
    state = lots.resume_inspection(store, users["manager"], "AS568-214", reason="new mould vent")
    assert state.severity is Severity.TIGHTENED
    assert open_lot(store, users["inspector"], "X").plan is not None


def test_signed_lot_is_corrected_by_new_signed_records(
    store: SqliteStore, users: dict[str, User], tmp_path: Path
) -> None:
    eng, mgr = users["engineer"], users["manager"]
    open_lot(store, users["inspector"], quantity=1000)
    _record(store, users["inspector"], "L1", tmp_path / "img", 0, 3, verdict=Verdict.FAIL)
    lots.dispose(store, eng, "L1")
    with pytest.raises(LotError, match="not signed"):
        lots.correct_disposition(store, eng, "L1", decision="sorted", reason="screened")
    signing.sign_lot(store, mgr, "L1", password=PASSWORD, meaning="rejected")
    with pytest.raises(LotError, match="reason"):
        lots.correct_disposition(store, eng, "L1", decision="sorted", reason="")
    lots.correct_disposition(store, eng, "L1", decision="sorted", reason="100 % screened")
    assert lots.get_lot(store, "L1").status == "disposed"
    signing.sign_lot(store, mgr, "L1", password=PASSWORD, meaning="approved")
    assert [d.decision for d in lots.dispositions(store, "L1")] == ["reject", "sorted"]
    assert [s.meaning for s in signing.signatures(store, "L1")] == ["rejected", "approved"]
    assert signing.verify_signatures(store) == []
    assert audit.verify(store).ok
