"""Camera sources: the simulated camera plays a folder; a missing one reports and reconnects."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ui.camera import CameraController, CameraSpec, ImageFolderSource, SourceKind, open_source

pytestmark = [pytest.mark.gui]


def _write_images(folder, count: int) -> list[np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    images = []
    for i in range(count):
        image = rng.integers(0, 256, size=(40, 60), dtype=np.uint8)
        cv2.imwrite(str(folder / f"frame_{i:02d}.png"), image)
        images.append(image)
    return images


def test_simulated_camera_plays_a_folder(qtbot, tmp_path):
    images = _write_images(tmp_path / "frames", 3)
    camera = CameraController(display_hz=1000.0)
    seen: list[np.ndarray] = []
    camera.frameReady.connect(seen.append)
    with qtbot.waitSignal(camera.connected, timeout=5000):
        camera.start(ImageFolderSource(tmp_path / "frames", fps=50.0))
    qtbot.waitUntil(lambda: len(seen) >= 4, timeout=5000)
    camera.stop()
    assert not camera.is_running()
    # In name order, then from the start again.
    for got, want in zip(seen[:4], [*images, images[0]], strict=True):
        np.testing.assert_array_equal(got, want)


def test_latest_frame_is_there_for_capture(qtbot, tmp_path):
    _write_images(tmp_path / "frames", 1)
    camera = CameraController()
    camera.start(ImageFolderSource(tmp_path / "frames", fps=20.0))
    qtbot.waitUntil(lambda: camera.latest_frame() is not None, timeout=5000)
    assert camera.latest_frame().shape == (40, 60)
    camera.stop()
    assert camera.latest_frame() is None


def test_lost_camera_is_reported_and_reconnects(qtbot, tmp_path):
    folder = tmp_path / "later"
    camera = CameraController()
    with qtbot.waitSignal(camera.lost, timeout=5000) as lost:
        camera.start(ImageFolderSource(folder, fps=20.0))
    assert "does not exist" in lost.args[0]
    assert "retrying" in lost.args[0]
    _write_images(folder, 1)
    with qtbot.waitSignal(camera.connected, timeout=5000):
        pass
    qtbot.waitUntil(lambda: camera.latest_frame() is not None, timeout=5000)
    camera.stop()


def test_spec_names_the_source():
    assert isinstance(open_source(CameraSpec(SourceKind.FOLDER, "")), ImageFolderSource)
    assert CameraSpec(SourceKind.DEVICE, "0").describe() == "camera 0"
    assert CameraSpec(SourceKind.VIDEO, "/x/clip.mp4").describe() == "video clip.mp4"
