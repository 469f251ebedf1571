"""Edge positions refined by fitting a model of the profile across the edge.

The slope peak that :mod:`inspector.imaging.edges` takes as the edge is exact for a
blurred step — a silhouette, a black ring on a light field — but not for a torus lit from
the front. There the rubber's brightness falls steadily towards the rim (its surface turns
away from the light) and can meet the background with little or no step: the steepest
part of that fall lies inside the ring, and the edge is where the fall *ends*.

Both cases are one model. Across the edge, within a few pixels of it, the profile is

    background (a level and a gentle tilt)
    + a step at the edge                              (the silhouette)
    + the ring's own shading, starting at the edge and growing inwards

all blurred by the same Gaussian point-spread function. The shading is either *rounded*
(a torus's surface turning away from the light up to its rim: it grows as the square root
of the distance from the edge) or *sloped* (a steady slope that stops at the edge, as in
translucent rubber); both models have four coefficients, and the one that fits the image
better is used. For a given edge position and blur the model is linear in its
coefficients, so each candidate position costs one small least-squares solve.

Along each edge, the rays of a sector (10°) are aligned on the edge model and their median
profile is fitted, from the background to where the ring's profile stops rising (a glare
band further in is not part of the edge). The blur and the shading model are chosen once
per image, by the best total fit over both edges; each sector's edge position is its best
fit's, refined by a parabola. Where the fitted edge is mostly a step, the slope peak is
kept. The sector positions, smoothed around the ring, shift the whole edge; the per-ray
detail (a bite, a film) is kept.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.polar import angles_for, fit_radius_profile, median, sample_rays

FloatArray = npt.NDArray[np.float64]


class Shading(Enum):
    """How the ring's own shading approaches its edge, inside the blurred step."""

    #: A torus's surface turning away from the light right up to the rim: near the rim
    #: √(1 − u²) grows as the square root of the distance from the edge.
    ROUNDED = "rounded"
    #: A steady slope that stops at the edge (translucent rubber, broad light).
    SLOPED = "sloped"

    @property
    def power(self) -> float:
        """The power of the distance inside the edge that the shading grows with."""
        return 0.5 if self is Shading.ROUNDED else 1.0


#: Number of sectors (10° each) around the ring; each is fitted on the median of its rays.
SECTORS = 36
#: At most this many rays are sampled per sector.
RAYS_PER_SECTOR = 8
#: Sampling step along the rays (px).
STEP_PX = 0.5
#: How far the fitted window reaches beyond the edge into the background (px)…
REACH_OUT_PX = 10.0
#: …and into the ring: at most this far (px), and at most this fraction of the
#: cross-section, so the far edge and the middle of the ring stay out of it.
REACH_IN_PX = 6.0
REACH_IN_FRACTION = 0.4
#: The fit's window inside the ring ends where the signal, walking inwards, has fallen
#: back by this much (ring/background contrast units) from its highest point so far.
FALL_BACK = 0.1
#: …and by this many of the profile's noise sigmas.
FALL_BACK_SIGMAS = 5.0
#: A rim darker than the background lies within this far (px) inside the slope-peak edge.
RIM_REACH_PX = 3.0
#: A candidate edge must leave at least this much of the window (px) inside it.
MIN_REACH_IN_PX = 2.0
#: A sector's fitted edge replaces the slope peak only where shading makes up at least
#: this share of the edge's contrast; a step's slope peak is already exact.
SHADED_EDGE_SHARE = 0.25
#: Candidate edge shifts from the slope-peak edge (px), before parabolic refinement.
SHIFTS_PX = np.arange(-5.0, 5.0 + 1e-9, 0.5)
#: Candidate blur sigmas (px) of the point-spread function.
BLUR_SIGMAS_PX = np.array([0.5, 0.75, 1.0, 1.3, 1.7, 2.2, 3.0])
#: Harmonics kept in the smooth correction around the ring.
CORRECTION_ORDER = 4


