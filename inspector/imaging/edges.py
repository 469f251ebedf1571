"""Sub-pixel outer and inner edges of the ring, all round.

Along each direction from the centre, a narrow band across the coarse edge is sampled
at 1 px steps. Pixel colours are projected onto the axis that separates the ring's colour
from the background's, so a ring that differs from its background mainly in hue (amber on
white) has as much contrast as a black ring on a light field. The edge is where that
signal crosses half-way between the *local* background level and the *local* ring level
next to it (the usual 50 % criterion, unbiased for a symmetrically blurred step), found by
linear interpolation between the two samples that straddle it.

Only the band's connected part that belongs to the ring body counts, so dust lying near
the ring and glare inside it do not pull the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.locate import CoarseRing
from inspector.imaging.polar import (
    fit_radius_profile_with_inliers,
    median_last_axis,
    sample_radius_grid,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Harmonics kept in the smooth edge model: enough for an off-centre, slightly oval,
#: slightly irregular free ring, too few to follow a local bite or film.
EDGE_MODEL_ORDER = 8


class EdgeSide(Enum):
    """Which edge: the ring lies inwards of the outer edge and outwards of the inner one."""

    OUTER = "outer"
    INNER = "inner"


@dataclass(frozen=True)
class EdgeProfile:
    """One edge measured in ``n`` directions.

    Attributes
    ----------
    side : EdgeSide
    measured : (n,) ndarray of float64
        Sub-pixel edge radius (px) per direction; NaN where no edge was found
        (a cut, or no contrast).
    model : (n,) ndarray of float64
        Smooth robust fit of the edge (px), defined in every direction.
    inliers : (n,) ndarray of bool
        Directions that agree with the model (not a local defect).
    contrast : (n,) ndarray of float64
        Local ring-minus-background level in projected units (1 ≈ the global contrast).
    blur_px : float
        Estimated edge blur (Gaussian sigma, px).
    noise_px : float
        Robust scatter of inlier edge points about the model (px).
    """

    side: EdgeSide
    measured: FloatArray
    model: FloatArray
    inliers: BoolArray
    contrast: FloatArray
    blur_px: float
    noise_px: float


def contrast_signal(
    image: npt.NDArray[np.float32], ring: CoarseRing
) -> tuple[npt.NDArray[np.float32], FloatArray, float]:
    """Return the colour projection vector and offset that map ring → 1, background → 0.

    Returns
    -------
    weights : (C,) ndarray of float32
        Per-channel weights.
    offset : ndarray
        The background colour subtracted before weighting.
    scale : float
        Length of the ring-minus-background colour difference (its global contrast).
    """
    difference = ring.ring_color - ring.background_color
    norm2 = float(difference @ difference)
    if norm2 < 1e-8:
        # Ring and background share their colour: fall back to brightness, ring brighter.
        difference = np.full_like(difference, 1.0 / np.sqrt(difference.size))
        norm2 = 1e-4
    weights = (difference / norm2).astype(np.float32)
    return weights, ring.background_color, float(np.sqrt(norm2))


def project(
    samples: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], offset: FloatArray
) -> npt.NDArray[np.float32]:
    """Project sampled colours onto the ring/background axis (ring ≈ 1, background ≈ 0)."""
    if samples.ndim == 2:
        samples = samples[:, :, np.newaxis]
    result: npt.NDArray[np.float32] = np.tensordot(
        samples - offset.astype(np.float32), weights, axes=([2], [0])
    ).astype(np.float32)
    return result


def measure_edge(
    image: npt.NDArray[np.float32],
    ring: CoarseRing,
    center: tuple[float, float],
    coarse_radius: FloatArray,
    *,
    side: EdgeSide,
    reach_in_px: float,
    reach_out_px: float,
) -> EdgeProfile:
    """Measure one edge to sub-pixel precision in ``coarse_radius.size`` directions.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray of float32 in [0, 1]
    ring : CoarseRing
        Supplies the ring and background colours.
    center : tuple of float
        ``(x, y)`` the directions radiate from.
    coarse_radius : (n,) ndarray of float64
        Rough edge radius (px) per direction.
    side : EdgeSide
    reach_in_px, reach_out_px : float
        How far (px) the search band reaches towards smaller and larger radii.
    """
    weights, offset, _ = contrast_signal(image, ring)
    n = coarse_radius.size
    offsets = np.arange(-np.ceil(reach_in_px), np.ceil(reach_out_px) + 1.0)
    grid = coarse_radius[np.newaxis, :] + offsets[:, np.newaxis]
    grid = np.maximum(grid, 0.0)
    signal = project(sample_radius_grid(image, center, grid), weights, offset)
    signal = np.nan_to_num(signal, nan=0.0)
    # Light smoothing along the direction axis only: it averages noise between
    # neighbouring rays without moving the edge along the ray.
    signal = np.asarray(cv2.GaussianBlur(signal, (5, 1), sigmaX=1.0, sigmaY=0.0), np.float32)

    ring_is_inward = side is EdgeSide.OUTER
    flat_in = np.full(n, 1.0)
    flat_out = np.zeros(n)
    radius = _crossing(signal, grid, flat_in, flat_out, ring_is_inward)
    blur = _blur_sigma(signal, grid, radius, flat_in, flat_out)

    # Second pass: levels taken just beside the first-pass edge, on each side.
    fitted, _ = fit_radius_profile_with_inliers(radius, order=EDGE_MODEL_ORDER)
    gap = 2.0 + 2.5 * blur
    ring_level, background_level = _local_levels(
        signal, grid, fitted, gap=gap, ring_is_inward=ring_is_inward
    )
    contrast = ring_level - background_level
    first_pass = radius
    radius = _crossing(signal, grid, ring_level, background_level, ring_is_inward)
    # Where the two sides hardly differ locally (a deep bite puts background on both
    # sides of the fitted edge; glare can light the ring up to the background's level)
    # the global half-way level is the better guide.
    # Where a whole stretch of the edge has little contrast (the unlit side of a
    # translucent ring on a dark field) there is nothing to measure: leave it to the
    # model fitted on the rest.
    strength = np.abs(contrast)
    broad = _circular_running_median(strength, window=max(31, n // 8) | 1)
    unlit = broad < 0.35 * float(np.percentile(strength, 90))
    weak = (strength < 0.3) & ~unlit
    radius[weak] = first_pass[weak]
    radius = _refine_at_steepest_slope(
        signal, grid, radius, ring_is_inward=ring_is_inward, reach=1.0 + 1.5 * blur
    )
    radius[unlit] = np.nan

    model, inliers = fit_radius_profile_with_inliers(radius, order=EDGE_MODEL_ORDER)
    residual = (radius - model)[inliers]
    noise = float(1.4826 * np.median(np.abs(residual))) if residual.size else 0.0
    return EdgeProfile(
        side=side,
        measured=radius,
        model=model,
        inliers=inliers,
        contrast=contrast,
        blur_px=blur,
        noise_px=noise,
    )


def _refine_at_steepest_slope(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    radius: FloatArray,
    *,
    ring_is_inward: bool,
    reach: float,
) -> FloatArray:
    """Move each edge point to the steepest ring-to-background slope nearby.

    For a symmetrically blurred step this is the half-way point again; where the ring
    darkens towards its rim (a torus lit from above turns its surface away from the
    camera there), the half-way level lies inside the ring but the steepest slope stays
    at the rim. Sub-pixel by a parabola through the slope's peak and its neighbours;
    points whose peak lies at the search window's end keep their half-way position.
    """
    n_rows, n_cols = signal.shape
    slope = np.diff(signal.astype(np.float64), axis=0)  # between rows i and i+1
    if ring_is_inward:
        slope = -slope  # outer edge: ring (high) at small radii, background beyond
    valid = np.isfinite(radius)
    centre = np.where(valid, radius - grid[0], 0.0) - 0.5  # in slope-row units
    half = int(np.ceil(reach))
    offsets = np.arange(-half, half + 1)
    rows = np.rint(centre)[np.newaxis, :].astype(np.intp) + offsets[:, np.newaxis]
    inside = (rows >= 1) & (rows < n_rows - 2)
    rows = np.clip(rows, 1, n_rows - 3)
    cols = np.arange(n_cols)[np.newaxis, :]
    window = np.where(inside, slope[rows, cols], -np.inf)
    best = np.argmax(window, axis=0)
    interior = (best > 0) & (best < offsets.size - 1)
    peak_row = rows[best, np.arange(n_cols)]
    left = slope[peak_row - 1, np.arange(n_cols)]
    mid = slope[peak_row, np.arange(n_cols)]
    right = slope[peak_row + 1, np.arange(n_cols)]
    curvature = left - 2.0 * mid + right
    shift = np.where(
        curvature < 0, 0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0), 0.0
    )
    shift = np.clip(shift, -0.5, 0.5)
    refined = grid[0] + peak_row + 0.5 + shift
    use = valid & interior & (mid > 0)
    result: FloatArray = np.where(use, refined, radius)
    return result


def _ring_body(binary: BoolArray) -> BoolArray:
    """Keep the band's connected parts that belong to the ring body (long along θ)."""
    n_cols = binary.shape[1]
    # Wrap a few columns so an object straddling direction 0 is one object.
    wrap = min(n_cols, 32)
    padded = np.concatenate([binary, binary[:, :wrap]], axis=1).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(padded, connectivity=8)
    if count <= 1:
        return np.zeros_like(binary)
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    keep_labels = np.flatnonzero(widths >= max(0.05 * n_cols, 8)) + 1
    if keep_labels.size == 0:
        keep_labels = np.array([int(np.argmax(stats[1:, cv2.CC_STAT_AREA])) + 1])
    lookup = np.zeros(count, bool)
    lookup[keep_labels] = True
    kept = lookup[labels]
    body: BoolArray = kept[:, :n_cols] | np.pad(kept[:, n_cols:], ((0, 0), (0, n_cols - wrap)))
    return body


