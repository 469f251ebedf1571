"""What the desk shows of lots: the overview list, one lot's page, and certificate defaults.

Read-only views over the records for the manager's lot list and lot page (the services
that change a lot stay in :mod:`inspector.records.lots`, :mod:`~inspector.records.signing`
and :mod:`~inspector.records.certificates`):

- :func:`lot_overview`: one :class:`LotRow` per lot, newest first — plan, progress,
  status, disposition, the last approving or rejecting signature and the certificates
  issued — from one query however many lots and rings there are;
- :func:`lot_page`: everything about one lot read in one snapshot, so the summary, the
  counts, the rings and the signatures always agree with each other;
- :func:`certificate_defaults`: what to put in a certificate's fields before the manager
  edits them: the details of the last certificate for the same customer (and part), or a
  reading of the lot's compound name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from inspector.records.certificates import (
    CertificateRequest,
    IssuedCertificate,
    certificate_from_row,
)
from inspector.records.lots import (
    Disposition,
    Lot,
    Progress,
    disposition_from_row,
    lot_in,
    progress_in,
)
from inspector.records.signing import Signature, signature_from_row
from inspector.records.site import SiteSettings, site_in
from inspector.store import lot_summary_sql, repo
from inspector.store.errors import RecordsError
from inspector.store.sqlite import Row, SqliteStore

__all__ = [
    "LOT_STATUSES",
    "CertificateDefaults",
    "LotPage",
    "LotRow",
    "RingRow",
    "Tolerance",
    "certificate_defaults",
    "lot_overview",
    "lot_page",
    "plan_summary",
]

LOT_STATUSES = lot_summary_sql.LOT_STATUSES


def _plan_short(
    hundred_percent: bool, sample_size: int, accept: int | None, reject: int | None
) -> str:
    if hundred_percent:
        return "100 %"
    return f"n {sample_size}, Ac {accept}/Re {reject}"


def plan_summary(lot: Lot) -> str:
    """The lot's plan in one line for a person.

    ``"100 % inspection of 2 rings (sorted)"`` or ``"ISO 2859-1 level II, AQL 1, normal:
    code J, sample 80, Ac 2 / Re 3"``.
    """
    if lot.plan is None:
        return f"100 % inspection of {lot.quantity} rings (sorted)"
    p = lot.plan
    return (
        f"ISO 2859-1 level {p.level.value}, AQL {p.aql:g}, {p.severity.value}: code "
        f"{p.code_letter}, sample {p.sample_size}, Ac {p.accept} / Re {p.reject}"
    )


@dataclass(frozen=True)
class LotRow:
    """One lot in the overview.

    Attributes
    ----------
    lot_no, part, customer, po : str
    quantity : int
        Rings in the lot.
    plan : str
        ``"100 %"`` or ``"n 80, Ac 2/Re 3"``.
    plan_detail : str
        Level, AQL and severity of a sampling plan ("" for 100 %).
    inspected, required, nonconforming, not_judged : int
        Rings counted (pass or fail), rings the plan needs, rings failed (final verdict),
        images the engine could not judge.
    status : str
        ``open``, ``disposed`` or ``signed``.
    disposition : str or None
        ``accept``, ``reject`` or ``sorted`` once disposed.
    signed_by, signed_meaning, signed_utc : str or None
        The last approving or rejecting signature ('reviewed' ones do not finalise).
    certificates : tuple of str
        Numbers of the certificates issued for the lot, oldest first.
    grade : str
    recipe_version : int
    created_utc : str
    """

    lot_no: str
    part: str
    customer: str
    po: str
    quantity: int
    plan: str
    plan_detail: str
    inspected: int
    required: int
    nonconforming: int
    not_judged: int
    status: str
    disposition: str | None
    signed_by: str | None
    signed_meaning: str | None
    signed_utc: str | None
    certificates: tuple[str, ...]
    grade: str
    recipe_version: int
    created_utc: str


def _lot_row(r: Row) -> LotRow:
    hundred = bool(r["hundred_percent"])
    detail = ""
    if not hundred:
        detail = (
            f"ISO 2859-1 level {r['level']}, AQL {float(r['aql']):g}, {r['severity']}, "
            f"code {r['code_letter']}"
        )
    return LotRow(
        lot_no=str(r["lot_no"]),
        part=str(r["part"]),
        customer=str(r["customer"]),
        po=str(r["po"]),
        quantity=int(r["quantity"]),
        plan=_plan_short(hundred, int(r["sample_size"]), r["accept_no"], r["reject_no"]),
        plan_detail=detail,
        inspected=int(r["counted"]),
        required=int(r["sample_size"]),
        nonconforming=int(r["failed"]),
        not_judged=int(r["errors"]),
        status=str(r["status"]),
        disposition=r["disposition"],
        signed_by=r["signed_by"],
        signed_meaning=r["signed_meaning"],
        signed_utc=r["signed_utc"],
        certificates=tuple(str(r["certificates"] or "").split()),
        grade=str(r["grade"]),
        recipe_version=int(r["recipe_version"]),
        created_utc=str(r["created_utc"]),
    )


def lot_overview(
    store: SqliteStore, *, status: str | None = None, text: str = "", limit: int = 500
) -> list[LotRow]:
    """Return lots, newest first, for the overview list.

    Parameters
    ----------
    store : SqliteStore
    status : str, optional
        Only lots in this status: ``open``, ``disposed`` or ``signed``.
    text : str
        Only lots whose number, part, customer, PO or a certificate number contains it.
    limit : int
        At most this many lots (the newest).

    Raises
    ------
    RecordsError
        An unknown status.
    """
    if status is not None and status not in LOT_STATUSES:
        raise RecordsError(f"a lot's status is one of {', '.join(LOT_STATUSES)}, not '{status}'")
    rows = lot_summary_sql.lot_overview(store.reader(), status=status, text=text, limit=limit)
    return [_lot_row(r) for r in rows]


@dataclass(frozen=True)
class Tolerance:
    """A dimension's nominal and symmetric tolerance (mm)."""

    nominal: float
    tolerance: float

    @property
    def lsl(self) -> float:
        """Lower specification limit (mm)."""
        return self.nominal - self.tolerance

    @property
    def usl(self) -> float:
        """Upper specification limit (mm)."""
        return self.nominal + self.tolerance

    def contains(self, value: float) -> bool:
        """True when ``value`` (mm) lies within the limits."""
        return self.lsl <= value <= self.usl


