"""One recorded ring read back from the records: image, defects, dimensions and reviews.

The desk's views (review queue, defect history, gallery) show a ring as the records hold
it, not as the engine would judge it today: the defects with the machine's call and the
call after reviews, the dimensions against the *recipe snapshot* the ring was judged with,
both verdicts, and every review with its reason. Overruled calls stay in the record and
are marked, never hidden.

:class:`RingRecord` extends :class:`inspector.records.export.RingRecord` (the lot export's
ring) and :class:`RingDefect` extends its :class:`~inspector.records.export.DefectRecord`,
so code written for the export reads these too. Lengths in mm, image positions in px
(``x`` column, ``y`` row), times ISO 8601 UTC text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from inspector.imagestore import ImageStore
from inspector.imaging.load import ImageArray, ImageReadError, decode_image_bytes
from inspector.imaging.results import BBox, DefectType
from inspector.judge import MEASURED_SOURCES
from inspector.outcome import ScaleSource
from inspector.recipes import Recipe, RecipeError, recipe_from_dict
from inspector.records import export
from inspector.records.lots import LotError
from inspector.records.recording import images_for
from inspector.store import review_sql
from inspector.store.errors import StoreError
from inspector.store.sqlite import Row, SqliteStore, Tx

__all__ = [
    "DimensionCheck",
    "DimensionStatus",
    "LoadedRing",
    "RingDefect",
    "RingRecord",
    "RingReview",
    "check_dimensions",
    "load_ring",
    "load_ring_by_seq",
    "load_rings",
    "ring_pixels",
    "with_pixels",
]

# As in inspector.judge: float noise from px→mm must not move a value on a tolerance edge.
_EPS = 1e-9


class DimensionStatus(StrEnum):
    """How one recorded dimension stands against the recipe snapshot."""

    OK = "OK"
    OUT = "OUT"
    #: The scale was estimated from the nominal CS, so the judge did not judge dimensions.
    NOT_JUDGED = "not judged"
    #: No value: the ring had no scale, or the engine could not measure it.
    NOT_MEASURED = "not measured"
    #: Shown for information; the recipe sets no tolerance on it (OD, CS min/max, ovality).
    INFO = ""


@dataclass(frozen=True)
class DimensionCheck:
    """One measured dimension against its nominal and ± tolerance.

    Attributes
    ----------
    label : str
        ``"OD"``, ``"ID"``, ``"CS"``, ``"CS min"``, ``"CS max"`` or ``"Ovality %"``.
    value : float or None
        Measured, in mm (percent for ovality).
    nominal_mm, tol_mm : float or None
        From the recipe snapshot; None where the recipe sets none.
    status : DimensionStatus
    """

    label: str
    value: float | None
    nominal_mm: float | None
    tol_mm: float | None
    status: DimensionStatus

    @property
    def deviation(self) -> float | None:
        """``|value − nominal| / tolerance``: 0 on nominal, 1 on the tolerance edge, None
        when there is no value or no tolerance."""
        if self.value is None or self.nominal_mm is None or not self.tol_mm:
            return None
        return abs(self.value - self.nominal_mm) / self.tol_mm


@dataclass(frozen=True)
class RingReview:
    """One review of a ring (``defect_idx`` None) or of one of its defects.

    ``old_value`` / ``new_value`` are verdicts (``"pass"``, ``"fail"``) for a ring and
    calls (``"accept"``, ``"reject"``) for a defect; ``outcome`` is ``"confirmed"`` or
    ``"overruled"``.
    """

    review_id: int
    time_utc: str
    reviewer: str
    reviewer_full_name: str
    defect_idx: int | None
    outcome: str
    old_value: str
    new_value: str
    reason: str


@dataclass(frozen=True)
class RingDefect(export.DefectRecord):
    """A recorded defect: where it is in the image, the machine's call and the final call.

    Attributes
    ----------
    bbox : BBox
        Its box in image px (``x`` column, ``y`` row of the top-left corner).
    angle_deg : float
        Position around the ring, degrees.
    length_px, width_px, area_px : float
        Sizes as the engine measured them.
    area_mm2 : float or None
    score : float
        The engine's contrast score.
    reason : str or None
        Why the machine rejected it (None when it accepted it).
    last_review : RingReview or None
        The newest review of this defect.
    """

    bbox: BBox
    angle_deg: float
    length_px: float
    width_px: float
    area_px: float
    area_mm2: float | None
    score: float
    reason: str | None
    last_review: RingReview | None = None

    @property
    def defect_type(self) -> DefectType | None:
        """The type as the shared vocabulary's enum (None for a type this code lacks)."""
        try:
            return DefectType(self.type)
        except ValueError:
            return None

    @property
    def overruled(self) -> bool:
        """True when the call that counts differs from the machine's."""
        return self.final_reject != self.machine_reject

    @property
    def reviewed(self) -> bool:
        """True when an engineer has reviewed this defect's call."""
        return self.last_review is not None


