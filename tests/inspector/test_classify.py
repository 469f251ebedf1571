"""Surface-defect typing: the rules on given measurements, and the measurements they read."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inspector.imaging.classify import SHADED_SIDE_SIGMAS, ShapeFeatures, classify_surface
from inspector.imaging.results import DefectType
from inspector.imaging.surface import _opposite_beside

#: A small, sharp, compact dark particle: an inclusion by every rule.
PARTICLE = ShapeFeatures(
    length_px=8.0,
    width_px=7.0,
    area_px=44.0,
    elongation=1.4,
    waviness=0.0,
    width_variation=0.0,
    dark_fraction=1.0,
    bright_fraction=0.0,
    chroma_ratio=0.0,
    half_max_fraction=0.45,
    radial_span=0.15,
    radial_alignment=0.5,
    touches_edge=False,
    fill_ratio=0.72,
    peak_delta=0.12,
    opposite_sigmas=2.0,
    softness=0.7,
    coarse=False,
)


def test_a_compact_spot_with_a_clear_opposite_side_beside_it_is_a_blister() -> None:
    assert classify_surface(PARTICLE) is DefectType.INCLUSION
    lit_beside = replace(PARTICLE, opposite_sigmas=SHADED_SIDE_SIGMAS + 0.5)
    assert classify_surface(lit_beside) is DefectType.BLISTER
    # A soft-rimmed patch with a deviation of the opposite sign beside it: a faint one stays
    # a stain (a patch pulls its rows' running background, which leaves a halo of the
    # opposite sign around it); one that is not faint is a dome fading towards its rim.
    soft = replace(lit_beside, softness=2.0)
    assert classify_surface(replace(soft, peak_delta=0.05)) is DefectType.STAIN
    assert classify_surface(soft) is DefectType.BLISTER
    assert classify_surface(replace(soft, opposite_sigmas=2.0)) is DefectType.STAIN
    # A line stays a line whatever lies beside it.
    line = replace(lit_beside, length_px=30.0, width_px=3.0, elongation=10.0)
    assert classify_surface(line) is DefectType.SCRATCH


def test_the_opposite_side_is_read_beside_the_region_and_across_the_seam() -> None:
    signed_z = np.zeros((10, 40), np.float32)
    # A dark region of 2×2 pixels lying across the seam (columns 39 and 0).
    rows = np.array([4, 4, 5, 5], np.intp)
    cols = np.array([39, 0, 39, 0], np.intp)
    signed_z[rows, cols] = -8.0
    # The window is the region's box grown by 2 px (half its size, at least 2) each way.
    signed_z[4, 2] = 6.0  # lit, two columns past the seam: inside the window
    signed_z[4, 37] = 4.0  # lit, two columns before the region: inside, but weaker
    signed_z[4, 36] = 7.0  # lit, three columns before: outside
    signed_z[8, 0] = 7.0  # lit, three rows below: outside
    signed_z[5, 1] = -9.0  # beside it, but of the region's own sign
    assert _opposite_beside(signed_z, rows, cols) == pytest.approx(6.0)

    # The same picture with the signs turned: a lit region and dark pixels beside it.
    assert _opposite_beside(-signed_z, rows, cols) == pytest.approx(6.0)
    # Nothing of the opposite sign beside it: 0.
    signed_z[signed_z > 0] = 0.0
    assert _opposite_beside(signed_z, rows, cols) == 0.0
