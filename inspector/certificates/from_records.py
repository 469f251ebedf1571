"""Build a :class:`~inspector.certificates.model.Certificate` from a signed lot's records.

The lot records say most of what a certificate prints: the lot, its part and recipe
snapshot (nominal and tolerance of ID and CS), the sampling plan or 100 %, every ring with
its final verdict after engineer reviews, its measured ID and CS and its defects, the
engine versions, and the approving signature. What they lack is given when issuing, as
:class:`CertificateInputs` (supplier from the site settings, customer address and part
number, drawing, revision, compound colour and hardness, cleaning and packaging), and is
stored with the issued certificate so the same content can be rebuilt to verify it.

What counts, and how:

- *inspected*: rings with a final verdict of pass or fail (images the engine could not
  judge are not counted, as in the lot's own progress);
- *nonconforming*: rings whose final verdict is fail;
- *defects by type*: defects whose final call (after reviews) is reject, on nonconforming
  rings; a nonconforming ring with no rejecting defect (failed on its dimensions, or
  overruled to fail) counts once as ``dimensional or other``;
- *dimensions*: ID and CS of every counted ring that has them, against the nominal and ±
  tolerance of the lot's recipe snapshot (every ring of a lot uses that snapshot);
- *quantity shipped*: the lot quantity less the nonconforming rings found, unless given.

Thumbnails (optional) are the stored images of nonconforming rings with the stored defect
boxes drawn on them (:func:`ring_thumbnail`); the engine is not run again.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from inspector.certificates.model import (
    AttributeSampling,
    Certificate,
    Compound,
    DefectCount,
    Dimension,
    FullInspection,
    InspectionResults,
    Lot,
    OrderLine,
    Party,
    Product,
    SamplingPlan,
    Severity,
    Signature,
    Thumbnail,
)
from inspector.imagestore import ImageStore
from inspector.records.lots import Lot as LotRecord
from inspector.records.lots import LotError, lot_in
from inspector.store import repo
from inspector.store.errors import StoreError
from inspector.store.sqlite import Row, Tx

__all__ = [
    "MAX_THUMBNAILS",
    "OTHER_NONCONFORMITY",
    "CertificateInputs",
    "build_certificate",
    "ring_thumbnail",
    "utc_datetime",
]

#: At most this many rejected-ring thumbnails go on a certificate (the first by ring number).
MAX_THUMBNAILS = 24
#: The defect type a nonconforming ring without a rejecting defect is counted under.
OTHER_NONCONFORMITY = "dimensional or other"


@dataclass(frozen=True)
class CertificateInputs:
    """What a certificate prints that the lot records do not hold, fully resolved.

    Stored as JSON with the issued certificate (defaults already filled in), so the
    certificate can be rebuilt exactly from the records.

    Attributes
    ----------
    supplier_name : str
    supplier_address : tuple of str
        One line per entry.
    customer_address : tuple of str
        The customer (fab) address lines; the name is the lot's customer.
    customer_part, drawing, revision : str
        The customer's part number, its drawing and the drawing's revision.
    compound_colour, compound_hardness : str
        E.g. ``"white"`` and ``"75 Shore A"``; the compound name is the lot's.
    cleaning_packaging : str
    inspection_standard : str
        E.g. the grade's standard text, or the customer specification.
    conformance : str
        The conformance statement.
    quantity_shipped : int or None
        None: the lot quantity less the nonconforming rings found.
    thumbnails : bool
        Put thumbnails of the nonconforming rings on the certificate.
    """

    supplier_name: str
    supplier_address: tuple[str, ...]
    customer_address: tuple[str, ...]
    customer_part: str
    drawing: str
    revision: str
    compound_colour: str
    compound_hardness: str
    cleaning_packaging: str
    inspection_standard: str
    conformance: str
    quantity_shipped: int | None = None
    thumbnails: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the inputs as JSON-ready values."""
        out = dataclasses.asdict(self)
        out["supplier_address"] = list(self.supplier_address)
        out["customer_address"] = list(self.customer_address)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CertificateInputs:
        """Read inputs written by :meth:`to_dict`."""
        values = dict(data)
        values["supplier_address"] = tuple(values["supplier_address"])
        values["customer_address"] = tuple(values["customer_address"])
        return cls(**values)


