"""The defect history view: filters, sorting, lazy pages, gallery, ring dialog, CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt

from inspector.records import history, recording, reviews
from inspector.records.history import HistoryFilter, HistorySort, SortKey
from inspector.store import open_store
from tests.inspector.test_store_fixtures import add_users, make_image, make_result, open_lot
from tests.ui.desk_records import STATION, DeskRecords
from ui.desk.database import DeskDatabase
from ui.desk.history_model import ROW_ROLE, HistoryTableModel
from ui.desk.history_view import CsvSaveDialog, HistoryView

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform cannot size or raise windows; a shown dialog says so.
    pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)"),
]


@pytest.fixture
def db(qtbot, desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


@pytest.fixture
def view(qtbot, db: DeskDatabase, desk_records: DeskRecords) -> HistoryView:
    widget = HistoryView(db)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    with qtbot.waitSignal(widget.filterChanged) as changed:
        widget.set_user(desk_records.users["engineer"])
    assert changed.args == [HistoryFilter()]
    wait_loaded(qtbot, widget.model)
    qtbot.waitUntil(lambda: widget.customer.count() > 1)  # the choices arrived
    return widget


def wait_loaded(qtbot, model: HistoryTableModel) -> None:
    qtbot.waitUntil(lambda: model.complete and not model.loading and model.total is not None)


def apply(qtbot, view: HistoryView, expected: HistoryFilter, change) -> list[history.HistoryRow]:
    """Make a change in the filter bar, check the filter it emits, return the rows shown."""
    with qtbot.waitSignal(view.filterChanged, timeout=3000) as changed:
        change()
    assert changed.args == [expected]
    wait_loaded(qtbot, view.model)
    assert view.model.total == view.model.rowCount()
    return view.model.rows()


def truth(desk_records: DeskRecords, f: HistoryFilter) -> set[tuple[str, int]]:
    with desk_records.open() as store:
        return {(r.lot, r.seq) for r in history.query(store, f)}


def double_click(qtbot, widget, pos) -> None:
    """Double-click as a hand does: the item view needs the first press to know the item."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def pick(combo, value: str) -> None:
    index = combo.findData(value)
    assert index >= 0, f"{value} not offered"
    combo.setCurrentIndex(index)


def test_opens_with_every_ring_newest_first(view: HistoryView) -> None:
    rows = view.model.rows()
    assert len(rows) == 6
    assert [r.time_utc for r in rows] == sorted((r.time_utc for r in rows), reverse=True)
    assert view.model.index(0, 8).data() in ("PASS", "FAIL", "ERROR")
    assert "6 rings" in view.summary.text()
    assert view.empty.isHidden()


def test_each_filter_changes_the_table(qtbot, view: HistoryView, desk_records: DeskRecords) -> None:
    def lots(rows: list[history.HistoryRow]) -> set[str]:
        return {r.lot for r in rows}

    rows = apply(
        qtbot, view, HistoryFilter(customer="Fab Two"), lambda: pick(view.customer, "Fab Two")
    )
    assert lots(rows) == {"L-910"}
    view.customer.setCurrentIndex(0)
    rows = apply(qtbot, view, HistoryFilter(part="AS568-117"), lambda: pick(view.part, "AS568-117"))
    assert lots(rows) == {"L-117"}
    view.part.setCurrentIndex(0)

    def type_lot() -> None:
        view.lot.setEditText("L-213")
        view.lot.lineEdit().editingFinished.emit()

    rows = apply(qtbot, view, HistoryFilter(lot="L-213"), type_lot)
    assert lots(rows) == {"L-213"} and len(rows) == 2
    view.lot.setEditText("")
    view.lot.lineEdit().editingFinished.emit()

    rows = apply(qtbot, view, HistoryFilter(verdict="fail"), lambda: pick(view.verdict, "fail"))
    assert rows and {r.verdict for r in rows} == {"fail"}
    assert {(r.lot, r.seq) for r in rows} == truth(desk_records, HistoryFilter(verdict="fail"))
    view.verdict.setCurrentIndex(0)

    found = [t for r in view.model.rows() for t in r.defects]
    kind = found[0]
    rows = apply(qtbot, view, HistoryFilter(defect_type=kind), lambda: pick(view.defect_type, kind))
    assert rows and all(kind in r.defects for r in rows)
    assert {(r.lot, r.seq) for r in rows} == truth(desk_records, HistoryFilter(defect_type=kind))
    view.defect_type.setCurrentIndex(0)

    rows = apply(qtbot, view, HistoryFilter(station=STATION), lambda: pick(view.station, STATION))
    assert len(rows) == 6
    rows = apply(
        qtbot,
        view,
        HistoryFilter(station=STATION, operator="ins"),
        lambda: pick(view.operator, "ins"),
    )
    assert len(rows) == 6
    view.clear_filter()

    rows = apply(
        qtbot,
        view,
        HistoryFilter(date_to="2000-01-02"),
        lambda: view.date_to.setDate(QDate(2000, 1, 2)),
    )
    assert rows == []
    assert not view.empty.isHidden() and "No recorded ring" in view.empty.text()
    today = QDate.currentDate().toString("yyyy-MM-dd")
    rows = apply(
        qtbot,
        view,
        HistoryFilter(date_from=today),
        lambda: view.set_filter(HistoryFilter(date_from=today)),
    )
    assert len(rows) == 6


