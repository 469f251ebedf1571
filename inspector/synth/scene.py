"""Random scene parameters for one synthetic ring image.

A :class:`Scene` holds every choice that shapes an image: the part and its actual
dimensions, where the ring sits, material, lighting, camera and the defects to paint.
Fine detail (surface texture, dust, noise) is drawn at render time from streams
seeded by ``Scene.seed``, one stream per purpose, so removing a defect from a scene
leaves every other pixel's randomness unchanged.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from inspector.paths import MODELS_DIR
from inspector.synth.truth import (
    Background,
    DefectType,
    Lighting,
    Material,
    Where,
    ellipse_perimeter,
)

#: Camera sizes (width, height) drawn when no size is fixed.
CAMERA_SIZES: tuple[tuple[int, int], ...] = (
    (640, 480),
    (800, 600),
    (1024, 768),
    (1280, 960),
    (1280, 1024),
    (1600, 1200),
    (1920, 1080),
    (2048, 1536),
    (2448, 2048),
)
#: File formats by extension; 16-bit is written only to PNG and TIFF.
FORMATS: tuple[str, ...] = ("png", "jpeg", "tiff", "bmp")
SIXTEEN_BIT_FORMATS: frozenset[str] = frozenset({"png", "tiff"})
EXTENSIONS: dict[str, str] = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "bmp": ".bmp"}

#: Smallest scale and cross-section the generator accepts, so defects stay visible.
MIN_PX_PER_MM = 12.0
MIN_CS_PX = 14.0

_AS568_CSV = MODELS_DIR / "standards" / "as568.csv"


@dataclass(frozen=True)
class Part:
    """One AS568 size: nominal ID and CS with their ± tolerances, in mm."""

    name: str
    id_mm: float
    id_tol_mm: float
    cs_mm: float
    cs_tol_mm: float


@dataclass(frozen=True)
class DefectSpec:
    """What to paint for one defect; the painter draws its outline from ``seed``.

    ``phi`` is the parametric angle on the ring's ellipse in rad; ``u`` the position
    across the cross-section (−1 inner edge, +1 outer edge); ``length_mm`` and
    ``width_mm`` the intended sizes (a painter may trim them to fit the ring and
    reports what it painted); ``orientation`` the direction relative to the ring's
    tangent in rad; ``contrast`` in [0, 1]; ``light`` the polarity where it applies.
    """

    type: DefectType
    where: Where
    seed: int
    phi: float
    u: float
    length_mm: float
    width_mm: float
    orientation: float
    contrast: float
    light: bool


@dataclass(frozen=True)
class Look:
    """Lighting, optics and camera settings.

    Light directions are in image axes (x right, y down, z towards the camera).
    Intensities are linear, 1.0 = full scale before the tone curve.
    """

    light_azimuth_deg: float
    light_elevation_deg: float
    ring_light: bool
    exposure: float
    fill_light: float
    specular: float
    shininess: float
    gradient: float
    gradient_deg: float
    vignetting: float
    unevenness: float
    gamma: float
    blur_sigma_px: float
    read_noise: float
    shot_noise: float
    dust: int
    fibres: int


@dataclass(frozen=True)
class Scene:
    """Every choice behind one image; :func:`inspector.synth.render_ring` draws it.

    ``center_px`` is ``(x, y)``, x = column. ``ovality_pct`` is of the outer edge.
    """

    seed: int
    file: str
    width: int
    height: int
    format: str
    bit_depth: int
    channels: int
    jpeg_quality: int | None
    material: Material
    background: Background
    lighting: Lighting
    part: Part
    id_mm: float
    cs_mm: float
    dims_in_tolerance: bool
    px_per_mm: float
    center_px: tuple[float, float]
    ovality_pct: float
    rotation_deg: float
    look: Look
    defects: tuple[DefectSpec, ...] = ()


@cache
def load_parts(path: Path = _AS568_CSV) -> tuple[Part, ...]:
    """Read the AS568 table; part names are ``AS568-<dash>``."""
    parts = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parts.append(
                Part(
                    name=f"AS568-{row['dash'].strip()}",
                    id_mm=float(row["id_mm"]),
                    id_tol_mm=float(row["id_tol_mm"]),
                    cs_mm=float(row["cs_mm"]),
                    cs_tol_mm=float(row["cs_tol_mm"]),
                )
            )
    return tuple(parts)


def image_seed(set_seed: int, index: int) -> int:
    """Derive the seed of image ``index`` (0-based) of a set, independent of the others."""
    state = np.random.SeedSequence([int(set_seed), int(index)]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def _weyl(index: int, step: float, offset: float) -> float:
    """Low-discrepancy fraction in [0, 1): spreads choices evenly over a set."""
    return (index * step + offset) % 1.0


def scene_for_index(
    set_seed: int,
    index: int,
    *,
    size: tuple[int, int] | None = None,
    sizes: Sequence[tuple[int, int]] | None = None,
    good_fraction: float = 0.4,
    out_of_tolerance_fraction: float = 0.1,
    formats: Sequence[str] | None = None,
    defect_types: Sequence[DefectType | str] | None = None,
) -> Scene:
    """Draw the scene of image ``index`` of the set seeded ``set_seed``.

    Which images are good and which defect type leads each defective image come from
    low-discrepancy sequences over the index, so any set is balanced yet image ``k``
    is reproducible on its own.
    """
    types = _types(defect_types)
    offset = (set_seed * 0.7548776662466927) % 1.0
    good = _weyl(index, 0.6180339887498949, offset) < good_fraction
    first = types[int(_weyl(index, 0.4142135623730951, offset) * len(types)) % len(types)]
    return random_scene(
        image_seed(set_seed, index),
        file=f"ring_{index + 1:04d}",
        size=size,
        sizes=sizes,
        defect_types=types,
        n_defects=0 if good else None,
        first_defect=None if good else first,
        out_of_tolerance_fraction=out_of_tolerance_fraction,
        formats=formats,
    )


def random_scene(
    seed: int,
    *,
    file: str = "ring",
    size: tuple[int, int] | None = None,
    sizes: Sequence[tuple[int, int]] | None = None,
    defect_types: Sequence[DefectType | str] | None = None,
    n_defects: int | None = None,
    first_defect: DefectType | str | None = None,
    out_of_tolerance_fraction: float = 0.1,
    out_of_tolerance: bool | None = None,
    formats: Sequence[str] | None = None,
    material: Material | str | None = None,
    background: Background | str | None = None,
    lighting: Lighting | str | None = None,
    bit_depth: int | None = None,
    channels: int | None = None,
) -> Scene:
    """Draw a whole scene from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    seed : int
        The image's seed; the same arguments always give the same scene.
    file : str
        File name without extension; the format's extension is appended.
    size : (width, height) in px, optional
        Fixed image size; drawn from ``sizes`` when None.
    sizes : sequence of (width, height) in px, optional
        Sizes to draw from; :data:`CAMERA_SIZES` when None.
    defect_types : sequence of DefectType, optional
        Types to draw defects from (all when None).
    n_defects : int, optional
        Number of defects; 1–3 when None.
    first_defect : DefectType, optional
        Type of the first defect (the rest are drawn from ``defect_types``).
    out_of_tolerance_fraction : float
        Chance that ID or CS lies 1.5–3 × tolerance off nominal.
    out_of_tolerance : bool, optional
        Force the dimensions out of (True) or within (False) tolerance.
    formats : sequence of str, optional
        Formats to draw from: ``png``, ``jpeg``, ``tiff``, ``bmp``.
    material, background, lighting, bit_depth, channels : optional
        Fix these choices instead of drawing them.
    """
    rng = np.random.default_rng(seed)
    pool = tuple(sizes) if sizes else CAMERA_SIZES
    width, height = size if size is not None else pool[int(rng.integers(len(pool)))]
    fmts = tuple(formats) if formats else FORMATS
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    fmt = str(rng.choice(fmts))
    depth = bit_depth if bit_depth is not None else (16 if rng.random() < 0.3 else 8)
    if depth == 16 and fmt not in SIXTEEN_BIT_FORMATS:
        depth = 8 if bit_depth is None else depth
        if depth == 16:
            fmt = "png" if "png" in fmts or not formats else "tiff"
    chans = channels if channels is not None else (3 if rng.random() < 0.6 else 1)
    quality = int(rng.integers(85, 96)) if fmt == "jpeg" else None

    mat = Material(material) if material is not None else Material(rng.choice(list(Material)))
    light = Lighting(lighting) if lighting is not None else Lighting(rng.choice(list(Lighting)))
    if background is not None:
        back = Background(background)
    elif light is Lighting.BACK:
        back = Background.LIGHT  # a back-light panel behind the ring is bright
    else:
        # black rubber on black velvet is a poor set-up; it happens, but rarely
        dark_p = 0.2 if mat is Material.BLACK else 0.55
        back = Background.DARK if rng.random() < dark_p else Background.LIGHT

    part, od_px = _draw_part(rng, width, height)
    oot = (
        out_of_tolerance
        if out_of_tolerance is not None
        else bool(rng.random() < out_of_tolerance_fraction)
    )
    id_mm, cs_mm = _draw_dims(rng, part, oot)
    px_per_mm = od_px / (id_mm + 2.0 * cs_mm)
    ovality = float(rng.uniform(0.0, 3.0) if rng.random() < 0.8 else rng.uniform(0.0, 0.5))
    rotation = float(rng.uniform(-90.0, 90.0))
    margin = 0.02 * min(width, height) + 2.0
    half = od_px / 2.0 * (1.0 + ovality / 200.0)
    cx = float(rng.uniform(half + margin, width - half - margin))
    cy = float(rng.uniform(half + margin, height - half - margin))

    look = _draw_look(rng, mat, light, back, width, height)
    types = _types(defect_types)
    count = int(rng.integers(1, 4)) if n_defects is None else n_defects
    kinds: list[DefectType] = []
    for k in range(count):
        if k == 0 and first_defect is not None:
            kinds.append(DefectType(first_defect))
        else:
            kinds.append(types[int(rng.integers(len(types)))])
    cs_px = cs_mm * px_per_mm
    defects = _place_defects(rng, kinds, cs_mm=cs_mm, px_per_mm=px_per_mm, cs_px=cs_px)
    return Scene(
        seed=int(seed),
        file=file + EXTENSIONS[fmt],
        width=int(width),
        height=int(height),
        format=fmt,
        bit_depth=int(depth),
        channels=int(chans),
        jpeg_quality=quality,
        material=mat,
        background=back,
        lighting=light,
        part=part,
        id_mm=id_mm,
        cs_mm=cs_mm,
        dims_in_tolerance=not oot,
        px_per_mm=float(px_per_mm),
        center_px=(cx, cy),
        ovality_pct=ovality,
        rotation_deg=rotation,
        look=look,
        defects=defects,
    )


def _types(defect_types: Sequence[DefectType | str] | None) -> tuple[DefectType, ...]:
    if not defect_types:
        return tuple(DefectType)
    return tuple(DefectType(kind) for kind in defect_types)


def _draw_part(rng: np.random.Generator, width: int, height: int) -> tuple[Part, float]:
    """Choose an AS568 size that shows well at this image size; return it and its OD in px."""
    short = float(min(width, height))
    lo_frac, hi_frac = 0.30, 0.92
    candidates = []
    for part in load_parts():
        if not 5.0 <= part.id_mm <= 120.0:
            continue
        od_mm = part.id_mm + 2.0 * part.cs_mm
        lo = max(lo_frac * short, MIN_PX_PER_MM * od_mm, MIN_CS_PX * od_mm / part.cs_mm)
        if lo <= hi_frac * short:
            candidates.append((part, lo))
    if not candidates:
        raise ValueError(f"image {width}×{height} px is too small for any ring")
    part, lo = candidates[int(rng.integers(len(candidates)))]
    return part, float(rng.uniform(lo, hi_frac * short))


def _draw_dims(rng: np.random.Generator, part: Part, out: bool) -> tuple[float, float]:
    """Actual (ID, CS) in mm: within ±0.6 tol, or one or both 1.5–3 tol off when ``out``."""
    id_mm = part.id_mm + rng.uniform(-0.6, 0.6) * part.id_tol_mm
    cs_mm = part.cs_mm + rng.uniform(-0.6, 0.6) * part.cs_tol_mm
    if out:
        which = int(rng.integers(3))  # 0 ID, 1 CS, 2 both
        if which in (0, 2):
            id_mm = part.id_mm + rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 3.0) * part.id_tol_mm
        if which in (1, 2):
            cs_mm = part.cs_mm + rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 3.0) * part.cs_tol_mm
    return float(round(id_mm, 4)), float(round(cs_mm, 4))


def _draw_look(
    rng: np.random.Generator,
    material: Material,
    lighting: Lighting,
    background: Background,
    width: int,
    height: int,
) -> Look:
    ring_light = bool(lighting is Lighting.FRONT and rng.random() < 0.35)
    specular = {
        Material.BLACK: rng.uniform(0.35, 1.4),
        Material.WHITE: rng.uniform(0.04, 0.15),
        Material.AMBER: rng.uniform(0.2, 0.6),
    }[material]
    area = width * height / 1e6
    return Look(
        light_azimuth_deg=float(rng.uniform(0.0, 360.0)),
        light_elevation_deg=float(rng.uniform(30.0, 70.0)),
        ring_light=ring_light,
        exposure=float(rng.uniform(0.8, 1.15)),
        fill_light=float(rng.uniform(0.15, 0.45)),
        specular=float(specular),
        shininess=float(rng.uniform(12.0, 60.0)),
        gradient=float(rng.uniform(0.0, 0.25)),
        gradient_deg=float(rng.uniform(0.0, 360.0)),
        vignetting=float(rng.uniform(0.0, 0.35)),
        unevenness=float(rng.uniform(0.0, 0.06)),
        gamma=float(rng.uniform(1.8, 2.4)),
        blur_sigma_px=float(rng.uniform(0.4, 1.5)),
        read_noise=float(rng.uniform(0.002, 0.008)),
        shot_noise=float(rng.uniform(0.0002, 0.0012)),
        dust=int(rng.integers(0, 12 + int(10 * area))),
        fibres=int(rng.integers(0, 4)),
    )


# Size ranges in mm per type: (length lo, hi), (width lo, hi).
_SIZES: dict[DefectType, tuple[tuple[float, float], tuple[float, float]]] = {
    DefectType.SCRATCH: ((0.3, 3.0), (0.02, 0.06)),
    DefectType.CRACK: ((0.4, 1.0), (0.0, 0.0)),  # length as a fraction of CS
    DefectType.CUT: ((0.2, 1.5), (0.0, 0.0)),  # gap width along the ring
    DefectType.BLISTER: ((0.2, 1.5), (0.0, 0.0)),
    DefectType.INCLUSION: ((0.1, 0.8), (0.0, 0.0)),
    DefectType.FLASH: ((0.5, 4.0), (0.1, 0.6)),  # length along the edge, height out of it
    DefectType.NON_FILL: ((0.3, 2.5), (0.1, 0.8)),  # width along the edge, depth into it
    DefectType.STAIN: ((0.5, 3.0), (0.0, 0.0)),
}


def _place_defects(
    rng: np.random.Generator,
    kinds: Sequence[DefectType],
    *,
    cs_mm: float,
    px_per_mm: float,
    cs_px: float,
) -> tuple[DefectSpec, ...]:
    """Spread the defects around the ring and draw their sizes."""
    start = rng.uniform(0.0, 2.0 * math.pi)
    specs = []
    for k, kind in enumerate(kinds):
        phi = (start + 2.0 * math.pi * (k + rng.uniform(0.15, 0.85)) / max(len(kinds), 1)) % (
            2.0 * math.pi
        )
        (l_lo, l_hi), (w_lo, w_hi) = _SIZES[kind]
        length = float(math.exp(rng.uniform(math.log(l_lo), math.log(l_hi))))
        width = float(rng.uniform(w_lo, w_hi)) if w_hi > 0 else 0.0
        tiny = rng.random() < 0.06
        where = Where.SURFACE
        u = float(rng.uniform(-0.55, 0.55))
        orientation = 0.0
        if kind is DefectType.SCRATCH:
            orientation = float(rng.choice([rng.normal(0.0, 0.25), rng.uniform(-1.5, 1.5)]))
            width = max(width, 1.0 / px_per_mm)
        elif kind is DefectType.CRACK:
            length = length * cs_mm
            orientation = float(rng.normal(math.pi / 2, 0.35))
            if rng.random() < 0.5:
                where = Where.OUTER_EDGE if rng.random() < 0.6 else Where.INNER_EDGE
            width = float(rng.uniform(1.0, 4.0)) / px_per_mm
        elif kind is DefectType.CUT:
            width = length
            length = cs_mm
        elif kind is DefectType.BLISTER:
            length = min(length, 0.7 * cs_mm)
            if tiny:
                length = float(rng.uniform(0.06, 0.1))
            width = length * float(rng.uniform(0.75, 1.0))
        elif kind is DefectType.INCLUSION:
            length = min(length, 0.5 * cs_mm)
            if tiny:
                length = float(rng.uniform(0.05, 0.1))
            width = length * float(rng.uniform(0.5, 1.0))
        elif kind in (DefectType.FLASH, DefectType.NON_FILL):
            where = Where.OUTER_EDGE if rng.random() < 0.55 else Where.INNER_EDGE
            u = 1.0 if where is Where.OUTER_EDGE else -1.0
            if kind is DefectType.NON_FILL:
                width = min(width, 0.45 * cs_mm)
        elif kind is DefectType.STAIN:
            length = min(length, 1.6 * cs_mm)
            width = min(length * float(rng.uniform(0.45, 1.0)), 0.8 * cs_mm)
            orientation = float(rng.normal(0.0, 0.4))
            u = float(rng.uniform(-0.3, 0.3))
        if kind is DefectType.SCRATCH and tiny:
            length = float(rng.uniform(0.06, 0.1))
        min_px = 2.5 if kind is not DefectType.SCRATCH else 3.0
        length = max(length, min_px / px_per_mm)
        contrast = float(rng.uniform(0.25, 0.6))
        if kind is DefectType.STAIN:
            contrast = float(rng.uniform(0.05, 0.2))
        specs.append(
            DefectSpec(
                type=kind,
                where=where,
                seed=int(rng.integers(2**62)),
                phi=float(phi),
                u=u,
                length_mm=float(length),
                width_mm=float(width),
                orientation=orientation,
                contrast=contrast,
                light=bool(rng.random() < 0.5),
            )
        )
    del cs_px
    return tuple(specs)


def outer_semi_axes(od_px: float, ovality_pct: float) -> tuple[float, float]:
    """Semi-axes (A, B) of the outer edge with perimeter π·od_px and the given ovality."""
    o = ovality_pct / 100.0
    unit = ellipse_perimeter(1.0 + o / 2.0, 1.0 - o / 2.0)
    m = math.pi * od_px / unit
    return m * (1.0 + o / 2.0), m * (1.0 - o / 2.0)
