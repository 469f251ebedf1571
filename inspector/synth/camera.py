"""What a colour camera does to an image that the renderer does not: a Bayer mosaic.

The renderer gives every pixel all three colours. A colour camera measures one colour per
pixel through a Bayer mosaic (red, green, green, blue in each 2×2 cell) and interpolates
the other two from the neighbours (demosaicing). Noise and fine texture then come out
with false colour, and a hot pixel of the sensor comes out as a small tent in one colour
plane. These functions let tests and benchmarks put rendered images through that.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt


def bayer_mosaic(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The RGGB mosaic a colour sensor records of an image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Monochrome (seen as grey) or BGR; an odd last row or column is dropped.

    Returns
    -------
    (H', W') ndarray of the image's dtype
        Red at even rows and even columns, blue at odd rows and odd columns, green
        elsewhere.
    """
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    height, width = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    image = image[:height, :width]
    mosaic = np.empty((height, width), image.dtype)
    mosaic[0::2, 0::2] = image[0::2, 0::2, 2]
    mosaic[0::2, 1::2] = image[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = image[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = image[1::2, 1::2, 0]
    return mosaic


def demosaic(mosaic: npt.NDArray[Any], *, method: str = "bilinear") -> npt.NDArray[Any]:
    """A BGR image interpolated from an RGGB mosaic, as a camera does.

    Parameters
    ----------
    mosaic : (H, W) ndarray of uint8 or uint16
    method : {"bilinear", "edge-aware", "vng"}
        OpenCV's demosaicing methods; "vng" takes 8-bit mosaics only.
    """
    # OpenCV names a Bayer pattern by its second row's second and third pixels: an RGGB
    # mosaic is its "BG" pattern.
    codes = {
        "bilinear": cv2.COLOR_BayerBG2BGR,
        "edge-aware": cv2.COLOR_BayerBG2BGR_EA,
        "vng": cv2.COLOR_BayerBG2BGR_VNG,
    }
    if method not in codes:
        raise ValueError(f"unknown demosaicing method {method!r}; known: {', '.join(codes)}")
    return np.asarray(cv2.cvtColor(mosaic, codes[method]))


def with_hot_pixels(
    mosaic: npt.NDArray[Any], rng: np.random.Generator, *, per_megapixel: float
) -> npt.NDArray[Any]:
    """A copy of a mosaic with hot pixels, as a sensor without defect-pixel correction has.

    Parameters
    ----------
    mosaic : (H, W) ndarray of uint8 or uint16
    rng : numpy Generator
    per_megapixel : float
        How many, per million pixels; each at a random 30–100 % of full scale (never
        darker than the pixel already is).
    """
    spoilt = mosaic.copy()
    height, width = spoilt.shape
    count = round(per_megapixel * height * width / 1e6)
    rows, cols = rng.integers(0, height, count), rng.integers(0, width, count)
    top = float(np.iinfo(spoilt.dtype).max)
    level = (rng.uniform(0.3, 1.0, count) * top).astype(spoilt.dtype)
    spoilt[rows, cols] = np.maximum(spoilt[rows, cols], level)
    return spoilt
