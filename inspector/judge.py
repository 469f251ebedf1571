"""Turn the engine's findings (px) into a verdict (mm) under a recipe and a grade.

The rules, in the order they are applied to one image:

1. No ring found: verdict ERROR, the engine's ``problems`` as the message.
2. Every engine ``problem`` (ring cut off by the border…) fails the ring.
3. A broken ring (``ring.broken``, or any ``cut`` defect) fails, whatever the grade says.
4. A grade with cross-section bands (ISO 3601-3) covers only parts whose *nominal*
   cross-section lies in a band. For any other part — or with no recipe, so no nominal
   cross-section — the judge does not refuse to judge: it fails the ring with a reason
   saying the grade does not apply, and every defect that needed a size limit rejects.
   A held ring is the safe outcome; the operator picks a grade that covers the part.
5. Each defect gets length / width / area in mm (None without a scale) and the grade's
   call. Without a scale, any defect that needs a size limit rejects
   ("no scale: size limits cannot be applied"); always-reject types say so instead.
6. ID (mean inner diameter) and CS (mean cross-section) are judged against the recipe's
   ± tolerance only when the scale is measured (CLI or station calibration). A NOMINAL
   scale is derived from the recipe's own cross-section, so it cannot judge dimensions.
7. FAIL with one readable reason per failing item, else PASS.

Reasons read like ``"scratch 0.42 mm at 118° ≥ 0.10 mm limit (fab)"`` and
``"ID 25.31 mm outside 24.99 ± 0.25 mm"``. A value is printed with enough decimals to differ
from the limit it broke (``0.1004 mm ≥ 0.10 mm``), so a reason never looks self-contradictory.
"""

from __future__ import annotations

import math

from inspector.calibration import Calibration
from inspector.imaging.results import Defect, DefectType, RingGeometry, RingInspection
from inspector.outcome import (
    InspectionResult,
    JudgedDefect,
    RingDimensions,
    Scale,
    ScaleSource,
    Timing,
    Verdict,
)
from inspector.recipes import Comparison, Grade, Recipe

__all__ = ["NO_SCALE", "error_result", "judge", "resolve_scale"]

#: Why a defect rejects when sizes in mm are unknown.
NO_SCALE = "no scale: size limits cannot be applied"
#: Scale sources measured on this station, good enough to judge dimensions against tolerance.
MEASURED_SOURCES = frozenset({ScaleSource.CLI, ScaleSource.CALIBRATION})

# Float noise from px→mm division must not move a value that sits on a tolerance edge.
_EPS = 1e-9


def resolve_scale(
    *,
    cli_px_per_mm: float | None,
    calibration: Calibration | None,
    recipe: Recipe | None,
    ring: RingGeometry | None,
) -> Scale | None:
    """Pick the px/mm scale for one image, by precedence.

    Parameters
    ----------
    cli_px_per_mm : float or None
        Given on the command line: wins over everything.
    calibration : Calibration or None
        The station calibration: used next.
    recipe, ring : Recipe or None, RingGeometry or None
        With both, a NOMINAL estimate: ``ring.cross_section_px / recipe.cs_mm``.

    Returns
    -------
    Scale or None
        None when nothing gives a scale.

    Raises
    ------
    ValueError
        When ``cli_px_per_mm`` is not a positive finite number.
    """
    if cli_px_per_mm is not None:
        if not math.isfinite(cli_px_per_mm) or cli_px_per_mm <= 0:
            raise ValueError(f"px per mm must be a positive number, got {cli_px_per_mm}")
        return Scale(float(cli_px_per_mm), ScaleSource.CLI)
    if calibration is not None:
        return Scale(calibration.px_per_mm, ScaleSource.CALIBRATION)
    if recipe is not None and ring is not None:
        cs_px = ring.cross_section_px
        if math.isfinite(cs_px) and cs_px > 0:
            return Scale(cs_px / recipe.cs_mm, ScaleSource.NOMINAL)
    return None


