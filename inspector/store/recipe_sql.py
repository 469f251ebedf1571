"""SQL for browsing the recipe versions kept in the records (the desk's recipes view).

The ``recipes`` table holds one row per exact recipe content: the snapshots lots were
opened with and the versions engineers saved. These queries list them by part and find the
audit rows that say who stored each one and why.
"""

from __future__ import annotations

from inspector.store.sqlite import Row, Tx

__all__ = ["latest_of_each_part", "recipe_audit_rows", "versions_of"]


def latest_of_each_part(tx: Tx) -> list[Row]:
    """Return the newest stored row of every part with its number of stored versions, by part.

    Columns: those of ``recipes`` plus ``versions``.
    """
    return tx.all(
        "SELECT r.*, (SELECT count(*) FROM recipes c WHERE c.part = r.part) AS versions "
        "FROM recipes r "
        "WHERE r.id = (SELECT x.id FROM recipes x WHERE x.part = r.part "
        "              ORDER BY x.version DESC, x.id DESC LIMIT 1) "
        "ORDER BY r.part"
    )


def versions_of(tx: Tx, part: str) -> list[Row]:
    """Return every stored row of ``part``, oldest version first."""
    return tx.all("SELECT * FROM recipes WHERE part = ? ORDER BY version, id", (part,))


def recipe_audit_rows(tx: Tx, part: str) -> list[Row]:
    """Return the audit rows about ``part``'s recipe, oldest first.

    Lots audit a stored snapshot under ``"<part>@<version>"``, edits under ``"<part>"``:
    both are matched (a prefix test, not LIKE, so ``_`` in a part name stays literal).
    """
    return tx.all(
        "SELECT * FROM audit WHERE entity = 'recipe' "
        "AND (entity_id = ? OR substr(entity_id, 1, length(?) + 1) = ? || '@') ORDER BY id",
        (part, part, part),
    )
