"""Camera sources behind one interface, and a worker that grabs frames off the GUI thread.

Sources (all give ``(H, W)`` or ``(H, W, 3)`` BGR ndarrays of uint8 or uint16):

- :class:`OpenCVCamera`: a real camera by device index (``0``) or stream URL (``rtsp://…``).
- :class:`VideoFileSource`: a video file played at its own frame rate, looping.
- :class:`ImageFolderSource`: a simulated camera that plays an image folder (by default the
  bundled ``sample_images/``) at a set frame rate, looping.

:class:`CameraWorker` lives in its own ``QThread``; it reads frames, keeps the newest for
capture (:meth:`CameraWorker.latest_frame`, thread-safe), emits frames to the GUI no more
often than the display rate, and when the source fails it says so and reopens it with a
growing back-off. With auto-capture on, the worker also watches for a ring lying still
(:mod:`ui.auto_capture`, on a small grey copy) and says so once per ring.
:class:`CameraController` owns the thread and is what views use.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inspector.imaging.load import ImageReadError, read_image_file
from inspector.inputs import expand_paths
from inspector.paths import SAMPLE_IMAGES_DIR
from ui.auto_capture import StillRingDetector

log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8] | npt.NDArray[np.uint16]

#: Reconnection back-off: first retry after this many seconds, doubling up to the maximum.
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 8.0


class CameraError(RuntimeError):
    """A camera cannot be opened or has stopped delivering; the message says which and why."""


class SourceKind(StrEnum):
    """What kind of camera source a :class:`CameraSpec` names."""

    DEVICE = "device"  # an index (0, 1…) or a stream URL
    VIDEO = "video"
    FOLDER = "folder"


@dataclass(frozen=True)
class CameraSpec:
    """Which camera to open and how.

    Attributes
    ----------
    kind : SourceKind
    target : str
        Device index or URL, video file path, or image folder path. An empty folder target
        means the bundled sample images.
    width, height : int
        Requested resolution in px for a device (0: the camera's default).
    fps : float
        Frame rate of a simulated folder camera (frames per second).
    """

    kind: SourceKind = SourceKind.FOLDER
    target: str = ""
    width: int = 0
    height: int = 0
    fps: float = 1.0

    def describe(self) -> str:
        """A short human name: ``"camera 0"``, ``"video clip.mp4"``, ``"images sample_images"``."""
        if self.kind is SourceKind.DEVICE:
            return f"camera {self.target}" if self.target.isdigit() else f"stream {self.target}"
        if self.kind is SourceKind.VIDEO:
            return f"video {Path(self.target).name}"
        folder = Path(self.target) if self.target else SAMPLE_IMAGES_DIR
        return f"simulated camera ({folder.name}/, {self.fps:g} fps)"


class FrameSource(Protocol):
    """What the worker needs from any camera.

    ``open`` and ``read`` raise :class:`CameraError` with a message for the inspector.
    A live camera paces itself (``read`` blocks until the next frame); a file source
    returns at once and names its pace in ``interval_s``, which the worker keeps with a
    timer, so that stopping never waits for a sleep.
    """

    interval_s: float

    def open(self) -> None: ...

    def read(self) -> Frame: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


class OpenCVCamera:
    """A camera or stream through ``cv2.VideoCapture``.

    Parameters
    ----------
    target : str
        A device index (``"0"``) or a URL.
    width, height : int
        Requested resolution (px); 0 keeps the camera's default.
    """

    def __init__(self, target: str, *, width: int = 0, height: int = 0) -> None:
        self._target = target
        self._size = (width, height)
        self._capture: cv2.VideoCapture | None = None
        self.interval_s = 0.0

    def describe(self) -> str:
        return f"camera {self._target}" if self._target.isdigit() else f"stream {self._target}"

    def open(self) -> None:
        source: int | str = int(self._target) if self._target.isdigit() else self._target
        capture = cv2.VideoCapture(source)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"cannot open {self.describe()}: not connected or in use")
        width, height = self._size
        if width > 0 and height > 0:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture = capture

    def read(self) -> Frame:
        if self._capture is None:
            raise CameraError(f"{self.describe()} is not open")
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise CameraError(f"{self.describe()} stopped sending pictures")
        result: Frame = frame
        return result

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class VideoFileSource:
    """A video file played at its own frame rate, from the start again at its end.

    Parameters
    ----------
    path : str
        The video file.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._capture: cv2.VideoCapture | None = None
        self.interval_s = 1.0 / 25.0

    def describe(self) -> str:
        return f"video {Path(self._path).name}"

    def open(self) -> None:
        if not Path(self._path).is_file():
            raise CameraError(f"cannot open the video {self._path}: no such file")
        capture = cv2.VideoCapture(self._path)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"cannot open the video {self._path}: not a video OpenCV can play")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.interval_s = 1.0 / fps if fps and 1.0 <= fps <= 240.0 else 1.0 / 25.0
        self._capture = capture

    def read(self) -> Frame:
        if self._capture is None:
            raise CameraError(f"{self.describe()} is not open")
        ok, frame = self._capture.read()
        if not ok:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok or frame is None:
            raise CameraError(f"{self.describe()} has no readable frames")
        result: Frame = frame
        return result

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class ImageFolderSource:
    """A simulated camera: the images of a folder, one after another, looping.

    Parameters
    ----------
    folder : str or Path, optional
        The image folder; the bundled ``sample_images/`` by default.
    fps : float
        Frames per second (e.g. 1.0: a new ring every second).
    """

    def __init__(self, folder: str | Path | None = None, *, fps: float = 1.0) -> None:
        self._folder = Path(folder) if folder else SAMPLE_IMAGES_DIR
        self.interval_s = 1.0 / max(0.05, fps)
        self._files: list[str] = []
        self._index = 0
        self._cache: dict[str, Frame] = {}

    def describe(self) -> str:
        return f"simulated camera ({self._folder.name}/)"

    def open(self) -> None:
        if not self._folder.is_dir():
            raise CameraError(f"the image folder {self._folder} does not exist")
        items = expand_paths([str(self._folder)])
        self._files = [item.path for item in items if item.error is None]
        if not self._files:
            raise CameraError(f"the image folder {self._folder} holds no images")
        self._index = 0

    def read(self) -> Frame:
        if not self._files:
            raise CameraError(f"{self.describe()} is not open")
        # Skip unreadable files rather than stall the preview on one of them.
        for _ in range(len(self._files)):
            path = self._files[self._index % len(self._files)]
            self._index += 1
            frame = self._cache.get(path)
            if frame is None:
                try:
                    frame = read_image_file(path).pixels
                except ImageReadError as exc:
                    log.warning("simulated camera skips %s: %s", path, exc)
                    continue
                self._cache[path] = frame
            return frame
        raise CameraError(f"no image in {self._folder} can be read")

    def close(self) -> None:
        self._files = []


