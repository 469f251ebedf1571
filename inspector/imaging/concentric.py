"""The two edges of a ring run side by side: an edge traced off course is traced again.

Each edge is searched in a band around the coarse outline from :mod:`locate`. Where that
outline is wrong — a white ring on a white field, whose lit side blends into the
background, can leave the coarse inner rim on the wrong side of a glare band — a whole
stretch of an edge is found tens of pixels off, or not at all, and its smooth model
swings with it. A flank shaded into the background can put a stretch of an edge a few
pixels inside. An O-ring's cross-section, though, is constant to a few per cent, and
even a deep bite is local. So where the two edges disagree about the cross-section over a
long stretch, each edge is searched again around the other's course (its model shifted
by the cross-section), and the pair that agrees best is kept. The outer edge can be off
course on one side and the inner on the other: an edge traced again then serves as the
course for its partner, for a second round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.polar import median

FloatArray = npt.NDArray[np.float64]

#: Two edge points disagree when the cross-section between them differs from the ring's
#: by more than this share of it. A free O-ring's section is constant to a few per cent
#: (ovality moves both edges together); an edge found on the shaded flank of a front-lit
#: ring, where the flank fades into the background, is a tenth or more of it inside.
OFF_COURSE_SHARE = 0.1
#: The edges are traced again when this share of directions disagree (or miss an edge).
DISAGREEING_SHARE = 0.1
#: Fewer directions than this share with both edges found: the cross-section is taken
#: from the coarse outline instead.
MIN_PAIRED_SHARE = 0.3


@dataclass(frozen=True)
class Course:
    """Where to search one edge again: around ``radius`` (px, per direction)."""

    side: EdgeSide
    radius: FloatArray


def ring_cross_section(outer: EdgeProfile, inner: EdgeProfile, *, coarse_cross_px: float) -> float:
    """The ring's cross-section (px): the median distance between the two edges found
    together, or the coarse outline's when too few directions have both."""
    paired = np.isfinite(outer.measured) & np.isfinite(inner.measured)
    if paired.mean() >= MIN_PAIRED_SHARE:
        return float(median(outer.measured[paired] - inner.measured[paired]))
    return coarse_cross_px


def disagreement(outer: EdgeProfile, inner: EdgeProfile, cross_px: float) -> float:
    """Share of directions where an edge is missing or the two disagree on the section."""
    section = outer.measured - inner.measured
    off = ~np.isfinite(section) | (
        np.abs(np.nan_to_num(section) - cross_px) > OFF_COURSE_SHARE * cross_px
    )
    return float(off.mean())


def retrace_courses(outer: EdgeProfile, inner: EdgeProfile, cross_px: float) -> list[Course]:
    """Courses to search the edges again along, if they disagree over a long stretch.

    Returns
    -------
    list of Course
        Empty when the edges agree; else the inner edge along the outer model less the
        cross-section, and the outer edge along the inner model plus it (for each edge
        whose partner has a usable model).
    """
    if not np.isfinite(cross_px) or cross_px <= 0.0:
        return []
    if disagreement(outer, inner, cross_px) < DISAGREEING_SHARE:
        return []
    courses = []
    if np.isfinite(outer.measured).mean() >= MIN_PAIRED_SHARE:
        courses.append(Course(EdgeSide.INNER, np.maximum(outer.model - cross_px, 1.0)))
    if np.isfinite(inner.measured).mean() >= MIN_PAIRED_SHARE:
        courses.append(Course(EdgeSide.OUTER, inner.model + cross_px))
    return courses
