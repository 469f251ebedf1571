"""Edge defects and cuts, from the edge-radius profiles and the strip's material.

An edge defect is a run of directions where the measured edge leaves its smooth model by
more than the edge's own scatter allows (a robust, MAD-based outlier test): outwards of the
ring is extra material (``flash``), inwards is missing material (``non_fill``). A cut is a
run of directions where the ring's material is missing across the whole cross-section.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.polar import circular_running_median, median
from inspector.imaging.surface import Strip

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: A gap's material fraction falls by at least this share of its surroundings' level…
CUT_DEPTH_SHARE = 0.5
#: …and by this many of the fraction's column-to-column scatter.
CUT_DEPTH_SIGMAS = 6.0
#: …and what shows across it differs from the ring beside it by at least this much (RMS
#: over the section of the Lab difference / 100, about five L* units): a real gap shows
#: the background. Where ring and background are alike in colour (white on white), the
#: material signal dips by chance, but the "gap" still looks like the ring beside it.
CUT_MIN_DIFFERENCE = 0.05
#: An edge point is an outlier beyond this many robust sigmas of the edge scatter…
EDGE_SEED_SIGMAS = 5.0
#: …and an outlier run grows over neighbours beyond this many.
EDGE_GROW_SIGMAS = 2.5
#: Below this deviation (px) an edge wobble is sampling noise whatever the scatter says.
EDGE_MIN_DEVIATION_PX = 0.8
#: Cap on one point's contribution to the local edge scatter, in global sigmas.
LOCAL_SCATTER_CAP = 4.0
#: An edge departure narrower than this many directions (about as many px of arc) is a
#: wobble of the edge's pixels, not a feature of the rubber: on front-lit rings the
#: rim's step and a shadow's flip-flop for a few rays. (At 30 px/mm this is 0.17 mm.)
EDGE_MIN_RUN = 5


@dataclass(frozen=True)
class EdgeRun:
    """A run of directions along one edge that departs from its model.

    Attributes
    ----------
    side : EdgeSide
    start, stop : int
        Directions ``start … stop-1`` (indices modulo ``n``), in profile directions.
    n : int
        Directions in the profile.
    excess : bool
        True when the edge stands out beyond the model (material added), False when it
        falls back into the ring (material missing).
    depth_px : float
        Largest departure from the model (px).
    """

    side: EdgeSide
    start: int
    stop: int
    n: int
    excess: bool
    depth_px: float

    def indices(self) -> npt.NDArray[np.intp]:
        """Profile directions covered, in order."""
        return np.arange(self.start, self.stop) % self.n


@dataclass(frozen=True)
class CutRun:
    """A run of strip columns where the ring's material is missing across the section."""

    start: int
    stop: int
    n: int

    def indices(self) -> npt.NDArray[np.intp]:
        """Strip columns covered, in order."""
        return np.arange(self.start, self.stop) % self.n


