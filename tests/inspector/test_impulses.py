"""Single-pixel sensor impulses are removed; anything the optics blurred is kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inspector.imaging.engine import inspect_pixels
from inspector.imaging.impulses import remove_impulses
from inspector.synth import random_scene, render_ring
from inspector.synth.camera import bayer_mosaic, demosaic, with_hot_pixels


def _field(dtype: type = np.uint8, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(3)
    shape = (64, 80) if channels == 1 else (64, 80, channels)
    noisy = rng.normal(120.0, 3.0, shape).astype(np.float32)
    field = cv2.GaussianBlur(noisy, (0, 0), 0.8)
    scale = 257 if dtype is np.uint16 else 1
    return (np.clip(field, 0, 255) * scale).astype(dtype)


def test_a_clean_image_comes_back_as_it_is() -> None:
    image = _field()
    cleaned, count = remove_impulses(image)
    assert count == 0 and cleaned is image


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_hot_and_dead_pixels_get_their_neighbourhood_median(dtype: type) -> None:
    image = _field(dtype, channels=3)
    top = np.iinfo(dtype).max
    image[10, 12] = top  # hot in every channel
    image[40, 50, 1] = 0  # dead in one channel
    before = image.copy()
    cleaned, count = remove_impulses(image)
    assert count == 4
    assert np.array_equal(image, before), "the input is not modified"
    for y, x, c in ((10, 12, 0), (10, 12, 2), (40, 50, 1)):
        block = before[y - 2 : y + 3, x - 2 : x + 3, c].astype(np.int64)
        neighbours = np.delete(block.ravel(), 12)
        assert neighbours.min() <= int(cleaned[y, x, c]) <= neighbours.max()
    untouched = np.ones(image.shape[:2], bool)
    untouched[10, 12] = untouched[40, 50] = False
    assert np.array_equal(cleaned[untouched], before[untouched])


@pytest.mark.parametrize("sigma", [0.6, 0.8, 1.5])
def test_a_point_seen_through_the_optics_is_kept(sigma: float) -> None:
    image = _field().astype(np.float32)
    spot = np.zeros(image.shape, np.float32)
    spot[30, 40] = 1.0
    spot = cv2.GaussianBlur(spot, (0, 0), sigma)
    image = np.clip(image + 90.0 * spot / spot.max(), 0, 255).astype(np.uint8)
    assert remove_impulses(image)[1] == 0


def test_hot_pixels_on_a_good_ring_are_not_defects() -> None:
    image, _ = render_ring(
        random_scene(2, size=(800, 600), lighting="back", n_defects=0, out_of_tolerance=False)
    )
    clean = inspect_pixels(image)
    rng = np.random.default_rng(5)
    hot = image.copy()
    hot[rng.integers(0, 600, 150), rng.integers(0, 800, 150)] = 255
    assert len(inspect_pixels(hot).defects) == len(clean.defects)


@pytest.mark.parametrize("method", ["bilinear", "edge-aware", "vng"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_hot_pixels_of_a_bayer_mosaic_are_removed_after_demosaicing(
    method: str, dtype: type
) -> None:
    if dtype is np.uint16 and method == "vng":
        pytest.skip("OpenCV demosaics 16-bit images bilinearly or edge-aware only")
    field = _field(dtype, channels=3)
    clean = demosaic(bayer_mosaic(field), method=method)
    mosaic = bayer_mosaic(field)
    top = np.iinfo(dtype).max
    # A hot red, green (on both green sites) and blue site, and a dead green one.
    for y, x in ((20, 20), (31, 30), (40, 41), (11, 51)):
        mosaic[y, x] = top
    mosaic[50, 61] = 0
    spoilt = demosaic(mosaic, method=method)
    cleaned, count = remove_impulses(spoilt)
    assert count >= 5
    scale = 257 if dtype is np.uint16 else 1
    error = np.abs(cleaned.astype(np.int64) - clean.astype(np.int64)) / scale
    assert error.max() < 30, "each hot pixel's 3×3 tent is rebuilt to near the clean image"
    assert np.abs(spoilt.astype(np.int64) - clean).max() / scale > 100


@pytest.mark.parametrize("sigma", [0.6, 1.0])
@pytest.mark.parametrize("colour", [(0.5, 0.5, 0.5), (1.0, 0.2, 0.2), (0.25, 0.25, 1.0)])
def test_a_coloured_point_seen_through_the_optics_is_kept(
    sigma: float, colour: tuple[float, float, float]
) -> None:
    image = _field(channels=3).astype(np.float32)
    spot = np.zeros(image.shape[:2], np.float32)
    spot[30, 40] = 1.0
    spot = cv2.GaussianBlur(spot, (0, 0), sigma)
    for plane, share in enumerate(colour):
        image[:, :, plane] -= 90.0 * share * spot / spot.max()
    assert remove_impulses(np.clip(image, 0, 255).astype(np.uint8))[1] == 0


def test_hot_pixels_on_a_good_ring_through_a_colour_sensor_are_not_defects() -> None:
    image, _ = render_ring(
        random_scene(4, size=(800, 600), lighting="back", n_defects=0, out_of_tolerance=False)
    )
    mosaic = bayer_mosaic(image)
    clean = inspect_pixels(demosaic(mosaic))
    hot = inspect_pixels(
        demosaic(with_hot_pixels(mosaic, np.random.default_rng(5), per_megapixel=300.0))
    )
    assert len(hot.defects) == len(clean.defects)


def test_a_mosaic_demosaiced_gives_back_a_flat_colour() -> None:
    """The mosaic's pattern and OpenCV's name for it agree: colours are not swapped."""
    image = np.zeros((8, 8, 3), np.uint8)
    image[:] = (20, 100, 200)  # BGR
    assert demosaic(bayer_mosaic(image))[4, 4].tolist() == [20, 100, 200]
