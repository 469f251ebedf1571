"""Polar unwrapping around the ring centre and smooth models of radius profiles.

Convention used by every imaging module: direction ``k`` of ``n`` is the angle
``θ = 2π k / n`` counter-clockwise *on screen* from the +x axis. Because image rows grow
downwards, a point at radius ``r`` is ``x = cx + r cos θ``, ``y = cy - r sin θ``.
Sampled strips are ``(n_radii, n_angles)`` arrays: rows are radii, columns directions.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

FloatArray = npt.NDArray[np.float64]


@functools.lru_cache(maxsize=64)
def angles_for(n_angles: int) -> FloatArray:
    """The ``n_angles`` sampling directions in radians; read-only.

    Cached: one inspection asks for the same few sizes dozens of times.
    """
    angles = np.linspace(0.0, 2.0 * np.pi, n_angles, endpoint=False)
    angles.setflags(write=False)
    return angles


@functools.lru_cache(maxsize=64)
def _unit_circle(n_angles: int) -> tuple[FloatArray, FloatArray]:
    """``cos θ`` and ``sin θ`` of the ``n_angles`` sampling directions; read-only.

    Cached like :func:`angles_for`: every band and strip sampled in ``n_angles``
    directions needs them.
    """
    theta = angles_for(n_angles)
    cos, sin = np.cos(theta), np.sin(theta)
    cos.setflags(write=False)
    sin.setflags(write=False)
    return cos, sin


def polar_sample(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    *,
    radii: FloatArray,
    n_angles: int,
    interpolation: int = cv2.INTER_LINEAR,
) -> npt.NDArray[np.float32]:
    """Sample ``image`` on concentric circles.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray of float32
    center : tuple of float
        ``(x, y)`` in image pixels.
    radii : (R,) ndarray of float64
        Radii in px, one per output row.
    n_angles : int
        Number of directions, one per output column.

    Returns
    -------
    (R, n_angles) or (R, n_angles, C) ndarray of float32
        Points outside the image read as NaN.
    """
    radius_grid = np.repeat(radii[:, np.newaxis], n_angles, axis=1)
    return sample_radius_grid(image, center, radius_grid, interpolation=interpolation)


def sample_radius_grid(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    radius_grid: FloatArray,
    *,
    interpolation: int = cv2.INTER_LINEAR,
    outside_nan: bool = True,
) -> npt.NDArray[np.float32]:
    """Sample ``image`` at radius ``radius_grid[i, k]`` in direction ``k``.

    Points outside the image read as NaN, or with ``outside_nan=False`` as the nearest
    border pixel (so a search band that leaves the image sees more background rather
    than an artificial step).

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray of float32
    center : tuple of float
        ``(x, y)`` in image pixels.
    radius_grid : (R, N) ndarray of float64
        Radius in px for each output pixel; column ``k`` is direction ``2π k / N``.

    Returns
    -------
    (R, N) or (R, N, C) ndarray of float32
        Points outside the image read as NaN.
    """
    map_x, map_y = radius_grid_maps(center, radius_grid)
    sampled = remap(
        image,
        map_x,
        map_y,
        interpolation=interpolation,
        border_mode=cv2.BORDER_CONSTANT if outside_nan else cv2.BORDER_REPLICATE,
        border_value=float("nan"),
    )
    return np.asarray(sampled, dtype=np.float32)


def radius_grid_maps(
    center: tuple[float, float], radius_grid: FloatArray
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The ``cv2.remap`` maps of a radius grid: image ``x`` and ``y`` of each sample.

    The same values as :func:`radius_grid_to_xy` rounded to float32: each is evaluated in
    float64 and rounded once as it is stored, which spares a float64 copy of each map.

    Returns
    -------
    map_x, map_y : (R, N) ndarrays of float32
    """
    cos, sin = _unit_circle(radius_grid.shape[1])
    map_x = np.empty(radius_grid.shape, np.float32)
    map_y = np.empty(radius_grid.shape, np.float32)
    np.add(center[0], radius_grid * cos[np.newaxis, :], out=map_x)
    np.subtract(center[1], radius_grid * sin[np.newaxis, :], out=map_y)
    return map_x, map_y


