"""Find the ring coarsely: its centre and rough edge radii all round.

Works on a reduced copy of the image (long side about 400 px), so the cost does not grow
with the camera's resolution. The result only seeds the sub-pixel edge search in
:mod:`inspector.imaging.edges`; it does not need to be precise, only robust to lighting,
dust, glare and to a ring that is cut through.

The idea: the background is whatever covers the image border. A smooth (quadratic)
surface fitted to the background pixels absorbs vignetting and a lighting gradient; the
ring is what differs from that surface, split off by Otsu's threshold on the colour
distance. The largest such object is the ring; unwrapping it around its centroid gives,
for each direction, the radial run that is the ring's cross-section.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from inspector.imaging.load import to_float
from inspector.imaging.polar import angles_for, fit_radius_profile, median, section_spread

FloatImage = npt.NDArray[np.float32]

#: Long side of the reduced image the search runs on (px).
WORKING_SIZE = 400
#: …and, when nothing ring-shaped is found there, this finer size is tried once.
FINER_WORKING_SIZE = 1000
#: Number of directions the coarse profile is taken in.
COARSE_ANGLES = 360
#: A find is irregular when fewer directions than this share hold both edges…
REGULAR_COVERAGE = 0.95
#: …or when its cross-section varies around the ring by more than this share of its
#: median (standard deviation): a crescent, where only the shaded side of a ring that
#: nearly matches the background stood out. It is then grown down to the background's
#: noise level (see :func:`_regrown`).
REGULAR_SECTION_SPREAD = 0.3
#: What stands out from the background does so by this many of the background's noise
#: sigmas (and at least MIN_DISTANCE): the floor under Otsu's threshold, and the level an
#: irregular find is grown down to.
NOISE_SIGMAS = 4.0
#: Least colour distance (0–1) that counts as standing out from the background.
MIN_DISTANCE = 0.02
#: An irregular find is grown down to these multiples of that floor, the lowest first
#: that does not run into the image border (the background itself), below Otsu's level.
GROW_LEVELS = (1.0, 1.5, 2.0, 3.0, 4.0)
#: Two finds whose centres and median edge radii agree to within this many reduced
#: pixels (about the coarse outline's own precision) are one reading of the ring.
SAME_FIND_PX = 1.0
#: Objects whose centres lie within this share of their mean size of each other are read
#: as parts of one ring (its rims, split by a band that looks like background).
CONCENTRIC_SHARE = 0.05
#: At most this many of the largest objects are tried as a ring's parts.
MAX_RING_PARTS = 8


class RingNotFound(Exception):
    """No ring could be found in the image; ``str()`` says why, for a person."""


class NothingStandsOut(RingNotFound):
    """Nothing of any size differs from the background in the reduced copy."""


@dataclass(frozen=True)
class CoarseRing:
    """A rough ring location in full-image pixels.

    Attributes
    ----------
    center : tuple of float
        ``(x, y)`` centre estimate, image pixels.
    outer_radius, inner_radius : (COARSE_ANGLES,) ndarray of float64
        Smoothed radii of the outer and inner edges (px) at angles
        ``2π k / COARSE_ANGLES``, counter-clockwise on screen from +x.
    ring_color, background_color : (C,) ndarray of float64
        Typical colour (float, channel order of the input) of ring and background.
    touches_border : bool
        True when the ring runs into the image border (it cannot be seen whole).
    """

    center: tuple[float, float]
    outer_radius: npt.NDArray[np.float64]
    inner_radius: npt.NDArray[np.float64]
    ring_color: npt.NDArray[np.float64]
    background_color: npt.NDArray[np.float64]
    touches_border: bool


@dataclass(frozen=True)
class RingReadings:
    """The ring as located, and a second reading of it where the image leaves room.

    Attributes
    ----------
    first : CoarseRing
        What stands out clearly from the background (Otsu's split), or, where that is
        only part of a ring (see :meth:`_Find.irregular`), the same find grown down to
        the background's noise (:func:`_regrown`) if that is more even. Where what
        stands out clearly is not ring-shaped at all (arcs of glare on a ring whose body
        is close to the field), the grown find, if that is a ring.
    """

    first: CoarseRing
    _second: Callable[[], CoarseRing | None]

    def second(self) -> CoarseRing | None:
        """The clear split grown down to the background's noise, where it differs from
        the first reading; else None. Computed on demand (a few ms).

        A ring whose lit side nearly matches a light field can stand out all round only
        by its shaded band: a thin but regular find, off the true ring. Which reading is
        the ring is judged from the edges measured along each (see
        :mod:`inspector.imaging.engine`).
        """
        return self._second()


def locate_readings(pixels: npt.NDArray[Any]) -> RingReadings:
    """Find the ring in an image (see :class:`RingReadings`).

    Parameters
    ----------
    pixels : (H, W) or (H, W, C) ndarray of uint8, uint16 or float32 in [0, 1]
        The whole image; not modified.

    Raises
    ------
    RingNotFound
        When nothing ring-shaped stands out from the background.
    """
    try:
        return _locate_at(pixels, WORKING_SIZE)
    except NothingStandsOut as coarse_failure:
        # A thin ring in a large image is a line a pixel or two wide in the reduced copy,
        # and faint if its colour is close to the background's: look once more at a finer
        # scale before giving up (with the first look's reason). Something found but not
        # ring-shaped (a glare band's fragments) is not looked at again: a finer look
        # would only find the same thing in more detail.
        if max(pixels.shape[:2]) <= WORKING_SIZE:
            raise
        try:
            return _locate_at(pixels, FINER_WORKING_SIZE)
        except RingNotFound:
            raise coarse_failure from None


def _locate_at(pixels: npt.NDArray[Any], working_size: int) -> RingReadings:
    """:func:`locate_readings` on a copy reduced to ``working_size`` px on its longer
    side."""
    height, width = pixels.shape[:2]
    factor = min(1.0, working_size / max(height, width))
    reduced = _reduce(pixels, factor) if factor < 1.0 else pixels.copy()
    small = to_float(np.asarray(reduced))
    if small.ndim == 2:
        small = small[:, :, np.newaxis]
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), 1.0), dtype=np.float32)
    if small.ndim == 2:  # GaussianBlur drops a singleton channel axis
        small = small[:, :, np.newaxis]

    small = np.asarray(small, dtype=np.float32)
    segmentation = _segment(small)
    ring_mask = _largest_object(segmentation.foreground)
    if ring_mask is None:
        raise NothingStandsOut("no ring found in view: nothing stands out from the background")
    found = _trace(ring_mask)
    if found is not None and _touches_border(found):
        # Perhaps the ring and a patch of uneven light that runs into the border.
        apart = _concentric_parts(segmentation.foreground)
        if apart is not None:
            ring_mask, found = apart
    # Grown once at most: for an irregular find at once, else only if the engine asks.
    grow = functools.cache(lambda: _regrown(segmentation, ring_mask))
    if found is None:
        # What stands out clearly can be only the glare on a ring whose body differs
        # from the field by little more than the noise: two arcs, not a ring.
        regrown = grow()
        if regrown is None:
            raise RingNotFound("no ring found in view: the largest object is not ring-shaped")
        grown_mask, grown = regrown
        return RingReadings(_coarse_ring(small, grown_mask, grown, factor), lambda: None)
    problem = found.problem()
    if problem is not None:
        raise RingNotFound(problem)
    if found.irregular():
        regrown = grow()
        if regrown is not None and regrown[1].more_regular_than(found):
            grown_mask, grown = regrown
            return RingReadings(_coarse_ring(small, grown_mask, grown, factor), lambda: None)

    def second() -> CoarseRing | None:
        regrown = grow()
        if regrown is None or _same_find(regrown[1], found):
            return None
        return _coarse_ring(small, regrown[0], regrown[1], factor)

    return RingReadings(_coarse_ring(small, segmentation.foreground, found, factor), second)


def _touches_border(found: _Find) -> bool:
    """Whether a find's outer edge runs into the border of the reduced image."""
    small_h, small_w = found.mask.shape
    angles = np.linspace(0, 2 * np.pi, found.outer_fit.size, endpoint=False)
    xs = found.center[0] + found.outer_fit * np.cos(angles)
    ys = found.center[1] - found.outer_fit * np.sin(angles)
    return bool(
        xs.min() < 1.0 or ys.min() < 1.0 or xs.max() > small_w - 2.0 or ys.max() > small_h - 2.0
    )


def _concentric_parts(
    foreground: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.bool_], _Find] | None:
    """A ring made of objects that share a centre, clear of the border; None if there is
    none.

    What stands out from a light field can be the ring's two faint rims and, larger than
    either, a patch of uneven light that the background model missed. Together they are
    no ring (and the patch may run into the border); the rims alone are. Each of the
    largest objects is taken with those centred where it is (a ring's rims and the
    pieces of a broken rim share the ring's centre; a patch of light does not), and the
    largest such group that traces as a ring clear of the border is kept. Its rims can
    be broken (an irregular find): it is then grown like any other.
    """
    mask = np.asarray(cv2.morphologyEx(foreground.astype(np.uint8), cv2.MORPH_OPEN, _OPENING))
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    order = np.argsort(areas)[::-1][:MAX_RING_PARTS]
    # Large objects only, as for the ring's foreground (see _largest_object).
    order = order[areas[order] >= 0.1 * areas[order[0]]]
    sizes = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]).astype(float)
    best: tuple[int, npt.NDArray[np.bool_], _Find] | None = None
    for index in order:
        distance = np.hypot(*(centroids[1:][order] - centroids[1 + index]).T)
        tolerance = CONCENTRIC_SHARE * 0.5 * (sizes[order] + sizes[index])
        members = order[distance <= tolerance]
        area = int(areas[members].sum())
        if best is not None and area <= best[0]:
            continue
        keep = np.zeros(count, bool)
        keep[members + 1] = True
        parts = keep[labels]
        found = _trace(parts)
        if found is None or found.problem() is not None or _touches_border(found):
            continue
        best = (area, parts, found)
    return None if best is None else (best[1], best[2])