def open_source(spec: CameraSpec) -> FrameSource:
    """Make the source a :class:`CameraSpec` names (not yet opened)."""
    if spec.kind is SourceKind.DEVICE:
        return OpenCVCamera(spec.target, width=spec.width, height=spec.height)
    if spec.kind is SourceKind.VIDEO:
        return VideoFileSource(spec.target)
    return ImageFolderSource(spec.target or None, fps=spec.fps)


class CameraWorker(QObject):
    """Reads frames from one source in its own thread.

    Signals
    -------
    frameReady(object)
        A frame for the preview, an ndarray; at most ``display_hz`` per second.
    connected(str)
        The source is open; its description.
    lost(str)
        The source failed; a message for the inspector. A retry follows automatically.
    stillRing(int)
        Auto-capture: a ring has settled in view; the number of the frame (frames read
        since start) that settled it. Once per ring; only while auto-capture is on.
    """

    frameReady = Signal(object)
    connected = Signal(str)
    lost = Signal(str)
    stillRing = Signal(int)

    def __init__(
        self, source: FrameSource, *, display_hz: float = 30.0, auto_capture: bool = False
    ) -> None:
        super().__init__()
        self._detector: StillRingDetector | None = StillRingDetector() if auto_capture else None
        self._source = source
        self._display_interval_s = 1.0 / display_hz
        self._last_emit = 0.0
        self._lock = threading.Lock()
        self._latest: Frame | None = None
        self._frames = 0
        self._running = False
        self._is_open = False
        self._retry_s = FIRST_RETRY_S
        self._timer: QTimer | None = None
        self._next_due = 0.0

    def latest_frame(self) -> Frame | None:
        """The newest frame read (any thread), or None before the first one."""
        with self._lock:
            return self._latest

    def frames_read(self) -> int:
        """How many frames have been read since start."""
        with self._lock:
            return self._frames

    @Slot()
    def start(self) -> None:
        """Open the source and start reading (runs in the worker's thread)."""
        self._running = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._timer.start(0)

    @Slot(bool)
    def set_auto_capture(self, enabled: bool) -> None:
        """Watch for still rings, or stop watching (runs in the worker's thread)."""
        if not enabled:
            self._detector = None
        elif self._detector is None:
            # A ring already lying there when it is switched on counts as newly placed.
            self._detector = StillRingDetector()

    @Slot()
    def stop(self) -> None:
        """Stop reading and close the source (runs in the worker's thread)."""
        self._running = False
        if self._timer is not None:
            self._timer.stop()
        self._source.close()
        self._is_open = False

    @Slot()
    def _tick(self) -> None:
        if not self._running or self._timer is None:
            return
        try:
            if not self._is_open:
                self._source.open()
                self._is_open = True
                self._retry_s = FIRST_RETRY_S
                self._next_due = time.monotonic()
                self.connected.emit(self._source.describe())
            frame = self._source.read()
        except CameraError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # a bug or a driver fault: keep the trace, say it plainly
            log.exception("camera read failed")
            self._fail(f"{self._source.describe()} failed ({type(exc).__name__}: {exc})")
            return
        with self._lock:
            self._latest = frame
            self._frames += 1
            number = self._frames
        now = time.monotonic()
        if now - self._last_emit >= self._display_interval_s:
            self._last_emit = now
            self.frameReady.emit(frame)
        if self._detector is not None and self._detector.update(frame, now):
            self.stillRing.emit(number)
        # Back to the thread's event loop between frames, so stop() is handled promptly;
        # a file source is paced here, a live camera by its blocking read.
        self._next_due = max(self._next_due + self._source.interval_s, now)
        self._timer.start(max(0, round((self._next_due - now) * 1000)))

    def _fail(self, message: str) -> None:
        self._source.close()
        self._is_open = False
        if self._detector is not None:
            self._detector.reset()  # what comes after the reconnection is a new view
        retry = self._retry_s
        self._retry_s = min(MAX_RETRY_S, self._retry_s * 2.0)
        self.lost.emit(f"{message}; retrying in {retry:g} s")
        if self._running and self._timer is not None:
            self._timer.start(round(retry * 1000))


