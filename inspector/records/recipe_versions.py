"""Recipe versions in the records: an edit is a new version, never a change in place.

Every inspection points at the exact recipe snapshot (JSON + SHA-256) it was judged with
(:func:`inspector.records.lots.recipe_id_for`). An engineer's edit is stored here as the
part's next version, audited with the old and new content and the reason.
"""

from __future__ import annotations

import dataclasses
import json

from inspector import audit
from inspector.auth import Permission, User, require
from inspector.recipes import Recipe, RecipeError, recipe_from_dict
from inspector.records.lots import LotError, canonical_recipe
from inspector.store import repo
from inspector.store.sqlite import SqliteStore

__all__ = ["latest_recipe", "save_recipe_edit"]


def latest_recipe(store: SqliteStore, part: str) -> Recipe | None:
    """Return the newest version of ``part``'s recipe stored in the records, or None."""
    row = repo.latest_recipe(store.reader(), part)
    if row is None:
        return None
    return recipe_from_dict(json.loads(row["json"]), where=f"recipe {part} in the records")


def save_recipe_edit(store: SqliteStore, actor: User, edited: Recipe, *, reason: str) -> Recipe:
    """Store an edited recipe as the part's next version and return it.

    The new version number is one above both the edited recipe's and the newest stored one.

    Raises
    ------
    PermissionDenied, LotError
        Not an engineer; no reason; the edit changes nothing.
    """
    require(actor, Permission.EDIT_RECIPE)
    if not reason.strip():
        raise LotError("a recipe edit needs a reason")
    with store.transaction() as tx:
        newest = repo.latest_recipe(tx, edited.name)
        base = edited.version if newest is None else max(edited.version, int(newest["version"]))
        old = None if newest is None else json.loads(newest["json"])
        if old is not None and {**old, "version": 0} == {**edited.to_dict(), "version": 0}:
            raise LotError(f"the edit leaves recipe {edited.name} as it is; nothing saved")
        recipe = dataclasses.replace(edited, version=base + 1)
        try:
            recipe = recipe_from_dict(recipe.to_dict(), where=f"recipe {recipe.key}")
        except RecipeError as exc:
            raise LotError(str(exc)) from None
        text, digest = canonical_recipe(recipe)
        now = audit.now_utc()
        repo.insert_recipe(
            tx,
            part=recipe.name,
            version=recipe.version,
            json_text=text,
            sha256=digest,
            created_utc=now,
        )
        audit.record(
            tx,
            actor,
            "update",
            "recipe",
            recipe.name,
            old=old,
            new={"sha256": digest, **recipe.to_dict()},
            reason=reason.strip(),
            time_utc=now,
        )
    return recipe
