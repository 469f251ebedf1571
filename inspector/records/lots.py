"""Lots: opening one under a sampling plan (or 100 %), its progress, and its disposition.

A lot follows either

- an ISO 2859-1 single sampling plan: the inspection level (II by default; I, III, S-1…S-4)
  and AQL give *n*, *Ac* and *Re* at the severity (normal, tightened, reduced) the part's
  switching state says; the lot is accepted with at most Ac nonconforming rings in the
  sample of n, rejected at Re (as soon as Re rings have failed); or
- 100 % inspection: every ring of the lot is inspected and the lot is ``sorted`` (good
  rings kept, rejected ones removed).

A ring counts with its *final* verdict (an engineer's review may have changed it); rings
the engine could not judge (verdict ``error``) are not counted and must be re-imaged.
Disposing a sampling lot advances the part's switching state (ISO 2859-1 clause 9).
A lot moves ``open`` → ``disposed`` → ``signed``; once signed its records never change.
A later correction (:func:`correct_disposition`) is a new disposition row that needs a new
signature; the earlier disposition and signature stay as they were.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from inspector import audit, sampling
from inspector.auth import Permission, User, require
from inspector.recipes import Recipe, RecipeError, recipe_from_dict
from inspector.sampling import SamplingError, SamplingPlan, SwitchingState
from inspector.store import repo
from inspector.store.errors import RecordsError
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "Disposition",
    "Lot",
    "LotClosed",
    "LotError",
    "LotSpec",
    "Progress",
    "correct_disposition",
    "dispose",
    "dispositions",
    "get_lot",
    "list_lots",
    "open_lot",
    "progress",
    "recipe_id_for",
    "resume_inspection",
    "switching_state",
]

_CURE_QUARTER = re.compile(r"^[1-4]Q\d{2}$")
_LOT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


class LotError(RecordsError):
    """A lot cannot be opened, found or changed as asked; the message says why."""


class LotClosed(LotError):
    """The lot takes no more rings: disposed, signed, or its sample is complete."""


@dataclass(frozen=True)
class LotSpec:
    """What opening a lot needs; every text field but the lot number may stay empty.

    Attributes
    ----------
    lot_no : str
        The supplier's lot number, unique in the database.
    quantity : int
        Rings in the lot (> 0).
    customer : str
        The customer fab; created on first use.
    po, po_line : str
        Customer purchase order and line.
    compound, compound_batch : str
        E.g. ``"FFKM 75 black"`` and the mixing batch.
    cure_quarter : str
        ``"4Q26"``: quarter and two-digit year.
    mould, cavity : str
    hundred_percent : bool
        Inspect every ring (and sort) instead of sampling.
    level : str or None
        ISO 2859-1 inspection level; None takes the recipe's default.
    aql : float or None
        Acceptable quality limit (percent nonconforming); None takes the recipe's default.
    """

    lot_no: str
    quantity: int
    customer: str = ""
    po: str = ""
    po_line: str = ""
    compound: str = ""
    compound_batch: str = ""
    cure_quarter: str = ""
    mould: str = ""
    cavity: str = ""
    hundred_percent: bool = False
    level: str | None = None
    aql: float | None = None


@dataclass(frozen=True)
class Lot:
    """A lot as recorded.

    ``plan`` is None for a 100 % lot. ``recipe`` is the exact snapshot the lot inspects with.
    """

    id: int
    lot_no: str
    part: str
    recipe: Recipe
    recipe_sha256: str
    grade: str
    customer: str
    po: str
    po_line: str
    quantity: int
    compound: str
    compound_batch: str
    cure_quarter: str
    mould: str
    cavity: str
    plan: SamplingPlan | None
    status: str
    disposition: str | None
    created_utc: str
    created_by: str

    @property
    def hundred_percent(self) -> bool:
        """True when every ring is inspected and the lot is sorted."""
        return self.plan is None

    @property
    def required(self) -> int:
        """Rings to inspect: the sample size, or the whole lot."""
        return self.quantity if self.plan is None else self.plan.sample_size

    def to_dict(self) -> dict[str, Any]:
        """Return the lot as JSON-ready values (the plan as its own dict)."""
        return {
            "lot_no": self.lot_no,
            "part": self.part,
            "recipe": self.recipe.key,
            "recipe_sha256": self.recipe_sha256,
            "grade": self.grade,
            "customer": self.customer,
            "po": self.po,
            "po_line": self.po_line,
            "quantity": self.quantity,
            "compound": self.compound,
            "compound_batch": self.compound_batch,
            "cure_quarter": self.cure_quarter,
            "mould": self.mould,
            "cavity": self.cavity,
            "inspection": "100 %" if self.plan is None else "ISO 2859-1 single sampling",
            "plan": None if self.plan is None else self.plan.to_dict(),
            "status": self.status,
            "disposition": self.disposition,
            "created_utc": self.created_utc,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class Progress:
    """Where a lot stands against its plan.

    Attributes
    ----------
    inspected : int
        Rings counted (final verdict pass or fail).
    required : int
        Sample size, or the lot quantity for 100 %.
    nonconforming : int
        Rings whose final verdict is fail.
    errors : int
        Images the engine could not judge (not counted; re-image those rings).
    accept, reject : int or None
        Ac and Re of the plan (None for 100 %).
    decision : str or None
        ``"accept"``, ``"reject"`` or ``"sorted"`` once the plan decides; None before.
    """

    inspected: int
    required: int
    nonconforming: int
    errors: int
    accept: int | None
    reject: int | None
    decision: str | None

    @property
    def good(self) -> int:
        """Rings counted that passed."""
        return self.inspected - self.nonconforming

    def describe(self) -> str:
        """One line for a person: ``"45/80 inspected, 1 nonconforming (Ac 2, Re 3)"``."""
        text = f"{self.inspected}/{self.required} inspected, {self.nonconforming} nonconforming"
        if self.accept is not None:
            text += f" (Ac {self.accept}, Re {self.reject})"
        if self.errors:
            text += f", {self.errors} not judged"
        if self.decision:
            text += f": {self.decision}"
        return text


# --- helpers shared by the records services ---------------------------------------------


def canonical_recipe(recipe: Recipe) -> tuple[str, str]:
    """Return the recipe's canonical JSON and its SHA-256."""
    text = audit.canonical_json(recipe.to_dict())
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def recipe_id_for(tx: Tx, recipe: Recipe, actor: User | None) -> int:
    """Return the stored snapshot id of exactly this recipe, storing (and auditing) it if new."""
    text, digest = canonical_recipe(recipe)
    row = repo.recipe_row(tx, recipe.name, recipe.version, digest)
    if row is not None:
        return int(row["id"])
    now = audit.now_utc()
    new_id = repo.insert_recipe(
        tx,
        part=recipe.name,
        version=recipe.version,
        json_text=text,
        sha256=digest,
        created_utc=now,
    )
    audit.record(
        tx, actor, "create", "recipe", recipe.key, new={"sha256": digest, **recipe.to_dict()}
    )
    return new_id


