"""What the image engine finds in one ring image, in image pixels.

These are plain frozen dataclasses: the engine fills them, :mod:`inspector.judge` turns
them into a verdict under a recipe, and JSON is made only at the edges (CLI, export).

Coordinates follow the image: ``x`` is the column and ``y`` the row, in the input image's
own pixels, origin at the top-left pixel's centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class DefectType(StrEnum):
    """The defect vocabulary shared by the engine, the records and the certificates."""

    SCRATCH = "scratch"
    CRACK = "crack"
    CUT = "cut"
    BLISTER = "blister"
    INCLUSION = "inclusion"
    FLASH = "flash"
    NON_FILL = "non_fill"
    STAIN = "stain"


class Where(StrEnum):
    """Where on the ring a defect sits."""

    SURFACE = "surface"
    OUTER_EDGE = "outer_edge"
    INNER_EDGE = "inner_edge"


@dataclass(frozen=True)
class BBox:
    """Axis-aligned box in image pixels: ``x`` column, ``y`` row of the top-left corner."""

    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        """Return ``[x, y, w, h]`` as the JSON contract writes it."""
        return [self.x, self.y, self.w, self.h]


@dataclass(frozen=True)
class Defect:
    """One defect found by the engine, measured in image pixels.

    Attributes
    ----------
    type : DefectType
        The class the engine gave it.
    where : Where
        Surface, or the outer / inner edge it belongs to.
    bbox : BBox
        Bounding box in image pixels.
    length_px : float
        Largest dimension (px): the longest extent of the defect, along its main axis.
    width_px : float
        Extent across the main axis (px). For edge defects, the radial depth or height.
    area_px : float
        Area (px²).
    angle_deg : float
        Position around the ring centre, degrees counter-clockwise from the +x axis as seen
        on screen (image ``y`` grows downwards, so this is ``atan2(-dy, dx)``).
    outline_px : (N, 2) ndarray of float64
        Closed polygon around the defect, ``(x, y)`` image pixels, for overlays.
    score : float
        How strongly it stands out (robust z-score or edge deviation in noise units).
    """

    type: DefectType
    where: Where
    bbox: BBox
    length_px: float
    width_px: float
    area_px: float
    angle_deg: float
    outline_px: FloatArray = field(compare=False, repr=False)
    score: float = 0.0


@dataclass(frozen=True)
class RingGeometry:
    """The ring's edges and dimensions in image pixels.

    Diameters are edge-length based (contour length / π), which is the usual optical
    practice for a free O-ring that is not perfectly round (ISO 3601-1).

    Attributes
    ----------
    center_px : tuple of float
        ``(x, y)`` of the ring centre.
    outer_diameter_px, inner_diameter_px : float
        Mean diameters: edge length / π.
    outer_min_px, outer_max_px, inner_min_px, inner_max_px : float
        Smallest and largest caliper (Feret) diameter of each edge.
    cross_section_px, cross_section_min_px, cross_section_max_px : float
        Radial width of the ring, mean / min / max around the ring.
    ovality_pct : float
        ``100 * (outer_max - outer_min) / outer_diameter``.
    outer_edge_px, inner_edge_px : (N, 2) ndarray of float64
        Sub-pixel edge points ``(x, y)`` all round, in angular order.
    broken : bool
        True when the ring is cut through (a gap across the whole cross-section).
    """

    center_px: tuple[float, float]
    outer_diameter_px: float
    inner_diameter_px: float
    outer_min_px: float
    outer_max_px: float
    inner_min_px: float
    inner_max_px: float
    cross_section_px: float
    cross_section_min_px: float
    cross_section_max_px: float
    ovality_pct: float
    outer_edge_px: FloatArray = field(compare=False, repr=False)
    inner_edge_px: FloatArray = field(compare=False, repr=False)
    broken: bool = False


@dataclass(frozen=True)
class RingInspection:
    """Everything the engine found in one image, before any recipe is applied.

    Attributes
    ----------
    image_shape : tuple of int
        ``(height, width)`` of the input image.
    ring : RingGeometry or None
        None when no ring was found; then ``problems`` says why.
    defects : tuple of Defect
        Every defect found, in angular order.
    problems : tuple of str
        Human-readable reasons the image cannot pass on its own (no ring in view,
        ring cut off by the image border...). Empty for a normal inspection.
    """

    image_shape: tuple[int, int]
    ring: RingGeometry | None
    defects: tuple[Defect, ...] = ()
    problems: tuple[str, ...] = ()
