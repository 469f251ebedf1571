"""The image viewer: exact numpy → QImage conversion, zoom, fit and the overlay toggle."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from inspector.imaging.results import BBox, Defect, DefectType, RingGeometry, RingInspection, Where
from ui.image_view import ImageView, numpy_to_qimage

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform warns whenever a top-level window's size limits change.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]


def _bits(image: QImage, dtype: type) -> np.ndarray:
    rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    width = image.width() * image.depth() // 8
    return rows[:, :width].copy().view(dtype)


def test_gray8_values_kept_exactly(qtbot):
    pixels = np.array([[0, 1, 2], [127, 254, 255]], dtype=np.uint8)
    image = numpy_to_qimage(pixels)
    assert image.format() == QImage.Format.Format_Grayscale8
    assert (image.width(), image.height()) == (3, 2)
    np.testing.assert_array_equal(_bits(image, np.uint8), pixels)


def test_gray16_values_kept_exactly(qtbot):
    pixels = np.array([[0, 1, 257], [4095, 65534, 65535]], dtype=np.uint16)
    image = numpy_to_qimage(pixels)
    assert image.format() == QImage.Format.Format_Grayscale16
    np.testing.assert_array_equal(_bits(image, np.uint16), pixels)


def test_bgr_channels_land_in_the_right_place(qtbot):
    pixels = np.zeros((2, 2, 3), dtype=np.uint8)
    pixels[0, 1] = (10, 20, 30)  # B, G, R at row 0, column 1
    color = numpy_to_qimage(pixels).pixelColor(1, 0)  # Qt takes (x=column, y=row)
    assert (color.red(), color.green(), color.blue()) == (30, 20, 10)


def test_bgr16_reduced_by_dtype(qtbot):
    pixels = np.full((1, 1, 3), 65535, dtype=np.uint16)
    pixels[0, 0] = (0, 257, 65535)
    color = numpy_to_qimage(pixels).pixelColor(0, 0)
    assert (color.red(), color.green(), color.blue()) == (255, 1, 0)


def test_strided_and_read_only_views(qtbot):
    base = np.arange(5 * 7, dtype=np.uint8).reshape(5, 7)
    view = base[::2, 1::2]
    view.flags.writeable = False
    image = numpy_to_qimage(view)
    np.testing.assert_array_equal(_bits(image, np.uint8), view)


def test_single_channel_axis_is_gray(qtbot):
    image = numpy_to_qimage(np.full((3, 4, 1), 9, dtype=np.uint8))
    assert image.format() == QImage.Format.Format_Grayscale8


@pytest.mark.parametrize("bad", [np.zeros((2, 2), np.float32), np.zeros((2, 2, 2), np.uint8)])
def test_unsupported_images_raise(qtbot, bad):
    with pytest.raises(ValueError):
        numpy_to_qimage(bad)


def _inspection() -> RingInspection:
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    outer = np.column_stack([50 + 40 * np.cos(t), 40 + 30 * np.sin(t)])
    inner = np.column_stack([50 + 25 * np.cos(t), 40 + 18 * np.sin(t)])
    ring = RingGeometry((50.0, 40.0), 70, 43, 60, 80, 36, 50, 13, 12, 14, 2.0, outer, inner)
    outline = np.array([[10.0, 10.0], [14.0, 10.0], [14.0, 13.0], [10.0, 13.0]])
    defects = tuple(
        Defect(kind, Where.SURFACE, BBox(10, 10, 5, 4), 5.0, 4.0, 20.0, 30.0, outline)
        for kind in (DefectType.SCRATCH, DefectType.CUT)
    )
    return RingInspection((80, 100), ring, defects)


@pytest.fixture
def viewer(qtbot):
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_image(np.zeros((80, 100), dtype=np.uint8))
    return view


def test_fit_zoom_and_actual_pixels(qtbot, viewer):
    assert viewer.is_fit()
    fitted = viewer.zoom()
    assert fitted > 1.0  # 100 px wide in a 400 px view
    with qtbot.waitSignal(viewer.zoomChanged):
        qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert viewer.zoom() == pytest.approx(fitted * 1.25)
    assert not viewer.is_fit()
    qtbot.keyClick(viewer, Qt.Key.Key_1)
    assert viewer.zoom() == pytest.approx(1.0)
    qtbot.keyClick(viewer, Qt.Key.Key_Minus)
    assert viewer.zoom() == pytest.approx(0.8)
    qtbot.keyClick(viewer, Qt.Key.Key_F)
    assert viewer.is_fit()
    assert viewer.zoom() == pytest.approx(fitted)


def test_zoom_is_clamped_to_the_pixel(qtbot, viewer):
    viewer.set_zoom(1000.0)
    assert viewer.zoom() == pytest.approx(64.0)
    viewer.set_zoom(1e-6)
    assert viewer.zoom() == pytest.approx(1 / 64)


def test_overlay_draws_edges_and_every_defect_and_toggles(qtbot, viewer):
    viewer.set_overlay(_inspection())
    # 2 edges + per defect: outline, box, label.
    assert viewer.overlay_item_count() == 2 + 2 * 3
    assert viewer.overlays_visible()
    with qtbot.waitSignal(viewer.overlaysToggled) as blocker:
        qtbot.keyClick(viewer, Qt.Key.Key_O)
    assert blocker.args == [False]
    assert not viewer.overlays_visible()
    qtbot.keyClick(viewer, Qt.Key.Key_O)
    assert viewer.overlays_visible()
    viewer.set_overlay(None)
    assert viewer.overlay_item_count() == 0


def test_overlay_point_at_pixel_centre(qtbot, viewer):
    viewer.set_overlay(_inspection())
    paths = [i for i in viewer.scene().items() if i.type() == 2]  # QGraphicsPathItem
    first = min(paths, key=lambda i: i.boundingRect().width()).path().elementAt(0)
    assert (first.x, first.y) == (10.5, 10.5)  # engine (10, 10) is the pixel's centre