def error_result(
    image: str, message: str, *, timing: Timing, engine_version: str
) -> InspectionResult:
    """Return an ERROR result for an image that could not be inspected (unreadable file…)."""
    return InspectionResult(
        image=image,
        verdict=Verdict.ERROR,
        reasons=(message,),
        error=message,
        scale=None,
        inspection=None,
        dimensions=None,
        defects=(),
        recipe=None,
        grade=None,
        engine_version=engine_version,
        timing=timing,
    )


def judge(
    inspection: RingInspection,
    *,
    image: str,
    recipe: Recipe | None,
    grade: Grade,
    scale: Scale | None,
    timing: Timing,
    engine_version: str,
    image_sha256: str | None = None,
) -> InspectionResult:
    """Judge one image's findings; see the module docstring for the rules.

    Parameters
    ----------
    inspection : RingInspection
        The engine's findings in px.
    image : str
        The image path as given.
    recipe : Recipe or None
        The part's nominal sizes; without it, dimensions are reported but not judged.
    grade : Grade
        The acceptance grade for defects.
    scale : Scale or None
        From :func:`resolve_scale`.
    timing, engine_version, image_sha256
        Recorded with the result.

    Returns
    -------
    InspectionResult
    """
    recipe_key = recipe.key if recipe is not None else None
    ring = inspection.ring
    if ring is None:
        message = "; ".join(inspection.problems) or "no ring found in the image"
        return InspectionResult(
            image=image,
            verdict=Verdict.ERROR,
            reasons=(message,),
            error=message,
            scale=scale,
            inspection=inspection,
            dimensions=None,
            defects=(),
            recipe=recipe_key,
            grade=grade.key,
            engine_version=engine_version,
            timing=timing,
            image_sha256=image_sha256,
        )

    reasons: list[str] = list(inspection.problems)
    if ring.broken:
        reasons.append("ring is broken (cut through the cross-section)")
    cs_nominal = recipe.cs_mm if recipe is not None else None
    if not grade.covers(cs_nominal):
        reasons.append(_not_covered(grade, cs_nominal))

    dimensions = _dimensions(ring, scale)
    if recipe is not None and scale is not None and scale.source in MEASURED_SOURCES:
        reasons.extend(_judge_dimensions(dimensions, recipe))

    judged = tuple(
        _judge_defect(d, grade=grade, cs_mm=cs_nominal, scale=scale) for d in inspection.defects
    )
    reasons.extend(j.reason for j in judged if j.reject and j.reason)

    return InspectionResult(
        image=image,
        verdict=Verdict.FAIL if reasons else Verdict.PASS,
        reasons=tuple(reasons),
        error=None,
        scale=scale,
        inspection=inspection,
        dimensions=dimensions,
        defects=judged,
        recipe=recipe_key,
        grade=grade.key,
        engine_version=engine_version,
        timing=timing,
        image_sha256=image_sha256,
    )


# --- pieces ----------------------------------------------------------------------------


def _dimensions(ring: RingGeometry, scale: Scale | None) -> RingDimensions:
    if scale is None:
        # The contract: every field None when the scale is unknown.
        return RingDimensions(None, None, None, None, None, None)
    return RingDimensions(
        outer_diameter_mm=scale.to_mm(ring.outer_diameter_px),
        inner_diameter_mm=scale.to_mm(ring.inner_diameter_px),
        cross_section_mm=scale.to_mm(ring.cross_section_px),
        cross_section_min_mm=scale.to_mm(ring.cross_section_min_px),
        cross_section_max_mm=scale.to_mm(ring.cross_section_max_px),
        ovality_pct=ring.ovality_pct,
    )