def _coarse_ring(
    small: FloatImage, foreground: npt.NDArray[np.bool_], found: _Find, factor: float
) -> CoarseRing:
    """A find in the reduced image as a :class:`CoarseRing` in full-image pixels."""
    center, outer_fit, inner_fit = found.center, found.outer_fit, found.inner_fit
    ring_color, background_color = _typical_colors(small, found.mask, foreground)
    touches = _touches_border(found)

    # Back to full-image pixels. A pixel centre maps as (p + 0.5) / factor - 0.5.
    scale = 1.0 / factor
    full_center = ((center[0] + 0.5) * scale - 0.5, (center[1] + 0.5) * scale - 0.5)
    return CoarseRing(
        center=full_center,
        outer_radius=outer_fit * scale,
        inner_radius=inner_fit * scale,
        ring_color=ring_color,
        background_color=background_color,
        touches_border=touches,
    )


@dataclass(frozen=True)
class _Find:
    """A candidate ring in the reduced image: its mask, centre and edge radii."""

    mask: npt.NDArray[np.bool_]
    center: tuple[float, float]
    coverage: float
    outer_fit: npt.NDArray[np.float64]
    inner_fit: npt.NDArray[np.float64]

    def problem(self) -> str | None:
        """Why this is no ring, for a person; None when it may be one."""
        if median(self.outer_fit - self.inner_fit) < 1.5 or median(self.inner_fit) < 1.0:
            return "no ring found in view: the object found has no central hole"
        # A ring's hole is a large part of its extent; a blob (a pellet, a smudge) is not.
        if median(self.inner_fit) < 0.15 * median(self.outer_fit):
            return "no ring found in view: the object found has no central hole"
        return None

    def section_spread(self) -> float:
        """Standard deviation of the cross-section around the ring over its median."""
        return section_spread(self.outer_fit, self.inner_fit)

    def irregular(self) -> bool:
        """Whether the find looks like part of a ring (see REGULAR_SECTION_SPREAD)."""
        return self.coverage < REGULAR_COVERAGE or self.section_spread() > REGULAR_SECTION_SPREAD

    def more_regular_than(self, other: _Find) -> bool:
        """Whether this find's cross-section is more even than ``other``'s, holding both
        edges in (nearly) as many directions."""
        return (
            self.section_spread() < other.section_spread()
            and self.coverage >= other.coverage - 0.02
        )