@dataclass(frozen=True)
class RingRow:
    """One ring of a lot as the lot page lists it.

    Attributes
    ----------
    seq : int
        Ring number in the lot (1-based).
    time_utc : str
    image_name : str
    verdict, final_verdict : str
        The machine's call and the call that counts after reviews (pass, fail, error).
    review_outcome : str or None
        ``confirmed`` or ``overruled`` once an engineer reviewed the ring or a defect.
    rejecting, other_defects : tuple of str
        Types of the defects whose final call rejects, and of the other defects found.
    id_mm, cs_mm, od_mm : float or None
        Measured inner diameter, cross-section and outer diameter.
    error : str or None
        Why the engine could not judge the image.
    """

    seq: int
    time_utc: str
    image_name: str
    verdict: str
    final_verdict: str
    review_outcome: str | None
    rejecting: tuple[str, ...]
    other_defects: tuple[str, ...]
    id_mm: float | None
    cs_mm: float | None
    od_mm: float | None
    error: str | None


@dataclass(frozen=True)
class LotPage:
    """Everything the lot page shows, read in one snapshot.

    ``id_tolerance`` and ``cs_tolerance`` come from the lot's recipe snapshot, the one
    every ring was judged against.
    """

    lot: Lot
    progress: Progress
    dispositions: tuple[Disposition, ...]
    signatures: tuple[Signature, ...]
    certificates: tuple[IssuedCertificate, ...]
    rings: tuple[RingRow, ...]
    id_tolerance: Tolerance
    cs_tolerance: Tolerance
    recipe_version: int
    site: SiteSettings

    @property
    def plan(self) -> str:
        """The plan in one line (:func:`plan_summary`)."""
        return plan_summary(self.lot)

    def _counted(self, attr: str) -> tuple[float, ...]:
        values = (getattr(r, attr) for r in self.rings if r.final_verdict != "error")
        return tuple(float(v) for v in values if v is not None)

    @property
    def id_values(self) -> tuple[float, ...]:
        """Measured IDs (mm) of the counted rings, as the certificate's statistics use."""
        return self._counted("id_mm")

    @property
    def cs_values(self) -> tuple[float, ...]:
        """Measured cross-sections (mm) of the counted rings."""
        return self._counted("cs_mm")


