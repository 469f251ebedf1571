"""Electronic signatures on a lot, bound to a hash of the lot's records.

A signature records the signer's printed name, role, the time (UTC) and its meaning
(``reviewed``, ``approved`` or ``rejected``). The password is asked again at the moment of
signing. What is signed is the canonical JSON of the lot's records — the lot, its plan,
every ring with its measurements and defects, every review and disposition — and its
SHA-256 is stored with the signature, so any later change to those rows shows up in
:func:`verify_signatures`.

An ``approved`` or ``rejected`` signature by a manager finalises a disposed lot: it becomes
``signed`` and immutable. A correction adds a new disposition and needs a new signature;
each signature is verified against the records as they stood when it was given.
A ``reviewed`` signature (engineer or manager) adds a witness without finalising.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from inspector import audit
from inspector.auth import Permission, PermissionDenied, Role, User, require, verify_password
from inspector.records.lots import LotError, lot_in
from inspector.store import repo
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = ["MEANINGS", "Signature", "lot_content", "sign_lot", "signatures", "verify_signatures"]

MEANINGS = ("reviewed", "approved", "rejected")

# Inspection columns that are part of the signed record (not the timing figures).
_RING_FIELDS = (
    "seq",
    "image_sha256",
    "image_name",
    "image_bytes",
    "station",
    "operator",
    "recipe_sha256",
    "grade",
    "engine_version",
    "time_utc",
    "verdict",
    "final_verdict",
    "review_outcome",
    "reasons",
    "error",
    "px_per_mm",
    "scale_source",
    "od_mm",
    "id_mm",
    "cs_mm",
    "cs_min_mm",
    "cs_max_mm",
    "ovality_pct",
)
_DEFECT_FIELDS = (
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
    "length_mm",
    "width_mm",
    "area_mm2",
    "reject",
    "final_reject",
    "reason",
)


@dataclass(frozen=True)
class Signature:
    """One signature as recorded."""

    id: int
    lot_no: str
    printed_name: str
    role: str
    meaning: str
    time_utc: str
    content_sha256: str


def lot_content(tx: Tx, lot_no: str, *, until: str | None = None) -> dict[str, Any]:
    """Return the lot's records as the JSON-ready value a signature binds.

    ``until`` (a UTC time) leaves out dispositions made later: a correction after a
    signature is a new record, and the earlier signature still verifies against what it saw.
    """
    lot = lot_in(tx, lot_no)
    head = lot.to_dict()
    # Status and current disposition move with signing and corrections; the dispositions
    # themselves are listed below.
    head.pop("status")
    head.pop("disposition")
    defects: dict[int, list[dict[str, Any]]] = {}
    for d in repo.defects_of_lot(tx, lot.id):
        defects.setdefault(int(d["inspection_id"]), []).append({k: d[k] for k in _DEFECT_FIELDS})
    rings = []
    for r in repo.inspections_of(tx, lot.id):
        ring = {k: r[k] for k in _RING_FIELDS}
        ring["reasons"] = json.loads(r["reasons"])
        ring["defects"] = defects.get(int(r["id"]), [])
        rings.append(ring)
    reviews = [
        {
            k: v[k]
            for k in (
                "seq",
                "defect_idx",
                "reviewer",
                "time_utc",
                "outcome",
                "old_value",
                "new_value",
                "reason",
            )
        }
        for v in repo.reviews_of_lot(tx, lot.id)
    ]
    dispositions = [
        {
            k: d[k]
            for k in ("decision", "inspected", "nonconforming", "by_name", "time_utc", "reason")
        }
        for d in repo.dispositions_of(tx, lot.id)
        if until is None or str(d["time_utc"]) <= until
    ]
    return {"lot": head, "rings": rings, "reviews": reviews, "dispositions": dispositions}


def content_hash(content: dict[str, Any]) -> str:
    """Return the SHA-256 of the content's canonical JSON."""
    return hashlib.sha256(audit.canonical_json(content).encode("utf-8")).hexdigest()


def sign_lot(
    store: SqliteStore, actor: User, lot_no: str, *, password: str, meaning: str
) -> Signature:
    """Sign a disposed lot after asking for the signer's password again.

    Raises
    ------
    AuthError, PermissionDenied, LotError
        Wrong password (counts towards the lockout); a role that may not sign with this
        meaning; lot unknown, still open, or already signed; unknown meaning.
    """
    if meaning not in MEANINGS:
        raise LotError(f"a signature means one of {', '.join(MEANINGS)}, not '{meaning}'")
    if meaning == "reviewed":
        if actor.role not in (Role.ENGINEER, Role.MANAGER):
            raise PermissionDenied(
                f"{actor.name} is a {actor.role.value}; a 'reviewed' signature needs an "
                "engineer or a manager"
            )
    else:
        require(actor, Permission.SIGN)
    signer = verify_password(store, actor, password)
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)
        if lot.status == "signed":
            raise LotError(f"lot {lot_no} is already signed and cannot change")
        if lot.status != "disposed":
            raise LotError(f"lot {lot_no} has no disposition yet; dispose it before signing")
        digest = content_hash(lot_content(tx, lot_no))
        now = audit.now_utc()
        sig_id = repo.insert_signature(
            tx,
            {
                "lot_id": lot.id,
                "user_id": signer.id,
                "printed_name": signer.full_name,
                "role": signer.role.value,
                "meaning": meaning,
                "time_utc": now,
                "content_sha256": digest,
            },
        )
        if meaning != "reviewed":
            repo.set_lot_status(tx, lot.id, "signed", lot.disposition)
        audit.record(
            tx,
            signer,
            "sign",
            "lot",
            lot_no,
            old={"status": lot.status},
            new={
                "status": "signed" if meaning != "reviewed" else lot.status,
                "meaning": meaning,
                "printed_name": signer.full_name,
                "content_sha256": digest,
            },
            time_utc=now,
        )
    return Signature(sig_id, lot_no, signer.full_name, signer.role.value, meaning, now, digest)


def signatures(store: SqliteStore, lot_no: str | None = None) -> list[Signature]:
    """Return the signatures of one lot (or all), oldest first."""
    tx = store.reader()
    lot_id = None if lot_no is None else lot_in(tx, lot_no).id
    return [signature_from_row(r) for r in repo.signatures_of(tx, lot_id)]


def signature_from_row(row: Row) -> Signature:
    """A signature as :func:`inspector.store.repo.signatures_of` returns it."""
    return Signature(
        int(row["id"]),
        str(row["lot_no"]),
        str(row["printed_name"]),
        str(row["role"]),
        str(row["meaning"]),
        str(row["time_utc"]),
        str(row["content_sha256"]),
    )


def verify_signatures(store: SqliteStore) -> list[str]:
    """Recompute what every signature signed; return a message per signature that no longer fits."""
    problems: list[str] = []
    with store.snapshot() as tx:
        for r in repo.signatures_of(tx):
            lot_no = str(r["lot_no"])
            try:
                digest = content_hash(lot_content(tx, lot_no, until=str(r["time_utc"])))
            except LotError as exc:
                problems.append(f"signature {r['id']} on lot {lot_no}: {exc}")
                continue
            if digest != r["content_sha256"]:
                problems.append(
                    f"signature {r['id']} on lot {lot_no} ({r['meaning']} by "
                    f"{r['printed_name']} at {r['time_utc']}) no longer matches the lot's "
                    "records: they were changed after signing"
                )
    return problems