def _same_find(first: _Find, second: _Find) -> bool:
    """Whether two finds are one reading of the ring (see SAME_FIND_PX)."""
    differences = (
        first.center[0] - second.center[0],
        first.center[1] - second.center[1],
        median(first.outer_fit) - median(second.outer_fit),
        median(first.inner_fit) - median(second.inner_fit),
    )
    return max(abs(float(d)) for d in differences) < SAME_FIND_PX


def _trace(ring_mask: npt.NDArray[np.bool_]) -> _Find | None:
    """Centre and edge radii of a ring mask; None when fewer than half the directions
    from its centre meet both of its edges (not ring-shaped)."""
    center = _centroid(ring_mask)
    outer, inner = _radial_extent(ring_mask, center)
    # Re-centre on the fitted outer edge: the centroid of a cut ring is off-centre.
    for _ in range(2):
        center = _refit_center(outer, center)
        outer, inner = _radial_extent(ring_mask, center)
    coverage = float((np.isfinite(outer) & np.isfinite(inner)).mean())
    if coverage < 0.5:
        return None
    return _Find(
        mask=ring_mask,
        center=center,
        coverage=coverage,
        outer_fit=fit_radius_profile(outer, order=4),
        inner_fit=fit_radius_profile(inner, order=4),
    )


