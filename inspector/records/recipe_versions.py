"""Recipe versions in the records: an edit is a new version, never a change in place.

Every inspection points at the exact recipe snapshot (JSON + SHA-256) it was judged with
(:func:`inspector.records.lots.recipe_id_for`). An engineer's edit is stored here as the
part's next version, audited with the old and new content and the reason; a customer part
(a name the shipped AS568 catalogue does not have) starts at version 1 the same way.

Two places hold recipes: the shipped catalogue in ``models/recipes`` (read-only data) and
the ``recipes`` table of the records. :func:`versions` puts both together for one part,
oldest first, each version with who stored it, when and why, from the audit trail.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector import audit
from inspector.auth import Permission, User, require
from inspector.paths import MODELS_DIR
from inspector.recipes import Recipe, RecipeError, list_recipes, load_recipe, recipe_from_dict
from inspector.records.lots import LotError, canonical_recipe
from inspector.store import recipe_sql, repo
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "FieldChange",
    "RecipeVersion",
    "StoredPart",
    "catalogue",
    "create_part",
    "diff",
    "latest_recipe",
    "save_recipe_edit",
    "stored_parts",
    "versions",
]

#: Where a version comes from: the shipped catalogue file or a row of the records.
CATALOGUE = "catalogue"
RECORDS = "records"


def latest_recipe(store: SqliteStore, part: str) -> Recipe | None:
    """Return the newest version of ``part``'s recipe stored in the records, or None."""
    row = repo.latest_recipe(store.reader(), part)
    if row is None:
        return None
    return recipe_from_dict(json.loads(row["json"]), where=f"recipe {part} in the records")


def _shipped(name: str, models_dir: Path) -> Recipe | None:
    """The catalogue recipe called exactly ``name`` (any case), or None."""
    if name.casefold() not in {n.casefold() for n in list_recipes(models_dir=models_dir)}:
        return None
    return load_recipe(name, models_dir=models_dir)


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {**a, "version": 0} == {**b, "version": 0}


def _reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise LotError(f"{what} needs a reason")
    return reason.strip()


def _validated(recipe: Recipe) -> Recipe:
    try:
        return recipe_from_dict(recipe.to_dict(), where=f"recipe {recipe.name}")
    except RecipeError as exc:
        raise LotError(str(exc)) from None


def _store_version(
    tx: Tx, actor: User, recipe: Recipe, *, action: str, old: Any, reason: str
) -> None:
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
        action,
        "recipe",
        recipe.name,
        old=old,
        new={"sha256": digest, **recipe.to_dict()},
        reason=reason,
        time_utc=now,
    )


def save_recipe_edit(
    store: SqliteStore,
    actor: User,
    edited: Recipe,
    *,
    reason: str,
    models_dir: Path = MODELS_DIR,
) -> Recipe:
    """Store an edited recipe as the part's next version and return it.

    The new version number is one above both the edited recipe's and the newest stored one.
    A catalogue part never edited before is compared with its shipped file.

    Raises
    ------
    PermissionDenied, LotError
        Not an engineer; no reason; no such part; the edit changes nothing; a field the
        recipe rules refuse (the message is theirs).
    """
    require(actor, Permission.EDIT_RECIPE)
    reason = _reason(reason, "a recipe edit")
    shipped = _shipped(edited.name, models_dir)
    # One write transaction from reading the newest version to storing the next: two
    # stations saving at once cannot both take the same version number.
    with store.transaction() as tx:
        newest = repo.latest_recipe(tx, edited.name)
        if newest is not None:
            base = max(edited.version, int(newest["version"]))
            old: dict[str, Any] = json.loads(newest["json"])
        elif shipped is not None:
            base = max(edited.version, shipped.version)
            old = shipped.to_dict()
            edited = dataclasses.replace(edited, name=shipped.name)
        else:
            raise LotError(f"there is no recipe {edited.name} to edit; create it as a new part")
        if _same_content(old, edited.to_dict()):
            raise LotError(f"the edit leaves recipe {edited.name} as it is; nothing saved")
        recipe = _validated(dataclasses.replace(edited, version=base + 1))
        _store_version(tx, actor, recipe, action="update", old=old, reason=reason)
    return recipe


