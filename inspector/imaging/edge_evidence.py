"""Whether an edge run shows in the image: a defect must change the picture.

An edge run (:func:`inspector.imaging.edge_defects.find_edge_runs`) is a stretch where
the *measured* edge leaves its smooth model. That is a statement about the edge finder's
choice along each ray, and on a front-lit ring the choice can flip: where the rim's step
fades for a few rays, the finder takes the next step inside (a groove of shading, the
edge of a glare band) and the edge seems to bite into the ring, although the rubber there
looks exactly like its neighbours.

Real missing or extra material changes the profile across the edge: a bite moves the
background inwards, a film lays material outside. So each run is checked against the
image: the median profile across the edge along the run's deepest rays is compared with
that of the rays just beside the run, both aligned on the smooth edge model. A run
whose profile does not differ from its neighbours' by a clear share of the edge's
contrast, and clearly more than the profiles' noise, is not a defect. Extra material
must also be joined to the ring: a speck of dust just off the edge pulls the finder out
along a few rays, with plain background between ring and speck. Missing material must
show the field where the ring should be: a shading step inside a faint rim changes the
picture, but the ring is still there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from inspector.imaging.edge_defects import EdgeRun
from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.polar import angles_for, median, sample_rays

FloatArray = npt.NDArray[np.float64]

#: A run must change the profile across the edge, at some distance from it, by this share
#: of the edge's contrast…
EVIDENCE_SHARE = 0.05
#: …and by this many noise sigmas of the difference between the two median profiles there.
EVIDENCE_SIGMAS = 10.0
#: A run is detached from its edge where its change from the neighbours falls, between
#: the edge and its strongest point, below this share of that strongest change…
DETACHED_SHARE = 0.25
#: …further from the edge than this many blur sigmas (closer in, the edge's own blur),
#: and by this many noise sigmas.
DETACHED_CLEARANCE_BLURS = 2.0
DETACHED_SIGMAS = 5.0
#: Where material is missing, half-way into the run the profile has gone at least this
#: share of the way from the ring's level towards the field's (a blurred bite as deep as
#: the blur goes about half-way; a deeper one nearly all the way).
MISSING_SHARE = 0.35
#: The run is compared with at least this many undisturbed neighbouring rays, looked for
#: within these multiples of its width on each side.
MIN_NEIGHBOURS = 3
NEIGHBOUR_REACHES = (1, 2, 4)
#: Sampling step across the edge (px).
STEP_PX = 0.5
#: At most this many rays are sampled for the run and for its neighbours.
MAX_RAYS = 64


def edge_run_is_seen(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    profile: EdgeProfile,
    run: EdgeRun,
    *,
    blur_px: float,
) -> bool:
    """Whether the run's rays look different across the edge from their neighbours'.

    Parameters
    ----------
    image : (H, W) ndarray of float32
        Linear light projected onto the ring/background axis (ring 1, background 0; see
        :func:`inspector.imaging.edges.project_image`).
    center : tuple of float
        ``(x, y)`` the profile's directions radiate from, in ``image``.
    profile : EdgeProfile
        The edge the run was found on.
    run : EdgeRun
    blur_px : float
        The edge blur (Gaussian sigma, px).
    """
    n = profile.model.size
    run_rays, neighbour_rays = _ray_sets(profile, run)
    if run_rays.size == 0 or neighbour_rays.size < MIN_NEIGHBOURS:
        return True  # nothing to compare with: keep the run
    reach = run.depth_px + 3.0 + 2.0 * blur_px
    offsets = np.arange(-reach, reach + 1e-9, STEP_PX)
    sign = 1.0 if profile.side is EdgeSide.OUTER else -1.0
    theta = angles_for(n)

    def profiles(rays: npt.NDArray[np.intp]) -> npt.NDArray[np.float32]:
        radius = np.maximum(profile.model[rays][np.newaxis, :] + sign * offsets[:, np.newaxis], 0)
        return sample_rays(image, center, theta[rays], radius)  # (offsets, rays)

    along_run = profiles(run_rays)
    beside = profiles(neighbour_rays)
    run_median = median(along_run, axis=1).astype(np.float64)
    beside_median = median(beside, axis=1).astype(np.float64)
    contrast = float(beside_median.max() - beside_median.min())
    # Noise of a median of k rays: ~1.25 σ/√k, σ at each offset from the rays' spread.
    # Across the steep part of an edge the rays spread most (each samples the pixel
    # grid at its own phase), so each offset is judged against its own noise, never
    # below the typical one.
    spread_run = 1.4826 * median(np.abs(along_run - run_median[:, np.newaxis]), axis=1)
    spread_beside = 1.4826 * median(np.abs(beside - beside_median[:, np.newaxis]), axis=1)
    noise = 1.25 * np.sqrt(spread_run**2 / along_run.shape[1] + spread_beside**2 / beside.shape[1])
    noise = np.maximum(noise, max(float(median(noise)), 1e-6))
    if not _clear_difference(run_median, beside_median, noise, contrast):
        return False
    if run.excess:
        # Extra material must be joined to the ring.
        return not _detached(run_median, beside_median, offsets, noise, blur_px)
    # Missing material shows the field where the ring should be.
    return _shows_the_field(run_median, beside_median, offsets, run.depth_px)


def _shows_the_field(
    run: FloatArray, beside: FloatArray, offsets: FloatArray, depth_px: float
) -> bool:
    """Whether a run where the edge falls back into the ring shows the field there.

    Where material is missing, the field shows between the edge model and the measured
    edge: half-way into the run, the run's profile has gone most of the way from the
    ring's level (the neighbours' there) towards the field's (the neighbours' far
    outside). On a front-lit white ring on a light field the finder can instead take a
    step of the rubber's blotchy shading a little inside the rim: the picture differs
    from the neighbours', but the ring is still there.

    Parameters
    ----------
    run, beside : (L,) ndarray
        Median profiles of the run's rays and of its neighbours at ``offsets`` (px,
        outwards from the ring along the model edge), ring ≈ 1, background ≈ 0.
    depth_px : float
        How far the run falls back into the ring.
    """
    inside = -0.5 * depth_px
    ring = float(np.interp(inside, offsets, beside))
    field = float(beside[-1])
    if ring == field:
        return True  # nothing to judge by
    gone = (ring - float(np.interp(inside, offsets, run))) / (ring - field)
    return gone >= MISSING_SHARE


def _detached(
    run: FloatArray, beside: FloatArray, offsets: FloatArray, noise: FloatArray, blur_px: float
) -> bool:
    """Whether the extra material a run shows lies apart from the edge, with background
    between.

    Extra material at an edge (flash) is joined to the ring: across the edge the run's
    profile stays above the background from the ring out to the film's end. A speck of
    dust or a fibre end lying off the edge pulls the finder out to it along a few rays,
    but between the ring and the speck the rays see plain background.

    Parameters
    ----------
    run, beside : (L,) ndarray
        Median profiles of the run's rays and of its neighbours at ``offsets`` (px,
        outwards from the ring along the model edge), ring ≈ 1, background ≈ 0.
    noise : (L,) ndarray
        Noise sigma of the difference of the two medians at each offset.
    """
    # Clear of the ring's own blurred step, the background level is the neighbours'.
    clear = offsets >= DETACHED_CLEARANCE_BLURS * blur_px
    if np.count_nonzero(clear) < 3:
        return False
    background = float(median(beside[clear]))
    excess = run[clear] - background
    peak = int(np.argmax(excess))
    # Between the ring and the strongest extra material: a fall back to (nearly) the
    # background, clearly beyond the noise, means background lies between them.
    if peak == 0 or excess[peak] <= 0.0:
        return False
    gap = excess[:peak]
    deepest = int(np.argmin(gap))
    return bool(
        gap[deepest] < DETACHED_SHARE * excess[peak]
        and excess[peak] - gap[deepest] >= DETACHED_SIGMAS * float(noise[clear][deepest])
    )


def _clear_difference(
    run: FloatArray, beside: FloatArray, noise: FloatArray, contrast: float
) -> bool:
    """Whether the two profiles differ somewhere by a share of the contrast and by many
    noise sigmas at once."""
    difference = np.abs(run - beside)
    clear = (difference >= EVIDENCE_SHARE * contrast) & (difference >= EVIDENCE_SIGMAS * noise)
    return bool(clear.any())


def _ray_sets(
    profile: EdgeProfile, run: EdgeRun
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The run's deepest rays, and undisturbed rays on both sides of it.

    Where the edge right beside the run is itself unsettled (a dark flank where the
    finder wavers), the neighbours are looked for further out, up to a few run widths.
    """
    n = profile.model.size
    deviation = np.abs(np.nan_to_num(profile.measured - profile.model, nan=0.0))
    idx = run.indices()
    deep = idx[deviation[idx] >= 0.5 * run.depth_px]
    width = max(idx.size, 8)
    gap = max(3, idx.size // 4)
    neighbours = np.empty(0, np.intp)
    for reach in NEIGHBOUR_REACHES:
        before = np.arange(run.start - gap - reach * width, run.start - gap) % n
        after = np.arange(run.stop + gap, run.stop + gap + reach * width) % n
        candidates = np.concatenate([before, after])
        calm = np.isfinite(profile.measured[candidates]) & (
            deviation[candidates] < 0.5 * run.depth_px
        )
        neighbours = candidates[calm]
        if neighbours.size >= MIN_NEIGHBOURS:
            break
    return _thinned(deep), _thinned(neighbours)


def _thinned(rays: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """At most :data:`MAX_RAYS` of ``rays``, evenly spread."""
    if rays.size <= MAX_RAYS:
        return rays
    keep = np.linspace(0, rays.size - 1, MAX_RAYS).round().astype(np.intp)
    return rays[keep]