def lot_page(store: SqliteStore, lot_no: str) -> LotPage:
    """Return lot ``lot_no`` with its progress, history, rings and tolerances.

    Raises
    ------
    LotError
        No such lot.
    """
    with store.snapshot() as tx:
        lot = lot_in(tx, lot_no)
        prog = progress_in(tx, lot)
        dispositions = tuple(disposition_from_row(d) for d in repo.dispositions_of(tx, lot.id))
        signatures = tuple(signature_from_row(r) for r in repo.signatures_of(tx, lot.id))
        certificates = tuple(certificate_from_row(c) for c in repo.certificates_of(tx, lot.id))
        rejecting: dict[int, list[str]] = {}
        others: dict[int, list[str]] = {}
        for d in repo.defects_of_lot(tx, lot.id):
            kind = str(d["type"]).replace("_", "-")
            target = rejecting if d["final_reject"] else others
            target.setdefault(int(d["inspection_id"]), []).append(kind)
        rings = tuple(
            RingRow(
                seq=int(r["seq"]),
                time_utc=str(r["time_utc"]),
                image_name=str(r["image_name"]),
                verdict=str(r["verdict"]),
                final_verdict=str(r["final_verdict"]),
                review_outcome=r["review_outcome"],
                rejecting=tuple(rejecting.get(int(r["id"]), ())),
                other_defects=tuple(others.get(int(r["id"]), ())),
                id_mm=r["id_mm"],
                cs_mm=r["cs_mm"],
                od_mm=r["od_mm"],
                error=r["error"],
            )
            for r in repo.inspections_of(tx, lot.id)
        )
        site = site_in(tx)
    recipe = lot.recipe
    return LotPage(
        lot=lot,
        progress=prog,
        dispositions=dispositions,
        signatures=signatures,
        certificates=certificates,
        rings=rings,
        id_tolerance=Tolerance(recipe.id_mm, recipe.id_tol_mm),
        cs_tolerance=Tolerance(recipe.cs_mm, recipe.cs_tol_mm),
        recipe_version=recipe.version,
        site=site,
    )


@dataclass(frozen=True)
class CertificateDefaults:
    """Starting values for a certificate of one lot, and where they came from.

    ``request`` leaves ``quantity_shipped`` None (the lot quantity less the nonconforming
    rings, :attr:`quantity_shipped` says how many that is) and the cleaning statement and
    inspection standard None (the site's and the grade's) unless an earlier certificate for
    the customer said otherwise. ``source`` tells the person what was filled in from where.
    """

    request: CertificateRequest
    quantity_shipped: int
    site: SiteSettings
    source: str


# "FFKM 75 black", "FFKM white 80 Shore A": a hardness figure and a colour word.
_HARDNESS = re.compile(r"\b(\d{2})\b(?:\s*shore\s*a)?", re.IGNORECASE)
_COLOURS = ("black", "white", "brown", "grey", "gray", "amber", "green", "blue", "red", "clear")


def _from_compound(compound: str) -> tuple[str, str]:
    words = compound.casefold().split()
    colour = next((w for w in words if w in _COLOURS), "")
    found = _HARDNESS.search(compound)
    hardness = f"{found.group(1)} Shore A" if found else ""
    return colour, hardness


def certificate_defaults(store: SqliteStore, lot_no: str) -> CertificateDefaults:
    """Return what a certificate of lot ``lot_no`` starts from (see :class:`CertificateDefaults`).

    Raises
    ------
    LotError
        No such lot.
    """
    with store.snapshot() as tx:
        lot = lot_in(tx, lot_no)
        prog = progress_in(tx, lot)
        site = site_in(tx)
        earlier = lot_summary_sql.last_certificate_details(tx, part=lot.part, customer=lot.customer)
    shipped = max(lot.quantity - prog.nonconforming, 0)
    colour, hardness = _from_compound(lot.compound)
    if earlier is None:
        found = [name for name, v in (("colour", colour), ("hardness", hardness)) if v]
        source = (
            f"compound {' and '.join(found)} read from '{lot.compound}'"
            if found
            else "no earlier certificate for this customer"
        )
        return CertificateDefaults(
            CertificateRequest(compound_colour=colour, compound_hardness=hardness),
            shipped,
            site,
            source,
        )
    details_json, same_part = earlier
    data: dict[str, Any] = json.loads(details_json)
    address = tuple(str(line) for line in data.get("customer_address", ()))
    if not same_part:
        # Only the customer's own details carry over to another part.
        return CertificateDefaults(
            CertificateRequest(
                customer_address=address, compound_colour=colour, compound_hardness=hardness
            ),
            shipped,
            site,
            f"customer address from the last certificate for {lot.customer}",
        )
    return CertificateDefaults(
        CertificateRequest(
            customer_part=str(data.get("customer_part", "")),
            drawing=str(data.get("drawing", "")),
            revision=str(data.get("revision", "")),
            compound_colour=str(data.get("compound_colour", "")) or colour,
            compound_hardness=str(data.get("compound_hardness", "")) or hardness,
            customer_address=address,
        ),
        shipped,
        site,
        f"details from the last certificate of {lot.part} for {lot.customer}",
    )
