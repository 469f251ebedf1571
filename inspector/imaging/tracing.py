"""Both edges of the ring traced along one reading of it.

Along a coarse reading from :mod:`inspector.imaging.locate`, the outer and inner edges are
measured ray by ray (:mod:`inspector.imaging.edges`) in the square around the ring, in
linear light projected on the ring/background colour axis; an edge found in too few
directions is searched again further out, the pair is made to agree on the cross-section
(:mod:`inspector.imaging.concentric`), and a fitted model of the profile across each edge
moves it where a front-lit torus's shading ends (:mod:`inspector.imaging.edge_fit`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.concentric import (
    disagreement,
    retrace_courses,
    ring_cross_section,
)
from inspector.imaging.edge_fit import refine_edges
from inspector.imaging.edges import (
    EdgeProfile,
    EdgeSide,
    contrast_signal,
    measure_edge,
    project_image,
)
from inspector.imaging.impulses import remove_impulses
from inspector.imaging.load import to_float
from inspector.imaging.locate import CoarseRing
from inspector.imaging.polar import angles_for, median, section_spread

FloatArray = npt.NDArray[np.float64]
TWO_PI = 2.0 * np.pi

#: Fraction of directions in which an edge must be found for the ring to be measured.
MIN_EDGE_COVERAGE = 0.3
#: Below this fraction, an edge is searched again in a band reaching twice as far.
WIDER_SEARCH_COVERAGE = 0.5
#: The edge searches reach this share of the coarse cross-section each way from the
#: coarse edge (at least a few reduced pixels).
SEARCH_REACH = 0.5
#: Rounds of tracing an off-course edge again along its partner (see :mod:`concentric`).
RETRACE_ROUNDS = 2


def linear_light(pixels: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Pixel values in linear light, float32 in [0, 1], by the file's convention.

    8-bit images from cameras and in PNG/JPEG files are, by convention, encoded with the
    sRGB transfer curve (IEC 61966-2-1); 16-bit images from measurement cameras are, by
    convention, linear. Edges must be located in linear light: in encoded values the
    half-way level of a blurred edge shifts towards its dark side by up to half the blur.
    """
    if pixels.dtype == np.uint8:
        # cv2.LUT maps every channel through the 256-entry table, far faster than indexing.
        table = (
            _SRGB_DECODE_8BIT
            if pixels.ndim == 2
            else np.repeat(_SRGB_DECODE_8BIT[:, np.newaxis], pixels.shape[2], axis=1).reshape(
                256, 1, pixels.shape[2]
            )
        )
        result: npt.NDArray[np.float32] = np.asarray(cv2.LUT(pixels, table), np.float32)
    else:
        result = to_float(pixels)
    if result.ndim == 3 and result.shape[2] == 1:
        result = result[:, :, 0]
    return np.ascontiguousarray(result)


def srgb_decode(values: FloatArray) -> FloatArray:
    """The sRGB transfer curve inverted: encoded [0, 1] to linear [0, 1]."""
    values = np.clip(values, 0.0, 1.0)
    decoded: FloatArray = np.where(
        values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4
    )
    return decoded


_SRGB_DECODE_8BIT = srgb_decode(np.arange(256) / 255.0).astype(np.float32)


@dataclass(frozen=True)
class TracedEdges:
    """Both edges of the ring as measured along one coarse reading of it.

    Attributes
    ----------
    coarse : CoarseRing
        The reading the edges were searched along.
    pixels : ndarray
        The image, with sensor impulses removed around the ring.
    linear : (h, w) ndarray of float32
        The square around the ring in linear light, projected on the reading's
        ring/background colour axis.
    local : tuple of float
        The ring's centre in ``linear``'s pixels.
    outer, inner : EdgeProfile
        The refined edges, in directions about ``local``.
    """

    coarse: CoarseRing
    pixels: npt.NDArray[Any]
    linear: npt.NDArray[np.float32]
    local: tuple[float, float]
    outer: EdgeProfile
    inner: EdgeProfile

    def section_spread(self) -> float:
        """How unevenly the cross-section runs around the ring (see
        :func:`~inspector.imaging.polar.section_spread`)."""
        return section_spread(self.outer.model, self.inner.model)