def _lot(row: Row) -> Lot:
    try:
        recipe = recipe_from_dict(json.loads(row["recipe_json"]), where=f"lot {row['lot_no']}")
    except (RecipeError, ValueError) as exc:
        raise LotError(f"the recipe stored for lot {row['lot_no']} cannot be read: {exc}") from None
    plan = None
    if not row["hundred_percent"]:
        plan = SamplingPlan(
            lot_size=int(row["quantity"]),
            level=sampling.parse_level(row["level"]),
            aql=float(row["aql"]),
            severity=sampling.parse_severity(row["severity"]),
            code_letter=str(row["code_letter"]),
            sample_size=int(row["sample_size"]),
            accept=int(row["accept_no"]),
            reject=int(row["reject_no"]),
            hundred_percent=int(row["sample_size"]) >= int(row["quantity"]),
        )
    return Lot(
        id=int(row["id"]),
        lot_no=str(row["lot_no"]),
        part=str(row["part"]),
        recipe=recipe,
        recipe_sha256=str(row["recipe_sha256"]),
        grade=str(row["grade"]),
        customer=row["customer"] or "",
        po=row["po"],
        po_line=row["po_line"],
        quantity=int(row["quantity"]),
        compound=row["compound"],
        compound_batch=row["compound_batch"],
        cure_quarter=row["cure_quarter"],
        mould=row["mould"],
        cavity=row["cavity"],
        plan=plan,
        status=str(row["status"]),
        disposition=row["disposition"],
        created_utc=str(row["created_utc"]),
        created_by=str(row["created_by_name"]),
    )


