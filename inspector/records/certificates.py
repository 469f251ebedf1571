"""Issuing Certificates of Conformance for signed lots, and checking them against the records.

Issuing (:func:`issue_certificate`, a manager only) runs in one write transaction, so two
stations issuing at once still get consecutive, unique numbers (``COC-2026-00042``,
sequential per UTC year; the write lock serialises them and a UNIQUE index backs it up):

1. the lot must be signed ``approved`` by a manager, not rejected, and its records must
   still match that signature;
2. the next number of the year is taken, the certificate built from the records
   (:func:`inspector.certificates.from_records.build_certificate`) and rendered;
3. the PDF is staged beside the target (temporary file, fsync), the certificate row and
   its audit row are added, and the file is renamed into place; if anything fails the
   transaction rolls back and no file is left, and if the commit itself fails the
   published file is removed again. Nothing is recorded without the file, and no file
   exists without its record.

The row keeps the number, lot, approving signature, issuer, UTC time, the resolved
inputs, the canonical JSON, its digest and the PDF's SHA-256. :func:`records_check`
rebuilds the certificate from the records as they are now, for
:func:`inspector.certificates.verify_certificate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from inspector import audit
from inspector.auth import Permission, User, require
from inspector.certificates.digest import canonical_json, sha256_hex
from inspector.certificates.from_records import (
    CertificateInputs,
    build_certificate,
    utc_datetime,
)
from inspector.certificates.model import Certificate
from inspector.certificates.numbering import next_certificate_number
from inspector.certificates.render import RenderOptions, render_certificate
from inspector.certificates.verify import RecordsAnswer
from inspector.outputs import discard, publish, stage
from inspector.recipes import RecipeError, load_grade
from inspector.records.lots import Lot, LotError, lot_in
from inspector.records.recording import images_for
from inspector.records.signing import content_hash, lot_content
from inspector.records.site import site_in
from inspector.store import repo
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "CertificateRequest",
    "IssuedCertificate",
    "RecordsCheck",
    "issue_certificate",
    "issued_certificates",
    "records_check",
]


@dataclass(frozen=True)
class CertificateRequest:
    """What the person issuing gives for one certificate (the lot records hold the rest).

    ``cleaning_packaging`` and ``inspection_standard`` left None take the site's cleaning
    statement and the lot grade's standard. ``quantity_shipped`` None: the lot quantity
    less the nonconforming rings found.
    """

    customer_part: str = ""
    drawing: str = ""
    revision: str = ""
    compound_colour: str = ""
    compound_hardness: str = ""
    customer_address: tuple[str, ...] = ()
    cleaning_packaging: str | None = None
    inspection_standard: str | None = None
    quantity_shipped: int | None = None
    thumbnails: bool = False


@dataclass(frozen=True)
class IssuedCertificate:
    """An issued certificate as recorded."""

    number: str
    lot_no: str
    issued_utc: str
    issued_by: str
    digest: str
    pdf_sha256: str
    certificate: Certificate | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RecordsCheck:
    """What the records say about an issued certificate now.

    ``answer`` is for :func:`~inspector.certificates.verify_certificate`; ``problems`` are
    findings the certificate's content cannot show (its lot corrected after signing, the
    records no longer matching the approving signature, the row itself edited).
    """

    lot_no: str
    answer: RecordsAnswer
    problems: tuple[str, ...] = ()


def _approving_signature(tx: Tx, lot: Lot) -> Row:
    """Return the signature a certificate of ``lot`` rests on; raise when there is none."""
    if lot.status != "signed":
        state = "still open" if lot.status == "open" else f"disposed ({lot.disposition})"
        raise LotError(
            f"lot {lot.lot_no} is not signed ({state}); a certificate needs the lot signed "
            "'approved' by a manager"
        )
    if lot.disposition == "reject":
        raise LotError(f"lot {lot.lot_no} was rejected; a rejected lot gets no certificate")
    final = [r for r in repo.signatures_of(tx, lot.id) if r["meaning"] != "reviewed"]
    if not final or final[-1]["meaning"] != "approved":
        raise LotError(
            f"lot {lot.lot_no} is not signed 'approved' (its last signature means "
            f"'{final[-1]['meaning'] if final else 'nothing'}'); no certificate"
        )
    sig = final[-1]
    now = content_hash(lot_content(tx, lot.lot_no, until=str(sig["time_utc"])))
    if now != sig["content_sha256"]:
        raise LotError(
            f"the records of lot {lot.lot_no} no longer match its signature of "
            f"{sig['time_utc']}; they were changed outside the application. No certificate"
        )
    return sig


def _inputs(tx: Tx, lot: Lot, request: CertificateRequest) -> CertificateInputs:
    site = site_in(tx)
    if not site.supplier_name:
        raise LotError(
            "the supplier's name is not set; set it with "
            "inspector site set --supplier-name NAME --supplier-address LINE ..."
        )
    needed = {
        "--customer-part": request.customer_part,
        "--drawing": request.drawing,
        "--revision": request.revision,
        "--colour": request.compound_colour,
        "--hardness": request.compound_hardness,
    }
    missing = [name for name, value in needed.items() if not value.strip()]
    if missing:
        raise LotError(f"a certificate needs {', '.join(missing)}")
    cleaning = request.cleaning_packaging
    if cleaning is None:
        cleaning = site.cleaning_packaging
    if not cleaning.strip():
        raise LotError(
            "no cleaning and packaging statement: give --cleaning TEXT or set the site's "
            "with inspector site set --cleaning TEXT"
        )
    standard = request.inspection_standard
    if standard is None:
        try:
            grade = load_grade(lot.grade)
            standard = f"{grade.standard} (acceptance grade {grade.key})"
        except RecipeError:
            standard = f"acceptance grade {lot.grade}"
        standard += f"; dimensions to the {lot.part} tolerances"
    if request.quantity_shipped is not None and request.quantity_shipped < 0:
        raise LotError("the quantity shipped cannot be negative")
    return CertificateInputs(
        supplier_name=site.supplier_name,
        supplier_address=site.supplier_address,
        customer_address=tuple(a.strip() for a in request.customer_address if a.strip()),
        customer_part=request.customer_part.strip(),
        drawing=request.drawing.strip(),
        revision=request.revision.strip(),
        compound_colour=request.compound_colour.strip(),
        compound_hardness=request.compound_hardness.strip(),
        cleaning_packaging=cleaning.strip(),
        inspection_standard=standard.strip(),
        conformance=site.conformance,
        quantity_shipped=request.quantity_shipped,
        thumbnails=request.thumbnails,
    )


def issue_certificate(
    store: SqliteStore,
    actor: User,
    lot_no: str,
    request: CertificateRequest,
    *,
    out: Path,
    options: RenderOptions | None = None,
) -> IssuedCertificate:
    """Issue a certificate for a signed, approved lot and write its PDF to ``out``.

    Parameters
    ----------
    store : SqliteStore
    actor : User
        A manager.
    lot_no : str
    request : CertificateRequest
    out : Path
        The PDF to write; it must not exist yet.
    options : RenderOptions, optional
        Page size and the optional histogram pages (A4, none by default). Thumbnails are
        asked for in ``request`` (they are content, part of the digest).

    Raises
    ------
    PermissionDenied, LotError, OutputError, StoreError
        Not a manager; lot unknown, not signed approved, rejected, or changed since
        signing; missing details; ``out`` exists or cannot be written. Nothing is written
        and nothing recorded then.
    """
    require(actor, Permission.ISSUE_CERTIFICATE)
    out = Path(out)
    base = options or RenderOptions()
    options = RenderOptions(base.page_size, base.histograms, request.thumbnails)
    images = images_for(store)
    published = False
    temp: Path | None = None
    try:
        with store.transaction() as tx:
            lot = lot_in(tx, lot_no)
            signature = _approving_signature(tx, lot)
            inputs = _inputs(tx, lot, request)
            now = audit.now_utc()
            year = int(now[:4])
            try:
                number = next_certificate_number(year, repo.certificate_numbers(tx, year))
            except ValueError as exc:
                raise LotError(
                    f"the certificate numbers in the records are damaged: {exc}"
                ) from None
            cert = build_certificate(
                tx,
                lot.lot_no,
                number=number,
                issue_date=date.fromisoformat(now[:10]),
                signature=signature,
                inputs=inputs,
                images=images,
            )
            pdf = render_certificate(cert, options=options)
            content = canonical_json(cert)
            digest = sha256_hex(content)
            pdf_sha256 = sha256_hex(pdf)
            temp = stage(out, pdf)
            repo.insert_certificate(
                tx,
                {
                    "number": number,
                    "year": year,
                    "seq": int(number.rsplit("-", 1)[1]),
                    "lot_id": lot.id,
                    "signature_id": int(signature["id"]),
                    "issued_utc": now,
                    "issued_by": actor.id,
                    "details_json": audit.canonical_json(inputs.to_dict()),
                    "canonical_json": content.decode("ascii"),
                    "digest": digest,
                    "pdf_sha256": pdf_sha256,
                },
            )
            audit.record(
                tx,
                actor,
                "issue",
                "certificate",
                number,
                new={
                    "lot": lot.lot_no,
                    "digest": digest,
                    "pdf_sha256": pdf_sha256,
                    "file": out.name,
                    "page_size": options.page_size.value,
                    "histograms": options.histograms,
                    "thumbnails": options.thumbnails,
                },
                reason=f"certificate of conformance for lot {lot.lot_no}",
                time_utc=now,
            )
            publish(temp, out)
            published = True
    except BaseException:
        if temp is not None:
            discard(temp)
        if published:
            # The commit failed after the file was renamed into place: take it back.
            discard(out)
        raise
    return IssuedCertificate(number, lot.lot_no, now, actor.name, digest, pdf_sha256, cert)


def certificate_from_row(row: Row) -> IssuedCertificate:
    """An issued certificate as :func:`inspector.store.repo.certificates_of` returns it."""
    return IssuedCertificate(
        number=str(row["number"]),
        lot_no=str(row["lot_no"]),
        issued_utc=str(row["issued_utc"]),
        issued_by=str(row["issued_by_name"]),
        digest=str(row["digest"]),
        pdf_sha256=str(row["pdf_sha256"]),
    )


def issued_certificates(store: SqliteStore, lot_no: str | None = None) -> list[IssuedCertificate]:
    """Return the certificates issued (for one lot, or all), oldest first."""
    tx = store.reader()
    lot_id = None if lot_no is None else lot_in(tx, lot_no).id
    return [certificate_from_row(r) for r in repo.certificates_of(tx, lot_id)]


def records_check(store: SqliteStore, number: str) -> RecordsCheck | None:
    """Rebuild certificate ``number`` from the records as they are now; None when unknown."""
    with store.snapshot() as tx:
        row = repo.certificate_by_number(tx, number)
        if row is None:
            return None
        lot_no = str(row["lot_no"])
        issued_digest = str(row["digest"])
        problems: list[str] = []
        if sha256_hex(str(row["canonical_json"]).encode("ascii")) != issued_digest:
            problems.append(
                f"the stored record of certificate {number} was edited outside the application"
            )
        signature = repo.signature_by_id(tx, int(row["signature_id"]))
        lot = lot_in(tx, lot_no)
        if lot.status != "signed" or lot.disposition == "reject":
            problems.append(
                f"lot {lot_no} was corrected after certification: it is now {lot.status}"
                f"{' (' + lot.disposition + ')' if lot.disposition else ''}"
            )
        if signature is None:
            problems.append(f"the signature certificate {number} rests on is gone")
            return RecordsCheck(
                lot_no, RecordsAnswer("unavailable", issued_digest), tuple(problems)
            )
        signed = content_hash(lot_content(tx, lot_no, until=str(signature["time_utc"])))
        if signed != signature["content_sha256"]:
            problems.append(
                f"the records of lot {lot_no} no longer match the approving signature of "
                f"{signature['time_utc']}: they were changed outside the application"
            )
        try:
            inputs = CertificateInputs.from_dict(json.loads(row["details_json"]))
            current: str | Certificate = build_certificate(
                tx,
                lot_no,
                number=number,
                issue_date=utc_datetime(str(row["issued_utc"])).date(),
                signature=signature,
                inputs=inputs,
                images=images_for(store),
            )
        except (LotError, ValueError, TypeError, KeyError) as exc:
            problems.append(f"the certificate cannot be rebuilt from the records: {exc}")
            current = "unavailable"
    return RecordsCheck(lot_no, RecordsAnswer(current, issued_digest), tuple(problems))
