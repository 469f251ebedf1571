"""The recipes view: browse the catalogue and customer parts, create and edit with a reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from inspector.recipes import load_recipe
from inspector.records import recipe_versions
from tests.ui.desk_records import DeskRecords
from ui.desk.database import DeskDatabase
from ui.desk.recipe_editor import RecipeEdit, RecipeEditorDialog
from ui.desk.recipes_view import RecipesView

pytestmark = pytest.mark.gui


@pytest.fixture
def db(desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


def _idle(qtbot, db: DeskDatabase) -> None:
    qtbot.waitUntil(lambda: not db.busy)


def _view(qtbot, db: DeskDatabase, user) -> RecipesView:
    view = RecipesView(db)
    qtbot.addWidget(view)
    view.set_user(user)
    qtbot.waitUntil(lambda: view.catalogue_model.rowCount() == 369)
    _idle(qtbot, db)
    return view


def _answer(monkeypatch, recipe, reason: str) -> list[dict[str, object]]:
    """Make the editor answer ``recipe`` and ``reason``; return what it was asked."""
    asked: list[dict[str, object]] = []

    def ask(parent, base, grades, **kw):
        asked.append({"base": base, "grades": list(grades), **kw})
        return RecipeEdit(recipe, reason)

    monkeypatch.setattr(RecipeEditorDialog, "ask", ask)
    return asked


def test_catalogue_search_by_dash_number_id_and_cs(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["inspector"])
    proxy = view.catalogue_proxy
    assert proxy.rowCount() == 369
    view.search.setText("214")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["AS568-214"]
    view.search.setText("24.99")
    assert "AS568-214" in [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    view.search.setText("3.53 24.99")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["AS568-214"]
    view.search.clear()
    view.cross_section.setCurrentIndex(view.cross_section.findData(3.53))
    shown = {
        view.catalogue_model.recipe_at(proxy.mapToSource(proxy.index(r, 0)).row()).cs_mm
        for r in range(proxy.rowCount())
    }
    assert shown == {3.53} and 0 < proxy.rowCount() < 369
    assert view.count.text() == f"{proxy.rowCount()} of 369"


def test_selecting_a_size_shows_its_fields_and_shipped_version(qtbot, db, desk_records) -> None:
    view = _view(qtbot, db, desk_records.users["manager"])
    assert view.select_part("AS568-214")
    qtbot.waitUntil(lambda: view.shown_value("part") == "AS568-214")
    assert view.shown_value("id") == "24.990 ± 0.250 mm"
    assert view.shown_value("cs") == "3.530 ± 0.100 mm"
    assert view.shown_value("grade") == "fab"
    assert view.shown_value("plan") == "ISO 2859-1 level II, AQL 1 %"
    assert view.versions_model.rowCount() == 1
    assert "shipped" in view.versions_model.index(0, 0).data()


def test_non_engineers_see_no_editing(qtbot, db, desk_records) -> None:
    for role in ("inspector", "manager", "admin"):
        view = _view(qtbot, db, desk_records.users[role])
        assert view.new_button.isHidden() and view.edit_button.isHidden()
    view = _view(qtbot, db, desk_records.users["engineer"])
    assert not view.new_button.isHidden() and not view.edit_button.isHidden()
    view.set_user(None)
    assert view.new_button.isHidden()


def test_create_customer_part_then_edit_keeps_the_old_version_readable(
    qtbot, db, desk_records, monkeypatch
) -> None:
    view = _view(qtbot, db, desk_records.users["engineer"])
    new = dataclasses.replace(
        load_recipe("AS568-214"), name="ACME-7731", description="ACME housing seal"
    )
    asked = _answer(monkeypatch, new, "new customer drawing D-7731")
    with qtbot.waitSignal(view.recipeSaved) as saved:
        view.create_part()
    assert saved.args == ["ACME-7731", 1]
    assert asked[0]["creating"] is True and "fab" in asked[0]["grades"]
    qtbot.waitUntil(lambda: view.parts_model.rowCount() == 1)
    qtbot.waitUntil(lambda: view.shown_value("part") == "ACME-7731")
    assert view.tabs.currentIndex() == 1
    assert view.messages.text() == "Saved ACME-7731 version 1."

    edited = dataclasses.replace(new, cs_tol_mm=0.08)
    _answer(monkeypatch, edited, "customer tightened CS")
    with qtbot.waitSignal(view.recipeSaved) as saved:
        view.edit_selected()
    assert saved.args == ["ACME-7731", 2]
    qtbot.waitUntil(lambda: view.versions_model.rowCount() == 2)
    _idle(qtbot, db)
    assert view.shown_value("cs") == "3.530 ± 0.080 mm"
    assert "customer tightened CS" in view.shown_value("stored")
    assert view.changes_model.rowCount() == 1
    assert view.changes_model.index(0, 0).data() == "CS tol ± mm"
    # The old version, selected, reads as it was.
    view.versions_table.setCurrentIndex(view.versions_model.index(1, 0))
    assert view.shown_value("version") == "v1"
    assert view.shown_value("cs") == "3.530 ± 0.100 mm"
    assert "Older version, read-only" in view.detail_state.text()
    with desk_records.open() as store:
        found = recipe_versions.versions(store, "ACME-7731")
    assert [(v.recipe.version, v.reason) for v in found] == [
        (1, "new customer drawing D-7731"),
        (2, "customer tightened CS"),
    ]


def test_empty_reason_is_refused_by_the_core(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["engineer"])
    view.select_part("AS568-117")
    qtbot.waitUntil(lambda: view.versions_model.rowCount() > 0)
    _idle(qtbot, db)
    _answer(monkeypatch, dataclasses.replace(load_recipe("AS568-117"), grade="iso3601-N"), " ")
    view.edit_selected()
    qtbot.waitUntil(lambda: view.messages.text() != "")
    assert view.messages.text() == "A recipe edit needs a reason"
    with desk_records.open() as store:
        assert not any(p.edited for p in recipe_versions.stored_parts(store))


def test_invalid_field_shows_the_core_message(qtbot, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["engineer"])
    bad = dataclasses.replace(load_recipe("AS568-214"), name="ACME-1", cs_tol_mm=3.53)
    _answer(monkeypatch, bad, "typo")
    view.create_part()
    qtbot.waitUntil(lambda: view.messages.text() != "")
    assert "tolerance is as large as its nominal size" in view.messages.text()
    assert view.parts_model.rowCount() == 0


def test_editor_checks_fields_with_the_core_rules_and_asks_a_reason(qtbot) -> None:
    base = load_recipe("AS568-214")
    dialog = RecipeEditorDialog(
        None, base, ["fab", "iso3601-N"], creating=True, catalogue=[base, load_recipe("AS568-010")]
    )
    qtbot.addWidget(dialog)
    dialog.name.setText("my part")
    dialog.reason.setText("new part")
    dialog.check_and_accept()
    assert dialog.problem.text() == "recipe my part: 'my part' is not a valid part name"
    dialog.name.setText("ACME-1")
    dialog.cs_tol.setValue(3.6)
    dialog.check_and_accept()
    assert "tolerance is as large as its nominal size" in dialog.problem.text()
    dialog.cs_tol.setValue(0.08)
    dialog.reason.clear()
    dialog.check_and_accept()
    assert "reason" in dialog.problem.text() and dialog.result() == 0
    dialog.reason.setText("drawing D-1")
    dialog.grade.setCurrentText("iso3601-N")
    dialog.check_and_accept()
    assert dialog.result() == 1
    value = dialog.value()
    assert (value.recipe.name, value.recipe.version, value.recipe.cs_tol_mm) == ("ACME-1", 1, 0.08)
    assert value.recipe.grade == "iso3601-N" and value.reason == "drawing D-1"
    # Choosing another base size fills the form from it.
    dialog.based_on.setCurrentText("AS568-010")
    dialog._fill_from_catalogue()
    assert dialog.id_mm.value() == pytest.approx(load_recipe("AS568-010").id_mm)


def test_models_pass_the_model_tester(qtbot, qtmodeltester, db, desk_records, monkeypatch) -> None:
    view = _view(qtbot, db, desk_records.users["engineer"])
    new = dataclasses.replace(load_recipe("AS568-214"), name="ACME-9")
    _answer(monkeypatch, new, "new")
    view.create_part()
    _answer(monkeypatch, dataclasses.replace(new, grade="iso3601-N"), "grade")
    qtbot.waitUntil(lambda: view.versions_model.rowCount() == 1)
    _idle(qtbot, db)
    view.edit_selected()
    qtbot.waitUntil(lambda: view.changes_model.rowCount() == 1)
    for model in (
        view.catalogue_model,
        view.catalogue_proxy,
        view.parts_model,
        view.parts_proxy,
        view.versions_model,
        view.changes_model,
    ):
        qtmodeltester.check(model)
