"""The engine off the GUI thread: captured frames, single files and folder imports.

:class:`InspectionController` (GUI thread) owns two worker threads: one for the inspector's
captures and opened files, so a ring is judged at once even while a folder import runs on
the other. Each :class:`InspectionWorker` reports through signals to ``@Slot`` methods of
GUI objects; every failure goes to the one ``error`` signal as a sentence for the
inspector (the traceback goes to the log).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QThread, Signal, Slot

from inspector.calibration import CalibrationError, compute_calibration, save_calibration
from inspector.imaging.engine import inspect_pixels
from inspector.imaging.load import ImageReadError, read_image_file
from inspector.outcome import InspectionResult
from inspector.runner import InspectionSettings, default_workers, judge_pixels, run_batch

log = logging.getLogger(__name__)

Pixels = npt.NDArray[np.generic]

#: Progress and batch results reach the GUI at most this often (seconds).
PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Inspected:
    """One judged image with what the view and the records need.

    Attributes
    ----------
    result : InspectionResult
    pixels : ndarray
        The inspected image, ``(H, W)`` or ``(H, W, 3)`` uint8/uint16, BGR.
    image_bytes : bytes
        The image file as recorded: a lossless PNG of a captured frame, or the file's bytes.
    capture_id : int
        Which capture (or opened file) this answers; increasing per controller.
    """

    result: InspectionResult
    pixels: Pixels = field(repr=False)
    image_bytes: bytes = field(repr=False)
    capture_id: int = 0


@dataclass(frozen=True)
class _FrameJob:
    capture_id: int
    pixels: Pixels
    name: str
    settings: InspectionSettings


@dataclass(frozen=True)
class _FileJob:
    capture_id: int
    path: str
    settings: InspectionSettings


@dataclass(frozen=True)
class _CalibrationJob:
    pixels: Pixels
    od_mm: float
    image: str
    station: str
    path: Path | None


@dataclass(frozen=True)
class _BatchJob:
    paths: tuple[str, ...]
    settings: InspectionSettings
    workers: int
    cancel: threading.Event


def encode_png(pixels: Pixels) -> bytes:
    """A lossless PNG of a frame (8 or 16 bit, grey or BGR), fast rather than small."""
    ok, buffer = cv2.imencode(
        ".png", np.ascontiguousarray(pixels), [cv2.IMWRITE_PNG_COMPRESSION, 1]
    )
    if not ok:
        raise ValueError("the frame cannot be encoded as PNG")
    return bytes(buffer)


class InspectionWorker(QObject):
    """Runs inspections in the thread it was moved to.

    Signals
    -------
    inspected(object)
        An :class:`Inspected` for a captured frame or an opened file.
    batchResults(object)
        A list of :class:`InspectionResult`, in input order, sent in throttled chunks.
    batchProgress(int, int)
        Images done, images in the batch (throttled).
    batchFinished(int, int, bool)
        Images done, images in the batch, whether it was cancelled.
    calibrated(object)
        The new :class:`~inspector.calibration.Calibration`, already saved.
    failed(int, str)
        Something failed: the capture id it answers (0 for none), and a message for the
        inspector.
    """

    inspected = Signal(object)
    calibrated = Signal(object)
    batchResults = Signal(object)
    batchProgress = Signal(int, int)
    batchFinished = Signal(int, int, bool)
    failed = Signal(int, str)

    @Slot(object)
    def inspect_frame(self, job: _FrameJob) -> None:
        """Inspect one captured frame."""
        try:
            data = encode_png(job.pixels)
            sha = hashlib.sha256(data).hexdigest()
            result = judge_pixels(
                job.pixels, image=job.name, settings=job.settings, image_sha256=sha
            )
        except Exception as exc:
            log.exception("inspecting capture %s failed", job.name)
            self.failed.emit(job.capture_id, _internal(f"the capture {job.name}", exc))
            return
        self.inspected.emit(Inspected(result, job.pixels, data, job.capture_id))

    @Slot(object)
    def inspect_file(self, job: _FileJob) -> None:
        """Read, inspect and judge one image file."""
        name = Path(job.path).name
        try:
            loaded = read_image_file(job.path)
        except ImageReadError as exc:
            self.failed.emit(job.capture_id, f"Cannot inspect {name}: {exc}.")
            return
        try:
            data = Path(job.path).read_bytes()
            result = judge_pixels(
                loaded.pixels, image=job.path, settings=job.settings, image_sha256=loaded.sha256
            )
        except Exception as exc:
            log.exception("inspecting %s failed", job.path)
            self.failed.emit(job.capture_id, _internal(name, exc))
            return
        self.inspected.emit(Inspected(result, loaded.pixels, data, job.capture_id))

    @Slot(object)
    def calibrate(self, job: _CalibrationJob) -> None:
        """Measure a reference ring, compute px/mm and save the calibration."""
        try:
            inspection = inspect_pixels(job.pixels)
            if inspection.ring is None:
                problems = "; ".join(inspection.problems) or "no ring found"
                raise CalibrationError(f"the reference ring was not found ({problems})")
            calibration = compute_calibration(
                inspection.ring, od_mm=job.od_mm, image=job.image, station=job.station
            )
            save_calibration(calibration, job.path)
        except CalibrationError as exc:
            self.failed.emit(0, f"Calibration not saved: {exc}.")
            return
        except OSError as exc:
            self.failed.emit(0, f"Calibration not saved: cannot write it ({exc.strerror or exc}).")
            return
        except Exception as exc:
            log.exception("calibration failed")
            self.failed.emit(0, _internal("the reference ring", exc))
            return
        self.calibrated.emit(calibration)

    @Slot(object)
    def run_batch(self, job: _BatchJob) -> None:
        """Inspect files and folders in input order until done or cancelled."""
        from inspector.inputs import expand_paths

        done = 0
        total = 0
        chunk: list[InspectionResult] = []
        try:
            total = len(expand_paths(list(job.paths)))
            self.batchProgress.emit(0, total)
            last = time.monotonic()
            for result in run_batch(
                list(job.paths), job.settings, workers=job.workers, cancel=job.cancel
            ):
                done += 1
                chunk.append(result)
                now = time.monotonic()
                if now - last >= PROGRESS_INTERVAL_S:
                    last = now
                    self.batchResults.emit(chunk)
                    chunk = []
                    self.batchProgress.emit(done, total)
        except Exception as exc:
            log.exception("folder import failed")
            self.failed.emit(0, _internal("the folder import", exc))
        if chunk:
            self.batchResults.emit(chunk)
        self.batchProgress.emit(done, total)
        self.batchFinished.emit(done, total, job.cancel.is_set())


def _internal(what: str, exc: Exception) -> str:
    return (
        f"Inspecting {what} failed because of an internal error ({type(exc).__name__}). "
        "It has been logged for the developers; inspect the ring again or set it aside."
    )


class InspectionController(QObject):
    """The GUI's handle on the inspection threads.

    Signals
    -------
    inspected(object)
        :class:`Inspected`, for a capture or an opened file.
    batchResults(object), batchProgress(int, int), batchFinished(int, int, bool)
        From the folder import; see :class:`InspectionWorker`.
    calibrated(object)
        A new calibration was measured and saved.
    error(str)
        Any failure, as a message for the inspector.
    """

    inspected = Signal(object)
    batchResults = Signal(object)
    batchProgress = Signal(int, int)
    batchFinished = Signal(int, int, bool)
    error = Signal(str)
    calibrated = Signal(object)
    _frameRequested = Signal(object)
    _fileRequested = Signal(object)
    _batchRequested = Signal(object)
    _calibrationRequested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._in_flight: set[int] = set()
        self._cancel: threading.Event | None = None
        self._threads: list[QThread] = []
        self._live = self._spawn("inspect")
        self._batch = self._spawn("import")
        self._frameRequested.connect(self._live.inspect_frame)
        self._fileRequested.connect(self._live.inspect_file)
        self._batchRequested.connect(self._batch.run_batch)
        self._calibrationRequested.connect(self._live.calibrate)
        self._live.calibrated.connect(self.calibrated)
        self._live.inspected.connect(self._on_inspected)
        self._live.failed.connect(self._on_failed)
        self._batch.failed.connect(self._on_failed)
        self._batch.batchResults.connect(self.batchResults)
        self._batch.batchProgress.connect(self.batchProgress)
        self._batch.batchFinished.connect(self._on_batch_finished)

    def _spawn(self, name: str) -> InspectionWorker:
        thread = QThread()
        thread.setObjectName(name)
        worker = InspectionWorker()
        worker.moveToThread(thread)
        thread.finished.connect(worker.deleteLater)
        thread.start()
        self._threads.append(thread)
        return worker

    def shutdown(self) -> None:
        """Cancel any import and stop the threads (waits for the image under way)."""
        if self._cancel is not None:
            self._cancel.set()
        for thread in self._threads:
            thread.quit()
        for thread in self._threads:
            if not thread.wait(30000):
                log.error("inspection thread %s did not stop", thread.objectName())
        self._threads = []

    # --- captures and files -------------------------------------------------------------

    def pending(self) -> int:
        """Captures and files sent but not answered yet."""
        return len(self._in_flight)

    def inspect_frame(self, pixels: Pixels, settings: InspectionSettings) -> int:
        """Queue a captured frame; returns its capture id."""
        capture_id = self._new_id()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"capture-{stamp}-{capture_id:04d}.png"
        self._frameRequested.emit(_FrameJob(capture_id, pixels, name, settings))
        return capture_id

    def inspect_file(self, path: str, settings: InspectionSettings) -> int:
        """Queue one image file; returns its capture id."""
        capture_id = self._new_id()
        self._fileRequested.emit(_FileJob(capture_id, path, settings))
        return capture_id

    def calibrate(
        self, pixels: Pixels, *, od_mm: float, station: str, path: Path | None = None
    ) -> None:
        """Measure a reference ring of known OD in ``pixels`` and save the calibration.

        ``calibrated`` or ``error`` answers. ``path`` defaults to the station's file.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        job = _CalibrationJob(pixels, od_mm, f"calibration-{stamp}.png", station, path)
        self._calibrationRequested.emit(job)

    def _new_id(self) -> int:
        self._next_id += 1
        self._in_flight.add(self._next_id)
        return self._next_id

    @Slot(object)
    def _on_inspected(self, outcome: Inspected) -> None:
        self._in_flight.discard(outcome.capture_id)
        self.inspected.emit(outcome)

    @Slot(int, str)
    def _on_failed(self, capture_id: int, message: str) -> None:
        self._in_flight.discard(capture_id)
        self.error.emit(message)

    # --- folder import ------------------------------------------------------------------

    def batch_running(self) -> bool:
        """True while a folder import runs."""
        return self._cancel is not None

    def start_batch(
        self, paths: Sequence[str], settings: InspectionSettings, *, workers: int | None = None
    ) -> None:
        """Start importing files and folders; one import at a time.

        Parameters
        ----------
        workers : int, optional
            Worker processes; by default all cores but one, left for the live captures.
        """
        if self._cancel is not None:
            self.error.emit("A folder import is already running; cancel it first.")
            return
        count = workers if workers is not None else max(1, default_workers() - 1)
        self._cancel = threading.Event()
        self._batchRequested.emit(_BatchJob(tuple(paths), settings, count, self._cancel))

    @Slot()
    def cancel_batch(self) -> None:
        """Stop the import after the images under way."""
        if self._cancel is not None:
            self._cancel.set()

    @Slot(int, int, bool)
    def _on_batch_finished(self, done: int, total: int, cancelled: bool) -> None:
        self._cancel = None
        self.batchFinished.emit(done, total, cancelled)
