"""An engineer's review of a ring's verdict or of one defect call.

A review confirms or overrules; it never erases. The machine's verdict and each defect's
original call stay in their columns; the review row keeps old value, new value, who, when
and why, and the audit trail gets the same. The ring's *final* verdict (what the lot
counts) follows the latest ring review. A defect review changes that defect's call only;
the ring's verdict is reviewed on its own, so an engineer decides it knowingly.
Reviews are taken while the lot is open (before its disposition).
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector import audit
from inspector.auth import Permission, User, require
from inspector.records.lots import LotError, lot_in, require_open
from inspector.store import repo
from inspector.store.sqlite import SqliteStore

__all__ = ["Review", "review_defect", "review_ring"]


@dataclass(frozen=True)
class Review:
    """What a review did: ``outcome`` is ``"confirmed"`` or ``"overruled"``."""

    review_id: int
    lot_no: str
    seq: int
    defect_idx: int | None
    outcome: str
    old_value: str
    new_value: str


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise LotError("a review needs a reason")
    return reason


def review_ring(
    store: SqliteStore, actor: User, lot_no: str, seq: int, *, verdict: str, reason: str
) -> Review:
    """Confirm or overrule ring ``seq`` of a lot: its final verdict becomes ``verdict``.

    Raises
    ------
    LotError, PermissionDenied
        Not an engineer; unknown lot or ring; lot not open; bad verdict; no reason.
    """
    require(actor, Permission.REVIEW)
    if verdict not in ("pass", "fail"):
        raise LotError(f"a reviewed verdict is pass or fail, not '{verdict}'")
    reason = _reason(reason)
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)
        require_open(lot, "review its rings")
        ring = repo.inspection_by_seq(tx, lot.id, seq)
        if ring is None:
            raise LotError(f"lot {lot_no} has no ring {seq}")
        if ring["verdict"] == "error":
            raise LotError(
                f"ring {seq} of lot {lot_no} could not be judged by the engine; "
                "image it again instead of reviewing"
            )
        old = str(ring["final_verdict"])
        outcome = "confirmed" if verdict == old else "overruled"
        now = audit.now_utc()
        review_id = repo.insert_review(
            tx,
            {
                "inspection_id": int(ring["id"]),
                "defect_id": None,
                "reviewer_id": actor.id,
                "time_utc": now,
                "outcome": outcome,
                "old_value": old,
                "new_value": verdict,
                "reason": reason,
            },
        )
        repo.set_final_verdict(tx, int(ring["id"]), verdict, outcome)
        audit.record(
            tx,
            actor,
            "review",
            "ring",
            f"{lot_no}#{seq}",
            old={"verdict": old, "machine_verdict": ring["verdict"]},
            new={"verdict": verdict, "outcome": outcome},
            reason=reason,
            time_utc=now,
        )
    return Review(review_id, lot_no, seq, None, outcome, old, verdict)


def review_defect(
    store: SqliteStore,
    actor: User,
    lot_no: str,
    seq: int,
    defect_idx: int,
    *,
    reject: bool,
    reason: str,
) -> Review:
    """Confirm or overrule the call on defect ``defect_idx`` (1-based) of ring ``seq``.

    Raises
    ------
    LotError, PermissionDenied
    """
    require(actor, Permission.REVIEW)
    reason = _reason(reason)
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)
        require_open(lot, "review its rings")
        ring = repo.inspection_by_seq(tx, lot.id, seq)
        if ring is None:
            raise LotError(f"lot {lot_no} has no ring {seq}")
        defect = repo.defect_by_idx(tx, int(ring["id"]), defect_idx)
        if defect is None:
            raise LotError(
                f"ring {seq} of lot {lot_no} has no defect {defect_idx} "
                f"(it has {ring['n_defects']})"
            )
        old = "reject" if defect["final_reject"] else "accept"
        new = "reject" if reject else "accept"
        outcome = "confirmed" if old == new else "overruled"
        now = audit.now_utc()
        review_id = repo.insert_review(
            tx,
            {
                "inspection_id": int(ring["id"]),
                "defect_id": int(defect["id"]),
                "reviewer_id": actor.id,
                "time_utc": now,
                "outcome": outcome,
                "old_value": old,
                "new_value": new,
                "reason": reason,
            },
        )
        repo.set_final_reject(tx, int(defect["id"]), reject)
        if ring["review_outcome"] != "overruled":
            repo.set_review_outcome(tx, int(ring["id"]), outcome)
        audit.record(
            tx,
            actor,
            "review",
            "defect",
            f"{lot_no}#{seq}/{defect_idx}",
            old={"call": old, "type": defect["type"]},
            new={"call": new, "outcome": outcome},
            reason=reason,
            time_utc=now,
        )
    return Review(review_id, lot_no, seq, defect_idx, outcome, old, new)