def _judge_dimensions(dims: RingDimensions, recipe: Recipe) -> list[str]:
    reasons = []
    for label, value, nominal, tol in (
        ("ID", dims.inner_diameter_mm, recipe.id_mm, recipe.id_tol_mm),
        ("CS", dims.cross_section_mm, recipe.cs_mm, recipe.cs_tol_mm),
    ):
        if value is None or abs(value - nominal) <= tol + _EPS:
            continue
        edge = nominal + tol if value > nominal else nominal - tol
        reasons.append(
            f"{label} {_fmt(value, edge)} mm outside {_fmt_limit(nominal)} ± {_fmt_limit(tol)} mm"
        )
    return reasons


def _not_covered(grade: Grade, cs_mm: float | None) -> str:
    if cs_mm is None:
        return (
            f"grade {grade.name} sets limits by cross-section; without a recipe the part's "
            "nominal cross-section is unknown"
        )
    span = grade.cs_range_mm
    where = f" (it covers over {span[0]:g} up to {span[1]:g} mm)" if span else ""
    why = f": {grade.outside_bands}" if grade.outside_bands else ""
    return f"grade {grade.name} does not cover CS {_fmt_limit(cs_mm)} mm{where}{why}"


def _judge_defect(
    defect: Defect, *, grade: Grade, cs_mm: float | None, scale: Scale | None
) -> JudgedDefect:
    length = width = area = None
    if scale is not None:
        length = scale.to_mm(defect.length_px)
        width = scale.to_mm(defect.width_px)
        area = scale.to_mm2(defect.area_px)

    def judged(reason: str | None) -> JudgedDefect:
        return JudgedDefect(defect, length, width, area, reject=reason is not None, reason=reason)

    name = defect.type.value.replace("_", "-")
    at = f"at {defect.angle_deg % 360.0:.0f}°"
    what = f"{name} {length:.2f} mm {at}" if length is not None else f"{name} {at}"
    rule = grade.rule_for(defect.type, cs_mm)
    if rule is not None and rule.always_reject:
        return judged(f"{what}: rejected at any size ({grade.name})")
    if defect.type is DefectType.CUT:
        # A cut ring cannot seal: never let a lenient grade pass one.
        return judged(f"{what}: a cut is never acceptable")
    if rule is None:
        if not grade.covers(cs_mm):
            return judged(f"{what}: no {grade.name} limit for this part's cross-section")
        return judged(f"{what}: grade {grade.name} has no rule for {name}")
    if length is None or width is None or area is None:
        return judged(f"{what}: {NO_SCALE}")

    broken: list[tuple[str, float, float, str]] = []
    for label, value, limit, unit in (
        ("", length, rule.max_length_mm, "mm"),
        ("width ", width, rule.max_width_mm, "mm"),
        ("area ", area, rule.max_area_mm2, "mm²"),
    ):
        if limit is not None and rule.reject_if.rejects(value, limit):
            broken.append((label, value, limit, unit))
    if not broken:
        return judged(None)
    op = rule.reject_if.symbol
    parts = []
    for i, (label, value, limit, unit) in enumerate(broken):
        shown = f"{label}{_fmt(value, limit, rule.reject_if)} {unit}"
        tail = f"{op} {_fmt_limit(limit)} {unit} limit"
        parts.append(f"{name} {shown} {at} {tail}" if i == 0 else f"{shown} {tail}")
    return judged(f"{', '.join(parts)} ({grade.name})")


def _fmt_limit(limit: float) -> str:
    """Print a limit or nominal as the data gives it: two decimals unless it has more."""
    text = f"{limit:.2f}"
    return text if float(text) == limit else f"{limit:g}"


def _fmt(value: float, edge: float, compare: Comparison = Comparison.GT) -> str:
    """Print ``value`` with enough decimals (2 to 4) not to read as equal to ``edge``.

    A value exactly on the edge under ``>=`` is shown as the edge itself.
    """
    if compare is Comparison.GE and abs(value - edge) <= _EPS:
        return _fmt_limit(edge)
    for decimals in (2, 3):
        text = f"{value:.{decimals}f}"
        if text != f"{edge:.{decimals}f}":
            return text
    return f"{value:.4f}"
