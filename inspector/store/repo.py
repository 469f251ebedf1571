"""Repository functions: every SQL statement the services use, one function per question.

Each function takes a :class:`~inspector.store.sqlite.Tx` (from ``store.transaction()``,
``store.snapshot()`` or ``store.reader()``) and plain values, and returns rows or ids.
Rows are ``sqlite3.Row`` (mapping access by column name); the services turn them into
their own dataclasses. Keeping the SQL here is what lets a second backend slot in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inspector.store.history_filter import filter_conditions
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


# --- customers and recipes ----------------------------------------------------------------


def customer_id(tx: Tx, name: str) -> int | None:
    """Return the id of the customer called ``name`` (case-insensitive), or None."""
    value = tx.scalar("SELECT id FROM customers WHERE name = ?", (name,))
    return None if value is None else int(value)


def insert_customer(tx: Tx, name: str, created_utc: str) -> int:
    """Add a customer; return its id."""
    return tx.insert("INSERT INTO customers (name, created_utc) VALUES (?, ?)", (name, created_utc))


def recipe_row(tx: Tx, part: str, version: int, sha256: str) -> Row | None:
    """Return the stored recipe snapshot with this part, version and content hash."""
    return tx.one(
        "SELECT * FROM recipes WHERE part = ? AND version = ? AND sha256 = ?",
        (part, version, sha256),
    )


def recipe_by_id(tx: Tx, recipe_id: int) -> Row | None:
    """Return a stored recipe snapshot by id."""
    return tx.one("SELECT * FROM recipes WHERE id = ?", (recipe_id,))


def latest_recipe(tx: Tx, part: str) -> Row | None:
    """Return the newest stored version of a part's recipe."""
    return tx.one(
        "SELECT * FROM recipes WHERE part = ? ORDER BY version DESC, id DESC LIMIT 1", (part,)
    )


def insert_recipe(
    tx: Tx, *, part: str, version: int, json_text: str, sha256: str, created_utc: str
) -> int:
    """Store a recipe snapshot; return its id."""
    return tx.insert(
        "INSERT INTO recipes (part, version, json, sha256, created_utc) VALUES (?, ?, ?, ?, ?)",
        (part, version, json_text, sha256, created_utc),
    )


# --- switching state ---------------------------------------------------------------------


def switching_state(tx: Tx, part: str) -> str | None:
    """Return the stored switching state JSON of a part, or None."""
    value = tx.scalar("SELECT state_json FROM switching WHERE part = ?", (part,))
    return None if value is None else str(value)


def set_switching_state(tx: Tx, part: str, state_json: str, updated_utc: str) -> None:
    """Store a part's switching state."""
    tx.execute(
        "INSERT INTO switching (part, state_json, updated_utc) VALUES (?, ?, ?) "
        "ON CONFLICT (part) DO UPDATE SET state_json = excluded.state_json, "
        "updated_utc = excluded.updated_utc",
        (part, state_json, updated_utc),
    )


# --- lots --------------------------------------------------------------------------------

_LOT_SELECT = (
    "SELECT l.*, c.name AS customer, r.part AS recipe_part, r.version AS recipe_version, "
    "r.sha256 AS recipe_sha256, r.json AS recipe_json, u.name AS created_by_name "
    "FROM lots l LEFT JOIN customers c ON c.id = l.customer_id "
    "JOIN recipes r ON r.id = l.recipe_id JOIN users u ON u.id = l.created_by"
)


def lot_by_no(tx: Tx, lot_no: str) -> Row | None:
    """Return a lot (with its customer and recipe) by lot number, or None."""
    return tx.one(f"{_LOT_SELECT} WHERE l.lot_no = ?", (lot_no,))


def list_lots(
    tx: Tx, *, status: str | None = None, part: str | None = None, limit: int = 200
) -> list[Row]:
    """Return lots, newest first, optionally by status or part."""
    where, params = [], []
    if status:
        where.append("l.status = ?")
        params.append(status)
    if part:
        where.append("l.part = ?")
        params.append(part)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return tx.all(f"{_LOT_SELECT}{clause} ORDER BY l.id DESC LIMIT ?", [*params, limit])