def trace_edges(
    pixels: npt.NDArray[Any],
    coarse: CoarseRing,
    *,
    shape: tuple[int, int],
    reach_px: float | None = None,
    arc_sigma: float = 1.0,
) -> TracedEdges | str:
    """Both edges measured along one coarse reading, or why they could not be.

    The search reaches ``reach_px`` each way from the reading's edges, and no further,
    also where an edge is traced again along its partner; by default a share of its
    cross-section (SEARCH_REACH), and further where needed. ``arc_sigma`` smooths along
    the edges (see :func:`~inspector.imaging.edges.measure_edge`).
    """
    center = coarse.center
    coarse_linear = linear_colours(coarse, pixels.dtype)
    n = int(np.clip(round(TWO_PI * float(coarse.outer_radius.mean())), 360, 16384))
    outer_coarse = resample(coarse.outer_radius, n)
    inner_coarse = resample(coarse.inner_radius, n)
    cross = float(median(outer_coarse - inner_coarse))
    # The coarse edge is good to a couple of reduced pixels; reach past that, and far
    # enough to follow a deep bite or a tall film on the edge, or a true edge half a
    # cross-section beyond a glare band the coarse outline took for the ring's rim.
    reduced_px = max(shape) / 400.0
    slack = max(8.0, 5.0 * reduced_px)
    if reach_px is None:
        reach = max(slack, SEARCH_REACH * cross)
    else:
        reach = reach_px
        slack = min(slack, reach_px)
    # Only the square holding both search bands is ever sampled: sensor impulses are
    # removed there, and only there is the image converted to linear light for the edges.
    # Offsets are whole pixels, so every sample sees the same neighbours and weights as in
    # the full frame.
    # Twice the reach: an edge not found in its band is searched again in a wider one.
    y0, y1, x0, x1 = _ring_window(shape, center, float(outer_coarse.max()) + 2.0 * reach)
    window, impulses = remove_impulses(pixels[y0:y1, x0:x1])
    if impulses:
        pixels = pixels.copy()  # the strip samples the whole frame: give it the clean square
        pixels[y0:y1, x0:x1] = window
    # Every edge step looks at the linear image only through its projection on the
    # ring/background colour axis: project the square once and sample one channel.
    linear_weights, linear_offset, _ = contrast_signal(coarse_linear)
    linear = project_image(linear_light(window), linear_weights, linear_offset)
    local = (center[0] - x0, center[1] - y0)

    def trace(side: EdgeSide, course: FloatArray, reach_in: float, reach_out: float) -> EdgeProfile:
        return measure_edge(
            linear,
            local,
            course,
            side=side,
            reach_in_px=reach_in,
            reach_out_px=reach_out,
            arc_sigma=arc_sigma,
        )

    hole = 0.8 * float(inner_coarse.min())  # the inner search towards the centre stops short of it
    outer = trace(EdgeSide.OUTER, outer_coarse, reach, reach)
    inner = trace(EdgeSide.INNER, inner_coarse, min(reach, hole), reach)
    # A coarse find that took only the lit core of the ring leaves its true edges at, or
    # beyond, the far end of their bands; where too little of an edge was found there,
    # search again reaching twice as far into the background.
    if coverage(outer) < WIDER_SEARCH_COVERAGE:
        wider = trace(EdgeSide.OUTER, outer_coarse, reach, 2.0 * reach)
        outer = wider if coverage(wider) > coverage(outer) else outer
    if coverage(inner) < WIDER_SEARCH_COVERAGE:
        wider = trace(EdgeSide.INNER, inner_coarse, min(2.0 * reach, hole), reach)
        inner = wider if coverage(wider) > coverage(inner) else inner
    outer, inner = _concentric_edges(
        linear,
        local,
        outer,
        inner,
        cross=cross,
        slack=slack,
        band_px=reach_px,
    )
    for profile in (outer, inner):
        if coverage(profile) < MIN_EDGE_COVERAGE:
            return (
                f"the ring's {profile.side.value} edge could not be traced around the "
                "ring (too little contrast with the background)"
            )
    # Where the ring's shading runs up to its rim (front light), the slope peak lies inside
    # the ring: a fitted model of the profile across each edge puts it where it ends.
    outer, inner = refine_edges(linear, local, outer, inner)
    return TracedEdges(
        coarse=coarse, pixels=pixels, linear=linear, local=local, outer=outer, inner=inner
    )


