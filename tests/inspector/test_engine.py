"""The image engine on small generated images with exact or tightly bounded answers."""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
import pytest

import inspector.imaging.classify as classify
import inspector.imaging.engine as engine
import inspector.imaging.locate as locate
import inspector.imaging.outline as outline
import inspector.imaging.surface as surface
import inspector.imaging.tracing as tracing
from inspector.imaging.edge_defects import circular_runs, find_cuts, find_edge_runs
from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.engine import inspect_pixels
from inspector.imaging.measure import caliper_diameters, edge_points, perimeter
from inspector.imaging.polar import (
    angles_for,
    consistent_majority,
    fit_radius_profile,
    fit_radius_profile_with_inliers,
    median_last_axis,
    radius_grid_to_xy,
)
from inspector.imaging.results import DefectType, Where
from inspector.synth.render import render_raw
from inspector.synth.scene import scene_for_index


def annulus(
    size: tuple[int, int] = (480, 400),
    center: tuple[float, float] = (241.3, 198.6),
    outer: float = 150.0,
    inner: float = 110.0,
    *,
    ring_level: float = 0.15,
    background_level: float = 0.85,
    noise: float = 0.01,
    seed: int = 0,
    supersample: int = 4,
    carve: list[tuple[float, float, float]] | None = None,
    add: list[tuple[float, float, float]] | None = None,
    bit_depth: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """An anti-aliased ring image and its coverage; ``carve`` removes discs.

    Levels are in linear light; the image is encoded as a camera would write it.

    ``carve`` holds ``(x, y, radius)`` discs of missing material (bites, cuts); ``add``
    discs of the ring's colour (a lump of flash, or a speck of dust off the ring).
    """
    width, height = size
    s = supersample
    rows, cols = np.mgrid[0 : height * s, 0 : width * s]
    x = (cols + 0.5) / s - 0.5
    y = (rows + 0.5) / s - 0.5
    r = np.hypot(x - center[0], y - center[1])
    material = (r <= outer) & (r >= inner)
    for cx, cy, radius in carve or []:
        material &= np.hypot(x - cx, y - cy) > radius
    for cx, cy, radius in add or []:
        material |= np.hypot(x - cx, y - cy) <= radius
    coverage = cv2.resize(
        material.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA
    )
    image = background_level + (ring_level - background_level) * coverage
    image = cv2.GaussianBlur(image, (0, 0), 0.8)
    image = image + np.random.default_rng(seed).normal(0.0, noise, image.shape)
    return encode(image, bit_depth), coverage


def encode(linear: np.ndarray, bit_depth: int = 8) -> np.ndarray:
    """What a camera writes: sRGB-encoded 8-bit, or linear 16-bit (the file conventions)."""
    linear = np.clip(linear, 0.0, 1.0)
    if bit_depth == 16:
        return np.round(linear * 65535.0).astype(np.uint16)
    encoded = np.where(
        linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1 / 2.4) - 0.055
    )
    return np.round(encoded * 255.0).astype(np.uint8)


# --- polar conventions and robust profiles ---------------------------------------------


def test_polar_directions_run_counter_clockwise_on_screen() -> None:
    x, y = radius_grid_to_xy((10.0, 20.0), np.full((1, 4), 5.0))
    # 0° points to +x; 90° points up the screen, i.e. to smaller row numbers.
    np.testing.assert_allclose(x[0], [15.0, 10.0, 5.0, 10.0], atol=1e-12)
    np.testing.assert_allclose(y[0], [20.0, 15.0, 20.0, 25.0], atol=1e-12)


def test_median_last_axis_matches_numpy() -> None:
    values = np.random.default_rng(1).normal(size=(7, 9, 10))
    np.testing.assert_allclose(median_last_axis(values), np.median(values, axis=-1))
    np.testing.assert_allclose(median_last_axis(values[..., :9]), np.median(values[..., :9], -1))


def test_fit_radius_profile_ignores_a_local_bite_and_fills_gaps() -> None:
    theta = angles_for(720)
    truth = 100.0 + 3.0 * np.cos(theta) - 2.0 * np.sin(2 * theta)
    measured = truth.copy()
    measured[100:120] -= 9.0  # a bite
    measured[400:430] = np.nan  # a cut
    fitted = fit_radius_profile(measured, order=4)
    np.testing.assert_allclose(fitted, truth, atol=0.05)