def _insert_row(tx: Tx, table: str, fields: dict[str, Any]) -> int:
    """Insert one row of named columns into ``table`` (a fixed name of ours, never user
    input); return its id."""
    cols = list(fields)
    return tx.insert(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({_placeholders(cols)})",
        [fields[c] for c in cols],
    )


def insert_lot(tx: Tx, fields: dict[str, Any]) -> int:
    """Add a lot; return its id."""
    return _insert_row(tx, "lots", fields)


def set_lot_status(tx: Tx, lot_id: int, status: str, disposition: str | None) -> None:
    """Set a lot's status and disposition."""
    tx.execute(
        "UPDATE lots SET status = ?, disposition = ? WHERE id = ?", (status, disposition, lot_id)
    )


def lot_counts(tx: Tx, lot_id: int) -> Row:
    """Return ``counted`` (pass + fail), ``failed`` and ``errors`` of a lot's inspections."""
    row = tx.one(
        "SELECT coalesce(sum(final_verdict != 'error'), 0) AS counted, "
        "coalesce(sum(final_verdict = 'fail'), 0) AS failed, "
        "coalesce(sum(final_verdict = 'error'), 0) AS errors "
        "FROM inspections WHERE lot_id = ?",
        (lot_id,),
    )
    assert row is not None  # an aggregate always returns a row
    return row


def insert_disposition(tx: Tx, fields: dict[str, Any]) -> int:
    """Add a disposition row; return its id."""
    return _insert_row(tx, "dispositions", fields)


def dispositions_of(tx: Tx, lot_id: int) -> list[Row]:
    """Return a lot's dispositions with the deciding user's name, oldest first."""
    return tx.all(
        "SELECT d.*, u.name AS by_name FROM dispositions d JOIN users u ON u.id = d.by_id "
        "WHERE d.lot_id = ? ORDER BY d.id",
        (lot_id,),
    )


def insert_signature(tx: Tx, fields: dict[str, Any]) -> int:
    """Add a signature row; return its id."""
    return _insert_row(tx, "signatures", fields)


def signatures_of(tx: Tx, lot_id: int | None = None) -> list[Row]:
    """Return signatures (of one lot, or all) with their lot number, oldest first."""
    sql = "SELECT s.*, l.lot_no FROM signatures s JOIN lots l ON l.id = s.lot_id"
    if lot_id is None:
        return tx.all(f"{sql} ORDER BY s.id")
    return tx.all(f"{sql} WHERE s.lot_id = ? ORDER BY s.id", (lot_id,))


# --- inspections, defects, reviews ---------------------------------------------------------


def inspection_by_hash(tx: Tx, lot_id: int, image_sha256: str) -> Row | None:
    """Return the inspection of this image in this lot, or None."""
    return tx.one(
        "SELECT id, seq FROM inspections WHERE lot_id = ? AND image_sha256 = ?",
        (lot_id, image_sha256),
    )


def next_seq(tx: Tx, lot_id: int) -> int:
    """Return the next ring number in a lot (1-based)."""
    return int(
        tx.scalar("SELECT coalesce(max(seq), 0) + 1 FROM inspections WHERE lot_id = ?", (lot_id,))
    )


def insert_inspection(tx: Tx, fields: dict[str, Any]) -> int:
    """Add an inspection row; return its id."""
    return _insert_row(tx, "inspections", fields)


DEFECT_COLUMNS = (
    "inspection_id",
    "idx",
    "type",
    "location",
    "bbox_x",
    "bbox_y",
    "bbox_w",
    "bbox_h",
    "angle_deg",
    "length_px",
    "width_px",
    "area_px",
    "score",
    "length_mm",
    "width_mm",
    "area_mm2",
    "reject",
    "final_reject",
    "reason",
)


