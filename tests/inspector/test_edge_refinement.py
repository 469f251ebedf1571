"""Edge refinement: profile fitting, concentric edges, and the evidence an edge defect needs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import inspector.imaging.edge_evidence as edge_evidence
import inspector.imaging.edge_fit as edge_fit
import inspector.imaging.edges as edges
import inspector.imaging.locate as locate
import inspector.imaging.outline as outline
import inspector.imaging.tracing as tracing
from inspector.imaging.concentric import disagreement, retrace_courses, ring_cross_section
from inspector.imaging.edge_defects import _deep_gap, find_edge_runs
from inspector.imaging.edge_evidence import _ray_sets, edge_run_is_seen
from inspector.imaging.edges import EdgeProfile, EdgeSide, project_image
from inspector.imaging.engine import inspect_pixels
from inspector.imaging.polar import angles_for
from inspector.synth.render import render_raw
from inspector.synth.scene import scene_for_index
from inspector.synth.truth import ImageTruth
from tests.inspector.test_engine import annulus, encode

CENTER = (241.3, 198.6)


def _assert_measured_as_drawn(image: np.ndarray, truth: ImageTruth, *, tolerance_px: float) -> None:
    """The engine's OD and ID of a generated ring are within ``tolerance_px`` of its truth."""
    ring = inspect_pixels(image).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(truth.ring.outer_diameter_px, abs=tolerance_px)
    assert ring.inner_diameter_px == pytest.approx(truth.ring.inner_diameter_px, abs=tolerance_px)


def shaded_torus(
    *, noise: float = 0.01, background: float = 0.3, rim: float = 0.3, peak: float = 0.8
) -> np.ndarray:
    """A white torus lit from straight above on a field, its rim as dark as the field
    (by default).

    Brightness across the section follows the surface's tilt, √(1 − u²): it falls from
    ``peak`` at the crest to ``rim`` right at each edge, so with ``rim`` at the
    ``background`` level there is no step there at all.
    """
    width, height, s = 480, 400, 4
    rows, cols = np.mgrid[0 : height * s, 0 : width * s]
    x = (cols + 0.5) / s - 0.5
    y = (rows + 0.5) / s - 0.5
    r = np.hypot(x - CENTER[0], y - CENTER[1])
    u = np.clip((r - 130.0) / 20.0, -1.0, 1.0)  # outer edge 150, inner 110
    inside = (r <= 150.0) & (r >= 110.0)
    linear = np.where(inside, rim + (peak - rim) * np.sqrt(1.0 - u * u), background)
    image = cv2.resize(linear.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    image = cv2.GaussianBlur(image, (0, 0), 1.0)
    image = image + np.random.default_rng(0).normal(0.0, noise, image.shape)
    return encode(image)


def test_a_torus_shaded_to_its_rim_is_measured_at_its_rim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = shaded_torus()
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    # The fitted edges: close to the true 300 / 220 px.
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=1.2)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=1.2)

    # The slope peaks alone sit inside the ring, where the shading falls fastest.
    monkeypatch.setattr(
        tracing, "refine_edges", lambda image, center, outer, inner, **_: (outer, inner)
    )
    peaks = inspect_pixels(pixels).ring
    assert peaks is not None
    assert peaks.outer_diameter_px < 298.5
    assert peaks.inner_diameter_px > 221.5
    assert abs(ring.outer_diameter_px - 300.0) < abs(peaks.outer_diameter_px - 300.0) - 0.8


def test_a_torus_whose_rim_is_darker_than_a_light_field_is_measured_at_its_rim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A white ring on a light field lit from the front: its rim, turned away from the
    # light, is darker than the field; its crest lighter. The profile across each edge
    # goes from the field down to the rim and then up into the ring.
    pixels = shaded_torus(noise=0.003, background=0.7, rim=0.2, peak=0.9)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=0.35)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=0.35)

    # A fit window that ends at the rim's extreme holds no shading to fit: the half-way
    # point of the step from the rim to the field, about half a pixel outside, stays.
    monkeypatch.setattr(edge_fit, "RIM_REACH_PX", 0.0)
    at_the_step = inspect_pixels(pixels).ring
    assert at_the_step is not None
    assert at_the_step.outer_diameter_px > 300.7
    assert at_the_step.inner_diameter_px < 219.3


