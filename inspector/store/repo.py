"""Repository functions: every SQL statement the services use, one function per question.

Each function takes a :class:`~inspector.store.sqlite.Tx` (from ``store.transaction()``,
``store.snapshot()`` or ``store.reader()``) and plain values, and returns rows or ids.
Rows are ``sqlite3.Row`` (mapping access by column name); the services turn them into
their own dataclasses. Keeping the SQL here is what lets a second backend slot in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inspector.store.sqlite import Row, Tx

# --- meta --------------------------------------------------------------------------------


def get_meta(tx: Tx, key: str) -> str | None:
    """Return a meta value, or None."""
    value = tx.scalar("SELECT value FROM meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_meta(tx: Tx, key: str, value: str) -> None:
    """Set a meta value."""
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


# --- audit -------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    "id",
    "time_utc",
    "user_id",
    "user_name",
    "action",
    "entity",
    "entity_id",
    "old_value",
    "new_value",
    "reason",
)


def last_audit(tx: Tx) -> Row | None:
    """Return the newest audit row (id, hash), or None."""
    return tx.one("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")


def insert_audit(tx: Tx, row: dict[str, Any], prev_hash: str, row_hash: str) -> None:
    """Append one audit row with its chain hashes."""
    cols = (*AUDIT_COLUMNS, "prev_hash", "hash")
    values = [row[c] for c in AUDIT_COLUMNS] + [prev_hash, row_hash]
    tx.execute(
        f"INSERT INTO audit ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values
    )


def iter_audit(tx: Tx, *, batch: int = 5000) -> Iterator[Row]:
    """Yield every audit row in id order."""
    last = -1
    while True:
        rows = tx.all("SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
        if not rows:
            return
        yield from rows
        last = int(rows[-1]["id"])


def audit_for(tx: Tx, entity: str, entity_id: str) -> list[Row]:
    """Return the audit rows of one entity, oldest first."""
    return tx.all(
        "SELECT * FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id", (entity, entity_id)
    )


# --- users -------------------------------------------------------------------------------


def count_users(tx: Tx) -> int:
    """Return how many users exist."""
    return int(tx.scalar("SELECT count(*) FROM users"))


def user_by_name(tx: Tx, name: str) -> Row | None:
    """Return the user row with this name (case-insensitive), or None."""
    return tx.one("SELECT * FROM users WHERE name = ?", (name,))


def user_by_id(tx: Tx, user_id: int) -> Row | None:
    """Return the user row with this id, or None."""
    return tx.one("SELECT * FROM users WHERE id = ?", (user_id,))


def list_users(tx: Tx) -> list[Row]:
    """Return every user, by name."""
    return tx.all("SELECT * FROM users ORDER BY name")


def insert_user(
    tx: Tx, *, name: str, full_name: str, role: str, password_hash: str, created_utc: str
) -> int:
    """Add a user; return its id."""
    return tx.insert(
        "INSERT INTO users (name, full_name, role, password_hash, created_utc) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, full_name, role, password_hash, created_utc),
    )


def update_user(tx: Tx, user_id: int, **fields: Any) -> None:
    """Set some of a user's columns (names are ours, never the user's)."""
    allowed = {"full_name", "role", "password_hash", "failed_attempts", "locked_until", "disabled"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a user column: {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in fields)
    tx.execute(f"UPDATE users SET {sets} WHERE id = ?", [*fields.values(), user_id])


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))