def remap(
    image: npt.NDArray[Any],
    map_x: npt.NDArray[np.float32],
    map_y: npt.NDArray[np.float32],
    *,
    interpolation: int = cv2.INTER_LINEAR,
    border_mode: int = cv2.BORDER_REPLICATE,
    border_value: float = 0.0,
) -> npt.NDArray[Any]:
    """``cv2.remap`` of ``image`` at ``(map_x, map_y)`` (x: column, y: row), same dtype.

    For bilinear sampling the maps are first turned into OpenCV's fixed-point form
    (1/32 px, the precision remap interpolates at in any case): the same samples, and
    about a quarter faster than handing remap the float maps.
    """
    if interpolation == cv2.INTER_LINEAR:
        fixed_xy, fixed_fraction = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
        return np.asarray(
            cv2.remap(
                image,
                fixed_xy,
                fixed_fraction,
                interpolation,
                borderMode=border_mode,
                borderValue=border_value,
            )
        )
    return np.asarray(
        cv2.remap(
            image, map_x, map_y, interpolation, borderMode=border_mode, borderValue=border_value
        )
    )


def sample_rays(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    theta: FloatArray,
    radius: FloatArray,
) -> npt.NDArray[np.float32]:
    """Sample ``image`` bilinearly along chosen rays: ``radius[i, k]`` in direction
    ``theta[k]`` (radians, counter-clockwise on screen), nearest border pixel outside.

    Returns
    -------
    (R, K) or (R, K, C) ndarray of float32
    """
    map_x = (center[0] + radius * np.cos(theta)[np.newaxis, :]).astype(np.float32)
    map_y = (center[1] - radius * np.sin(theta)[np.newaxis, :]).astype(np.float32)
    return np.asarray(remap(image, map_x, map_y, border_mode=cv2.BORDER_REPLICATE), np.float32)


