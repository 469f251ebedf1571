"""Recipe versions in the records: customer parts, edits as new versions, provenance, diffs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector import audit
from inspector.auth import PermissionDenied, User
from inspector.recipes import load_recipe
from inspector.records import lots, recipe_versions
from inspector.records.lots import LotError
from inspector.store import SqliteStore, open_store

from .test_store_fixtures import add_users


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with open_store(tmp_path / "x.db") as s:
        yield s


@pytest.fixture
def users(store: SqliteStore) -> dict[str, User]:
    return add_users(store)


def _customer_part() -> recipe_versions.Recipe:
    base = load_recipe("AS568-214")
    return dataclasses.replace(
        base, name="ACME-7731", description="ACME pump seal", cs_tol_mm=0.08, version=3
    )


def test_catalogue_holds_the_shipped_as568_sizes() -> None:
    recipes = recipe_versions.catalogue()
    assert len(recipes) == 369
    assert recipes[0].name == "AS568-001"
    assert any(r.name == "AS568-214" and r.id_mm == pytest.approx(24.99) for r in recipes)


def test_create_customer_part_starts_at_version_one(
    store: SqliteStore, users: dict[str, User]
) -> None:
    part = recipe_versions.create_part(
        store, users["engineer"], _customer_part(), reason="new customer drawing D-12"
    )
    assert (part.name, part.version, part.cs_tol_mm) == ("ACME-7731", 1, 0.08)
    assert recipe_versions.latest_recipe(store, "ACME-7731") == part
    [row] = audit.history(store, "recipe", "ACME-7731")
    assert (row.action, row.user_name, row.reason) == ("create", "eng", "new customer drawing D-12")
    [stored] = recipe_versions.stored_parts(store)
    assert stored.customer_part and not stored.in_catalogue and stored.versions == 1


def test_create_refuses_catalogue_names_duplicates_roles_and_empty_reasons(
    store: SqliteStore, users: dict[str, User]
) -> None:
    new = _customer_part()
    with pytest.raises(PermissionDenied):
        recipe_versions.create_part(store, users["manager"], new, reason="x")
    with pytest.raises(LotError, match="needs a reason"):
        recipe_versions.create_part(store, users["engineer"], new, reason="  ")
    with pytest.raises(LotError, match="catalogue part"):
        recipe_versions.create_part(
            store, users["engineer"], dataclasses.replace(new, name="as568-214"), reason="x"
        )
    recipe_versions.create_part(store, users["engineer"], new, reason="x")
    with pytest.raises(LotError, match="in the records already"):
        recipe_versions.create_part(store, users["engineer"], new, reason="x")


def test_invalid_fields_are_refused_with_the_recipe_rules_message(
    store: SqliteStore, users: dict[str, User]
) -> None:
    bad = dataclasses.replace(_customer_part(), cs_tol_mm=4.0)
    with pytest.raises(LotError, match="tolerance is as large as its nominal size"):
        recipe_versions.create_part(store, users["engineer"], bad, reason="x")
    with pytest.raises(LotError, match="not a valid part name"):
        recipe_versions.create_part(
            store, users["engineer"], dataclasses.replace(bad, name="my part"), reason="x"
        )
    assert recipe_versions.stored_parts(store) == []


def test_edits_make_new_versions_and_old_ones_stay_readable(
    store: SqliteStore, users: dict[str, User]
) -> None:
    eng = users["engineer"]
    v1 = recipe_versions.create_part(store, eng, _customer_part(), reason="new part")
    v2 = recipe_versions.save_recipe_edit(
        store, eng, dataclasses.replace(v1, id_tol_mm=0.2), reason="customer tightened ID"
    )
    # Editing the old version again still lands above the newest.
    v3 = recipe_versions.save_recipe_edit(
        store, eng, dataclasses.replace(v1, grade="iso3601-N"), reason="grade N per PO"
    )
    assert [v2.version, v3.version] == [2, 3]
    found = recipe_versions.versions(store, "ACME-7731")
    assert [v.recipe for v in found] == [v1, v2, v3]
    assert [(v.by, v.action, v.reason) for v in found] == [
        ("eng", "create", "new part"),
        ("eng", "update", "customer tightened ID"),
        ("eng", "update", "grade N per PO"),
    ]
    assert all(v.source == recipe_versions.RECORDS and v.stored_utc for v in found)
    changes = recipe_versions.diff(v2, v3)
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("ID tol ± mm", "0.2", "0.25"),
        ("Grade", "fab", "iso3601-N"),
    ]
    assert audit.verify(store).ok


def test_catalogue_part_edit_compares_with_the_shipped_file(
    store: SqliteStore, users: dict[str, User]
) -> None:
    shipped = load_recipe("AS568-214")
    with pytest.raises(LotError, match="as it is"):
        recipe_versions.save_recipe_edit(store, users["engineer"], shipped, reason="no change")
    # A lot's snapshot of the shipped file is stored but is not an edit.
    lots.open_lot(store, users["engineer"], lots.LotSpec("L1", 50), recipe=shipped)
    [snap] = recipe_versions.stored_parts(store)
    assert snap.in_catalogue and not snap.edited and not snap.customer_part
    v2 = recipe_versions.save_recipe_edit(
        store, users["engineer"], dataclasses.replace(shipped, cs_tol_mm=0.08), reason="spec"
    )
    found = recipe_versions.versions(store, "AS568-214")
    assert [(v.recipe.version, v.action) for v in found] == [(1, "create"), (2, "update")]
    assert found[0].recipe == shipped and found[1].recipe == v2
    [part] = recipe_versions.stored_parts(store)
    assert part.edited and part.versions == 2 and part.latest == v2


def test_untouched_catalogue_part_lists_its_shipped_version(store: SqliteStore) -> None:
    [only] = recipe_versions.versions(store, "AS568-010")
    assert only.source == recipe_versions.CATALOGUE
    assert (only.recipe.name, only.by, only.stored_utc) == ("AS568-010", "", "")
    with pytest.raises(LotError, match="no recipe NOPE-1"):
        recipe_versions.versions(store, "NOPE-1")


def test_edit_of_an_unknown_part_is_refused(store: SqliteStore, users: dict[str, User]) -> None:
    with pytest.raises(LotError, match="create it as a new part"):
        recipe_versions.save_recipe_edit(
            store, users["engineer"], _customer_part(), reason="typo in the name"
        )