def lot_in(tx: Tx, lot_no: str) -> Lot:
    """Return the lot ``lot_no`` read inside ``tx``; raise :class:`LotError` when unknown."""
    row = repo.lot_by_no(tx, lot_no)
    if row is None:
        raise LotError(f"no lot {lot_no} in the records")
    return _lot(row)


def require_open(lot: Lot, doing: str) -> None:
    """Raise :class:`LotError` unless the lot is still open."""
    if lot.status == "signed":
        raise LotClosed(
            f"lot {lot.lot_no} is signed and cannot change; cannot {doing} "
            "(corrections are new, signed records)"
        )
    if lot.status != "open":
        raise LotClosed(f"lot {lot.lot_no} is already disposed ({lot.disposition}); cannot {doing}")


def _state(tx: Tx, part: str) -> SwitchingState:
    text = repo.switching_state(tx, part)
    if text is None:
        return SwitchingState()
    return SwitchingState.from_dict(json.loads(text))


# --- services ---------------------------------------------------------------------------


def open_lot(
    store: SqliteStore, actor: User, spec: LotSpec, *, recipe: Recipe, grade: str | None = None
) -> Lot:
    """Open a lot of ``recipe``'s part under its sampling plan (or 100 %).

    Parameters
    ----------
    store : SqliteStore
    actor : User
        Needs permission to open lots (inspector or engineer).
    spec : LotSpec
    recipe : Recipe
        The part's recipe; its exact content is stored and used for every ring.
    grade : str, optional
        ``"<name>@<version>"`` of the acceptance grade; the recipe's grade by default.

    Raises
    ------
    LotError, PermissionDenied
        Bad or duplicate lot number, quantity, cure quarter, level or AQL; inspection of the
        part discontinued under the switching rules.
    """
    require(actor, Permission.OPEN_LOT)
    lot_no = spec.lot_no.strip()
    if not _LOT_NO.match(lot_no):
        raise LotError(
            f"'{spec.lot_no}' is not a usable lot number (letters, digits, . _ / -; up to 64)"
        )
    if isinstance(spec.quantity, bool) or not isinstance(spec.quantity, int) or spec.quantity < 1:
        raise LotError(f"a lot needs a quantity of at least 1 ring, got {spec.quantity}")
    cure = spec.cure_quarter.strip().upper()
    if cure and not _CURE_QUARTER.match(cure):
        raise LotError(f"cure quarter '{spec.cure_quarter}' should read like 4Q26")
    with store.transaction() as tx:
        if repo.lot_by_no(tx, lot_no) is not None:
            raise LotError(f"lot {lot_no} already exists")
        plan: SamplingPlan | None = None
        if not spec.hundred_percent:
            state = _state(tx, recipe.name)
            if state.discontinued:
                raise LotError(
                    f"acceptance inspection of {recipe.name} is discontinued (ISO 2859-1 "
                    "clause 9.4) until corrective action is approved"
                )
            try:
                plan = sampling.plan_for(
                    spec.quantity,
                    recipe.sampling.aql if spec.aql is None else spec.aql,
                    level=spec.level or recipe.sampling.level,
                    severity=state.severity,
                )
            except SamplingError as exc:
                raise LotError(str(exc)) from None
        now = audit.now_utc()
        customer_id = None
        customer = spec.customer.strip()
        if customer:
            customer_id = repo.customer_id(tx, customer)
            if customer_id is None:
                customer_id = repo.insert_customer(tx, customer, now)
                audit.record(tx, actor, "create", "customer", customer, new={"name": customer})
        fields: dict[str, Any] = {
            "lot_no": lot_no,
            "part": recipe.name,
            "recipe_id": recipe_id_for(tx, recipe, actor),
            "grade": grade or recipe.grade,
            "customer_id": customer_id,
            "po": spec.po.strip(),
            "po_line": spec.po_line.strip(),
            "quantity": spec.quantity,
            "compound": spec.compound.strip(),
            "compound_batch": spec.compound_batch.strip(),
            "cure_quarter": cure,
            "mould": spec.mould.strip(),
            "cavity": spec.cavity.strip(),
            "hundred_percent": int(plan is None),
            "level": None if plan is None else plan.level.value,
            "aql": None if plan is None else plan.aql,
            "severity": None if plan is None else plan.severity.value,
            "code_letter": None if plan is None else plan.code_letter,
            "sample_size": spec.quantity if plan is None else plan.sample_size,
            "accept_no": None if plan is None else plan.accept,
            "reject_no": None if plan is None else plan.reject,
            "status": "open",
            "disposition": None,
            "created_utc": now,
            "created_by": actor.id,
        }
        repo.insert_lot(tx, fields)
        lot = lot_in(tx, lot_no)
        audit.record(tx, actor, "create", "lot", lot_no, new=lot.to_dict(), time_utc=now)
        return lot


