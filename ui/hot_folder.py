"""A hot folder: each new image the microscope software saves there is inspected and recorded.

:class:`HotFolderWorker` polls the folder from its own thread: a network share (where the
microscope PC usually saves) delivers no change notifications, and a slow share must never
freeze the station. A file is handed on only once it has stopped growing: its size and
modification time are the same on two polls in a row. Files already there when watching
starts are left alone (they belong to an earlier session).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inspector.inputs import IMAGE_SUFFIXES

log = logging.getLogger(__name__)

#: How often the folder is looked at (ms).
POLL_MS = 500


class HotFolderWorker(QObject):
    """Finds new, finished image files in one folder.

    Parameters
    ----------
    folder : Path
    poll_ms : int

    Signals
    -------
    watching(str)
        Polling started; files in the folder now are taken as old.
    fileReady(str)
        A new image file that has stopped growing.
    problem(str)
        The folder cannot be read (said once until it can again).
    """

    watching = Signal(str)
    fileReady = Signal(str)
    problem = Signal(str)

    def __init__(self, folder: Path, *, poll_ms: int = POLL_MS) -> None:
        super().__init__()
        self.folder = folder
        self._poll_ms = poll_ms
        self._timer: QTimer | None = None
        self._seen: set[str] = set()
        self._growing: dict[str, tuple[int, int]] = {}
        self._failing = False

    def _images(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                if Path(entry.name).suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                st = entry.stat()
                found[entry.path] = (st.st_size, st.st_mtime_ns)
        return found

    @Slot()
    def start(self) -> None:
        """Take note of the files already there and start polling (in this thread)."""
        try:
            self._seen = set(self._images())
        except OSError as exc:
            self._report(exc)
        if self._poll_ms > 0 and self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(self._poll_ms)
            self._timer.timeout.connect(self.poll)
            self._timer.start()
        self.watching.emit(str(self.folder))

    @Slot()
    def stop(self) -> None:
        """Stop polling."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @Slot()
    def poll(self) -> None:
        """Look once: hand on files whose size and time held still since the last look."""
        try:
            found = self._images()
        except OSError as exc:
            self._report(exc)
            return
        self._failing = False
        for path, stamp in sorted(found.items()):
            if path in self._seen:
                continue
            if stamp[0] > 0 and self._growing.get(path) == stamp:
                self._seen.add(path)
                self._growing.pop(path, None)
                self.fileReady.emit(path)
            else:
                self._growing[path] = stamp
        for path in list(self._growing):
            if path not in found:
                del self._growing[path]  # saved under a temporary name, then renamed

    def _report(self, exc: OSError) -> None:
        if not self._failing:
            self._failing = True
            self.problem.emit(
                f"The hot folder {self.folder} cannot be read ({exc.strerror or exc}); "
                "new images there are not inspected until it can"
            )


class HotFolderWatcher(QObject):
    """Owns the polling thread for one hot folder.

    Signals
    -------
    watching(str), fileReady(str), problem(str)
        As :class:`HotFolderWorker`.
    """

    watching = Signal(str)
    fileReady = Signal(str)
    problem = Signal(str)
    _startRequested = Signal()
    _stopRequested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: HotFolderWorker | None = None

    def folder(self) -> Path | None:
        """The folder watched, or None."""
        return self._worker.folder if self._worker is not None else None

    def watch(self, folder: Path | None, *, poll_ms: int = POLL_MS) -> None:
        """Watch ``folder`` (None or "" stops watching)."""
        if self._worker is not None and folder == self._worker.folder:
            return
        self.stop()
        if folder is None or not str(folder):
            return
        thread = QThread()
        thread.setObjectName("hot-folder")
        worker = HotFolderWorker(folder, poll_ms=poll_ms)
        worker.moveToThread(thread)
        thread.finished.connect(worker.deleteLater)
        self._startRequested.connect(worker.start)
        self._stopRequested.connect(worker.stop)
        worker.watching.connect(self._on_watching)
        worker.fileReady.connect(self._on_file_ready)
        worker.problem.connect(self._on_problem)
        thread.start()
        self._thread, self._worker = thread, worker
        self._startRequested.emit()

    def stop(self) -> None:
        """Stop watching (idempotent)."""
        if self._thread is None or self._worker is None:
            return
        self._stopRequested.emit()
        self._startRequested.disconnect(self._worker.start)
        self._stopRequested.disconnect(self._worker.stop)
        self._thread.quit()
        if not self._thread.wait(10000):
            log.error("the hot folder thread did not stop")
        self._thread, self._worker = None, None

    @Slot(str)
    def _on_watching(self, folder: str) -> None:
        self.watching.emit(folder)

    @Slot(str)
    def _on_file_ready(self, path: str) -> None:
        self.fileReady.emit(path)

    @Slot(str)
    def _on_problem(self, message: str) -> None:
        self.problem.emit(message)
