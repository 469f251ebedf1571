"""The station view end to end: capture → verdict, import with cancel, errors, responsiveness."""

from __future__ import annotations

import gc
import itertools
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer, QUrl

from inspector import auth
from inspector.outcome import Verdict
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.records import history, lots
from inspector.records.lots import LotSpec
from inspector.store import open_store
from tests.ui.conftest import DEFECTIVE_SAMPLE, GOOD_SAMPLE, drop_urls, settings_for, truth
from ui.camera import Frame, ImageFolderSource
from ui.main_window import MainWindow
from ui.records_service import RecordsStationService
from ui.settings import SettingsStore, StationSettings, UiState

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform warns whenever a top-level window's size limits change.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]


def _camera_on(
    qtbot, window, tmp_path, sample: str, source: type[ImageFolderSource] = ImageFolderSource
) -> None:
    folder = tmp_path / "camera"
    folder.mkdir()
    shutil.copy(SAMPLE_IMAGES_DIR / sample, folder / sample)
    window.camera.start(source(folder, fps=30.0))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    # Window shortcuts (Space, Enter) fire only in the active window; earlier tests' windows
    # may still hold activation for a moment.
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.waitUntil(lambda: window.camera.latest_frame() is not None, timeout=5000)


@pytest.mark.parametrize(
    ("sample", "verdict", "word"),
    [(GOOD_SAMPLE, Verdict.PASS, "PASS"), (DEFECTIVE_SAMPLE, Verdict.FAIL, "FAIL")],
)
def test_space_captures_and_shows_the_verdict(qtbot, window, tmp_path, sample, verdict, word):
    _camera_on(qtbot, window, tmp_path, sample)
    view = window.station
    view.set_inspection_settings(settings_for(sample))
    with qtbot.waitSignal(view.resultShown, timeout=10000) as shown:
        qtbot.keyClick(view.capture_button, Qt.Key.Key_Space)  # the pedal sends a key
    assert shown.args[0].verdict is verdict
    assert view.banner.verdict() is verdict
    assert word in view.banner.title()  # the word, not only the colour
    assert view.result_view.image_size() is not None
    assert view.header.value("progress") == "1 / 5"
    if verdict is Verdict.FAIL:
        assert view.defects.rowCount() >= 1
        assert view.banner.detail()
    else:
        assert view.dimensions.row("ID").status == "OK"
        assert view.dimensions.row("CS").status == "OK"


def test_enter_also_captures(qtbot, window, tmp_path):
    _camera_on(qtbot, window, tmp_path, GOOD_SAMPLE)
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    with qtbot.waitSignal(view.resultShown, timeout=10000):
        qtbot.keyClick(view.defect_table, Qt.Key.Key_Return)


def test_no_override_control_exists(qtbot, window):
    texts = [a.text().lower() for a in window.findChildren(type(window.station.capture_action))]
    assert not [t for t in texts if "overrule" in t or "override" in t or "accept" in t]


def test_capture_without_camera_says_so(qtbot, window):
    window.station.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.station.capture()
    assert "No picture from the camera" in window.station.messages.text()


def test_folder_import_can_be_cancelled(qtbot, window, tmp_path):
    folder = tmp_path / "lot"
    folder.mkdir()
    for path in sorted(SAMPLE_IMAGES_DIR.glob("ring_00*.jpg")):
        shutil.copy(path, folder / path.name)
    total = len(list(folder.iterdir()))
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    view.start_import([str(folder)], workers=1)
    assert view.progress.isVisible()
    assert view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.history.rowCount() >= 1, timeout=10000)
    with qtbot.waitSignal(window.inspections.batchFinished, timeout=10000) as finished:
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    done, all_images, cancelled = finished.args
    assert cancelled
    assert all_images == total
    assert done < total
    assert not view.progress.isVisible()
    assert "cancelled" in view.status.text()


def _url(path: Path) -> QUrl:
    return QUrl.fromLocalFile(str(path))


def test_dropped_files_and_folders_are_imported_into_the_lot(qtbot, window, tmp_path):
    folder = tmp_path / "dropped"
    folder.mkdir()
    for name in (GOOD_SAMPLE, DEFECTIVE_SAMPLE):
        shutil.copy(SAMPLE_IMAGES_DIR / name, folder / name)
    single = tmp_path / "single.jpg"
    shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, single)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a ring", encoding="utf-8")
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.inspections.batchFinished, timeout=20000) as finished:
        taken = drop_urls(view.result_view, [_url(folder), _url(single), _url(notes)])
        assert taken == (True, True)
        # The import button's machinery: progress, Cancel, the button off until it ends.
        assert view.progress.isVisible()
        assert view.cancel_button.isEnabled()
        assert not view.import_button.isEnabled()
    assert finished.args == [3, 3, False]  # the text file is not an image: left out
    assert view.history.rowCount() == 3
    assert {Path(view.history.row_at(i).result.image).name for i in range(3)} == {
        GOOD_SAMPLE,
        DEFECTIVE_SAMPLE,
        "single.jpg",
    }
    assert len(window.station._service.results) == 3  # recorded into the open lot
    assert view.header.value("progress") == "3 / 5"
    assert view.import_button.isEnabled()
    assert view._last_folder == str(folder)