def _regrown(
    segmentation: _Segmentation, first: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], _Find] | None:
    """The first find's mask grown over everything joined to it that stands out from
    the background's noise (hysteresis from Otsu's threshold down to ``low``).

    A white ring on a light field lit from one side differs from the background mostly
    on its shaded side; Otsu's split keeps only that crescent, whose centre and radii are
    far off. The lit side still differs by more than the noise. Grown to the noise floor
    the find can run into the image border along faint background (shading, a fibre); the
    lowest of :data:`GROW_LEVELS` that does not is taken, or, when every level does, the
    lowest that does not once threads a pixel or two wide are opened away. None when
    every level still does, or the grown find is no ring.
    """
    levels = [
        float(level)
        for level in segmentation.low * np.array(GROW_LEVELS)
        if level < segmentation.threshold
    ]
    grown = _grown_clear_of_border(segmentation, first, levels, opened=False)
    if grown is None:
        # A fibre or a streak of shading can join the ring to the border at every level
        # by a thread a pixel or two wide; opened, the thread breaks and the ring stays.
        grown = _grown_clear_of_border(segmentation, first, levels, opened=True)
    if grown is None:
        return None
    ring_mask = _largest_object(grown)
    if ring_mask is None:
        return None
    found = _trace(ring_mask)
    if found is None or found.problem() is not None:
        return None
    return grown, found


def _grown_clear_of_border(
    segmentation: _Segmentation,
    first: npt.NDArray[np.bool_],
    levels: list[float],
    *,
    opened: bool,
) -> npt.NDArray[np.bool_] | None:
    """``first`` grown over what stands out above the lowest of ``levels`` that keeps it
    clear of the image border (the stand-out mask opened first, if ``opened``); None
    when every level runs into the border."""
    for level in levels:
        weak = (segmentation.distance > level).astype(np.uint8)
        if opened:
            weak = np.asarray(cv2.morphologyEx(weak, cv2.MORPH_OPEN, _OPENING), dtype=np.uint8)
            weak |= first.astype(np.uint8)
        grown = _joined_to(weak, first)
        if not (grown & segmentation.frame).any():
            return grown
    return None


