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

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.locate import CoarseRing
from inspector.imaging.polar import (
    circular_running_median,
    consistent_majority,
    fit_radius_profile_with_inliers,
    median,
    median_last_axis,
    sample_radius_grid,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Harmonics kept in the smooth edge model: enough for an off-centre, slightly oval,
#: slightly irregular free ring, too few to follow a local bite or film.
EDGE_MODEL_ORDER = 8


#: Below this local contrast (in units of the ring's overall contrast with the
#: background), sustained along a stretch of edge, the edge is not measured there.
UNLIT_CONTRAST = 0.2


#: The ring begins where the signal stands out from the background by this many of
#: the background's noise sigmas…
DEPARTURE_SIGMAS = 6.0
#: …and by at least this fraction of the ring's overall contrast with the background.
DEPARTURE_CONTRAST = 0.05
#: A step counts as the ring's edge if its slope reaches this fraction of the ray's
#: strongest step at the ring's boundary.
STEP_FRACTION = 0.25
#: …or, however bright a glare band whose flank is the ray's strongest step, if it is
#: sharp: it rises to the level just inside it within this many px (a blurred step's
#: height over its largest slope is σ√(2π); a shadow's soft ramp takes far longer)…
SHARP_STEP_PX = 4.0
#: …to a level at least this share of the ring's contrast above the background.
SHARP_STEP_HEIGHT = 0.1
#: How far inside a step (px) the level it rises to is read.
SHARP_STEP_INSIDE_PX = 3
#: …and clears the background's slope noise by this many sigmas.
STEP_SIGMAS = 6.0


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


def contrast_signal(ring: CoarseRing) -> tuple[npt.NDArray[np.float32], FloatArray, float]:
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


def project_image(
    image: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], offset: FloatArray
) -> npt.NDArray[np.float32]:
    """Project a whole image onto the ring/background axis, one float32 channel.

    Bilinear sampling is linear, so sampling the projection gives the projection of the
    samples (to float32 rounding); projecting once and sampling one channel is far
    cheaper than sampling every channel of every band and projecting each.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray of float32
    weights, offset :
        The projection (see :func:`contrast_signal`).

    Returns
    -------
    (H, W) ndarray of float32
    """
    level = offset.astype(np.float32)
    if image.ndim == 2 or image.shape[2] == 1:
        plane = image if image.ndim == 2 else image[:, :, 0]
        result: npt.NDArray[np.float32] = np.asarray(
            (plane - level[0]) * weights[0], dtype=np.float32
        )
        return result
    # cv2.transform forms w · x + b per pixel in one pass (C ≤ 4).
    matrix = np.append(weights, -np.float32(weights @ level)).astype(np.float32)[np.newaxis, :]
    return np.asarray(cv2.transform(image, matrix), dtype=np.float32).reshape(image.shape[:2])


def project(
    samples: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], offset: FloatArray
) -> npt.NDArray[np.float32]:
    """Project sampled colours onto the ring/background axis (ring ≈ 1, background ≈ 0)."""
    channels = 1 if samples.ndim == 2 else samples.shape[2]
    level = offset.astype(np.float32)
    if channels <= 4:
        # cv2.subtract with a per-channel scalar: the same float32 differences as
        # numpy's, which is slow to broadcast over a trailing axis of length 3.
        scalar = tuple(float(v) for v in level) + (0.0,) * (4 - channels)
        # cv2's stubs omit the Scalar (tuple) form of an operand, which it accepts.
        centred = np.asarray(cv2.subtract(samples, scalar), dtype=np.float32)  # type: ignore[call-overload]
    else:
        centred = samples - level
    if centred.ndim == 2:
        centred = centred[:, :, np.newaxis]
    result: npt.NDArray[np.float32] = np.asarray(
        np.tensordot(centred, weights, axes=([2], [0])), dtype=np.float32
    )
    return result


