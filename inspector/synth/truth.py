"""The known truth of synthetic ring images, and its JSON form.

Every length in px is in image pixels of the written file, with OpenCV's convention
for points: ``x`` is the column and ``y`` the row, and the centre of pixel ``(row, col)``
sits at ``(x, y) = (col, row)``. Lengths in mm are in the object plane.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

# The defect vocabulary is the project's, shared with the engine and the records; the
# generator re-exports it for its own callers.
from inspector.imaging.results import DefectType as DefectType
from inspector.imaging.results import Where as Where

#: Written as ``generator`` in every truth file.
GENERATOR = "inspector.synth"
#: The truth file's format version; :func:`load_truth` refuses a newer one.
TRUTH_VERSION = 2


class Material(StrEnum):
    """The ring's compound colour."""

    BLACK = "black"
    WHITE = "white"
    AMBER = "amber"


class Background(StrEnum):
    """How the background looks around the ring."""

    LIGHT = "light"
    DARK = "dark"


class Lighting(StrEnum):
    """Where the main light comes from."""

    BACK = "back"
    FRONT = "front"


def ellipse_perimeter(a: float, b: float) -> float:
    """Return the perimeter of an ellipse by Ramanujan's second approximation.

    Parameters
    ----------
    a, b : float
        Semi-axes, in any unit (the result is in the same unit).
    """
    if a + b <= 0.0:
        return 0.0
    h = ((a - b) / (a + b)) ** 2
    return math.pi * (a + b) * (1.0 + 3.0 * h / (10.0 + math.sqrt(4.0 - 3.0 * h)))


@dataclass(frozen=True)
class RingTruth:
    """Where the ring is in the image, in px.

    ``outer_diameter_px`` and ``inner_diameter_px`` are the perimeters of the edge
    ellipses divided by π. ``ovality_pct`` is ``100 (A − B) / ((A + B) / 2)`` of the
    outer edge's semi-axes. ``rotation_deg`` turns the ellipse's ``a`` axis from +x
    towards +y (clockwise on screen). ``semi_axes_px`` are the centreline's (a, b).
    """

    center_px: tuple[float, float]
    outer_diameter_px: float
    inner_diameter_px: float
    cross_section_px: float
    ovality_pct: float
    rotation_deg: float
    semi_axes_px: tuple[float, float]


@dataclass(frozen=True)
class DefectTruth:
    """One painted defect.

    ``bbox_px`` is ``[x, y, w, h]`` (x = column, y = row) of the pixels the defect
    changed, before blur. ``angle_deg`` is the defect's position around the ring,
    from +x towards +y (clockwise on screen), measured at the ring centre.
    ``polarity`` is ``"light"``, ``"dark"`` or ``"mixed"`` relative to the rubber.
    ``contrast`` is the defect's strength in [0, 1], as painted. ``visible`` says whether
    the camera's image shows it above noise and texture (see
    :mod:`inspector.synth.visibility`), with its ideal-observer ``snr`` and the
    ``peak_delta`` of its strongest pixel in encoded intensity (0–1).
    """

    type: DefectType
    where: Where
    bbox_px: tuple[int, int, int, int]
    length_mm: float
    width_mm: float
    angle_deg: float
    polarity: str
    contrast: float
    visible: bool = True
    snr: float | None = None
    peak_delta: float | None = None


@dataclass(frozen=True)
class ImageTruth:
    """Everything known about one synthetic image."""

    file: str
    seed: int
    width: int
    height: int
    format: str
    bit_depth: int
    channels: int
    material: Material
    background: Background
    lighting: Lighting
    part: str
    px_per_mm: float
    nominal_id_mm: float
    nominal_cs_mm: float
    id_tol_mm: float
    cs_tol_mm: float
    id_mm: float
    cs_mm: float
    dims_in_tolerance: bool
    ring: RingTruth
    defects: tuple[DefectTruth, ...] = ()
    blur_sigma_px: float = 0.0
    jpeg_quality: int | None = None

    @property
    def good(self) -> bool:
        """True when the ring has no defect and its dimensions are in tolerance."""
        return not self.defects and self.dims_in_tolerance


@dataclass(frozen=True)
class TruthSet:
    """The truth of a generated folder: the set seed and one record per image."""

    seed: int
    images: tuple[ImageTruth, ...] = field(default_factory=tuple)
    generator: str = GENERATOR
    version: int = TRUTH_VERSION

    def by_file(self) -> dict[str, ImageTruth]:
        """Map each image's file name to its record."""
        return {image.file: image for image in self.images}


