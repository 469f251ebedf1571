"""A bright band on a ring darker than its field: the ring's outline lies beyond it.

A black ring on a dark field, lit from the front, stands out from the field mostly by the
glare band along its crown. What the locator finds, and the edges first traced, are that
band's shaded flanks. The ring itself goes on past them: its flanks turn away from the
light and end at the rim, where the field begins again. The rim is the ring's outline.

Seen around the whole ring, outwards from an edge so traced, the flank is one of two
profiles:

- it sinks below the field's level well clear of the edge and comes back up to it with a
  sharp step (a flank darker than the field);
- or it stays above the field's level, fading, and meets it at the rim (a dim margin:
  the flanks still catch some light). This is looked for only where the band is lighter
  than the field; beyond a ring darker than its field, a margin darker still is a cast
  shadow.

Outside a ring whose outline was traced, the field follows at once. Two things can look
alike there and are told apart:

- an overshoot or halo of the edge itself, from lens blur, sharpening or back light, lies
  within a few blur widths of the edge. The darkest level is looked for beyond
  :data:`HALO_BLURS` blur widths of it.
- a cast shadow around a light ring is dark too, but its far edge is soft, and the
  softer the further it reaches out; an outline is as sharp as the image wherever it
  lies. The outline is traced, and its blur judged against its distance.

:func:`flank_beyond` finds the dip or the margin's foot in a profile;
:func:`outline_beyond` reads the profiles beyond both traced edges and traces the outline
along them (:mod:`inspector.imaging.tracing`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.edges import EdgeProfile, EdgeSide, contrast_signal, project, without_points
from inspector.imaging.load import to_float
from inspector.imaging.locate import CoarseRing
from inspector.imaging.measure import edge_points
from inspector.imaging.polar import (
    angles_for,
    contour_radii,
    median,
    median_last_axis,
    radius_grid_maps,
    remap,
)
from inspector.imaging.surface import colour_lightness
from inspector.imaging.tracing import (
    MIN_EDGE_COVERAGE,
    TracedEdges,
    coverage,
    linear_colours,
    linear_light,
    resample,
    trace_edges,
)

FloatArray = npt.NDArray[np.float64]

#: How far beyond an edge the profile is read: this many cross-sections of the band
#: first traced, or this share of the edge's radius if more (a glare band can be a small
#: fraction of the ring's section).
DEPTH_SECTIONS = 3.0
DEPTH_RADIUS_SHARE = 0.25
#: The last this share of the profile is the field, whose level the flank is measured
#: against.
FIELD_SHARE = 0.25
#: An overshoot of the edge itself lies within this many of its blur sigmas.
HALO_BLURS = 4.0
#: The flank must sink below the field by this share of the band's contrast with it…
MIN_UNDERSHOOT = 0.005
#: …and by this many sigmas of the noise of the profile's median.
UNDERSHOOT_SIGMAS = 6.0
#: At least this share of the directions must be in view.
MIN_IN_VIEW = 0.5
#: Edges traced at a ring's outline beyond a bright band replace the
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


@dataclass(frozen=True)
class FlankBeyond:
    """Where the ring's flank ends beyond a traced edge.

    Attributes
    ----------
    offset_px : float
        Distance from the traced edge (px, away from the ring's middle) of a course for
        the outline: the flank's darkest level, or the foot of a dim margin.
    depth : float
        How far the flank stands from the field near the outline: below it at the
        darkest level, or above it where a margin's rim begins (projected units: the
        band traced is 1 above the field).
    pixel_noise : float
        The field's noise, one pixel at a time (same units).
    colour_offset_px : float
        Distance from the traced edge (px) where the flank's colour is read: the outline
        is traced as a step between it and the field.
    """

    offset_px: float
    depth: float
    pixel_noise: float
    colour_offset_px: float


def depth_px(cross_px: float, radius_px: float) -> float:
    """How far beyond an edge (px) the profile is read, for a band ``cross_px`` wide
    whose edge lies ``radius_px`` from the centre."""
    return max(DEPTH_SECTIONS * cross_px, DEPTH_RADIUS_SHARE * radius_px)


def flank_beyond(
    band: npt.NDArray[np.float32], *, blur_px: float, row_px: float = 1.0, margin: bool = False
) -> FlankBeyond | None:
    """The darkest level of a flank that sinks below the field beyond a traced edge, or
    the foot of a dim margin above it.

    Parameters
    ----------
    band : (R, N) ndarray of float32
        Row ``r`` holds, in each of ``N`` directions, the image ``r * row_px`` px beyond
        the traced edge (away from the ring's middle), projected on the ring/field axis
        (the band traced 1, the field 0). NaN where out of view.
    blur_px : float
        The traced edge's blur (Gaussian sigma, px).
    row_px : float
        Spacing of the rows (px).
    margin : bool
        Whether a margin above the field's level is looked for too (a band lighter than
        the field; see the module).

    Returns
    -------
    FlankBeyond or None
        None when the profile neither sinks clearly below the field's level beyond the
        edge's own halo and turns back, nor (with ``margin``) stays clearly above it
        there and comes down to it, or too little of it is in view.
    """
    in_view = np.isfinite(band).all(axis=0)
    n_rows = band.shape[0]
    field_rows = max(3, int(FIELD_SHARE * n_rows))
    first = int(np.ceil(HALO_BLURS * blur_px / row_px))
    if in_view.mean() < MIN_IN_VIEW or first >= n_rows - field_rows:
        return None
    seen = band[:, in_view]
    # The median around the ring: dust, defects and a one-sided shadow do not move it.
    profile = median_last_axis(seen).astype(np.float64)
    field = seen[-field_rows:]
    level = float(np.median(profile[-field_rows:]))
    spread = field - profile[-field_rows:, np.newaxis]
    sigma = 1.4826 * float(np.median(np.abs(spread)))
    # The median of N samples scatters about 1.25 σ / √N.
    noise = 1.25 * sigma / np.sqrt(seen.shape[1])
    clear = max(MIN_UNDERSHOOT, UNDERSHOOT_SIGMAS * noise)
    row = first + int(np.argmin(profile[first : n_rows - field_rows]))
    depth = level - float(profile[row])
    # Still falling where the halo ends: the edge's own tail, not a flank that turns.
    if row != first and depth >= clear:
        return FlankBeyond(
            offset_px=row * row_px, depth=depth, pixel_noise=sigma, colour_offset_px=row * row_px
        )
    if not margin:
        return None
    return _margin_beyond(profile[first : n_rows - field_rows] - level, first, clear, sigma, row_px)


def _margin_beyond(
    above: FloatArray, first: int, clear: float, sigma: float, row_px: float
) -> FlankBeyond | None:
    """The ring's margin beyond a traced edge that stays clear above the field, then meets
    it; None where the profile is at the field's level from the halo's end on.

    ``above`` is the median profile from row ``first`` (the halo's end, HALO_BLURS blur
    widths beyond the edge) outwards, less the field's level. The course is the first row
    back at the field (within ``clear``): the foot of the rim. The margin's level is read
    half a halo inside it, where the rim's step starts.
    """
    if above.size < 2 or above[0] < clear:
        return None
    foot = int(np.argmax(above < clear))
    if foot == 0:
        return None  # never back at the field within the profile
    inside = max(foot - max(1, first // 2), 0)
    return FlankBeyond(
        offset_px=(first + foot) * row_px,
        depth=float(above[inside]),
        pixel_noise=sigma,
        colour_offset_px=(first + inside) * row_px,
    )


def outline_beyond(
    pixels: npt.NDArray[Any], traced: TracedEdges, *, shape: tuple[int, int]
) -> TracedEdges | None:
    """The edges traced again at the ring's outline, where those traced are the flanks
    of a bright band on a ring darker than the field (see the module); else None.

    Both flanks must sink below the field beyond the band, and the outline traced along
    their darkest levels must be sharp for its distance beyond the band
    (OUTLINE_BLUR_SHARE).
    """
    coarse = traced.coarse
    cross = float(median(traced.outer.model - traced.inner.model))
    weights, offset, _ = contrast_signal(linear_colours(coarse, pixels.dtype))
    # A margin of the ring above the field's level beyond the band is looked for only
    # where the band is lighter than the field: light on the ring's flanks. Beyond a ring
    # darker than its field, what is darker than the field is a cast shadow.
    margin = colour_lightness(coarse.ring_color) > colour_lightness(coarse.background_color)
    flanks = []
    for edge in (traced.outer, traced.inner):
        flank = _read_flank(pixels, coarse.center, edge, cross, weights, offset, shape, margin)
        if flank is None:
            return None
        flanks.append(flank)
    (outer_flank, outer_course, outer_colour), (inner_flank, inner_course, inner_colour) = flanks
    n = coarse.outer_radius.size
    widened = replace(
        coarse,
        outer_radius=resample(outer_course, n),
        inner_radius=resample(inner_course, n),
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
    if recentred is not None and _seen(recentred) > _seen(outline):
        outline = recentred
    reach_out = min(outer_flank.offset_px, inner_flank.offset_px)
    sharp = max(outline.outer.blur_px, outline.inner.blur_px) < OUTLINE_BLUR_SHARE * reach_out
    return outline if sharp else None


def _seen(traced: TracedEdges) -> float:
    """How much of both edges was found (the sum of their shares of directions)."""
    return coverage(traced.outer) + coverage(traced.inner)


def _recentred(
    pixels: npt.NDArray[Any], outline: TracedEdges, band: _Band, *, shape: tuple[int, int]
) -> TracedEdges | None:
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
        outer_radius=contour_radii(edge_points(reading.center, outline.outer.model), center, n),
        inner_radius=contour_radii(edge_points(reading.center, outline.inner.model), center, n),
    )
    return _outline_traced(pixels, about, band, shape=shape)


def _read_flank(
    pixels: npt.NDArray[Any],
    center: tuple[float, float],
    edge: EdgeProfile,
    cross: float,
    weights: npt.NDArray[np.float32],
    offset: FloatArray,
    shape: tuple[int, int],
    margin: bool,
) -> tuple[FlankBeyond, FloatArray, FloatArray] | None:
    """The flank beyond one traced edge (:func:`outline.flank_beyond`), with the course
    through its darkest level (px, OUTLINE_ANGLES directions) and its colour there (the
    image's own float values)."""
    radius = resample(edge.model, OUTLINE_ANGLES)
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
    flank = flank_beyond(band, blur_px=edge.blur_px, row_px=row_px, margin=margin)
    if flank is None:
        return None
    row = round(flank.colour_offset_px / row_px)
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
) -> TracedEdges | None:
    """The edges traced along a reading of the outline beyond a band; None where too
    little of either was found clear of the band's halo."""
    outline = trace_edges(
        pixels, reading, shape=shape, reach_px=band.reach_px, arc_sigma=band.arc_sigma
    )
    if isinstance(outline, str):
        return None
    # Where the outline is not to be seen, the search can fall back on the band's own
    # edge: a point within the band's halo is not the outline.
    edges = []
    for band_edge, edge in ((band.outer, outline.outer), (band.inner, outline.inner)):
        away = 1.0 if edge.side is EdgeSide.OUTER else -1.0
        band_radius = contour_radii(band_edge, reading.center, edge.measured.size)
        beyond = away * (edge.measured - band_radius)
        near = beyond < band.halo_px
        edges.append(without_points(edge, near) if near.any() else edge)
        if coverage(edges[-1]) < MIN_EDGE_COVERAGE:
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
