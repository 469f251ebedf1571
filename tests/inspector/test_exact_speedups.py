"""Shortcuts in the image engine that must give exactly what the plain computation gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inspector.imaging.locate import COARSE_ANGLES, _radial_extent, _reduce
from inspector.imaging.polar import angles_for, median, median_last_axis
from inspector.imaging.surface import _row_sigma


def _plain_median(values: np.ndarray) -> float:
    """The median by partitioning the whole row, as :func:`median_last_axis` does."""
    n = values.size
    k = n // 2
    both = np.partition(values, (k - 1, k))
    return float(both[k] if n % 2 else 0.5 * (both[k - 1] + both[k]))


@pytest.mark.parametrize("n", [16384, 16385, 30001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_row_median_is_the_partitioned_one(n: int, dtype: type) -> None:
    rng = np.random.default_rng(n)
    rows = [
        rng.normal(size=n),
        np.round(rng.normal(size=n) * 3.0),  # many ties
        np.sort(rng.normal(size=n)),  # a strided sample of sorted values
        np.tile(rng.normal(size=7), n // 7 + 1)[:n],  # periodic
        np.where(rng.random(n) < 0.5, -0.0, 0.0) + (rng.random(n) < 0.4),  # a zero median
        np.where(rng.random(n) < 0.3, np.inf, rng.normal(size=n)),
    ]
    for row in rows:
        values = row.astype(dtype)
        expected = _plain_median(values)
        assert (
            np.asarray(median_last_axis(values)).tobytes() == np.asarray(expected, dtype).tobytes()
        )
        assert float(median(values)) == expected


def test_long_row_median_with_nan_sorts_nan_last() -> None:
    values = np.random.default_rng(2).normal(size=20000)
    values[::3] = np.nan
    expected = _plain_median(values)
    assert float(median_last_axis(values)) == expected


@pytest.mark.parametrize("shape", [(1200, 1600, 3), (1200, 1600), (400, 800, 4), (8, 12, 2)])
def test_reduce_by_four_matches_opencv_area_average(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    expected = cv2.resize(pixels, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(_reduce(pixels, 0.25), expected)


def test_reduce_rounds_every_block_sum_as_opencv_does() -> None:
    # One 4×4 block for each sum 0 … 4080, ties included.
    sums = np.arange(4081)
    blocks = np.repeat((sums // 16)[:, np.newaxis], 16, axis=1)
    blocks[np.arange(16)[np.newaxis, :] < (sums % 16)[:, np.newaxis]] += 1
    image = blocks.reshape(-1, 4, 4).transpose(1, 0, 2).reshape(4, -1)[:, : 4080 * 4]
    image = np.ascontiguousarray(image.astype(np.uint8))
    expected = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(_reduce(image, 0.25), expected)


def _radial_extent_uncut(
    mask: np.ndarray, center: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Every ray sampled out to the image's farthest corner, as before the cut."""
    height, width = mask.shape
    n_radii = (
        int(
            np.ceil(np.hypot(max(center[0], width - center[0]), max(center[1], height - center[1])))
        )
        + 1
    )
    theta = angles_for(COARSE_ANGLES)
    radii = np.arange(n_radii, dtype=np.float64)[:, np.newaxis]
    map_x = (center[0] + radii * np.cos(theta)[np.newaxis, :]).astype(np.float32)
    map_y = (center[1] - radii * np.sin(theta)[np.newaxis, :]).astype(np.float32)
    inside = cv2.remap(
        mask.view(np.uint8), map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT
    ).view(bool)
    has = inside.any(axis=0)
    first = np.argmax(inside, axis=0)
    last = n_radii - 1 - np.argmax(inside[::-1], axis=0)
    return np.where(has, last + 1.0, np.nan), np.where(has, first, np.nan)


def test_radial_extent_is_the_uncut_one() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        mask = np.zeros((120, 160), bool)
        for _ in range(int(rng.integers(1, 4))):
            y, x, r = rng.integers(0, 120), rng.integers(0, 160), rng.integers(0, 30)
            mask[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1] = True
        center = (float(rng.uniform(-5, 165)), float(rng.uniform(-5, 125)))
        outer, inner = _radial_extent(mask, center)
        expected_outer, expected_inner = _radial_extent_uncut(mask, center)
        np.testing.assert_array_equal(outer, expected_outer)
        np.testing.assert_array_equal(inner, expected_inner)


def _row_sigma_plain(values: np.ndarray, floor: float) -> np.ndarray:
    """Each row's robust sigma by selecting its medians afresh."""
    sample = values[:, :: max(1, values.shape[1] // 512)]
    middle = median_last_axis(sample)[:, np.newaxis]
    sigma = 1.4826 * median_last_axis(np.abs(sample - middle))
    typical = float(median(sigma))
    return np.maximum(sigma, max(0.5 * typical, floor)).astype(np.float64)


@pytest.mark.parametrize("shape", [(20, 2675), (58, 3131), (45, 1024), (3, 513), (50, 7)])
def test_row_sigma_is_the_selected_one(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(shape[1])
    noisy = rng.normal(scale=0.01, size=shape).astype(np.float32)
    for values in (noisy, np.round(noisy * 300.0) / 300.0, np.where(noisy > 0.015, np.nan, noisy)):
        values = values.astype(np.float32)
        expected = _row_sigma_plain(values, 1e-4)
        assert _row_sigma(values, 1e-4).tobytes() == expected.tobytes()


@pytest.mark.parametrize("n", range(3, 17))
def test_short_row_medians_through_a_network_are_the_sorted_ones(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.normal(size=(40, 30, n)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = 0.0  # equal values, all of one sign
    ordered = np.sort(values, axis=-1)
    k = n // 2
    expected = ordered[..., k] if n % 2 else 0.5 * (ordered[..., k - 1] + ordered[..., k])
    assert median_last_axis(values).tobytes() == expected.tobytes()


def test_short_row_medians_with_nan_or_negative_zero_are_selected_as_before() -> None:
    values = np.random.default_rng(4).normal(size=(2000, 8))
    values[5, 3] = np.nan
    values[7, 1] = -0.0
    ordered = np.sort(values, axis=-1)  # NaN last, as the selection puts it
    expected = 0.5 * (ordered[:, 3] + ordered[:, 4])
    assert median_last_axis(values).tobytes() == expected.tobytes()


def test_short_row_medians_leave_a_transposed_input_alone() -> None:
    band = np.random.default_rng(5).normal(size=(8, 3000)).astype(np.float32)
    before = band.copy()
    expected = np.sort(band.T, axis=-1)
    median_last_axis(band.T)
    np.testing.assert_array_equal(band, before)
    assert median_last_axis(band.T).tobytes() == (0.5 * (expected[:, 3] + expected[:, 4])).tobytes()