def _edge_with_a_wrong_stretch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An off-centre, oval edge (720 directions) measured 6–14 px inside it along a third
    of the way round (a finder that took the wrong step on the ring's unlit side)."""
    theta = angles_for(720)
    truth = 100.0 + 3.0 * np.cos(theta) - 2.0 * np.sin(2 * theta)
    wrong = np.zeros(720, bool)
    wrong[60:300] = True
    measured = truth.copy()
    measured[wrong] -= 6.0 + 8.0 * np.sin(np.linspace(0.0, np.pi, 240))
    return truth, measured, wrong


def test_the_consistent_majority_of_an_edge_leaves_out_a_wrong_stretch() -> None:
    truth, measured, wrong = _edge_with_a_wrong_stretch()
    start = consistent_majority(measured)
    assert start is not None
    np.testing.assert_array_equal(start, ~wrong)
    # Fitted from it, the model follows the true edge (across the stretch it has no
    # points, and the ridge on its high harmonics keeps it within a fifth of a px);
    # fitted from every point at once, it bends towards the stretch and keeps it.
    model, inliers = fit_radius_profile_with_inliers(measured, order=8, start=start)
    np.testing.assert_allclose(model[~wrong], truth[~wrong], atol=0.05)
    np.testing.assert_allclose(model[wrong], truth[wrong], atol=0.25)
    np.testing.assert_array_equal(inliers, ~wrong)
    bent, _ = fit_radius_profile_with_inliers(measured, order=8)
    assert float(np.max(truth - bent)) > 3.0


def test_no_consistent_majority_without_one_oval_holding_half_the_points() -> None:
    theta = angles_for(720)
    scattered = 100.0 + np.random.default_rng(0).uniform(-10.0, 10.0, 720)
    assert consistent_majority(scattered) is None
    few = np.full(720, np.nan)
    few[::30] = 100.0  # 24 points: too few to judge
    assert consistent_majority(few) is None
    assert consistent_majority(100.0 + np.cos(theta)) is not None


# --- geometry ---------------------------------------------------------------------------


def test_perimeter_and_calipers_of_a_circle() -> None:
    points = edge_points((0.0, 0.0), np.full(4096, 50.0))
    assert perimeter(points) == pytest.approx(2 * math.pi * 50.0, rel=1e-6)
    smallest, largest = caliper_diameters(points)
    assert smallest == pytest.approx(100.0, abs=1e-3)
    assert largest == pytest.approx(100.0, abs=1e-3)


def test_perimeter_of_a_unit_square() -> None:
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert perimeter(square) == pytest.approx(4.0)


# --- edge runs --------------------------------------------------------------------------


def test_circular_runs_join_across_the_seam() -> None:
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1], bool)
    assert circular_runs(mask) == [(4, 5), (6, 10)]
    assert circular_runs(np.zeros(5, bool)) == []
    assert circular_runs(np.ones(5, bool)) == [(0, 5)]


@pytest.mark.parametrize(
    ("side", "bump", "expected"),
    [
        (EdgeSide.OUTER, +4.0, DefectType.FLASH),
        (EdgeSide.OUTER, -4.0, DefectType.NON_FILL),
        (EdgeSide.INNER, -4.0, DefectType.FLASH),  # towards the hole: extra material
        (EdgeSide.INNER, +4.0, DefectType.NON_FILL),
    ],
)
def test_edge_run_sign_means_material_added_or_missing(
    side: EdgeSide, bump: float, expected: DefectType
) -> None:
    n = 1000
    noise = np.random.default_rng(2).normal(0.0, 0.05, n)
    model = np.full(n, 200.0)
    measured = model + noise
    measured[500:512] += bump
    profile = EdgeProfile(
        side=side,
        measured=measured,
        model=model,
        inliers=np.abs(measured - model) < 1,
        contrast=np.ones(n),
        blur_px=1.0,
        noise_px=0.05,
    )
    runs = find_edge_runs(profile)
    assert len(runs) == 1
    run = runs[0]
    assert (run.start, run.stop) == (500, 512)
    assert run.depth_px == pytest.approx(4.0, abs=0.2)
    assert (DefectType.FLASH if run.excess else DefectType.NON_FILL) is expected


# --- the whole engine on generated rings -------------------------------------------------


def test_clean_ring_is_measured_to_a_fraction_of_a_pixel() -> None:
    pixels, _ = annulus()
    result = inspect_pixels(pixels)
    ring = result.ring
    assert ring is not None
    assert result.problems == ()
    assert result.defects == ()
    assert ring.center_px[0] == pytest.approx(241.3, abs=0.05)
    assert ring.center_px[1] == pytest.approx(198.6, abs=0.05)
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=0.3)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=0.3)
    assert ring.cross_section_px == pytest.approx(40.0, abs=0.3)
    assert ring.ovality_pct < 0.3
    assert not ring.broken


def test_light_ring_on_dark_background_and_16_bit_give_the_same_geometry() -> None:
    dark_on_light, _ = annulus()
    light_on_dark, _ = annulus(ring_level=0.8, background_level=0.1)
    deep, _ = annulus(bit_depth=16)
    diameters = []
    for pixels in (dark_on_light, light_on_dark, deep):
        ring = inspect_pixels(pixels).ring
        assert ring is not None
        diameters.append((ring.outer_diameter_px, ring.inner_diameter_px))
    np.testing.assert_allclose(diameters, [(300.0, 220.0)] * 3, atol=0.3)


