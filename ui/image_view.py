"""An image viewer for numpy images with zoom to the pixel, pan, fit and defect overlays.

Coordinates: the engine reports ``(x, y)`` = (column, row) with the origin at the *centre*
of the top-left pixel; a ``QGraphicsPixmapItem`` at (0, 0) puts that pixel's *corner* at
the origin. Points are therefore drawn at ``(x + 0.5, y + 0.5)`` in the scene, while an
integer box ``[x, y, w, h]`` of whole pixels covers exactly the scene rectangle
``(x, y, w, h)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from inspector.imaging.results import RingInspection
from ui.theme import QT_DEFECT_COLORS, QT_EDGE_COLOR

#: Zoom limits (screen px per image px): far enough out for a 64 MP frame, far enough in
#: that one image pixel is a large square.
MIN_ZOOM = 1.0 / 64.0
MAX_ZOOM = 64.0
#: One wheel notch or one +/- key press multiplies the zoom by this.
ZOOM_STEP = 1.25


def numpy_to_qimage(pixels: npt.NDArray[np.generic]) -> QImage:
    """Wrap a numpy image in a QImage without changing its values where Qt can show them.

    Parameters
    ----------
    pixels : (H, W), (H, W, 1) or (H, W, 3) ndarray of uint8 or uint16
        Grey or OpenCV BGR samples.

    Returns
    -------
    QImage
        ``Grayscale8`` / ``Grayscale16`` for grey (values kept exactly), ``BGR888`` for
        colour. Colour uint16 is reduced to 8 bits by dtype (``v // 257``, the same mapping
        as :func:`inspector.imaging.overlay.to_display`): Qt has no 3-channel 16-bit format.
        The QImage reads the numpy buffer directly, so the buffer is kept alive as an
        attribute of the returned object; ``QPixmap.fromImage`` copies it.

    Raises
    ------
    ValueError
        For another dtype or channel count.
    """
    array = np.asarray(pixels)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"cannot show an image of {array.dtype}; expected uint8 or uint16")
    if array.ndim == 2:
        fmt = (
            QImage.Format.Format_Grayscale8
            if array.dtype == np.uint8
            else QImage.Format.Format_Grayscale16
        )
    elif array.ndim == 3 and array.shape[2] == 3:
        if array.dtype == np.uint16:
            array = (array // 257).astype(np.uint8)
        fmt = QImage.Format.Format_BGR888
    else:
        raise ValueError(f"cannot show an image of shape {array.shape}; expected grey or BGR")
    # QImage needs rows of contiguous samples; a slice or a read-only view becomes a copy.
    array = np.ascontiguousarray(array)
    if not array.flags.writeable:
        array = array.copy()
    height, width = array.shape[:2]
    image = QImage(array.data, width, height, array.strides[0], fmt)
    image._numpy_buffer = array  # type: ignore[attr-defined]  # QImage does not own it
    return image


class ImageView(QGraphicsView):
    """Shows one image with optional overlays of the ring's edges and defects.

    Keys (when focused): ``+``/``-`` zoom, ``F`` fit, ``1`` one image pixel per screen
    pixel, ``O`` overlays on/off. The wheel zooms about the cursor; dragging pans.

    Signals
    -------
    zoomChanged(float)
        The new zoom, screen px per image px.
    overlaysToggled(bool)
        Whether overlays are now shown.
    """

    zoomChanged = Signal(float)
    overlaysToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, caption: str = "") -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self._pixmap_item = QGraphicsPixmapItem()
        self._pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._pixmap_item)
        self._overlay = QGraphicsItemGroup()
        self._overlay.setZValue(1)
        self._scene.addItem(self._overlay)
        self._overlays_visible = True
        self._fit_mode = True
        self._zoom = 1.0
        self._caption = caption
        self._placeholder = "No image"
        self._image_size: tuple[int, int] | None = None  # (width, height) in px
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(
            "Wheel or +/−: zoom · drag: pan · F: fit · 1: actual pixels · O: overlays on/off"
        )

    # --- state ---------------------------------------------------------------------------

    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self._zoom

    def is_fit(self) -> bool:
        """True while the image follows the window size."""
        return self._fit_mode

    def overlays_visible(self) -> bool:
        """True when the edges and defect outlines are drawn."""
        return self._overlays_visible

    def overlay_item_count(self) -> int:
        """How many graphics items the current overlay holds (for tests and debugging)."""
        return len(self._overlay.childItems())

    def image_size(self) -> tuple[int, int] | None:
        """``(width, height)`` of the shown image in px, or None."""
        return self._image_size

    def set_placeholder(self, text: str) -> None:
        """The text shown while there is no image."""
        self._placeholder = text
        self.viewport().update()

    # --- content -------------------------------------------------------------------------

    def set_image(self, pixels: npt.NDArray[np.generic] | None) -> None:
        """Show an image, keeping zoom and position unless in fit mode.

        Parameters
        ----------
        pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16, or None
            None clears the view. Overlays are cleared only by :meth:`set_overlay`.
        """
        if pixels is None:
            self._pixmap_item.setPixmap(QPixmap())
            self._image_size = None
            self.viewport().update()
            return
        pixmap = QPixmap.fromImage(numpy_to_qimage(pixels))
        size = (pixmap.width(), pixmap.height())
        self._pixmap_item.setPixmap(pixmap)
        if size != self._image_size:
            self._image_size = size
            self._scene.setSceneRect(QRectF(0, 0, size[0], size[1]))
            if self._fit_mode:
                self.fit()
        self.viewport().update()

    def set_overlay(
        self, inspection: RingInspection | None, labels: Sequence[str] | None = None
    ) -> None:
        """Draw the ring's edges and every defect's outline, box and label.

        Parameters
        ----------
        inspection : RingInspection or None
            None removes the overlay.
        labels : sequence of str, optional
            One label per defect, in ``inspection.defects`` order; the type by default.
        """
        for item in self._overlay.childItems():
            self._overlay.removeFromGroup(item)
            self._scene.removeItem(item)
        if inspection is None:
            return
        ring = inspection.ring
        if ring is not None:
            for contour in (ring.outer_edge_px, ring.inner_edge_px):
                if len(contour) >= 2:
                    self._add(_path_item(contour, QT_EDGE_COLOR, width=1.5, dashed=False))
        for index, defect in enumerate(inspection.defects):
            color = QT_DEFECT_COLORS[defect.type]
            if len(defect.outline_px) >= 2:
                self._add(_path_item(defect.outline_px, color, width=2.0, dashed=False))
            box = defect.bbox
            pad = 3.0
            rect = QGraphicsRectItem(
                QRectF(box.x - pad, box.y - pad, box.w + 2 * pad, box.h + 2 * pad)
            )
            pen = QPen(color, 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            rect.setPen(pen)
            self._add(rect)
            text = labels[index] if labels is not None else defect.type.value.replace("_", "-")
            self._add(_label_item(text, color, QPointF(box.x - pad, box.y - pad)))

    def _add(self, item: QGraphicsItem) -> None:
        self._overlay.addToGroup(item)

    # --- zoom ----------------------------------------------------------------------------

    @Slot()
    def fit(self) -> None:
        """Fit the whole image in the view; it then follows the window size."""
        self._fit_mode = True
        if self._image_size is None:
            return
        self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom = self.transform().m11()
        self._update_smoothing()
        self.zoomChanged.emit(self._zoom)

    @Slot()
    def actual_pixels(self) -> None:
        """One image pixel per screen pixel, about the view's centre."""
        self.set_zoom(1.0)

    @Slot()
    def zoom_in(self) -> None:
        """Zoom in one step."""
        self.set_zoom(self._zoom * ZOOM_STEP)

    @Slot()
    def zoom_out(self) -> None:
        """Zoom out one step."""
        self.set_zoom(self._zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float) -> None:
        """Set the zoom (screen px per image px), clamped to the limits; leaves fit mode."""
        self._fit_mode = False
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        factor = zoom / self._zoom if self._zoom else zoom
        self.scale(factor, factor)
        self._zoom = self.transform().m11()
        self._update_smoothing()
        self.zoomChanged.emit(self._zoom)

    def _update_smoothing(self) -> None:
        # Past 2× the pixels are shown as squares, so the inspector sees real pixels.
        mode = (
            Qt.TransformationMode.FastTransformation
            if self._zoom >= 2.0
            else Qt.TransformationMode.SmoothTransformation
        )
        self._pixmap_item.setTransformationMode(mode)

    @Slot()
    def toggle_overlays(self) -> None:
        """Show or hide the overlays."""
        self.set_overlays_visible(not self._overlays_visible)

    def set_overlays_visible(self, visible: bool) -> None:
        """Show or hide the edges and defect outlines."""
        self._overlays_visible = visible
        self._overlay.setVisible(visible)
        self.overlaysToggled.emit(visible)
        self.viewport().update()

    # --- events --------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom about the cursor, one step per notch."""
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self._zoom * ZOOM_STEP**steps)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The viewer's own keys; anything else goes to the parent."""
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.actual_pixels()
        elif key == Qt.Key.Key_O:
            self.toggle_overlays()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep a fitted image fitted."""
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """Caption, zoom and overlay state in the corners; a placeholder without an image."""
        painter.save()
        painter.resetTransform()
        font = QFont(self.font())
        painter.setFont(font)
        area = self.viewport().rect().adjusted(10, 8, -10, -8)
        if self._image_size is None:
            painter.setPen(QColor("#8a949e"))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._placeholder)
        else:
            info = f"{self._zoom * 100:.0f} %"
            if not self._overlays_visible:
                info += "  ·  overlays off (O)"
            _corner_text(painter, area, info, Qt.AlignmentFlag.AlignRight)
        if self._caption:
            _corner_text(painter, area, self._caption, Qt.AlignmentFlag.AlignLeft)
        painter.restore()


def _corner_text(painter: QPainter, area: QRectF, text: str, align: Qt.AlignmentFlag) -> None:
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 14
    height = metrics.height() + 6
    x = area.left() if align == Qt.AlignmentFlag.AlignLeft else area.right() - width
    box = QRectF(x, area.top(), width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 160))
    painter.drawRoundedRect(box, 4, 4)
    painter.setPen(QColor("#eef1f4"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _path_item(
    points_xy: npt.NDArray[np.float64], color: QColor, *, width: float, dashed: bool
) -> QGraphicsPathItem:
    """A closed polyline through ``(x, y)`` pixel centres, drawn at pixel-centre offsets."""
    polygon = QPolygonF([QPointF(float(x) + 0.5, float(y) + 0.5) for x, y in points_xy])
    path = QPainterPath()
    path.addPolygon(polygon)
    path.closeSubpath()
    item = QGraphicsPathItem(path)
    pen = QPen(color, width, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    pen.setCosmetic(True)  # the same on-screen width at any zoom
    item.setPen(pen)
    return item


def _label_item(text: str, color: QColor, anchor: QPointF) -> QGraphicsRectItem:
    """A label on a dark plate that keeps its screen size at any zoom, above ``anchor``."""
    label = QGraphicsSimpleTextItem(text)
    font = QFont()
    font.setPointSize(11)
    font.setBold(True)
    label.setFont(font)
    label.setBrush(QBrush(color))
    bounds = label.boundingRect()
    plate = QGraphicsRectItem(QRectF(0, 0, bounds.width() + 8, bounds.height() + 2))
    plate.setBrush(QColor(0, 0, 0, 190))
    plate.setPen(QPen(Qt.PenStyle.NoPen))
    plate.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    label.setParentItem(plate)
    label.setPos(4, 1)
    # Ignoring transformations keeps the plate's own origin at the anchor: lift it by its
    # height in screen px with a child offset instead of moving the anchor.
    plate.setPos(anchor)
    plate.setRect(QRectF(0, -bounds.height() - 4, bounds.width() + 8, bounds.height() + 2))
    label.setPos(4, -bounds.height() - 3)
    return plate