#: What a thread joining the grown find to the border is opened with (reduced px).
_OPENING = np.ones((3, 3), np.uint8)


def _joined_to(mask: npt.NDArray[np.uint8], first: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The 8-connected parts of ``mask`` that hold a pixel of ``first``."""
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    joined = np.zeros(count, bool)
    joined[np.unique(labels[first])] = True
    joined[0] = False
    result: npt.NDArray[np.bool_] = joined[labels]
    return result


def _reduce(pixels: npt.NDArray[Any], factor: float) -> npt.NDArray[Any]:
    """``pixels`` reduced by ``factor`` (< 1) by area averaging, as OpenCV's INTER_AREA does.

    OpenCV averages the 4×4 blocks of an 8-bit image (a 1600×1200 one reduced to 400 px)
    one value at a time, about 2 ms for a colour image; its 2×2 average of 16-bit values
    is vectorised. Scaled by 16 first, both 2×2 halvings are exact (a sum of four
    multiples of 16, then of 4, divided by 4), leaving each block's sum; divided by 16
    and rounded to nearest (ties to even) it is the 4×4 average, to the bit.
    """
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if not (
        factor == 0.25
        and pixels.dtype == np.uint8
        and height % 4 == 0
        and width % 4 == 0
        and channels <= 4
    ):
        return np.asarray(
            cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        )
    sums = np.empty((height // 4, width // 4, *pixels.shape[2:]), np.uint16)
    # Band by band (whole blocks each): a 16-bit copy of the whole image is a fresh
    # allocation of 11 MB whose first touch costs more than the halvings save.
    band = max(4, _REDUCE_BAND_BYTES // (2 * width * channels) // 4 * 4)
    for top in range(0, height, band):
        wide = pixels[top : top + band].astype(np.uint16)
        wide <<= 4
        half = cv2.resize(wide, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        sums[top // 4 : (top + band) // 4] = cv2.resize(
            half, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA
        ).reshape(sums[top // 4 : (top + band) // 4].shape)
    return np.asarray(cv2.convertScaleAbs(sums, alpha=1.0 / 16.0))


#: Size of the 16-bit bands :func:`_reduce` works through (bytes).
_REDUCE_BAND_BYTES = 2 << 20


@dataclass(frozen=True)
class _Segmentation:
    """The reduced image split into foreground and a smoothly varying background.

    Attributes
    ----------
    foreground : (h, w) ndarray of bool
        Where the colour distance from the background exceeds Otsu's threshold (and at
        least the noise floor ``low``).
    distance : (h, w) ndarray of float32
        Colour distance from the fitted background surface.
    low : float
        The least distance that stands out from the background's own noise.
    frame : (h, w) ndarray of bool
        The image border the background is first taken from.
    """

    foreground: npt.NDArray[np.bool_]
    distance: npt.NDArray[np.float32]
    low: float
    threshold: float
    frame: npt.NDArray[np.bool_]


def _segment(
    small: FloatImage,
) -> _Segmentation:
    """Split foreground from a smoothly varying background."""
    height, width = small.shape[:2]
    border = max(2, int(0.03 * min(height, width)))
    frame = np.ones((height, width), bool)
    frame[border:-border, border:-border] = False
    # Work on contiguous channel planes: numpy is slow at broadcasting and reducing over a
    # trailing axis of length 3 (about 2 ms a pass here), and plane by plane is fast.
    planes = [np.ascontiguousarray(small[:, :, k]) for k in range(small.shape[2])]

    background_mask = frame
    foreground = np.zeros((height, width), bool)
    distance = np.zeros((height, width), np.float32)
    low = threshold = MIN_DISTANCE
    for _ in range(2):
        model = _fit_background_surface(small, background_mask)
        distance = _colour_distance(planes, model)
        threshold = _otsu_threshold(distance)
        # Gather only the sparse subset _robust_sigma takes (every size // 5000-th), not
        # every background value: the same values, so the same sigma.
        background_index = np.flatnonzero(background_mask)
        background_index = background_index[:: max(1, background_index.size // 5000)]
        noise = _robust_sigma(distance.ravel()[background_index])
        # Otsu splits any image in two; demand that the split stands well above the
        # background's own variation so an empty field of view finds nothing.
        low = max(NOISE_SIGMAS * noise, MIN_DISTANCE)
        threshold = max(threshold, low)
        foreground = distance > threshold
        background_mask = ~cv2.dilate(
            foreground.astype(np.uint8), np.ones((5, 5), np.uint8)
        ).astype(bool)
        if background_mask.sum() < 0.05 * height * width:
            break
    return _Segmentation(
        foreground=foreground, distance=distance, low=low, threshold=threshold, frame=frame
    )


def _colour_distance(planes: list[FloatImage], model: list[FloatImage]) -> npt.NDArray[np.float32]:
    """Euclidean distance (float32) between image and model, given as channel planes.

    The squares are summed channel after channel, the order a sum over the colour axis
    takes, so the result is the same to the bit.
    """
    # Every difference squared in place, each further channel's in one scratch plane (no
    # new plane per channel and operation): the same operations in the same order.
    total = np.subtract(planes[0], model[0])
    np.square(total, out=total)
    scratch = np.empty_like(total)
    for plane, surface in zip(planes[1:], model[1:], strict=True):
        np.subtract(plane, surface, out=scratch)
        total += np.square(scratch, out=scratch)
    result: npt.NDArray[np.float32] = np.sqrt(total, out=total)
    return result


def _fit_background_surface(image: FloatImage, mask: npt.NDArray[np.bool_]) -> list[FloatImage]:
    """Least-squares quadratic surface per channel through the masked pixels.

    Parameters
    ----------
    image : (H, W, C) ndarray of float32
    mask : (H, W) ndarray of bool
        The pixels taken to be background.

    Returns
    -------
    list of C (H, W) ndarrays of float32
        The surface, one plane per channel.
    """
    height, width, channels = image.shape
    flat = np.flatnonzero(mask)
    if flat.size > 4000:  # a sparse, even subset is plenty for six coefficients
        step = flat.size // 4000 + 1
        flat = flat[::step]
    # Split into rows and columns only the subset taken, and read its values by flat index.
    rows, cols = np.divmod(flat, width)
    if rows.size < 12:
        levels = median(image.reshape(-1, channels), axis=0).astype(np.float32)
        return [np.full((height, width), level, np.float32) for level in levels]
    u = cols / width - 0.5
    v = rows / height - 0.5
    design = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=1)
    values = image.reshape(-1, channels)[flat].astype(np.float64)
    coefficients = _solve(design, values)
    # One pass of outlier rejection: dust and a ring edge caught in the frame.
    residual = np.sqrt(np.sum((design @ coefficients - values) ** 2, axis=1))
    keep = residual <= max(3.0 * _robust_sigma(residual), 1e-3)
    if keep.sum() >= 12:
        coefficients = _solve(design[keep], values[keep])
    # Evaluate the quadratic separably in float32: a row term, a column term and the
    # cross term, each plane with the same operations in the same order.
    c = coefficients.astype(np.float32)
    u_row = np.arange(width, dtype=np.float32) / width - 0.5  # (W,)
    v_col = (np.arange(height, dtype=np.float32) / height - 0.5)[:, np.newaxis]  # (H, 1)
    cross = v_col * u_row[np.newaxis, :]  # (H, W)
    surfaces = []
    for k in range(channels):
        row_term = c[0, k] + v_col * c[2, k] + (v_col * v_col) * c[5, k]  # (H, 1)
        col_term = u_row * c[1, k] + (u_row * u_row) * c[3, k]  # (W,)
        surface = row_term + col_term[np.newaxis, :]
        surface += cross * c[4, k]
        surfaces.append(np.asarray(surface, dtype=np.float32))
    return surfaces


def _solve(
    design: npt.NDArray[np.float64], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Least squares through the normal equations (six well-scaled unknowns)."""
    gram = design.T @ design + 1e-9 * np.eye(design.shape[1])
    return np.asarray(np.linalg.solve(gram, design.T @ values), dtype=np.float64)


