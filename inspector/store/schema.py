"""The database schema as numbered migrations (``PRAGMA user_version``).

Migration *k* (1-based) takes a database from ``user_version = k - 1`` to ``k``. Never edit
a migration that has shipped: add the next one. Statements are kept portable where it costs
nothing (no SQLite-only types), so a PostgreSQL store can follow the same numbering.

Times are ISO 8601 UTC text, ``2026-11-27T05:57:28.123456Z``, which sorts as it reads.
Records are never deleted: there are no ``ON DELETE`` actions.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1: tuple[str, ...] = (
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        full_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('inspector', 'engineer', 'manager', 'admin')),
        password_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_utc TEXT NOT NULL
    )""",
    """CREATE TABLE customers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_utc TEXT NOT NULL
    )""",
    # One row per exact recipe content: an edit is a new version, and an inspection points
    # at the row it used. ``json`` is the snapshot, ``sha256`` the hash of its canonical form.
    """CREATE TABLE recipes (
        id INTEGER PRIMARY KEY,
        part TEXT NOT NULL,
        version INTEGER NOT NULL,
        json TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_utc TEXT NOT NULL,
        UNIQUE (part, version, sha256)
    )""",
    """CREATE TABLE lots (
        id INTEGER PRIMARY KEY,
        lot_no TEXT NOT NULL UNIQUE,
        part TEXT NOT NULL,
        recipe_id INTEGER NOT NULL REFERENCES recipes (id),
        grade TEXT NOT NULL,
        customer_id INTEGER REFERENCES customers (id),
        po TEXT NOT NULL DEFAULT '',
        po_line TEXT NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        compound TEXT NOT NULL DEFAULT '',
        compound_batch TEXT NOT NULL DEFAULT '',
        cure_quarter TEXT NOT NULL DEFAULT '',
        mould TEXT NOT NULL DEFAULT '',
        cavity TEXT NOT NULL DEFAULT '',
        hundred_percent INTEGER NOT NULL,
        level TEXT,
        aql REAL,
        severity TEXT,
        code_letter TEXT,
        sample_size INTEGER NOT NULL,
        accept_no INTEGER,
        reject_no INTEGER,
        status TEXT NOT NULL CHECK (status IN ('open', 'disposed', 'signed')),
        disposition TEXT CHECK (disposition IN ('accept', 'reject', 'sorted')),
        created_utc TEXT NOT NULL,
        created_by INTEGER NOT NULL REFERENCES users (id)
    )""",
    "CREATE INDEX lots_customer ON lots (customer_id)",
    "CREATE INDEX lots_part ON lots (part)",
    # ``verdict`` is the machine's call and never changes; ``final_verdict`` is the call that
    # counts after reviews (the reviews table keeps every step), kept here for the queries.
    """CREATE TABLE inspections (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots (id),
        seq INTEGER NOT NULL,
        image_sha256 TEXT NOT NULL,
        image_name TEXT NOT NULL,
        image_bytes INTEGER NOT NULL,
        station TEXT NOT NULL,
        operator_id INTEGER NOT NULL REFERENCES users (id),
        recipe_id INTEGER REFERENCES recipes (id),
        grade TEXT,
        engine_version TEXT NOT NULL,
        time_utc TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'error')),
        final_verdict TEXT NOT NULL CHECK (final_verdict IN ('pass', 'fail', 'error')),
        review_outcome TEXT CHECK (review_outcome IN ('confirmed', 'overruled')),
        reasons TEXT NOT NULL,
        error TEXT,
        px_per_mm REAL,
        scale_source TEXT,
        od_mm REAL,
        id_mm REAL,
        cs_mm REAL,
        cs_min_mm REAL,
        cs_max_mm REAL,
        ovality_pct REAL,
        n_defects INTEGER NOT NULL,
        decode_ms REAL,
        inspect_ms REAL,
        UNIQUE (lot_id, image_sha256),
        UNIQUE (lot_id, seq)
    )""",
    "CREATE INDEX inspections_time ON inspections (time_utc)",
    "CREATE INDEX inspections_station ON inspections (station, time_utc)",
    "CREATE INDEX inspections_operator ON inspections (operator_id, time_utc)",
    "CREATE INDEX inspections_verdict ON inspections (final_verdict, time_utc)",
    "CREATE INDEX inspections_review ON inspections (review_outcome, time_utc)",
    "CREATE INDEX inspections_lot_time ON inspections (lot_id, time_utc)",
    """CREATE TABLE defects (
        id INTEGER PRIMARY KEY,
        inspection_id INTEGER NOT NULL REFERENCES inspections (id),
        idx INTEGER NOT NULL,
        type TEXT NOT NULL,
        location TEXT NOT NULL,
        bbox_x INTEGER NOT NULL,
        bbox_y INTEGER NOT NULL,
        bbox_w INTEGER NOT NULL,
        bbox_h INTEGER NOT NULL,
        angle_deg REAL NOT NULL,
        length_px REAL NOT NULL,
        width_px REAL NOT NULL,
        area_px REAL NOT NULL,
        score REAL NOT NULL,
        length_mm REAL,
        width_mm REAL,
        area_mm2 REAL,
        reject INTEGER NOT NULL,
        final_reject INTEGER NOT NULL,
        reason TEXT,
        UNIQUE (inspection_id, idx)
    )""",
    # The history's defect-type filter walks (type, time) and joins back to the inspection.
    "CREATE INDEX defects_type ON defects (type, inspection_id)",
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        inspection_id INTEGER NOT NULL REFERENCES inspections (id),
        defect_id INTEGER REFERENCES defects (id),
        reviewer_id INTEGER NOT NULL REFERENCES users (id),
        time_utc TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'overruled')),
        old_value TEXT NOT NULL,
        new_value TEXT NOT NULL,
        reason TEXT NOT NULL
    )""",
    "CREATE INDEX reviews_inspection ON reviews (inspection_id)",
    """CREATE TABLE dispositions (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots (id),
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'sorted')),
        inspected INTEGER NOT NULL,
        nonconforming INTEGER NOT NULL,
        by_id INTEGER NOT NULL REFERENCES users (id),
        time_utc TEXT NOT NULL,
        reason TEXT NOT NULL
    )""",
    "CREATE INDEX dispositions_lot ON dispositions (lot_id)",
    """CREATE TABLE signatures (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots (id),
        user_id INTEGER NOT NULL REFERENCES users (id),
        printed_name TEXT NOT NULL,
        role TEXT NOT NULL,
        meaning TEXT NOT NULL CHECK (meaning IN ('reviewed', 'approved', 'rejected')),
        time_utc TEXT NOT NULL,
        content_sha256 TEXT NOT NULL
    )""",
    "CREATE INDEX signatures_lot ON signatures (lot_id)",
    # ISO 2859-1 switching state per part (normal / tightened / reduced and its counters).
    """CREATE TABLE switching (
        part TEXT PRIMARY KEY,
        state_json TEXT NOT NULL,
        updated_utc TEXT NOT NULL
    )""",
    # Hash-chained: ``hash = sha256(prev_hash + canonical row)``; see inspector.audit.
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        time_utc TEXT NOT NULL,
        user_id INTEGER,
        user_name TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT,
        reason TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX audit_entity ON audit (entity, entity_id)",
    # Small key/value facts: the audit chain's head, so a deleted tail is noticed too.
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
)

# Version 2: Certificates of Conformance and the site's own details printed on them.
_V2: tuple[str, ...] = (
    # One row per issued certificate. ``number`` is COC-<year>-<seq>, sequential per year;
    # ``canonical_json`` and ``digest`` are exactly what the PDF embeds, ``details_json``
    # the per-certificate inputs the lots lack (customer address, drawing...) and the
    # supplier as printed, so the certificate can be rebuilt from the records to verify it.
    """CREATE TABLE certificates (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        lot_id INTEGER NOT NULL REFERENCES lots (id),
        signature_id INTEGER NOT NULL REFERENCES signatures (id),
        issued_utc TEXT NOT NULL,
        issued_by INTEGER NOT NULL REFERENCES users (id),
        details_json TEXT NOT NULL,
        canonical_json TEXT NOT NULL,
        digest TEXT NOT NULL,
        pdf_sha256 TEXT NOT NULL,
        UNIQUE (year, seq)
    )""",
    "CREATE INDEX certificates_lot ON certificates (lot_id)",
    # Facts about the site (supplier name and address, default cleaning statement).
    """CREATE TABLE site_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_utc TEXT NOT NULL,
        updated_by INTEGER REFERENCES users (id)
    )""",
)

# Version 3: the desk's history sorts by the machine's verdict, ID and CS; without an index
# each page of a 300,000-ring history sorted every row (90–850 ms), with one 5–9 ms.
_V3: tuple[str, ...] = (
    "CREATE INDEX inspections_machine_verdict ON inspections (verdict, time_utc)",
    "CREATE INDEX inspections_id_mm ON inspections (id_mm, time_utc)",
    "CREATE INDEX inspections_cs_mm ON inspections (cs_mm, time_utc)",
)

#: Every migration in order; ``MIGRATIONS[k - 1]`` brings the schema to version ``k``.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
#: The schema version this program writes.
SCHEMA_VERSION = len(MIGRATIONS)
