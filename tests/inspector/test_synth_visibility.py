"""Which painted defects the camera image shows: the truth's ``visible`` flag."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from inspector.synth import DefectType, random_scene, render_ring
from inspector.synth.visibility import (
    MIN_PEAK_DELTA,
    ROSE_SNR,
    defect_visibility,
    encode,
    encoded_noise,
)


def _images(delta: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    without = np.full((20, 20, 1), 0.5, dtype=np.float32)
    with_ = without.copy()
    with_[5 : 5 + size, 5 : 5 + size] += delta
    return with_, without


def test_snr_is_the_ideal_observer_sum_over_the_box() -> None:
    with_, without = _images(0.1, 2)  # 4 px of Δ 0.1 against σ 0.01: SNR sqrt(4·10²) = 20
    noise = np.full_like(without, 0.01)
    [(visible, snr, peak)] = defect_visibility(
        with_, without, noise, [(5, 5, 2, 2)], texture=0.0, blur_sigma_px=0.5
    )
    assert snr == pytest.approx(20.0)
    assert peak == pytest.approx(0.1)
    assert visible


def test_texture_adds_to_the_camera_noise() -> None:
    with_, without = _images(0.1, 2)
    noise = np.full_like(without, 0.03)
    [(_, snr, _)] = defect_visibility(
        with_, without, noise, [(5, 5, 2, 2)], texture=0.04, blur_sigma_px=0.5
    )
    assert snr == pytest.approx(2.0 * 0.1 / 0.05)  # σ = sqrt(0.03² + 0.04²) = 0.05
    assert snr < ROSE_SNR


def test_a_faint_wide_patch_needs_the_peak_floor() -> None:
    with_, without = _images(MIN_PEAK_DELTA / 2, 10)  # 100 px at SNR 10 each, but 2.5 levels
    noise = np.full_like(without, 0.001)
    [(visible, snr, peak)] = defect_visibility(
        with_, without, noise, [(5, 5, 10, 10)], texture=0.0, blur_sigma_px=0.5
    )
    assert snr > ROSE_SNR and peak < MIN_PEAK_DELTA
    assert not visible


def test_noise_follows_the_tone_curve() -> None:
    linear = np.full((4, 4, 3), 0.25, dtype=np.float32)
    encoded, blurred = encode(linear, blur_sigma_px=1.0, gamma=2.0, grey=True)
    assert encoded.shape == (4, 4, 1)
    assert encoded[0, 0, 0] == pytest.approx(0.5, abs=1e-5)
    sigma = encoded_noise(blurred, read_noise=0.01, shot_noise=0.0, gamma=2.0)
    # d(x^½)/dx at 0.25 is 1, so σ passes through unchanged
    assert sigma[0, 0, 0] == pytest.approx(0.01, rel=1e-4)


def test_rendered_truth_marks_a_strong_defect_visible_and_a_ghost_invisible() -> None:
    scene = random_scene(
        104, size=(480, 360), n_defects=1, first_defect=DefectType.INCLUSION, bit_depth=8
    )
    strong = dataclasses.replace(scene.defects[0], contrast=1.0, length_mm=0.6)
    _, truth = render_ring(dataclasses.replace(scene, defects=(strong,)))
    assert truth.defects[0].visible and truth.defects[0].snr is not None
    ghost = dataclasses.replace(
        scene.defects[0], type=DefectType.STAIN, contrast=0.002, length_mm=0.3
    )
    _, truth = render_ring(dataclasses.replace(scene, defects=(ghost,)))
    assert not truth.defects[0].visible
    assert truth.defects[0].peak_delta is not None
    assert truth.defects[0].peak_delta < MIN_PEAK_DELTA
