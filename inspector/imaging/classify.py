"""Give each surface anomaly a defect type from its shape, polarity, colour and sharpness.

The rules follow what each defect physically is, not any particular camera or renderer:

- a *scratch* is a thin line, straight or gently curved, of even width;
- a *crack* is a dark fissure that is jagged (its centre line wanders, its width varies),
  that runs across much of the cross-section, or that runs in from an edge (where a ring
  is stressed; a line along the edge is more likely shading than a fissure);
- a *blister* is a round dome or void: lit on one side and shaded on the other (both
  lighter and darker parts; in a compact, sharp-rimmed region the fainter part may lie
  only just beside it), or a round spot of one polarity;
- an *inclusion* is a compact particle of another brightness or colour with a sharp rim;
- a *stain* is a soft-edged patch of discoloration: faint and extended, its contrast
  fading gradually from its middle.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from inspector.imaging.polar import median
from inspector.imaging.results import DefectType
from inspector.imaging.surface import GROW_SIGMAS, Anomaly, Strip

FloatArray = npt.NDArray[np.float64]

#: Length over width beyond which a region is a line (scratch or crack).
LINE_ELONGATION = 4.0
#: A region with at least this fraction both clearly lighter and clearly darker than
#: its surroundings is lit on one side and shaded on the other: a dome or a void.
BIPOLAR_FRACTION = 0.12
#: A compact, sharp-rimmed region with a deviation of the opposite sign this many noise
#: sigmas strong just beside it is lit on one side and shaded on the other, its fainter
#: side too faint to join the region: beyond what the noise reaches by chance around a
#: region (about 4). Applied to a soft-rimmed patch only where it is not faint
#: (FAINT_DELTA): a faint patch pulls its rows' running background and so leaves a halo
#: of the opposite sign around itself, while a dome under directional light fades at its
#: rim too and its shaded side is as strong as it.
SHADED_SIDE_SIGMAS = 5.0
#: A rim this many times wider than blur alone explains is a soft-edged patch (particles
#: measure 0.5–0.9, stains 1.1 and up on the generated sets).
SOFT_RIM = 1.2
#: A dark region filling less than this of its bounding box is branched or jagged.
SPARSE_FILL = 0.42
#: A patch differing by less than this (0–1 lightness) and covering at least
#: FAINT_MIN_AREA_PX is a discoloration rather than a particle.
FAINT_DELTA = 0.08
FAINT_MIN_AREA_PX = 100.0
#: A dark line reaching the inspected surface's inner or outer border runs in from that
#: edge when its axis is at least this far from the edge's direction (sin 20°: a line
#: within 20° of the edge's direction runs along it, as the edge's own shading does).
FROM_EDGE_ALIGNMENT = float(np.sin(np.deg2rad(20.0)))


@dataclass(frozen=True)
class ShapeFeatures:
    """Measurements of one anomaly in image pixels.

    Attributes
    ----------
    length_px : float
        Extent along the principal axis (largest dimension).
    width_px : float
        Extent across it; for a line, its mean width (area / length).
    area_px : float
    elongation : float
        ``length / width``.
    waviness : float
        RMS wander of the centre line about a smooth quadratic, relative to the width
        (lines only; 0 otherwise).
    width_variation : float
        Coefficient of variation of the width along the line (lines only).
    dark_fraction, bright_fraction : float
        Fractions of the region clearly darker / lighter than its surroundings.
    chroma_ratio : float
        Median colour deviation over median lightness deviation.
    half_max_fraction : float
        Fraction of the region standing out at least half as much as its peak:
        ≈1 for a sharp-rimmed object, small for a soft-edged patch.
    radial_span : float
        Fraction of the cross-section the region spans (0–1).
    radial_alignment : float
        |cos| of the angle between the principal axis and the radius (1 = radial).
    touches_edge : bool
        Reaches the inspected surface's inner or outer border (next to an edge).
    fill_ratio : float
        Region area over the area of its principal-axis box (round ≈ 0.79).
    peak_delta : float
        Largest lightness or colour deviation from the surroundings (0–1).
    opposite_sigmas : float
        Strongest deviation of the opposite sign just beside the region (noise sigmas).
    softness : float
        Width of the region's rim (from half its peak out to the detection threshold)
        over what the optics' blur alone would give a sharp-edged object of the same
        contrast: ≈1 for a particle, several for a soft-edged stain.
    coarse : bool
        Found only at the coarse scale.
    """

    length_px: float
    width_px: float
    area_px: float
    elongation: float
    waviness: float
    width_variation: float
    dark_fraction: float
    bright_fraction: float
    chroma_ratio: float
    half_max_fraction: float
    radial_span: float
    radial_alignment: float
    touches_edge: bool
    fill_ratio: float
    peak_delta: float
    opposite_sigmas: float
    softness: float
    coarse: bool


def shape_features(
    anomaly: Anomaly, strip: Strip, *, blur_px: float = 1.0
) -> tuple[ShapeFeatures, FloatArray, FloatArray]:
    """Measure an anomaly in image pixels.

    ``blur_px`` is the optics' blur (Gaussian sigma, px) measured on the ring's edges.

    Returns
    -------
    features : ShapeFeatures
    x, y : ndarray of float64
        Image coordinates of the anomaly's strip pixels.
    """
    rows = anomaly.rows.astype(np.float64)
    cols = anomaly.cols.astype(np.float64)
    x, y = strip.to_image_xy(rows, cols)
    weights = strip.pixel_area[anomaly.rows, anomaly.cols]
    area = float(weights.sum())

    points = np.stack([x, y], axis=1)
    centre = np.average(points, axis=0, weights=weights)
    centred = points - centre
    covariance = (centred * weights[:, None]).T @ centred / max(area, 1e-9)
    _, eigenvectors = np.linalg.eigh(covariance)
    major = eigenvectors[:, 1]
    minor = eigenvectors[:, 0]
    along = centred @ major
    across = centred @ minor
    # Each sample stands for about one pixel: add its own size to the extents.
    pixel = float(np.sqrt(median(weights)))
    length = float(along.max() - along.min()) + pixel
    minor_extent = float(across.max() - across.min()) + pixel
    elongation_box = length / max(minor_extent, 1e-9)
    width = area / length if elongation_box >= LINE_ELONGATION else minor_extent
    width = max(min(width, minor_extent), min(pixel, minor_extent))
    # The shape is judged on the region's core (where it stands out at least half as much
    # as its peak): the detection threshold also takes in the blur's skirt, which makes a
    # thin scratch look several pixels wide and so much less elongated than it is.
    elongation = _core_elongation(anomaly, along, across, weights, pixel)

    waviness = 0.0
    width_variation = 0.0
    if elongation >= LINE_ELONGATION and length >= 6 * pixel:
        waviness, width_variation = _line_regularity(along, across, weights, width, pixel)

    radial = np.array([centre[0] - strip.center[0], centre[1] - strip.center[1]])
    radial /= max(float(np.hypot(*radial)), 1e-9)
    radial_alignment = float(abs(major @ radial))

    z = anomaly.signed_z
    dark_fraction = float(np.mean(z < -GROW_SIGMAS))
    bright_fraction = float(np.mean(z > GROW_SIGMAS))
    lightness_level = float(median(np.abs(z)))
    chroma_level = float(median(anomaly.chroma_z))
    chroma_ratio = chroma_level / max(lightness_level, 1e-6)
    peak = float(anomaly.score.max())
    half_max_fraction = float(np.mean(anomaly.score >= 0.5 * peak))
    radial_span = float((anomaly.rows.max() - anomaly.rows.min() + 1) / strip.n_rows)
    fill_ratio = area / max(length * minor_extent, 1e-9)
    softness = _softness(anomaly, weights, peak, blur_px)

    features = ShapeFeatures(
        length_px=length,
        width_px=width,
        area_px=area,
        elongation=elongation,
        waviness=waviness,
        width_variation=width_variation,
        dark_fraction=dark_fraction,
        bright_fraction=bright_fraction,
        chroma_ratio=chroma_ratio,
        half_max_fraction=half_max_fraction,
        radial_span=radial_span,
        radial_alignment=radial_alignment,
        touches_edge=bool(anomaly.rows.min() == 0 or anomaly.rows.max() == strip.n_rows - 1),
        fill_ratio=fill_ratio,
        peak_delta=anomaly.peak_delta,
        opposite_sigmas=anomaly.opposite_sigmas,
        softness=softness,
        coarse=anomaly.coarse,
    )
    return features, x, y


def _core_elongation(
    anomaly: Anomaly,
    along: FloatArray,
    across: FloatArray,
    weights: FloatArray,
    pixel: float,
) -> float:
    """Length over mean width of the region's half-peak core, along the region's axis."""
    core = anomaly.score >= 0.5 * float(anomaly.score.max())
    if core.sum() < 2:
        return 1.0
    length = float(along[core].max() - along[core].min()) + pixel
    extent_across = float(across[core].max() - across[core].min()) + pixel
    mean_width = float(weights[core].sum()) / length
    width = max(min(mean_width, extent_across), min(pixel, extent_across))
    return length / max(width, 1e-9)


def _softness(anomaly: Anomaly, weights: FloatArray, peak: float, blur_px: float) -> float:
    """Rim width of a region relative to a blurred sharp edge of the same contrast.

    For a sharp-edged object blurred by a Gaussian of sigma ``s``, the profile falls from
    half its peak ``P`` to the detection threshold ``T`` over ``s · Φ⁻¹(1 - T/P)``; a stain
    whose strength fades gradually takes much longer.
    """
    smoothing = 3.0 if anomaly.coarse else 1.0
    sigma = float(np.hypot(blur_px, smoothing))
    threshold = GROW_SIGMAS
    if peak <= 2.0 * threshold:
        return 1.0
    whole = float(weights.sum())
    core = float(weights[anomaly.score >= 0.5 * peak].sum())
    rim = np.sqrt(whole / np.pi) - np.sqrt(core / np.pi)
    expected = sigma * max(float(NormalDist().inv_cdf(1.0 - threshold / peak)), 0.3)
    return float(rim / expected)


def _line_regularity(
    along: FloatArray, across: FloatArray, weights: FloatArray, width: float, pixel: float
) -> tuple[float, float]:
    """Wander of a line's centre about a quadratic, and the variation of its width."""
    step = max(2.0 * pixel, 1.0)
    bins = np.floor((along - along.min()) / step).astype(np.intp)
    n_bins = int(bins.max()) + 1
    if n_bins < 4:
        return 0.0, 0.0
    mass = np.bincount(bins, weights=weights, minlength=n_bins)
    present = mass > 0
    centre_line = (
        np.bincount(bins, weights=weights * across, minlength=n_bins)[present] / mass[present]
    )
    positions = (np.arange(n_bins)[present] + 0.5) * step
    if positions.size < 4:
        return 0.0, 0.0
    coefficients = np.polyfit(positions, centre_line, 2)
    wander = float(np.sqrt(np.mean((centre_line - np.polyval(coefficients, positions)) ** 2)))
    widths = mass[present] / step
    variation = float(np.std(widths)) / max(float(np.mean(widths)), 1e-9)
    return wander / max(width, pixel), variation


