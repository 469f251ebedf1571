"""Ring dimensions from the smooth edge models: diameters, cross-section, ovality.

A free O-ring is not round, so the mean diameter is taken from the edge's length
(perimeter / π, the usual optical practice of ISO 3601-1) rather than from a circle fit;
min and max are caliper (Feret) diameters over all directions.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from inspector.imaging.edges import EdgeProfile
from inspector.imaging.polar import radius_grid_to_xy
from inspector.imaging.results import RingGeometry

FloatArray = npt.NDArray[np.float64]

#: Caliper directions used for min / max diameters (every 1°; a smooth, nearly round
#: contour's width changes by far less than a pixel between neighbouring directions).
_CALIPER_DIRECTIONS = np.deg2rad(np.arange(0.0, 180.0, 1.0))


def edge_points(center: tuple[float, float], radius: FloatArray) -> FloatArray:
    """Image ``(x, y)`` points of a closed radius profile.

    Returns
    -------
    (N, 2) ndarray of float64
    """
    x, y = radius_grid_to_xy(center, radius[np.newaxis, :])
    return np.stack([x[0], y[0]], axis=1)


def perimeter(points: FloatArray) -> float:
    """Length of the closed polygon through ``points`` ((N, 2), px)."""
    closed = np.vstack([points, points[:1]])
    return float(np.sum(np.hypot(np.diff(closed[:, 0]), np.diff(closed[:, 1]))))


def caliper_diameters(points: FloatArray) -> tuple[float, float]:
    """Smallest and largest caliper (Feret) width of a point set (px).

    A smooth closed contour is thinned to about 720 points first: between neighbours a
    few pixels apart a convex curve strays from its chord by far less than 0.01 px.
    """
    points = points[:: max(1, len(points) // 720)]
    directions = np.stack([np.cos(_CALIPER_DIRECTIONS), np.sin(_CALIPER_DIRECTIONS)], axis=1)
    projections = points @ directions.T
    widths = projections.max(axis=0) - projections.min(axis=0)
    return float(widths.min()), float(widths.max())


def ring_geometry(
    center: tuple[float, float],
    outer: EdgeProfile,
    inner: EdgeProfile,
    *,
    broken: bool,
) -> RingGeometry:
    """Dimensions of a ring from its two edge models.

    Parameters
    ----------
    center : tuple of float
        ``(x, y)`` the edge profiles radiate from (px).
    outer, inner : EdgeProfile
        Measured in the same directions.
    broken : bool
        Whether a cut was found.
    """
    outer_points = edge_points(center, outer.model)
    inner_points = edge_points(center, inner.model)
    outer_min, outer_max = caliper_diameters(outer_points)
    inner_min, inner_max = caliper_diameters(inner_points)
    outer_diameter = perimeter(outer_points) / np.pi
    inner_diameter = perimeter(inner_points) / np.pi
    cross = outer.model - inner.model
    # The centre of the fitted outer edge: mean of a densely, evenly sampled contour.
    fitted_center = (float(outer_points[:, 0].mean()), float(outer_points[:, 1].mean()))
    return RingGeometry(
        center_px=fitted_center,
        outer_diameter_px=outer_diameter,
        inner_diameter_px=inner_diameter,
        outer_min_px=outer_min,
        outer_max_px=outer_max,
        inner_min_px=inner_min,
        inner_max_px=inner_max,
        cross_section_px=float(cross.mean()),
        cross_section_min_px=float(cross.min()),
        cross_section_max_px=float(cross.max()),
        ovality_pct=float(100.0 * (outer_max - outer_min) / outer_diameter),
        outer_edge_px=outer_points,
        inner_edge_px=inner_points,
        broken=broken,
    )
