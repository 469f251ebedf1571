"""SQL for the administration view: admins left, and the audit trail read page by page.

The audit browser reads newest first in pages keyed on ``id`` (``id < before``), so a
page costs the same at the end of a long trail as at its start, and rows written while
someone scrolls never shift the pages already shown.
"""

from __future__ import annotations

from typing import Any

from inspector.store.sqlite import Row, Tx

__all__ = [
    "audit_actors",
    "audit_count",
    "audit_entities",
    "audit_page",
    "count_active_admins",
]


def count_active_admins(tx: Tx, *, other_than: int | None = None) -> int:
    """Return how many admins are not disabled, leaving out user ``other_than``."""
    return int(
        tx.scalar(
            "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id IS NOT ?",
            (other_than,),
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(entity: str, actor: str, text: str) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if entity:
        clauses.append("entity = ?")
        params.append(entity)
    if actor:
        clauses.append("user_name = ? COLLATE NOCASE")
        params.append(actor)
    if text:
        pattern = f"%{_escape_like(text)}%"
        # LIKE is case-insensitive for ASCII in SQLite, which is what a search box wants.
        fields = ("action", "entity_id", "reason", "old_value", "new_value", "user_name")
        clauses.append("(" + " OR ".join(f"{f} LIKE ? ESCAPE '\\'" for f in fields) + ")")
        params.extend([pattern] * len(fields))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def audit_page(
    tx: Tx, *, entity: str, actor: str, text: str, before_id: int | None, limit: int
) -> list[Row]:
    """Return up to ``limit`` audit rows matching the filter, newest first, below ``before_id``.

    Empty ``entity``, ``actor`` or ``text`` means no condition on it.
    """
    where, params = _where(entity, actor, text)
    if before_id is not None:
        where += (" AND " if where else " WHERE ") + "id < ?"
        params.append(before_id)
    return tx.all(f"SELECT * FROM audit{where} ORDER BY id DESC LIMIT ?", [*params, limit])


def audit_count(tx: Tx, *, entity: str, actor: str, text: str) -> int:
    """Return how many audit rows match the filter."""
    where, params = _where(entity, actor, text)
    return int(tx.scalar(f"SELECT count(*) FROM audit{where}", params))


def audit_entities(tx: Tx) -> list[str]:
    """Return the distinct entity kinds in the trail (``lot``, ``user``…), sorted."""
    return [str(r[0]) for r in tx.all("SELECT DISTINCT entity FROM audit ORDER BY entity")]


def audit_actors(tx: Tx) -> list[str]:
    """Return the distinct actor names in the trail, sorted without regard to case."""
    return [
        str(r[0])
        for r in tx.all("SELECT DISTINCT user_name FROM audit ORDER BY user_name COLLATE NOCASE")
    ]