def create_part(
    store: SqliteStore,
    actor: User,
    recipe: Recipe,
    *,
    reason: str,
    models_dir: Path = MODELS_DIR,
) -> Recipe:
    """Store a new part's recipe (a customer part) as its version 1 and return it.

    Raises
    ------
    PermissionDenied, LotError
        Not an engineer; no reason; the name is a catalogue part or already in the records;
        a field the recipe rules refuse (the message is theirs).
    """
    require(actor, Permission.EDIT_RECIPE)
    reason = _reason(reason, "a new part")
    recipe = _validated(dataclasses.replace(recipe, version=1))
    if _shipped(recipe.name, models_dir) is not None:
        raise LotError(
            f"{recipe.name} is a catalogue part; edit it, or give the new part its own name"
        )
    with store.transaction() as tx:
        if repo.latest_recipe(tx, recipe.name) is not None:
            raise LotError(f"a part named {recipe.name} is in the records already; edit it instead")
        _store_version(tx, actor, recipe, action="create", old=None, reason=reason)
    return recipe


# --- browsing ------------------------------------------------------------------------------


def catalogue(*, models_dir: Path = MODELS_DIR) -> list[Recipe]:
    """Return every shipped recipe, by name (369 AS568 sizes in the shipped models)."""
    return [
        load_recipe(name, models_dir=models_dir) for name in list_recipes(models_dir=models_dir)
    ]


@dataclass(frozen=True)
class StoredPart:
    """A part with recipe versions in the records.

    Attributes
    ----------
    latest : Recipe
        Its newest stored version.
    versions : int
        How many versions the records hold.
    updated_utc : str
        When the newest was stored.
    in_catalogue : bool
        The shipped catalogue has a part of this name.
    edited : bool
        Some stored version differs from the shipped file (always True for a customer part):
        a catalogue part stored only as the snapshot a lot was opened with is not edited.
    """

    latest: Recipe
    versions: int
    updated_utc: str
    in_catalogue: bool
    edited: bool

    @property
    def customer_part(self) -> bool:
        """True for a part the catalogue does not have, or has but was edited."""
        return self.edited or not self.in_catalogue


def _recipe(row: Row) -> Recipe:
    return recipe_from_dict(json.loads(row["json"]), where=f"recipe {row['part']} in the records")


def stored_parts(store: SqliteStore, *, models_dir: Path = MODELS_DIR) -> list[StoredPart]:
    """Return every part with recipe versions in the records, by name."""
    tx = store.reader()
    shipped_names = set(list_recipes(models_dir=models_dir))
    out: list[StoredPart] = []
    for row in recipe_sql.latest_of_each_part(tx):
        part = str(row["part"])
        in_catalogue = part in shipped_names
        if in_catalogue:
            shipped_sha = canonical_recipe(load_recipe(part, models_dir=models_dir))[1]
            hashes = {str(r["sha256"]) for r in recipe_sql.versions_of(tx, part)}
            edited = bool(hashes - {shipped_sha})
        else:
            edited = True
        out.append(
            StoredPart(
                latest=_recipe(row),
                versions=int(row["versions"]),
                updated_utc=str(row["created_utc"]),
                in_catalogue=in_catalogue,
                edited=edited,
            )
        )
    return out