def linear_colours(coarse: CoarseRing, dtype: np.dtype[Any]) -> CoarseRing:
    """The reading with its ring and background colours in linear light."""
    if dtype != np.uint8:
        return coarse
    # The median colours commute with the monotonic transfer curve.
    return replace(
        coarse,
        ring_color=srgb_decode(coarse.ring_color),
        background_color=srgb_decode(coarse.background_color),
    )


def _concentric_edges(
    linear: npt.NDArray[np.float32],
    center: tuple[float, float],
    outer: EdgeProfile,
    inner: EdgeProfile,
    *,
    cross: float,
    slack: float,
    band_px: float | None = None,
) -> tuple[EdgeProfile, EdgeProfile]:
    """The edge pair that agrees best on the cross-section: as traced, or with one edge
    traced again around the other's course (see :mod:`inspector.imaging.concentric`),
    in a band ``band_px`` each way if given."""
    section = ring_cross_section(outer, inner, coarse_cross_px=cross)
    best = (disagreement(outer, inner, section), outer, inner)
    # A narrower band than the first search: the course is good to a few pixels.
    band = max(slack, 0.25 * section) if band_px is None else band_px
    # Each edge can be off course in its own stretch (the outer on one side's glare, the
    # inner on the other's): once one is traced again along its partner, the partner can
    # be traced again along it.
    # The partner each side was last traced again along. A course depends only on the
    # partner (and the fixed section): along an unchanged partner the trace would repeat,
    # and the pair it makes was already weighed and kept or beaten, so it is skipped.
    traced_along: dict[EdgeSide, EdgeProfile] = {}
    for _ in range(RETRACE_ROUNDS):
        improved = False
        outer_start, inner_start = best[1], best[2]
        for course in retrace_courses(outer_start, inner_start, section):
            partner = inner_start if course.side is EdgeSide.OUTER else outer_start
            if traced_along.get(course.side) is partner:
                continue
            traced_along[course.side] = partner
            retraced = measure_edge(
                linear,
                center,
                course.radius,
                side=course.side,
                reach_in_px=min(band, 0.8 * float(course.radius.min())),
                reach_out_px=band,
            )
            if coverage(retraced) < MIN_EDGE_COVERAGE:
                # Found in too few directions to be an edge at all, however well those
                # few agree with the partner.
                continue
            pair = (retraced, best[2]) if course.side is EdgeSide.OUTER else (best[1], retraced)
            share = disagreement(*pair, section)
            if share < best[0]:
                best = (share, *pair)
                improved = True
        if not improved:
            break
    return best[1], best[2]


def coverage(profile: EdgeProfile) -> float:
    """Share of directions in which the edge was found."""
    return float(np.isfinite(profile.measured).mean())


def _ring_window(
    shape: tuple[int, int], center: tuple[float, float], radius: float
) -> tuple[int, int, int, int]:
    """Rows ``y0:y1`` and columns ``x0:x1`` of the square of half-side ``radius`` (+ 4 px)
    around ``center`` (image ``(x, y)``), clipped to the image."""
    height, width = shape
    reach = radius + 4.0  # the bands reach a whole pixel past their radius, plus interpolation
    # numpy slices are [row, col]: y selects rows, x columns
    x0 = max(int(np.floor(center[0] - reach)), 0)
    y0 = max(int(np.floor(center[1] - reach)), 0)
    x1 = min(int(np.ceil(center[0] + reach)) + 1, width)
    y1 = min(int(np.ceil(center[1] + reach)) + 1, height)
    return y0, y1, x0, x1


def resample(values: FloatArray, n: int) -> FloatArray:
    """Linear resampling of a closed profile to ``n`` directions."""
    result: FloatArray = np.interp(angles_for(n), angles_for(values.size), values, period=TWO_PI)
    return result