def _otsu_threshold(values: FloatImage) -> float:
    """Otsu's threshold of a float array, on a 256-bin histogram of its range."""
    sample = values.ravel()[:: max(1, values.size // 20000)]
    top = float(np.percentile(sample, 99.9))
    if top <= 0:
        return 0.0
    scaled = np.clip(values / top * 255.0, 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(level) / 255.0 * top


def _robust_sigma(values: npt.NDArray[np.floating]) -> float:
    """Standard deviation estimated from the median absolute deviation."""
    if values.size == 0:
        return 0.0
    values = values.ravel()[:: max(1, values.size // 5000)]
    middle = median(values)
    return float(1.4826 * median(np.abs(values - middle)))


def _largest_object(foreground: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_] | None:
    """The ring's foreground: the largest object and any other large one.

    A glare band along a dark ring can look like background and split the ring into
    two concentric rims; both belong to the ring, so every object of at least a tenth
    of the largest one's area is kept. Specks and fibres are removed first.
    """
    mask = foreground.astype(np.uint8)
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
    # The labels alone and their areas by counting: OpenCV's statistics cost several times
    # the labelling itself. The same labels, so the same areas.
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    if count <= 1:
        return None
    areas = np.bincount(labels.ravel(), minlength=count)[1:]
    largest = int(areas.max())
    if largest < 0.002 * mask.size or largest < 30:
        return None
    keep = np.zeros(count, bool)
    keep[1:] = areas >= 0.1 * largest
    result: npt.NDArray[np.bool_] = keep[labels]
    return result


def _centroid(mask: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Centroid ``(x, y)`` of a mask."""
    rows, cols = _nonzero(mask)
    return float(cols.mean()), float(rows.mean())


def _nonzero(
    mask: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows and columns of a 2-D mask's true pixels, as :func:`numpy.nonzero` gives them.

    Split from flat indices: numpy's 2-D nonzero is several times slower than its 1-D one.
    """
    rows, cols = np.divmod(np.flatnonzero(mask), mask.shape[1])
    return rows, cols


def _radial_extent(
    mask: npt.NDArray[np.bool_], center: tuple[float, float]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Outer and inner radius of the ring's cross-section in each direction.

    In each direction the outermost and innermost foreground along the ray bound the
    ring's cross-section; NaN where the ray meets no foreground (a cut).
    """
    height, width = mask.shape
    max_radius = float(
        np.hypot(max(center[0], width - center[0]), max(center[1], height - center[1]))
    )
    n_radii = int(np.ceil(max_radius)) + 1
    # Past the mask's farthest pixel every ray reads background: a sample at radius r
    # reads a pixel within √2 of its point, so none beyond reach + √2 can meet the mask.
    # The rays are cut past reach + 2 (the same samples up to there, so the same first
    # and last hit).
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size:
        reach = float(
            np.hypot(
                max(abs(cols[0] - center[0]), abs(cols[-1] - center[0])),
                max(abs(rows[0] - center[1]), abs(rows[-1] - center[1])),
            )
        )
        n_radii = min(n_radii, int(reach) + 4)
    # The mask sampled as it is stored (bytes), with nothing read outside the image: the
    # same nearest samples as a float copy with NaN outside, without the float copy.
    # The maps hold the values polar_sample's radius grid gives them (radius times cos),
    # one ray a row, so the searches along the rays below run over contiguous memory.
    steps_x, steps_y = _ray_steps(n_radii)
    map_x = np.empty((COARSE_ANGLES, n_radii), np.float32)
    map_y = np.empty((COARSE_ANGLES, n_radii), np.float32)
    np.add(center[0], steps_x[:, :n_radii], out=map_x)
    np.subtract(center[1], steps_y[:, :n_radii], out=map_y)
    strip = cv2.remap(
        mask.view(np.uint8),
        map_x,
        map_y,
        cv2.INTER_NEAREST,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    inside = np.asarray(strip).view(np.bool_)  # (n_angles, n_radii)
    outer = np.full(COARSE_ANGLES, np.nan)
    inner = np.full(COARSE_ANGLES, np.nan)
    # Outermost and innermost foreground along each ray: a glare band may split the
    # cross-section into two rims, and the ring spans both.
    has = inside.any(axis=1)
    first = np.argmax(inside, axis=1)
    last = n_radii - 1 - np.argmax(inside[:, ::-1], axis=1)
    inner[has] = first[has]
    outer[has] = last[has] + 1.0
    return outer, inner


@functools.lru_cache(maxsize=8)
def _ray_table(size: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``r cos θ`` and ``r sin θ`` for radii ``0 … size - 1`` (columns) of the
    :data:`COARSE_ANGLES` directions (rows); read-only."""
    theta = angles_for(COARSE_ANGLES)
    radii = np.arange(size, dtype=np.float64)[np.newaxis, :]
    steps_x = np.cos(theta)[:, np.newaxis] * radii
    steps_y = np.sin(theta)[:, np.newaxis] * radii
    steps_x.setflags(write=False)
    steps_y.setflags(write=False)
    return steps_x, steps_y


def _ray_steps(n_radii: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`_ray_table` for at least ``n_radii`` radii: the same products for every
    centre, so the rays of the three extents of an image (and of the next image) share
    one table, sized in steps of 256 radii."""
    return _ray_table(-(-n_radii // 256) * 256)


def _refit_center(
    outer: npt.NDArray[np.float64], center: tuple[float, float]
) -> tuple[float, float]:
    """Centre of an ellipse fitted to the outer edge points (robust to a cut)."""
    angles = np.linspace(0, 2 * np.pi, COARSE_ANGLES, endpoint=False)
    valid = np.isfinite(outer)
    if valid.sum() < 10:
        return center
    radius = outer[valid]
    # Drop directions whose run ends far from the typical radius (a cut, a fibre).
    middle = median(radius)
    keep = np.abs(radius - middle) <= max(3.0 * _robust_sigma(radius), 0.1 * middle)
    xs = center[0] + radius[keep] * np.cos(angles[valid][keep])
    ys = center[1] - radius[keep] * np.sin(angles[valid][keep])
    if xs.size < 10:
        return center
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    (cx, cy), _, _ = cv2.fitEllipse(points)
    return float(cx), float(cy)


def _typical_colors(
    small: FloatImage, ring_mask: npt.NDArray[np.bool_], foreground: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Median colour of the ring body and of the background near it."""
    kernel = np.ones((3, 3), np.uint8)
    body = cv2.erode(ring_mask.astype(np.uint8), kernel).astype(bool)
    if body.sum() < 10:
        body = ring_mask
    near = cv2.dilate(ring_mask.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    background = near & ~cv2.dilate(foreground.astype(np.uint8), kernel).astype(bool)
    if background.sum() < 10:
        background = ~foreground
    # Channel by channel on contiguous planes: gathering (N, C) rows and taking the median
    # down their columns sorts a strided copy; the medians are the same values.
    ring_color = _plane_medians(small, body)
    background_color = _plane_medians(small, background)
    return ring_color, background_color


def _plane_medians(image: FloatImage, mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Median of each channel of ``image`` (H, W, C) over the pixels of ``mask``."""
    return np.array([median(image[:, :, k][mask]) for k in range(image.shape[2])], dtype=np.float64)
