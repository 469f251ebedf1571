"""The station on the real records: first admin, sign-in, roles, lots, recording, plan end."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl

from inspector import auth
from inspector.auth import Permission, Role
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.records import history, lots, recording
from inspector.records.lots import LotSpec
from inspector.store import StoreLocked, StoreReadOnly, open_store
from tests.ui.conftest import GOOD_SAMPLE, drop_urls, settings_for, truth
from ui import records_service
from ui.app import parse_args
from ui.camera import ImageFolderSource
from ui.dialogs import FirstAdminDialog, NewAdmin, OpenLotDialog
from ui.main_window import MainWindow
from ui.records_service import RecordsStationService
from ui.settings import SettingsStore, StationSettings, UiState
from ui.station_view import PathPrompt

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform warns whenever a top-level window's size limits change.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]

PASSWORD = "station password"
#: Two sample images of one part (truth.json): a tiny 100 % lot of two distinct rings.
PAIR = ("ring_0013.jpg", "ring_0021.jpg")
PAIR_PART = "AS568-213"
GOOD_PART = str(truth(GOOD_SAMPLE)["part"])


def add_users(db: Path) -> None:
    """An admin, and one user of every other role (user name = role), on ``db``."""
    with open_store(db) as store:
        admin = auth.add_user(
            store, None, name="admin", full_name="Ada Admin", role="admin", password=PASSWORD
        )
        for role in ("inspector", "engineer", "manager"):
            auth.add_user(
                store, admin, name=role, full_name=role.title(), role=role, password=PASSWORD
            )


@pytest.fixture
def db(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INSPECTOR_DB", raising=False)
    return tmp_path / "records" / "station.db"


def _window(qtbot, tmp_path: Path, db: Path) -> MainWindow:
    store = SettingsStore(tmp_path / "station.json")
    store.save(StationSettings(station_name="Test station", default_recipe=GOOD_PART))
    records = RecordsStationService(db, station="Test station", retry_ms=20)
    main = MainWindow(
        store=store,
        ui_state=UiState(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)),
        records=records,
        calibration_path=tmp_path / "calibration.json",
        start_camera=False,
    )
    qtbot.addWidget(main)
    main.resize(1400, 900)
    return main


@pytest.fixture
def station(qtbot, tmp_path: Path, db: Path) -> Iterator[MainWindow]:
    """A station window on a database with a user of every role, at the sign-in screen."""
    add_users(db)
    main = _window(qtbot, tmp_path, db)
    main.show()
    qtbot.waitUntil(lambda: main.sign_in.button.isEnabled(), timeout=5000)
    yield main
    main.shutdown()


def sign_in(qtbot, window: MainWindow, name: str, password: str = PASSWORD) -> None:
    window.sign_in.user.setText(name)
    window.sign_in.password.setText(password)
    with qtbot.waitSignal(window.records.signedIn, timeout=5000):
        qtbot.mouseClick(window.sign_in.button, Qt.MouseButton.LeftButton)


def open_lot(qtbot, window: MainWindow, monkeypatch, spec: LotSpec, part: str) -> None:
    monkeypatch.setattr(OpenLotDialog, "ask", classmethod(lambda cls, *a: (spec, part)))
    with qtbot.waitSignal(window.records.lotChanged, timeout=5000):
        window.station.open_lot_action.trigger()


def on_station(window: MainWindow) -> bool:
    """The signed-in work area shows the station page."""
    return (
        window.pages.currentWidget() is window.workspace
        and window.workspace.current_key() == "station"
    )


def db_rows(db: Path, lot_no: str) -> list[history.HistoryRow]:
    with open_store(db) as store:
        return history.query(store, history.HistoryFilter(lot=lot_no))


# --- first run and sign-in -----------------------------------------------------------------


def test_first_run_asks_for_the_admin_and_signs_them_in(qtbot, tmp_path, db, monkeypatch):
    asked: list[str] = []
    answers = [
        NewAdmin("admin", "Ada Admin", "short"),  # the core refuses: too short
        NewAdmin("admin", "Ada Admin", PASSWORD),
    ]

    def ask(cls, parent, message=""):
        asked.append(message)
        return answers.pop(0)

    monkeypatch.setattr(FirstAdminDialog, "ask", classmethod(ask))
    window = _window(qtbot, tmp_path, db)
    window.show()
    with qtbot.waitSignal(window.records.signedIn, timeout=10000) as signed:
        pass
    assert signed.args[0].role is Role.ADMIN
    assert asked[0] == "" and "at least 8 characters" in asked[1]
    assert on_station(window)
    # An admin manages users; the station records nothing for them.
    assert not window.station.open_lot_action.isVisible()
    assert not window.station.capture_action.isEnabled()
    window.shutdown()
    with open_store(db) as store:
        assert [u.name for u in auth.list_users(store)] == ["admin"]


def test_sign_in_opens_the_station_for_that_user(qtbot, station):
    assert station.pages.currentWidget() is station.sign_in
    assert not station.menuBar().isVisible()
    sign_in(qtbot, station, "inspector")
    assert on_station(station)
    assert station.station.header.value("operator") == "Inspector"
    assert station.station.header.value("lot") == "no lot open"
    assert station.station.lot_field.hasFocus()
    station.sign_out()
    assert station.pages.currentWidget() is station.sign_in


def test_wrong_password_and_lock_out_show_the_cores_message(qtbot, station):
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        station.sign_in.user.setText("inspector")
        station.sign_in.password.setText("not the password")
        with qtbot.waitSignal(station.records.signInFailed, timeout=5000) as failed:
            station.sign_in.submit()
        assert failed.args[0] == "Unknown user or wrong password"
        assert station.sign_in.problem_text() == "Unknown user or wrong password"
        assert station.pages.currentWidget() is station.sign_in
    station.sign_in.password.setText("still wrong")
    with qtbot.waitSignal(station.records.signInFailed, timeout=5000):
        station.sign_in.submit()
    assert "locked for 15 minutes" in station.sign_in.problem_text()
    station.sign_in.password.setText(PASSWORD)
    with qtbot.waitSignal(station.records.signInFailed, timeout=5000):
        station.sign_in.submit()
    assert "is locked" in station.sign_in.problem_text()
    assert station.records.user is None


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "engineer", "manager", "admin"])
def test_the_window_offers_what_the_core_grants(qtbot, station, role):
    sign_in(qtbot, station, role)
    user = station.records.user
    view = station.station
    assert view.open_lot_action.isVisible() == user.can(Permission.OPEN_LOT)
    assert view.open_lot_button.isVisibleTo(view) == user.can(Permission.OPEN_LOT)
    assert view.capture_action.isEnabled() == user.can(Permission.INSPECT)
    assert view.import_action.isEnabled() == user.can(Permission.INSPECT)
    texts = [a.text().lower() for a in station.findChildren(type(view.capture_action))]
    assert not [t for t in texts if "overrule" in t or "override" in t or "review" in t]


def test_a_manager_cannot_open_a_lot_even_by_asking(qtbot, station, monkeypatch):
    sign_in(qtbot, station, "manager")
    asked = []
    monkeypatch.setattr(OpenLotDialog, "ask", classmethod(lambda cls, *a: asked.append(a)))
    station.open_lot()
    assert asked == []


# --- lots, captures, plan end ----------------------------------------------------------------


def _camera_on(qtbot, window: MainWindow, tmp_path: Path, sample: str) -> None:
    folder = tmp_path / "camera"
    folder.mkdir()
    shutil.copy(SAMPLE_IMAGES_DIR / sample, folder / sample)
    window.camera.start(ImageFolderSource(folder, fps=30.0))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts need the active window
    qtbot.waitUntil(lambda: window.camera.latest_frame() is not None, timeout=5000)


def test_open_lot_then_capture_records_into_the_lot(qtbot, station, tmp_path, db, monkeypatch):
    sign_in(qtbot, station, "engineer")
    spec = LotSpec("L-T1", quantity=1000, customer="Fab One", po="PO-7", cure_quarter="4Q26")
    open_lot(qtbot, station, monkeypatch, spec, GOOD_PART)
    view = station.station
    header = view.header
    assert header.value("lot") == "L-T1"
    assert header.value("part") == GOOD_PART
    assert header.value("customer") == "Fab One"
    assert header.value("plan") == "n 80 · Ac 2 · Re 3"
    assert header.value("progress") == "0 / 80"
    assert view._settings.recipe.name == GOOD_PART  # inspections use the lot's recipe
    _camera_on(qtbot, station, tmp_path, GOOD_SAMPLE)
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))  # the sample's own scale
    with qtbot.waitSignal(station.records.lotChanged, timeout=15000):
        qtbot.keyClick(view.capture_button, Qt.Key.Key_Space)
    rows = db_rows(db, "L-T1")
    assert [(r.seq, r.operator, r.station, r.verdict) for r in rows] == [
        (1, "engineer", "Test station", "pass")
    ]
    assert header.value("progress") == "1 / 80"
    assert header.value("rejected") == "0 · Ac 2 / Re 3"


def test_scanning_a_lot_selects_it_and_unknown_lots_are_refused(qtbot, station, db):
    with open_store(db) as store:
        user = auth.authenticate(store, "engineer", PASSWORD)
        lots.open_lot(
            store,
            user,
            LotSpec("L-SCAN", quantity=3, hundred_percent=True),
            recipe=settings_for(GOOD_SAMPLE).recipe,
        )
    sign_in(qtbot, station, "inspector")
    view = station.station
    with qtbot.waitSignal(station.records.lotFailed, timeout=5000) as failed:
        qtbot.keyClicks(view.lot_field, "L-NOPE")
        qtbot.keyClick(view.lot_field, Qt.Key.Key_Return)  # the scanner's Enter
    assert failed.args[0] == "No lot L-NOPE in the records"  # the core's words
    assert view.messages.text() == failed.args[0]
    view.lot_field.clear()
    with qtbot.waitSignal(station.records.lotChanged, timeout=5000):
        qtbot.keyClicks(view.lot_field, "L-SCAN")
        qtbot.keyClick(view.lot_field, Qt.Key.Key_Return)
    assert view.header.value("lot") == "L-SCAN"
    assert view.header.value("plan") == "100 %"
    assert view.capture_button.hasFocus()  # ready for Space


def test_plan_end_shows_the_disposition_and_clears_the_lot(qtbot, station, db, monkeypatch):
    sign_in(qtbot, station, "inspector")
    open_lot(
        qtbot, station, monkeypatch, LotSpec("L-T2", quantity=2, hundred_percent=True), PAIR_PART
    )
    view = station.station
    with qtbot.waitSignal(station.records.planComplete, timeout=30000) as complete:
        view.start_import([str(SAMPLE_IMAGES_DIR / name) for name in PAIR], workers=1)
    assert complete.args[0].progress.decision == "sorted"
    assert view.lot_done.isVisible()
    assert "LOT SORTED" in view.lot_done.title()
    assert "2 of 2 rings inspected" in view.lot_done.detail()
    assert view.header.value("lot") == "no lot open"
    assert view.lot_field.text() == "" and view.lot_field.hasFocus()
    assert len(db_rows(db, "L-T2")) == 2


def test_folder_import_cancelled_records_only_what_finished(
    qtbot, station, tmp_path, db, monkeypatch
):
    folder = tmp_path / "batch"
    folder.mkdir()
    for path in sorted(SAMPLE_IMAGES_DIR.glob("ring_00*.jpg")):
        shutil.copy(path, folder / path.name)
    total = len(list(folder.iterdir()))
    sign_in(qtbot, station, "engineer")
    open_lot(
        qtbot, station, monkeypatch, LotSpec("L-T3", quantity=500, hundred_percent=True), GOOD_PART
    )
    view = station.station
    view.start_import([str(folder)], workers=1)
    qtbot.waitUntil(lambda: view.history.rowCount() >= 1, timeout=15000)
    with qtbot.waitSignal(station.inspections.batchFinished, timeout=15000) as finished:
        view.cancel_import()
    done, _, cancelled = finished.args
    assert cancelled and done < total
    qtbot.waitUntil(lambda: station.records.pending() == 0, timeout=15000)
    recorded = sorted(r.image for r in db_rows(db, "L-T3"))
    shown = sorted(Path(view.history.row_at(i).result.image).name for i in range(done))
    assert recorded == shown
    assert view.history.rowCount() == done


def test_a_drop_without_a_lot_does_what_the_import_button_does(
    qtbot, station, tmp_path, db, monkeypatch
):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, folder / GOOD_SAMPLE)
    sign_in(qtbot, station, "inspector")
    view = station.station
    assert view.header.value("lot") == "no lot open"
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    monkeypatch.setattr(PathPrompt, "ask_folder", classmethod(lambda cls, *a: str(folder)))
    said = []
    for start in (
        lambda: qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton),
        lambda: drop_urls(view.result_view, [QUrl.fromLocalFile(str(folder))]),
    ):
        view.messages.dismiss()
        with qtbot.waitSignal(station.inspections.batchFinished, timeout=15000) as finished:
            start()
        said.append((finished.args, view.messages.text()))
    assert said[0] == said[1]
    assert said[0][0] == [1, 1, False]
    assert "not recorded" in said[0][1] and "no lot is selected" in said[0][1]
    assert view.history.rowCount() == 2


def test_view_only_roles_cannot_drop_either(qtbot, station, tmp_path):
    sign_in(qtbot, station, "manager")
    view = station.station
    assert not view.import_button.isEnabled()
    url = QUrl.fromLocalFile(str(SAMPLE_IMAGES_DIR / GOOD_SAMPLE))
    assert drop_urls(view.result_view, [url]) == (False, False)
    assert not station.inspections.batch_running()


@pytest.mark.parametrize(
    "error",
    [
        StoreLocked("the database x.db stayed locked by another station for more than 30 s"),
        StoreReadOnly("the database x.db is read-only; nothing was recorded"),
    ],
)
def test_database_trouble_keeps_the_ring_and_says_so_once(qtbot, station, db, monkeypatch, error):
    sign_in(qtbot, station, "engineer")
    open_lot(
        qtbot, station, monkeypatch, LotSpec("L-T4", quantity=10, hundred_percent=True), GOOD_PART
    )
    real = recording.record_inspection
    failures = []

    def flaky(*args, **kwargs):
        if len(failures) < 3:
            failures.append(1)
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(records_service.recording, "record_inspection", flaky)
    view = station.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    with qtbot.waitSignal(station.records.error, timeout=15000):
        view.inspect_path(str(SAMPLE_IMAGES_DIR / GOOD_SAMPLE))
    text = view.messages.text()
    assert str(error) in text and "1 ring is kept" in text
    assert "Traceback" not in text and "\n" not in text
    # Retried on the timer until the database answers; nothing lost, counted once.
    qtbot.waitUntil(lambda: station.records.pending() == 0, timeout=10000)
    assert len(failures) == 3
    assert [r.seq for r in db_rows(db, "L-T4")] == [1]
    assert "every kept ring is now recorded" in view.messages.text()
    qtbot.waitUntil(lambda: view.header.value("progress") == "1 / 10", timeout=5000)


def test_db_option_overrides_the_default():
    assert parse_args(["--db", "/tmp/x.db"]).db == "/tmp/x.db"
    assert parse_args([]).db is None
