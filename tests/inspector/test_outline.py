"""The flank beyond a traced edge (inspector.imaging.outline), on made-up bands, and the
contour re-reading the outline's re-centring uses."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.imaging.measure import edge_points
from inspector.imaging.outline import FlankBeyond, depth_px, flank_beyond
from inspector.imaging.polar import contour_radii


def _band(profile: np.ndarray, *, n: int = 360, noise: float = 0.01, seed: int = 0) -> np.ndarray:
    """``profile`` (one value per px beyond the edge) in ``n`` directions, with noise."""
    rng = np.random.default_rng(seed)
    values = profile[:, np.newaxis] + rng.normal(0.0, noise, (profile.size, n))
    return values.astype(np.float32)


def _glare_flank(rows: int = 60, rim: int = 30) -> np.ndarray:
    """From the band's edge (0.5) down through the field's level (0) to -0.2 at the rim
    ``rim`` px out, then the field."""
    d = np.arange(rows, dtype=np.float64)
    return np.where(d <= rim, 0.5 - 0.7 * d / rim, 0.0)


def test_a_flank_sinking_below_the_field_ends_at_its_darkest_level() -> None:
    flank = flank_beyond(_band(_glare_flank()), blur_px=1.0)
    assert isinstance(flank, FlankBeyond)
    assert flank.offset_px == 30
    assert flank.depth == pytest.approx(0.2, abs=0.01)
    assert flank.pixel_noise == pytest.approx(0.01, rel=0.2)


def test_a_profile_that_meets_the_field_without_sinking_has_no_flank() -> None:
    d = np.arange(60, dtype=np.float64)
    assert flank_beyond(_band(0.5 * np.exp(-d / 3.0)), blur_px=1.0) is None


def test_an_overshoot_within_the_edges_own_halo_is_no_flank() -> None:
    # An edge ringing (sharpened, or back-lit) 2 px beyond it, then the field.
    profile = np.zeros(60)
    profile[:2] = 0.5
    profile[2:5] = -0.2
    assert flank_beyond(_band(profile), blur_px=1.0) is None
    # The same dip 10 px out is beyond any halo of a 1 px blur.
    profile = np.zeros(60)
    profile[:2] = 0.5
    profile[9:12] = [-0.1, -0.2, -0.1]
    flank = flank_beyond(_band(profile), blur_px=1.0)
    assert flank is not None and flank.offset_px == 10


def _dim_margin(rows: int = 60, rim: int = 30) -> np.ndarray:
    """From the band's edge (0.5) down to a margin 0.06 above the field 4 px out, which
    fades to 0.03 at the rim ``rim`` px out, then the field."""
    d = np.arange(rows, dtype=np.float64)
    margin = 0.06 - 0.03 * (d - 4.0) / (rim - 4.0)
    return np.where(d < 4, 0.5 - 0.11 * d, np.where(d <= rim, margin, 0.0))


def test_a_margin_above_the_field_ends_at_its_foot_where_margins_are_looked_for() -> None:
    flank = flank_beyond(_band(_dim_margin()), blur_px=1.0, margin=True)
    assert isinstance(flank, FlankBeyond)
    # The first row back at the field, and the margin's level 2 px (half the halo) inside.
    assert flank.offset_px == 31
    assert flank.colour_offset_px == 29
    assert flank.depth == pytest.approx(0.06 - 0.03 * 25.0 / 26.0, abs=0.003)
    # Beyond a ring darker than its field such a margin would be a cast shadow.
    assert flank_beyond(_band(_dim_margin()), blur_px=1.0) is None


def test_a_field_at_its_level_from_the_halo_on_has_no_margin() -> None:
    profile = _dim_margin()
    profile[4:] = 0.0
    assert flank_beyond(_band(profile), blur_px=1.0, margin=True) is None


def test_a_dip_within_the_noise_is_no_flank() -> None:
    profile = _glare_flank()
    profile[profile < 0.0] *= 0.015  # 0.003 below the field: under the 0.005 floor
    assert flank_beyond(_band(profile, noise=0.002), blur_px=1.0) is None


def test_a_band_mostly_out_of_view_is_not_judged() -> None:
    band = _band(_glare_flank())
    band[:, :200] = np.nan
    assert flank_beyond(band, blur_px=1.0) is None
    band = _band(_glare_flank())
    band[40:, :100] = np.nan  # the field out of view in some directions: judged on the rest
    assert flank_beyond(band, blur_px=1.0) is not None


def test_a_dark_spot_on_a_few_directions_does_not_move_the_median() -> None:
    band = _band(_glare_flank())
    band[45:50, :60] = -1.0  # a fibre across the field in a sixth of the directions
    flank = flank_beyond(band, blur_px=1.0)
    assert flank is not None and flank.offset_px == 30


def test_the_profile_reaches_past_a_narrow_band() -> None:
    assert depth_px(10.0, 100.0) == pytest.approx(30.0)
    assert depth_px(4.0, 200.0) == pytest.approx(50.0)


def test_a_profile_read_in_coarser_steps_gives_its_offset_in_px() -> None:
    # Every second px of the flank of test_a_flank_sinking_below_the_field…: rows 2 px apart.
    flank = flank_beyond(_band(_glare_flank(rows=120, rim=60)[::2]), blur_px=1.0, row_px=2.0)
    assert flank is not None
    assert flank.offset_px == pytest.approx(60.0)


def test_a_contour_is_read_again_about_another_centre() -> None:
    # A circle of radius 50 about (100, 80), read about a centre 6 px to its right: 44 px
    # towards +x, 56 towards -x, and √(50² − 6²) straight up and down.
    points = edge_points((100.0, 80.0), np.full(720, 50.0))
    side = np.sqrt(50.0**2 - 6.0**2)
    radii = contour_radii(points, (106.0, 80.0), 4)
    assert radii == pytest.approx([44.0, side, 56.0, side], abs=0.01)
