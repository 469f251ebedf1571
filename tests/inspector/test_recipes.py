"""Recipes and grades: the shipped data, loading, errors and round trips."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from inspector.imaging.results import DefectType
from inspector.paths import MODELS_DIR, PROJECT_ROOT
from inspector.recipes import (
    Comparison,
    RecipeError,
    Sampling,
    grade_from_dict,
    list_grades,
    list_recipes,
    load_grade,
    load_recipe,
    recipe_from_dict,
)


def test_as568_214_worked_values() -> None:
    recipe = load_recipe("AS568-214")
    assert recipe.name == "AS568-214"
    assert recipe.version == 1
    assert recipe.key == "AS568-214@1"
    assert (recipe.id_mm, recipe.id_tol_mm) == (24.99, 0.25)
    assert (recipe.cs_mm, recipe.cs_tol_mm) == (3.53, 0.10)
    assert recipe.od_mm == pytest.approx(32.05)
    assert recipe.grade == "fab"
    assert recipe.sampling == Sampling(level="II", aql=1.0)
    assert recipe.confirmed
    assert recipe.standard.startswith("SAE AS568")
    assert "0.984" in recipe.description
    assert "0.139" in recipe.description


def test_every_size_is_shipped() -> None:
    names = list_recipes()
    assert len(names) == 369
    assert names[0] == "AS568-001"
    assert names[-1] == "AS568-932"
    assert "AS568-214" in names


def test_single_source_rows_are_kept_and_say_so() -> None:
    unconfirmed = [r for r in map(load_recipe, list_recipes()) if not r.confirmed]
    assert len(unconfirmed) == 13
    assert {r.name for r in unconfirmed} == {
        *(f"AS568-{d}" for d in range(391, 396)),
        *(f"AS568-{d}" for d in range(468, 476)),
    }
    for recipe in unconfirmed:
        assert "one chart only" in recipe.note
    assert load_recipe("AS568-395").id_tol_mm == 3.05


def test_shipped_recipes_match_the_generator() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_recipes", PROJECT_ROOT / "tools" / "build_recipes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.build()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (MODELS_DIR / "recipes").glob("*")}
    assert files == on_disk


def test_name_is_case_insensitive_and_takes_a_version() -> None:
    assert load_recipe("as568-214").name == "AS568-214"
    assert load_recipe("AS568-214@1").key == "AS568-214@1"
    with pytest.raises(RecipeError, match="AS568-214 is at version 1, not version 2"):
        load_recipe("AS568-214@2")


def test_unknown_recipe_suggests_close_names() -> None:
    with pytest.raises(RecipeError) as info:
        load_recipe("AS568-2140")
    message = str(info.value)
    assert message.startswith("unknown recipe 'AS568-2140'; did you mean ")
    assert "AS568-214" in message
    with pytest.raises(RecipeError, match="did you mean AS568-214\\?"):
        load_recipe("214")
    with pytest.raises(RecipeError, match="unknown recipe 'zzz' \\(369 recipes in"):
        load_recipe("zzz")


def test_a_name_cannot_leave_the_folder() -> None:
    with pytest.raises(RecipeError, match="unknown recipe"):
        load_recipe("../grades/fab")


def test_recipe_round_trip() -> None:
    recipe = load_recipe("AS568-470")
    data = recipe.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert recipe_from_dict(data) == recipe
    assert data == json.loads((MODELS_DIR / "recipes" / "AS568-470.json").read_text())


@pytest.mark.parametrize("name", ["fab", "iso3601-N"])
def test_grade_round_trip(name: str) -> None:
    grade = load_grade(name)
    data = grade.to_dict()
    assert grade_from_dict(json.loads(json.dumps(data))) == grade
    assert grade_from_dict(data).key == f"{name}@1"


def test_shipped_grades() -> None:
    assert list_grades() == ["fab", "iso3601-N"]
    fab = load_grade("fab")
    assert fab.bands == ()
    assert fab.covers(None)
    for kind in (DefectType.CUT, DefectType.CRACK):
        rule = fab.rule_for(kind, None)
        assert rule is not None and rule.always_reject
    scratch = fab.rule_for(DefectType.SCRATCH, None)
    assert scratch is not None
    assert (scratch.max_length_mm, scratch.reject_if) == (0.10, Comparison.GE)

    iso = load_grade("iso3601-N")
    assert iso.cs_range_mm == (0.8, 8.4)
    assert [b.cs_up_to_mm for b in iso.bands] == [2.25, 3.15, 4.5, 6.3, 8.4]
    flash = [iso.rule_for(DefectType.FLASH, b.cs_up_to_mm) for b in iso.bands]
    assert [(r.max_width_mm, r.max_length_mm) for r in flash if r] == [
        (0.07, 0.10),
        (0.07, 0.12),
        (0.07, 0.14),
        (0.07, 0.16),
        (0.07, 0.18),
    ]
    non_fill = [iso.rule_for(DefectType.NON_FILL, b.cs_up_to_mm) for b in iso.bands]
    assert [(r.max_length_mm, r.max_width_mm) for r in non_fill if r] == [
        (0.60, 0.08),
        (0.80, 0.08),
        (1.00, 0.10),
        (1.30, 0.10),
        (1.70, 0.13),
    ]
    inclusion = iso.rule_for(DefectType.INCLUSION, 3.53)
    assert inclusion is not None and inclusion.always_reject
    assert "customer-agreed" in inclusion.note
    assert not iso.covers(0.8)
    assert iso.covers(0.81)
    assert iso.covers(8.4)
    assert not iso.covers(8.41)
    assert not iso.covers(None)
    assert iso.rule_for(DefectType.FLASH, 9.0) is None
    assert iso.rule_for(DefectType.CRACK, 9.0) is not None  # holds at every size


def test_unknown_grade() -> None:
    with pytest.raises(RecipeError, match="unknown grade 'iso3601-n2'; did you mean iso3601-N"):
        load_grade("iso3601-n2")


# --- malformed files ------------------------------------------------------------------


def _models(tmp_path: Path, kind: str, name: str, content: str) -> Path:
    folder = tmp_path / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(content, encoding="utf-8")
    return tmp_path


def _recipe_data(**changes: Any) -> dict[str, Any]:
    data = load_recipe("AS568-214").to_dict()
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_recipe_data(id_mm=...), "missing field 'id_mm'"),
        (_recipe_data(cs_mm=-3.53), "'cs_mm' must be a finite number > 0"),
        (_recipe_data(cs_mm="3.53"), "'cs_mm' must be a number"),
        (_recipe_data(version=True), "'version' must be a whole number"),
        (_recipe_data(colour="black"), "unknown field\\(s\\) colour"),
        (_recipe_data(schema_version=2), "schema version 2 is newer"),
        (_recipe_data(sampling={"level": "IV", "aql": 1.0}), "sampling level 'IV'"),
        (_recipe_data(cs_tol_mm=4.0), "tolerance is as large as its nominal"),
        (_recipe_data(confirmed="yes"), "'confirmed' must be true or false"),
    ],
)
def test_malformed_recipe(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    models = _models(tmp_path, "recipes", "AS568-214", json.dumps(data))
    with pytest.raises(RecipeError, match=message) as info:
        load_recipe("AS568-214", models_dir=models)
    assert "AS568-214.json" in str(info.value)


def test_recipe_that_is_not_json(tmp_path: Path) -> None:
    models = _models(tmp_path, "recipes", "X", "{ nope")
    with pytest.raises(RecipeError, match=r"X\.json is not valid JSON \(line 1, column 3"):
        load_recipe("X", models_dir=models)


def test_recipe_file_name_must_match(tmp_path: Path) -> None:
    models = _models(tmp_path, "recipes", "OTHER", json.dumps(_recipe_data()))
    with pytest.raises(RecipeError, match="does not match its part name 'AS568-214'"):
        load_recipe("OTHER", models_dir=models)


def _grade_data(**changes: Any) -> dict[str, Any]:
    data = load_grade("iso3601-N").to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_grade_data(rules={"smudge": {"always_reject": True}}), "'smudge' is not a defect type"),
        (
            _grade_data(rules={"scratch": {"max_length_mm": 0.1, "reject_if": "<"}}),
            "'reject_if' must be '>' or '>='",
        ),
        (
            _grade_data(rules={"scratch": {"max_length_mm": 0.1}}),
            "missing field 'reject_if'",
        ),
        (_grade_data(rules={"scratch": {"reject_if": ">"}}), "needs always_reject or at least"),
        (
            _grade_data(rules={"scratch": {"always_reject": True, "max_length_mm": 1.0}}),
            "always-reject rule takes no limits",
        ),
        (
            _grade_data(rules={"flash": {"always_reject": True}}),
            "flash ruled both for all sizes and by band",
        ),
        (
            _grade_data(rules={"scratch": {"max_lenght_mm": 0.1, "reject_if": ">"}}),
            "unknown field\\(s\\) max_lenght_mm",
        ),
        (
            _grade_data(
                bands=[
                    {"cs_over_mm": 0.8, "cs_up_to_mm": 2.25, "rules": {}},
                    {"cs_over_mm": 2.5, "cs_up_to_mm": 3.15, "rules": {}},
                ]
            ),
            "bands must be contiguous",
        ),
        (_grade_data(schema_version=9), "schema version 9 is newer"),
    ],
)
def test_malformed_grade(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    models = _models(tmp_path, "grades", "iso3601-N", json.dumps(data))
    with pytest.raises(RecipeError, match=message):
        load_grade("iso3601-N", models_dir=models)


def test_empty_models_folder(tmp_path: Path) -> None:
    assert list_recipes(models_dir=tmp_path) == []
    with pytest.raises(RecipeError, match="unknown recipe 'AS568-214' \\(0 recipes"):
        load_recipe("AS568-214", models_dir=tmp_path)