def test_colour_ring_differing_only_in_hue_is_found() -> None:
    gray, coverage = annulus(noise=0.0)
    # Amber ring on a grey field of the same lightness: only the colour tells them apart.
    background = np.array([0.55, 0.55, 0.55])
    amber = np.array([0.15, 0.55, 0.85])  # BGR
    blurred = cv2.GaussianBlur(coverage, (0, 0), 0.8)[:, :, None]
    image = background * (1 - blurred) + amber * blurred
    pixels = encode(image)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=0.5)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=0.5)
    del gray


def test_a_bite_out_of_the_outer_edge_is_a_non_fill_where_it_is() -> None:
    # A bite at the top of the ring (90°: smaller row numbers).
    pixels, _ = annulus(carve=[(241.3, 198.6 - 150.0, 8.0)])
    result = inspect_pixels(pixels)
    assert [d.type for d in result.defects] == [DefectType.NON_FILL]
    defect = result.defects[0]
    assert defect.where is Where.OUTER_EDGE
    assert defect.angle_deg == pytest.approx(90.0, abs=2.0)
    x, y, w, h = defect.bbox.as_list()
    assert x <= 241 <= x + w
    assert y <= 198.6 - 150 + 4 <= y + h
    assert defect.width_px == pytest.approx(8.0, abs=1.5)  # the bite's depth


def test_a_cut_ring_is_broken() -> None:
    # A slab of material removed right across the section at 0° (the +x side).
    pixels, _ = annulus(
        carve=[
            (241.3 + 130.0, 198.6, 6.0),
            (241.3 + 118.0, 198.6, 6.0),
            (241.3 + 142.0, 198.6, 6.0),
            (241.3 + 110.0, 198.6, 6.0),
            (241.3 + 150.0, 198.6, 6.0),
        ]
    )
    result = inspect_pixels(pixels)
    assert result.ring is not None
    assert result.ring.broken
    cuts = [d for d in result.defects if d.type is DefectType.CUT]
    assert len(cuts) == 1
    assert cuts[0].angle_deg == pytest.approx(0.0, abs=3.0) or cuts[0].angle_deg > 357.0


def test_a_dark_scratch_on_a_light_ring_is_found_as_a_line() -> None:
    pixels, _ = annulus(ring_level=0.8, background_level=0.2)
    # A 40 px scratch across the lower part of the ring, where y > centre.
    cv2.line(pixels, (200, 330), (240, 335), 120, 1, cv2.LINE_AA)
    result = inspect_pixels(pixels)
    assert [d.type for d in result.defects] == [DefectType.SCRATCH]
    assert result.defects[0].length_px == pytest.approx(40.0, abs=6.0)


def _ring_with_slanted_dark_line(inward_px: float) -> np.ndarray:
    """A light ring with a straight dark line 20 px long, 45° off the radius, starting
    ``inward_px`` inside the outer edge at the bottom of the ring and running inwards."""
    pixels, _ = annulus(ring_level=0.8, background_level=0.2)
    direction = np.array([math.sin(math.pi / 4), -math.cos(math.pi / 4)])
    start = np.array([241.3, 198.6 + 149.0 - inward_px])
    end = start + 20.0 * direction
    # Sub-pixel end points (4 fractional bits) so the line is drawn where it is meant.
    cv2.line(pixels, tuple(np.round(start * 16).astype(int)), tuple(np.round(end * 16).astype(int)),
             120, 2, cv2.LINE_AA, shift=4)  # fmt: skip
    return pixels