def get_lot(store: SqliteStore, lot_no: str) -> Lot:
    """Return the lot ``lot_no``; raise :class:`LotError` when there is none."""
    return lot_in(store.reader(), lot_no)


def list_lots(
    store: SqliteStore, *, status: str | None = None, part: str | None = None, limit: int = 200
) -> list[Lot]:
    """Return lots, newest first."""
    return [_lot(r) for r in repo.list_lots(store.reader(), status=status, part=part, limit=limit)]


def progress_in(tx: Tx, lot: Lot) -> Progress:
    """Return the lot's progress read inside ``tx``."""
    counts = repo.lot_counts(tx, lot.id)
    inspected, failed = int(counts["counted"]), int(counts["failed"])
    decision: str | None = None
    if lot.plan is None:
        if inspected >= lot.quantity:
            decision = "sorted"
    elif failed >= lot.plan.reject:
        decision = "reject"
    elif inspected >= lot.plan.sample_size:
        verdict = sampling.lot_accepted(lot.plan, min(failed, lot.plan.sample_size))
        decision = "accept" if verdict.accepted else "reject"
    return Progress(
        inspected=inspected,
        required=lot.required,
        nonconforming=failed,
        errors=int(counts["errors"]),
        accept=None if lot.plan is None else lot.plan.accept,
        reject=None if lot.plan is None else lot.plan.reject,
        decision=decision,
    )


def progress(store: SqliteStore, lot_no: str) -> Progress:
    """Return where the lot stands against its plan."""
    with store.snapshot() as tx:
        return progress_in(tx, lot_in(tx, lot_no))


def switching_state(store: SqliteStore, part: str) -> SwitchingState:
    """Return the part's ISO 2859-1 switching state (normal for a part never disposed)."""
    return _state(store.reader(), part)


def dispose(store: SqliteStore, actor: User, lot_no: str, *, reason: str = "") -> Progress:
    """Record the lot's disposition as its plan decides it (accept, reject or sorted).

    For a sampling lot this also advances the part's switching state.

    Raises
    ------
    LotError, PermissionDenied
        Not an engineer; lot unknown, not open, or its plan has not decided yet.
    """
    require(actor, Permission.DISPOSE)
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)
        require_open(lot, "dispose it again")
        prog = progress_in(tx, lot)
        if prog.decision is None:
            raise LotError(f"lot {lot_no} is not decided yet: {prog.describe()}")
        now = audit.now_utc()
        repo.insert_disposition(
            tx,
            {
                "lot_id": lot.id,
                "decision": prog.decision,
                "inspected": prog.inspected,
                "nonconforming": prog.nonconforming,
                "by_id": actor.id,
                "time_utc": now,
                "reason": reason,
            },
        )
        repo.set_lot_status(tx, lot.id, "disposed", prog.decision)
        audit.record(
            tx,
            actor,
            "dispose",
            "lot",
            lot_no,
            old={"status": lot.status, "disposition": lot.disposition},
            new={
                "status": "disposed",
                "disposition": prog.decision,
                "inspected": prog.inspected,
                "nonconforming": prog.nonconforming,
            },
            reason=reason,
            time_utc=now,
        )
        if lot.plan is not None:
            old_state = _state(tx, lot.part)
            new_state = sampling.next_state(
                old_state,
                plan=lot.plan,
                accepted=prog.decision == "accept",
                nonconforming=min(prog.nonconforming, lot.plan.sample_size),
            )
            repo.set_switching_state(tx, lot.part, audit.canonical_json(new_state.to_dict()), now)
            audit.record(
                tx,
                actor,
                "update",
                "switching",
                lot.part,
                old=old_state.to_dict(),
                new=new_state.to_dict(),
                reason=f"lot {lot_no} {prog.decision}",
                time_utc=now,
            )
        return prog


