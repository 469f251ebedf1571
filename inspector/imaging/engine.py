"""The image engine: pixels in, ring geometry and classified defects out.

``locate -> edges, concentric, edge fit (tracing) -> outline beyond a glare band ->
measure -> strip -> anomalies / edge runs (checked against the image) / cuts -> classify``.
Each step is a pure function in its own module; this one only wires them together and
turns their findings into :class:`~inspector.imaging.results.Defect` records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.classify import classify_surface, shape_features
from inspector.imaging.edge_defects import CutRun, EdgeRun, find_cuts, find_edge_runs
from inspector.imaging.edge_evidence import edge_run_is_seen
from inspector.imaging.edge_films import Film, find_films
from inspector.imaging.edges import EdgeProfile, EdgeSide, contrast_signal
from inspector.imaging.locate import RingNotFound, RingReadings, locate_readings
from inspector.imaging.measure import ring_geometry
from inspector.imaging.outline import outline_beyond
from inspector.imaging.polar import angles_for
from inspector.imaging.results import BBox, Defect, DefectType, RingInspection, Where
from inspector.imaging.surface import (
    Anomaly,
    Strip,
    build_strip,
    colour_lightness,
    exposure,
    find_anomalies,
)
from inspector.imaging.tracing import TracedEdges, trace_edges

FloatArray = npt.NDArray[np.float64]
TWO_PI = 2.0 * np.pi

#: Ring and background colours this far apart (Euclidean, 0–1 per channel) are told apart
#: reliably by colour alone.
CLEAR_COLOUR_CONTRAST = 0.15

#: Level (0–1, in the image's own values) the brighter of ring and background reaches in
#: a properly exposed image; a dimmer image (12 bits in a 16-bit file) is judged as if
#: stretched to it.
WELL_EXPOSED_LEVEL = 0.5

#: A "scratch" whose centre line strays from one circle about the ring's centre by less
#: than this share of a straight line's sagitta over the same arc follows the ring…
CONCENTRIC_SHARE = 0.7
#: …where that sagitta is at least this many px (shorter lines cannot tell).
CONCENTRIC_MIN_SAGITTA_PX = 3.0
#: Edges whose section varies around the ring by more than this (standard deviation over
#: median) are traced again along the locator's second reading of the ring, if it has
#: one; a well-traced ring's section varies by about a tenth of it.
UNEVEN_SECTION = 0.01
#: …and the second reading is taken only if its section varies by at least this much less.
SAME_SPREAD = 0.002

#: Version of the engine's behaviour, recorded with every inspection. Bump it whenever
#: a change can alter a verdict or a measurement.
ENGINE_VERSION = "1.14.0"


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
    traced = trace_edges(pixels, readings.first, shape=shape)
    if isinstance(traced, str) or traced.section_spread() > UNEVEN_SECTION:
        second = readings.second()
        if second is not None:
            other = trace_edges(pixels, second, shape=shape)
            if isinstance(traced, str) or (
                not isinstance(other, str)
                and other.section_spread() < traced.section_spread() - SAME_SPREAD
            ):
                traced = other
    if isinstance(traced, str):
        return RingInspection(image_shape=shape, ring=None, problems=(traced,))
    outlined = outline_beyond(pixels, traced, shape=shape)
    if outlined is not None:
        traced = outlined
    return _inspect_traced(traced, shape=shape, quantum=quantum)


def _inspect_traced(
    traced: TracedEdges, *, shape: tuple[int, int], quantum: float
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
    # Films too faint to move the measured edge, beyond the stretches the runs cover.
    films = [
        film
        for profile in (outer, inner)
        for film in find_films(
            linear, local, profile, blur_px=blur, taken=_covered_by(runs, profile)
        )
    ]
    defects = _collect_defects(
        strip,
        outer,
        inner,
        cuts,
        runs,
        films,
        center=center,
        quantum=quantum,
        seen_exposure=seen_exposure,
    )
    defects.sort(key=lambda d: d.angle_deg)
    return RingInspection(
        image_shape=shape, ring=geometry, defects=tuple(defects), problems=tuple(problems)
    )


def _collect_defects(
    strip: Strip,
    outer: EdgeProfile,
    inner: EdgeProfile,
    cuts: list[CutRun],
    runs: list[EdgeRun],
    films: list[Film],
    *,
    center: tuple[float, float],
    quantum: float,
    seen_exposure: float,
) -> list[Defect]:
    """Turn cuts, edge runs, films and surface anomalies into defects, each found once."""
    mid_radius = float(strip.radius.mean())
    cross = float(np.mean(outer.model - inner.model))
    cut_arcs = [_columns_interval(c.start, c.stop, c.n) for c in cuts]
    near_cut = [arc.expanded(cross / max(mid_radius, 1.0)) for arc in cut_arcs]

    runs = [r for r in runs if not any(_run_interval(r).overlaps(arc) for arc in near_cut)]
    films = [f for f in films if not any(_run_interval(f).overlaps(arc) for arc in near_cut)]

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
    for film in films:
        defects.append(_film_defect(film, outer if film.side is EdgeSide.OUTER else inner, center))
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


def _run_interval(run: EdgeRun | Film) -> _Interval:
    return _columns_interval(run.start, run.stop, run.n)


def _covered_by(runs: list[EdgeRun], profile: EdgeProfile) -> npt.NDArray[np.bool_]:
    """The directions of ``profile`` that its edge's runs cover."""
    covered = np.zeros(profile.model.size, bool)
    for run in runs:
        if run.side is profile.side:
            covered[run.indices()] = True
    return covered


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
                opposite_sigmas=max(m.opposite_sigmas for m in members),
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


