"""Whether a painted defect can be seen at all in the image the camera makes of it.

The generator draws defect sizes and strengths from wide ranges, and the camera then
blurs, adds noise and quantises. Some defects come out below what any observer could
find: a 1 px scratch of low contrast under a 1.5 px blur, a faint stain on a textured
surface. Counting those as misses would measure the generator, not the engine, so each
defect's truth carries how visible it is, computed from the render itself:

- the noise-free camera image is rendered with and without the defects, and their
  difference ``Δ`` (gamma-encoded intensity, 0–1, the channel that differs most) is taken
  inside the defect's box, grown by the blur;
- the noise it must stand out from is the camera's (read and shot noise, carried through
  the tone curve to encoded units) plus the ring's own texture (the robust spread of the
  defect-free ring's fine detail);
- the defect is **visible** when its ideal-observer signal-to-noise ratio
  ``sqrt(Σ (Δ/σ)²)`` reaches the Rose criterion (:data:`ROSE_SNR`, A. Rose, *J. Opt. Soc.
  Am.* 38, 1948: about 5 for reliable detection) **and** its strongest pixel differs by at
  least :data:`MIN_PEAK_DELTA` (about five grey levels of 255: fainter than that, a patch
  lost in texture and shading is not found by eye either).

The criterion depends only on the rendered signal and the noise, never on how the engine
works. The benchmark reports recall over visible defects and over all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]

#: Ideal-observer SNR a defect needs to count as visible (Rose criterion).
ROSE_SNR = 5.0

#: Smallest peak difference, in encoded intensity (0–1), of a visible defect.
MIN_PEAK_DELTA = 0.02


def encode(linear: F32, *, blur_sigma_px: float, gamma: float, grey: bool) -> tuple[F32, F32]:
    """The camera's noise-free output and its blurred linear input.

    Parameters
    ----------
    linear : (H, W, 3) ndarray of float32
        Scene radiance in linear light, BGR.
    blur_sigma_px : float
    gamma : float
        The tone curve's exponent (output = input ** (1 / gamma)).
    grey : bool
        Monochrome camera.

    Returns
    -------
    encoded, blurred : (H, W, C) ndarrays of float32
        Encoded intensity in 0–1 and the blurred linear light, C = 1 or 3.
    """
    blurred = np.asarray(cv2.GaussianBlur(linear, (0, 0), blur_sigma_px), dtype=np.float32)
    if grey:
        blurred = np.asarray(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY), dtype=np.float32)
    blurred = np.clip(blurred, 0.0, 1.0).reshape(blurred.shape[0], blurred.shape[1], -1)
    return np.power(blurred, np.float32(1.0 / gamma)), blurred


def encoded_noise(blurred: F32, *, read_noise: float, shot_noise: float, gamma: float) -> F32:
    """Camera noise in encoded units: the linear σ times the tone curve's slope."""
    level = np.maximum(blurred, np.float32(1e-3))
    sigma_linear = np.sqrt(np.float32(read_noise**2) + np.float32(shot_noise) * level)
    slope = np.power(level, np.float32(1.0 / gamma - 1.0)) / np.float32(gamma)
    return np.asarray(sigma_linear * slope, dtype=np.float32)


def texture_sigma(encoded: F32, inside: npt.NDArray[np.bool_], *, blur_sigma_px: float) -> float:
    """Robust spread (MAD × 1.4826) of the fine detail of a defect-free image inside a mask."""
    base = cv2.GaussianBlur(encoded, (0, 0), max(2.0 * blur_sigma_px, 2.0))
    detail = (encoded - base.reshape(encoded.shape)).max(axis=2)
    values = detail[inside]
    if values.size < 50:
        return 0.0
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def defect_visibility(
    with_defects: F32,
    without_defects: F32,
    noise: F32,
    boxes: Sequence[tuple[int, int, int, int]],
    *,
    texture: float,
    blur_sigma_px: float,
) -> list[tuple[bool, float, float]]:
    """Visibility of each defect from the encoded images with and without the defects.

    Parameters
    ----------
    with_defects, without_defects : (H, W, C) ndarrays of float32
        Noise-free encoded images (see :func:`encode`).
    noise : (H, W, C) ndarray of float32
        Camera noise σ in encoded units (see :func:`encoded_noise`).
    boxes : sequence of (x, y, w, h)
        Each defect's box in px (x = column, y = row), before blur.
    texture : float
        The ring texture's σ in encoded units.
    blur_sigma_px : float

    Returns
    -------
    list of (visible, snr, peak_delta)
    """
    height, width = with_defects.shape[:2]
    grow = int(np.ceil(3.0 * blur_sigma_px)) + 2
    out: list[tuple[bool, float, float]] = []
    for x, y, w, h in boxes:
        # numpy slices are [row, col]: y selects rows, x columns
        r0, r1 = max(y - grow, 0), min(y + h + grow, height)
        c0, c1 = max(x - grow, 0), min(x + w + grow, width)
        if r1 <= r0 or c1 <= c0:
            out.append((False, 0.0, 0.0))
            continue
        delta = np.abs(with_defects[r0:r1, c0:c1] - without_defects[r0:r1, c0:c1])
        sigma = np.sqrt(noise[r0:r1, c0:c1] ** 2 + np.float32(texture**2))
        strongest = delta.max(axis=2)
        channel = np.argmax(delta.reshape(-1, delta.shape[2]).sum(axis=0))
        snr = float(np.sqrt(np.sum((delta[..., channel] / sigma[..., channel]) ** 2)))
        peak = float(strongest.max())
        out.append((snr >= ROSE_SNR and peak >= MIN_PEAK_DELTA, round(snr, 2), round(peak, 4)))
    return out