def insert_defects(tx: Tx, rows: Sequence[Sequence[Any]]) -> None:
    """Add defect rows, each in :data:`DEFECT_COLUMNS` order."""
    if rows:
        tx.executemany(
            f"INSERT INTO defects ({', '.join(DEFECT_COLUMNS)}) "
            f"VALUES ({_placeholders(DEFECT_COLUMNS)})",
            rows,
        )


def inspections_of(tx: Tx, lot_id: int) -> list[Row]:
    """Return a lot's inspections with the operator's name and recipe hash, by ring number."""
    return tx.all(
        "SELECT i.*, u.name AS operator, r.sha256 AS recipe_sha256 FROM inspections i "
        "JOIN users u ON u.id = i.operator_id LEFT JOIN recipes r ON r.id = i.recipe_id "
        "WHERE i.lot_id = ? ORDER BY i.seq",
        (lot_id,),
    )


def inspection_by_seq(tx: Tx, lot_id: int, seq: int) -> Row | None:
    """Return ring number ``seq`` of a lot, or None."""
    return tx.one("SELECT * FROM inspections WHERE lot_id = ? AND seq = ?", (lot_id, seq))


def defects_of_lot(tx: Tx, lot_id: int) -> list[Row]:
    """Return every defect of a lot's inspections, by inspection and index."""
    return tx.all(
        "SELECT d.* FROM defects d JOIN inspections i ON i.id = d.inspection_id "
        "WHERE i.lot_id = ? ORDER BY d.inspection_id, d.idx",
        (lot_id,),
    )


def defect_by_idx(tx: Tx, inspection_id: int, idx: int) -> Row | None:
    """Return defect ``idx`` (1-based) of an inspection, or None."""
    return tx.one("SELECT * FROM defects WHERE inspection_id = ? AND idx = ?", (inspection_id, idx))


def set_final_verdict(tx: Tx, inspection_id: int, verdict: str, review_outcome: str) -> None:
    """Set the verdict that counts after a review, and the review outcome."""
    tx.execute(
        "UPDATE inspections SET final_verdict = ?, review_outcome = ? WHERE id = ?",
        (verdict, review_outcome, inspection_id),
    )


def set_review_outcome(tx: Tx, inspection_id: int, review_outcome: str) -> None:
    """Set only the review outcome of an inspection."""
    tx.execute(
        "UPDATE inspections SET review_outcome = ? WHERE id = ?", (review_outcome, inspection_id)
    )


def set_final_reject(tx: Tx, defect_id: int, reject: bool) -> None:
    """Set a defect's call after a review."""
    tx.execute("UPDATE defects SET final_reject = ? WHERE id = ?", (int(reject), defect_id))


def insert_review(tx: Tx, fields: dict[str, Any]) -> int:
    """Add a review row; return its id."""
    return _insert_row(tx, "reviews", fields)


def reviews_of_lot(tx: Tx, lot_id: int) -> list[Row]:
    """Return every review of a lot's rings, oldest first, with reviewer name and ring number."""
    return tx.all(
        "SELECT v.*, u.name AS reviewer, i.seq AS seq, d.idx AS defect_idx FROM reviews v "
        "JOIN inspections i ON i.id = v.inspection_id JOIN users u ON u.id = v.reviewer_id "
        "LEFT JOIN defects d ON d.id = v.defect_id WHERE i.lot_id = ? ORDER BY v.id",
        (lot_id,),
    )


def all_image_hashes(tx: Tx) -> set[str]:
    """Return the hash of every image an inspection points at."""
    return {str(r[0]) for r in tx.all("SELECT DISTINCT image_sha256 FROM inspections")}


# --- history -----------------------------------------------------------------------------


