"""The judge on hand-built engine findings: exact answers, every grade rule and edge."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from inspector.calibration import Calibration
from inspector.imaging.results import BBox, Defect, DefectType, RingGeometry, RingInspection, Where
from inspector.judge import NO_SCALE, error_result, judge, resolve_scale
from inspector.outcome import Scale, ScaleSource, Timing, Verdict
from inspector.recipes import Comparison, Grade, Recipe, Rule, load_grade, load_recipe

FAB = load_grade("fab")
ISO = load_grade("iso3601-N")
R214 = load_recipe("AS568-214")  # ID 24.99 ± 0.25, CS 3.53 ± 0.10 mm
PX_PER_MM = 10.0
CLI = Scale(PX_PER_MM, ScaleSource.CLI)
CAL = Scale(PX_PER_MM, ScaleSource.CALIBRATION)
NOMINAL = Scale(PX_PER_MM, ScaleSource.NOMINAL)
TIMING = Timing(decode_ms=1.0, inspect_ms=2.0)
SIZED_FAB_TYPES = [t for t in DefectType if t not in (DefectType.CUT, DefectType.CRACK)]


def make_ring(
    *, id_mm: float = 24.99, cs_mm: float = 3.53, broken: bool = False, px_per_mm: float = 10.0
) -> RingGeometry:
    """A perfectly round ring of the given size, in px at ``px_per_mm``."""
    inner_px = id_mm * px_per_mm
    cs_px = cs_mm * px_per_mm
    outer_px = inner_px + 2 * cs_px
    theta = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    circle = np.column_stack([np.cos(theta), np.sin(theta)])
    return RingGeometry(
        center_px=(200.0, 200.0),
        outer_diameter_px=outer_px,
        inner_diameter_px=inner_px,
        outer_min_px=outer_px,
        outer_max_px=outer_px,
        inner_min_px=inner_px,
        inner_max_px=inner_px,
        cross_section_px=cs_px,
        cross_section_min_px=cs_px - 1.0,
        cross_section_max_px=cs_px + 1.0,
        ovality_pct=0.0,
        outer_edge_px=200.0 + circle * outer_px / 2,
        inner_edge_px=200.0 + circle * inner_px / 2,
        broken=broken,
    )


def make_defect(
    kind: DefectType,
    *,
    length_px: float = 1.0,
    width_px: float = 0.5,
    area_px: float = 0.4,
    angle_deg: float = 118.0,
) -> Defect:
    where = Where.OUTER_EDGE if kind in (DefectType.FLASH, DefectType.NON_FILL) else Where.SURFACE
    return Defect(
        type=kind,
        where=where,
        bbox=BBox(10, 20, 3, 2),
        length_px=length_px,
        width_px=width_px,
        area_px=area_px,
        angle_deg=angle_deg,
        outline_px=np.array([[10.0, 20.0], [13.0, 20.0], [13.0, 22.0], [10.0, 22.0]]),
    )


def inspection(
    *defects: Defect, ring: RingGeometry | None = None, problems: tuple[str, ...] = ()
) -> RingInspection:
    return RingInspection(
        image_shape=(400, 400),
        ring=make_ring() if ring is None else ring,
        defects=defects,
        problems=problems,
    )


def run(
    found: RingInspection,
    *,
    grade: Grade = FAB,
    recipe: Recipe | None = R214,
    scale: Scale | None = CLI,
):
    return judge(
        found,
        image="ring.png",
        recipe=recipe,
        grade=grade,
        scale=scale,
        timing=TIMING,
        engine_version="0.1.0",
        image_sha256="ab" * 32,
    )


def recipe_with_cs(cs_mm: float) -> Recipe:
    return replace(R214, name="TEST", cs_mm=cs_mm, cs_tol_mm=0.05)


# --- a clean ring ---------------------------------------------------------------------


def test_clean_ring_passes_with_dimensions_in_mm() -> None:
    result = run(inspection())
    assert result.verdict is Verdict.PASS
    assert result.reasons == ()
    assert result.error is None
    assert result.recipe == "AS568-214@1"
    assert result.grade == "fab@1"
    assert result.engine_version == "0.1.0"
    assert result.image_sha256 == "ab" * 32
    dims = result.dimensions
    assert dims is not None
    assert dims.inner_diameter_mm == pytest.approx(24.99)
    assert dims.cross_section_mm == pytest.approx(3.53)
    assert dims.outer_diameter_mm == pytest.approx(32.05)
    assert dims.cross_section_min_mm == pytest.approx(3.43)
    assert dims.cross_section_max_mm == pytest.approx(3.63)
    assert dims.ovality_pct == 0.0


# --- fab grade ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SIZED_FAB_TYPES)
def test_fab_just_under_the_limit_passes(kind: DefectType) -> None:
    result = run(inspection(make_defect(kind, length_px=0.999)))
    assert result.verdict is Verdict.PASS
    (judged,) = result.defects
    assert judged.length_mm == pytest.approx(0.0999)
    assert judged.width_mm == pytest.approx(0.05)
    assert judged.area_mm2 == pytest.approx(0.004)
    assert not judged.reject
    assert judged.reason is None


@pytest.mark.parametrize("kind", SIZED_FAB_TYPES)
def test_fab_exactly_on_the_limit_rejects(kind: DefectType) -> None:
    result = run(inspection(make_defect(kind, length_px=1.0)))
    assert result.verdict is Verdict.FAIL
    name = kind.value.replace("_", "-")
    assert result.reasons == (f"{name} 0.10 mm at 118° ≥ 0.10 mm limit (fab)",)
    assert result.defects[0].reject


def test_fab_reason_reads_like_the_spec() -> None:
    result = run(inspection(make_defect(DefectType.SCRATCH, length_px=4.2)))
    assert result.reasons == ("scratch 0.42 mm at 118° ≥ 0.10 mm limit (fab)",)


def test_fab_shows_enough_decimals_to_differ_from_the_limit() -> None:
    result = run(inspection(make_defect(DefectType.STAIN, length_px=1.004, angle_deg=-90.0)))
    assert result.reasons == ("stain 0.1004 mm at 270° ≥ 0.10 mm limit (fab)",)


@pytest.mark.parametrize("kind", [DefectType.CUT, DefectType.CRACK])
def test_fab_cut_and_crack_reject_at_any_size(kind: DefectType) -> None:
    result = run(inspection(make_defect(kind, length_px=0.1, angle_deg=0.0)))
    assert result.verdict is Verdict.FAIL
    assert result.reasons == (f"{kind.value} 0.01 mm at 0°: rejected at any size (fab)",)


def test_every_defect_gets_its_own_reason() -> None:
    found = inspection(
        make_defect(DefectType.SCRATCH, length_px=4.2, angle_deg=10.0),
        make_defect(DefectType.BLISTER, length_px=0.5, angle_deg=20.0),
        make_defect(DefectType.INCLUSION, length_px=2.0, angle_deg=30.0),
    )
    result = run(found)
    assert [d.reject for d in result.defects] == [True, False, True]
    assert result.reasons == (
        "scratch 0.42 mm at 10° ≥ 0.10 mm limit (fab)",
        "inclusion 0.20 mm at 30° ≥ 0.10 mm limit (fab)",
    )


# --- ISO 3601-3 grade N ---------------------------------------------------------------


def test_iso_flash_height_edge() -> None:
    # AS568-214: CS 3.53 mm, band >3.15–4.50: flash alone 0.07, combined flash 0.14 mm.
    ok = run(inspection(make_defect(DefectType.FLASH, length_px=1.4, width_px=0.7)), grade=ISO)
    assert ok.verdict is Verdict.PASS, ok.reasons
    bad = run(inspection(make_defect(DefectType.FLASH, length_px=1.0, width_px=0.71)), grade=ISO)
    assert bad.reasons == ("flash width 0.071 mm at 118° > 0.07 mm limit (iso3601-N)",)


def test_iso_flash_length_edge() -> None:
    found = inspection(make_defect(DefectType.FLASH, length_px=1.41, width_px=0.5))
    assert run(found, grade=ISO).reasons == ("flash 0.141 mm at 118° > 0.14 mm limit (iso3601-N)",)


def test_iso_reports_every_broken_limit_of_one_defect() -> None:
    found = inspection(make_defect(DefectType.FLASH, length_px=2.0, width_px=0.9))
    assert run(found, grade=ISO).reasons == (
        "flash 0.20 mm at 118° > 0.14 mm limit, width 0.09 mm > 0.07 mm limit (iso3601-N)",
    )


def test_iso_non_fill_length_and_depth_edges() -> None:
    # Band >3.15–4.50: w 1.00 mm, t 0.10 mm.
    at_limits = make_defect(DefectType.NON_FILL, length_px=10.0, width_px=1.0)
    assert run(inspection(at_limits), grade=ISO).verdict is Verdict.PASS
    too_long = make_defect(DefectType.NON_FILL, length_px=10.1, width_px=1.0)
    assert run(inspection(too_long), grade=ISO).reasons == (
        "non-fill 1.01 mm at 118° > 1.00 mm limit (iso3601-N)",
    )
    too_deep = make_defect(DefectType.NON_FILL, length_px=5.0, width_px=1.1)
    assert run(inspection(too_deep), grade=ISO).reasons == (
        "non-fill width 0.11 mm at 118° > 0.10 mm limit (iso3601-N)",
    )


@pytest.mark.parametrize(
    "kind",
    [
        DefectType.CRACK,
        DefectType.CUT,
        DefectType.SCRATCH,
        DefectType.BLISTER,
        DefectType.STAIN,
        DefectType.INCLUSION,
    ],
)
def test_iso_types_outside_the_standard_reject_at_any_size(kind: DefectType) -> None:
    result = run(inspection(make_defect(kind, length_px=0.05, angle_deg=45.0)), grade=ISO)
    assert result.reasons == (f"{kind.value} 0.01 mm at 45°: rejected at any size (iso3601-N)",)


@pytest.mark.parametrize(
    ("cs_mm", "w_mm", "t_mm"),
    [
        (0.81, 0.60, 0.08),
        (2.25, 0.60, 0.08),  # up to 2.25 inclusive
        (2.26, 0.80, 0.08),
        (3.15, 0.80, 0.08),
        (3.16, 1.00, 0.10),
        (4.50, 1.00, 0.10),
        (4.51, 1.30, 0.10),
        (6.30, 1.30, 0.10),
        (6.31, 1.70, 0.13),
        (8.40, 1.70, 0.13),
    ],
)
def test_iso_band_selection_at_band_edges(cs_mm: float, w_mm: float, t_mm: float) -> None:
    rule = ISO.rule_for(DefectType.NON_FILL, cs_mm)
    assert rule is not None
    assert (rule.max_length_mm, rule.max_width_mm) == (w_mm, t_mm)
    assert rule.reject_if is Comparison.GT
    recipe = recipe_with_cs(cs_mm)
    ring = make_ring(cs_mm=cs_mm)
    at_w = make_defect(DefectType.NON_FILL, length_px=w_mm * PX_PER_MM, width_px=0.1)
    over_w = make_defect(DefectType.NON_FILL, length_px=w_mm * PX_PER_MM + 0.1, width_px=0.1)
    assert run(inspection(at_w, ring=ring), grade=ISO, recipe=recipe).verdict is Verdict.PASS
    assert run(inspection(over_w, ring=ring), grade=ISO, recipe=recipe).verdict is Verdict.FAIL


@pytest.mark.parametrize("cs_mm", [0.5, 0.8, 8.41, 10.0])
def test_iso_outside_its_cross_sections_fails_and_says_why(cs_mm: float) -> None:
    recipe = recipe_with_cs(cs_mm)
    ring = make_ring(cs_mm=cs_mm)
    clean = run(inspection(ring=ring), grade=ISO, recipe=recipe)
    assert clean.verdict is Verdict.FAIL
    (reason,) = clean.reasons
    assert reason.startswith(f"grade iso3601-N does not cover CS {cs_mm:.2f} mm")
    assert "over 0.8 up to 8.4 mm" in reason
    assert "agreed with the customer" in reason
    flash = make_defect(DefectType.FLASH, length_px=0.1, width_px=0.1, angle_deg=5.0)
    result = run(inspection(flash, ring=ring), grade=ISO, recipe=recipe)
    assert result.defects[0].reject
    assert result.defects[0].reason == (
        "flash 0.01 mm at 5°: no iso3601-N limit for this part's cross-section"
    )


def test_iso_without_a_recipe_fails_because_the_band_is_unknown() -> None:
    result = run(inspection(), grade=ISO, recipe=None)
    assert result.verdict is Verdict.FAIL
    assert result.recipe is None
    assert result.reasons == (
        "grade iso3601-N sets limits by cross-section; without a recipe the part's "
        "nominal cross-section is unknown",
    )


def test_fab_needs_no_recipe() -> None:
    assert run(inspection(), recipe=None).verdict is Verdict.PASS


# --- the scale ------------------------------------------------------------------------


def test_without_a_scale_every_defect_rejects() -> None:
    found = inspection(
        make_defect(DefectType.SCRATCH, length_px=0.01, angle_deg=1.0),
        make_defect(DefectType.FLASH, length_px=0.01, angle_deg=2.0),
    )
    result = run(found, scale=None)
    assert result.verdict is Verdict.FAIL
    assert result.scale is None
    assert result.reasons == (f"scratch at 1°: {NO_SCALE}", f"flash at 2°: {NO_SCALE}")
    for judged in result.defects:
        assert judged.reject
        assert (judged.length_mm, judged.width_mm, judged.area_mm2) == (None, None, None)
    dims = result.dimensions
    assert dims is not None
    assert dims.inner_diameter_mm is None
    assert dims.ovality_pct is None


def test_without_a_scale_a_cut_still_says_it_is_a_cut() -> None:
    result = run(inspection(make_defect(DefectType.CUT, angle_deg=3.0)), scale=None)
    assert result.reasons == ("cut at 3°: rejected at any size (fab)",)


def test_nominal_scale_does_not_judge_dimensions() -> None:
    ring = make_ring(id_mm=30.0, cs_mm=4.0)  # far outside AS568-214
    result = run(inspection(ring=ring), scale=NOMINAL)
    assert result.verdict is Verdict.PASS
    assert result.dimensions is not None
    assert result.dimensions.inner_diameter_mm == pytest.approx(30.0)


@pytest.mark.parametrize("scale", [CLI, CAL])
def test_measured_scale_judges_id_and_cs(scale: Scale) -> None:
    result = run(inspection(ring=make_ring(id_mm=25.31, cs_mm=3.70)), scale=scale)
    assert result.verdict is Verdict.FAIL
    assert result.reasons == (
        "ID 25.31 mm outside 24.99 ± 0.25 mm",
        "CS 3.70 mm outside 3.53 ± 0.10 mm",
    )


@pytest.mark.parametrize(
    ("id_mm", "cs_mm"),
    [(25.24, 3.63), (24.74, 3.43)],  # both tolerance edges are inside
)
def test_dimensions_on_the_tolerance_edge_pass(id_mm: float, cs_mm: float) -> None:
    result = run(inspection(ring=make_ring(id_mm=id_mm, cs_mm=cs_mm)), scale=CAL)
    assert result.verdict is Verdict.PASS, result.reasons


def test_dimension_just_outside_shows_enough_decimals() -> None:
    result = run(inspection(ring=make_ring(id_mm=24.7399)), scale=CAL)
    assert result.reasons == ("ID 24.7399 mm outside 24.99 ± 0.25 mm",)


def test_without_a_recipe_dimensions_are_reported_not_judged() -> None:
    result = run(inspection(ring=make_ring(id_mm=40.0)), recipe=None, scale=CAL)
    assert result.verdict is Verdict.PASS


# --- broken rings, problems, errors ---------------------------------------------------


def test_broken_ring_fails() -> None:
    result = run(inspection(ring=make_ring(broken=True)))
    assert result.verdict is Verdict.FAIL
    assert result.reasons == ("ring is broken (cut through the cross-section)",)


def test_a_cut_fails_even_under_a_grade_that_would_allow_it() -> None:
    lenient = Grade(
        name="lenient",
        version=1,
        title="",
        standard="",
        description="",
        rules=(Rule(DefectType.CUT, max_length_mm=100.0, reject_if=Comparison.GT),),
    )
    result = run(inspection(make_defect(DefectType.CUT, angle_deg=7.0)), grade=lenient)
    assert result.verdict is Verdict.FAIL
    assert result.reasons == ("cut 0.10 mm at 7°: a cut is never acceptable",)


def test_a_type_the_grade_does_not_rule_rejects() -> None:
    partial = Grade(
        name="partial",
        version=2,
        title="",
        standard="",
        description="",
        rules=(Rule(DefectType.SCRATCH, max_area_mm2=0.5, reject_if=Comparison.GE),),
    )
    found = inspection(
        make_defect(DefectType.STAIN, angle_deg=9.0),
        make_defect(DefectType.SCRATCH, area_px=50.0, angle_deg=11.0),
    )
    result = run(found, grade=partial)
    assert result.grade == "partial@2"
    assert result.reasons == (
        "stain 0.10 mm at 9°: grade partial has no rule for stain",
        "scratch area 0.50 mm² at 11° ≥ 0.50 mm² limit (partial)",
    )


def test_engine_problems_fail_the_ring() -> None:
    result = run(inspection(problems=("ring touches the image border",)))
    assert result.verdict is Verdict.FAIL
    assert result.reasons == ("ring touches the image border",)


def test_no_ring_is_an_error_with_the_engine_problems() -> None:
    found = RingInspection(
        image_shape=(10, 10), ring=None, problems=("no ring in view", "image too dark")
    )
    result = run(found)
    assert result.verdict is Verdict.ERROR
    assert result.error == "no ring in view; image too dark"
    assert result.reasons == ("no ring in view; image too dark",)
    assert result.dimensions is None
    assert result.defects == ()
    assert result.inspection is found


def test_no_ring_without_problems_still_says_something() -> None:
    result = run(RingInspection(image_shape=(10, 10), ring=None))
    assert result.error == "no ring found in the image"


def test_error_result() -> None:
    result = error_result("bad.png", "cannot decode bad.png", timing=TIMING, engine_version="9")
    assert result.verdict is Verdict.ERROR
    assert result.error == "cannot decode bad.png"
    assert result.reasons == ("cannot decode bad.png",)
    assert result.inspection is None
    assert result.scale is None
    assert result.engine_version == "9"


# --- resolve_scale --------------------------------------------------------------------

CALIBRATION = Calibration(
    px_per_mm=12.5,
    reference_od_mm=32.05,
    measured_od_px=400.625,
    image="ref.png",
    measured_at="2026-01-01T00:00:00+00:00",
    station="st1",
)


def test_scale_precedence() -> None:
    ring = make_ring()
    assert resolve_scale(
        cli_px_per_mm=8.0, calibration=CALIBRATION, recipe=R214, ring=ring
    ) == Scale(8.0, ScaleSource.CLI)
    assert resolve_scale(
        cli_px_per_mm=None, calibration=CALIBRATION, recipe=R214, ring=ring
    ) == Scale(12.5, ScaleSource.CALIBRATION)
    nominal = resolve_scale(cli_px_per_mm=None, calibration=None, recipe=R214, ring=ring)
    assert nominal is not None
    assert nominal.source is ScaleSource.NOMINAL
    assert nominal.px_per_mm == pytest.approx(35.3 / 3.53)
    assert resolve_scale(cli_px_per_mm=None, calibration=None, recipe=None, ring=ring) is None
    assert resolve_scale(cli_px_per_mm=None, calibration=None, recipe=R214, ring=None) is None


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_cli_scale_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        resolve_scale(cli_px_per_mm=bad, calibration=None, recipe=None, ring=None)


# --- the shipped grades ---------------------------------------------------------------


@pytest.mark.parametrize("grade", [FAB, ISO], ids=["fab", "iso3601-N"])
def test_shipped_grades_rule_every_defect_type_wherever_they_apply(grade: Grade) -> None:
    sizes = [None] if not grade.bands else [b.cs_up_to_mm for b in grade.bands]
    for cs_mm in sizes:
        for kind in DefectType:
            assert grade.rule_for(kind, cs_mm) is not None, (grade.name, kind, cs_mm)