def test_the_fit_window_runs_past_the_rim_and_stops_where_the_shading_turns() -> None:
    offsets = np.arange(-10.0, 6.0 + 1e-9, edge_fit.STEP_PX)  # outwards from the ring
    inside = np.clip(-offsets, 0.0, None)
    field = np.zeros_like(offsets)
    # The usual edge: up from the field to the ring, level there (the whole reach).
    rising = np.where(offsets <= 0.0, np.minimum(1.0, 0.5 + 0.25 * inside), field)
    # A rim darker than the field, then the ring rising from it to a crest 5 px in,
    # and a fall beyond the crest (the window stops at the crest, -5 px).
    dark_rim = np.where(
        offsets <= 0.0, -0.5 + 0.3 * inside - 0.6 * np.clip(inside - 5, 0, None), field
    )
    # The rim the most ring-like part: a peak 1.5 px in, the shading falling to 7 px in,
    # then rising again (a glare band): the window stops at the lowest point, -7 px.
    rim_peak = np.where(
        offsets <= 0.0,
        np.where(inside <= 1.5, 0.5 + inside, 2.0 - 0.2 * (inside - 1.5))
        + 0.8 * np.clip(inside - 7.0, 0.0, None),
        field,
    )
    # A glare band: up to the body, level, then up again and back down (stop at its top).
    glare = np.where(
        offsets <= 0.0,
        np.minimum(1.0, 0.5 + 0.25 * inside) + 0.8 * np.exp(-0.5 * ((inside - 6.0) / 0.8) ** 2),
        field,
    )
    profiles = np.stack([rising, dark_rim, rim_peak, glare])
    limits = offsets[edge_fit._inner_limits(profiles, offsets).astype(int)]
    assert limits[0] == -10.0
    assert limits[1] == pytest.approx(-5.0, abs=0.75)
    assert limits[2] == pytest.approx(-7.0, abs=0.75)
    assert limits[3] == pytest.approx(-6.0, abs=0.75)


def test_a_plain_blurred_step_keeps_its_slope_peak_edge() -> None:
    # A silhouette is all step: refinement must leave it where the slope peak put it.
    pixels, _ = annulus(noise=0.005)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=0.2)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=0.2)