def classify_surface(features: ShapeFeatures) -> DefectType:
    """The defect type of a surface anomaly (see the module docstring for the rules)."""
    dark = features.dark_fraction >= 0.6
    line = features.elongation >= LINE_ELONGATION
    bipolar = min(features.dark_fraction, features.bright_fraction) >= BIPOLAR_FRACTION
    jagged = features.waviness > 0.6 or features.width_variation > 0.55
    across_section = (
        features.radial_alignment >= 0.7
        and features.radial_span >= 0.35
        and features.elongation >= 1.8
    )
    branched = features.fill_ratio < SPARSE_FILL and features.elongation >= 1.5
    from_edge = features.touches_edge and features.radial_alignment >= FROM_EDGE_ALIGNMENT
    if dark and not bipolar and (across_section or branched or (line and (jagged or from_edge))):
        return DefectType.CRACK
    if line:
        return DefectType.SCRATCH
    if bipolar:
        return DefectType.BLISTER
    faint_patch = features.peak_delta < FAINT_DELTA and features.area_px >= FAINT_MIN_AREA_PX
    if features.coarse or faint_patch:
        return DefectType.STAIN
    if features.softness >= SOFT_RIM:
        # A soft rim alone does not make a stain: a dome under directional light fades at
        # its rim too (see SHADED_SIDE_SIGMAS).
        shaded = features.opposite_sigmas >= SHADED_SIDE_SIGMAS
        dome = shaded and features.peak_delta >= FAINT_DELTA
        return DefectType.BLISTER if dome else DefectType.STAIN
    if features.opposite_sigmas >= SHADED_SIDE_SIGMAS:
        return DefectType.BLISTER
    return DefectType.INCLUSION
