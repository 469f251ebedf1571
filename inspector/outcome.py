"""The judged result of inspecting one image: verdict, reasons, sizes in mm.

:mod:`inspector.imaging` reports what it sees in pixels (:class:`RingInspection`);
:mod:`inspector.judge` applies a scale, a recipe and a grade and returns an
:class:`InspectionResult`. The CLI, the records and the GUI all consume this one type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inspector.imaging.results import Defect, RingInspection


class Verdict(StrEnum):
    """The machine's call on one image."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class ScaleSource(StrEnum):
    """Where the px/mm scale came from, in order of precedence."""

    CLI = "cli"
    CALIBRATION = "calibration"
    NOMINAL = "nominal"


@dataclass(frozen=True)
class Scale:
    """Pixels per millimetre in the object plane, and where that figure came from.

    A ``NOMINAL`` scale is an estimate from the recipe's nominal cross-section: sizes in mm
    are reported, but dimensions are not judged against tolerance with it.
    """

    px_per_mm: float
    source: ScaleSource

    def to_mm(self, px: float) -> float:
        """Convert a length in px to mm."""
        return px / self.px_per_mm

    def to_mm2(self, px2: float) -> float:
        """Convert an area in px² to mm²."""
        return px2 / (self.px_per_mm * self.px_per_mm)


@dataclass(frozen=True)
class JudgedDefect:
    """A defect with its sizes in mm (None without a scale) and the grade's call on it."""

    defect: Defect
    length_mm: float | None
    width_mm: float | None
    area_mm2: float | None
    reject: bool
    reason: str | None = None


@dataclass(frozen=True)
class RingDimensions:
    """Ring dimensions in mm; every field is None when the scale is unknown."""

    outer_diameter_mm: float | None
    inner_diameter_mm: float | None
    cross_section_mm: float | None
    cross_section_min_mm: float | None
    cross_section_max_mm: float | None
    ovality_pct: float | None


@dataclass(frozen=True)
class Timing:
    """Milliseconds spent decoding the file and inspecting the pixels."""

    decode_ms: float
    inspect_ms: float


@dataclass(frozen=True)
class InspectionResult:
    """One image's full result, as the CLI prints it and the records store it.

    Attributes
    ----------
    image : str
        The path as it was given (or found in a folder).
    verdict : Verdict
    reasons : tuple of str
        Why it fails (empty for a pass); for an error, the error message as well.
    error : str or None
        A message a person understands, only when ``verdict`` is ERROR.
    scale : Scale or None
    inspection : RingInspection or None
        The engine's raw findings in px (None when the image could not be read).
    dimensions : RingDimensions or None
    defects : tuple of JudgedDefect
    recipe : str or None
        ``"<part>@<version>"`` of the recipe used, if any.
    grade : str or None
        ``"<grade>@<version>"`` of the acceptance grade used.
    engine_version : str
    timing : Timing
    image_sha256 : str or None
        Hash of the file's bytes, for the records.
    """

    image: str
    verdict: Verdict
    reasons: tuple[str, ...]
    error: str | None
    scale: Scale | None
    inspection: RingInspection | None
    dimensions: RingDimensions | None
    defects: tuple[JudgedDefect, ...]
    recipe: str | None
    grade: str | None
    engine_version: str
    timing: Timing
    image_sha256: str | None = None
