"""The audit trail: who changed what, when, from what to what, and why.

Every create, change and delete of lots, recipes, reviews, users, dispositions and
signatures appends one row *inside the same transaction* as the change, so the change and
its audit row commit together. Rows are hash-chained::

    hash_k = sha256(hash_{k-1} + canonical_json(row_k))      hash_0 = "0" * 64

and the chain's head (last id and hash) is kept in ``meta``. :func:`verify` re-walks the
chain and names the first row that was edited, deleted or inserted behind the
application's back. (Someone able to rewrite the whole chain and its head can still forge
it; anchoring the head outside the database — a printed certificate, a signed export —
closes that, and signatures bind the lot records independently, see
:func:`inspector.records.lots.verify_signatures`.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from inspector.store import admin_sql, repo
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "GENESIS",
    "Actor",
    "AuditFilter",
    "AuditReport",
    "AuditRow",
    "canonical_json",
    "count_rows",
    "facets",
    "history",
    "now_utc",
    "read_page",
    "record",
    "verify",
]

#: ``prev_hash`` of the first row.
GENESIS = "0" * 64
_HEAD_KEY = "audit_head"


class Actor(Protocol):
    """Who did it: anything with an id and a name (an :class:`inspector.auth.User`)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


def now_utc() -> str:
    """Return the current UTC time as ISO 8601 text with microseconds and ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """Return ``value`` as canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditRow:
    """One audit row as a person reads it (values decoded from JSON)."""

    id: int
    time_utc: str
    user_name: str
    action: str
    entity: str
    entity_id: str
    old_value: Any
    new_value: Any
    reason: str
    user_id: int | None = None
    prev_hash: str = ""
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-able values, old and new decoded (for a detail pane)."""
        return {
            "id": self.id,
            "time_utc": self.time_utc,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "reason": self.reason,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def _audit_row(r: Row) -> AuditRow:
    return AuditRow(
        id=int(r["id"]),
        time_utc=str(r["time_utc"]),
        user_name=str(r["user_name"]),
        action=str(r["action"]),
        entity=str(r["entity"]),
        entity_id=str(r["entity_id"]),
        old_value=None if r["old_value"] is None else json.loads(r["old_value"]),
        new_value=None if r["new_value"] is None else json.loads(r["new_value"]),
        reason=str(r["reason"]),
        user_id=None if r["user_id"] is None else int(r["user_id"]),
        prev_hash=str(r["prev_hash"]),
        hash=str(r["hash"]),
    )


def _row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    body = canonical_json([row[c] for c in repo.AUDIT_COLUMNS])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    tx: Tx,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    *,
    old: Any = None,
    new: Any = None,
    reason: str = "",
    time_utc: str | None = None,
) -> int:
    """Append one audit row inside the caller's write transaction; return its id.

    Parameters
    ----------
    tx : Tx
        The open write transaction that makes the change.
    actor : Actor or None
        Who did it; None for the system (the bootstrap admin creating itself is its own actor).
    action : str
        ``"create"``, ``"update"``, ``"delete"``, ``"sign"``, ``"login_lock"``…
    entity, entity_id : str, object
        What was changed: ``("lot", "L-2026-001")``.
    old, new : JSON-able
        The value before and after (None when not applicable). Never a password.
    reason : str
        Why, as the user gave it.
    """
    head = repo.last_audit(tx)
    prev_hash = GENESIS if head is None else str(head["hash"])
    new_id = 1 if head is None else int(head["id"]) + 1
    row = {
        "id": new_id,
        "time_utc": time_utc or now_utc(),
        "user_id": None if actor is None else actor.id,
        "user_name": "system" if actor is None else actor.name,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "old_value": None if old is None else canonical_json(old),
        "new_value": None if new is None else canonical_json(new),
        "reason": reason,
    }
    row_hash = _row_hash(prev_hash, row)
    repo.insert_audit(tx, row, prev_hash, row_hash)
    repo.set_meta(tx, _HEAD_KEY, f"{new_id}:{row_hash}")
    return new_id


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`verify`.

    Attributes
    ----------
    rows : int
        Rows checked.
    broken_id : int or None
        The first row that does not fit the chain (None when all is well).
    problem : str or None
        What is wrong with it, for a person.
    """

    rows: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when the whole chain is intact."""
        return self.problem is None


def verify(store: SqliteStore) -> AuditReport:
    """Re-walk the hash chain; report the first row edited, deleted or inserted outside the app."""
    with store.snapshot() as tx:
        prev_hash = GENESIS
        expected_id = 1
        count = 0
        for r in repo.iter_audit(tx):
            row = {c: r[c] for c in repo.AUDIT_COLUMNS}
            row_id = int(r["id"])
            if row_id != expected_id:
                what = "deleted" if row_id > expected_id else "inserted"
                return AuditReport(
                    count,
                    row_id,
                    f"audit row {row_id}: expected row {expected_id} next; "
                    f"a row was {what} outside the application",
                )
            if r["prev_hash"] != prev_hash:
                return AuditReport(
                    count,
                    row_id,
                    f"audit row {row_id}: does not follow row {row_id - 1} "
                    "(a row before it was changed, deleted or inserted)",
                )
            if _row_hash(prev_hash, row) != r["hash"]:
                return AuditReport(
                    count,
                    row_id,
                    f"audit row {row_id} ({r['action']} {r['entity']} {r['entity_id']}) "
                    "was changed outside the application",
                )
            prev_hash = str(r["hash"])
            expected_id += 1
            count += 1
        head = repo.get_meta(tx, _HEAD_KEY)
        if head is not None and head != f"{count}:{prev_hash}":
            last_id = head.split(":", 1)[0]
            return AuditReport(
                count,
                count + 1,
                f"the audit trail ends at row {count}, but row {last_id} was written: "
                "rows at the end were deleted outside the application",
            )
        if head is None and count:
            return AuditReport(count, 1, "the audit trail's head record is missing")
        return AuditReport(count)


def history(store: SqliteStore, entity: str, entity_id: object) -> list[AuditRow]:
    """Return the audit rows of one entity, oldest first."""
    return [_audit_row(r) for r in repo.audit_for(store.reader(), entity, str(entity_id))]


# --- reading the trail page by page (the audit browser) -----------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to show; an empty field means no condition on it.

    Attributes
    ----------
    entity : str
        Exactly this entity kind (``"lot"``, ``"user"``, ``"recipe"``…).
    actor : str
        Exactly this user name (any case); ``"system"`` for rows without a user.
    text : str
        Found anywhere in the action, entity id, reason, old or new value, or actor.
    """

    entity: str = ""
    actor: str = ""
    text: str = ""


def read_page(
    store: SqliteStore,
    where: AuditFilter = AuditFilter(),
    *,
    before_id: int | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """Return up to ``limit`` rows matching ``where``, newest first, older than ``before_id``.

    Call again with ``before_id`` set to the last row's id for the next page; a page
    shorter than ``limit`` is the last one.
    """
    if limit < 1:
        raise ValueError(f"limit must be ≥ 1, got {limit}")
    rows = admin_sql.audit_page(
        store.reader(),
        entity=where.entity,
        actor=where.actor,
        text=where.text.strip(),
        before_id=before_id,
        limit=limit,
    )
    return [_audit_row(r) for r in rows]


def count_rows(
    store: SqliteStore,
    where: AuditFilter = AuditFilter(),
) -> int:
    """Return how many audit rows match ``where``."""
    return admin_sql.audit_count(
        store.reader(), entity=where.entity, actor=where.actor, text=where.text.strip()
    )


def facets(store: SqliteStore) -> tuple[list[str], list[str]]:
    """Return the entity kinds and the actor names found in the trail, each sorted."""
    tx = store.reader()
    return admin_sql.audit_entities(tx), admin_sql.audit_actors(tx)
