"""Films beyond an edge, fainter than the step the edge finder takes for the edge.

Flash is a thin film of material standing out beyond the OD or ID edge. Where the film
stands out from the field by much of the ring's own contrast, the edge finder takes the
film's far step for the edge, and the film is an edge run (:mod:`edge_defects`). A fainter
film — translucent rubber against a back light, a film thinner than the optics' blur —
leaves the measured edge where the ring ends. It shows only as a shoulder on the profile
across the edge, just beyond it, that the rays on either side do not have.

So each ray's profile is read outwards from the edge and compared with the running
median of the profiles around it (a sixteenth of the way round): what the edge looks
like there, with its blur, shading and the field beyond it. Where the measured edge
agrees with the model, the profile starts from the measured point, so the edge's own
small wander does not show as a difference; where it does not (the finder's wrong step,
a run judged elsewhere), from the model. The differences are searched like the surface
(:func:`~inspector.imaging.surface.hysteresis_regions`: a seed several noise sigmas
strong, grown to its extent, the thresholds raised for heavy-tailed noise). A film is a
region that

- stands out *towards the ring's colour* (material, not a gap or a brighter field),
- begins beyond the edge's blur (nearer, the edge's own slope varies from ray to ray),
- differs by a visible share of the ring's contrast with the field,
- and fades back to the field before the profile ends: a film ends, while what reaches
  as far as the profile is read (a shadow, the field's own shading, a neighbouring
  object) is not a film.

A film covering more than half the running median's window (a thirty-second of the way
round) becomes part of the reference and is not found here; films that long are mostly
dark enough to move the edge, and are then edge runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.polar import median, sample_radius_grid
from inspector.imaging.surface import (
    SEED_SIGMAS,
    hysteresis_regions,
    row_background,
    tail_factor,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: How far beyond the edge (px) the profile is read; at the inner edge at most this share
#: of the hole's radius.
FILM_REACH_PX = 10.0
HOLE_REACH_SHARE = 0.5
#: Step along each ray (px).
FILM_STEP_PX = 0.5
#: The reference profile is the running median over this share of the directions.
WINDOW_SHARE = 1.0 / 16.0
#: Fewer directions than this hold no film and reference to tell apart.
MIN_DIRECTIONS = 64
#: Each row's noise is measured on at most about this many directions.
MAX_SPREAD_SAMPLES = 512
#: A film must stand out from this many of the edge's blur sigmas beyond it on: nearer,
#: a blurred step is still above a tenth of its height, and how its slope runs varies
#: from ray to ray with the edge's own shading.
START_BLURS = 1.5
#: The measured edge is read from where it lies within this many of its scatters (and at
#: least MIN_AGREEMENT_PX) of the model.
AGREEMENT_NOISES = 2.0
MIN_AGREEMENT_PX = 1.0
#: A film differs from its neighbours' profile by at least this share of the ring's
#: contrast with the field (projected units: ring 1, field 0).
MIN_FILM_CONTRAST = 0.1
#: A film ends at least this far (px) before the profile does.
END_MARGIN_PX = 1.0
#: Smoothing of the differences before the search: along the edge (directions) and
#: across it (samples).
ALONG_SIGMA = 1.5
ACROSS_SIGMA = 1.0


@dataclass(frozen=True)
class Film:
    """A film standing out beyond one edge over a run of directions.

    Attributes
    ----------
    side : EdgeSide
    start, stop : int
        Directions ``start … stop-1`` (indices modulo ``n``) of the edge's profile.
    n : int
        Directions in the profile.
    reach_px : float
        How far beyond the edge the film stands out (px).
    contrast : float
        Its largest difference from the neighbouring rays' profile (ring contrast units).
    sigmas : float
        The same in the differences' noise sigmas.
    """

    side: EdgeSide
    start: int
    stop: int
    n: int
    reach_px: float
    contrast: float
    sigmas: float

    def indices(self) -> npt.NDArray[np.intp]:
        """Profile directions covered, in order."""
        return np.arange(self.start, self.stop) % self.n


def find_films(
    image: npt.NDArray[np.float32],
    center: tuple[float, float],
    profile: EdgeProfile,
    *,
    blur_px: float,
    taken: BoolArray,
) -> list[Film]:
    """Films beyond one edge that the edge's runs do not already cover.

    Parameters
    ----------
    image : (H, W) ndarray of float32
        Linear light projected onto the ring/field axis (ring 1, field 0; see
        :func:`inspector.imaging.edges.project_image`).
    center : tuple of float
        ``(x, y)`` the edge's directions radiate from.
    profile : EdgeProfile
    blur_px : float
        The optics' blur (Gaussian sigma, px).
    taken : (n,) ndarray of bool
        Directions already covered by an edge run on this edge: a film there is that
        run.
    """
    n = profile.model.size
    sign = 1.0 if profile.side is EdgeSide.OUTER else -1.0
    reach = FILM_REACH_PX
    if profile.side is EdgeSide.INNER:
        reach = min(reach, HOLE_REACH_SHARE * float(np.min(profile.model)))
    start_px = START_BLURS * max(blur_px, FILM_STEP_PX)
    if reach - END_MARGIN_PX <= start_px + 2.0 * FILM_STEP_PX or n < MIN_DIRECTIONS:
        return []
    agreement = max(MIN_AGREEMENT_PX, AGREEMENT_NOISES * profile.noise_px)
    departure = np.abs(profile.measured - profile.model)
    agrees = np.isfinite(departure) & (departure <= agreement)
    edge = np.where(agrees, profile.measured, profile.model)
    offsets = np.arange(start_px, reach + 1e-9, FILM_STEP_PX)
    grid = np.maximum(edge[np.newaxis, :] + sign * offsets[:, np.newaxis], 0.0)
    samples = sample_radius_grid(image, center, grid, outside_nan=False)
    # The reference: each row's running median around the edge, as the surface's row
    # background without its refinement (block medians, a running median over them,
    # interpolated back): it varies over a sixteenth of the way round, not ray by ray.
    reference = row_background(samples, window_fraction=WINDOW_SHARE, refinements=0)
    difference = (samples - reference).astype(np.float64)
    smooth = np.asarray(
        cv2.GaussianBlur(
            difference,
            (0, 0),
            sigmaX=ALONG_SIGMA,
            sigmaY=ACROSS_SIGMA,
            borderType=cv2.BORDER_REFLECT,
        ),
        np.float64,
    )
    # Each row's noise, robust: a film covers a small share of the way round. A few
    # hundred directions are plenty for a spread.
    sample = smooth[:, :: max(1, n // MAX_SPREAD_SAMPLES)]
    centred = sample - median(sample, axis=1)[:, np.newaxis]
    sigma = 1.4826 * median(np.abs(centred), axis=1)
    # Towards the ring's colour only: a film is material.
    score = np.maximum(smooth / np.maximum(sigma, 1e-9)[:, np.newaxis], 0.0).astype(np.float32)
    seam = int(np.argmin(score.max(axis=0)))
    films = []
    for rows, cols in hysteresis_regions(score, seam, seed=SEED_SIGMAS * tail_factor(score)):
        first, count = _run_of(cols, seam, n)
        run = np.arange(first, first + count) % n
        if taken[run].any():
            continue
        contrast = float(smooth[rows, cols].max())
        if contrast < MIN_FILM_CONTRAST or offsets[int(rows.max())] >= reach - END_MARGIN_PX:
            continue
        # How far the film reaches: where it still stands out half as much as at its
        # strongest (the region itself grows on into the blurred tail of its tip).
        strongest = np.max(smooth[:, np.unique(cols)], axis=1)
        far = float(offsets[int(np.flatnonzero(strongest >= 0.5 * contrast).max())])
        films.append(
            Film(
                side=profile.side,
                start=first,
                stop=first + count,
                n=n,
                reach_px=far,
                contrast=contrast,
                sigmas=float(score[rows, cols].max()),
            )
        )
    return films


def _run_of(cols: npt.NDArray[np.intp], seam: int, n: int) -> tuple[int, int]:
    """First direction and length of the contiguous run a region's columns span.

    Regions are labelled with ``seam`` rolled to column 0, so in rolled columns they are
    contiguous.
    """
    rolled = (cols - seam) % n
    low, high = int(rolled.min()), int(rolled.max())
    return (low + seam) % n, high - low + 1