def glare_banded_ring(glare: float) -> np.ndarray:
    """A grey ring (110–150 px) on a dark field with two glare bands along its crest.

    Front light on a torus can leave highlights many times brighter than the body: their
    flanks are then the strongest steps across each edge, the body's edge a weak one.
    """
    width, height, s = 480, 400, 4
    rows, cols = np.mgrid[0 : height * s, 0 : width * s]
    x = (cols + 0.5) / s - 0.5
    y = (rows + 0.5) / s - 0.5
    r = np.hypot(x - CENTER[0], y - CENTER[1])
    bands = np.exp(-0.5 * ((r - 122.0) / 2.0) ** 2) + np.exp(-0.5 * ((r - 138.0) / 2.0) ** 2)
    linear = np.where((r <= 150.0) & (r >= 110.0), 0.25 + glare * bands, 0.03)
    image = cv2.resize(linear.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    image = cv2.GaussianBlur(image, (0, 0), 1.0)
    image = image + np.random.default_rng(0).normal(0.0, 0.004, image.shape)
    return encode(image)


def test_the_body_edge_beside_a_far_brighter_glare_band_is_the_edge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = glare_banded_ring(glare=3.0)
    ring = inspect_pixels(pixels).ring
    assert ring is not None
    assert ring.outer_diameter_px == pytest.approx(300.0, abs=0.5)
    assert ring.inner_diameter_px == pytest.approx(220.0, abs=0.5)

    # Judged only against the ray's strongest step, the body's edge is too weak: the
    # glare band's flank is taken for the edge, several px inside the ring (along the
    # clear split alone: the find grown to the noise would also lead to the body's edge,
    # and so would the body read as a margin beyond the band, see inspector.imaging.outline).
    monkeypatch.setattr(edges, "SHARP_STEP_PX", 0.0)
    monkeypatch.setattr(outline, "_margin_beyond", lambda *args: None)
    monkeypatch.setattr(locate, "SAME_FIND_PX", float("inf"))
    monkeypatch.setattr(tracing, "RETRACE_ROUNDS", 0)  # nor traced again along the other
    glare_only = inspect_pixels(pixels).ring
    assert glare_only is not None
    assert glare_only.outer_diameter_px < 295.0
    assert glare_only.inner_diameter_px > 225.0


# --- evidence for edge runs --------------------------------------------------------------


def _outer_profile(measured_offset: np.ndarray) -> EdgeProfile:
    """The outer edge of :func:`annulus` (radius 150 about its centre) as measured."""
    n = measured_offset.size
    model = np.full(n, 150.0)
    return EdgeProfile(
        side=EdgeSide.OUTER,
        measured=model + measured_offset,
        model=model,
        inliers=np.abs(measured_offset) < 0.5,
        contrast=np.ones(n),
        blur_px=0.8,
        noise_px=0.05,
    )


def _linear(pixels: np.ndarray) -> np.ndarray:
    return tracing.linear_light(pixels)


def _dipped_profile() -> EdgeProfile:
    """The outer edge measured 4 px into the ring at 90° (the top of the image)."""
    n = 942
    theta = angles_for(n)
    top = np.abs(np.angle(np.exp(1j * (theta - np.pi / 2)))) < 0.03
    offset = np.random.default_rng(1).normal(0.0, 0.05, n)
    offset[top] -= 4.0
    return _outer_profile(offset)


def _projected(pixels: np.ndarray) -> np.ndarray:
    """An ``annulus`` image on the ring (1) / background (0) axis."""
    ring_level, background_level = 0.15, 0.85
    return project_image(
        _linear(pixels),
        np.array([1.0 / (ring_level - background_level)], np.float32),
        np.array([background_level]),
    )


@pytest.mark.parametrize("bitten", [True, False])
def test_an_edge_run_counts_only_where_the_image_changes(bitten: bool) -> None:
    # A 4 px deep dip in the measured outer edge at 90° (the top of the image). In one
    # image the rubber really is bitten there; in the other the ring is whole, and the
    # dip is only the edge finder's choice.
    profile = _dipped_profile()
    runs = find_edge_runs(profile)
    assert len(runs) == 1 and not runs[0].excess

    carve = [(CENTER[0], CENTER[1] - 150.0 - 0.0, 4.5)] if bitten else None
    signal = _projected(annulus(carve=carve)[0])
    seen = edge_run_is_seen(signal, CENTER, profile, runs[0], blur_px=0.8)
    assert seen is bitten


@pytest.mark.parametrize("left", [0.75, 0.2])
def test_a_run_into_the_ring_must_show_the_field_there(
    left: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same 4 px dip of the measured edge; inside the rim over the dip the ring reads
    # at ``left`` of its level: a step of shading that leaves the ring there (0.75), or
    # a bite showing nearly the field (0.2). Both change the picture.
    profile = _dipped_profile()
    (run,) = find_edge_runs(profile)
    signal = _projected(annulus()[0])
    rows, cols = np.mgrid[0 : signal.shape[0], 0 : signal.shape[1]]
    radius = np.hypot(cols - CENTER[0], rows - CENTER[1])
    angle = np.arctan2(CENTER[1] - rows, cols - CENTER[0])
    patch = (radius > 150.0 - 4.0) & (radius <= 150.5) & (np.abs(angle - np.pi / 2) < 0.03)
    signal = np.where(patch, left * signal, signal).astype(np.float32)
    assert edge_run_is_seen(signal, CENTER, profile, run, blur_px=0.8) is (left < 0.5)
    # Judged by the difference alone, the shading step was a bite too.
    monkeypatch.setattr(edge_evidence, "_shows_the_field", lambda *_: True)
    assert edge_run_is_seen(signal, CENTER, profile, run, blur_px=0.8)


def test_a_real_bite_is_still_reported_by_the_engine() -> None:
    pixels, _ = annulus(carve=[(CENTER[0], CENTER[1] - 150.0, 6.0)])
    defects = inspect_pixels(pixels).defects
    assert [d.type.value for d in defects] == ["non_fill"]


def test_a_run_is_compared_with_settled_rays_further_out_when_those_beside_it_waver() -> None:
    n = 942
    offset = np.zeros(n)
    offset[100:110] = -4.0  # the run
    offset[80:100] = np.nan  # unsettled edge right beside it on both sides
    offset[110:130] = np.nan
    profile = _outer_profile(offset)
    (run,) = [r for r in find_edge_runs(profile) if r.start >= 95]
    run_rays, neighbours = _ray_sets(profile, run)
    assert set(run_rays.tolist()) <= set(range(100, 110))
    assert neighbours.size >= 3
    assert np.all(np.isfinite(profile.measured[neighbours]))


@pytest.mark.parametrize(("gap", "flash"), [(-3.0, True), (4.0, False)])
def test_extra_material_must_be_joined_to_the_ring(
    gap: float, flash: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lump of the ring's colour at the top of the outer edge: overlapping it (flash), or
    # a speck of dust lying 4 px off it, which pulls the edge finder out along a few rays.
    speck = (CENTER[0], CENTER[1] - 150.0 - gap - 5.0, 5.0)
    pixels, _ = annulus(add=[speck])
    found = [(d.type.value, d.where.value) for d in inspect_pixels(pixels).defects]
    assert found == ([("flash", "outer_edge")] if flash else [])

    # Without the check the speck was called flash.
    monkeypatch.setattr(edge_evidence, "_detached", lambda *_: False)
    found = [(d.type.value, d.where.value) for d in inspect_pixels(pixels).defects]
    assert found == [("flash", "outer_edge")]


# --- concentric edges ----------------------------------------------------------------------


def _profile(side: EdgeSide, measured: np.ndarray, model: np.ndarray) -> EdgeProfile:
    return EdgeProfile(
        side=side,
        measured=measured,
        model=model,
        inliers=np.isfinite(measured),
        contrast=np.ones(measured.size),
        blur_px=1.0,
        noise_px=0.1,
    )


def test_edges_that_agree_on_the_section_are_left_alone() -> None:
    n = 720
    outer = _profile(EdgeSide.OUTER, np.full(n, 150.0), np.full(n, 150.0))
    inner_measured = np.full(n, 110.0)
    inner_measured[100:110] = 98.0  # a deep bite: local, not a stray edge
    inner = _profile(EdgeSide.INNER, inner_measured, np.full(n, 110.0))
    section = ring_cross_section(outer, inner, coarse_cross_px=35.0)
    assert section == pytest.approx(40.0)
    assert disagreement(outer, inner, section) == pytest.approx(10 / n)
    assert retrace_courses(outer, inner, section) == []


def test_an_edge_off_course_over_a_long_stretch_is_searched_along_the_other() -> None:
    n = 720
    theta = angles_for(n)
    outer_radius = 150.0 + 3.0 * np.cos(2.0 * theta)  # a slightly oval ring
    outer = _profile(EdgeSide.OUTER, outer_radius, outer_radius)
    inner_measured = outer_radius - 40.0
    inner_measured[200:400] = outer_radius[200:400] - 5.0  # found near the outer rim
    inner = _profile(EdgeSide.INNER, inner_measured, inner_measured)
    section = ring_cross_section(outer, inner, coarse_cross_px=38.0)
    assert section == pytest.approx(40.0)
    assert disagreement(outer, inner, section) == pytest.approx(200 / n)
    courses = retrace_courses(outer, inner, section)
    assert [c.side for c in courses] == [EdgeSide.INNER, EdgeSide.OUTER]
    np.testing.assert_allclose(courses[0].radius, outer_radius - 40.0)


def test_an_edge_a_tenth_of_the_section_inside_over_a_stretch_is_traced_again() -> None:
    # A front-lit ring whose flank fades into the background on one side: there the
    # outer edge is found 6 px (15 % of the section) inside, over a third of the ring.
    n = 720
    outer_radius = np.full(n, 150.0)
    outer_radius[240:480] -= 6.0
    outer = _profile(EdgeSide.OUTER, outer_radius, outer_radius)
    inner = _profile(EdgeSide.INNER, np.full(n, 110.0), np.full(n, 110.0))
    section = ring_cross_section(outer, inner, coarse_cross_px=40.0)
    assert disagreement(outer, inner, section) == pytest.approx(240 / n)
    courses = retrace_courses(outer, inner, section)
    assert EdgeSide.OUTER in [c.side for c in courses]
    # Ovality moves both edges together, and a shallow bite the section by 5 %: left alone.
    oval = 150.0 + 3.0 * np.cos(2.0 * angles_for(n))
    bitten = oval.copy()
    bitten[100:140] -= 2.0
    outer = _profile(EdgeSide.OUTER, bitten, oval)
    inner = _profile(EdgeSide.INNER, oval - 40.0, oval - 40.0)
    section = ring_cross_section(outer, inner, coarse_cross_px=40.0)
    assert disagreement(outer, inner, section) == 0.0
    assert retrace_courses(outer, inner, section) == []


def test_a_missing_edge_is_searched_with_the_coarse_section() -> None:
    n = 360
    outer = _profile(EdgeSide.OUTER, np.full(n, 150.0), np.full(n, 150.0))
    inner = _profile(EdgeSide.INNER, np.full(n, np.nan), np.zeros(n))
    section = ring_cross_section(outer, inner, coarse_cross_px=38.0)
    assert section == 38.0
    courses = retrace_courses(outer, inner, section)
    # Only the inner edge is searched again: the lost one has no model to follow.
    assert [c.side for c in courses] == [EdgeSide.INNER]
    np.testing.assert_allclose(courses[0].radius, 112.0)


def test_edges_off_course_on_opposite_sides_are_both_traced_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An amber ring on a dark field lit from the front: on one side the outer edge is
    # first found on the glare band, on the other side the inner edge is. Each is traced
    # again along its partner where that partner is right. (The body's own sharp edge
    # beside the glare now finds both edges at once here; without it, as where the body's
    # edge is soft, the first trace goes off course. The find grown to the background's
    # noise, a second reading, also leads to both edges: only the first is looked at.)
    monkeypatch.setattr(edges, "SHARP_STEP_PX", 0.0)
    monkeypatch.setattr(locate, "SAME_FIND_PX", float("inf"))
    image, truth = render_raw(scene_for_index(2718, 49))
    _assert_measured_as_drawn(image, truth, tolerance_px=1.0)

    monkeypatch.setattr(tracing, "RETRACE_ROUNDS", 0)
    # (An edge model fitted from the consistent majority of each edge also keeps off the
    # stretch found on the glare band: that is turned off here too.)
    monkeypatch.setattr(edges, "consistent_majority", lambda radius: None)
    as_traced = inspect_pixels(image).ring
    assert as_traced is not None
    assert abs(as_traced.outer_diameter_px - truth.ring.outer_diameter_px) > 5.0
    assert abs(as_traced.inner_diameter_px - truth.ring.inner_diameter_px) > 5.0


def test_an_edge_traced_again_in_too_few_directions_does_not_replace_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A black ring on a dark field lit from the front (seed 6262, ring_0194): the first
    # trace finds each edge in about half its directions, on opposite stretches, so the
    # two hardly pair. Traced again along its partner, the outer edge is found in 8 %
    # of them — so few that they cannot disagree much. Kept, that pair refused the ring as
    # untraceable; the first pair leads on to the ring's outline.
    image, truth = render_raw(scene_for_index(6262, 193))
    _assert_measured_as_drawn(image, truth, tolerance_px=1.0)

    # With no least coverage, neither for a retrace nor for the final edges, the edge
    # found in 8 % of its directions is kept and the ring is measured far off (its
    # outline is then looked for beyond the wrong edges).
    monkeypatch.setattr(tracing, "MIN_EDGE_COVERAGE", 0.0)
    ring = inspect_pixels(image).ring
    assert ring is not None
    assert abs(ring.inner_diameter_px - truth.ring.inner_diameter_px) > 5.0


# --- a wider search when an edge is not found --------------------------------------------


def test_an_edge_beyond_its_first_band_is_found_in_a_wider_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A white ring on a grey field lit from the side: the coarse find takes only its lit
    # core, so the true outer edge lies at the far end of its first search band (a band
    # of a third of the cross-section; the usual half reaches this ring's edge at once).
    # Only that find is looked at: grown to the background's noise it holds the ring.
    monkeypatch.setattr(tracing, "SEARCH_REACH", 0.35)
    monkeypatch.setattr(locate, "SAME_FIND_PX", float("inf"))
    scene = scene_for_index(31337, 0)
    image, truth = render_raw(scene)
    _assert_measured_as_drawn(image, truth, tolerance_px=1.5)

    monkeypatch.setattr(tracing, "WIDER_SEARCH_COVERAGE", 0.0)
    narrow = inspect_pixels(image)
    assert narrow.ring is None
    assert "outer edge could not be traced" in narrow.problems[0]


# --- cuts on a faintly read ring ----------------------------------------------------------


def test_a_gap_must_fall_by_most_of_the_level_around_it() -> None:
    # A ring read faintly (white on white): about 0.17 of each column reads as material.
    fraction = np.full(400, 0.17)
    fraction[::2] += 0.01  # column-to-column scatter of 0.01
    shallow = fraction.copy()
    shallow[100:103] = 0.10  # three columns a little lower: chance, as on ring_0023.jpg
    gap = fraction.copy()
    gap[200:210] = 0.0  # ten columns with no material at all
    scatter = 1.4826 * float(np.median(np.abs(np.diff(fraction)))) / np.sqrt(2.0)
    assert not _deep_gap(shallow, 100, 103, face=40, scatter=scatter)
    assert _deep_gap(gap, 200, 210, face=40, scatter=scatter)
    # A dip to nothing is still no gap where the fraction scatters as much as it falls.
    assert not _deep_gap(gap, 200, 210, face=40, scatter=0.05)


# --- a thin ring that vanishes in the reduced copy -----------------------------------------


def test_a_thin_faint_ring_is_looked_for_again_at_a_finer_scale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A white ring 22 px thick on a light field, 1920 px wide: about 4 px in the 400 px
    # copy, its lit crest no wider than the speck filter.
    image, truth = render_raw(scene_for_index(8128, 196))
    _assert_measured_as_drawn(image, truth, tolerance_px=1.5)

    monkeypatch.setattr(locate, "FINER_WORKING_SIZE", locate.WORKING_SIZE)
    coarse_only = inspect_pixels(image)
    assert coarse_only.ring is None
    assert coarse_only.problems == (
        "no ring found in view: nothing stands out from the background",
    )


def test_something_found_but_not_ring_shaped_is_not_looked_for_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A solid dark disc on a light field, 1200 px wide: found at once, and not a ring.
    image = np.full((900, 1200), 200, np.uint8)
    cv2.circle(image, (600, 450), 200, 30, -1, cv2.LINE_AA)
    sizes: list[int] = []
    look = locate._locate_at

    def counted(pixels: np.ndarray, working_size: int) -> locate.RingReadings:
        sizes.append(working_size)
        return look(pixels, working_size)

    monkeypatch.setattr(locate, "_locate_at", counted)
    with pytest.raises(locate.RingNotFound, match="no central hole"):
        locate.locate_readings(image)
    assert sizes == [locate.WORKING_SIZE]


def test_the_edge_search_reaches_past_a_glare_band_taken_for_the_rim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A black ring on a light field lit from the front: the coarse outline follows the
    # glare band, and the true edges lie more than a third of a cross-section beyond it.
    # Only that outline is looked at: grown to the background's noise it holds the ring.
    monkeypatch.setattr(locate, "SAME_FIND_PX", float("inf"))
    image, truth = render_raw(scene_for_index(5150, 172))
    _assert_measured_as_drawn(image, truth, tolerance_px=0.5)

    monkeypatch.setattr(tracing, "SEARCH_REACH", 0.35)
    monkeypatch.setattr(tracing, "RETRACE_ROUNDS", 0)  # nor traced again along the other
    # nor modelled from the edge's consistent majority, which keeps off the short stretch
    monkeypatch.setattr(edges, "consistent_majority", lambda radius: None)
    shorter = inspect_pixels(image).ring
    assert shorter is not None
    assert truth.ring.outer_diameter_px - shorter.outer_diameter_px > 1.5
    assert shorter.inner_diameter_px - truth.ring.inner_diameter_px > 1.5