def utc_datetime(text: str) -> datetime:
    """Return the timezone-aware UTC time of a records time ``2026-11-27T05:57:28.123456Z``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _sampling(lot: LotRecord) -> SamplingPlan:
    plan = lot.plan
    if plan is None:
        return FullInspection()
    return AttributeSampling(
        level=plan.level.value,
        aql=float(plan.aql),
        sample_size=plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        severity=Severity(plan.severity.value),
    )


def _defect_counts(rings: list[Row], defects: dict[int, list[Row]]) -> tuple[DefectCount, ...]:
    counts: Counter[str] = Counter()
    for ring in rings:
        if ring["final_verdict"] != "fail":
            continue
        rejecting = [d for d in defects.get(int(ring["id"]), []) if d["final_reject"]]
        if not rejecting:
            counts[OTHER_NONCONFORMITY] += 1
        for d in rejecting:
            counts[str(d["type"])] += 1
    # Most frequent first, then by name, so the order never depends on the database's.
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(DefectCount(name, count) for name, count in ordered)


#: Scale sources that measure: a nominal scale is derived from the recipe's own
#: cross-section, so dimensions taken with it are estimates and must not be certified.
MEASURED_SCALE_SOURCES = frozenset({"cli", "calibration"})


def _dimensions(lot: LotRecord, rings: list[Row]) -> tuple[Dimension, ...]:
    recipe = lot.recipe
    measured = [r for r in rings if r["scale_source"] in MEASURED_SCALE_SOURCES]
    ids = tuple(float(r["id_mm"]) for r in measured if r["id_mm"] is not None)
    css = tuple(float(r["cs_mm"]) for r in measured if r["cs_mm"] is not None)
    return (
        Dimension("ID (inside diameter)", recipe.id_mm, recipe.id_tol_mm, recipe.id_tol_mm, ids),
        Dimension("CS (cross-section)", recipe.cs_mm, recipe.cs_tol_mm, recipe.cs_tol_mm, css),
    )


def _caption(ring: Row, defects: list[Row]) -> str:
    found = [
        f"{d['type']} {float(d['length_mm']):.2f} mm" if d["length_mm"] is not None else d["type"]
        for d in defects
        if d["final_reject"]
    ]
    what = ", ".join(found) if found else OTHER_NONCONFORMITY
    return f"Ring {ring['seq']} ({ring['image_name']}): {what}"


def ring_thumbnail(image_bytes: bytes, defects: list[Row], *, caption: str) -> Thumbnail:
    """Return a thumbnail of a stored ring image with its stored defect boxes drawn.

    Parameters
    ----------
    image_bytes : bytes
        The image file as stored (content-addressed) when the ring was recorded.
    defects : list of Row
        The ring's defect rows; ``bbox_*`` are in px of that image, (x, y) = (column, row).
        Rejecting defects are drawn in their type's colour, the others in grey.
    caption : str

    Raises
    ------
    LotError
        The stored image cannot be decoded.
    """
    import cv2

    from inspector.imaging.load import ImageReadError, decode_image_bytes
    from inspector.imaging.overlay import DEFECT_COLORS, to_display
    from inspector.imaging.results import DefectType

    try:
        loaded = decode_image_bytes(image_bytes, name=caption)
    except ImageReadError as exc:
        raise LotError(f"cannot draw a thumbnail: {exc}") from None
    canvas = to_display(loaded.pixels)
    scale = max(canvas.shape[:2]) / 1000.0
    thickness = max(2, round(3 * scale))
    pad = max(3, round(4 * scale))
    for d in defects:
        try:
            color = DEFECT_COLORS[DefectType(d["type"])] if d["final_reject"] else (160, 160, 160)
        except ValueError:
            color = (0, 0, 255)
        x, y, w, h = int(d["bbox_x"]), int(d["bbox_y"]), int(d["bbox_w"]), int(d["bbox_h"])
        # cv2 points are (x, y) = (column, row), as the records store the boxes.
        cv2.rectangle(canvas, (x - pad, y - pad), (x + w + pad, y + h + pad), color, thickness)
        cv2.putText(
            canvas,
            str(d["type"]),
            (x - pad, max(12, y - pad - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5 * max(scale, 0.8),
            color,
            thickness,
            cv2.LINE_AA,
        )
    return Thumbnail.from_array(canvas, caption=caption)


def _thumbnails(
    rings: list[Row], defects: dict[int, list[Row]], images: ImageStore
) -> tuple[Thumbnail, ...]:
    out: list[Thumbnail] = []
    for ring in rings:
        if ring["final_verdict"] != "fail":
            continue
        if len(out) >= MAX_THUMBNAILS:
            break
        own = defects.get(int(ring["id"]), [])
        try:
            data = images.read(str(ring["image_sha256"]))
        except StoreError as exc:
            raise LotError(f"ring {ring['seq']}: no thumbnail, its stored image: {exc}") from None
        out.append(ring_thumbnail(data, own, caption=_caption(ring, own)))
    return tuple(out)


def build_certificate(
    tx: Tx,
    lot_no: str,
    *,
    number: str,
    issue_date: date,
    signature: Row,
    inputs: CertificateInputs,
    images: ImageStore | None = None,
) -> Certificate:
    """Return the certificate the lot's records and ``inputs`` say, read inside ``tx``.

    Parameters
    ----------
    tx : Tx
    lot_no : str
    number : str
        ``COC-2026-00042``.
    issue_date : date
    signature : Row
        The approving signature row (``printed_name``, ``role``, ``meaning``, ``time_utc``).
    inputs : CertificateInputs
    images : ImageStore, optional
        Where the ring images are; needed when ``inputs.thumbnails`` is set.

    Raises
    ------
    LotError
        Unknown lot; thumbnails asked for without images, or an image missing or unreadable.

    Notes
    -----
    This does not judge whether the lot may be certified (signed and approved); the
    issuing service does, before it calls this.
    """
    lot = lot_in(tx, lot_no)
    all_rings = repo.inspections_of(tx, lot.id)
    rings = [r for r in all_rings if r["final_verdict"] in ("pass", "fail")]
    defects: dict[int, list[Row]] = {}
    for d in repo.defects_of_lot(tx, lot.id):
        defects.setdefault(int(d["inspection_id"]), []).append(d)
    nonconforming = sum(1 for r in rings if r["final_verdict"] == "fail")
    thumbnails: tuple[Thumbnail, ...] = ()
    if inputs.thumbnails:
        if images is None:
            raise LotError("thumbnails need the image store")
        thumbnails = _thumbnails(rings, defects, images)
    engines = sorted({str(r["engine_version"]) for r in rings})
    quantity = inputs.quantity_shipped
    if quantity is None:
        quantity = max(0, lot.quantity - nonconforming)
    return Certificate(
        number=number,
        issue_date=issue_date,
        supplier=Party(inputs.supplier_name, inputs.supplier_address),
        customer=Party(lot.customer, inputs.customer_address),
        order=OrderLine(
            po=lot.po,
            line=lot.po_line,
            customer_part=inputs.customer_part,
            drawing=inputs.drawing,
            revision=inputs.revision,
        ),
        product=Product(
            supplier_part=lot.part,
            compound=Compound(lot.compound, inputs.compound_colour, inputs.compound_hardness),
        ),
        lot=Lot(
            lot_number=lot.lot_no,
            compound_batch=lot.compound_batch,
            cure_quarter=lot.cure_quarter,
            quantity_shipped=quantity,
        ),
        inspection_standard=inputs.inspection_standard,
        sampling=_sampling(lot),
        results=InspectionResults(
            inspected=len(rings),
            nonconforming=nonconforming,
            defects=_defect_counts(rings, defects),
        ),
        dimensions=_dimensions(lot, rings),
        recipe_version=f"{lot.recipe.key} (sha256 {lot.recipe_sha256[:12]})",
        engine_version=", ".join(engines) if engines else "none (no ring judged)",
        cleaning_packaging=inputs.cleaning_packaging,
        conformance_statement=inputs.conformance,
        signature=Signature(
            name=str(signature["printed_name"]),
            title=str(signature["role"]).capitalize(),
            signed_at=utc_datetime(str(signature["time_utc"])),
            meaning=str(signature["meaning"]),
        ),
        thumbnails=thumbnails,
    )