@dataclass(frozen=True)
class RecipeVersion:
    """One version of a part's recipe and its provenance.

    Attributes
    ----------
    recipe : Recipe
    source : str
        :data:`CATALOGUE` (the shipped file) or :data:`RECORDS` (a stored row).
    sha256 : str
        Hash of the canonical JSON, as inspections record it.
    stored_utc : str
        When the records stored it ("" for the shipped file).
    by : str
        Who stored it ("system" when no one signed in, "" for the shipped file).
    action : str
        The audit action: ``"create"`` (a new part or a lot's snapshot), ``"update"`` (an edit).
    reason : str
        Why, as given; "" when none was asked (a lot stores the snapshot it was opened with).
    """

    recipe: Recipe
    source: str
    sha256: str
    stored_utc: str = ""
    by: str = ""
    action: str = ""
    reason: str = ""


def versions(
    store: SqliteStore, part: str, *, models_dir: Path = MODELS_DIR
) -> list[RecipeVersion]:
    """Return every known version of ``part``'s recipe, oldest first.

    The shipped file comes first unless the records hold exactly the same content already
    (a lot's snapshot of it); the records' rows follow by version, each with the audit row
    that stored it (matched by content hash).

    Raises
    ------
    LotError
        No such part anywhere.
    """
    tx = store.reader()
    rows = recipe_sql.versions_of(tx, part)
    shipped = _shipped(part, models_dir)
    if not rows and shipped is None:
        raise LotError(f"there is no recipe {part} in the catalogue or the records")
    if shipped is not None and not rows:
        part = shipped.name
    stored_by_sha: dict[str, audit.AuditRow] = {}
    for a in recipe_sql.recipe_audit_rows(tx, part):
        new = None if a["new_value"] is None else json.loads(a["new_value"])
        if isinstance(new, dict) and isinstance(new.get("sha256"), str):
            stored_by_sha.setdefault(
                new["sha256"],
                audit.AuditRow(
                    id=int(a["id"]),
                    time_utc=str(a["time_utc"]),
                    user_name=str(a["user_name"]),
                    action=str(a["action"]),
                    entity=str(a["entity"]),
                    entity_id=str(a["entity_id"]),
                    old_value=None,
                    new_value=None,
                    reason=str(a["reason"]),
                ),
            )
    out: list[RecipeVersion] = []
    hashes = {str(r["sha256"]) for r in rows}
    if shipped is not None:
        digest = canonical_recipe(shipped)[1]
        if digest not in hashes:
            out.append(RecipeVersion(shipped, CATALOGUE, digest))
    for row in rows:
        digest = str(row["sha256"])
        stored = stored_by_sha.get(digest)
        out.append(
            RecipeVersion(
                recipe=_recipe(row),
                source=RECORDS,
                sha256=digest,
                stored_utc=str(row["created_utc"]),
                by="" if stored is None else stored.user_name,
                action="" if stored is None else stored.action,
                reason="" if stored is None else stored.reason,
            )
        )
    return out


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions, as text for a person."""

    field: str
    old: str
    new: str


#: The fields a person compares, in the order the editor shows them, with their labels.
_DIFF_FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "Description"),
    ("standard", "Standard"),
    ("id_mm", "ID mm"),
    ("id_tol_mm", "ID tol ± mm"),
    ("cs_mm", "CS mm"),
    ("cs_tol_mm", "CS tol ± mm"),
    ("grade", "Grade"),
    ("sampling_level", "Sampling level"),
    ("sampling_aql", "AQL"),
    ("confirmed", "Confirmed"),
    ("note", "Note"),
    ("sources", "Sources"),
)


def _flat(recipe: Recipe) -> dict[str, str]:
    d = recipe.to_dict()
    values = {k: d[k] for k, _ in _DIFF_FIELDS if k in d}
    values["sampling_level"] = recipe.sampling.level
    values["sampling_aql"] = recipe.sampling.aql
    return {k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in values.items()}


def diff(old: Recipe, new: Recipe) -> list[FieldChange]:
    """Return the fields that differ from ``old`` to ``new`` (the version number aside)."""
    a, b = _flat(old), _flat(new)
    return [FieldChange(label, a[key], b[key]) for key, label in _DIFF_FIELDS if a[key] != b[key]]
