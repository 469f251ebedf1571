"""Fixtures for the GUI tests: a themed app, a station window on temporary settings, drops."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from inspector.calibration import Calibration
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.recipes import load_grade, load_recipe
from inspector.runner import InspectionSettings
from ui.gc_guard import GuiThreadGarbageCollector
from ui.main_window import MainWindow
from ui.settings import SettingsStore, StationSettings, UiState
from ui.station_service import InMemoryStationService

if TYPE_CHECKING:  # desk_records imports this module for settings_for
    from tests.ui.desk_records import DeskRecords

#: A good ring and a defective one from the committed sample set (see truth.json).
GOOD_SAMPLE = "ring_0003.jpg"
DEFECTIVE_SAMPLE = "ring_0023.jpg"  # cut through: fails under any grade


def truth(name: str) -> dict[str, object]:
    """The truth record of one sample image."""
    data = json.loads((SAMPLE_IMAGES_DIR / "truth.json").read_text(encoding="utf-8"))
    return next(i for i in data["images"] if i["file"] == name)


def settings_for(name: str) -> InspectionSettings:
    """Recipe, grade and a calibration matching the sample's true scale."""
    record = truth(name)
    recipe = load_recipe(str(record["part"]))
    px_per_mm = float(record["px_per_mm"])  # type: ignore[arg-type]
    calibration = Calibration(px_per_mm, 10.0, 10.0 * px_per_mm, "test", "2026-01-01", "test")
    return InspectionSettings(
        grade=load_grade(recipe.grade), recipe=recipe, calibration=calibration
    )


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    """A station window on temporary settings, camera off, an open demo lot."""
    store = SettingsStore(tmp_path / "station.json")
    store.save(StationSettings(station_name="Test station", default_recipe="AS568-129"))
    service = InMemoryStationService(lot="L-1", part="AS568-129", operator="T", sample_size=5)
    main = MainWindow(
        store=store,
        ui_state=UiState(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)),
        service=service,
        calibration_path=tmp_path / "calibration.json",
        start_camera=False,
    )
    qtbot.addWidget(main)
    main.resize(1400, 900)
    yield main
    main.shutdown()


def drop_urls(widget: QWidget, urls: list[QUrl], *, text: str = "") -> tuple[bool, bool]:
    """Drag ``urls`` (and ``text``) onto the middle of ``widget`` and drop them there.

    The events go to the top-level window, which finds the widget that takes drops under
    the point, as a drag from a file manager does. Returns whether the drag was taken on
    entering and whether the drop was.
    """
    window = widget.window().windowHandle()
    assert window is not None, "show the window first"
    point = QPointF(widget.mapTo(widget.window(), widget.rect().center()))
    mime = QMimeData()
    mime.setUrls(urls)
    if text:
        mime.setText(text)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction
    enter = QDragEnterEvent(point.toPoint(), actions, mime, buttons, keys)
    QApplication.sendEvent(window, enter)
    dropped = QDropEvent(point, actions, mime, buttons, keys)
    QApplication.sendEvent(window, dropped)
    return enter.isAccepted(), dropped.isAccepted()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As the station does (``ui/gc_guard.py``): no automatic collection, which could run
    in a worker thread and delete a widget there; each test's garbage is freed here, on
    the GUI thread, when it ends."""
    collector = GuiThreadGarbageCollector()
    yield
    collector.stop()
    gc.collect()


@pytest.fixture(scope="session")
def desk_records_template(tmp_path_factory: pytest.TempPathFactory) -> DeskRecords:
    """Built once per run: see :mod:`tests.ui.desk_records`."""
    from tests.ui.desk_records import build_records

    return build_records(tmp_path_factory.mktemp("desk-template"))


@pytest.fixture
def desk_records(desk_records_template: DeskRecords, tmp_path: Path) -> DeskRecords:
    """This test's own copy of the desk records database."""
    from tests.ui.desk_records import copy_records

    return copy_records(desk_records_template, tmp_path / "records")