def test_review_filter_shows_overruled_rings_marked(
    qtbot, view: HistoryView, desk_records: DeskRecords
) -> None:
    failed = next(r for r in view.model.rows() if r.verdict == "fail")
    with desk_records.open() as store:
        reviews.review_ring(
            store,
            desk_records.users["engineer"],
            failed.lot,
            failed.seq,
            verdict="pass",
            reason="mould parting line, not a cut",
        )
    view.refresh()
    wait_loaded(qtbot, view.model)
    rows = apply(
        qtbot, view, HistoryFilter(review="overruled"), lambda: pick(view.review, "overruled")
    )
    assert [(r.lot, r.seq) for r in rows] == [(failed.lot, failed.seq)]
    assert rows[0].verdict == "pass" and rows[0].machine_verdict == "fail"
    index = view.model.index(0, 9)
    assert index.data() == "OVERRULED"
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "Overruled" in index.data(Qt.ItemDataRole.ToolTipRole)
    rows = apply(qtbot, view, HistoryFilter(review="none"), lambda: pick(view.review, "none"))
    assert len(rows) == 5


def test_header_click_sorts_in_the_database(qtbot, view: HistoryView) -> None:
    header = view.table.horizontalHeader()
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert view.model.history_sort == HistorySort(SortKey.LOT, descending=False)
    wait_loaded(qtbot, view.model)
    keys = [(r.lot, r.seq) for r in view.model.rows()]
    assert keys == sorted(keys) and len(keys) == 6
    view.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, view.model)
    customers = [r.customer for r in view.model.rows()]
    assert customers == sorted(customers, reverse=True)
    # Defects: no index serves it; the arrow goes back to the customer column.
    view.table.sortByColumn(10, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == 4
    assert view.model.history_sort.key is SortKey.CUSTOMER
    assert "cannot be sorted" in view.message.text()


def test_model_fetches_pages_lazily_in_order(qtbot, tmp_path: Path, qtmodeltester) -> None:
    path = tmp_path / "db" / "inspector.db"
    with open_store(path) as store:
        users = add_users(store)
        open_lot(store, users["engineer"], "P1")
        for k in range(12):
            result = make_result(make_image(tmp_path / "img", k), n_defects=k % 3)
            recording.record_inspection(store, users["inspector"], "P1", result, station="s")
    database = DeskDatabase(path)
    try:
        model = HistoryTableModel(database, page_size=5)
        assert not model.canFetchMore(QModelIndex())  # nothing asked yet
        with qtbot.waitSignal(model.pageLoaded):
            model.set_query(HistoryFilter(), HistorySort(SortKey.LOT, descending=False))
        assert model.rowCount() == 5
        assert model.canFetchMore(QModelIndex())
        with qtbot.waitSignal(model.rowsInserted):
            model.fetchMore(QModelIndex())
        assert model.rowCount() == 10 and model.canFetchMore(QModelIndex())
        with qtbot.waitSignal(model.pageLoaded):
            model.fetchMore(QModelIndex())
        assert model.rowCount() == 12
        assert not model.canFetchMore(QModelIndex())
        seqs = [model.row_at(n).seq for n in range(12)]
        assert seqs == list(range(1, 13))
        ids = [model.index(n, 0).data(ROW_ROLE).inspection_id for n in range(12)]
        assert len(set(ids)) == 12
        qtbot.waitUntil(lambda: model.total == 12)
        qtmodeltester.check(model)
    finally:
        database.shutdown()


def test_models_pass_the_model_tester(qtbot, view: HistoryView, qtmodeltester) -> None:
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.gallery_model)