def history(
    tx: Tx,
    *,
    time_from: str | None = None,
    time_to: str | None = None,
    customer: str | None = None,
    part: str | None = None,
    lot: str | None = None,
    station: str | None = None,
    operator: str | None = None,
    defect_type: str | None = None,
    verdict: str | None = None,
    review: str | None = None,
    limit: int = 1000,
) -> list[Row]:
    """Return inspections matching every filter given, newest first.

    ``review`` is ``"confirmed"``, ``"overruled"``, ``"reviewed"`` (either) or ``"none"``.
    Each filter is written so an index serves it (see :mod:`inspector.store.schema`).
    """
    where, params = filter_conditions(
        time_from=time_from,
        time_to=time_to,
        customer=customer,
        part=part,
        lot=lot,
        station=station,
        operator=operator,
        defect_type=defect_type,
        verdict=verdict,
        review=review,
    )
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return tx.all(
        "SELECT i.id, i.time_utc, l.lot_no, l.part, c.name AS customer, i.station, "
        "u.name AS operator, i.seq, i.image_name, i.image_sha256, i.verdict, i.final_verdict, "
        "i.review_outcome, i.n_defects, i.id_mm, i.cs_mm, i.engine_version "
        "FROM inspections i JOIN lots l ON l.id = i.lot_id "
        "LEFT JOIN customers c ON c.id = l.customer_id JOIN users u ON u.id = i.operator_id "
        f"{clause} ORDER BY i.time_utc DESC, i.id DESC LIMIT ?",
        [*params, limit],
    )


def defect_types_of(tx: Tx, inspection_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the defect types of each given inspection (ids in batches of 500)."""
    out: dict[int, list[str]] = {}
    ids = list(inspection_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in tx.all(
            f"SELECT inspection_id, type FROM defects WHERE inspection_id IN "
            f"({_placeholders(chunk)}) ORDER BY inspection_id, idx",
            chunk,
        ):
            out.setdefault(int(r[0]), []).append(str(r[1]))
    return out


# --- certificates and site settings --------------------------------------------------------


def certificate_numbers(tx: Tx, year: int) -> list[str]:
    """Return the numbers of every certificate issued in ``year``."""
    return [str(r[0]) for r in tx.all("SELECT number FROM certificates WHERE year = ?", (year,))]


def insert_certificate(tx: Tx, fields: dict[str, Any]) -> int:
    """Add an issued certificate; return its id."""
    return _insert_row(tx, "certificates", fields)


_CERTIFICATE_SELECT = (
    "SELECT c.*, l.lot_no, u.name AS issued_by_name, s.content_sha256 AS signed_sha256, "
    "s.time_utc AS signed_utc FROM certificates c JOIN lots l ON l.id = c.lot_id "
    "JOIN users u ON u.id = c.issued_by JOIN signatures s ON s.id = c.signature_id"
)


def certificate_by_number(tx: Tx, number: str) -> Row | None:
    """Return an issued certificate (with lot number, issuer and signature hash), or None."""
    return tx.one(f"{_CERTIFICATE_SELECT} WHERE c.number = ?", (number,))


def certificates_of(tx: Tx, lot_id: int | None = None) -> list[Row]:
    """Return issued certificates (of one lot, or all), oldest first."""
    if lot_id is None:
        return tx.all(f"{_CERTIFICATE_SELECT} ORDER BY c.id")
    return tx.all(f"{_CERTIFICATE_SELECT} WHERE c.lot_id = ? ORDER BY c.id", (lot_id,))


def site_settings(tx: Tx) -> dict[str, str]:
    """Return every site setting."""
    return {str(r["key"]): str(r["value"]) for r in tx.all("SELECT key, value FROM site_settings")}


def set_site_setting(
    tx: Tx, key: str, value: str, updated_utc: str, updated_by: int | None
) -> None:
    """Set one site setting."""
    tx.execute(
        "INSERT INTO site_settings (key, value, updated_utc, updated_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
        "updated_utc = excluded.updated_utc, updated_by = excluded.updated_by",
        (key, value, updated_utc, updated_by),
    )


def signature_by_id(tx: Tx, signature_id: int) -> Row | None:
    """Return one signature row, or None."""
    return tx.one("SELECT * FROM signatures WHERE id = ?", (signature_id,))