def test_a_dark_line_running_in_from_an_edge_is_a_crack(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slanted, it spans under half the section at under 0.7 |cos| to the radius: not a
    # crack "across the section". From the edge it is one; the same line on the surface
    # away from either edge is a scratch.
    (from_edge,) = inspect_pixels(_ring_with_slanted_dark_line(0.0)).defects
    assert from_edge.type is DefectType.CRACK
    (on_the_surface,) = inspect_pixels(_ring_with_slanted_dark_line(12.0)).defects
    assert on_the_surface.type is DefectType.SCRATCH

    monkeypatch.setattr(classify, "FROM_EDGE_ALIGNMENT", float("inf"))
    (without_the_rule,) = inspect_pixels(_ring_with_slanted_dark_line(0.0)).defects
    assert without_the_rule.type is DefectType.SCRATCH


def test_an_empty_field_of_view_has_no_ring() -> None:
    rng = np.random.default_rng(3)
    pixels = np.clip(200 + rng.normal(0, 3, (300, 400)), 0, 255).astype(np.uint8)
    result = inspect_pixels(pixels)
    assert result.ring is None
    assert "no ring" in result.problems[0]


def test_a_solid_disc_is_not_a_ring() -> None:
    pixels, _ = annulus(inner=0.0)
    result = inspect_pixels(pixels)
    assert result.ring is None
    assert "no ring" in result.problems[0]


def test_the_input_is_not_modified() -> None:
    pixels, _ = annulus()
    before = pixels.copy()
    inspect_pixels(pixels)
    np.testing.assert_array_equal(pixels, before)


def test_a_16_bit_image_filling_only_12_bits_shows_its_surface_defects() -> None:
    # Many measurement cameras write 12-bit samples into 16-bit files unscaled: the whole
    # image then sits below 1/16 of full scale. The defects must not vanish with it.
    from inspector.synth import random_scene, render_ring

    image, _ = render_ring(random_scene(9, size=(800, 600), lighting="back", bit_depth=16))
    full = [d for d in inspect_pixels(image).defects if d.where is Where.SURFACE]
    dim = [d for d in inspect_pixels((image >> 4).astype(np.uint16)).defects]
    assert full, "the full-range image shows surface defects"
    surface_dim = [d for d in dim if d.where is Where.SURFACE]
    found = sum(
        any(abs(d.bbox.x - f.bbox.x) < 6 and abs(d.bbox.y - f.bbox.y) < 6 for d in surface_dim)
        for f in full
    )
    assert found >= max(1, math.ceil(0.5 * len(full)))


def test_a_slanted_cut_is_found_though_no_radius_crosses_it_whole() -> None:
    # A skived cut: a 7 px wide slot running across the section at about 45°, so every
    # radius through it still meets ring material.
    cx, cy = 241.3, 198.6
    slot = [(cx + 110.0 + t, cy - 20.0 + t, 3.5) for t in np.arange(-4.0, 46.0, 2.0)]
    pixels, coverage = annulus(carve=slot)
    # No radius in the slot's span is background all the way across.
    angles = np.linspace(-0.05, 0.30, 60)
    for a in angles:
        radii = np.arange(112.0, 148.0)
        xs = np.round(cx + radii * np.cos(a)).astype(int)
        ys = np.round(cy + radii * np.sin(a)).astype(int)
        assert coverage[ys, xs].max() > 0.5
    result = inspect_pixels(pixels)
    assert result.ring is not None and result.ring.broken
    assert [d.type for d in result.defects].count(DefectType.CUT) == 1


def _grey_ring_with_spot(lightness: float, colour: float) -> np.ndarray:
    """A grey ring on a light field, colour, with a soft spot of 6 px radius on its lower
    side that differs by ``lightness`` in L* and by ``colour`` in a* (both / 100)."""
    _, coverage = annulus(noise=0.0)
    blurred = cv2.GaussianBlur(coverage, (0, 0), 0.8)[:, :, None]
    linear = (0.8 * (1 - blurred) + 0.35 * blurred) * np.ones(3)
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    lab = cv2.cvtColor(srgb.astype(np.float32), cv2.COLOR_BGR2Lab)
    rows, cols = np.mgrid[0 : lab.shape[0], 0 : lab.shape[1]]
    spot = np.clip(6.0 - np.hypot(cols - 241.3, rows - (198.6 + 130.0)), 0.0, 1.0)
    lab[:, :, 0] += 100.0 * lightness * spot
    lab[:, :, 1] += 100.0 * colour * spot
    srgb = cv2.cvtColor(lab, cv2.COLOR_Lab2BGR)
    srgb = srgb + np.random.default_rng(0).normal(0.0, 0.003, srgb.shape)
    return (np.clip(srgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


@pytest.mark.parametrize(
    ("lightness", "colour", "seen"),
    [(0.0, 0.0, False), (0.04, 0.0, True), (0.0, 0.035, False), (0.0, 0.07, True)],
)
def test_a_spot_seen_in_colour_only_must_show_more_than_one_in_lightness(
    lightness: float, colour: float, seen: bool
) -> None:
    # Camera colour is noisier and blockier than lightness (demosaicing, JPEG chroma): a
    # colour difference of 3.5 a* units alone is not believed; 4 L* units are.
    defects = inspect_pixels(_grey_ring_with_spot(lightness, colour)).defects
    assert bool(defects) is seen
    for defect in defects:
        x, y, w, h = defect.bbox.as_list()
        assert x <= 241 <= x + w and y <= 329 <= y + h


def test_a_line_bending_with_the_ring_beyond_any_straight_chord_is_not_a_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A bright line along the lower part of a grey ring, on a circle 6 px off the ring's
    # centre so it drifts across the section: 200 px long where no straight line inside
    # the annulus (150 / 110 px) can exceed 2·√(150² − 110²) ≈ 204 px, less the strip's
    # insets. It is the edge of a glare band, not damage.
    pixels, _ = annulus(ring_level=0.4, background_level=0.05)
    cv2.ellipse(pixels, (247, 199), (128, 128), 0, 220, 320, 235, 1, cv2.LINE_AA)
    assert inspect_pixels(pixels).defects == ()

    monkeypatch.setattr(engine, "_longest_chord", lambda strip: float("inf"))
    monkeypatch.setattr(engine, "_follows_the_ring", lambda anomaly, strip: False)
    found = inspect_pixels(pixels).defects
    assert [d.type for d in found] == [DefectType.SCRATCH]
    assert found[0].length_px > 190.0


@pytest.mark.parametrize("straight", [False, True])
def test_a_short_line_keeping_to_the_rings_circle_is_not_a_scratch(straight: bool) -> None:
    # 100 px of line across the bottom of a ring (radii 110-150): along the circle of
    # radius 130 about the ring's centre it follows the ring (a glare band's edge); a
    # straight line between the same ends drifts across the section by its sagitta,
    # 100² / (8 · 130) ≈ 9.6 px, as a scratch does.
    pixels, _ = annulus(noise=0.0)
    n = 1024
    strip = surface.build_strip(
        tracing.linear_light(pixels),
        (241.3, 198.6),
        np.full(n, 110.0),
        np.full(n, 150.0),
        inset_px=2.0,
        weights=np.ones(1, np.float32),
        offset=np.zeros(1),
    )
    assert strip is not None
    n = strip.n_cols  # the strip samples the ring at its own pitch
    half = 50.0 / 130.0  # radians either side of straight down (direction 3π/2)
    cols = np.arange(
        round((1.5 * np.pi - half) / (2 * np.pi) * n), round((1.5 * np.pi + half) / (2 * np.pi) * n)
    )
    theta = 2 * np.pi * cols / n
    radius = (
        130.0 * np.cos(half) / np.cos(theta - 1.5 * np.pi)
        if straight
        else np.full(cols.size, 130.0)
    )
    # The strip row nearest each radius (rows run from the inner to the outer edge).
    rows = np.abs(strip.radius[:, cols] - radius[np.newaxis, :]).argmin(axis=0)
    line = surface.Anomaly(
        rows=rows,
        cols=cols,
        signed_z=np.full(cols.size, 20.0),
        chroma_z=np.zeros(cols.size),
        score=np.full(cols.size, 20.0),
    )
    assert engine._follows_the_ring(line, strip) is not straight


def _mottled_ring_with_speck(speck_factor: float) -> np.ndarray:
    """A light ring on a dark field whose surface is blotchy (texture of a few px), with
    a dark speck of radius 1 px in the middle of its top, ``speck_factor`` as bright."""
    _, coverage = annulus(noise=0.0)
    rng = np.random.default_rng(3)
    texture = cv2.GaussianBlur(rng.normal(0.0, 1.0, coverage.shape).astype(np.float32), (0, 0), 3.0)
    ring = 0.45 * (1.0 + 0.05 * texture / texture.std())
    rows, cols = np.mgrid[0 : coverage.shape[0], 0 : coverage.shape[1]]
    speck = np.hypot(cols - 241.3, rows - (198.6 - 130.0)) <= 1.0
    ring = np.where(speck, ring * speck_factor, ring)
    linear = 0.08 + (ring - 0.08) * coverage
    linear = cv2.GaussianBlur(linear.astype(np.float32), (0, 0), 0.8)
    return encode(linear + rng.normal(0.0, 0.005, coverage.shape))


def test_a_speck_on_a_blotchy_surface_is_found_against_its_surroundings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The blotchy surface alone is not a defect.
    assert inspect_pixels(_mottled_ring_with_speck(1.0)).defects == ()
    pixels = _mottled_ring_with_speck(0.3)
    (speck,) = inspect_pixels(pixels).defects
    assert speck.type is DefectType.INCLUSION
    x, y, w, h = speck.bbox.as_list()
    assert x <= 241.3 <= x + w and y <= 68.6 <= y + h

    # Against its row's background alone, where the blotches count as noise, it is lost.
    monkeypatch.setattr(surface, "SPOT_SEED_SIGMAS", float("inf"))
    assert inspect_pixels(pixels).defects == ()


@pytest.mark.parametrize("speck_factor", [0.5, 0.6])
def test_a_plainly_visible_speck_is_not_measured_as_faint(speck_factor: float) -> None:
    # At 0.6 of the surface's brightness the speck is about 7 L* darker than its
    # surroundings, over twice the 3 L* visibility floor. Its difference of Gaussians
    # keeps only about a third of that, which once made it "invisible"; its own pixels
    # against the level around them do not.
    (speck,) = inspect_pixels(_mottled_ring_with_speck(speck_factor)).defects
    assert speck.type is DefectType.INCLUSION
    x, y, w, h = speck.bbox.as_list()
    assert x <= 241.3 <= x + w and y <= 68.6 <= y + h


def test_the_noise_tail_factor_sees_heavy_tails_but_not_a_defect() -> None:
    rng = np.random.default_rng(0)

    def score(noise: np.ndarray) -> np.ndarray:
        smooth = np.abs(cv2.GaussianBlur(noise.astype(np.float32), (0, 0), 1.0))
        return smooth / (np.median(smooth) / 0.6745)  # |z|: robust sigma 1

    gaussian = score(rng.normal(size=(40, 2000)))
    assert surface.tail_factor(gaussian) == 1.0
    with_defect = gaussian.copy()
    with_defect[:, 100:180] = 30.0  # a large blister: strong, but in two blocks of 32
    assert surface.tail_factor(with_defect) == 1.0
    assert surface.tail_factor(score(rng.standard_t(2.0, size=(40, 2000)))) > 1.5
    assert surface.tail_factor(np.zeros((3, 1), np.float32)) == 1.0  # too small to measure


def test_noise_clusters_of_a_heavy_tailed_sensor_are_not_defects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A black ring lit from behind: its surface is nearly black, where the sensor's
    # colour noise comes in clusters far more often than a Gaussian's tail allows.
    image, truth = render_raw(scene_for_index(31337, 148))
    assert truth.defects == ()
    assert inspect_pixels(image).defects == ()

    # Judged as if the noise were Gaussian, one cluster is taken for a defect.
    monkeypatch.setattr(surface, "TAIL_REFERENCE", float("inf"))
    assert len(inspect_pixels(image).defects) >= 1


def _strip_with_material_dip(gap_lightness: float | None, scale: float = 1.0) -> surface.Strip:
    """A front-lit ring's strip (brighter mid-section) whose material signal falls to
    background over 21 columns; there the surface shows ``gap_lightness`` across the
    section, or the ring's own shading when None. All lightness times ``scale``."""
    n_rows, n_cols = 20, 2000
    rows = np.arange(n_rows)
    shading = 0.78 + 0.12 * np.sin(np.pi * (rows + 0.5) / n_rows)
    lightness = np.repeat(shading[:, None], n_cols, axis=1).astype(np.float32)
    material = np.ones((n_rows, n_cols), np.float32)
    dip = slice(1000, 1021)
    material[:, dip] = 0.0
    if gap_lightness is not None:
        lightness[:, dip] = gap_lightness
    lightness *= np.float32(scale)
    radius = np.repeat((200.0 + rows)[:, None], n_cols, axis=1)
    return surface.Strip(
        radius=radius,
        center=(0.0, 0.0),
        lightness=lightness,
        chroma=None,
        material=material,
        pixel_area=np.ones((n_rows, n_cols)),
    )


def test_a_material_dip_that_still_looks_like_the_ring_is_no_cut() -> None:
    # White on white, the material signal can dip where nothing is missing; a real gap
    # shows the background (here 0.95 across the section), not the ring's shading.
    (cut,) = find_cuts(_strip_with_material_dip(0.95))
    assert (cut.start, cut.stop) == (1000, 1021)
    assert find_cuts(_strip_with_material_dip(None)) == []
    # A dim image (a tenth of full scale) is judged as if stretched to a good exposure.
    dim = _strip_with_material_dip(0.95, scale=0.1)
    assert find_cuts(dim) == []
    assert len(find_cuts(dim, exposure=0.1)) == 1


def _shaded_ring(
    shade: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    seed: int,
    field: float | Callable[[np.ndarray], np.ndarray] = 0.8,
    size: tuple[int, int] = (480, 400),
    center: tuple[float, float] = (241.3, 198.6),
) -> np.ndarray:
    """A ring (110–150 px) on a field (0.8 in linear light, or ``field(radius)``), the
    ring's level given by ``shade(theta, across)``: direction, and position across the
    section (0 at the inner edge, 1 at the outer)."""
    _, coverage = annulus(size, center, noise=0.0)
    rows, cols = np.mgrid[0 : coverage.shape[0], 0 : coverage.shape[1]]
    theta = np.arctan2(-(rows - center[1]), cols - center[0])
    radius = np.hypot(rows - center[1], cols - center[0])
    across = (radius - 110.0) / 40.0
    ring = shade(theta, across)
    background = field(radius) if callable(field) else field
    linear = cv2.GaussianBlur(
        (background * (1 - coverage) + ring * coverage).astype(np.float32), (0, 0), 0.8
    )
    return encode(linear + np.random.default_rng(seed).normal(0.0, 0.004, coverage.shape))


def _white_ring_lit_from_one_side() -> np.ndarray:
    """A white ring on a white field (both 0.8 in linear light) lit from one side: one
    half shaded by up to 0.3, and both rims by 0.1, so only the shaded side stands out
    much from the background."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        rims = 1 - np.sin(np.pi * np.clip(across, 0.0, 1.0))
        result: np.ndarray = 0.8 - 0.3 * np.clip(np.cos(theta - 0.3), 0.0, None) - 0.1 * rims
        return result

    return _shaded_ring(shade, seed=1)


def test_a_ring_found_only_on_its_shaded_side_is_grown_to_the_whole_ring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = _white_ring_lit_from_one_side()
    coarse = locate.locate_readings(pixels).first
    assert coarse.center == pytest.approx((241.3, 198.6), abs=2.0)
    assert float(np.median(coarse.outer_radius)) == pytest.approx(150.0, abs=4.0)
    assert float(np.median(coarse.inner_radius)) == pytest.approx(110.0, abs=4.0)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.center_px == pytest.approx((241.3, 198.6), abs=1.0)

    # Otsu's split alone keeps a crescent on the shaded side: centre tens of px off.
    monkeypatch.setattr(locate, "REGULAR_SECTION_SPREAD", float("inf"))
    monkeypatch.setattr(locate, "REGULAR_COVERAGE", 0.0)
    crescent = locate.locate_readings(pixels).first
    assert math.dist(crescent.center, (241.3, 198.6)) > 20.0


def _white_ring_with_a_shaded_band() -> np.ndarray:
    """A white ring on a white field lit from one side: a narrow shaded band runs all
    round it, at the inner edge on the lit side and the outer edge on the far side; the
    rest of the ring is only a little darker (0.7) than the field (0.8)."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        band_at = 0.5 + 0.35 * np.cos(theta - 0.3)
        result: np.ndarray = 0.7 - 0.35 * np.exp(-0.5 * ((across - band_at) / 0.08) ** 2)
        return result

    return _shaded_ring(shade, seed=2)


def _black_ring_with_a_glare_band() -> np.ndarray:
    """A black ring on a dark field (0.04 in linear light) lit from the front: a narrow
    glare band (0.5) along its crown, and flanks that fall from a little above the field
    to 0.02 at the rims, below the field."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        crown = np.sin(np.pi * np.clip(across, 0.0, 1.0))
        glare = 0.5 * np.exp(-0.5 * ((across - 0.5) / 0.06) ** 2)
        result: np.ndarray = 0.02 + 0.04 * crown + glare
        return result

    return _shaded_ring(shade, seed=3, field=0.04)


def test_a_black_ring_seen_by_its_glare_band_is_measured_to_its_outline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = _black_ring_with_a_glare_band()
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=1.0)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=1.0)

    # Without the outline beyond the band, the band's flanks are measured as the edges.
    monkeypatch.setattr(outline, "OUTLINE_BLUR_SHARE", 0.0)
    band = inspect_pixels(pixels).ring
    assert band is not None
    assert band.outer_diameter_px < 290.0
    assert band.inner_diameter_px > 230.0


def test_a_black_ring_whose_flanks_stay_above_the_field_is_measured_to_its_outline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A black ring on a darker field (0.02 in linear light), lit from the front: the
    glare band (0.5) along its crown stands out; its flanks fall to 0.035 at the rims,
    above the field, and meet it there with a step of under four noise sigmas."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        crown = np.sin(np.pi * np.clip(across, 0.0, 1.0))
        glare = 0.5 * np.exp(-0.5 * ((across - 0.5) / 0.06) ** 2)
        result: np.ndarray = 0.035 + 0.04 * crown + glare
        return result

    pixels = _shaded_ring(shade, seed=6, field=0.02)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    # A faint step on a shaded flank: its position is good to a little over half a px.
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=1.5)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=1.5)

    # Without looking for a margin above the field, the band's flanks are the edges.
    monkeypatch.setattr(outline, "_margin_beyond", lambda *args: None)
    band = inspect_pixels(pixels).ring
    assert band is not None
    assert band.outer_diameter_px < 290.0
    assert band.inner_diameter_px > 230.0


def test_a_ring_whose_clear_part_is_two_glare_arcs_is_found_by_its_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A black ring a little darker (0.025) than its dark field (0.04), lit from two
    sides: what stands out clearly is two arcs of glare, not a ring."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        arcs = np.abs(np.cos(theta - 0.8)) ** 6
        result: np.ndarray = 0.025 + 0.5 * arcs * np.exp(-0.5 * ((across - 0.5) / 0.1) ** 2)
        return result

    pixels = _shaded_ring(shade, seed=5, field=0.04)
    coarse = locate.locate_readings(pixels).first
    assert coarse.center == pytest.approx((241.3, 198.6), abs=2.0)
    assert float(np.median(coarse.outer_radius)) == pytest.approx(150.0, abs=4.0)
    assert float(np.median(coarse.inner_radius)) == pytest.approx(110.0, abs=4.0)
    inspection = inspect_pixels(pixels)
    assert inspection.ring is not None and not inspection.defects
    assert inspection.ring.outer_diameter_px == pytest.approx(300.0, abs=1.0)
    assert inspection.ring.inner_diameter_px == pytest.approx(220.0, abs=1.0)

    monkeypatch.setattr(locate, "_regrown", lambda segmentation, first: None)
    with pytest.raises(locate.RingNotFound, match="not ring-shaped"):
        locate.locate_readings(pixels)


def test_a_soft_shadow_all_round_a_light_ring_is_not_taken_for_its_outline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A white ring (0.8) on a grey field (0.4) with a soft shadow on the field all
    round it: beyond the ring the field sinks below its level and comes back, as beyond
    a glare band, but the ring's own edge is the outline."""

    def shade(theta: np.ndarray, across: np.ndarray) -> np.ndarray:
        return np.full_like(across, 0.8)

    def field(radius: np.ndarray) -> np.ndarray:
        beyond = np.maximum(np.maximum(radius - 150.0, 110.0 - radius), 0.0)
        result: np.ndarray = 0.4 - 0.2 * np.exp(-0.5 * ((beyond - 8.0) / 4.0) ** 2)
        return result

    # Room all round for the field three sections beyond the ring.
    pixels = _shaded_ring(shade, seed=4, field=field, size=(640, 640), center=(320.4, 319.6))
    flanks: list[outline.FlankBeyond | None] = []
    flank_beyond = outline.flank_beyond

    def spy(
        band: np.ndarray, *, blur_px: float, row_px: float, margin: bool
    ) -> outline.FlankBeyond | None:
        flanks.append(flank_beyond(band, blur_px=blur_px, row_px=row_px, margin=margin))
        return flanks[-1]

    monkeypatch.setattr(outline, "flank_beyond", spy)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=1.0)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=1.0)
    assert flanks and all(flank is not None for flank in flanks)


def test_a_ring_seen_clearly_only_by_its_shaded_band_is_measured_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = _white_ring_with_a_shaded_band()
    readings = locate.locate_readings(pixels)
    # The clear split is the band: regular, but centred off the ring. The find grown to
    # the background's noise is the second reading, and the edges along it are even.
    assert math.dist(readings.first.center, (241.3, 198.6)) > 5.0
    second = readings.second()
    assert second is not None
    assert math.dist(second.center, (241.3, 198.6)) < 2.0
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.center_px == pytest.approx((241.3, 198.6), abs=1.0)
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=1.5)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=1.5)

    # With the band as the only reading, the ring is measured off.
    monkeypatch.setattr(locate, "SAME_FIND_PX", float("inf"))
    assert locate.locate_readings(pixels).second() is None
    band = inspect_pixels(pixels).ring
    assert band is None or abs(band.outer_diameter_px - 300.0) > 5.0


