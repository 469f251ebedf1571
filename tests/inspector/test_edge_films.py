"""Films beyond an edge too faint to move the measured edge (inspector.imaging.edge_films)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.special import ndtr

import inspector.imaging.engine as engine
from inspector.imaging.edge_films import FILM_REACH_PX, find_films
from inspector.imaging.edges import EdgeProfile, EdgeSide
from inspector.imaging.engine import inspect_pixels
from inspector.imaging.polar import angles_for
from inspector.imaging.results import DefectType, Where
from tests.inspector.test_engine import encode

SIZE = (420, 420)
CENTER = (210.4, 209.7)
OUTER, INNER = 150.0, 110.0


def _projected_ring(
    *,
    film: tuple[float, float, float] | None = None,
    film_side: EdgeSide = EdgeSide.OUTER,
    shade: tuple[float, float, float] | None = None,
    noise: float = 0.01,
    seed: int = 1,
) -> np.ndarray:
    """A ring projected on its colour axis (ring 1, field 0), blurred edges (σ 1 px).

    ``film`` is ``(angle_deg, half_arc_deg, width_px)``: a film 0.15 of the ring's
    contrast standing out beyond the edge on ``film_side``. ``shade`` the same for a
    shadow 0.15 deep that fades out over ``width_px`` from the outer edge.
    """
    height, width = SIZE[1], SIZE[0]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    dx, dy = cols - CENTER[0], rows - CENTER[1]
    r = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(-dy, dx)) % 360.0
    image = ndtr((OUTER - r) / 1.0) * ndtr((r - INNER) / 1.0)
    if film is not None:
        middle, half_arc, width_px = film
        along = np.abs((angle - middle + 180.0) % 360.0 - 180.0) <= half_arc
        if film_side is EdgeSide.OUTER:
            band = (r > OUTER) & (r < OUTER + width_px)
        else:
            band = (r < INNER) & (r > INNER - width_px)
        image += cv2.GaussianBlur((0.15 * (along & band)).astype(np.float64), (0, 0), 1.0)
    if shade is not None:
        middle, half_arc, width_px = shade
        along = np.abs((angle - middle + 180.0) % 360.0 - 180.0) <= half_arc
        fade = np.clip(1.0 - (r - OUTER) / width_px, 0.0, 1.0) * (r > OUTER)
        image += 0.15 * along * fade
    image += np.random.default_rng(seed).normal(0.0, noise, image.shape)
    return image.astype(np.float32)


def _edge(side: EdgeSide) -> EdgeProfile:
    radius = OUTER if side is EdgeSide.OUTER else INNER
    n = round(2.0 * np.pi * radius)
    return EdgeProfile(
        side=side,
        measured=np.full(n, radius),
        model=np.full(n, radius),
        inliers=np.ones(n, bool),
        contrast=np.ones(n),
        blur_px=1.0,
        noise_px=0.2,
    )


def _degrees(film_directions: np.ndarray, n: int) -> np.ndarray:
    return np.degrees(angles_for(n)[film_directions])


@pytest.mark.parametrize("side", [EdgeSide.OUTER, EdgeSide.INNER])
def test_a_faint_film_beyond_the_edge_is_found_where_it_is(side: EdgeSide) -> None:
    edge = _edge(side)
    image = _projected_ring(film=(90.0, 4.0, 4.0), film_side=side)
    films = find_films(image, CENTER, edge, blur_px=1.0, taken=np.zeros(edge.model.size, bool))
    assert len(films) == 1
    film = films[0]
    assert film.side is side
    degrees = _degrees(film.indices(), film.n)
    # Its stretch of the edge: the film's 8°, give or take the smoothing at its ends.
    assert 84.0 <= degrees.min() <= 89.0 and 91.0 <= degrees.max() <= 96.0
    assert film.reach_px == pytest.approx(4.0, abs=1.5)
    assert film.contrast == pytest.approx(0.15, abs=0.05)


def test_a_clean_edge_has_no_film() -> None:
    edge = _edge(EdgeSide.OUTER)
    image = _projected_ring()
    assert find_films(image, CENTER, edge, blur_px=1.0, taken=np.zeros(edge.model.size, bool)) == []


def test_a_film_an_edge_run_already_covers_is_not_found_again() -> None:
    edge = _edge(EdgeSide.OUTER)
    image = _projected_ring(film=(90.0, 4.0, 4.0))
    taken = np.abs(_degrees(np.arange(edge.model.size), edge.model.size) - 90.0) <= 2.0
    assert find_films(image, CENTER, edge, blur_px=1.0, taken=taken) == []


def test_what_reaches_as_far_as_the_profile_is_read_is_no_film() -> None:
    # A shadow as strong as the film, fading out only past the profile's end.
    edge = _edge(EdgeSide.OUTER)
    image = _projected_ring(shade=(90.0, 6.0, 2.0 * FILM_REACH_PX))
    assert find_films(image, CENTER, edge, blur_px=1.0, taken=np.zeros(edge.model.size, bool)) == []


def _backlit_ring_with_a_film(film_share: float) -> np.ndarray:
    """A dark ring against a back light (levels in linear light) with a translucent film
    4 px wide over 8° at the top of its outer edge, ``film_share`` as dark as the ring."""
    height, width = SIZE[1], SIZE[0]
    s = 4
    rows, cols = np.mgrid[0 : height * s, 0 : width * s]
    x, y = (cols + 0.5) / s - 0.5, (rows + 0.5) / s - 0.5
    r = np.hypot(x - CENTER[0], y - CENTER[1])
    angle = np.degrees(np.arctan2(-(y - CENTER[1]), x - CENTER[0])) % 360.0
    ring = ((r <= OUTER) & (r >= INNER)).astype(np.float32)
    film = ((r > OUTER) & (r < OUTER + 4.0) & (np.abs(angle - 90.0) <= 4.0)).astype(np.float32)
    coverage = cv2.resize(ring + film_share * film, (width, height), interpolation=cv2.INTER_AREA)
    field, material = 0.85, 0.12
    image = field + (material - field) * coverage
    image = cv2.GaussianBlur(image, (0, 0), 0.9)
    image = image + np.random.default_rng(3).normal(0.0, 0.008, image.shape)
    return encode(image)


def test_a_faint_film_on_a_back_lit_ring_is_flash(monkeypatch: pytest.MonkeyPatch) -> None:
    pixels = _backlit_ring_with_a_film(0.15)
    found = inspect_pixels(pixels).defects
    assert [(d.type, d.where) for d in found] == [(DefectType.FLASH, Where.OUTER_EDGE)]
    flash = found[0]
    assert flash.angle_deg == pytest.approx(90.0, abs=2.0)
    # Its stretch of the edge (8° of 150 px: 21 px) and how far it stands out.
    assert flash.length_px == pytest.approx(21.0, abs=6.0)
    assert flash.width_px == pytest.approx(4.0, abs=1.5)

    # The film does not move the measured edge: without the search beyond it, it is missed.
    monkeypatch.setattr(engine, "find_films", lambda *_, **__: [])
    assert inspect_pixels(pixels).defects == ()
