"""The signed-in work area: which pages each role sees, and the desk wired together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from inspector.records.history import HistoryFilter
from tests.ui.desk_records import PASSWORD, DeskRecords
from ui.main_window import MainWindow
from ui.records_service import RecordsStationService
from ui.settings import SettingsStore, StationSettings, UiState

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path: Path, desk_records: DeskRecords) -> Iterator[MainWindow]:
    store = SettingsStore(tmp_path / "station.json")
    store.save(StationSettings(station_name="Desk station", default_recipe="AS568-213"))
    main = MainWindow(
        store=store,
        ui_state=UiState(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)),
        records=RecordsStationService(desk_records.db_path, station="Desk station"),
        calibration_path=tmp_path / "calibration.json",
        start_camera=False,
    )
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    qtbot.waitUntil(lambda: main.sign_in.button.isEnabled(), timeout=5000)
    yield main
    main.shutdown()


def sign_in(qtbot, window: MainWindow, name: str) -> None:
    window.sign_in.user.setText(name)
    window.sign_in.password.setText(PASSWORD)
    with qtbot.waitSignal(window.records.signedIn, timeout=5000):
        qtbot.mouseClick(window.sign_in.button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        ("ins", ["station"]),
        ("eng", ["station", "review", "history", "charts", "lots", "recipes"]),
        ("man", ["station", "history", "charts", "lots", "recipes"]),
        ("admin", ["station", "admin"]),
    ],
)
def test_each_role_sees_its_pages(qtbot, window: MainWindow, name: str, pages: list[str]) -> None:
    sign_in(qtbot, window, name)
    assert window.pages.currentWidget() is window.workspace
    assert window.workspace.page_keys() == pages
    assert window.workspace.current_key() == "station"
    hidden = {"review", "history", "charts", "lots", "recipes", "admin"} - set(pages)
    for key in hidden:
        assert not window.workspace.show_page(key)
    window.sign_out()
    assert window.workspace.page_keys() == []
    assert window.pages.currentWidget() is window.sign_in


def test_pages_open_by_shortcut_and_charts_follow_the_history_filter(
    qtbot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "eng")
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace.current_key() == "history"
    assert window.workspace.stack.currentWidget() is window.history
    window.history.set_filter(HistoryFilter(lot="L-117"))
    assert window.charts.current_filter().lot == "L-117"
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace.stack.currentWidget() is window.charts
    qtbot.waitUntil(lambda: not window.desk.busy, timeout=10000)