def circular_runs(mask: BoolArray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of True in a closed (wrapping) boolean profile.

    ``stop`` may exceed ``len(mask)`` for a run that wraps past the end.
    """
    n = mask.size
    if not mask.any():
        return []
    if mask.all():
        return [(0, n)]
    # Start scanning just after a False so no run is split by the seam.
    first_false = int(np.argmin(mask))
    rolled = np.roll(mask, -first_false)
    padded = np.concatenate([[False], rolled, [False]]).astype(np.int8)
    steps = np.diff(padded)
    starts = np.flatnonzero(steps == 1)
    stops = np.flatnonzero(steps == -1)
    return [
        (int(a + first_false), int(b + first_false)) for a, b in zip(starts, stops, strict=True)
    ]


def find_edge_runs(profile: EdgeProfile) -> list[EdgeRun]:
    """Runs of directions where ``profile`` departs from its smooth model.

    The outward / inward sign is taken relative to the ring: for the outer edge a larger
    radius is excess material, for the inner edge a smaller one is.
    """
    deviation = profile.measured - profile.model
    if profile.side is EdgeSide.INNER:
        deviation = -deviation  # positive = towards the hole = excess material
    deviation = np.nan_to_num(deviation, nan=0.0)
    global_sigma = max(profile.noise_px, 0.15)
    # The seed is never below this: a profile that nowhere reaches it has no run, and
    # needs no running medians (most edges of a good ring).
    least_seed = max(EDGE_SEED_SIGMAS * global_sigma, EDGE_MIN_DEVIATION_PX)
    if not np.any(np.abs(deviation) >= least_seed):
        return []
    # The edge's scatter varies around the ring (a dim side is noisier than a lit one):
    # judge each stretch against its own robust scatter, with the global one as a floor.
    # Each point's share is capped at a few global sigmas, or a long flash filling most
    # of the window would raise its own threshold above itself. (Once a film fills more
    # than half the window the cap itself is the median and the film goes unreported.
    # Bounding the scatter by the ray-to-ray steps, smooth along a film, found such films
    # but also as many long false runs on weak front-lit edges; see the README.)
    capped = np.minimum(np.abs(deviation), LOCAL_SCATTER_CAP * global_sigma)
    local = 1.4826 * circular_running_median(capped, max(31, deviation.size // 16))
    sigma = np.maximum(local, global_sigma)
    seed = np.maximum(EDGE_SEED_SIGMAS * sigma, EDGE_MIN_DEVIATION_PX)
    grow = np.maximum(EDGE_GROW_SIGMAS * sigma, 0.6 * EDGE_MIN_DEVIATION_PX)
    runs: list[EdgeRun] = []
    n = deviation.size
    for sign in (1.0, -1.0):
        signed = sign * deviation
        for start, stop in circular_runs(signed > grow):
            idx = np.arange(start, stop) % n
            peak = float(signed[idx].max())
            if not np.any(signed[idx] >= seed[idx]) or idx.size < EDGE_MIN_RUN:
                continue
            runs.append(
                EdgeRun(
                    side=profile.side,
                    start=start,
                    stop=stop,
                    n=n,
                    excess=sign > 0,
                    depth_px=peak,
                )
            )
    return runs


def find_cuts(strip: Strip, *, exposure: float = 1.0) -> list[CutRun]:
    """Where background crosses the whole cross-section: the ring is broken there.

    Two ways to see it, so both square and slanted cuts are found:

    1. runs of strip columns where fewer than a third of the rows (fewer than half as many
       as in a typical column, if that is less) look like ring material (projected colour
       at least half-way from background to ring), clear of material in the middle,
       no wider than a quarter turn, ending at two faces, and deep (falling by most of the
       surrounding level and far beyond the fraction's scatter); glare on a dark ring can
       lighten a band of rows, but not the whole cross-section;
    2. a connected region of background that reaches from the strip's first row (the
       inner edge) to its last (the outer edge). A skived or slanted cut crosses every
       column only in part, so no column test sees it, but the background still runs
       through from one edge to the other — which is what a cut is. A band along the ring
       (glare, a rim) never touches both edges.

    Either way, what shows across the gap must differ visibly from the ring beside it
    (:data:`CUT_MIN_DIFFERENCE`, scaled by the image's ``exposure``; see
    :func:`inspector.imaging.surface.exposure`).
    """
    material = strip.material >= 0.5
    material_fraction = np.mean(material, axis=0)
    n = strip.n_cols
    cuts: list[CutRun] = []
    covered = np.zeros(n, dtype=bool)
    face = _face_columns(strip)
    # How much of a column reads as material where the ring is whole: glare and shading
    # keep it well below 1 on a front-lit ring, so the gap's thresholds follow it.
    typical = float(median(material_fraction))
    low = min(0.35, 0.5 * typical)
    clear = min(0.15, 0.5 * typical)
    whole = max(low, 0.8 * typical)
    # The fraction's own scatter from column to column (glare, texture, noise).
    scatter = 1.4826 * float(median(np.abs(np.diff(material_fraction)))) / np.sqrt(2.0)
    for start, stop in circular_runs(material_fraction < low):
        idx = np.arange(start, stop) % n
        # A real gap is clear of material in its middle, not just thin.
        if float(material_fraction[idx].min()) > clear:
            continue
        # …no wider than a quarter turn (more would be an unlit stretch, not a gap), and
        # it ends at two faces: the material comes back within a cross-section's length
        # of each end, where a fading unlit side comes back only slowly.
        if stop - start > n // 4 or not _ends_at_faces(material_fraction, start, stop, face, whole):
            continue
        # …and it is deep: the material falls by most of what surrounds it, far beyond
        # the fraction's scatter. Where the ring reads faintly (white on white), a few
        # columns dip by chance.
        if not _deep_gap(material_fraction, start, stop, face, scatter):
            continue
        cuts.append(CutRun(start=start, stop=stop, n=n))
        covered[idx] = True
    for start, stop in _crossings(~material):
        idx = np.arange(start, stop) % n
        if not covered[idx].any():
            cuts.append(CutRun(start=start, stop=stop, n=n))
            covered[idx] = True
    return [
        cut
        for cut in cuts
        if _difference_from_beside(strip, cut, face) >= CUT_MIN_DIFFERENCE * exposure
    ]


def _difference_from_beside(strip: Strip, cut: CutRun, face: int) -> float:
    """How much what shows across a cut candidate differs from the ring beside it.

    The mean profile across the section (each row averaged over the candidate's columns)
    is compared with that of the ring beyond its faces (``face`` to ``3 · face`` columns
    from each end): the RMS over rows of their Lab distance (/ 100; lightness alone for a
    monochrome image).
    """
    n = strip.n_cols
    gap = cut.indices()
    beside = (
        np.concatenate(
            [
                np.arange(cut.start - 3 * face, cut.start - face),
                np.arange(cut.stop + face, cut.stop + 3 * face),
            ]
        )
        % n
    )
    planes = [strip.lightness]
    if strip.chroma is not None:
        planes += [strip.chroma[:, :, 0], strip.chroma[:, :, 1]]
    squared = np.zeros(strip.n_rows)
    for plane in planes:
        difference = plane[:, gap].mean(axis=1, dtype=np.float64) - plane[:, beside].mean(
            axis=1, dtype=np.float64
        )
        squared += difference * difference
    return float(np.sqrt(squared.mean()))


def _face_columns(strip: Strip) -> int:
    """How many strip columns a cut's face may take to show: about one cross-section.

    A cut's faces are surfaces through the section; seen from above, a slanted one
    spans at most about the section's width along the ring.
    """
    mid_radius = float(np.mean(strip.radius))
    cross = float(np.mean(strip.radius[-1] - strip.radius[0]))
    columns_per_px = strip.n_cols / (2.0 * np.pi * max(mid_radius, 1.0))
    return max(6, int(np.ceil(1.5 * cross * columns_per_px)))


def _ends_at_faces(fraction: FloatArray, start: int, stop: int, face: int, whole: float) -> bool:
    """Whether the material fraction is back to ``whole`` within ``face`` columns of both
    ends of the run ``start … stop-1``."""
    n = fraction.size
    before = fraction[np.arange(start - face, start) % n]
    after = fraction[np.arange(stop, stop + face) % n]
    return bool(before.max() >= whole and after.max() >= whole)


def _deep_gap(fraction: FloatArray, start: int, stop: int, face: int, scatter: float) -> bool:
    """Whether the material fraction in the run ``start … stop-1`` falls by most of the
    level around it (``face`` columns each side) and by many times its ``scatter``."""
    n = fraction.size
    around = np.concatenate(
        [fraction[np.arange(start - face, start) % n], fraction[np.arange(stop, stop + face) % n]]
    )
    level = float(median(around))
    depth = level - float(fraction[np.arange(start, stop) % n].min())
    return depth >= CUT_DEPTH_SHARE * level and depth >= CUT_DEPTH_SIGMAS * scatter


def _crossings(background: BoolArray) -> list[tuple[int, int]]:
    """Column spans ``(start, stop)`` of background regions touching both the first and
    the last row (8-connected, wrapping around the ring); none wider than a quarter turn,
    which would be an unlit stretch rather than a gap."""
    n_rows, n_cols = background.shape
    # Roll the column with the least background to the seam so no gap is split by it.
    seam = int(np.argmin(background.sum(axis=0)))
    rolled = np.ascontiguousarray(np.roll(background, -seam, axis=1)).astype(np.uint8)
    # The labels alone and their bounding boxes from scipy: OpenCV's statistics cost
    # several times the labelling itself. The same labels, so the same boxes.
    _, labels = cv2.connectedComponents(rolled, connectivity=8)
    spans = []
    for rows, cols in ndimage.find_objects(labels):
        width = int(cols.stop - cols.start)
        if rows.start != 0 or rows.stop != n_rows or width > n_cols // 4:
            continue
        start = (int(cols.start) + seam) % n_cols
        spans.append((start, start + width))
    return spans
