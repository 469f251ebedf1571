"""Auto-capture: a ring lying still fires once; moving, empty or already-seen views do not."""

from __future__ import annotations

import shutil
from dataclasses import replace

import cv2
import numpy as np
import pytest

from inspector.outcome import Verdict
from inspector.paths import SAMPLE_IMAGES_DIR
from tests.ui.conftest import DEFECTIVE_SAMPLE, GOOD_SAMPLE, settings_for
from ui.auto_capture import StillnessRule, StillRingDetector, centre_contrast, reduce_grey
from ui.camera import CameraSpec, Frame, ImageFolderSource, SourceKind
from ui.dialogs import SettingsDialog
from ui.settings import StationSettings

RULE = StillnessRule()
#: Frames 1/8 s apart: the rule's hold (0.4 s) takes 5 frames, more than its 3 pairs.
STEP_S = 0.125  # exact in binary: no rounding at the hold
FIRES_AT = 4  # frame index: pairs (0,1)…(3,4) are still and 0.4 s have passed


def ring(shift: int = 0, *, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A dark ring on a light stage, (300, 400) uint8, moved ``shift`` px to the right."""
    image = np.full((300, 400), 200, np.uint8)
    cv2.circle(image, (200 + shift, 150), 90, 40, thickness=25)  # cv2 centre is (x, y)
    if noise:
        rng = np.random.default_rng(seed)
        image = np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
    return image


def empty(*, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = 200 + rng.normal(0, noise, (300, 400)) if noise else np.full((300, 400), 200.0)
    return np.clip(image, 0, 255).astype(np.uint8)


def feed(detector: StillRingDetector, frames: list[np.ndarray], start: int = 0) -> list[int]:
    """Indices of the frames at which the detector fired."""
    return [
        start + i for i, frame in enumerate(frames) if detector.update(frame, (start + i) * STEP_S)
    ]


# --- the detector on synthetic frames: exact answers ----------------------------------------


def test_a_still_ring_fires_once_after_the_hold():
    detector = StillRingDetector()
    assert feed(detector, [ring()] * 40) == [FIRES_AT]


def test_sensor_noise_is_still():
    detector = StillRingDetector()
    frames = [ring(noise=4.0, seed=i) for i in range(20)]
    assert feed(detector, frames) == [FIRES_AT]


def test_an_empty_stage_never_fires():
    detector = StillRingDetector()
    assert feed(detector, [empty(noise=4.0, seed=i) for i in range(30)]) == []
    assert centre_contrast(reduce_grey(empty(noise=4.0), size_px=RULE.size_px)) < RULE.min_contrast


def test_a_sliding_ring_fires_only_once_it_stops():
    detector = StillRingDetector()
    sliding = [ring(shift=8 * i - 80) for i in range(15)]  # 8 px per frame, then it stops
    fired = feed(detector, [*sliding, *[sliding[-1]] * 10])
    assert fired == [14 + FIRES_AT]


def test_the_next_ring_fires_after_the_first_is_taken_away():
    detector = StillRingDetector()
    frames = [ring()] * 10 + [empty()] * 3 + [ring(shift=20)] * 10
    assert feed(detector, frames) == [FIRES_AT, 13 + FIRES_AT]


def test_moving_the_ring_counts_as_a_new_ring_and_a_nudge_does_not():
    detector = StillRingDetector()
    assert feed(detector, [ring()] * 10) == [FIRES_AT]
    assert feed(detector, [ring(shift=1)] * 10, start=10) == []  # a nudge of 1 px
    assert feed(detector, [ring(shift=30)] * 10, start=20) == [20 + FIRES_AT]


def test_sixteen_bit_frames_are_judged_like_eight_bit_ones():
    eight = ring()
    sixteen = eight.astype(np.uint16) * 257
    # The uint8 copy is rounded by the resize; the uint16 one keeps its fraction.
    np.testing.assert_allclose(
        reduce_grey(sixteen, size_px=96), reduce_grey(eight, size_px=96), atol=0.5
    )
    colour = cv2.cvtColor(eight, cv2.COLOR_GRAY2BGR)
    assert feed(StillRingDetector(), [colour] * 10) == [FIRES_AT]


def test_the_copy_is_small_and_the_frame_untouched():
    frame = ring()
    before = frame.copy()
    grey = reduce_grey(frame, size_px=96)
    assert grey.shape == (72, 96) and grey.dtype == np.float32
    np.testing.assert_array_equal(frame, before)


# --- the station with the simulated camera ----------------------------------------------------


class SettlingFolderSource(ImageFolderSource):
    """The simulated camera playing its folder once, then holding the last image: rings
    pushed about under the camera until the last one is left lying there."""

    def read(self) -> Frame:
        self._index = min(self._index, len(self._files) - 1)
        return super().read()


def _station_on(qtbot, window, monkeypatch, folder, *, auto: bool, source=None) -> list:
    """Show the station with the settings dialog's auto-capture choice and the camera on
    ``folder``; the results shown, as they come."""
    edited = replace(
        window.settings,
        auto_capture=auto,
        camera=CameraSpec(SourceKind.FOLDER, str(folder), fps=30.0),
    )
    monkeypatch.setattr(SettingsDialog, "ask", classmethod(lambda cls, *a: edited))
    window.show()
    qtbot.waitExposed(window)
    shown: list = []
    view = window.station
    view.resultShown.connect(shown.append)
    window.edit_settings()  # saves, applies, starts the camera on the folder
    view.set_inspection_settings(settings_for(GOOD_SAMPLE))  # the sample's own scale
    if source is not None:
        window.camera.start(source(folder, fps=30.0))
    assert window.camera.auto_capture() is auto
    return shown


@pytest.mark.gui
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_still_ring_is_captured_once(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "camera"
    folder.mkdir()
    shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, folder / GOOD_SAMPLE)
    shown = _station_on(qtbot, window, monkeypatch, folder, auto=True)
    with qtbot.waitSignal(window.camera.stillRing, timeout=10000) as still:
        pass
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10000)
    assert shown[0].verdict is Verdict.PASS
    # The ring stays there: a second of frames more brings no second capture.
    qtbot.waitUntil(lambda: window.camera.frames_read() > still.args[0] + 30, timeout=10000)
    qtbot.waitUntil(lambda: window.inspections.pending() == 0, timeout=10000)
    assert len(shown) == 1
    assert len(window.station._service.results) == 1  # recorded like a Space capture
    assert "auto" in window.station.capture_button.text()
    assert "Auto-capture is on" in window.station.capture_button.toolTip()


@pytest.mark.gui
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_without_the_setting_nothing_is_captured(qtbot, window, tmp_path, monkeypatch):
    assert StationSettings().auto_capture is False  # off by default
    folder = tmp_path / "camera"
    folder.mkdir()
    shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, folder / GOOD_SAMPLE)
    shown = _station_on(qtbot, window, monkeypatch, folder, auto=False)
    fired: list[int] = []
    window.camera.stillRing.connect(fired.append)
    qtbot.waitUntil(lambda: window.camera.frames_read() > 45, timeout=10000)  # 1.5 s of frames
    assert fired == [] and shown == []
    assert window.station._service.results == []
    assert "auto" not in window.station.capture_button.text()


@pytest.mark.gui
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_changing_view_is_captured_only_once_it_settles(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "camera"
    folder.mkdir()
    changing = ["ring_0004.jpg", DEFECTIVE_SAMPLE, "ring_0006.jpg", "ring_0009.jpg"]
    for i, name in enumerate(changing):
        shutil.copy(SAMPLE_IMAGES_DIR / name, folder / f"{i}_{name}")
    shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, folder / f"9_{GOOD_SAMPLE}")  # left lying
    fired: list[int] = []
    window.camera.stillRing.connect(fired.append)
    shown = _station_on(qtbot, window, monkeypatch, folder, auto=True, source=SettlingFolderSource)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10000)
    # Fired on a frame of the settled ring, after the rule's still pairs on it.
    assert fired[0] >= len(changing) + 1 + RULE.still_frames
    assert shown[0].verdict is Verdict.PASS  # the good ring, not the defective one passing by
    qtbot.waitUntil(lambda: window.camera.frames_read() > fired[0] + 30, timeout=10000)
    assert len(fired) == 1 and len(shown) == 1


def test_the_setting_is_saved_and_read_back():
    on = replace(StationSettings(station_name="S"), auto_capture=True)
    assert StationSettings.from_dict(on.to_dict()).auto_capture is True
    assert StationSettings.from_dict({"auto_capture": "yes"}).auto_capture is False
    assert StationSettings.from_dict({}).auto_capture is False
