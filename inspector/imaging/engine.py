"""The image engine: pixels in, ring geometry and classified defects out.

``locate -> edges -> edge fit -> measure -> strip -> anomalies / edge runs (checked against
the image) / cuts -> classify``.
Each step is a pure function in its own module; this one only wires them together and
turns their findings into :class:`~inspector.imaging.results.Defect` records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.classify import classify_surface, shape_features
from inspector.imaging.concentric import (
    disagreement,
    retrace_courses,
    ring_cross_section,
)
from inspector.imaging.edge_defects import CutRun, EdgeRun, find_cuts, find_edge_runs
from inspector.imaging.edge_evidence import edge_run_is_seen
from inspector.imaging.edge_fit import refine_edges
from inspector.imaging.edges import (
    EdgeProfile,
    EdgeSide,
    contrast_signal,
    measure_edge,
    project,
    project_image,
    without_points,
)
from inspector.imaging.impulses import remove_impulses
from inspector.imaging.load import to_float
from inspector.imaging.locate import CoarseRing, RingNotFound, RingReadings, locate_readings
from inspector.imaging.measure import edge_points, ring_geometry
from inspector.imaging.outline import HALO_BLURS, FlankBeyond, depth_px, flank_beyond
from inspector.imaging.polar import angles_for, median, radius_grid_maps, remap, section_spread
from inspector.imaging.results import BBox, Defect, DefectType, RingInspection, Where
from inspector.imaging.surface import (
    Anomaly,
    Strip,
    build_strip,
    colour_lightness,
    exposure,
    find_anomalies,
)

FloatArray = npt.NDArray[np.float64]
TWO_PI = 2.0 * np.pi

#: Ring and background colours this far apart (Euclidean, 0–1 per channel) are told apart
#: reliably by colour alone.
CLEAR_COLOUR_CONTRAST = 0.15

#: Level (0–1, in the image's own values) the brighter of ring and background reaches in
#: a properly exposed image; a dimmer image (12 bits in a 16-bit file) is judged as if
#: stretched to it.
WELL_EXPOSED_LEVEL = 0.5

#: Fraction of directions in which an edge must be found for the ring to be measured.
MIN_EDGE_COVERAGE = 0.3
#: Below this fraction, an edge is searched again in a band reaching twice as far.
WIDER_SEARCH_COVERAGE = 0.5
#: A "scratch" whose centre line strays from one circle about the ring's centre by less
#: than this share of a straight line's sagitta over the same arc follows the ring…
CONCENTRIC_SHARE = 0.7
#: …where that sagitta is at least this many px (shorter lines cannot tell).
CONCENTRIC_MIN_SAGITTA_PX = 3.0
#: The edge searches reach this share of the coarse cross-section each way from the
#: coarse edge (at least a few reduced pixels).
SEARCH_REACH = 0.5
#: Rounds of tracing an off-course edge again along its partner (see :mod:`concentric`).
RETRACE_ROUNDS = 2
#: Edges whose section varies around the ring by more than this (standard deviation over
#: median) are traced again along the locator's second reading of the ring, if it has
#: one; a well-traced ring's section varies by about a tenth of it.
UNEVEN_SECTION = 0.01
#: …and the second reading is taken only if its section varies by at least this much less.
SAME_SPREAD = 0.002
#: Edges traced at a ring's outline beyond a bright band (see :mod:`outline`) replace the
#: band's only if their blur is below this share of their distance beyond the band: an
#: object's outline is a step as sharp as the image, however far out it lies, while a
#: shadow cast around a ring softens as it reaches out.
OUTLINE_BLUR_SHARE = 0.2
#: Directions the profile beyond an edge is read in.
OUTLINE_ANGLES = 360
#: Fewer px than this beyond an edge hold no flank and field to tell apart.
MIN_FLANK_ROWS = 8
#: The profile beyond an edge is read in at most this many steps.
MAX_FLANK_ROWS = 64
#: The outline's step must stand this many noise sigmas clear of the field once smoothed
#: along its course…
OUTLINE_STEP_SIGMAS = 16.0
#: …by at least and at most these shares of the way round.
MIN_ARC_SHARE = 1.0 / 360.0
MAX_ARC_SHARE = 1.0 / 36.0
#: The outline is traced again about the centre of what was seen of it when that lies
#: this far (px) from the band's.
RECENTRE_PX = 1.0

#: Version of the engine's behaviour, recorded with every inspection. Bump it whenever
#: a change can alter a verdict or a measurement.
ENGINE_VERSION = "1.9.0"


def inspect_pixels(pixels: npt.NDArray[Any]) -> RingInspection:
    """Find, measure and inspect the ring in one image.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16
        The image as decoded (BGR when colour); not modified.

    Returns
    -------
    RingInspection
        ``ring`` is None (and ``problems`` says why) when no ring is in view.
    """
    quantum = 1.0 / 65535.0 if pixels.dtype == np.uint16 else 1.0 / 255.0
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    shape = (int(pixels.shape[0]), int(pixels.shape[1]))
    try:
        readings = locate_readings(pixels)
    except RingNotFound as exc:
        return RingInspection(image_shape=shape, ring=None, problems=(str(exc),))
    return _inspect_located(pixels, readings, shape=shape, quantum=quantum)


def warm_up() -> None:
    """Run the engine once on a small synthetic ring, so the first real image does not pay
    the one-off costs (library initialisation, FFT plans, caches) in its timing.

    Call it where a process starts serving images: a worker, the station at start-up.
    """
    rows, cols = np.mgrid[0:240, 0:320]
    radius = np.hypot(cols - 160.0, rows - 120.0)
    ring = (radius < 90) & (radius > 65)
    pixels = np.where(ring, 40, 200).astype(np.uint8)
    inspect_pixels(cv2.GaussianBlur(pixels, (0, 0), 1.0))


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
class _Interval:
    """An arc of directions ``[start, start + length)`` in radians (may pass 2π)."""

    start: float
    length: float

    def expanded(self, margin: float) -> _Interval:
        return _Interval(self.start - margin, self.length + 2.0 * margin)

    def overlaps(self, other: _Interval) -> bool:
        for shift in (-TWO_PI, 0.0, TWO_PI):
            a0 = self.start + shift
            if a0 < other.start + other.length and other.start < a0 + self.length:
                return True
        return False

    def contains(self, other: _Interval) -> bool:
        for shift in (-TWO_PI, 0.0, TWO_PI):
            a0 = self.start + shift
            if a0 <= other.start and other.start + other.length <= a0 + self.length:
                return True
        return False


@dataclass(frozen=True)
class _TracedEdges:
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


def _inspect_located(
    pixels: npt.NDArray[Any],
    readings: RingReadings,
    *,
    shape: tuple[int, int],
    quantum: float,
) -> RingInspection:
    """Everything after the coarse location.

    The edges are traced along the first reading of the ring. Where they vary in section
    around the ring by more than UNEVEN_SECTION (or could not be traced) and the locator
    has a second reading, they are traced along that too, and the pair whose section is
    the more even (the first on a near tie) is kept.
    """
    traced = _trace_edges(pixels, readings.first, shape=shape)
    if isinstance(traced, str) or traced.section_spread() > UNEVEN_SECTION:
        second = readings.second()
        if second is not None:
            other = _trace_edges(pixels, second, shape=shape)
            if isinstance(traced, str) or (
                not isinstance(other, str)
                and other.section_spread() < traced.section_spread() - SAME_SPREAD
            ):
                traced = other
    if isinstance(traced, str):
        return RingInspection(image_shape=shape, ring=None, problems=(traced,))
    outlined = _outline_beyond(pixels, traced, shape=shape)
    if outlined is not None:
        traced = outlined
    return _inspect_traced(traced, shape=shape, quantum=quantum)


def _outline_beyond(
    pixels: npt.NDArray[Any], traced: _TracedEdges, *, shape: tuple[int, int]
) -> _TracedEdges | None:
    """The edges traced again at the ring's outline, where those traced are the flanks
    of a bright band on a ring darker than the field (see :mod:`outline`); else None.

    Both flanks must sink below the field beyond the band, and the outline traced along
    their darkest levels must be sharp for its distance beyond the band
    (OUTLINE_BLUR_SHARE).
    """
    coarse = traced.coarse
    cross = float(median(traced.outer.model - traced.inner.model))
    weights, offset, _ = contrast_signal(_linear_colours(coarse, pixels.dtype))
    flanks = []
    for edge in (traced.outer, traced.inner):
        flank = _flank_beyond(pixels, coarse.center, edge, cross, weights, offset, shape)
        if flank is None:
            return None
        flanks.append(flank)
    (outer_flank, outer_course, outer_colour), (inner_flank, inner_course, inner_colour) = flanks
    n = coarse.outer_radius.size
    widened = replace(
        coarse,
        outer_radius=_resample(outer_course, n),
        inner_radius=_resample(inner_course, n),
        ring_color=np.atleast_1d(0.5 * (outer_colour + inner_colour)).astype(np.float64),
    )
    band = _Band(
        outer=edge_points(coarse.center, traced.outer.model),
        inner=edge_points(coarse.center, traced.inner.model),
        halo_px=HALO_BLURS * max(traced.outer.blur_px, traced.inner.blur_px),
        # The search stays on the flanks: the band inside them would out-step the outline.
        reach_px=0.5 * min(outer_flank.offset_px, inner_flank.offset_px),
        arc_sigma=min(
            _arc_sigma(flank, n_directions=2.0 * np.pi * float(np.median(course)))
            for flank, course in ((outer_flank, outer_course), (inner_flank, inner_course))
        ),
    )
    outline = _outline_traced(pixels, widened, band, shape=shape)
    if outline is None:
        return None
    recentred = _recentred(pixels, outline, band, shape=shape)
    if recentred is not None and _coverage(recentred.outer) + _coverage(
        recentred.inner
    ) > _coverage(outline.outer) + _coverage(outline.inner):
        outline = recentred
    reach_out = min(outer_flank.offset_px, inner_flank.offset_px)
    sharp = max(outline.outer.blur_px, outline.inner.blur_px) < OUTLINE_BLUR_SHARE * reach_out
    return outline if sharp else None


def _recentred(
    pixels: npt.NDArray[Any], outline: _TracedEdges, band: _Band, *, shape: tuple[int, int]
) -> _TracedEdges | None:
    """The outline traced again about the centre of what was seen of it, if that lies
    over RECENTRE_PX from the band's centre; else None.

    A glare band need not be centred on the ring (light from one side). Where the outline
    cannot be seen, its smooth model is only as good as the centre it is drawn about.
    """
    reading = outline.coarse
    found = np.isfinite(outline.outer.measured)
    directions = angles_for(found.size)[found]
    radii = outline.outer.measured[found]
    seen = np.stack(
        [
            reading.center[0] + radii * np.cos(directions),
            reading.center[1] - radii * np.sin(directions),
        ],
        axis=1,
    ).astype(np.float32)
    (x, y), _, _ = cv2.fitEllipse(seen)
    if np.hypot(x - reading.center[0], y - reading.center[1]) <= RECENTRE_PX:
        return None
    center = (float(x), float(y))
    n = reading.outer_radius.size
    about = replace(
        reading,
        center=center,
        outer_radius=_radii_about(edge_points(reading.center, outline.outer.model), center, n),
        inner_radius=_radii_about(edge_points(reading.center, outline.inner.model), center, n),
    )
    return _outline_traced(pixels, about, band, shape=shape)


def _flank_beyond(
    pixels: npt.NDArray[Any],
    center: tuple[float, float],
    edge: EdgeProfile,
    cross: float,
    weights: npt.NDArray[np.float32],
    offset: FloatArray,
    shape: tuple[int, int],
) -> tuple[FlankBeyond, FloatArray, FloatArray] | None:
    """The flank beyond one traced edge (:func:`outline.flank_beyond`), with the course
    through its darkest level (px, OUTLINE_ANGLES directions) and its colour there (the
    image's own float values)."""
    radius = _resample(edge.model, OUTLINE_ANGLES)
    away = 1.0 if edge.side is EdgeSide.OUTER else -1.0
    depth = depth_px(cross, float(np.median(radius)))
    if edge.side is EdgeSide.INNER:
        depth = min(depth, 0.8 * float(radius.min()))
    # The course needs to be good to a few px only: a deep profile is read coarser.
    row_px = max(1.0, depth / MAX_FLANK_ROWS)
    rows = np.arange(0.0, depth, row_px)
    if rows.size < MIN_FLANK_ROWS:
        return None  # no room for a flank beyond (a hole a few px across)
    grid = radius[np.newaxis, :] + away * rows[:, np.newaxis]
    map_x, map_y = radius_grid_maps(center, grid)
    samples = remap(pixels, map_x, map_y)
    band = project(linear_light(samples), weights, offset)
    if band.ndim == 3:
        band = band[:, :, 0]
    height, width = shape
    out_of_view = (map_x < 0) | (map_y < 0) | (map_x > width - 1) | (map_y > height - 1)
    band[out_of_view] = np.nan
    flank = flank_beyond(band, blur_px=edge.blur_px, row_px=row_px)
    if flank is None:
        return None
    row = round(flank.offset_px / row_px)
    colour = np.median(to_float(samples[row][~out_of_view[row]]), axis=0)
    return flank, radius + away * flank.offset_px, np.atleast_1d(colour).astype(np.float64)


@dataclass(frozen=True)
class _Band:
    """A bright band's traced edges (image ``(x, y)`` points) and the reach of its own
    halo (px); how far the search for the outline beyond it reaches (px), and how far it
    is smoothed along the edge (sigma, directions)."""

    outer: FloatArray
    inner: FloatArray
    halo_px: float
    reach_px: float
    arc_sigma: float


def _outline_traced(
    pixels: npt.NDArray[Any], reading: CoarseRing, band: _Band, *, shape: tuple[int, int]
) -> _TracedEdges | None:
    """The edges traced along a reading of the outline beyond a band; None where too
    little of either was found clear of the band's halo."""
    outline = _trace_edges(
        pixels, reading, shape=shape, reach_px=band.reach_px, arc_sigma=band.arc_sigma
    )
    if isinstance(outline, str):
        return None
    # Where the outline is not to be seen, the search can fall back on the band's own
    # edge: a point within the band's halo is not the outline.
    edges = []
    for band_edge, edge in ((band.outer, outline.outer), (band.inner, outline.inner)):
        away = 1.0 if edge.side is EdgeSide.OUTER else -1.0
        band_radius = _radii_about(band_edge, reading.center, edge.measured.size)
        beyond = away * (edge.measured - band_radius)
        near = beyond < band.halo_px
        edges.append(without_points(edge, near) if near.any() else edge)
        if _coverage(edges[-1]) < MIN_EDGE_COVERAGE:
            return None
    return replace(outline, outer=edges[0], inner=edges[1])


def _arc_sigma(flank: FlankBeyond, *, n_directions: float) -> float:
    """Smoothing along an outline (sigma, in directions about 1 px of arc apart) that
    lifts its step clear of the noise by OUTLINE_STEP_SIGMAS, kept between MIN_ARC_SHARE
    and MAX_ARC_SHARE of the way round.

    Smoothing a band by σ along the edge and 0.7 px across divides the noise by
    √(4π · 0.7 σ).
    """
    snr = flank.depth / max(flank.pixel_noise, 1e-9)
    wanted = (OUTLINE_STEP_SIGMAS / snr) ** 2 / (4.0 * np.pi * 0.7)
    return float(np.clip(wanted, MIN_ARC_SHARE * n_directions, MAX_ARC_SHARE * n_directions))


def _radii_about(points: FloatArray, center: tuple[float, float], n: int) -> FloatArray:
    """Radius (px) of a closed contour about ``center`` in ``n`` directions (see
    :func:`~inspector.imaging.polar.angles_for`); the contour must surround the centre."""
    dx = points[:, 0] - center[0]
    dy = center[1] - points[:, 1]  # screen y grows downwards; directions turn counter-clockwise
    theta = np.mod(np.arctan2(dy, dx), TWO_PI)
    order = np.argsort(theta)
    result: FloatArray = np.interp(
        angles_for(n), theta[order], np.hypot(dx, dy)[order], period=TWO_PI
    )
    return result


def _linear_colours(coarse: CoarseRing, dtype: np.dtype[Any]) -> CoarseRing:
    """The reading with its ring and background colours in linear light."""
    if dtype != np.uint8:
        return coarse
    # The median colours commute with the monotonic transfer curve.
    return replace(
        coarse,
        ring_color=srgb_decode(coarse.ring_color),
        background_color=srgb_decode(coarse.background_color),
    )


def _trace_edges(
    pixels: npt.NDArray[Any],
    coarse: CoarseRing,
    *,
    shape: tuple[int, int],
    reach_px: float | None = None,
    arc_sigma: float = 1.0,
) -> _TracedEdges | str:
    """Both edges measured along one coarse reading, or why they could not be.

    The search reaches ``reach_px`` each way from the reading's edges, and no further,
    also where an edge is traced again along its partner; by default a share of its
    cross-section (SEARCH_REACH), and further where needed. ``arc_sigma`` smooths along
    the edges (see :func:`~inspector.imaging.edges.measure_edge`).
    """
    center = coarse.center
    coarse_linear = _linear_colours(coarse, pixels.dtype)
    n = int(np.clip(round(TWO_PI * float(coarse.outer_radius.mean())), 360, 16384))
    outer_coarse = _resample(coarse.outer_radius, n)
    inner_coarse = _resample(coarse.inner_radius, n)
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
    if _coverage(outer) < WIDER_SEARCH_COVERAGE:
        wider = trace(EdgeSide.OUTER, outer_coarse, reach, 2.0 * reach)
        outer = wider if _coverage(wider) > _coverage(outer) else outer
    if _coverage(inner) < WIDER_SEARCH_COVERAGE:
        wider = trace(EdgeSide.INNER, inner_coarse, min(2.0 * reach, hole), reach)
        inner = wider if _coverage(wider) > _coverage(inner) else inner
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
        if _coverage(profile) < MIN_EDGE_COVERAGE:
            return (
                f"the ring's {profile.side.value} edge could not be traced around the "
                "ring (too little contrast with the background)"
            )
    # Where the ring's shading runs up to its rim (front light), the slope peak lies inside
    # the ring: a fitted model of the profile across each edge puts it where it ends.
    outer, inner = refine_edges(linear, local, outer, inner)
    return _TracedEdges(
        coarse=coarse, pixels=pixels, linear=linear, local=local, outer=outer, inner=inner
    )


def _inspect_traced(
    traced: _TracedEdges, *, shape: tuple[int, int], quantum: float
) -> RingInspection:
    """Strip, cuts, edge runs and surface defects of a ring whose edges are measured."""
    coarse, pixels, linear, local = traced.coarse, traced.pixels, traced.linear, traced.local
    outer, inner = traced.outer, traced.inner
    center = coarse.center
    blur = max(outer.blur_px, inner.blur_px)
    weights, offset, colour_contrast = contrast_signal(coarse)
    strip = build_strip(
        pixels,
        center,
        inner.model,
        outer.model,
        inset_px=max(2.0, 1.0 + 2.5 * blur),
        weights=weights,
        offset=offset,
    )
    problems: list[str] = []
    if coarse.touches_border:
        problems.append("the ring runs into the image border: it cannot be inspected whole")
    # How well exposed the image is, as the surface and the cut check judge visibility.
    seen_exposure = (
        exposure(strip, colour_lightness(coarse.background_color)) if strip is not None else 1.0
    )
    candidates = find_cuts(strip, exposure=seen_exposure) if strip is not None else []
    # The strip's material signal tells ring from background reliably only when their
    # colours differ clearly; otherwise a cut must also leave no edge to find.
    # Judged as seen with the image stretched to a good exposure, like the surface.
    brightest = float(max(np.max(coarse.ring_color), np.max(coarse.background_color)))
    stretch = min(1.0, brightest / WELL_EXPOSED_LEVEL)
    if colour_contrast < CLEAR_COLOUR_CONTRAST * max(stretch, 1e-3):
        candidates = [cut for cut in candidates if _edges_missing(cut, outer, inner)]
    cuts = candidates
    geometry = ring_geometry(center, outer, inner, broken=bool(cuts))
    if strip is None:
        problems.append("the ring is too thin in this image to inspect its surface")
        return RingInspection(image_shape=shape, ring=geometry, problems=tuple(problems))

    # An edge run is only a defect if the image changes there, not just the finder's pick.
    runs = [
        run
        for profile in (outer, inner)
        for run in find_edge_runs(profile)
        if edge_run_is_seen(
            linear,
            local,
            profile,
            run,
            blur_px=blur,
        )
    ]
    defects = _collect_defects(
        strip,
        outer,
        inner,
        cuts,
        runs,
        center=center,
        quantum=quantum,
        seen_exposure=seen_exposure,
    )
    defects.sort(key=lambda d: d.angle_deg)
    return RingInspection(
        image_shape=shape, ring=geometry, defects=tuple(defects), problems=tuple(problems)
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
            pair = (retraced, best[2]) if course.side is EdgeSide.OUTER else (best[1], retraced)
            share = disagreement(*pair, section)
            if share < best[0]:
                best = (share, *pair)
                improved = True
        if not improved:
            break
    return best[1], best[2]


def _coverage(profile: EdgeProfile) -> float:
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


def _resample(values: FloatArray, n: int) -> FloatArray:
    """Linear resampling of a closed profile to ``n`` directions."""
    result: FloatArray = np.interp(angles_for(n), angles_for(values.size), values, period=TWO_PI)
    return result


def _collect_defects(
    strip: Strip,
    outer: EdgeProfile,
    inner: EdgeProfile,
    cuts: list[CutRun],
    runs: list[EdgeRun],
    *,
    center: tuple[float, float],
    quantum: float,
    seen_exposure: float,
) -> list[Defect]:
    """Turn cuts, edge runs and surface anomalies into defects, each found once."""
    mid_radius = float(strip.radius.mean())
    cross = float(np.mean(outer.model - inner.model))
    cut_arcs = [_columns_interval(c.start, c.stop, c.n) for c in cuts]
    near_cut = [arc.expanded(cross / max(mid_radius, 1.0)) for arc in cut_arcs]

    runs = [r for r in runs if not any(_run_interval(r).overlaps(arc) for arc in near_cut)]

    anomalies, _ = find_anomalies(strip, noise_floor=quantum, exposure=seen_exposure)
    anomalies = [
        a
        for a in _merge_neighbours(anomalies, strip)
        if not any(_anomaly_interval(a, strip.n_cols).overlaps(arc) for arc in near_cut)
    ]

    kept_runs: list[EdgeRun] = list(runs)
    surface: list[Anomaly] = []
    for anomaly in anomalies:
        arc = _anomaly_interval(anomaly, strip.n_cols)
        touches = {
            EdgeSide.INNER: bool(anomaly.rows.min() == 0),
            EdgeSide.OUTER: bool(anomaly.rows.max() == strip.n_rows - 1),
        }
        swallowed = False
        for run in list(kept_runs):
            if not touches[run.side]:
                continue
            run_arc = _run_interval(run)
            if not run_arc.overlaps(arc):
                continue
            if run_arc.expanded(0.5 * run_arc.length + 2.0 * TWO_PI / run.n).contains(arc):
                swallowed = True  # the edge defect itself, seen from inside the strip
                break
            if arc.expanded(TWO_PI / strip.n_cols * 3).contains(run_arc):
                kept_runs.remove(run)  # a crack from the edge nicks the edge too
        if not swallowed:
            surface.append(anomaly)

    defects: list[Defect] = []
    for cut in cuts:
        defects.append(_cut_defect(cut, outer, inner, center))
    for run in kept_runs:
        profile = outer if run.side is EdgeSide.OUTER else inner
        defects.append(_edge_defect(run, profile, center))
    blur = max(outer.blur_px, inner.blur_px)
    for anomaly in surface:
        defect = _surface_defect(anomaly, strip, blur_px=blur)
        if defect is not None:
            defects.append(defect)
    return defects


def _edges_missing(cut: CutRun, outer: EdgeProfile, inner: EdgeProfile) -> bool:
    """Whether both edges really are absent across a cut candidate.

    Where ring and background differ little in colour, the strip's material signal can
    dip without a gap; a real gap also leaves no edge to find on either side.
    """
    n = outer.measured.size
    first = int(np.floor(cut.start / cut.n * n))
    last = max(int(np.ceil(cut.stop / cut.n * n)), first + 1)
    idx = np.arange(first, last) % n
    missing = np.isnan(outer.measured[idx]) & np.isnan(inner.measured[idx])
    return bool(missing.mean() >= 0.5)


def _columns_interval(start: int, stop: int, n: int) -> _Interval:
    return _Interval(TWO_PI * start / n, TWO_PI * (stop - start) / n)


def _run_interval(run: EdgeRun) -> _Interval:
    return _columns_interval(run.start, run.stop, run.n)


def _anomaly_interval(anomaly: Anomaly, n_cols: int) -> _Interval:
    """The arc of directions an anomaly covers (it never spans the whole ring)."""
    columns = np.unique(anomaly.cols)
    if columns.size == 1:
        return _columns_interval(int(columns[0]), int(columns[0]) + 1, n_cols)
    gaps = np.diff(np.concatenate([columns, [columns[0] + n_cols]]))
    widest = int(np.argmax(gaps))
    start = int(columns[(widest + 1) % columns.size])
    stop = int(columns[widest]) + 1
    if stop <= start:
        stop += n_cols
    return _columns_interval(start, stop, n_cols)


def _merge_neighbours(anomalies: list[Anomaly], strip: Strip) -> list[Anomaly]:
    """Join anomalies that lie closer than a quarter of their size: one defect's parts.

    A blister's lit and shaded halves, or a crack interrupted where it crosses a glare
    band, show up as separate regions.
    """
    if len(anomalies) < 2:
        return anomalies
    boxes = []
    for anomaly in anomalies:
        x, y = strip.to_image_xy(anomaly.rows.astype(np.float64), anomaly.cols.astype(np.float64))
        boxes.append((x.min(), y.min(), x.max(), y.max()))
    parent = list(range(len(anomalies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(anomalies)):
        for j in range(i + 1, len(anomalies)):
            a, b = boxes[i], boxes[j]
            size = min(max(a[2] - a[0], a[3] - a[1]), max(b[2] - b[0], b[3] - b[1]))
            margin = max(2.0, 0.25 * size)
            gap_x = max(a[0], b[0]) - min(a[2], b[2])
            gap_y = max(a[1], b[1]) - min(a[3], b[3])
            if gap_x <= margin and gap_y <= margin:
                parent[find(i)] = find(j)
    groups: dict[int, list[Anomaly]] = {}
    for i, anomaly in enumerate(anomalies):
        groups.setdefault(find(i), []).append(anomaly)
    merged: list[Anomaly] = []
    for members in groups.values():
        if len(members) == 1:
            merged.append(members[0])
            continue
        score = np.concatenate([m.score for m in members])
        merged.append(
            Anomaly(
                rows=np.concatenate([m.rows for m in members]),
                cols=np.concatenate([m.cols for m in members]),
                signed_z=np.concatenate([m.signed_z for m in members]),
                chroma_z=np.concatenate([m.chroma_z for m in members]),
                score=score,
                coarse=all(m.coarse for m in members),
                peak_delta=max(m.peak_delta for m in members),
            )
        )
    return merged


def _polygon_defect(
    points: FloatArray,
    *,
    defect_type: DefectType,
    where: Where,
    length: float,
    width: float,
    area: float,
    center: tuple[float, float],
    score: float,
) -> Defect:
    """A defect record from its outline polygon ((N, 2) image ``(x, y)``)."""
    x0 = int(np.floor(points[:, 0].min() - 0.5))
    y0 = int(np.floor(points[:, 1].min() - 0.5))
    x1 = int(np.ceil(points[:, 0].max() + 0.5))
    y1 = int(np.ceil(points[:, 1].max() + 0.5))
    mean = points.mean(axis=0)
    # Image y grows downwards: the on-screen angle is atan2(-dy, dx).
    angle = float(np.degrees(np.arctan2(-(mean[1] - center[1]), mean[0] - center[0])) % 360.0)
    return Defect(
        type=defect_type,
        where=where,
        bbox=BBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0)),
        length_px=float(length),
        width_px=float(width),
        area_px=float(area),
        angle_deg=angle,
        outline_px=points,
        score=float(score),
    )


def _edge_defect(run: EdgeRun, profile: EdgeProfile, center: tuple[float, float]) -> Defect:
    """A flash (material beyond the edge) or non-fill (material missing at it)."""
    idx = run.indices()
    model = profile.model[idx]
    measured = np.where(np.isfinite(profile.measured[idx]), profile.measured[idx], model)
    step = TWO_PI / run.n
    arc = float(np.sum(model) * step)
    area = float(np.sum(np.abs(measured - model) * model) * step)
    theta = angles_for(run.n)[idx]
    out_x = center[0] + measured * np.cos(theta)
    out_y = center[1] - measured * np.sin(theta)
    back_x = center[0] + model[::-1] * np.cos(theta[::-1])
    back_y = center[1] - model[::-1] * np.sin(theta[::-1])
    outline = np.stack([np.concatenate([out_x, back_x]), np.concatenate([out_y, back_y])], axis=1)
    where = Where.OUTER_EDGE if run.side is EdgeSide.OUTER else Where.INNER_EDGE
    defect_type = DefectType.FLASH if run.excess else DefectType.NON_FILL
    return _polygon_defect(
        outline,
        defect_type=defect_type,
        where=where,
        length=max(arc, run.depth_px),
        width=min(arc, run.depth_px),
        area=area,
        center=center,
        score=run.depth_px / max(profile.noise_px, 0.15),
    )


def _cut_defect(
    cut: CutRun, outer: EdgeProfile, inner: EdgeProfile, center: tuple[float, float]
) -> Defect:
    """A gap through the whole cross-section."""
    n = outer.model.size
    first = int(np.floor(cut.start / cut.n * n))
    last = int(np.ceil(cut.stop / cut.n * n))
    idx = np.arange(first, max(last, first + 1)) % n
    theta = angles_for(n)[idx]
    out_r = outer.model[idx]
    in_r = inner.model[idx]
    outline = np.concatenate(
        [
            np.stack([center[0] + out_r * np.cos(theta), center[1] - out_r * np.sin(theta)], 1),
            np.stack(
                [
                    center[0] + in_r[::-1] * np.cos(theta[::-1]),
                    center[1] - in_r[::-1] * np.sin(theta[::-1]),
                ],
                1,
            ),
        ]
    )
    cross = float(np.mean(out_r - in_r))
    gap = float(np.mean(0.5 * (out_r + in_r)) * TWO_PI * idx.size / n)
    return _polygon_defect(
        outline,
        defect_type=DefectType.CUT,
        where=Where.SURFACE,
        length=max(cross, gap),
        width=min(cross, gap),
        area=cross * gap,
        center=center,
        score=float("inf"),
    )


def _longest_chord(strip: Strip) -> float:
    """Length (px) of the longest straight line inside the strip's annulus: the chord
    touching its inner circle, 2·√(R_out² − R_in²)."""
    inner = float(np.mean(strip.radius[0]))
    outer = float(np.mean(strip.radius[-1]))
    return 2.0 * float(np.sqrt(max(outer * outer - inner * inner, 0.0)))


def _follows_the_ring(anomaly: Anomaly, strip: Strip) -> bool:
    """Whether a region keeps to one radius along its length where a straight line of
    the same length could not.

    A straight line spanning an arc of length ``L`` at radius ``R`` strays from the
    circle through its ends by its sagitta ``L² / 8R``. Where that is several px and the
    region's centre line (its mean radius in a few stretches along the arc) varies by
    well under it, the region runs along the ring.
    """
    n = strip.n_cols
    cols = anomaly.cols
    # Columns along the region, unwrapped across the seam.
    if int(cols.max()) - int(cols.min()) > n // 2:
        cols = np.where(cols < n // 2, cols + n, cols)
    span = int(cols.max()) - int(cols.min()) + 1
    radius = strip.radius[anomaly.rows, anomaly.cols]
    mean_radius = float(np.mean(radius))
    arc = span / n * TWO_PI * mean_radius
    sagitta = arc * arc / (8.0 * max(mean_radius, 1.0))
    if sagitta < CONCENTRIC_MIN_SAGITTA_PX:
        return False
    stretches = max(2, min(12, span // 3))
    which = np.minimum((cols - cols.min()) * stretches // span, stretches - 1)
    weights = anomaly.score
    mass = np.bincount(which, weights=weights, minlength=stretches)
    present = mass > 0
    total = np.bincount(which, weights=weights * radius, minlength=stretches)
    centre = total[present] / mass[present]
    return bool(np.ptp(centre) < CONCENTRIC_SHARE * sagitta)


def _surface_defect(anomaly: Anomaly, strip: Strip, *, blur_px: float) -> Defect | None:
    """A classified surface defect with its outline (convex hull of its pixels); None for
    a line that bends with the ring (see :func:`_longest_chord`, :func:`_follows_the_ring`)."""
    features, x, y = shape_features(anomaly, strip, blur_px=blur_px)
    defect_type = classify_surface(features)
    # A scratch is straight or gently curved. A "line" longer than any straight line the
    # inspected annulus can hold, or one that keeps to a circle about the ring's centre
    # where a straight line would drift across it, bends with the ring itself: that is
    # the edge of a glare band or of the shading drifting across the section, not damage.
    if defect_type is DefectType.SCRATCH and (
        features.length_px > _longest_chord(strip) or _follows_the_ring(anomaly, strip)
    ):
        return None
    points = np.stack([x, y], axis=1).astype(np.float32)
    hull = cv2.convexHull(points).reshape(-1, 2).astype(np.float64)
    if hull.shape[0] < 3:
        hull = np.vstack([hull, hull + 0.5, hull - 0.5])
    return _polygon_defect(
        hull,
        defect_type=defect_type,
        where=Where.SURFACE,
        length=features.length_px,
        width=features.width_px,
        area=features.area_px,
        center=strip.center,
        score=float(anomaly.score.max()),
    )