def test_a_drop_on_the_live_image_can_be_cancelled(qtbot, window, tmp_path):
    folder = tmp_path / "lot"
    folder.mkdir()
    for path in sorted(SAMPLE_IMAGES_DIR.glob("ring_00*.jpg")):
        shutil.copy(path, folder / path.name)
    total = len(list(folder.iterdir()))
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    qtbot.waitExposed(window)
    assert drop_urls(view.live_view, [_url(folder)]) == (True, True)
    qtbot.waitUntil(lambda: view.history.rowCount() >= 1, timeout=10000)
    with qtbot.waitSignal(window.inspections.batchFinished, timeout=10000) as finished:
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    done, all_images, cancelled = finished.args
    assert cancelled and all_images == total and done < total


def test_drops_without_image_files_are_ignored(qtbot, window, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a ring", encoding="utf-8")
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    qtbot.waitExposed(window)
    for urls, text in (
        ([], "ring_0003.jpg"),  # dragged text, not a file
        ([QUrl("https://example.com/ring_0003.jpg")], ""),
        ([_url(notes)], ""),
        ([_url(tmp_path / "gone.jpg")], ""),
    ):
        assert drop_urls(view.result_view, urls, text=text) == (False, False)
    assert not window.inspections.batch_running()
    assert not view.progress.isVisible()
    assert view.history.rowCount() == 0


def test_a_drop_during_an_import_is_refused(qtbot, window, tmp_path):
    folder = tmp_path / "lot"
    folder.mkdir()
    for path in sorted(SAMPLE_IMAGES_DIR.glob("ring_00*.jpg")):
        shutil.copy(path, folder / path.name)
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    qtbot.waitExposed(window)
    view.start_import([str(folder)], workers=1)
    assert drop_urls(view.result_view, [_url(SAMPLE_IMAGES_DIR / GOOD_SAMPLE)]) == (False, False)
    with qtbot.waitSignal(window.inspections.batchFinished, timeout=10000) as finished:
        view.cancel_import()
    assert finished.args[1] == len(list(folder.iterdir()))  # only the first import ran


def test_a_drop_without_a_recipe_says_so_like_the_button(qtbot, window, tmp_path):
    view = window.station
    view.set_inspection_settings(None)
    window.show()
    qtbot.waitExposed(window)
    drop_urls(view.result_view, [_url(SAMPLE_IMAGES_DIR / GOOD_SAMPLE)])
    assert view.messages.text() == "Cannot import: the station has no valid recipe."
    assert not window.inspections.batch_running()


def test_corrupt_file_shows_one_clear_message(qtbot, window, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10)
    view = window.station
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))
    window.show()
    with qtbot.waitSignal(window.inspections.error, timeout=10000):
        view.inspect_path(str(bad))
    text = view.messages.text()
    assert view.messages.isVisible()
    assert "bad.png" in text
    assert "Traceback" not in text and "Error(" not in text
    assert text.count("\n") == 0
    assert view.banner.verdict() is None
    assert window.inspections.pending() == 0