def truth_to_dict(truth: TruthSet) -> dict[str, Any]:
    """Return the JSON-ready form of a truth set (enums become strings, tuples lists)."""
    return {
        "generator": truth.generator,
        "version": truth.version,
        "seed": truth.seed,
        "images": [_plain(asdict(image)) for image in truth.images],
    }


def truth_from_dict(data: Mapping[str, Any]) -> TruthSet:
    """Build a truth set from its JSON form.

    Raises
    ------
    ValueError
        If the data is not a synth truth set, or its version is newer than this code.
    """
    if data.get("generator") != GENERATOR:
        raise ValueError(f"not a {GENERATOR} truth file (generator={data.get('generator')!r})")
    version = int(data.get("version", 0))
    if version > TRUTH_VERSION:
        raise ValueError(f"truth version {version} is newer than this reader ({TRUTH_VERSION})")
    images = tuple(_image_from_dict(item) for item in data.get("images", []))
    return TruthSet(seed=int(data["seed"]), images=images, version=version)


def write_truth(truth: TruthSet, path: str | Path) -> Path:
    """Write ``truth`` as JSON to ``path`` (a file, or a folder that gets ``truth.json``)."""
    target = Path(path)
    if target.is_dir():
        target = target / "truth.json"
    target.write_text(json.dumps(truth_to_dict(truth), indent=1) + "\n", encoding="utf-8")
    return target


def load_truth(path: str | Path) -> TruthSet:
    """Read a truth file written by :func:`write_truth` (a file, or its folder)."""
    source = Path(path)
    if source.is_dir():
        source = source / "truth.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a truth file holds a JSON object")
    return truth_from_dict(data)


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _pair(values: Sequence[Any]) -> tuple[float, float]:
    return (float(values[0]), float(values[1]))


def _image_from_dict(item: Mapping[str, Any]) -> ImageTruth:
    ring = item["ring"]
    quality = item.get("jpeg_quality")
    return ImageTruth(
        file=str(item["file"]),
        seed=int(item["seed"]),
        width=int(item["width"]),
        height=int(item["height"]),
        format=str(item["format"]),
        bit_depth=int(item["bit_depth"]),
        channels=int(item["channels"]),
        material=Material(item["material"]),
        background=Background(item["background"]),
        lighting=Lighting(item["lighting"]),
        part=str(item["part"]),
        px_per_mm=float(item["px_per_mm"]),
        nominal_id_mm=float(item["nominal_id_mm"]),
        nominal_cs_mm=float(item["nominal_cs_mm"]),
        id_tol_mm=float(item.get("id_tol_mm", 0.0)),
        cs_tol_mm=float(item.get("cs_tol_mm", 0.0)),
        id_mm=float(item["id_mm"]),
        cs_mm=float(item["cs_mm"]),
        dims_in_tolerance=bool(item["dims_in_tolerance"]),
        ring=RingTruth(
            center_px=_pair(ring["center_px"]),
            outer_diameter_px=float(ring["outer_diameter_px"]),
            inner_diameter_px=float(ring["inner_diameter_px"]),
            cross_section_px=float(ring["cross_section_px"]),
            ovality_pct=float(ring["ovality_pct"]),
            rotation_deg=float(ring["rotation_deg"]),
            semi_axes_px=_pair(ring.get("semi_axes_px", (0.0, 0.0))),
        ),
        defects=tuple(
            DefectTruth(
                type=DefectType(d["type"]),
                where=Where(d["where"]),
                bbox_px=(
                    int(d["bbox_px"][0]),
                    int(d["bbox_px"][1]),
                    int(d["bbox_px"][2]),
                    int(d["bbox_px"][3]),
                ),
                length_mm=float(d["length_mm"]),
                width_mm=float(d["width_mm"]),
                angle_deg=float(d.get("angle_deg", 0.0)),
                polarity=str(d.get("polarity", "")),
                contrast=float(d.get("contrast", 0.0)),
                visible=bool(d.get("visible", True)),
                snr=None if d.get("snr") is None else float(d["snr"]),
                peak_delta=None if d.get("peak_delta") is None else float(d["peak_delta"]),
            )
            for d in item.get("defects", [])
        ),
        blur_sigma_px=float(item.get("blur_sigma_px", 0.0)),
        jpeg_quality=None if quality is None else int(quality),
    )
