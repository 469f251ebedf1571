"""Render the station's views with demo data to PNGs: ``python -m ui.screenshots OUTDIR``.

Runs offscreen (no display needed) on the bundled sample images, with a temporary settings
folder, a temporary records database and a demo calibration, so it never touches the
station's real settings or records.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from inspector import auth
from inspector.calibration import Calibration, save_calibration
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.recipes import list_recipes, load_grade, load_recipe
from inspector.records import lots
from inspector.records.lots import LotSpec
from inspector.runner import InspectionSettings
from inspector.store import open_store
from ui.camera import ImageFolderSource
from ui.dialogs import OpenLotDialog, SettingsDialog
from ui.gc_guard import GuiThreadGarbageCollector
from ui.main_window import MainWindow
from ui.records_service import RecordsStationService
from ui.settings import SettingsStore, StationSettings, UiState
from ui.station_service import InMemoryStationService
from ui.theme import apply_theme

#: Screenshot size: a common station monitor, scaled down for the docs.
WINDOW_SIZE = (1600, 940)
SAVE_WIDTH = 1200


def wait_until(app: QApplication, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Run the event loop until ``done()`` or the timeout."""
    end = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the demo did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, path: Path, *, width: int | None = SAVE_WIDTH) -> Path:
    """Grab ``widget`` to a PNG, scaled to ``width`` px wide."""
    image = widget.grab().toImage()
    if width is not None and image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    # A 256-colour palette keeps the docs' PNGs small; the UI itself has few colours.
    image = image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.AvoidDither)
    image.save(str(path), "PNG", 0)  # 0: smallest file (PNG is lossless at any level)
    return path


def _truth(name: str) -> dict[str, object]:
    data = json.loads((SAMPLE_IMAGES_DIR / "truth.json").read_text(encoding="utf-8"))
    return next(i for i in data["images"] if i["file"] == name)


