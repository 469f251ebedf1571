"""Single-pixel sensor impulses are removed; anything the optics blurred is kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inspector.imaging.engine import inspect_pixels
from inspector.imaging.impulses import remove_impulses
from inspector.synth import random_scene, render_ring


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
