"""The hot folder: new images are handed on once they stop growing; old ones are left alone."""

from __future__ import annotations

import shutil

import pytest

from inspector.paths import SAMPLE_IMAGES_DIR
from tests.ui.conftest import GOOD_SAMPLE
from ui.hot_folder import HotFolderWatcher, HotFolderWorker

pytestmark = [pytest.mark.gui]


def test_a_file_is_handed_on_only_after_it_stops_growing(qtbot, tmp_path):
    (tmp_path / "old.png").write_bytes(b"old")
    worker = HotFolderWorker(tmp_path, poll_ms=0)  # polled by hand: no timer, no sleeps
    ready: list[str] = []
    worker.fileReady.connect(ready.append)
    worker.start()
    data = (SAMPLE_IMAGES_DIR / GOOD_SAMPLE).read_bytes()
    new = tmp_path / "ring.jpg"
    new.write_bytes(data[:1000])  # the microscope is still writing
    worker.poll()
    assert ready == []
    with new.open("ab") as fh:
        fh.write(data[1000:])
    worker.poll()
    assert ready == []  # grew since the last look
    worker.poll()
    assert ready == [str(new)]
    (tmp_path / "notes.txt").write_text("not an image")
    worker.poll()
    worker.poll()
    assert ready == [str(new)]  # each file once; old files and non-images never


def test_the_watcher_polls_in_its_own_thread(qtbot, tmp_path):
    watcher = HotFolderWatcher()
    with qtbot.waitSignal(watcher.watching, timeout=5000):
        watcher.watch(tmp_path, poll_ms=10)
    try:
        with qtbot.waitSignal(watcher.fileReady, timeout=5000) as ready:
            shutil.copy(SAMPLE_IMAGES_DIR / GOOD_SAMPLE, tmp_path / GOOD_SAMPLE)
        assert ready.args == [str(tmp_path / GOOD_SAMPLE)]
    finally:
        watcher.stop()
