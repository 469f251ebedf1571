"""Auto-capture: notice, cheaply, that a ring has been placed and is lying still.

The camera worker feeds every frame to a :class:`StillRingDetector`, which looks only at a
small grey copy (about 96 px across): consecutive frames whose mean absolute difference
stays under a threshold for a moment, with enough contrast in the centre to hold a ring,
make it fire once. It then waits until the view empties or changes before it can fire
again, so a ring placed under the camera is inspected once. The engine never runs here:
judging the ring stays the normal capture path's.

This is a UI gate over the preview, not a measurement, so it lives with the camera and not
in the core's image pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class StillnessRule:
    """When a ring counts as "in view and still".

    Attributes
    ----------
    size_px : int
        Longest side of the grey copy the decision is made on (px).
    still_mad : float
        Mean absolute difference between consecutive copies (grey levels of 255) under
        which the view is still. About a third of what a one-copy-pixel shift gives.
    change_mad : float
        Difference from the copy that fired (grey levels) above which the ring has been
        moved or replaced, and may fire again once still.
    min_contrast : float
        Standard deviation (grey levels) the centre region must reach to hold a ring; an
        empty stage stays well under it.
    still_frames : int
        Consecutive still frame pairs needed.
    hold_s : float
        And for at least this long (s), so a fast camera still waits a moment.
    """

    size_px: int = 96
    still_mad: float = 2.0
    change_mad: float = 6.0
    min_contrast: float = 8.0
    still_frames: int = 3
    hold_s: float = 0.4


def reduce_grey(frame: npt.NDArray[np.generic], *, size_px: int) -> npt.NDArray[np.float32]:
    """A small grey copy of a frame for comparisons.

    Parameters
    ----------
    frame : (H, W), (H, W, 1) or (H, W, 3) ndarray of uint8 or uint16
        A camera frame (OpenCV BGR); not modified.
    size_px : int
        Longest side of the copy (px).

    Returns
    -------
    (h, w) ndarray of float32
        Grey levels on the 0-255 scale whatever the input dtype.
    """
    # Strided first so that a 20 MP frame costs no more than a small one; area averaging of
    # the rest keeps sensor noise out of the differences.
    step = max(1, max(frame.shape[:2]) // (size_px * 4))
    small = frame[::step, ::step]
    height, width = small.shape[:2]
    scale = size_px / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # cv2: (w, h)
    small = cv2.resize(np.ascontiguousarray(small), size, interpolation=cv2.INTER_AREA)
    if small.ndim == 3 and small.shape[2] == 3:
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    elif small.ndim == 3:
        small = small[:, :, 0]
    grey = small.astype(np.float32)
    if frame.dtype == np.uint16:  # by dtype, never by looking at the values
        grey *= np.float32(255.0 / 65535.0)
    return grey


def centre_contrast(grey: npt.NDArray[np.float32]) -> float:
    """Standard deviation of the central 60 % (each way) of a grey copy, in grey levels."""
    height, width = grey.shape
    centre = grey[height // 5 : height - height // 5, width // 5 : width - width // 5]
    return float(centre.std())


class StillRingDetector:
    """Fires once when a ring has been in view and still, then waits for it to go.

    Parameters
    ----------
    rule : StillnessRule
        Thresholds and timing.

    Not thread-safe: one camera worker owns it.
    """

    def __init__(self, rule: StillnessRule | None = None) -> None:
        self.rule = rule if rule is not None else StillnessRule()
        self.reset()

    def reset(self) -> None:
        """Forget what was seen (a new source, or auto-capture switched on)."""
        self._prev: npt.NDArray[np.float32] | None = None
        self._prev_t = 0.0
        self._still_count = 0
        self._still_since = 0.0
        self._fired: npt.NDArray[np.float32] | None = None

    def update(self, frame: npt.NDArray[np.generic], now_s: float) -> bool:
        """Look at the next frame; True exactly when a newly settled ring is in view.

        Parameters
        ----------
        frame : (H, W) or (H, W, 3) ndarray of uint8 or uint16
        now_s : float
            When the frame was read (s, monotonic).
        """
        rule = self.rule
        grey = reduce_grey(frame, size_px=rule.size_px)
        prev, prev_t = self._prev, self._prev_t
        self._prev, self._prev_t = grey, now_s
        in_view = centre_contrast(grey) >= rule.min_contrast
        if self._fired is not None:
            if (
                in_view
                and grey.shape == self._fired.shape
                and _mad(grey, self._fired) <= rule.change_mad
            ):
                return False  # the ring already inspected is still there
            self._fired = None  # gone or changed: ready for the next ring once it settles
            self._still_count = 0
        if prev is None or prev.shape != grey.shape or not in_view:
            self._still_count = 0
            return False
        if _mad(grey, prev) > rule.still_mad:
            self._still_count = 0
            return False
        if self._still_count == 0:
            self._still_since = prev_t
        self._still_count += 1
        if self._still_count >= rule.still_frames and now_s - self._still_since >= rule.hold_s:
            self._fired = grey
            self._still_count = 0
            return True
        return False


def _mad(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.abs(a - b).mean())
