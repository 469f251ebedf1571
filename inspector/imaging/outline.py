"""A bright band on a ring darker than its field: the ring's outline lies beyond it.

A black ring on a dark field, lit from the front, stands out from the field mostly by the
glare band along its crown. What the locator finds, and the edges first traced, are that
band's shaded flanks. The ring itself goes on past them: its flanks turn away from the
light, pass below the field's level, and end at the rim, where the field begins again
with a sharp step. The rim is the ring's outline.

Seen around the whole ring, outwards from an edge so traced, that is a profile that
sinks below the field's level well clear of the edge and comes back up to it. Outside a
ring whose outline was traced, the field follows at once. Two things can look alike
there and are told apart:

- an overshoot or halo of the edge itself, from lens blur, sharpening or back light, lies
  within a few blur widths of the edge. The darkest level is looked for beyond
  :data:`HALO_BLURS` blur widths of it.
- a cast shadow around a light ring is dark too, but its far edge is soft, and the
  softer the further it reaches out; an outline is as sharp as the image wherever it
  lies. The caller traces the outline and judges its blur against its distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from inspector.imaging.polar import median_last_axis

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


@dataclass(frozen=True)
class FlankBeyond:
    """Where the ring's flank is darkest beyond a traced edge.

    Attributes
    ----------
    offset_px : float
        Distance from the traced edge (px, away from the ring's middle) of the flank's
        darkest level: a course for the outline beyond it.
    depth : float
        How far the flank sinks below the field there (projected units: the band
        traced is 1 above the field).
    pixel_noise : float
        The field's noise, one pixel at a time (same units).
    """

    offset_px: float
    depth: float
    pixel_noise: float


def depth_px(cross_px: float, radius_px: float) -> float:
    """How far beyond an edge (px) the profile is read, for a band ``cross_px`` wide
    whose edge lies ``radius_px`` from the centre."""
    return max(DEPTH_SECTIONS * cross_px, DEPTH_RADIUS_SHARE * radius_px)


def flank_beyond(
    band: npt.NDArray[np.float32], *, blur_px: float, row_px: float = 1.0
) -> FlankBeyond | None:
    """The darkest level of a flank that sinks below the field beyond a traced edge.

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

    Returns
    -------
    FlankBeyond or None
        None when the profile does not sink clearly below the field's level beyond the
        edge's own halo and turn back, or too little of it is in view.
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
    row = first + int(np.argmin(profile[first : n_rows - field_rows]))
    depth = level - float(profile[row])
    # Still falling where the halo ends: the edge's own tail, not a flank that turns.
    if row == first or depth < max(MIN_UNDERSHOOT, UNDERSHOOT_SIGMAS * noise):
        return None
    return FlankBeyond(offset_px=row * row_px, depth=depth, pixel_noise=sigma)