def refine_edges(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    outer: EdgeProfile,
    inner: EdgeProfile,
) -> tuple[EdgeProfile, EdgeProfile]:
    """Shift both edges to where a model of the profile across them puts them.

    Parameters
    ----------
    image : (H, W) ndarray of float32
        Linear light projected onto the ring/background axis (ring 1, background 0; see
        :func:`inspector.imaging.edges.project_image`).
    center : tuple of float
        ``(x, y)`` the edges' directions radiate from.
    outer, inner : EdgeProfile
        The slope-peak edges.

    Returns
    -------
    outer, inner : EdgeProfile
        The same edges, each shifted by a smooth correction around the ring; unchanged
        where no sector could be fitted.
    """
    cross = float(np.nanmedian(outer.model - inner.model))
    reach_in = min(REACH_IN_PX, REACH_IN_FRACTION * cross)
    # The hole inside the inner edge must hold the outward reach.
    reach_out = min(REACH_OUT_PX, 0.8 * float(inner.model.min()))
    if reach_in < 3.0 or reach_out < 3.0:
        return outer, inner
    # Whole half-pixels, so the candidate bases are shared between images.
    reach_in, reach_out = np.floor(2.0 * reach_in) / 2.0, np.floor(2.0 * reach_out) / 2.0
    offsets = np.arange(-reach_in, reach_out + 1e-9, STEP_PX)
    profiles = {
        profile.side: _sector_profiles(image, center, profile, offsets)
        for profile in (outer, inner)
    }
    limits = {
        side: _inner_limits(values, offsets).astype(np.int64) for side, values in profiles.items()
    }
    # Each shading model in turn; the image's blur and its model are those of the best
    # total fit over both edges (the two models have as many coefficients).
    best: tuple[float, Shading, int, dict[EdgeSide, FloatArray]] | None = None
    for shading in Shading:
        residuals = {
            side: _sector_residuals(values, offsets, limits[side], float(reach_out), shading)
            for side, values in profiles.items()
        }
        total = _finite_sum(np.min(residuals[EdgeSide.OUTER], axis=2)) + _finite_sum(
            np.min(residuals[EdgeSide.INNER], axis=2)
        )
        blur_index = int(np.argmin(total))
        if best is None or float(total[blur_index]) < best[0]:
            best = (float(total[blur_index]), shading, blur_index, residuals)
    assert best is not None
    _, shading, blur_index, residuals = best
    refined = []
    for profile in (outer, inner):
        side = profile.side
        shifts = _best_shifts(residuals[side][:, blur_index, :])
        share = _shading_share(
            profiles[side],
            offsets,
            limits[side],
            float(BLUR_SIGMAS_PX[blur_index]),
            shifts,
            shading,
        )
        # Where the edge is mostly a step, its slope peak is already exact.
        shifts = np.where(share >= SHADED_EDGE_SHARE, shifts, 0.0)
        refined.append(_shifted(profile, shifts))
    return refined[0], refined[1]


def _shading_share(
    profiles: FloatArray,
    offsets: FloatArray,
    limits: npt.NDArray[np.int64],
    sigma: float,
    shifts: FloatArray,
    shading: Shading,
) -> FloatArray:
    """How much of each sector's edge is shading rather than a step, 0–1 (NaN: no fit).

    The step's height against the shading's rise over the blur's reach (2 σ) inside the
    edge: a silhouette is nearly all step, a torus meeting its background with no step
    nearly all shading.
    """
    share = np.full(shifts.shape, np.nan)
    reach = 2.0 * sigma  # the shading's rise over the blur's reach inside the edge
    fitted = np.isfinite(shifts)
    for start in np.unique(limits[fitted]):
        sectors = np.flatnonzero(fitted & (limits == start))
        window = offsets[start:]
        # (sectors, L, 4), solved together through their normal equations.
        design = _design(window, np.full(sectors.size, sigma), shifts[sectors], shading)
        normal = np.einsum("kli,klj->kij", design, design)
        right = np.einsum("kli,kl->ki", design, profiles[sectors, start:])
        ridge = 1e-9 * np.trace(normal, axis1=1, axis2=2)[:, np.newaxis, np.newaxis]
        solution = np.linalg.solve(normal + ridge * np.eye(4), right[..., np.newaxis])
        coefficients = solution[..., 0]
        step = np.abs(coefficients[:, 2])
        onset = np.abs(coefficients[:, 3]) * reach**shading.power
        share[sectors] = onset / np.maximum(step + onset, 1e-12)
    return share


