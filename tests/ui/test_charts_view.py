"""The charts view: gathered in the worker, following the filter, exported as PNG."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from inspector.certificates.from_records import MEASURED_SCALE_SOURCES, OTHER_NONCONFORMITY
from inspector.quality_charts import CHARTS
from inspector.records.history import HistoryFilter
from inspector.records.statistics import QualityData, gather
from inspector.store import repo
from tests.ui.desk_records import LOTS, DeskRecords
from ui.desk.charts_view import ChartFolderDialog, ChartsView, PngFileDialog
from ui.desk.database import DeskDatabase

pytestmark = pytest.mark.gui


@pytest.fixture
def db(desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


def _view(qtbot, db: DeskDatabase, desk_records: DeskRecords) -> ChartsView:
    view = ChartsView(db)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.chartsUpdated, timeout=20000):
        view.set_user(desk_records.users["engineer"])
    return view


def _show(qtbot, view: ChartsView, f: HistoryFilter) -> QualityData:
    with qtbot.waitSignal(view.chartsUpdated, timeout=20000) as blocker:
        view.set_filter(f)
    data = blocker.args[0]
    assert isinstance(data, QualityData)
    return data


def _texts(fig: Figure | None) -> str:
    assert fig is not None
    fig.canvas.draw()
    return "\n".join(str(t.get_text()) for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def _expected(desk_records: DeskRecords) -> tuple[Counter[str], int, int, int]:
    """Defects as finally called, rings, nonconforming and measured rings, by the
    certificates' rules applied to the raw rows (not through the statistics' SQL)."""
    counts: Counter[str] = Counter()
    rings = failed = measured = 0
    with desk_records.open() as store, store.snapshot() as tx:
        for lot_no, *_ in LOTS:
            lot = repo.lot_by_no(tx, lot_no)
            assert lot is not None
            defects = repo.defects_of_lot(tx, int(lot["id"]))
            for ring in repo.inspections_of(tx, int(lot["id"])):
                if ring["final_verdict"] not in ("pass", "fail"):
                    continue
                rings += 1
                measured += ring["scale_source"] in MEASURED_SCALE_SOURCES
                if ring["final_verdict"] != "fail":
                    continue
                failed += 1
                mine = [d for d in defects if d["inspection_id"] == ring["id"]]
                rejecting = [str(d["type"]) for d in mine if d["final_reject"]]
                counts.update(rejecting or [OTHER_NONCONFORMITY])
    return counts, rings, failed, measured


def test_charts_show_the_records_gathered_in_the_worker(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)
    data = view.data()
    assert data is not None
    counts, rings, failed, _ = _expected(desk_records)
    assert sum(counts.values()) > 0  # the fixture has genuine defects
    assert dict(data.defects) == dict(counts)
    assert (data.inspected, data.nonconforming) == (rings, failed)
    assert [lot.lot_no for lot in data.lots] == [lot_no for lot_no, *_ in LOTS]
    # The Pareto is the tab shown first, drawn in a Qt canvas bound to PySide6.
    from matplotlib.backends import qt_compat
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    assert qt_compat.QT_API == "PySide6"
    fig = view.figure("pareto")
    assert fig is not None and isinstance(fig.canvas, FigureCanvasQTAgg)
    bars = [int(p.get_height()) for p in fig.axes[0].patches]
    assert bars == sorted(counts.values(), reverse=True)
    assert view.figure("trend") is None  # built only when looked at
    view.show_chart("trend")
    assert view.figure("trend") is not None


def test_a_filter_change_changes_the_charts(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)
    l117 = _show(qtbot, view, HistoryFilter(lot="L-117"))
    pareto_117 = _texts(view.figure("pareto"))
    l910 = _show(qtbot, view, HistoryFilter(lot="L-910"))
    pareto_910 = _texts(view.figure("pareto"))
    assert l117.lots[0].lot_no == "L-117" and l910.lots[0].lot_no == "L-910"
    assert dict(l117.defects) != dict(l910.defects)
    assert "lot L-117" in pareto_117 and "lot L-910" in pareto_910
    with desk_records.open() as store:
        assert dict(l910.defects) == dict(gather(store, HistoryFilter(lot="L-910")).defects)
    assert view.current_filter() == HistoryFilter(lot="L-910")


def test_dimension_charts_need_one_part(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)  # three lots of three parts
    for key in ("id-imr", "cs-xbar", "id-histogram"):
        view.show_chart(key)
        text = _texts(view.figure(key))
        assert "Choose one part" in text
        assert "AS568-117, AS568-213, AS568-910" in text
    _show(qtbot, view, HistoryFilter(part="AS568-117"))
    view.show_chart("id-histogram")
    text = _texts(view.figure("id-histogram"))
    assert "Choose one part" not in text and "Cpk" in text and "LSL" in text


def test_a_newer_filter_drops_the_stale_answer(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)
    shown: list[HistoryFilter] = []
    view.chartsUpdated.connect(lambda data: shown.append(data.selection))
    view.set_filter(HistoryFilter(lot="L-117"))
    assert view.is_busy()
    view.set_filter(HistoryFilter(lot="L-213"))
    view.set_filter(HistoryFilter(lot="L-910"))
    qtbot.waitUntil(lambda: not view.is_busy() and not db.busy, timeout=20000)
    assert shown == [HistoryFilter(lot="L-910")]
    data = view.data()
    assert data is not None and [lot.lot_no for lot in data.lots] == ["L-910"]


def test_export_png_writes_the_chart_shown(qtbot, db, desk_records, tmp_path, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records)
    _show(qtbot, view, HistoryFilter(lot="L-117"))
    view.show_chart("p-chart")
    asked: list[Path] = []

    def ask(cls, parent, suggested: Path) -> Path:
        asked.append(suggested)
        return tmp_path / "p.png"

    monkeypatch.setattr(PngFileDialog, "ask", classmethod(ask))
    with qtbot.waitSignal(view.exported, timeout=20000) as blocker:
        view.export_current()
    assert asked[0].name == "lot-L-117-p-chart.png"
    assert blocker.args[0] == [tmp_path / "p.png"]
    raw = (tmp_path / "p.png").read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    import cv2

    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (1000, 1800)
    assert "Saved" in view.message()


def test_export_all_writes_every_chart(qtbot, db, desk_records, tmp_path, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records)
    monkeypatch.setattr(ChartFolderDialog, "ask", classmethod(lambda cls, parent, start: tmp_path))
    with qtbot.waitSignal(view.exported, timeout=30000):
        view.export_all()
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == sorted(f"all-records-{spec.key}.png" for spec in CHARTS)
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in tmp_path.glob("*.png"))


def test_cancelled_export_writes_nothing(qtbot, db, desk_records, tmp_path, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records)
    monkeypatch.setattr(PngFileDialog, "ask", classmethod(lambda cls, parent, suggested: None))
    view.export_current()
    assert not db.busy and view.message() == ""


def test_errors_go_to_the_message_bar(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)
    view.set_filter(HistoryFilter(verdict="maybe"))
    qtbot.waitUntil(lambda: view.message() != "", timeout=20000)
    assert "verdict is one of pass, fail, error" in view.message().lower()
    assert view.data() is not None  # the last good charts stay


def test_signed_out_shows_nothing(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records)
    view.set_user(None)
    assert view.data() is None and view.figure("pareto") is None
    assert not view._export_button.isEnabled()
    view.refresh()
    assert not view.is_busy()