def radius_grid_to_xy(
    center: tuple[float, float], radius_grid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Image ``(x, y)`` of each polar sample of a radius grid."""
    cos, sin = _unit_circle(radius_grid.shape[1])
    x = center[0] + radius_grid * cos[np.newaxis, :]
    y = center[1] - radius_grid * sin[np.newaxis, :]
    return x, y


#: Rows from this length on, at most :data:`_SELECT_BOTH_ROWS` of them, are partitioned
#: about both middle positions at once (see :func:`median_last_axis`). Past some 40 rows
#: of a strip's 500 columns, numpy partitions each row several times slower, and a sort
#: is the faster again.
_SELECT_BOTH_ROW = 128
_SELECT_BOTH_ROWS = 40


def median_last_axis(values: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Median along the last axis.

    Selecting the middle of each row is several times faster than :func:`numpy.median`,
    whose overhead per row is large; the result is the same (a median only selects, and
    averages the middle two). The way of selecting depends on the shape, each the fastest
    measured for it: many short rows go through a sorting network
    (:func:`_network_median`); one long row is narrowed to a bracket first
    (:func:`_bracketed_median`); a few long rows are partitioned about both middle values.
    Otherwise an odd row is partitioned about its middle. An even row is sorted while
    short (or float32, which numpy sorts with SIMD): partitioning many short rows about
    both middle values is ten times slower than one sort. A long float64 row is
    partitioned about the upper middle, the lower one being the largest value below it.
    """
    n = values.shape[-1]
    k = n // 2
    if _NETWORK_ROW_MIN <= n <= _NETWORK_ROW_MAX and values.size >= _NETWORK_ROWS * n:
        networked = _network_median(values)
        if networked is not None:
            return networked
    if values.ndim == 1 and n >= _BRACKET_ROW:
        bracketed = _bracketed_median(values)
        if bracketed is not None:
            return bracketed
    if n >= _SELECT_BOTH_ROW and values.size <= _SELECT_BOTH_ROWS * n:
        # A few long rows (one, in a median of a whole array): partitioning about both
        # middle positions is two to three times faster than about one, which numpy
        # hands to a SIMD selection that is slow on long rows. Many shorter rows are
        # the other way round.
        both = np.partition(values, (k - 1, k), axis=-1)
        if n % 2:
            odd: npt.NDArray[np.floating] = both[..., k]
            return odd
        middle: npt.NDArray[np.floating] = 0.5 * (both[..., k - 1] + both[..., k])
        return middle
    if n % 2:
        if values.dtype == np.float32 and n >= 48:
            return np.sort(values, axis=-1)[..., k]
        return np.partition(values, k, axis=-1)[..., k]
    if n <= 64 or values.dtype == np.float32:
        ordered = np.sort(values, axis=-1)
        lower = ordered[..., k - 1]
    else:
        ordered = np.partition(values, k, axis=-1)
        lower = ordered[..., :k].max(axis=-1)
    result: npt.NDArray[np.floating] = 0.5 * (lower + ordered[..., k])
    return result


#: Rows this short, this many of them or more, take their medians through a sorting
#: network (see :func:`_network_median`).
_NETWORK_ROW_MIN = 3
_NETWORK_ROW_MAX = 16
_NETWORK_ROWS = 512


def _network_median(values: npt.NDArray[np.floating]) -> npt.NDArray[np.floating] | None:
    """The medians of many short rows as :func:`median_last_axis` gives them, or None.

    numpy sorts or partitions each short row on its own, at a cost per row several times
    that of the few comparisons it needs. Laid out position by position (each row a
    column), the rows go through a sorting network all at once, one elementwise minimum
    and maximum per comparator, pruned to the comparators the middle positions depend on.
    A network moves values without changing them, so the middle values are the sorted
    rows' middle values and the arithmetic on them is the same; but a minimum or maximum
    of two equal values may return either, so the rows must hold no two equal values
    that differ in their bits (zeros of both signs) and no NaN (which a sort puts last):
    None when any value is NaN, infinite or a negative zero.
    """
    if values.dtype not in (np.float32, np.float64):
        return None
    n = values.shape[-1]
    # A copy always (the comparators work in place): a transposed view of a C-ordered
    # array is laid out like this already and would otherwise be the caller's own.
    columns = values.reshape(-1, n).T.copy()
    if not np.isfinite(columns).all():
        return None
    if not columns.all():
        zeros = columns == 0
        if np.signbit(columns[zeros]).any():
            return None
    k = n // 2
    rows = list(columns)
    spare = np.empty_like(rows[0])
    for low, high in _median_network(n):
        # The minimum into the spare row, the maximum in place; the old low row is the
        # next spare (no allocation per comparator).
        np.minimum(rows[low], rows[high], out=spare)
        np.maximum(rows[low], rows[high], out=rows[high])
        rows[low], spare = spare, rows[low]
    result: npt.NDArray[np.floating] = rows[k] if n % 2 else 0.5 * (rows[k - 1] + rows[k])
    return result.reshape(values.shape[:-1])


@functools.lru_cache(maxsize=32)
def _median_network(n: int) -> tuple[tuple[int, int], ...]:
    """Comparators ``(low, high)`` of Batcher's odd–even merge sort of ``n`` values,
    pruned to those the middle position(s) depend on.

    The network for the next power of two is cut to ``n``: padded with values larger than
    any, a comparator reaching past ``n`` never moves anything.
    """
    size = 1
    while size < n:
        size *= 2
    comparators: list[tuple[int, int]] = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        comparators.append((i + j, i + j + k))
            k //= 2
        p *= 2
    comparators = [(a, b) for a, b in comparators if b < n]
    needed = {n // 2} if n % 2 else {n // 2 - 1, n // 2}
    kept: list[tuple[int, int]] = []
    for a, b in reversed(comparators):
        if a in needed or b in needed:
            kept.append((a, b))
            needed |= {a, b}
    return tuple(reversed(kept))


def _bracketed_median(values: npt.NDArray[np.floating]) -> npt.NDArray[np.floating] | None:
    """The median of a long 1-D array as :func:`median_last_axis` gives it, or None.

    Partitioning tens of thousands of values about both middle positions costs some
    0.1–0.25 ms. The middle ranks of a sorted strided sample bracket the median: the
    values below the bracket are only counted, and the few inside it (an eighth or so)
    are partitioned about the middle positions shifted by that count. The selected
    values are the same, and so is the arithmetic on them. None when the bracket misses
    the middle (a sample unlike the whole; a NaN, which compares false, ends up outside
    it too) or the median is zero (whose sign a selection may pick either way): the
    caller then partitions the whole row.
    """
    n = values.size
    k = n // 2
    lower = k if n % 2 else k - 1
    sample = np.sort(values[:: n // _BRACKET_SAMPLE])
    middle = sample.size // 2
    low = sample[middle - _BRACKET_HALF_WIDTH]
    high = sample[middle + _BRACKET_HALF_WIDTH]
    below = values < low
    n_below = int(np.count_nonzero(below))
    within = values <= high
    within &= ~below
    inside = values[within]
    if not (n_below <= lower and k < n_below + inside.size):
        return None
    result: npt.NDArray[np.floating]
    if n % 2:
        result = np.partition(inside, k - n_below)[..., k - n_below]
    else:
        both = np.partition(inside, (lower - n_below, k - n_below))
        result = 0.5 * (both[..., lower - n_below] + both[..., k - n_below])
    if result == 0:
        return None
    return result


#: 1-D rows from this length on are selected in a bracket (see :func:`_bracketed_median`);
#: shorter ones partition about as fast whole.
_BRACKET_ROW = 16384
#: Size (about) of the sample that places the bracket, and its half-width in sample ranks
#: (some three standard deviations of the median's rank in a random sample).
_BRACKET_SAMPLE = 1024
_BRACKET_HALF_WIDTH = 64


def median(values: npt.NDArray[np.floating], axis: int | None = None) -> Any:
    """:func:`numpy.median` of a float array, by :func:`median_last_axis`: the same values.

    ``numpy.median`` partitions about both middle values and the last one (to find a NaN),
    which takes longer than the selection itself, several times as long on short rows.
    Arrays holding a NaN (the median is then NaN), empty ones and integer ones are left
    to ``numpy.median``.

    Parameters
    ----------
    values : ndarray of float
    axis : int, optional
        The axis to take the median along; the whole array when None.

    Returns
    -------
    numpy scalar or ndarray
        As :func:`numpy.median` returns it.
    """
    if values.dtype.kind != "f" or values.size == 0 or np.isnan(values).any():
        return np.median(values, axis=axis)
    result = median_last_axis(values.ravel() if axis is None else np.moveaxis(values, axis, -1))
    return result[()]  # a 0-d result as the scalar numpy.median returns


def circular_running_median(values: FloatArray, window: int) -> FloatArray:
    """Running median of a closed (wrapping) profile.

    Wide windows are evaluated at every ``window // 15``-th position and interpolated:
    a median over hundreds of samples barely changes from one position to the next,
    and sorting every window in full would dominate the engine's time.
    """
    n = values.size
    window = min(window | 1, n - (1 - n % 2))
    if window < 3:
        return values.astype(np.float64)
    step = max(1, window // 15)
    centres = np.arange(0, n, step)
    if values.dtype in (np.float32, np.float64) and bool(np.isfinite(values).all()):
        # SciPy's one-dimensional running median keeps its window ordered as it slides:
        # the median of every window, wrapped, at a fraction of the cost of selecting
        # each one afresh even at every step-th position. The window is odd, so each
        # median is one of the window's values: the same ones. (NaN would upset its
        # ordering: such a profile takes the selection below.)
        running: FloatArray = np.asarray(ndimage.median_filter(values, size=window, mode="wrap"))
        medians = running[centres].astype(np.float64)
    else:
        half = window // 2
        padded = np.concatenate([values[-half:], values, values[:half]])
        windows = np.lib.stride_tricks.sliding_window_view(padded, window)[centres]
        medians = median_last_axis(windows).astype(np.float64)
    if step == 1:
        return medians
    result: FloatArray = np.interp(np.arange(n), centres, medians, period=n)
    return result


#: Ridge weight of the Fourier fit, per sample and per k⁴ (see fit_radius_profile).
RIDGE = 2e-5


def _harmonic_orders(order: int) -> FloatArray:
    """Harmonic number of each design column: 0, 1, 1, 2, 2, …"""
    return np.concatenate([[0.0], np.repeat(np.arange(1, order + 1, dtype=np.float64), 2)])


@functools.lru_cache(maxsize=16)
def _ridge_diagonal(order: int) -> FloatArray:
    """The ridge penalty's shape, ``diag(k⁴)`` over the design columns; read-only.

    Cached: every iteration of every fit of an order asks for the same matrix.
    """
    diagonal = np.diag(_harmonic_orders(order) ** 4)
    diagonal.setflags(write=False)
    return diagonal


@functools.lru_cache(maxsize=16)
def fourier_design(n_angles: int, order: int) -> FloatArray:
    """Design matrix ``[1, cos θ, sin θ, …, cos Kθ, sin Kθ]`` for ``n_angles`` directions.

    Cached (an engine run asks for the same few sizes again and again); the array is
    read-only.
    """
    theta = angles_for(n_angles)
    columns = [np.ones(n_angles)]
    for k in range(1, order + 1):
        columns.append(np.cos(k * theta))
        columns.append(np.sin(k * theta))
    design = np.stack(columns, axis=1)
    design.setflags(write=False)
    return design


def fit_radius_profile(
    radius: FloatArray,
    *,
    order: int = 6,
    clip: float = 3.0,
    min_clip_px: float = 0.5,
    iterations: int = 4,
) -> FloatArray:
    """Smooth closed profile through ``radius``, robust to local defects.

    A low-order Fourier series describes a ring that is off-centre (order 1) and oval
    (order 2 and its small higher harmonics); a bite or a film on the edge is local and
    is rejected as an outlier by iterative clipping at ``clip`` robust standard deviations.

    Parameters
    ----------
    radius : (N,) ndarray of float64
        Measured radius per direction (px); NaN where none was found.
    order : int
        Highest harmonic.

    Returns
    -------
    (N,) ndarray of float64
        The fitted radius in every direction, including those that were NaN.
    """
    fitted, _ = fit_radius_profile_with_inliers(
        radius, order=order, clip=clip, min_clip_px=min_clip_px, iterations=iterations
    )
    return fitted


def fit_radius_profile_with_inliers(
    radius: FloatArray,
    *,
    order: int = 6,
    clip: float = 3.0,
    min_clip_px: float = 0.5,
    iterations: int = 4,
    start: npt.NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """As :func:`fit_radius_profile`, also returning which samples were kept.

    ``start``, if given, holds the samples the first fit rests on (see
    :func:`consistent_majority`); the clipping that follows judges all of them.
    """
    n = radius.size
    design = fourier_design(n, order)
    valid = np.isfinite(radius)
    if valid.sum() < 2 * order + 2:
        fill = float(np.nanmedian(radius)) if valid.any() else 0.0
        return np.full(n, fill), valid
    keep = valid.copy() if start is None else valid & start
    coefficients = np.zeros(design.shape[1])
    filled = np.nan_to_num(radius, nan=0.0)
    for _ in range(iterations):
        # Normal equations: the Fourier columns are nearly orthogonal, so this is well
        # conditioned and far cheaper than an SVD of the whole design.
        kept = design[keep]
        # A gentle ridge penalty growing as k⁴ keeps high harmonics from swinging wildly
        # across a stretch with no data (a cut, an unlit side); where data exist it
        # changes the fit by far less than the edge noise.
        penalty = RIDGE * kept.shape[0] * _ridge_diagonal(order)
        coefficients = np.asarray(
            np.linalg.solve(kept.T @ kept + penalty, kept.T @ filled[keep]), dtype=np.float64
        )
        residual = filled - design @ coefficients
        spread = 1.4826 * median(np.abs(residual[keep]))
        limit = max(clip * spread, min_clip_px)
        new_keep = valid & (np.abs(residual) <= limit)
        if new_keep.sum() < 2 * order + 2 or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    fitted: FloatArray = design @ coefficients
    return fitted, keep


#: A closed profile's consistent majority is sought among models of this order (an
#: off-centre, oval ring)…
MAJORITY_ORDER = 2
#: …each fitted on half of the way round, centred every this share of it…
MAJORITY_ARC_STEP = 1.0 / 12.0
#: …and holding the samples within this many px of it.
MAJORITY_TOLERANCE_PX = 1.5


def consistent_majority(radius: FloatArray) -> npt.NDArray[np.bool_] | None:
    """The samples of a closed profile that agree with one oval, if they are most of them.

    An edge finder can take the wrong step along a whole stretch of the way round (the
    unlit side of a ring, where its shading fades slowly into the field): a third of
    the edge, all on one side of the true one. Fitted to every sample at once, a smooth
    model bends towards that stretch, and clipping from there keeps it. An oval fitted
    on half of the way round, wherever that half holds no such stretch, meets the rest
    of the true edge too: of the ovals fitted on each half (every
    :data:`MAJORITY_ARC_STEP` of the way round), the one that most samples lie within
    :data:`MAJORITY_TOLERANCE_PX` of gives the samples to start a fit from.

    Parameters
    ----------
    radius : (N,) ndarray of float64
        Radius per direction (px); NaN where none was found.

    Returns
    -------
    (N,) ndarray of bool or None
        None when too few samples are found, or no oval holds half of them.
    """
    n = radius.size
    valid = np.isfinite(radius)
    found = int(valid.sum())
    if found < 8 * (2 * MAJORITY_ORDER + 1):
        return None
    design = fourier_design(n, MAJORITY_ORDER)
    columns = design.shape[1]
    filled = np.nan_to_num(radius, nan=0.0)
    # Every half's least-squares oval at once, through its normal equations: each half's
    # Gram matrix is its samples' sum of the design rows' outer products.
    halves = valid[np.newaxis, :] & _half_turns(n)
    enough = halves.sum(axis=1) >= 4 * columns
    if not enough.any():
        return None
    weights = halves[enough].astype(np.float64)
    gram = (weights @ _design_products(n, MAJORITY_ORDER)).reshape(-1, columns, columns)
    right = (weights * filled) @ design
    coefficients = np.linalg.solve(gram, right[:, :, np.newaxis])[:, :, 0]
    near = valid & (np.abs(filled - coefficients @ design.T) <= MAJORITY_TOLERANCE_PX)
    best: npt.NDArray[np.bool_] = near[int(np.argmax(near.sum(axis=1)))]
    if 2 * int(best.sum()) < found:
        return None
    return best


@functools.lru_cache(maxsize=16)
def _half_turns(n_angles: int) -> npt.NDArray[np.bool_]:
    """``(K, n_angles)``: which directions lie within a quarter turn of each of the K
    middles, every :data:`MAJORITY_ARC_STEP` of the way round; read-only."""
    theta = angles_for(n_angles)
    middles = np.arange(0.0, 2.0 * np.pi, 2.0 * np.pi * MAJORITY_ARC_STEP)
    halves = np.cos(theta[np.newaxis, :] - middles[:, np.newaxis]) >= 0.0
    halves.setflags(write=False)
    return halves


@functools.lru_cache(maxsize=16)
def _design_products(n_angles: int, order: int) -> FloatArray:
    """``(n_angles, C²)``: each row of :func:`fourier_design` times itself (outer product,
    flattened); read-only."""
    design = fourier_design(n_angles, order)
    products = (design[:, :, np.newaxis] * design[:, np.newaxis, :]).reshape(n_angles, -1)
    products.setflags(write=False)
    return products


def section_spread(outer: npt.NDArray[np.floating], inner: npt.NDArray[np.floating]) -> float:
    """Standard deviation of a ring's cross-section (``outer - inner``, per direction)
    around the ring, over its median.

    An O-ring's cross-section is the same all round, even when the free ring is oval:
    both edges move together. Edges or outlines that follow something else (a shading
    band, a shadow, part of the ring) vary in section around it.
    """
    section = outer - inner
    return float(np.std(section)) / max(float(median(section)), 1e-6)


def contour_radii(points: FloatArray, center: tuple[float, float], n: int) -> FloatArray:
    """Radius (px) of a closed contour (``(N, 2)`` image points) about ``center`` in ``n``
    directions (see :func:`angles_for`); the contour must surround the centre."""
    dx = points[:, 0] - center[0]
    dy = center[1] - points[:, 1]  # screen y grows downwards; directions turn counter-clockwise
    theta = np.mod(np.arctan2(dy, dx), 2.0 * np.pi)
    order = np.argsort(theta)
    result: FloatArray = np.interp(
        angles_for(n), theta[order], np.hypot(dx, dy)[order], period=2.0 * np.pi
    )
    return result