def _crossing(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    ring_level: FloatArray,
    background_level: FloatArray,
    ring_is_inward: bool,
) -> FloatArray:
    """Radius where the signal crosses half-way between the levels, per direction."""
    span = ring_level - background_level
    safe_span = np.where(np.abs(span) < 1e-6, 1e-6, span)
    fraction = (signal - background_level[np.newaxis, :]) / safe_span[np.newaxis, :]
    inside = _ring_body(fraction >= 0.5)
    n_rows, n_cols = inside.shape
    if ring_is_inward:
        # Outer edge: the last ring row before the background, scanning outwards.
        has = inside.any(axis=0)
        last = n_rows - 1 - np.argmax(inside[::-1, :], axis=0)
        row_in = last
        row_out = last + 1
    else:
        # Inner edge: the first ring row, the hole lies just before it.
        has = inside.any(axis=0)
        first = np.argmax(inside, axis=0)
        row_in = first
        row_out = first - 1
    valid = has & (row_out >= 0) & (row_out < n_rows)
    cols = np.arange(n_cols)
    row_out_c = np.clip(row_out, 0, n_rows - 1)
    f_in = fraction[row_in, cols]
    f_out = fraction[row_out_c, cols]
    denominator = f_in - f_out
    t = np.where(
        np.abs(denominator) > 1e-9, (f_in - 0.5) / np.where(denominator == 0, 1, denominator), 0.5
    )
    t = np.clip(t, 0.0, 1.0)
    r_in = grid[row_in, cols]
    r_out = grid[row_out_c, cols]
    radius = r_in + t * (r_out - r_in)
    radius[~valid] = np.nan
    result: FloatArray = radius.astype(np.float64)
    return result