@dataclass(frozen=True)
class Disposition:
    """One disposition of a lot as recorded."""

    decision: str
    inspected: int
    nonconforming: int
    by: str
    time_utc: str
    reason: str


def disposition_from_row(row: Row) -> Disposition:
    """A disposition as :func:`inspector.store.repo.dispositions_of` returns it."""
    return Disposition(
        str(row["decision"]),
        int(row["inspected"]),
        int(row["nonconforming"]),
        str(row["by_name"]),
        str(row["time_utc"]),
        str(row["reason"]),
    )


def dispositions(store: SqliteStore, lot_no: str) -> list[Disposition]:
    """Return the lot's dispositions, oldest first."""
    tx = store.reader()
    lot = lot_in(tx, lot_no)
    return [disposition_from_row(r) for r in repo.dispositions_of(tx, lot.id)]


def resume_inspection(store: SqliteStore, actor: User, part: str, *, reason: str) -> SwitchingState:
    """Resume a part whose acceptance inspection was discontinued (ISO 2859-1 clause 9.4).

    The responsible authority (a manager) records that the corrective action is effective;
    inspection restarts on tightened.

    Raises
    ------
    PermissionDenied, LotError
        Not a manager; no reason; the part is not discontinued.
    """
    require(actor, Permission.SIGN)
    if not reason.strip():
        raise LotError("resuming inspection needs a reason (the corrective action)")
    with store.transaction() as tx:
        old = _state(tx, part)
        try:
            new = sampling.resume_after_corrective_action(old)
        except SamplingError as exc:
            raise LotError(f"{part}: {exc}") from None
        now = audit.now_utc()
        repo.set_switching_state(tx, part, audit.canonical_json(new.to_dict()), now)
        audit.record(
            tx,
            actor,
            "update",
            "switching",
            part,
            old=old.to_dict(),
            new=new.to_dict(),
            reason=reason.strip(),
            time_utc=now,
        )
    return new


DECISIONS = ("accept", "reject", "sorted")


def correct_disposition(
    store: SqliteStore, actor: User, lot_no: str, *, decision: str, reason: str
) -> None:
    """Correct a signed lot's disposition with a new record (e.g. a rejected lot 100 % sorted).

    Nothing is edited: a new disposition row is added, the earlier one and its signature
    stay as they were, and the lot waits for a new signature (status ``disposed``).

    Raises
    ------
    PermissionDenied, LotError
        Not an engineer; lot not signed; unknown decision; no reason.
    """
    require(actor, Permission.DISPOSE)
    if decision not in DECISIONS:
        raise LotError(f"a disposition is one of {', '.join(DECISIONS)}, not '{decision}'")
    if not reason.strip():
        raise LotError("a correction needs a reason")
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)
        if lot.status != "signed":
            raise LotError(
                f"lot {lot_no} is not signed; dispose it (corrections are for signed lots)"
            )
        prog = progress_in(tx, lot)
        now = audit.now_utc()
        repo.insert_disposition(
            tx,
            {
                "lot_id": lot.id,
                "decision": decision,
                "inspected": prog.inspected,
                "nonconforming": prog.nonconforming,
                "by_id": actor.id,
                "time_utc": now,
                "reason": f"correction: {reason.strip()}",
            },
        )
        repo.set_lot_status(tx, lot.id, "disposed", decision)
        audit.record(
            tx,
            actor,
            "correct",
            "lot",
            lot_no,
            old={"status": lot.status, "disposition": lot.disposition},
            new={"status": "disposed", "disposition": decision},
            reason=reason.strip(),
            time_utc=now,
        )