def measure_edge(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    coarse_radius: FloatArray,
    *,
    side: EdgeSide,
    reach_in_px: float,
    reach_out_px: float,
    arc_sigma: float = 1.0,
) -> EdgeProfile:
    """Measure one edge to sub-pixel precision in ``coarse_radius.size`` directions.

    Along each ray the edge is the ring's outermost sharp step from the background:

    1. the background level of each ray (from the band's far end) and its noise;
    2. the ring's body: what stands out from that level by several noise sigmas (and a
       small fraction of the ring's contrast) and is connected along the ring, so loose
       dust does not count;
    3. the outermost peak of the slope towards the ring at the body's boundary that is
       at least a quarter of the ray's strongest: the centre of the background-to-rim
       step, sub-pixel by a parabola. A cast shadow's soft ramp is too weak to count.

    A torus lit from above turns a dim rim towards the camera; a half-way level between
    background and the lit part would fall inside the ring, while the first step from
    the background is the rim itself. For a plain blurred step, the slope peak is its
    half-way point.

    Parameters
    ----------
    image : (H, W) ndarray of float32
        Linear light projected onto the ring/background axis (ring 1, background 0; see
        :func:`project_image`).
    center : tuple of float
        ``(x, y)`` the directions radiate from.
    coarse_radius : (n,) ndarray of float64
        Rough edge radius (px) per direction.
    side : EdgeSide
    reach_in_px, reach_out_px : float
        How far (px) the search band reaches towards smaller and larger radii.
    arc_sigma : float
        Gaussian smoothing along the edge (sigma, in directions) before the search: 1 by
        default; more for an edge too faint to be found ray by ray, which is then only
        measured as a smooth outline.
    """
    n = coarse_radius.size
    offsets = np.arange(-np.ceil(reach_in_px), np.ceil(reach_out_px) + 1.0)
    grid = coarse_radius[np.newaxis, :] + offsets[:, np.newaxis]
    grid = np.maximum(grid, 0.0)
    signal = np.asarray(sample_radius_grid(image, center, grid, outside_nan=False), np.float32)
    # Sampled with the border replicated, a finite image gives finite samples: only an
    # image holding NaN needs the copy that replaces them (OpenCV checks in one pass).
    if not cv2.checkRange(signal)[0]:
        signal = np.nan_to_num(signal, nan=0.0)
    # Light smoothing: along the direction axis it averages neighbouring rays; along the
    # ray it steadies the slope. Neither moves a symmetric step.
    if arc_sigma <= 1.0:
        signal = np.asarray(cv2.GaussianBlur(signal, (5, 5), sigmaX=1.0, sigmaY=0.7), np.float32)
    else:
        signal = _smoothed_along(signal, arc_sigma)

    ring_is_inward = side is EdgeSide.OUTER
    n_rows = signal.shape[0]
    far = max(3, min(8, int(0.25 * n_rows)))
    far_rows = signal[-far:] if ring_is_inward else signal[:far]
    background_level = circular_running_median(median_last_axis(far_rows.T).astype(np.float64), 31)
    spread = far_rows - background_level[np.newaxis, :].astype(np.float32)
    background_noise = float(1.4826 * median(np.abs(spread)))
    step = max(DEPARTURE_SIGMAS * background_noise, DEPARTURE_CONTRAST)
    # The ring is what departs from the background either way: a torus lit from above
    # can show a rim darker than a light background around a body lighter than it.
    departure = np.abs(signal - background_level[np.newaxis, :].astype(np.float32))
    body = _ring_body(departure >= step)
    radius, step_slope = _outermost_step(
        signal, grid, body, background_level, ring_is_inward=ring_is_inward
    )

    blur = _blur_sigma(signal, grid, radius)
    # The height of the step found, from its slope: a blurred step of height h has a
    # largest slope of h / (σ √(2π)).
    contrast = step_slope * blur * np.sqrt(2.0 * np.pi)
    # Where a whole stretch of the edge has little contrast (the unlit side of a
    # translucent ring on a dark field) there is nothing to measure: leave it to the
    # model fitted on the rest.
    broad = circular_running_median(np.abs(contrast), window=max(31, n // 8) | 1)
    radius[broad < UNLIT_CONTRAST] = np.nan

    model, inliers = edge_model(radius)
    residual = (radius - model)[inliers]
    noise = float(1.4826 * median(np.abs(residual))) if residual.size else 0.0
    return EdgeProfile(
        side=side,
        measured=radius,
        model=model,
        inliers=inliers,
        contrast=contrast,
        blur_px=blur,
        noise_px=noise,
    )


def edge_model(radius: FloatArray) -> tuple[FloatArray, BoolArray]:
    """The smooth model of a measured edge and the directions it rests on.

    Fitted from the edge's consistent majority (see
    :func:`~inspector.imaging.polar.consistent_majority`), so a stretch where the finder
    took the wrong step does not bend it; the robust clipping then judges every point.
    """
    start = consistent_majority(radius)
    return fit_radius_profile_with_inliers(radius, order=EDGE_MODEL_ORDER, start=start)


def _smoothed_along(signal: npt.NDArray[np.float32], arc_sigma: float) -> npt.NDArray[np.float32]:
    """A band smoothed by ``arc_sigma`` directions along the (closed) edge and lightly
    along the rays."""
    n = signal.shape[1]
    pad = min(n, int(np.ceil(3.0 * arc_sigma)))
    wrapped = np.concatenate([signal[:, -pad:], signal, signal[:, :pad]], axis=1)
    blurred = cv2.GaussianBlur(wrapped, (0, 0), sigmaX=arc_sigma, sigmaY=0.7)
    return np.ascontiguousarray(blurred[:, pad : pad + n], dtype=np.float32)


def without_points(profile: EdgeProfile, drop: BoolArray) -> EdgeProfile:
    """The edge with the points in the ``drop`` directions discarded and its model fitted
    again to the rest (see :func:`measure_edge`)."""
    radius = np.where(drop, np.nan, profile.measured)
    model, inliers = edge_model(radius)
    residual = (radius - model)[inliers]
    noise = float(1.4826 * median(np.abs(residual))) if residual.size else 0.0
    return replace(profile, measured=radius, model=model, inliers=inliers, noise_px=noise)


def _outermost_step(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    body: BoolArray,
    background: FloatArray,
    *,
    ring_is_inward: bool,
) -> tuple[FloatArray, FloatArray]:
    """Radius of the ring's outermost sharp step along each ray (the inner edge: innermost).

    Candidates are the peaks of the slope's magnitude that lie at the boundary of the
    ring's body (so dust apart from the ring does not count), clear the background's own
    slope noise, and either reach a quarter of the ray's strongest such peak (so the soft
    ramp of a cast shadow or vignetting does not count, while the dim rim of a lit torus
    does) or are sharp steps of their own (:func:`_sharp_steps`: the body's edge beside
    a glare band many times brighter). Sub-pixel by a parabola.

    Returns
    -------
    radius : (n,) ndarray of float64
        NaN where a ray has no candidate.
    slope : (n,) ndarray of float64
        The step's largest slope (signal units per px); 0 where none.
    """
    n_rows, n_cols = signal.shape
    # row i: between rows i, i+1; the difference of the values widened to float64, formed
    # in place of a widened copy of the whole band
    slope = np.subtract(signal[1:], signal[:-1], dtype=np.float64)
    np.abs(slope, out=slope)
    near = body.copy()
    for shift in (1, 2):
        near[shift:] |= body[:-shift]
        near[:-shift] |= body[shift:]
    # The background's own slope noise: a step must clear it by a wide margin, or a
    # noisy background next to the ring would offer "steps" of its own.
    far = max(3, min(8, n_rows // 4))
    far_slope = slope[-far:] if ring_is_inward else slope[:far]
    slope_noise = float(1.4826 * median(np.abs(far_slope - median(far_slope))))
    interior = slope[1:-1]
    peak = (
        (interior >= slope[:-2]) & (interior > slope[2:]) & (interior > STEP_SIGMAS * slope_noise)
    )
    peak &= near[1:-2] | near[2:-1]
    # The strongest peak per ray (0 where none; slopes are never negative), without a
    # masked copy of the band.
    strongest = np.max(interior, axis=0, where=peak, initial=0.0)
    strong = interior >= STEP_FRACTION * strongest[np.newaxis, :]
    candidate = peak & strong
    # Only a peak that is not strong needs the sharp-step test: a few per ray, so it is
    # made at those alone rather than over the whole band.
    weak = np.flatnonzero(peak & ~strong)
    candidate.ravel()[weak[_sharp_steps(signal, slope, background, ring_is_inward, weak)]] = True
    has = candidate.any(axis=0)
    if ring_is_inward:
        row = candidate.shape[0] - 1 - np.argmax(candidate[::-1], axis=0)
    else:
        row = np.argmax(candidate, axis=0)
    row = row + 1  # back to slope-row numbering
    cols = np.arange(n_cols)
    left = slope[row - 1, cols]
    mid = slope[row, cols]
    right = slope[row + 1, cols]
    curvature = left - 2.0 * mid + right
    safe = np.where(curvature < 0, curvature, -1.0)
    offset = np.clip(np.where(curvature < 0, 0.5 * (left - right) / safe, 0.0), -0.5, 0.5)
    radius = grid[0] + row + 0.5 + offset
    found: FloatArray = np.where(has, radius, np.nan)
    step_slope: FloatArray = np.where(has, mid, 0.0)
    return found, step_slope


def _sharp_steps(
    signal: npt.NDArray[np.float32],
    slope: FloatArray,
    background: FloatArray,
    ring_is_inward: bool,
    at: npt.NDArray[np.intp],
) -> BoolArray:
    """Which of the slope rows' (``slope[1:-1]``) pixels ``at`` are sharp steps up to a
    clear level of material.

    Under front light a glare band on the crest can be many times brighter than the
    ring's body; its flank is then the ray's strongest step and the body's own edge
    falls below a quarter of it. That edge is still a step: the signal rises from the
    background to the body's level within a blur's width, while a cast shadow or
    vignetting ramps over many pixels. A blurred step of height ``h`` and largest slope
    ``g`` has ``h / g = σ √(2π)``, a few px for any usable focus.

    Parameters
    ----------
    signal : (R, N) ndarray of float32
        The band across the edge (projected, ring 1, background 0).
    slope : (R - 1, N) ndarray of float64
        ``|signal[i + 1] - signal[i]|``.
    background : (N,) ndarray of float64
        Each ray's background level.
    ring_is_inward : bool
        Whether the ring lies towards row 0 (the outer edge).
    at : (K,) ndarray of int
        Flat indices into ``slope[1:-1]`` (shape ``(R - 3, N)``) of the pixels to test.

    Returns
    -------
    (K,) ndarray of bool
    """
    n_rows, n_cols = signal.shape
    rows, cols = np.divmod(at, n_cols)
    rows += 1  # slope-row numbering
    # The level a little way inside each step, on the ring's side of it.
    if ring_is_inward:
        inside_rows = np.maximum(rows + 1 - SHARP_STEP_INSIDE_PX, 0)
    else:
        inside_rows = np.minimum(rows + SHARP_STEP_INSIDE_PX, n_rows - 1)
    height = np.abs(signal[inside_rows, cols].astype(np.float64) - background[cols])
    sharp: BoolArray = (height >= SHARP_STEP_HEIGHT) & (height <= SHARP_STEP_PX * slope[rows, cols])
    return sharp


def _ring_body(binary: BoolArray) -> BoolArray:
    """Keep the band's connected parts that belong to the ring body (long along θ)."""
    n_cols = binary.shape[1]
    # Wrap a few columns so an object straddling direction 0 is one object.
    wrap = min(n_cols, 32)
    padded = np.concatenate([binary, binary[:, :wrap]], axis=1).astype(np.uint8)
    # The labels alone: OpenCV's statistics cost five times the labelling itself.
    count, labels = cv2.connectedComponents(padded, connectivity=8)
    if count <= 1:
        return np.zeros_like(binary)
    widths = _label_widths(labels, count)
    keep_labels = np.flatnonzero(widths >= max(0.05 * n_cols, 8)) + 1
    if keep_labels.size == 0:
        areas = np.bincount(labels.ravel(), minlength=count)[1:]
        keep_labels = np.array([int(np.argmax(areas)) + 1])
    if keep_labels.size == count - 1:
        # Every part kept (the usual band: the ring alone): the body is the band's mask,
        # and the wrapped columns fold back onto copies of themselves.
        body: BoolArray = binary.copy()
        return body
    lookup = np.zeros(count, bool)
    lookup[keep_labels] = True
    kept = lookup[labels]
    # Fold the wrapped columns back onto the first ones, in place.
    body = kept[:, :n_cols].copy()
    body[:, :wrap] |= kept[:, n_cols:]
    return body


def _label_widths(labels: npt.NDArray[Any], count: int) -> npt.NDArray[np.intp]:
    """Column extent (the width of its bounding box) of each label ``1 … count - 1``.

    A label's extent runs from the first column of its leftmost run along a row to the
    last column of its rightmost: only the few runs' ends are looked at, several times
    faster than SciPy's ``find_objects`` scanning every pixel for its slices.

    Parameters
    ----------
    labels : (R, C) ndarray of int32
        Labels ``0 … count - 1`` (0: background), each present.
    count : int

    Returns
    -------
    (count - 1,) ndarray of int
    """
    n_rows, n_cols = labels.shape
    change = labels[:, 1:] != labels[:, :-1]
    # A run starts where a row's label differs from its left neighbour's (or at column
    # 0), and ends where it differs from its right neighbour's (or at the last column).
    starts = np.ones((n_rows, n_cols), bool)
    starts[:, 1:] = change
    ends = np.ones((n_rows, n_cols), bool)
    ends[:, :-1] = change
    start_at = np.flatnonzero(starts)
    end_at = np.flatnonzero(ends)
    flat = labels.ravel()
    first = np.full(count, n_cols, np.intp)
    last = np.full(count, -1, np.intp)
    np.minimum.at(first, flat[start_at], start_at % n_cols)
    np.maximum.at(last, flat[end_at], end_at % n_cols)
    widths: npt.NDArray[np.intp] = (last - first + 1)[1:]
    return widths


def _blur_sigma(
    signal: npt.NDArray[np.float32],
    grid: FloatArray,
    radius: FloatArray,
) -> float:
    """Gaussian blur sigma (px) from the steepest slope at the edge.

    A step of height ``c`` blurred by a Gaussian of sigma ``s`` has a largest slope of
    ``c / (s √(2π))``; in the projected signal the ring's step is 1 (ring 1, background 0).
    """
    valid = np.isfinite(radius)
    if not valid.any():
        return 1.0
    slope = np.abs(np.diff(signal, axis=0))
    step = np.abs(np.diff(grid, axis=0))
    if np.all(step == 1.0):
        # The usual band of whole-pixel steps: dividing by 1 changes nothing, and the
        # largest float32 slope widened is the largest of the slopes widened.
        peak = np.max(slope, axis=0).astype(np.float64)[valid]
    else:
        peak = np.max(slope / np.maximum(step, 1e-9), axis=0)[valid]
    sigma = 1.0 / np.maximum(peak, 1e-6) / np.sqrt(2.0 * np.pi)
    return float(np.clip(median(sigma), 0.3, 10.0))
