"""Surface anomalies: the ring unwrapped into a strip and compared with itself.

The annulus between the two edge models is resampled into a strip whose rows run at a
fixed fraction of the way across the cross-section and whose columns run around the
ring. Shading across a torus (front light, glare bands, back-light transmission) then
varies along each row only slowly, so each row's background is a heavy running median of
itself along the ring (a dynamic threshold, as in machine-vision "polar inspection").
What stands out from it by several robust standard deviations of that row, in lightness
or in colour, is an anomaly. Thresholds are in units of each image's own noise, not in
grey levels, so they carry over between cameras, materials and lighting.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage
from scipy.fft import next_fast_len

from inspector.imaging.edges import project
from inspector.imaging.load import to_float
from inspector.imaging.polar import (
    angles_for,
    median,
    median_last_axis,
    radius_grid_maps,
    remap,
)

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]

#: A pixel must stand out this many noise sigmas to seed an anomaly…
SEED_SIGMAS = 6.5
#: …and the anomaly grows over neighbours standing out this many.
GROW_SIGMAS = 3.0
#: …and the anomaly must differ from its surroundings by at least this much lightness
#: (or colour) on a 0–1 scale, about three CIE L* units: the least a person at the
#: microscope sees. Below it, rubber texture and sensor noise make "defects" nobody can.
MIN_VISIBLE_DELTA = 0.03
#: …and a region seen in colour only, by this much colour (Lab a*b* / 100).
MIN_VISIBLE_COLOUR_DELTA = 0.045
#: Lightness (0–1) the bright part of a properly exposed image reaches. A darker image (a
#: 12-bit camera writing 16-bit files, a dim exposure) is looked at stretched to the screen,
#: so the visibility floor and the colour threshold scale with its exposure below this.
WELL_EXPOSED_LIGHTNESS = 0.5
#: Regions smaller than this (image px²) must reach SMALL_REGION_SIGMAS to count.
SMALL_REGION_PX2 = 40.0
SMALL_REGION_SIGMAS = 8.0
#: Lightness (0–1) from which a surface's colour counts in full (below, proportionally).
COLOUR_VISIBLE_LIGHTNESS = 0.3
#: How much more a coarse region must stand out than the fine ones inside it to win.
COARSE_PREFERENCE = 2.0
#: A Gaussian noise map's |z| exceeds 2.58 in 1 % of pixels; on a clean strip, smoothed
#: and less its fitted background, the typical figure is 2.7. Where the noise's tail is
#: heavier than this (a Bayer sensor's colour noise, JPEG blocks on a dark surface), every
#: threshold in sigmas is raised in proportion (see :func:`tail_factor`).
TAIL_REFERENCE = 2.9
#: The tail is measured in this many blocks of columns around the ring.
TAIL_BLOCKS = 32
#: Spots: a particle of a pixel or two stands out from its immediate surroundings far
#: more than from its row's background, against which the rubber's blotchy texture
#: counts as noise too. Difference of Gaussians of these sigmas (px): the fine scale
#: less its own surroundings.
SPOT_SIGMAS = (1.0, 2.0)
#: A spot must reach this many sigmas of that local contrast's noise (small regions
#: elsewhere: SMALL_REGION_SIGMAS)…
SPOT_SEED_SIGMAS = 8.0
#: …and is looked for only up to this area (image px²): larger regions are the fine and
#: coarse scales' to find and measure.
SPOT_MAX_AREA_PX2 = SMALL_REGION_PX2
#: Fraction of the circumference the background median spans.
BACKGROUND_WINDOW_FRACTION = 1.0 / 10.0
#: Rows whose length has a prime factor above this are transformed at twice their length
#: (see _moment_spectra): from about here on, that is the faster.
SLOW_FFT_FACTOR = 60


@dataclass(frozen=True)
class Strip:
    """The ring's surface resampled between its edges.

    Attributes
    ----------
    radius : (R, N) ndarray of float64
        Image radius (px) of each strip pixel; column ``k`` is direction ``2π k / N``.
    center : tuple of float
        ``(x, y)`` the directions radiate from.
    lightness : (R, N) ndarray of float32
        Lightness in [0, 1].
    chroma : (R, N, 2) ndarray of float32 or None
        Colour-opponent channels (Lab a*, b* / 100); None for a monochrome image.
    material : (R, N) ndarray of float32
        Projection on the ring/background colour axis: ≈1 ring, ≈0 background.
    pixel_area : (R, N) ndarray of float64
        Image area (px²) each strip pixel stands for.
    """

    radius: FloatArray
    center: tuple[float, float]
    lightness: Float32Array
    chroma: Float32Array | None
    material: Float32Array
    pixel_area: FloatArray

    @property
    def n_rows(self) -> int:
        """Rows across the cross-section."""
        return int(self.radius.shape[0])

    @property
    def n_cols(self) -> int:
        """Columns around the ring."""
        return int(self.radius.shape[1])

    def to_image_xy(
        self, rows: npt.NDArray[np.floating], cols: npt.NDArray[np.floating]
    ) -> tuple[FloatArray, FloatArray]:
        """Image ``(x, y)`` of strip positions (row, col may be fractional)."""
        r = ndimage.map_coordinates(self.radius, [rows, cols], order=1, mode="nearest")
        theta = 2.0 * np.pi * np.asarray(cols, dtype=np.float64) / self.n_cols
        x = self.center[0] + r * np.cos(theta)
        y = self.center[1] - r * np.sin(theta)
        return x, y


@dataclass(frozen=True)
class Anomaly:
    """A connected region of the strip that stands out from its row's background.

    Attributes
    ----------
    rows, cols : ndarray of int
        Strip pixels of the region.
    signed_z : ndarray of float64
        Lightness deviation of each pixel in noise sigmas (negative: darker).
    chroma_z : ndarray of float64
        Colour deviation of each pixel in noise sigmas (0 for monochrome).
    score : ndarray of float64
        The larger of the two per pixel.
    coarse : bool
        Found only at the coarse scale: faint and extended.
    peak_delta : float
        Largest deviation from the background in lightness (or colour) units, 0–1, as
        seen with the image stretched to a good exposure (see :func:`exposure`).
    opposite_sigmas : float
        Strongest lightness deviation of the opposite sign just beside the region (within
        half its size), in noise sigmas: the fainter side of a dome lit from one side,
        which may stand out too little to join the region.
    """

    rows: npt.NDArray[np.intp]
    cols: npt.NDArray[np.intp]
    signed_z: FloatArray
    chroma_z: FloatArray
    score: FloatArray
    coarse: bool = False
    peak_delta: float = 0.0
    opposite_sigmas: float = 0.0


def build_strip(
    image: npt.NDArray[Any],
    center: tuple[float, float],
    inner_model: FloatArray,
    outer_model: FloatArray,
    *,
    inset_px: float,
    weights: Float32Array,
    offset: FloatArray,
) -> Strip | None:
    """Resample the ring surface between two edge models, ``inset_px`` in from each.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray of uint8, uint16 or float32, BGR when colour
    center : tuple of float
    inner_model, outer_model : (n,) ndarray of float64
        Edge radii (px) in ``n`` directions.
    inset_px : float
        Distance kept from each edge (px), past the edge's blur.
    weights, offset :
        The ring/background colour projection (see :func:`edges.contrast_signal`).

    Returns
    -------
    Strip or None
        None when the ring is too thin to hold a strip.
    """
    mid = 0.5 * (inner_model + outer_model)
    n_cols = int(np.clip(round(2.0 * np.pi * float(mid.mean())), 256, 20000))
    inner = _resample_periodic(inner_model, n_cols) + inset_px
    outer = _resample_periodic(outer_model, n_cols) - inset_px
    # Where the two edge models cross (a cut, an untraceable stretch) there is no surface;
    # keep the span positive so every strip pixel stands for a positive area.
    span = np.maximum(outer - inner, 0.5)
    n_rows = round(float(span.mean()))
    if n_rows < 3:
        return None
    fraction = (np.arange(n_rows) + 0.5) / n_rows
    radius = inner[np.newaxis, :] + fraction[:, np.newaxis] * span[np.newaxis, :]
    samples = _sample_as_float(image, center, radius)
    if samples.ndim == 3 and samples.shape[2] == 3:
        lab = cv2.cvtColor(samples, cv2.COLOR_BGR2Lab)
        # float32 over a Python float stays float32: no further copy is needed.
        lightness = np.asarray(lab[:, :, 0] / 100.0, dtype=np.float32)
        chroma: Float32Array | None = np.asarray(lab[:, :, 1:] / 100.0, dtype=np.float32)
        colour = samples
    else:
        lightness = samples.astype(np.float32).reshape(radius.shape)
        chroma = None
        colour = lightness[:, :, np.newaxis]
    material = project(colour, weights, offset)
    arc = radius * (2.0 * np.pi / n_cols)
    pixel_area = arc * (span / n_rows)[np.newaxis, :]
    return Strip(
        radius=radius,
        center=center,
        lightness=lightness,
        chroma=chroma,
        material=material,
        pixel_area=pixel_area,
    )


def _sample_as_float(
    image: npt.NDArray[Any], center: tuple[float, float], radius: FloatArray
) -> Float32Array:
    """Sample the image on the strip grid, then scale to float by dtype.

    Interpolating the integer image and scaling the small result afterwards avoids a
    float copy of the whole image; the rounding this costs is below one grey level.
    """
    map_x, map_y = radius_grid_maps(center, radius)
    sampled = remap(image, map_x, map_y, border_mode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(to_float(sampled))


def _resample_periodic(values: FloatArray, n: int) -> FloatArray:
    """Linear resampling of a closed profile to ``n`` directions."""
    source = angles_for(values.size)
    target = angles_for(n)
    result: FloatArray = np.interp(target, source, values, period=2.0 * np.pi)
    return result


def row_background(
    values: Float32Array,
    *,
    window_fraction: float,
    refinements: int = 2,
    spread_floor: float = MIN_VISIBLE_DELTA / 3.0,
) -> Float32Array:
    """Each row's slowly varying level along the ring.

    1. Block medians (cheap, and already blind to thin features such as scratches).
    2. A running median over blocks spanning ``window_fraction`` of the circumference:
       a robust first guess that keeps steps, e.g. the end of a glare band.
    3. Robust local quadratic regression (LOESS with Tukey weights) around that guess:
       a median flattens the crest of a smooth bump — a highlight sweeping across the
       cross-section under directional light — while a local quadratic follows it;
       the weights keep real defects from being fitted away.

    The result is interpolated back to every column.

    Parameters
    ----------
    values : (R, N) ndarray of float32
        One strip channel; columns wrap around the ring.
    window_fraction : float
        Fraction of the circumference the running median spans.
    refinements : int
        Robust LOESS iterations (0: the running median alone).
    spread_floor : float
        Least residual spread the robust weights assume (the values' units).
    """
    n_rows, n_cols = values.shape
    block = max(2, n_cols // 256)
    n_blocks = n_cols // block
    trimmed = values[:, : n_blocks * block].reshape(n_rows, n_blocks, block)
    # The block medians keep the strip's dtype (float32) for the running median: its
    # window is odd, so each median is one of the block values, the same whether sorted
    # as float32 or float64, and float32 selects faster.
    blocks = median_last_axis(trimmed)
    window = max(5, round(window_fraction * n_blocks) | 1)
    window = min(window, n_blocks - (1 - n_blocks % 2))
    half = window // 2
    padded = np.concatenate([blocks[:, -half:], blocks, blocks[:, :half]], axis=1)
    if np.isfinite(blocks).all():
        # The wrapped rows laid end to end and run through SciPy's one-dimensional
        # running median, which keeps its window ordered as it slides: every window
        # centred in a row's own columns lies within that row's wrapped copy, so these
        # are the medians of the same windows (odd: one of their values), several times
        # faster than selecting each afresh. (NaN would upset its ordering.)
        running = ndimage.median_filter(padded.ravel(), size=window, mode="nearest")
        smooth = running.reshape(padded.shape)[:, half : half + n_blocks].astype(np.float64)
    else:
        smooth = median_last_axis(
            np.lib.stride_tricks.sliding_window_view(padded, window, axis=1)
        ).astype(np.float64)
    if refinements:
        smooth = _robust_local_quadratic(
            blocks.astype(np.float64),
            smooth,
            bandwidth=window / 4.0,
            iterations=refinements,
            spread_floor=spread_floor,
        )
    # Linear interpolation between block centres, wrapping around the ring.
    wrapped = np.concatenate([smooth[:, -1:], smooth, smooth[:, :1]], axis=1)
    position = (np.arange(n_cols) + 0.5) / block  # in block units, centre of block k at k+0.5
    index = position - 0.5 + 1.0  # +1 for the wrapped column in front
    low = np.clip(np.floor(index).astype(np.intp), 0, n_blocks + 1)
    high = np.clip(low + 1, 0, n_blocks + 1)
    t = (index - np.floor(index)).astype(np.float32)
    # wrapped[:, low] * (1 - t) + wrapped[:, high] * t, in place in the gathered copies
    # (the same operations in the same order, without two more full-size temporaries).
    background = wrapped[:, low]
    background *= 1.0 - t
    upper = wrapped[:, high]
    upper *= t
    background += upper
    return np.asarray(background, dtype=np.float32)


def _robust_local_quadratic(
    values: FloatArray,
    guess: FloatArray,
    *,
    bandwidth: float,
    iterations: int = 2,
    spread_floor: float = MIN_VISIBLE_DELTA / 3.0,
) -> FloatArray:
    """Robust LOESS (degree 2, Gaussian kernel) of each row, wrapping around.

    Each fitted value is the intercept of a weighted quadratic fitted to the row around
    that column; the weights are the kernel times Tukey's biweight of the residual from
    the previous estimate, so outliers (defects) count for nothing. The kernel moments
    are circular correlations, done with FFTs along the row.
    """
    n = values.shape[1]
    if n < 8:
        return guess
    length, lead, spectra = _moment_spectra(n, bandwidth)

    def moments(signal: FloatArray, orders: int) -> list[FloatArray]:
        # One forward transform per signal, one inverse per kernel moment.
        if lead:  # the row wrapped on both sides, for a linear correlation of its length
            signal = np.concatenate([signal[:, n - lead :], signal, signal[:, : n - 1 - lead]], 1)
        spectrum = np.fft.rfft(signal, n=length, axis=1)
        return [np.fft.irfft(spectrum * spectra[k], n=length, axis=1)[:, :n] for k in range(orders)]

    estimate = guess
    for _ in range(iterations):
        residual = values - estimate
        spread = 1.4826 * median(np.abs(residual), axis=1)[:, np.newaxis]
        # A row that sits mostly at one value (a glare band clipped at white) has no
        # spread to speak of; without a floor every unclipped pixel would count as an
        # outlier and the fit would ignore the very variation it has to follow.
        u = residual / (6.0 * np.maximum(spread, spread_floor))
        weights = np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)
        s0, s1, s2, s3, s4 = moments(weights, 5)
        t0, t1, t2 = moments(weights * values, 3)
        # Intercept of the weighted quadratic by Cramer's rule on the 3×3 normal equations.
        determinant = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2)
        numerator = t0 * (s2 * s4 - s3 * s3) - s1 * (t1 * s4 - s3 * t2) + s2 * (t1 * s3 - s2 * t2)
        stable = np.abs(determinant) > 1e-12 * np.maximum(s0, 1e-12) ** 3 * max(bandwidth, 1.0) ** 6
        estimate = np.where(stable, numerator / np.where(stable, determinant, 1.0), estimate)
    return estimate


@functools.lru_cache(maxsize=16)
def _moment_spectra(
    n: int, bandwidth: float
) -> tuple[int, int, tuple[npt.NDArray[np.complex128], ...]]:
    """Conjugate spectra of the Gaussian kernel times its offset to the powers 0–4.

    The kernel moments of :func:`_robust_local_quadratic` for rows of ``n`` columns: each
    column's sum over the whole row, by the signed circular distance ``d`` of every other
    column, ``-(n - 1) // 2 <= d <= n // 2``.

    A transform of ``n`` points is fast only when ``n`` has no large prime factor; of a
    prime length (the strip's block count often is one) it is several times slower than
    one of a nearby length. Then the row is wrapped on both sides to ``2n - 1`` columns
    and correlated linearly with the kernel, through transforms of the next fast length,
    still two to three times faster: the same sums, rounded differently (relative 1e-16).

    Cached: the lightness and both chroma planes of a strip share them, and so do
    rings of one size. The arrays are read-only.

    Returns
    -------
    length : int
        The transforms' length.
    lead : int
        Columns to wrap in front of the row (0: the row is transformed as it is).
    spectra : tuple of 5 ndarrays of complex128
    """
    if _largest_prime_factor(n) <= SLOW_FFT_FACTOR:
        length, lead = n, 0
        offsets = np.arange(n, dtype=np.float64)
        offsets = np.where(offsets > n / 2, offsets - n, offsets)  # circular distance, signed
    else:
        length, lead = next_fast_len(2 * n - 1, real=True), (n - 1) // 2
        offsets = np.arange(-lead, n - lead, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / max(bandwidth, 1.0)) ** 2)
    spectra = tuple(np.conj(np.fft.rfft(kernel * offsets**k, n=length)) for k in range(5))
    for spectrum in spectra:
        spectrum.setflags(write=False)
    return length, lead, spectra


def _largest_prime_factor(n: int) -> int:
    """The largest prime factor of ``n`` (1 for 1)."""
    largest, factor = 1, 2
    while factor * factor <= n:
        while n % factor == 0:
            largest, n = factor, n // factor
        factor += 1
    return max(largest, n)


def _row_sigma(values: Float32Array, floor: float) -> FloatArray:
    """Robust noise sigma of each row, floored."""
    # A robust spread needs a few hundred samples, not every column.
    stride = max(1, values.shape[1] // 512)
    ordered = np.sort(values[:, ::stride], axis=-1)
    n = ordered.shape[1]
    k = n // 2
    # The medians from the sorted rows: the same selected values, and the same
    # arithmetic on them, as median_last_axis.
    middle = (ordered[:, k] if n % 2 else 0.5 * (ordered[:, k - 1] + ordered[:, k]))[:, np.newaxis]
    distance = np.abs(ordered - middle)
    if np.isfinite(ordered[:, [0, -1]]).all():
        # Sorted values' distances from their middle fall and then rise, so the j + 1
        # nearest values are a run of j + 1 neighbours, and the j-th smallest distance
        # (from 0) is the least, over such runs, of the larger distance at the run's two
        # ends: one maximum and one minimum over the rows, no second sort, and the very
        # distance that sorting would put at place j. (Sorted, a non-finite value can
        # only lie at a row's end; then the distances are sorted as before.)
        high = np.minimum.reduce(np.maximum(distance[:, : n - k], distance[:, k:]), axis=1)
        if n % 2:
            sigma = 1.4826 * high
        else:
            low = np.minimum.reduce(
                np.maximum(distance[:, : n - k + 1], distance[:, k - 1 :]), axis=1
            )
            sigma = 1.4826 * (0.5 * (low + high))
    else:
        # Two runs (falling, then rising), which a stable (merging) sort orders in one
        # pass.
        spread = np.sort(distance, axis=-1, kind="stable")
        sigma = 1.4826 * (spread[:, k] if n % 2 else 0.5 * (spread[:, k - 1] + spread[:, k]))
    typical = float(median(sigma))
    result: FloatArray = np.maximum(sigma, max(0.5 * typical, floor)).astype(np.float64)
    return result


def colour_lightness(colour: npt.NDArray[np.floating]) -> float:
    """Lightness (0–1) of one colour, as the strip measures it.

    Parameters
    ----------
    colour : (C,) ndarray of float in [0, 1]
        BGR when C is 3, a grey level when C is 1.
    """
    values = np.asarray(colour, dtype=np.float32).ravel()
    if values.size == 3:
        lab = cv2.cvtColor(values.reshape(1, 1, 3), cv2.COLOR_BGR2Lab)
        return float(lab[0, 0, 0]) / 100.0
    return float(values[0])


def exposure(strip: Strip, background_lightness: float) -> float:
    """How well exposed the image is: 1 when its bright part (the lit ring or the
    background, whichever is brighter) reaches :data:`WELL_EXPOSED_LIGHTNESS`, less below.

    Returns
    -------
    float
        In (0, 1]; the visibility thresholds of :func:`find_anomalies` scale with it.
    """
    sample = strip.lightness[:, ::4].ravel()
    k = int(0.99 * (sample.size - 1))
    ring_bright = float(np.partition(sample, k)[k]) if sample.size else 0.0
    bright = max(ring_bright, background_lightness)
    return float(np.clip(bright / WELL_EXPOSED_LIGHTNESS, 1e-3, 1.0))


def find_anomalies(
    strip: Strip, *, noise_floor: float, exposure: float = 1.0
) -> tuple[list[Anomaly], Float32Array]:
    """Regions of the strip that stand out from their row's background.

    Two scales are searched. At the fine scale (Gaussian sigma 1 px) thin scratches and
    small particles stand out, and their extent is measured there. At the coarse scale
    (sigma 3 px) large faint patches stand out whose single pixels are lost in the noise;
    a coarse region is kept only where the fine scale found nothing, so a sharp particle
    is not inflated by its own blurred halo.

    Parameters
    ----------
    strip : Strip
    noise_floor : float
        Smallest noise sigma (lightness units) to divide by, e.g. the quantisation step.
    exposure : float
        The image's exposure (see :func:`exposure`): the visibility floor and the
        lightness from which colour counts scale with it.

    Returns
    -------
    anomalies : list of Anomaly
    score : (R, N) ndarray of float32
        Per-pixel deviation in noise sigmas at the fine scale (for diagnostics).
    """
    # The robust fit's spread floor is a visibility in lightness units: it follows the
    # exposure like the visibility floor itself.
    spread_floor = MIN_VISIBLE_DELTA * exposure / 3.0
    lightness_background = row_background(
        strip.lightness, window_fraction=BACKGROUND_WINDOW_FRACTION, spread_floor=spread_floor
    )
    lightness_residual = strip.lightness - lightness_background
    # Colour is not seen on a near-black surface, and there it is mostly sensor and
    # JPEG chroma noise: count colour deviations in full only on surfaces of some
    # lightness.
    colour_visibility = np.clip(
        lightness_background / (COLOUR_VISIBLE_LIGHTNESS * exposure), 0.0, 1.0
    )
    chroma_residual: list[Float32Array] = []
    if strip.chroma is not None:
        # Both colour planes, one above the other, go through one row_background: each
        # row's background depends on that row alone, so the rows come out as they
        # would plane by plane, for one pass of its steps instead of two.
        n_rows = strip.n_rows
        planes = np.ascontiguousarray(np.moveaxis(strip.chroma, 2, 0)).reshape(2 * n_rows, -1)
        # Colour varies along the ring more gently than lightness (glare is mostly
        # white): one robust refinement is enough.
        residual = planes - row_background(
            planes,
            window_fraction=BACKGROUND_WINDOW_FRACTION,
            refinements=1,
            spread_floor=spread_floor,
        )
        chroma_residual = [residual[:n_rows], residual[n_rows:]]

    maps: list[tuple[Float32Array, Float32Array, Float32Array, list[Float32Array], bool]] = []
    for sigma, coarse in ((1.0, False), (3.0, True)):
        # The smoothed residuals (lightness, then colour) are kept in float32: the raw
        # deviation is needed only at the pixels of the regions found (see _peak_delta).
        # The z maps are float32 too: they are compared with thresholds of a few sigmas,
        # where float32's seven digits are plenty, at half the memory traffic.
        signed_z, smooth = _z_map(lightness_residual, sigma, noise_floor)
        smoothed = [smooth]
        if chroma_residual:
            za, da = _z_map(chroma_residual[0], sigma, noise_floor)
            zb, db = _z_map(chroma_residual[1], sigma, noise_floor)
            smoothed += [da, db]
            # The length of (za, zb) as √(za² + zb²), in place: np.hypot guards against
            # overflow we cannot meet here (|z| is far below 1e150) and is ten times
            # slower, 7 ms on a large strip; the two differ in the last bit at most.
            np.multiply(za, za, out=za)
            np.multiply(zb, zb, out=zb)
            za += zb
            chroma_z = np.sqrt(za, out=za)
            np.multiply(colour_visibility, chroma_z, out=chroma_z)
            chroma_z *= np.float32(1.0 / np.sqrt(2.0))
            score = np.abs(signed_z)
            np.maximum(score, chroma_z, out=score)
        else:
            chroma_z = np.zeros_like(signed_z)
            score = np.abs(signed_z)
        maps.append((signed_z, chroma_z, score, smoothed, coarse))

    fine_score = maps[0][2]
    # Roll the quietest column to the seam so no anomaly is split by it.
    seam = int(np.argmin(np.convolve(fine_score.max(axis=0), np.ones(9), mode="same")))
    candidates: list[Anomaly] = []
    for signed_z, chroma_z, score, smoothed, coarse in maps:
        tail = tail_factor(score)
        seed = SEED_SIGMAS * tail
        for rows, cols in hysteresis_regions(score, seam, seed=seed):
            s = score[rows, cols]
            # As seen on a screen stretched to the image's exposure (1 when well exposed).
            peak_delta = _peak_delta(smoothed, colour_visibility, rows, cols) / exposure
            # Seen in colour only (its lightness alone would not have seeded it): a
            # camera's colour is noisier and blockier than its lightness (Bayer
            # demosaicing, JPEG's half-resolution chroma), so it must show more.
            colour_only = float(np.abs(signed_z[rows, cols]).max()) < seed
            floor = MIN_VISIBLE_COLOUR_DELTA if colour_only else MIN_VISIBLE_DELTA
            if peak_delta < floor:
                continue
            # A few pixels standing out is what heavy-tailed sensor noise does now and
            # then; a small region must stand out more to be believed.
            area = float(strip.pixel_area[rows, cols].sum())
            if area < SMALL_REGION_PX2 and float(s.max()) < SMALL_REGION_SIGMAS * tail:
                continue
            candidates.append(
                Anomaly(
                    rows=rows,
                    cols=cols,
                    signed_z=signed_z[rows, cols].astype(np.float64),
                    chroma_z=chroma_z[rows, cols].astype(np.float64),
                    score=s.astype(np.float64),
                    coarse=coarse,
                    peak_delta=peak_delta,
                    opposite_sigmas=_opposite_beside(signed_z, rows, cols),
                )
            )
    anomalies = _prefer_stronger_scale(candidates, fine_score.shape)
    fine_lightness = maps[0][3][0]  # the lightness residual smoothed at the fine scale
    anomalies += _spots(
        lightness_residual, fine_lightness, anomalies, seam, strip, noise_floor, exposure
    )
    return anomalies, fine_score


def tail_factor(score: Float32Array) -> float:
    """How much heavier than Gaussian the tail of a score map is (1 when it is not).

    The thresholds in sigmas assume the noise's tail falls like a Gaussian's. Sensor and
    compression noise can have a much heavier one: clusters of a few pixels then reach
    7–9 sigmas by chance all over the surface. The 99th percentile of ``|z|`` is measured
    in blocks of columns around the ring and the median over blocks taken, so a defect
    filling a few blocks does not count; its ratio to :data:`TAIL_REFERENCE` (at least 1)
    scales the thresholds.

    Parameters
    ----------
    score : (R, N) ndarray of float32
        ``|z|`` (or the larger of lightness and colour z) per strip pixel.
    """
    n_cols = score.shape[1]
    blocks = min(TAIL_BLOCKS, max(1, n_cols // 2))
    # Every other row and column is plenty for a percentile of thousands of samples.
    width = n_cols // (2 * blocks) * (2 * blocks)
    if width == 0 or score.size == 0:
        return 1.0  # too little strip to measure a tail on: assume a Gaussian's
    sample = score[::2, :width:2]
    per_block = sample.reshape(sample.shape[0], blocks, -1).transpose(1, 0, 2).reshape(blocks, -1)
    k = int(0.99 * (per_block.shape[1] - 1))
    high = np.partition(per_block, k, axis=1)[:, k]
    return max(1.0, float(np.median(high)) / TAIL_REFERENCE)


def _spots(
    residual: Float32Array,
    fine: Float32Array,
    found: list[Anomaly],
    seam: int,
    strip: Strip,
    noise_floor: float,
    exposure: float,
) -> list[Anomaly]:
    """Small particles that stand out from their immediate surroundings.

    Measured against the row's background, the rubber's blotchy texture counts as noise
    and a speck of a pixel or two reaches only a few sigmas, although at the microscope
    it is plain: a dark dot on a mottled surface. Its own surroundings (a difference of
    Gaussians) take the texture away. Only small regions that neither other scale kept
    are added, and they must stand out clearly.

    Parameters
    ----------
    residual : (R, N) ndarray of float32
        Lightness less each row's background.
    fine : (R, N) ndarray of float32
        ``residual`` smoothed at the fine scale (``SPOT_SIGMAS[0]``).
    found : list of Anomaly
        What the fine and coarse scales kept.
    seam : int
        Column rolled to the seam for labelling.
    strip : Strip
    noise_floor, exposure : float
        As for :func:`find_anomalies`.
    """
    surroundings = np.asarray(cv2.GaussianBlur(residual, (0, 0), SPOT_SIGMAS[1]), np.float32)
    local = fine - surroundings
    signed_z = _in_row_sigmas(local, noise_floor * 0.5 / SPOT_SIGMAS[0])
    score = np.abs(signed_z)
    taken = np.zeros(score.shape, bool)
    for anomaly in found:
        taken[anomaly.rows, anomaly.cols] = True
    spots: list[Anomaly] = []
    for rows, cols in hysteresis_regions(score, seam, seed=SPOT_SEED_SIGMAS * tail_factor(score)):
        if taken[rows, cols].any():
            continue
        area = float(strip.pixel_area[rows, cols].sum())
        if area > SPOT_MAX_AREA_PX2:
            continue
        z = signed_z[rows, cols].astype(np.float64)
        strength = np.abs(z)
        # Seen against its surroundings, as a person sees a speck: its own pixels (where
        # it stands out at least half as much as at its peak) against the level around
        # it. Not the difference of Gaussians itself, which keeps only a third or so of a
        # speck a pixel or two across: a plainly visible dot would measure as faint.
        core = strength >= 0.5 * float(strength.max())
        contrast = residual[rows[core], cols[core]] - surroundings[rows[core], cols[core]]
        peak_delta = abs(float(contrast.mean())) / exposure
        if peak_delta < MIN_VISIBLE_DELTA:
            continue
        spots.append(
            Anomaly(
                rows=rows,
                cols=cols,
                signed_z=z,
                chroma_z=np.zeros_like(z),
                score=strength,
                peak_delta=peak_delta,
            )
        )
    return spots


def _prefer_stronger_scale(candidates: list[Anomaly], shape: tuple[int, ...]) -> list[Anomaly]:
    """Where a fine and a coarse region overlap, keep the fine one unless the coarse one
    stands out far more.

    A resolved shape (a particle, a crack) is measured best at the fine scale (its coarse
    region is a blurred halo); a faint extended stain stands out at the coarse scale only
    (its fine regions, if any, are noisy fragments of it).
    """
    fine = [a for a in candidates if not a.coarse]
    coarse = [a for a in candidates if a.coarse]
    owner = np.full(shape, -1, np.intp)
    for index, anomaly in enumerate(fine):
        owner[anomaly.rows, anomaly.cols] = index
    dropped_fine: set[int] = set()
    kept: list[Anomaly] = []
    for anomaly in coarse:
        overlapping = {int(i) for i in np.unique(owner[anomaly.rows, anomaly.cols]) if i >= 0}
        strongest_fine = max((float(fine[i].score.max()) for i in overlapping), default=0.0)
        # Smoothing over more pixels always raises the score of anything extended, so
        # the coarse view wins only by a wide margin: then the fine regions are noisy
        # fragments of a faint patch, not a resolved shape.
        if float(anomaly.score.max()) > COARSE_PREFERENCE * strongest_fine:
            dropped_fine |= overlapping
            kept.append(anomaly)
    kept.extend(a for i, a in enumerate(fine) if i not in dropped_fine)
    return kept


def _opposite_beside(
    signed_z: Float32Array, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
) -> float:
    """Strongest deviation of the opposite sign to a region's, just beside it (sigmas).

    The window is the region's bounding box grown by half its size (at least 2 px) each
    way; columns wrap around the ring.
    """
    n_rows, n_cols = signed_z.shape
    polarity = float(np.sign(median(signed_z[rows, cols].astype(np.float64))))
    if polarity == 0.0:
        return 0.0
    # Columns counted from half a turn before the region's first pixel, so that a region
    # lying across the seam is contiguous.
    origin = int(cols[0]) - n_cols // 2
    unrolled = (cols - origin) % n_cols
    size = max(int(np.ptp(rows)), int(np.ptp(unrolled))) + 1
    margin = max(2, round(0.5 * size))
    top, bottom = max(int(rows.min()) - margin, 0), min(int(rows.max()) + margin + 1, n_rows)
    window = np.arange(int(unrolled.min()) - margin, int(unrolled.max()) + margin + 1)
    opposite = -polarity * signed_z[top:bottom, (window + origin) % n_cols]
    return max(0.0, float(opposite.max()))


def hysteresis_regions(
    score: Float32Array, seam: int, *, seed: float = SEED_SIGMAS
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Hysteresis regions of a score map: grown above GROW, holding a pixel above ``seed``."""
    # No pixel at the seed level, no region: about half the maps of a clean ring, whose
    # roll and labelling would cost far more than this one look.
    if not (score >= seed).any():
        return []
    n_cols = score.shape[1]
    rolled = np.roll(score, -seam, axis=1)
    grow = rolled > GROW_SIGMAS
    # The labels alone: OpenCV's statistics cost several times the labelling itself.
    count, labels = cv2.connectedComponents(grow.astype(np.uint8), connectivity=8)
    if count <= 1:
        return []
    seeded = np.unique(labels[grow & (rolled >= seed)])
    seeded = seeded[seeded > 0]
    if seeded.size == 0:
        return []
    # Only the seeded regions' pixels, in one pass: their flat indices in row-major order,
    # grouped by label by a stable sort, are each region's pixels in the order np.nonzero
    # gives them.
    wanted = np.zeros(count, bool)
    wanted[seeded] = True
    flat = np.flatnonzero(wanted[labels])
    member_labels = labels.ravel()[flat]
    order = np.argsort(member_labels, kind="stable")
    flat, member_labels = flat[order], member_labels[order]
    bounds = np.flatnonzero(np.diff(member_labels)) + 1
    regions = []
    for pixels in np.split(flat, bounds):
        if pixels.size < 3:
            continue
        rows, cols = np.divmod(pixels, n_cols)
        regions.append((rows, (cols + seam) % n_cols))
    return regions


def _peak_delta(
    smoothed: list[Float32Array],
    colour_visibility: Float32Array,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
) -> float:
    """Largest deviation from the background over a region's pixels, 0–1.

    The lightness deviation, or where larger the visible colour deviation (the chroma
    planes' Euclidean length, weighted by how visible colour is there).

    Parameters
    ----------
    smoothed : list of (R, N) ndarrays of float32
        Smoothed residuals: lightness, then (for a colour strip) the two chroma planes.
    colour_visibility : (R, N) ndarray of float32
    rows, cols : ndarray of int
        The region's strip pixels.
    """
    delta = np.abs(smoothed[0][rows, cols].astype(np.float64))
    if len(smoothed) == 3:
        colour = np.hypot(
            smoothed[1][rows, cols].astype(np.float64), smoothed[2][rows, cols].astype(np.float64)
        )
        delta = np.maximum(delta, colour_visibility[rows, cols] * colour)
    return float(delta.max())


def _z_map(
    residual: Float32Array, sigma: float, noise_floor: float
) -> tuple[Float32Array, Float32Array]:
    """Residual smoothed at ``sigma`` px, in units of each row's robust noise, and raw.

    Returns
    -------
    z : (R, N) ndarray of float32
    smooth : (R, N) ndarray of float32
    """
    smooth = np.asarray(cv2.GaussianBlur(residual, (0, 0), sigma), dtype=np.float32)
    return _in_row_sigmas(smooth, noise_floor * 0.5 / sigma), smooth


def _in_row_sigmas(values: Float32Array, floor: float) -> Float32Array:
    """``values`` in units of each row's robust noise sigma (floored at ``floor``)."""
    row_sigma = _row_sigma(values, floor)
    z: Float32Array = np.divide(values, row_sigma.astype(np.float32)[:, np.newaxis])
    return z