def _blur_sigma(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    radius: FloatArray,
    ring_level: FloatArray,
    background_level: FloatArray,
) -> float:
    """Gaussian blur sigma (px) from the steepest slope at the edge.

    A step of height ``c`` blurred by a Gaussian of sigma ``s`` has a largest slope of
    ``c / (s √(2π))``.
    """
    slope = np.abs(np.diff(signal, axis=0))
    step = np.abs(np.diff(grid, axis=0))
    valid = np.isfinite(radius)
    if not valid.any():
        return 1.0
    peak = np.max(slope / np.maximum(step, 1e-9), axis=0)[valid]
    contrast = np.abs(ring_level - background_level)[valid]
    sigma = contrast / np.maximum(peak, 1e-6) / np.sqrt(2.0 * np.pi)
    return float(np.clip(np.median(sigma), 0.3, 10.0))


def _local_levels(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    edge: FloatArray,
    *,
    gap: float,
    ring_is_inward: bool,
    width: int = 6,
) -> tuple[FloatArray, FloatArray]:
    """Median signal just inside the ring and just outside it, per direction.

    Smoothed along the edge by a running median so that a defect does not set its own
    reference level.
    """
    n_rows, n_cols = signal.shape
    # Rows are 1 px apart: the row holding radius ρ in column k is ρ - grid[0, k].
    edge_row = np.nan_to_num(edge - grid[0], nan=n_rows / 2.0)
    toward_ring = -1.0 if ring_is_inward else 1.0
    steps = gap + np.arange(width + 1, dtype=np.float64)
    cols = np.arange(n_cols)
    levels = []
    for direction in (toward_ring, -toward_ring):
        rows = np.rint(edge_row[np.newaxis, :] + direction * steps[:, np.newaxis])
        rows = np.clip(rows, 0, n_rows - 1).astype(np.intp)
        levels.append(median_last_axis(signal[rows, cols[np.newaxis, :]].T).astype(np.float64))
    return _circular_running_median(levels[0]), _circular_running_median(levels[1])


def _circular_running_median(values: FloatArray, window: int = 31) -> FloatArray:
    """Running median of a closed profile (wraps around)."""
    n = values.size
    window = min(window, n - (1 - n % 2))
    if window < 3:
        return values
    half = window // 2
    padded = np.concatenate([values[-half:], values, values[:half]])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    return np.asarray(median_last_axis(windows), dtype=np.float64)