def _grown_crescent(
    ring_level: float, link_rows: slice, link_columns: slice, link_level: float
) -> tuple[np.ndarray, tuple[np.ndarray, locate._Find] | None]:
    """A ring's colour distance from the background, a crescent of it clearly out (0.5),
    the rest at ``ring_level``, and a link of ``link_level`` from the left border to it;
    the crescent grown by :func:`locate._regrown` (noise floor 0.04, Otsu's level 0.3).
    Returns the ring's mask and the growth."""
    height, width = 200, 240
    rows, cols = np.mgrid[0:height, 0:width]
    radius = np.hypot(cols - 120.0, rows - 100.0)
    ring = (radius >= 55.0) & (radius <= 75.0)
    crescent = ring & (cols > 140)
    distance = np.where(ring, ring_level, 0.0)
    distance[crescent] = 0.5
    distance[link_rows, link_columns] = link_level
    frame = np.ones((height, width), bool)
    frame[6:-6, 6:-6] = False
    segmentation = locate._Segmentation(
        foreground=distance > 0.3,
        distance=distance.astype(np.float32),
        low=0.04,
        threshold=0.3,
        frame=frame,
    )
    return ring, locate._regrown(segmentation, crescent)


def test_growing_a_partial_find_stops_short_of_the_background() -> None:
    # A crescent clearly out, the rest of the ring just out (0.08), and a faint streak of
    # background (0.05) joining the ring to the image border. Grown to the noise floor
    # (0.04) the find would run into the border, i.e. take in background; one level up
    # (0.06) it is the whole ring.
    ring, regrown = _grown_crescent(0.08, slice(98, 103), slice(0, 45), 0.05)
    assert regrown is not None
    grown, found = regrown
    assert grown[ring].all() and not grown[98:103, :40].any()
    assert found.center == pytest.approx((120.0, 100.0), abs=1.0)
    assert float(np.median(found.outer_fit)) == pytest.approx(76.0, abs=1.5)
    assert float(np.median(found.inner_fit)) == pytest.approx(55.0, abs=1.5)


def test_a_thread_from_the_grown_find_to_the_border_is_opened_away() -> None:
    # As above, but the link is a thread one pixel wide that stands out at every growth
    # level (0.2): no level keeps the find clear of the border until the thread is
    # opened away.
    ring, regrown = _grown_crescent(0.25, slice(100, 101), slice(0, 50), 0.2)
    assert regrown is not None
    grown, found = regrown
    # (the opening trims a few jagged pixels off the ring's outline)
    assert grown[ring].mean() > 0.98 and not grown[100, :40].any()
    assert found.center == pytest.approx((120.0, 100.0), abs=1.0)