@dataclass(frozen=True)
class RingRecord(export.RingRecord):
    """A recorded ring with its lot, recipe snapshot, dimension checks, reviews and image.

    The fields of :class:`inspector.records.export.RingRecord` come first (``seq``,
    ``machine_verdict``, ``final_verdict``, ``review_outcome``, dimensions in mm…), with
    ``defects`` as :class:`RingDefect`.

    Attributes
    ----------
    inspection_id : int
    lot_no, part, customer, lot_status : str
    recipe : Recipe or None
        The snapshot the ring was judged with (None if it cannot be read).
    grade : str or None
        The grade key the ring was judged by, ``"fab@1"``.
    scale_source : str or None
        ``"cli"``, ``"calibration"``, ``"nominal"`` or None (no scale).
    reasons : tuple of str
        The machine's reasons for its verdict.
    error : str or None
        Why the engine could not judge the ring.
    dimensions : tuple of DimensionCheck
        Empty when the engine did not measure the ring.
    reviews : tuple of RingReview
        Every review of the ring and its defects, oldest first.
    image_bytes : bytes or None
        The original file, when asked for and found.
    image_problem : str
        Why ``image_bytes`` is None although asked for ("" otherwise).
    """

    defects: tuple[RingDefect, ...]
    inspection_id: int
    lot_no: str
    part: str
    customer: str
    lot_status: str
    recipe: Recipe | None
    grade: str | None
    scale_source: str | None
    reasons: tuple[str, ...]
    error: str | None
    dimensions: tuple[DimensionCheck, ...]
    reviews: tuple[RingReview, ...]
    image_bytes: bytes | None = field(default=None, compare=False, repr=False)
    image_problem: str = ""

    @property
    def key(self) -> str:
        """``"<lot>#<seq>"``, as the audit trail names a ring."""
        return f"{self.lot_no}#{self.seq}"

    @property
    def ring_review(self) -> RingReview | None:
        """The newest review of the ring's verdict (not of a defect), or None."""
        return next((r for r in reversed(self.reviews) if r.defect_idx is None), None)

    @property
    def verdict_overruled(self) -> bool:
        """True when the verdict that counts differs from the machine's."""
        return self.final_verdict != self.machine_verdict

    @property
    def dimensions_judged(self) -> bool:
        """True when the scale was measured, so the judge held ID and CS to tolerance."""
        return _measured(self.scale_source)

    def dimension(self, label: str) -> DimensionCheck | None:
        """The check labelled ``label`` (``"ID"``, ``"CS"``…), or None."""
        return next((d for d in self.dimensions if d.label == label), None)


def _measured(scale_source: str | None) -> bool:
    try:
        return scale_source is not None and ScaleSource(scale_source) in MEASURED_SOURCES
    except ValueError:
        return False