def _band_outline(
    center: tuple[float, float], theta: FloatArray, first: FloatArray, second: FloatArray
) -> FloatArray:
    """The closed outline ((N, 2) image ``(x, y)``) of the band between two radii along
    directions ``theta``: out along ``first``, back along ``second``."""
    forward = np.stack([center[0] + first * np.cos(theta), center[1] - first * np.sin(theta)], 1)
    back = np.stack(
        [
            center[0] + second[::-1] * np.cos(theta[::-1]),
            center[1] - second[::-1] * np.sin(theta[::-1]),
        ],
        1,
    )
    outline: FloatArray = np.concatenate([forward, back])
    return outline


def _edge_defect(run: EdgeRun, profile: EdgeProfile, center: tuple[float, float]) -> Defect:
    """A flash (material beyond the edge) or non-fill (material missing at it)."""
    idx = run.indices()
    model = profile.model[idx]
    measured = np.where(np.isfinite(profile.measured[idx]), profile.measured[idx], model)
    step = TWO_PI / run.n
    arc = float(np.sum(model) * step)
    area = float(np.sum(np.abs(measured - model) * model) * step)
    outline = _band_outline(center, angles_for(run.n)[idx], measured, model)
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


def _film_defect(film: Film, profile: EdgeProfile, center: tuple[float, float]) -> Defect:
    """A flash too faint to move the measured edge: from the edge out to the film's reach."""
    idx = film.indices()
    base = profile.model[idx]
    away = 1.0 if film.side is EdgeSide.OUTER else -1.0
    tip = base + away * film.reach_px
    outline = _band_outline(center, angles_for(film.n)[idx], base, tip)
    arc = float(np.sum(base)) * TWO_PI / film.n
    where = Where.OUTER_EDGE if film.side is EdgeSide.OUTER else Where.INNER_EDGE
    return _polygon_defect(
        outline,
        defect_type=DefectType.FLASH,
        where=where,
        length=max(arc, film.reach_px),
        width=min(arc, film.reach_px),
        # A film thins out towards its tip: about half the band it spans.
        area=0.5 * arc * film.reach_px,
        center=center,
        score=film.sigmas,
    )


def _cut_defect(
    cut: CutRun, outer: EdgeProfile, inner: EdgeProfile, center: tuple[float, float]
) -> Defect:
    """A gap through the whole cross-section."""
    n = outer.model.size
    first = int(np.floor(cut.start / cut.n * n))
    last = int(np.ceil(cut.stop / cut.n * n))
    idx = np.arange(first, max(last, first + 1)) % n
    out_r = outer.model[idx]
    in_r = inner.model[idx]
    outline = _band_outline(center, angles_for(n)[idx], out_r, in_r)
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
