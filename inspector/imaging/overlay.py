"""Draw the engine's findings on the image: edges, defect outlines and labels.

Used for certificate thumbnails, reports and debugging; the GUI paints its own overlays
with Qt from the same :class:`~inspector.imaging.results.RingInspection`.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.results import DefectType, RingInspection

#: BGR colours per defect type: distinct hues, readable on dark and light rubber.
DEFECT_COLORS: dict[DefectType, tuple[int, int, int]] = {
    DefectType.SCRATCH: (0, 200, 255),
    DefectType.CRACK: (0, 0, 255),
    DefectType.CUT: (255, 0, 255),
    DefectType.BLISTER: (255, 160, 0),
    DefectType.INCLUSION: (0, 255, 0),
    DefectType.FLASH: (255, 255, 0),
    DefectType.NON_FILL: (0, 128, 255),
    DefectType.STAIN: (180, 105, 255),
}
EDGE_COLOR = (80, 220, 80)


def to_display(pixels: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """An 8-bit BGR copy of an image for drawing on (16-bit is scaled by dtype)."""
    if pixels.dtype == np.uint16:
        image = (pixels // 257).astype(np.uint8)
    else:
        image = np.asarray(pixels, dtype=np.uint8).copy()
    if image.ndim == 2:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return np.ascontiguousarray(image)


def draw_overlay(
    pixels: npt.NDArray[Any],
    inspection: RingInspection,
    *,
    labels: bool = True,
    edges: bool = True,
) -> npt.NDArray[np.uint8]:
    """Return an 8-bit BGR image with the ring's edges and every defect outlined.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16
        The inspected image; not modified.
    inspection : RingInspection
    labels : bool
        Write each defect's type beside its outline.
    edges : bool
        Draw the measured outer and inner edges.
    """
    canvas = to_display(pixels)
    scale = max(canvas.shape[:2]) / 1000.0
    thickness = max(1, round(2 * scale))
    ring = inspection.ring
    if ring is not None and edges:
        for contour in (ring.outer_edge_px, ring.inner_edge_px):
            # cv2 wants integer (x, y) points; draw with 4 fractional bits for sub-pixel lines.
            points = np.round(contour * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(canvas, [points], True, EDGE_COLOR, 1, cv2.LINE_AA, shift=4)
    for defect in inspection.defects:
        color = DEFECT_COLORS[defect.type]
        x, y, w, h = defect.bbox.as_list()
        pad = max(3, round(4 * scale))
        cv2.rectangle(canvas, (x - pad, y - pad), (x + w + pad, y + h + pad), color, thickness)
        if labels:
            cv2.putText(
                canvas,
                defect.type.value,
                (x - pad, max(12, y - pad - 4)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * max(scale, 0.8),
                color,
                thickness,
                cv2.LINE_AA,
            )
    return canvas