def check_dimensions(
    *,
    od_mm: float | None,
    id_mm: float | None,
    cs_mm: float | None,
    cs_min_mm: float | None,
    cs_max_mm: float | None,
    ovality_pct: float | None,
    recipe: Recipe | None,
    scale_source: str | None,
) -> tuple[DimensionCheck, ...]:
    """Hold recorded dimensions against a recipe as :func:`inspector.judge.judge` did.

    ID and CS are judged against ``nominal ± tol`` only when the scale was measured
    (``scale_source`` ``"cli"`` or ``"calibration"``); OD is shown against its nominal
    (ID + 2 CS) without a tolerance; CS min/max and ovality are information.

    Parameters
    ----------
    od_mm, id_mm, cs_mm, cs_min_mm, cs_max_mm : float or None
        Measured sizes in mm.
    ovality_pct : float or None
    recipe : Recipe or None
        The snapshot the ring was judged with; None: nothing is judged.
    scale_source : str or None

    Returns
    -------
    tuple of DimensionCheck
        Empty when nothing was measured.
    """
    if all(v is None for v in (od_mm, id_mm, cs_mm, cs_min_mm, cs_max_mm, ovality_pct)):
        return ()
    measured = _measured(scale_source)

    def check(
        label: str, value: float | None, nominal: float | None, tol: float | None
    ) -> DimensionCheck:
        if value is None:
            status = DimensionStatus.NOT_MEASURED
        elif nominal is None or tol is None:
            status = DimensionStatus.INFO
        elif not measured:
            status = DimensionStatus.NOT_JUDGED
        elif abs(value - nominal) <= tol + _EPS:
            status = DimensionStatus.OK
        else:
            status = DimensionStatus.OUT
        return DimensionCheck(label, value, nominal, tol, status)

    r = recipe
    return (
        check("OD", od_mm, r.od_mm if r else None, None),
        check("ID", id_mm, r.id_mm if r else None, r.id_tol_mm if r else None),
        check("CS", cs_mm, r.cs_mm if r else None, r.cs_tol_mm if r else None),
        check("CS min", cs_min_mm, None, None),
        check("CS max", cs_max_mm, None, None),
        check("Ovality %", ovality_pct, None, None),
    )


def _recipe(row: Row) -> Recipe | None:
    if row["recipe_json"] is None:
        return None
    try:
        return recipe_from_dict(json.loads(row["recipe_json"]), where="recipe snapshot")
    except (RecipeError, ValueError):
        # An unreadable snapshot must not hide the ring: it is shown without tolerances.
        return None


def _review(r: Row) -> RingReview:
    return RingReview(
        review_id=int(r["id"]),
        time_utc=str(r["time_utc"]),
        reviewer=str(r["reviewer"]),
        reviewer_full_name=str(r["reviewer_full_name"]),
        defect_idx=None if r["defect_idx"] is None else int(r["defect_idx"]),
        outcome=str(r["outcome"]),
        old_value=str(r["old_value"]),
        new_value=str(r["new_value"]),
        reason=str(r["reason"]),
    )


def _defect(d: Row, last_review: RingReview | None) -> RingDefect:
    return RingDefect(
        **export.defect_fields(d),
        bbox=BBox(int(d["bbox_x"]), int(d["bbox_y"]), int(d["bbox_w"]), int(d["bbox_h"])),
        angle_deg=float(d["angle_deg"]),
        length_px=float(d["length_px"]),
        width_px=float(d["width_px"]),
        area_px=float(d["area_px"]),
        area_mm2=d["area_mm2"],
        score=float(d["score"]),
        reason=d["reason"],
        last_review=last_review,
    )