def render_all(outdir: Path) -> list[Path]:
    """Render every view; return the files written."""
    outdir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    collector = GuiThreadGarbageCollector(app)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        good = _truth("ring_0003.jpg")
        calibration = Calibration(
            px_per_mm=float(good["px_per_mm"]),  # type: ignore[arg-type]
            reference_od_mm=50.0,
            measured_od_px=50.0 * float(good["px_per_mm"]),  # type: ignore[arg-type]
            image="demo",
            measured_at="2026-11-27T06:00:00+00:00",
            station="demo",
        )
        cal_path = save_calibration(calibration, tmp_path / "calibration.json")
        store = SettingsStore(tmp_path / "station.json")
        store.save(StationSettings(station_name="QC-Station 2", default_recipe=str(good["part"])))
        service = InMemoryStationService(
            lot="L-2611-0427", part=str(good["part"]), operator="M. Keller", sample_size=80
        )
        ui_state = UiState(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
        window = MainWindow(
            store=store,
            ui_state=ui_state,
            service=service,
            calibration_path=cal_path,
            start_camera=False,
        )
        window.resize(*WINDOW_SIZE)
        window.show()
        view = window.station
        window.camera.start(ImageFolderSource(SAMPLE_IMAGES_DIR, fps=5.0))
        wait_until(app, lambda: window.camera.latest_frame() is not None)
        wait_until(app, lambda: view.live_view.image_size() is not None)

        def inspect(name: str) -> None:
            truth = _truth(name)
            recipe = load_recipe(str(truth["part"]))
            # Each synthetic image has its own scale; a real station has one calibration.
            scale = replace(calibration, px_per_mm=float(truth["px_per_mm"]))  # type: ignore[arg-type]
            view.set_inspection_settings(
                InspectionSettings(grade=load_grade(recipe.grade), recipe=recipe, calibration=scale)
            )
            before = len(service.results)
            view.inspect_path(str(SAMPLE_IMAGES_DIR / name))
            wait_until(app, lambda: len(service.results) > before)
            app.processEvents()

        for name in ("ring_0008.jpg", "ring_0005.jpg", "ring_0013.jpg"):
            inspect(name)
        inspect("ring_0003.jpg")
        written.append(save(window, outdir / "station_pass.png"))
        inspect("ring_0014.jpg")
        written.append(save(window, outdir / "station_fail.png"))

        # The result image zoomed on the first defect, overlays on.
        result = view.defects.defect_at(0).defect if view.defects.rowCount() else None
        if result is not None:
            view.result_view.set_zoom(4.0)
            box = result.bbox
            view.result_view.centerOn(box.x + box.w / 2, box.y + box.h / 2)
            app.processEvents()
            written.append(save(view.result_view, outdir / "image_view_zoom.png", width=None))
            view.result_view.fit()

        view.start_import([str(SAMPLE_IMAGES_DIR)], workers=2)
        wait_until(app, lambda: not window.inspections.batch_running(), timeout_s=120.0)
        app.processEvents()
        written.append(save(window, outdir / "station_import.png"))

        dialog = SettingsDialog(window.settings, ["AS568-129", "AS568-214"], window)
        dialog.show()
        app.processEvents()
        written.append(save(dialog, outdir / "settings_dialog.png", width=None))
        dialog.close()

        QTimer.singleShot(0, window.close)
        app.processEvents()
        window.close()
        written += _render_records(app, outdir, tmp_path, calibration)
    collector.stop()
    return written


DEMO_PASSWORD = "demo password"


def _render_records(
    app: QApplication, outdir: Path, tmp_path: Path, calibration: Calibration
) -> list[Path]:
    """Sign-in, a lot in progress and a completed plan, on a temporary database."""
    os.environ["INSPECTOR_DATA_DIR"] = str(tmp_path / "data")
    db = tmp_path / "records" / "inspector.db"
    with open_store(db) as records_store:
        admin = auth.add_user(
            records_store,
            None,
            name="admin",
            full_name="A. Admin",
            role="admin",
            password=DEMO_PASSWORD,
        )
        auth.add_user(
            records_store,
            admin,
            name="mkeller",
            full_name="M. Keller",
            role="engineer",
            password=DEMO_PASSWORD,
        )
    store = SettingsStore(tmp_path / "station-records.json")
    store.save(StationSettings(station_name="QC-Station 2", default_recipe="AS568-213"))
    records = RecordsStationService(db, station="QC-Station 2")
    ui_state = UiState(QSettings(str(tmp_path / "ui-records.ini"), QSettings.Format.IniFormat))
    window = MainWindow(
        store=store,
        ui_state=ui_state,
        records=records,
        calibration_path=tmp_path / "calibration.json",
        start_camera=False,
    )
    window.resize(*WINDOW_SIZE)
    window.show()
    written: list[Path] = []
    view = window.station
    wait_until(app, lambda: window.sign_in.button.isEnabled())
    window.sign_in.user.setText("mkeller")
    written.append(save(window, outdir / "sign_in.png"))
    records.sign_in("mkeller", DEMO_PASSWORD)
    wait_until(app, lambda: records.user is not None)
    window.camera.start(ImageFolderSource(SAMPLE_IMAGES_DIR, fps=5.0))
    wait_until(app, lambda: view.live_view.image_size() is not None)

    def inspect(name: str) -> None:
        truth = _truth(name)
        assert records.lot is not None
        recipe = records.lot.lot.recipe
        scale = replace(calibration, px_per_mm=float(truth["px_per_mm"]))  # type: ignore[arg-type]
        view.set_inspection_settings(
            InspectionSettings(grade=load_grade(recipe.grade), recipe=recipe, calibration=scale)
        )
        shown = view.history.rowCount()
        view.inspect_path(str(SAMPLE_IMAGES_DIR / name))
        wait_until(app, lambda: view.history.rowCount() > shown and records.pending() == 0)
        app.processEvents()

    def open_lot(spec: LotSpec, part: str) -> None:
        records.open_lot(spec, part)
        wait_until(app, lambda: records.lot is not None and records.lot.lot.lot_no == spec.lot_no)
        app.processEvents()

    dialog = OpenLotDialog(window, list_recipes(), "AS568-213")
    dialog.lot_no.setText("L-2611-0427")
    dialog.customer.setText("Fab One")
    dialog.po.setText("4500123456")
    dialog.po_line.setText("10")
    dialog.quantity.setValue(1000)
    dialog.compound.setText("FFKM 75 black")
    dialog.batch.setText("B-2611-07")
    dialog.cure.setText("4Q26")
    dialog.show()
    app.processEvents()
    written.append(save(dialog, outdir / "open_lot_dialog.png", width=None))
    spec, part = dialog.value()
    dialog.close()
    open_lot(spec, part)
    for name in ("ring_0013.jpg", "ring_0021.jpg"):
        inspect(name)
    written.append(save(window, outdir / "station_lot.png"))

    open_lot(
        LotSpec("L-2611-0431", quantity=2, customer="Fab One", hundred_percent=True), "AS568-117"
    )
    for name in ("ring_0002.png", "ring_0009.jpg"):
        inspect(name)
    wait_until(app, lambda: view.lot_done.isVisible())
    app.processEvents()
    written.append(save(window, outdir / "lot_complete.png"))
    written += _render_desk(app, window, outdir, db)
    window.close()
    window.shutdown()
    return written


def _render_desk(app: QApplication, window: MainWindow, outdir: Path, db: Path) -> list[Path]:
    """The quality desk's pages in the signed-in window (engineer, then admin)."""
    assert window.desk is not None
    desk = window.desk
    written: list[Path] = []

    def page(key: str, name: str) -> None:
        assert window.workspace.show_page(key), key
        wait_until(app, lambda: not desk.busy)
        app.processEvents()
        written.append(save(window, outdir / name))

    page("review", "desk_review.png")
    page("history", "desk_history.png")
    page("charts", "desk_charts.png")
    with open_store(db) as records_store:
        engineer = auth.get_user(records_store, "mkeller")
        lots.dispose(records_store, engineer, "L-2611-0431", reason="reviewed: cut ring sorted")
    assert window.workspace.show_page("lots")
    wait_until(app, lambda: not desk.busy)
    window.lots.select_lot("L-2611-0431")
    page("lots", "desk_lots.png")
    assert window.workspace.show_page("recipes")
    wait_until(app, lambda: not desk.busy)
    window.recipes.select_part("AS568-213")
    page("recipes", "desk_recipes.png")
    window.sign_out()
    window.records.sign_in("admin", DEMO_PASSWORD)  # type: ignore[union-attr]
    wait_until(app, lambda: window.workspace.page_keys() == ["station", "admin"])
    assert window.workspace.show_page("admin")
    window.admin.tabs.setCurrentIndex(1)  # the audit trail, with its chain checked
    window.admin.verify()
    page("admin", "desk_admin.png")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ui.screenshots OUTDIR``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    for path in render_all(Path(args[0])):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
