"""Locating the ring (inspector.imaging.locate) where what stands out is more than the
ring."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.imaging import locate


def _two_rims_beside_a_patch_of_light(
    seed: int = 0, center_x: float = 250.0, patch_levels: float = 14.0
) -> np.ndarray:
    """A white ring on a light field (200 of 255) seen only by its two faint rims (16
    levels darker, at radii 80 and 90 about (``center_x``, 150)), and a broad patch of
    light 14 levels brighter running into the left border: uneven lighting the
    background model does not follow."""
    rows, cols = np.mgrid[0:300, 0:400].astype(np.float64)
    radius = np.hypot(cols - center_x, rows - 150.0)
    patch = np.exp(-0.5 * ((cols - 20.0) ** 2 + (rows - 150.0) ** 2) / 45.0**2)
    level = 200.0 + patch_levels * patch
    for rim in (80.0, 90.0):
        level -= 16.0 * np.exp(-0.5 * ((radius - rim) / 1.2) ** 2)
    level += np.random.default_rng(seed).normal(0.0, 2.0, level.shape)
    return np.clip(level, 0, 255).astype(np.uint8)


def test_a_ring_beside_a_patch_of_light_is_found_apart_from_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pixels = _two_rims_beside_a_patch_of_light()
    ring = locate.locate_readings(pixels).first
    assert ring.center == pytest.approx((250.0, 150.0), abs=1.0)
    assert float(np.median(ring.outer_radius)) == pytest.approx(91.0, abs=3.0)
    assert float(np.median(ring.inner_radius)) == pytest.approx(79.0, abs=3.0)
    assert not ring.touches_border

    # Taken together, the patch and the rims make an object off the ring that runs into
    # the border: the ring would be refused as not in view whole.
    monkeypatch.setattr(locate, "_concentric_parts", lambda foreground: None)
    together = locate.locate_readings(pixels).first
    assert together.touches_border
    assert together.center[0] < 230.0


def test_a_ring_that_runs_into_the_border_still_does() -> None:
    # The rims alone, 70 px further right: the outer one runs past the right border. No
    # group of objects makes a ring clear of the border, and the find says so.
    pixels = _two_rims_beside_a_patch_of_light(seed=1, center_x=320.0, patch_levels=0.0)
    ring = locate.locate_readings(pixels).first
    assert ring.touches_border