class CameraController(QObject):
    """Owns a camera worker and its thread; the GUI's handle on the camera.

    Signals
    -------
    frameReady(object)
        Forwarded from the worker: a preview frame (ndarray).
    connected(str), lost(str)
        Forwarded from the worker.
    stillRing(int)
        Forwarded from the worker: auto-capture saw a ring settle (the frame's number).
    """

    frameReady = Signal(object)
    connected = Signal(str)
    lost = Signal(str)
    stillRing = Signal(int)
    _startRequested = Signal()
    _stopRequested = Signal()
    _autoCaptureRequested = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, display_hz: float = 30.0) -> None:
        super().__init__(parent)
        self._display_hz = display_hz
        self._auto_capture = False
        self._thread: QThread | None = None
        self._worker: CameraWorker | None = None

    def is_running(self) -> bool:
        """True while a source is being read."""
        return self._thread is not None

    def start(self, source: FrameSource) -> None:
        """Start reading ``source`` (stops any previous one first)."""
        self.stop()
        thread = QThread()
        thread.setObjectName("camera")
        worker = CameraWorker(source, display_hz=self._display_hz, auto_capture=self._auto_capture)
        worker.moveToThread(thread)
        worker.frameReady.connect(self.frameReady)
        worker.connected.connect(self.connected)
        worker.lost.connect(self.lost)
        worker.stillRing.connect(self.stillRing)
        self._startRequested.connect(worker.start)
        self._stopRequested.connect(worker.stop)
        self._autoCaptureRequested.connect(worker.set_auto_capture)
        thread.finished.connect(worker.deleteLater)
        thread.start()
        self._thread, self._worker = thread, worker
        self._startRequested.emit()

    def stop(self) -> None:
        """Stop the camera and wait for its thread to end."""
        if self._thread is None or self._worker is None:
            return
        self._stopRequested.emit()
        self._startRequested.disconnect(self._worker.start)
        self._stopRequested.disconnect(self._worker.stop)
        self._autoCaptureRequested.disconnect(self._worker.set_auto_capture)
        self._thread.quit()
        if not self._thread.wait(5000):
            log.error("camera thread did not stop within 5 s")
        self._thread = None
        self._worker = None

    def set_auto_capture(self, enabled: bool) -> None:
        """Emit :attr:`stillRing` when a ring settles in view (kept across restarts)."""
        if enabled == self._auto_capture:
            return
        self._auto_capture = enabled
        if self._worker is not None:
            self._autoCaptureRequested.emit(enabled)

    def auto_capture(self) -> bool:
        """Whether the camera watches for still rings."""
        return self._auto_capture

    def latest_frame(self) -> Frame | None:
        """The newest frame, for capture; None when no camera runs or none arrived yet."""
        return None if self._worker is None else self._worker.latest_frame()

    def frames_read(self) -> int:
        """Frames read by the current worker."""
        return 0 if self._worker is None else self._worker.frames_read()