def _reasons(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return (str(text),)
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _read_image(images: ImageStore, sha256: str) -> tuple[bytes | None, str]:
    try:
        return images.read(sha256), ""
    except (StoreError, ValueError) as exc:
        return None, str(exc)


def _rings_in(tx: Tx, ids: Sequence[int], images: ImageStore | None) -> dict[int, RingRecord]:
    rows = review_sql.ring_rows(tx, ids)
    found = [int(r["id"]) for r in rows]
    defects: dict[int, list[Row]] = {}
    for d in review_sql.defects_of(tx, found):
        defects.setdefault(int(d["inspection_id"]), []).append(d)
    reviews: dict[int, list[RingReview]] = {}
    for v in review_sql.reviews_of(tx, found):
        reviews.setdefault(int(v["inspection_id"]), []).append(_review(v))
    out: dict[int, RingRecord] = {}
    for r in rows:
        rid = int(r["id"])
        ring_reviews = tuple(reviews.get(rid, ()))
        last: dict[int, RingReview] = {
            v.defect_idx: v for v in ring_reviews if v.defect_idx is not None
        }
        recipe = _recipe(r)
        image_bytes, problem = (None, "")
        if images is not None:
            image_bytes, problem = _read_image(images, str(r["image_sha256"]))
        out[rid] = RingRecord(
            **export.ring_fields(r),
            defects=tuple(_defect(d, last.get(int(d["idx"]))) for d in defects.get(rid, ())),
            inspection_id=rid,
            lot_no=str(r["lot_no"]),
            part=str(r["part"]),
            customer=r["customer"] or "",
            lot_status=str(r["lot_status"]),
            recipe=recipe,
            grade=r["grade"],
            scale_source=r["scale_source"],
            reasons=_reasons(r["reasons"]),
            error=r["error"],
            dimensions=check_dimensions(
                od_mm=r["od_mm"],
                id_mm=r["id_mm"],
                cs_mm=r["cs_mm"],
                cs_min_mm=r["cs_min_mm"],
                cs_max_mm=r["cs_max_mm"],
                ovality_pct=r["ovality_pct"],
                recipe=recipe,
                scale_source=r["scale_source"],
            ),
            reviews=ring_reviews,
            image_bytes=image_bytes,
            image_problem=problem,
        )
    return out


def load_rings(
    store: SqliteStore,
    inspection_ids: Sequence[int],
    *,
    with_images: bool = False,
    images: ImageStore | None = None,
) -> list[RingRecord]:
    """Return the recorded rings with these ids, in the order given, from one snapshot.

    Parameters
    ----------
    store : SqliteStore
    inspection_ids : sequence of int
        Ids that are not in the records are left out of the answer.
    with_images : bool
        Also read each ring's original image bytes (for a gallery, keep the list short).
    images : ImageStore, optional
        Where the images are; beside the database by default.

    Returns
    -------
    list of RingRecord
    """
    store_images = (images or images_for(store)) if with_images else None
    with store.snapshot() as tx:
        found = _rings_in(tx, inspection_ids, store_images)
    return [found[i] for i in inspection_ids if i in found]


def load_ring(
    store: SqliteStore,
    inspection_id: int,
    *,
    with_image: bool = True,
    images: ImageStore | None = None,
) -> RingRecord:
    """Return one recorded ring by inspection id, with its image bytes unless told not to.

    A missing or unreadable image file does not fail: ``image_bytes`` is None and
    ``image_problem`` says why.

    Raises
    ------
    LotError
        No inspection with this id.
    """
    rings = load_rings(store, [inspection_id], with_images=with_image, images=images)
    if not rings:
        raise LotError(f"no recorded ring with inspection id {inspection_id}")
    return rings[0]


def load_ring_by_seq(
    store: SqliteStore,
    lot_no: str,
    seq: int,
    *,
    with_image: bool = True,
    images: ImageStore | None = None,
) -> RingRecord:
    """Return ring ``seq`` of lot ``lot_no``; see :func:`load_ring`.

    Raises
    ------
    LotError
        No such lot or ring.
    """
    inspection_id = review_sql.inspection_id_by_seq(store.reader(), lot_no, seq)
    if inspection_id is None:
        raise LotError(f"lot {lot_no} has no ring {seq} in the records")
    return load_ring(store, inspection_id, with_image=with_image, images=images)


def ring_pixels(record: RingRecord) -> ImageArray | None:
    """Decode the ring's stored image.

    Returns
    -------
    (H, W) or (H, W, 3) ndarray of uint8 or uint16, or None
        Grey or OpenCV BGR pixels, read-only; None when the record carries no image bytes.

    Raises
    ------
    LotError
        The stored bytes cannot be decoded (the message says why).
    """
    if record.image_bytes is None:
        return None
    try:
        return decode_image_bytes(record.image_bytes, name=record.image_name).pixels
    except ImageReadError as exc:
        raise LotError(f"the stored image of ring {record.key} cannot be decoded: {exc}") from None


@dataclass(frozen=True)
class LoadedRing:
    """A recorded ring with its image decoded, for showing it.

    Attributes
    ----------
    record : RingRecord
    pixels : ndarray or None
        See :func:`ring_pixels`; None when there is no image to show.
    problem : str
        Why there is no image ("" when there is one).
    """

    record: RingRecord
    pixels: ImageArray | None
    problem: str


def with_pixels(record: RingRecord) -> LoadedRing:
    """Decode a ring's stored image; a damaged or missing image becomes ``problem``."""
    try:
        pixels = ring_pixels(record)
    except LotError as exc:
        return LoadedRing(record, None, str(exc))
    return LoadedRing(record, pixels, record.image_problem if pixels is None else "")