def test_gallery_shows_thumbnails_and_opens_a_ring(qtbot, view: HistoryView) -> None:
    view.show()
    view.tabs.setCurrentIndex(1)
    ids = [r.inspection_id for r in view.model.rows()]
    qtbot.waitUntil(lambda: all(view.gallery_model.cached(i) for i in ids), timeout=10000)
    icon = view.gallery_model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert not icon.isNull() and icon.width() == icon.height() == 150
    index = view.gallery_model.index(2, 0)
    rect = view.gallery.visualRect(index)
    with qtbot.waitSignal(view.ringOpened) as opened:
        double_click(qtbot, view.gallery.viewport(), rect.center())
    assert opened.args == [ids[2]]


def test_double_click_opens_the_ring_with_its_defects(qtbot, view: HistoryView) -> None:
    view.show()
    row = next(n for n, r in enumerate(view.model.rows()) if r.defects)
    wanted = view.model.row_at(row)
    rect = view.table.visualRect(view.model.index(row, 1))
    with qtbot.waitSignal(view.ringOpened) as opened:
        double_click(qtbot, view.table.viewport(), rect.center())
    assert opened.args == [wanted.inspection_id]
    dialog = view.ring_dialog
    assert dialog is not None and dialog.isVisible()
    record = dialog.panel.record()
    assert record is not None and (record.lot_no, record.seq) == (wanted.lot, wanted.seq)
    assert dialog.panel.defect_model().rowCount() == len(wanted.defects)
    assert dialog.panel.image_view().image_size() is not None
    dialog.close()


def test_export_writes_the_whole_filtered_view(
    qtbot, view: HistoryView, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "history.csv"
    target.parent.mkdir()
    monkeypatch.setattr(CsvSaveDialog, "ask", classmethod(lambda cls, parent, name: target))
    rows = apply(
        qtbot, view, HistoryFilter(customer="Fab One"), lambda: pick(view.customer, "Fab One")
    )
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, view.model)
    with qtbot.waitSignal(view.exported, timeout=5000) as done:
        view.export_csv()
    assert done.args == [str(target), 4]
    assert "Exported 4 rings" in view.message.text()
    with target.open(newline="", encoding="utf-8") as fh:
        written = list(csv.DictReader(fh))
    assert [(r["lot"], int(r["seq"])) for r in written] == sorted((r.lot, r.seq) for r in rows)
    assert {r["customer"] for r in written} == {"Fab One"}
    shown = {r.inspection_id: r for r in view.model.rows()}
    for record in written:
        assert " ".join(shown[int(record["inspection_id"])].defects) == record["defects"]
    assert not (target.parent / "history.csv.part").exists()


def test_export_cancelled_at_the_dialog_writes_nothing(
    view: HistoryView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CsvSaveDialog, "ask", classmethod(lambda cls, parent, name: None))
    view.export_csv()
    assert not view.exporting


def test_signed_out_shows_nothing(qtbot, view: HistoryView) -> None:
    view.set_user(None)
    assert view.model.rowCount() == 0
    assert not view.filter_bar.isEnabled()
    assert "Sign in" in view.empty.text()


def test_bad_filter_is_reported_not_raised(qtbot, view: HistoryView) -> None:
    with qtbot.waitSignal(view.model.failed) as failed:
        view.set_filter(HistoryFilter(defect_type="smudge"))
    assert "not a defect type" in failed.args[0]
    assert "not a defect type" in view.message.text()
    assert not view.model.canFetchMore(QModelIndex())
    assert view.defect_type.currentData() == "smudge"


def test_enter_opens_the_selected_ring(qtbot, view: HistoryView) -> None:
    view.show()
    view.table.setFocus()
    view.table.selectRow(3)
    with qtbot.waitSignal(view.ringOpened) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [view.model.row_at(3).inspection_id]


def test_export_in_chunks_shows_progress_and_can_be_cancelled(
    qtbot, view: HistoryView, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ui.desk.history_view as module

    monkeypatch.setattr(module, "EXPORT_CHUNK", 2)  # six rings: three chunks
    target = tmp_path / "all.csv"
    monkeypatch.setattr(CsvSaveDialog, "ask", classmethod(lambda cls, parent, name: target))
    with qtbot.waitSignal(view.exported, timeout=5000) as done:
        view.export_csv()
        assert view.exporting and view.export_progress.maximum() == 6
    assert done.args == [str(target), 6]
    assert not view.exporting and view.export_progress.isHidden()
    assert len(target.read_text(encoding="utf-8").splitlines()) == 7  # header and six rings

    again = tmp_path / "cancelled.csv"
    monkeypatch.setattr(CsvSaveDialog, "ask", classmethod(lambda cls, parent, name: again))
    view.export_csv()
    view.cancel_export()
    qtbot.waitUntil(lambda: not view.exporting)
    qtbot.waitUntil(lambda: not (tmp_path / "cancelled.csv.part").exists())
    assert not again.exists()
    assert "cancelled" in view.message.text()