class NumberedFolderSource(ImageFolderSource):
    """The simulated camera with every frame a different picture of the same ring.

    The records keep one inspection per lot and image hash, so a hundred captures of one
    still image would be one ring. The frame number goes into the lowest bit of the first
    16 values (a change of at most 1 in a corner of the background), which the engine
    cannot see and the hash cannot miss.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._number = 0

    def read(self) -> Frame:
        frame = super().read().copy()  # the folder source hands out its cached frame
        self._number += 1
        flat = frame.reshape(-1)
        bits = (self._number >> np.arange(16)) & 1
        flat[:16] = (flat[:16] & ~np.array(1, frame.dtype)) | bits.astype(frame.dtype)
        return frame


RECORDS_LOT = "L-100"
RECORDS_PASSWORD = "station password"


@pytest.fixture
def records_station(qtbot, tmp_path: Path, monkeypatch) -> Iterator[tuple[MainWindow, Path]]:
    """A station on a temporary records database: an inspector signed in, and a 100 %
    lot of 100 rings of the good sample's part selected by scanning it."""
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INSPECTOR_DB", raising=False)
    db = tmp_path / "records" / "station.db"
    with open_store(db) as store:
        admin = auth.add_user(
            store,
            None,
            name="admin",
            full_name="Ada Admin",
            role="admin",
            password=RECORDS_PASSWORD,
        )
        inspector = auth.add_user(
            store,
            admin,
            name="inspector",
            full_name="Ian Inspector",
            role="inspector",
            password=RECORDS_PASSWORD,
        )
        engineer = auth.add_user(
            store,
            admin,
            name="engineer",
            full_name="Eve Engineer",
            role="engineer",
            password=RECORDS_PASSWORD,
        )
        assert inspector.can(auth.Permission.INSPECT)
        lots.open_lot(
            store,
            engineer,
            LotSpec(RECORDS_LOT, quantity=100, hundred_percent=True),
            recipe=settings_for(GOOD_SAMPLE).recipe,
        )
    settings = SettingsStore(tmp_path / "station.json")
    settings.save(
        StationSettings(station_name="Test station", default_recipe=str(truth(GOOD_SAMPLE)["part"]))
    )
    main = MainWindow(
        store=settings,
        ui_state=UiState(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)),
        records=RecordsStationService(db, station="Test station", retry_ms=20),
        calibration_path=tmp_path / "calibration.json",
        start_camera=False,
    )
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    qtbot.waitUntil(main.sign_in.button.isEnabled, timeout=5000)
    main.sign_in.user.setText("inspector")
    main.sign_in.password.setText(RECORDS_PASSWORD)
    with qtbot.waitSignal(main.records.signedIn, timeout=5000):
        qtbot.mouseClick(main.sign_in.button, Qt.MouseButton.LeftButton)
    view = main.station
    with qtbot.waitSignal(main.records.lotChanged, timeout=5000):
        qtbot.keyClicks(view.lot_field, RECORDS_LOT)
        qtbot.keyClick(view.lot_field, Qt.Key.Key_Return)  # the scanner's Enter
    assert view.header.value("progress") == "0 / 100"
    yield main, db
    main.shutdown()


def test_100_captures_are_all_recorded_and_the_event_loop_never_stalls(
    qtbot, records_station, tmp_path
):
    window, db = records_station
    # The earlier tests' windows and images are garbage by now; a full collection of them
    # in the middle of the measurement would be their pause, not the station's.
    gc.collect()
    # A hundred captures allocate enough to set off one full collection, and that walks
    # every object alive (60,000+ from the imports and the earlier tests alone: 35-55 ms
    # here, over 100 ms when other work shares the 2 cores). Frozen, those are left out;
    # the collector still walks everything the captures and recording create.
    gc.freeze()
    try:
        _camera_on(qtbot, window, tmp_path, GOOD_SAMPLE, NumberedFolderSource)
        view = window.station
        view.set_inspection_settings(settings_for(GOOD_SAMPLE))  # the sample's own scale
        # The desk's pages load behind the station once per sign-in (a few hundred ms of
        # filling tables on a slow machine); what is measured here is the captures.
        qtbot.waitUntil(lambda: window.desk is not None and not window.desk.busy, timeout=10000)
        qtbot.wait(50)
        with open_store(db) as store:  # the test thread's own connection
            beats: list[float] = []
            heartbeat = QTimer()
            heartbeat.setInterval(10)
            heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
            heartbeat.start()
            for _ in range(100):
                with qtbot.waitSignal(view.resultShown, timeout=10000):
                    qtbot.keyClick(view.capture_button, Qt.Key.Key_Space)
                # The next capture must take a newer frame than this one did.
                seen = window.camera.frames_read()
                qtbot.waitUntil(lambda seen=seen: window.camera.frames_read() > seen, timeout=5000)
            # Recording runs behind the verdicts, on the records worker's thread; the
            # station hears of the last commit a moment after the database has it.
            qtbot.waitUntil(
                lambda: lots.progress(store, RECORDS_LOT).inspected == 100, timeout=30000
            )
            qtbot.waitUntil(lambda: window.records.pending() == 0, timeout=5000)
            heartbeat.stop()
            progress = lots.progress(store, RECORDS_LOT)
            rows = history.query(store, history.HistoryFilter(lot=RECORDS_LOT))
    finally:
        gc.unfreeze()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(rows) == 100  # every capture, none twice, no error rows
    assert sorted(r.seq for r in rows) == list(range(1, 101))
    assert {r.verdict for r in rows} == {"pass"}
    assert (progress.inspected, progress.errors, progress.decision) == (100, 0, "sorted")
    assert window.records.pending() == 0
    # Work done on the GUI thread per capture (the engine, the database, a big image
    # conversion) would make one beat late at every capture: a hundred stalls. Other
    # processes on a shared 2-core machine can delay a beat now and then whatever the
    # station does; that is the machine, not the station, so a few are tolerated — but
    # never a freeze.
    stalls = [gap for gap in gaps if gap >= 0.100]
    assert len(stalls) <= 3, f"the GUI stalled {len(stalls)} times, up to {max(gaps) * 1000:.0f} ms"
    assert max(gaps) < 1.0, f"the GUI froze for {max(gaps) * 1000:.0f} ms"
