"""Single-pixel impulses: hot, stuck or dead sensor pixels, not features of the ring.

Every feature of the scene reaches the sensor through the optics, whose blur spreads even
a point into its neighbours (a Gaussian of sigma 0.5 px already gives each side
neighbour 14 % of the peak). A pixel that stands out from *all* eight neighbours by
nearly its whole departure from their median was not seen through the lens: it is the
sensor's own (a hot pixel, a cosmic-ray hit, a stuck or dead pixel). Left in, each one on
the ring would be reported as a tiny inclusion; they are replaced by their neighbours'
median before the edges and the surface are looked at.

A colour camera sees through a Bayer mosaic: each pixel measures one colour, and the
camera interpolates the other two from its neighbours. A hot or dead pixel of the mosaic
then reaches the image as a small tent in one colour plane (a 3×3 block, its middle at
full strength, its sides at a half or a quarter), which the single-pixel test does not
take for an impulse: its neighbours are part of the way up, as a blurred point's are.
But the lens blurs every colour alike, so a feature of the scene changes the other
planes too, in proportion to their level. A spot confined to a 3×3 block of one plane,
with the other planes unmoved there, is the mosaic's; that plane there takes the
level of its surroundings.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: A pixel is an impulse when it departs from its neighbours' median by this many noise
#: sigmas (robust, over the window)…
IMPULSE_SIGMAS = 8.0
#: …and its nearest neighbour in value is still this fraction of that departure away: a
#: blurred feature of the scene always has neighbours part of the way up.
ISOLATION = 0.85

#: A spot in one colour plane is the mosaic's when the other planes depart there from
#: their surroundings by less than this share of its departure, each relative to its
#: plane's level (a point of the scene that differs from the surface in one colour some
#: seven times more than in the others, beyond their noise, is taken for the mosaic's if
#: no wider than the blur: a saturated speck too small to judge at its size)…
OTHER_PLANES_SHARE = 0.15
#: …and its eight neighbours stand out on average by at most this share of its middle:
#: a demosaiced pixel gives them a half or a quarter (0.375 on average at most), a point
#: blurred by a Gaussian of sigma 1.1 px or more gives them more.
CONFINED_SHARE = 0.55
#: At most this share of the pixels (and at least this many) are looked at as such spots,
#: the strongest candidates first.
MAX_MOSAIC_SHARE = 0.002
MIN_MOSAIC_BUDGET = 100

_RING = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)
#: The border of a 5×5 block, the design of a plane over the block (1, row, column from
#: the middle), and the least-squares fit of that plane to the border's 16 values.
_BORDER = np.pad(np.zeros((3, 3), bool), 1, constant_values=True)
_BLOCK_DESIGN = np.stack(
    [np.ones(25), *(axis.ravel() for axis in np.mgrid[-2:3, -2:3].astype(np.float64))], axis=1
)
_BORDER_FIT = np.linalg.pinv(_BLOCK_DESIGN[_BORDER.ravel()])


def remove_impulses(image: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], int]:
    """Replace sensor impulses: single pixels by the median of their 5×5 neighbourhood,
    a colour image's demosaiced hot pixels (3×3 in one plane) by their surroundings.

    Cheap on a clean image (a few ms for 1600×1200 colour): a dilation and an erosion
    find the pixels that stand out from all their neighbours; only those few are looked
    at more closely.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray of uint8 or uint16
        Not modified.

    Returns
    -------
    cleaned : ndarray
        ``image`` itself when no impulse was found, else a corrected copy.
    count : int
        Impulses replaced: single values (pixels × channels) and demosaiced spots.
    """
    height, width = image.shape[:2]
    if height < 5 or width < 5:
        return image, 0
    channels = 1 if image.ndim == 2 else image.shape[2]
    sigmas = np.array([_difference_sigma(image, c) for c in range(channels)])
    thresholds = np.maximum(IMPULSE_SIGMAS * sigmas, 2.0)
    mosaic_thresholds = _mosaic_thresholds(sigmas) if channels == 3 else thresholds
    # Saturating differences in the image's own dtype, all channels at once: how far each
    # value rises above the brightest of its 8 neighbours, or falls below the darkest.
    above = cv2.subtract(image, cv2.dilate(image, _RING))
    below = cv2.subtract(cv2.erode(image, _RING), image)
    standout = cv2.max(above, below).reshape(height, width * channels)
    # The common case, a clean image, ends at one count of the lowest threshold. (The
    # middle of a demosaiced pixel's tent stands out from its eight neighbours by at least
    # half its height: they rise a half or a quarter of the way.)
    floor = min(float(thresholds.min()), 0.5 * float(mosaic_thresholds.min()))
    candidate = standout > _whole_level(floor, standout.dtype)
    if cv2.countNonZero(candidate.view(np.uint8)) == 0:
        return image, 0
    # Flat indices split into row and column: the same as np.nonzero of the 2-D mask,
    # which is some twenty times slower (5 ms on a large colour window).
    rows, flat = np.divmod(np.flatnonzero(candidate), width * channels)
    cols, channel = np.divmod(flat, channels)
    height_above = standout[rows, flat]
    single = height_above > thresholds[channel]
    cleaned, count = _single_pixel_impulses(
        image, standout, rows[single], cols[single], channel[single], thresholds
    )
    if channels == 3:
        strength = height_above / (0.5 * mosaic_thresholds[channel])
        tent = np.flatnonzero(strength > 1.0)
        # A sensor has a few hundred hot pixels per megapixel at most; where a noisy plane
        # (clipped near-black rubber, heavy JPEG) gives far more candidates, the strongest
        # are looked at, so the cost stays bounded.
        budget = max(MIN_MOSAIC_BUDGET, int(MAX_MOSAIC_SHARE * height * width))
        if tent.size > budget:
            tent = tent[np.argpartition(strength[tent], tent.size - budget)[-budget:]]
        cleaned, mosaic = _mosaic_impulses(
            cleaned, rows[tent], cols[tent], channel[tent], mosaic_thresholds, copied=count > 0
        )
        count += mosaic
    return cleaned, count


def _mosaic_thresholds(sigmas: FloatArray) -> FloatArray:
    """Each colour plane's impulse threshold for the mosaic test.

    Interpolated planes can repeat values along a row, which makes a plane's noise from
    neighbour differences come out near zero: no plane is taken for much quieter than the
    noisiest.
    """
    return np.maximum(IMPULSE_SIGMAS * np.maximum(sigmas, 0.5 * float(sigmas.max())), 2.0)


def _single_pixel_impulses(
    image: npt.NDArray[Any],
    standout: npt.NDArray[Any],
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    channel: npt.NDArray[np.intp],
    thresholds: FloatArray,
) -> tuple[npt.NDArray[Any], int]:
    """Values that stand out from all eight neighbours, replaced by their 5×5 median.

    ``standout`` is how far each value stands out from its eight neighbours, (H, W·C);
    ``rows, cols, channel`` the values standing out by more than their channel's
    threshold.
    """
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    if rows.size == 0:
        return image, 0
    planes = image.reshape(height, width, channels)
    # The surroundings' level at each candidate: the median of its 5×5 block (a 3×3 one
    # would side with a blurred point's own, equally lit, side neighbours).
    r = np.clip(rows, 2, height - 3)
    c = np.clip(cols, 2, width - 3)
    offsets = np.arange(-2, 3)
    blocks = planes[
        r[:, None, None] + offsets[None, :, None],
        c[:, None, None] + offsets[None, None, :],
        channel[:, None, None],
    ].reshape(r.size, 25)
    background = np.median(blocks, axis=1)
    value = planes[rows, cols, channel].astype(np.float64)
    departure = np.abs(value - background)
    excess = standout[rows, cols * channels + channel].astype(np.float64)
    isolated = (departure > thresholds[channel]) & (excess > ISOLATION * departure)
    if not isolated.any():
        return image, 0
    cleaned = image.copy()
    target = cleaned.reshape(height, width, channels)
    target[rows[isolated], cols[isolated], channel[isolated]] = np.round(
        background[isolated]
    ).astype(image.dtype)
    return cleaned, int(isolated.sum())


def _mosaic_impulses(
    image: npt.NDArray[Any],
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    channel: npt.NDArray[np.intp],
    thresholds: FloatArray,
    *,
    copied: bool,
) -> tuple[npt.NDArray[Any], int]:
    """Spots of one colour plane confined to a 3×3 block: filled from their surroundings.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8 or uint16
    rows, cols, channel : ndarray of int
        The candidates: values standing out from their eight neighbours by at least half
        their plane's threshold.
    thresholds : (3,) ndarray of float64
        Each plane's impulse threshold (see :func:`_mosaic_thresholds`).
    copied : bool
        ``image`` is already a copy of the caller's and may be changed in place.

    Returns
    -------
    cleaned : ndarray
        ``image`` itself when none was found, else a corrected image.
    count : int
        Spots filled.
    """
    height, width = image.shape[:2]
    inside = (rows >= 2) & (rows < height - 2) & (cols >= 2) & (cols < width - 2)
    rows, cols, channel = rows[inside], cols[inside], channel[inside]
    if rows.size == 0:
        return image, 0
    offsets = np.arange(-2, 3)
    blocks = image[
        rows[:, None, None] + offsets[None, :, None], cols[:, None, None] + offsets[None, None, :]
    ].astype(np.float64)  # (k, 5, 5, 3)
    # The surroundings: a plane through the block's border in each colour (the spot may
    # sit on the slope of an edge), and the border's scatter about it.
    surface = np.einsum("ij,kjc->kic", _BORDER_FIT, blocks[:, _BORDER, :])  # (k, 3, 3)
    expected = np.einsum("pi,kic->kpc", _BLOCK_DESIGN, surface).reshape(-1, 5, 5, 3)
    residual = blocks - expected
    level = surface[:, 0, :]  # (k, 3): each plane's surroundings at the middle
    spread = np.abs(residual[:, 2, 2, :])  # (k, 3)
    k = np.arange(rows.size)
    own = spread[k, channel]
    # The border's scatter about its plane, in each colour: the surface's own noise and
    # texture there.
    scatter = 1.4826 * np.median(np.abs(residual[:, _BORDER, :]), axis=1)  # (k, 3)
    # Each plane's departure relative to its level, the other planes' less what their
    # noise reaches (a dark plane's noise alone is a large share of its level).
    scale = np.maximum(level, thresholds[np.newaxis, :])
    noise = np.maximum(0.25 * thresholds[np.newaxis, :], 3.0 * scatter)
    relative = np.maximum(spread - noise, 0.0) / scale
    relative[k, channel] = own / scale[k, channel]
    others = relative.copy()
    others[k, channel] = 0.0
    lone = others.max(axis=1) < OTHER_PLANES_SHARE * relative[k, channel]
    spot = residual[k, :, :, channel]  # (k, 5, 5)
    sign = np.sign(spot[:, 2, 2])
    near = np.delete(spot[:, 1:4, 1:4].reshape(-1, 9), 4, axis=1)  # (k, 8)
    lift = (sign[:, None] * near).mean(axis=1)
    confined = lift <= CONFINED_SHARE * own
    # Clear of the surroundings' own scatter too: where the surface is noisier than the
    # image at large (a dark surface, whose noise the tone curve stretches), a noise
    # spike is not a sensor pixel.
    found = (
        lone & confined & (own > thresholds[channel]) & (own > IMPULSE_SIGMAS * scatter[k, channel])
    )
    if not found.any():
        return image, 0
    cleaned = image if copied else image.copy()
    top = float(np.iinfo(image.dtype).max) if image.dtype.kind == "u" else np.inf
    # The spot's plane takes its surroundings' plane over the 3×3 block. (Rebuilding it
    # from the other planes' detail would carry their noise over, multiplied by the
    # ratio of the levels: a dark plane's noise made large in a bright one.)
    fill = np.clip(np.round(expected[found][:, 1:4, 1:4, :]), 0.0, top).astype(image.dtype)
    planes = channel[found]
    flat_fill = fill[np.arange(planes.size), :, :, planes]  # (m, 3, 3)
    for dy in range(3):
        for dx in range(3):
            cleaned[rows[found] + dy - 1, cols[found] + dx - 1, planes] = flat_fill[:, dy, dx]
    return cleaned, int(found.sum())


def _whole_level(threshold: float, dtype: np.dtype[Any]) -> Any:
    """The threshold as a scalar of ``dtype`` that whole-number values exceed exactly when
    they exceed ``threshold`` (its integer part, clamped to the dtype's range).

    Compared against a Python float, numpy widens every uint8 value to float64 first:
    1 ms on a large window, against 0.1 ms in the image's own dtype.
    """
    if dtype.kind != "u":
        return threshold
    return dtype.type(min(int(threshold), int(np.iinfo(dtype).max)))


def _difference_sigma(image: npt.NDArray[Any], channel: int) -> float:
    """Noise sigma of one pixel from the differences of horizontal neighbours (robust, on
    every 16th row): the scale on which a pixel departs from its neighbours.

    The differences of neighbouring pixels are centred on zero in any image, so their
    median absolute value alone is their robust spread (one selection, not two).
    """
    rows = image[::16] if image.ndim == 2 else image[::16, :, channel]
    values = rows.astype(np.int32)
    differences = np.abs(values[:, 1:] - values[:, :-1]).ravel()
    # Integer differences: their median from a histogram (selection is slow on the many
    # ties of a smooth image's small differences).
    cumulative = np.cumsum(np.bincount(differences))
    mad = float(np.searchsorted(cumulative, differences.size / 2.0))
    return float(1.4826 * mad / np.sqrt(2.0))