def _finite_sum(values: FloatArray) -> FloatArray:
    """Sum over sectors (axis 0) of the finite values only."""
    result: FloatArray = np.sum(np.where(np.isfinite(values), values, 0.0), axis=0)
    return result


def _sector_profiles(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    profile: EdgeProfile,
    offsets: FloatArray,
) -> FloatArray:
    """Median projected profile of each sector's rays, ``(SECTORS, len(offsets))``.

    ``offsets`` count outwards from the ring: towards larger radii at the outer edge,
    towards the centre at the inner one.
    """
    n = profile.model.size
    per = max(1, min(RAYS_PER_SECTOR, n // SECTORS))
    # Ray indices: `per` evenly spread rays in each of the SECTORS sectors.
    fraction = (np.arange(SECTORS)[:, np.newaxis] + (np.arange(per) + 0.5) / per) / SECTORS
    index = (np.floor(fraction * n).astype(np.int64) % n).ravel()
    theta = angles_for(n)[index]
    sign = 1.0 if profile.side is EdgeSide.OUTER else -1.0
    radius = profile.model[index][np.newaxis, :] + sign * offsets[:, np.newaxis]
    radius = np.maximum(radius, 0.0)
    signal = sample_rays(image, center, theta, radius)
    by_sector = signal.reshape(offsets.size, SECTORS, per)
    result: FloatArray = median(by_sector, axis=2).T.astype(np.float64)
    return result


def _design(
    offsets: FloatArray, sigma: FloatArray, shift: FloatArray, shading: Shading
) -> FloatArray:
    """The edge model's columns at ``offsets`` for blurs and shifts that broadcast.

    Returns ``(..., L, 4)``: background level, background tilt, the blurred step at the
    edge, and the blurred onset of the ring's shading (see :class:`Shading`).
    """
    inside = shift[..., np.newaxis] - offsets  # distance inside the edge, per sample
    sigma = np.broadcast_to(sigma[..., np.newaxis], inside.shape)
    level = np.ones_like(inside)
    tilt = np.broadcast_to(offsets / max(float(np.abs(offsets).max()), 1.0), inside.shape)
    step = ndtr(inside / sigma)
    onset = _blurred_power(inside, sigma, shading.power)
    return np.stack([level, tilt, step, onset], axis=-1)


@lru_cache(maxsize=256)
def _candidate_bases(reach_in: float, reach_out: float, shading: Shading) -> FloatArray:
    """Orthonormal bases of the edge model for every candidate, as ``(L, blurs·shifts·4)``.

    ``L`` samples from ``-reach_in`` to ``reach_out`` px (outwards from the ring) every
    :data:`STEP_PX`. Cached: the arguments are whole half-pixels.
    """
    offsets = np.arange(-reach_in, reach_out + 1e-9, STEP_PX)
    sigma, shift = np.meshgrid(BLUR_SIGMAS_PX, SHIFTS_PX, indexing="ij")
    q, _ = np.linalg.qr(_design(offsets, sigma, shift, shading))
    # Laid out (L, blurs × shifts × 4) for one matrix product with the profiles.
    result: FloatArray = np.ascontiguousarray(np.moveaxis(q, 2, 0).reshape(offsets.size, -1))
    return result


def _inner_limits(profiles: FloatArray, offsets: FloatArray) -> FloatArray:
    """Index of each sector's innermost sample that the fit may use.

    Walking inwards from the slope-peak edge, the ring's signal rises (towards 1) to its
    body. Where it then falls back — a glare band, a groove of the lit surface — the
    profile no longer belongs to the edge: the window stops at the highest point before
    that fall. A torus shaded towards its rim keeps rising, and keeps the whole reach.
    A rim that is the profile's extreme (darker than a light field, or the most
    ring-like part) is part of the edge: the window runs past it along the shading.
    """
    smooth = cv2.GaussianBlur(profiles.astype(np.float64), (0, 0), sigmaX=1.0, sigmaY=1e-3)
    # The profiles' own noise after that smoothing, from the background side: a fall
    # must stand clear of it, or noise on a faint edge would end every window early.
    background = smooth[:, offsets >= 3.0]
    noise = (
        1.4826 * float(median(np.abs(np.diff(background, axis=1)))) / np.sqrt(2.0)
        if background.shape[1] > 2
        else 0.0
    )
    inward = smooth[:, offsets <= 0.0][:, ::-1]  # from the edge inwards
    margin = max(FALL_BACK, FALL_BACK_SIGMAS * noise)
    samples = np.arange(inward.shape[1])
    # A torus lit from the front is at its darkest at the rim, whose surface turns away
    # from the light: the rim can be the profile's extreme, with the shading running
    # back from it into the ring. Where the signal, from the edge, first goes against
    # the ring's sense (a rim darker than a light field while the ring is taken as
    # lighter), the window runs on from that extreme while the signal rises. Where it
    # peaks within RIM_REACH_PX and then falls steadily (the rim the most ring-like part,
    # the body lighter), it runs on while the signal falls. Either way it stops where
    # the shading turns back — a glare band, a groove.
    lead = inward[:, : int(RIM_REACH_PX / STEP_PX) + 1]
    dip = np.argmin(lead, axis=1)
    dark_rim = (dip > 0) & (
        np.max(np.where(samples[: lead.shape[1]] <= dip[:, np.newaxis], lead, -np.inf), axis=1)
        <= inward[:, 0] + 0.5 * margin
    )
    peak = np.argmax(lead, axis=1)
    after_peak = np.where(samples >= peak[:, np.newaxis], inward, np.inf)
    falling = np.minimum.accumulate(after_peak, axis=1)
    rising_back = (inward - falling) > margin
    steady_fall = (
        ~dark_rim
        & (peak > 0)
        & (peak < lead.shape[1] - 1)
        & ((lead.max(axis=1) - falling[:, -1]) > margin)
    )
    start = np.where(dark_rim, dip, 0)
    before_start = samples < start[:, np.newaxis]
    running = np.maximum.accumulate(np.where(before_start, -np.inf, inward), axis=1)
    fallen = ~before_start & ((running - inward) > margin)
    fallen = np.where(steady_fall[:, np.newaxis], rising_back, fallen)
    first = np.where(fallen.any(axis=1), np.argmax(fallen, axis=1), inward.shape[1])
    # Each sector's extreme before its turn (at least its first sample), all at once: the
    # samples from the turn on are hidden, and argmax takes the first maximum (argmin the
    # first minimum, where the shading falls from the rim).
    before_fall = samples < np.maximum(first, start + 1)[:, np.newaxis]
    highest = np.argmax(np.where(before_fall & ~before_start, inward, -np.inf), axis=1)
    from_peak = before_fall & (samples >= peak[:, np.newaxis])
    lowest = np.argmin(np.where(from_peak, inward, np.inf), axis=1)
    best = np.where(steady_fall, lowest, highest).astype(np.int64)
    keep_all = ~fallen.any(axis=1)
    steps_in = np.where(keep_all, inward.shape[1] - 1, best)
    zero = int(np.flatnonzero(offsets <= 0.0)[-1])
    result: FloatArray = (zero - steps_in).astype(np.float64)
    return result


def _sector_residuals(
    profiles: FloatArray,
    offsets: FloatArray,
    limits: npt.NDArray[np.int64],
    reach_out: float,
    shading: Shading,
) -> FloatArray:
    """Residual ``(sectors, blurs, shifts)`` of each sector's best fit in its own window.

    Each sector's window starts at its sample ``limits[k]``. Shifts that leave too little
    of the window inside the edge are ruled out (infinite).
    """
    result = np.full((profiles.shape[0], BLUR_SIGMAS_PX.size, SHIFTS_PX.size), np.inf)
    for start in np.unique(limits):
        sectors = np.flatnonzero(limits == start)
        reach_in = -float(offsets[start])
        if reach_in < MIN_REACH_IN_PX:
            continue
        bases = _candidate_bases(reach_in, reach_out, shading)
        residual = _residuals(bases, profiles[sectors, start:])
        allowed = -reach_in + MIN_REACH_IN_PX <= SHIFTS_PX
        result[np.ix_(sectors, np.arange(BLUR_SIGMAS_PX.size), np.flatnonzero(allowed))] = residual[
            :, :, allowed
        ]
    return result


_ONSET_GRID_PX = np.arange(-40.0, 60.0, 0.02)


@lru_cache(maxsize=64)
def _blurred_power_table(sigma: float, power: float) -> FloatArray:
    """max(x, 0)**power convolved with a Gaussian of ``sigma``, on :data:`_ONSET_GRID_PX`."""
    taps = np.arange(-5.0 * sigma, 5.0 * sigma + 1e-9, 0.02)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    onset = np.maximum(_ONSET_GRID_PX, 0.0) ** power
    result: FloatArray = np.convolve(onset, kernel, mode="same")
    return result


def _blurred_power(inside: FloatArray, sigma: FloatArray, power: float) -> FloatArray:
    """max(x, 0)**power convolved with a Gaussian, at every ``(x, sigma)`` pair."""
    result = np.empty(inside.shape)
    for value in np.unique(sigma):
        mask = sigma == value
        table = _blurred_power_table(float(value), power)
        result[mask] = np.interp(inside[mask], _ONSET_GRID_PX, table)
    return result


def _residuals(bases: FloatArray, profiles: FloatArray) -> FloatArray:
    """Sum of squared residuals ``(sectors, blurs, shifts)`` of each sector's best fit."""
    energy = np.sum(profiles * profiles, axis=1)  # (K,)
    projected = (profiles @ bases).reshape(
        profiles.shape[0], BLUR_SIGMAS_PX.size, SHIFTS_PX.size, -1
    )
    # The squares of the four coordinates summed in the order a sum over that axis takes,
    # without the full array of squares and a reduction over an axis of four.
    fitted = projected[..., 0] ** 2
    for column in range(1, projected.shape[3]):
        fitted += projected[..., column] ** 2
    result: FloatArray = energy[:, np.newaxis, np.newaxis] - fitted
    return result


def _best_shifts(residuals: FloatArray) -> FloatArray:
    """Each sector's best shift (px), parabola-refined; NaN at the candidate range's ends."""
    best = np.argmin(residuals, axis=1)
    k = np.arange(residuals.shape[0])
    # Ruled-out candidates are infinite; as NaN they drop out of the arithmetic quietly.
    finite = np.where(np.isfinite(residuals), residuals, np.nan)
    left = finite[k, np.clip(best - 1, 0, None)]
    mid = finite[k, best]
    right = finite[k, np.clip(best + 1, None, SHIFTS_PX.size - 1)]
    interior = (best > 0) & (best < SHIFTS_PX.size - 1) & np.isfinite(left + mid + right)
    curvature = left - 2.0 * mid + right
    step = float(SHIFTS_PX[1] - SHIFTS_PX[0])
    fine = np.where(
        curvature > 0, 0.5 * (left - right) / np.where(curvature > 0, curvature, 1.0), 0.0
    )
    shift = SHIFTS_PX[best] + step * np.clip(fine, -0.5, 0.5)
    result: FloatArray = np.where(interior, shift, np.nan)
    return result


def _shifted(profile: EdgeProfile, sector_shifts: FloatArray) -> EdgeProfile:
    """The edge moved by the smoothed sector shifts (outwards from the ring if positive)."""
    if np.isfinite(sector_shifts).sum() < 2 * CORRECTION_ORDER + 2:
        return profile
    smooth = fit_radius_profile(sector_shifts, order=CORRECTION_ORDER)
    n = profile.model.size
    sector_angles = 2.0 * np.pi * (np.arange(SECTORS) + 0.5) / SECTORS
    correction = np.interp(angles_for(n), sector_angles, smooth, period=2.0 * np.pi)
    sign = 1.0 if profile.side is EdgeSide.OUTER else -1.0
    return replace(
        profile,
        measured=profile.measured + sign * correction,
        model=profile.model + sign * correction,
    )
