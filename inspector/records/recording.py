"""Recording one judged image into a lot: the image file and its rows, whole or not at all.

The order makes a crash at any moment safe:

1. the original bytes are re-read and checked against the hash the engine saw;
2. the image is stored content-addressed (temporary name, fsync, rename, folder fsync);
3. one transaction adds the inspection and its defects, then commits.

Killed after 2, the image sits in the store with no record pointing at it — harmless, and
reused when the batch is run again. Recording is idempotent by lot + image hash: the same
image recorded twice into a lot gives the first record back, so re-running a batch records
only what is missing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import StrEnum

from inspector.audit import now_utc
from inspector.auth import Permission, User, require
from inspector.imagestore import ImageStore, sha256_hex
from inspector.outcome import InspectionResult, Verdict
from inspector.records.lots import (
    Lot,
    LotClosed,
    LotError,
    Progress,
    lot_in,
    progress_in,
    recipe_id_for,
    require_open,
)
from inspector.store import repo
from inspector.store.errors import StoreReadOnly
from inspector.store.sqlite import SqliteStore

__all__ = ["RecordStatus", "Recorded", "images_for", "record_inspection"]


class RecordStatus(StrEnum):
    """What recording one result did."""

    RECORDED = "recorded"
    #: This image was already recorded in this lot; nothing new was written.
    ALREADY = "already recorded"


@dataclass(frozen=True)
class Recorded:
    """The outcome of :func:`record_inspection`: the ring's number in the lot and its id."""

    status: RecordStatus
    lot_no: str
    seq: int
    inspection_id: int


def images_for(store: SqliteStore) -> ImageStore:
    """Return the image store beside the database (``<db folder>/images``)."""
    return ImageStore(store.path.parent / "images")


def _read_original(result: InspectionResult, data: bytes | None) -> tuple[bytes, str]:
    if result.image_sha256 is None:
        reason = result.error or "the image was not read"
        raise LotError(f"{result.image}: not recorded, the image could not be read ({reason})")
    if data is None:
        try:
            with open(result.image, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise LotError(
                f"{result.image}: cannot re-read the image to store it: {exc.strerror}"
            ) from None
    digest = sha256_hex(data)
    if digest != result.image_sha256:
        raise LotError(f"{result.image}: the file changed after it was inspected; inspect it again")
    return data, digest


def _check_room(lot: Lot, prog: Progress, image: str) -> None:
    if prog.inspected >= prog.required:
        raise LotClosed(
            f"lot {lot.lot_no}: all {prog.required} rings "
            f"{'of the lot' if lot.plan is None else 'of the sample'} are recorded; "
            f"{image} was not recorded"
        )


def record_inspection(
    store: SqliteStore,
    actor: User,
    lot_no: str,
    result: InspectionResult,
    *,
    station: str,
    image_bytes: bytes | None = None,
    images: ImageStore | None = None,
) -> Recorded:
    """Record one judged image as the next ring of an open lot.

    Parameters
    ----------
    store : SqliteStore
    actor : User
        The operator (inspector or engineer).
    lot_no : str
    result : InspectionResult
        As the runner yields it; must carry ``image_sha256``. Its recipe must be the lot's.
    station : str
        The station's name (host name by default in the CLI).
    image_bytes : bytes, optional
        The original file's bytes; read again from ``result.image`` when not given.
    images : ImageStore, optional
        Where images go; beside the database by default.

    Returns
    -------
    Recorded
        ``ALREADY`` when this image is already in this lot (nothing written).

    Raises
    ------
    LotError, PermissionDenied, StoreError
        Image unreadable or changed, lot unknown or not open, sample complete, recipe not
        the lot's; disk full, read-only, locked (nothing recorded then).
    """
    require(actor, Permission.INSPECT)
    if store.read_only:
        raise StoreReadOnly(f"the database {store.path} is open read-only; nothing was recorded")
    images = images or images_for(store)
    data, digest = _read_original(result, image_bytes)
    reader = store.reader()
    lot = lot_in(reader, lot_no)
    require_open(lot, "record more rings")
    if result.recipe is not None and result.recipe != lot.recipe.key:
        raise LotError(
            f"{result.image}: inspected with recipe {result.recipe}, but lot {lot_no} "
            f"uses {lot.recipe.key}"
        )
    seen = repo.inspection_by_hash(reader, lot.id, digest)
    if seen is not None:
        return Recorded(RecordStatus.ALREADY, lot_no, int(seen["seq"]), int(seen["id"]))
    if result.verdict is not Verdict.ERROR:
        _check_room(lot, progress_in(reader, lot), result.image)
    images.put(data, sha256=digest)
    dims = result.dimensions
    scale = result.scale
    with store.transaction() as tx:
        lot = lot_in(tx, lot_no)  # re-read under the write lock: another station may have moved it
        require_open(lot, "record more rings")
        seen = repo.inspection_by_hash(tx, lot.id, digest)
        if seen is not None:
            return Recorded(RecordStatus.ALREADY, lot_no, int(seen["seq"]), int(seen["id"]))
        if result.verdict is not Verdict.ERROR:
            _check_room(lot, progress_in(tx, lot), result.image)
        seq = repo.next_seq(tx, lot.id)
        inspection_id = repo.insert_inspection(
            tx,
            {
                "lot_id": lot.id,
                "seq": seq,
                "image_sha256": digest,
                "image_name": os.path.basename(result.image) or result.image,
                "image_bytes": len(data),
                "station": station,
                "operator_id": actor.id,
                "recipe_id": recipe_id_for(tx, lot.recipe, actor),
                "grade": result.grade,
                "engine_version": result.engine_version,
                "time_utc": now_utc(),
                "verdict": result.verdict.value,
                "final_verdict": result.verdict.value,
                "review_outcome": None,
                "reasons": json.dumps(list(result.reasons), ensure_ascii=False),
                "error": result.error,
                "px_per_mm": None if scale is None else scale.px_per_mm,
                "scale_source": None if scale is None else scale.source.value,
                "od_mm": None if dims is None else dims.outer_diameter_mm,
                "id_mm": None if dims is None else dims.inner_diameter_mm,
                "cs_mm": None if dims is None else dims.cross_section_mm,
                "cs_min_mm": None if dims is None else dims.cross_section_min_mm,
                "cs_max_mm": None if dims is None else dims.cross_section_max_mm,
                "ovality_pct": None if dims is None else dims.ovality_pct,
                "n_defects": len(result.defects),
                "decode_ms": result.timing.decode_ms,
                "inspect_ms": result.timing.inspect_ms,
            },
        )
        repo.insert_defects(
            tx,
            [
                (
                    inspection_id,
                    idx,
                    jd.defect.type.value,
                    jd.defect.where.value,
                    jd.defect.bbox.x,
                    jd.defect.bbox.y,
                    jd.defect.bbox.w,
                    jd.defect.bbox.h,
                    jd.defect.angle_deg,
                    jd.defect.length_px,
                    jd.defect.width_px,
                    jd.defect.area_px,
                    jd.defect.score,
                    jd.length_mm,
                    jd.width_mm,
                    jd.area_mm2,
                    int(jd.reject),
                    int(jd.reject),
                    jd.reason,
                )
                for idx, jd in enumerate(result.defects, start=1)
            ],
        )
    return Recorded(RecordStatus.RECORDED, lot_no, seq, inspection_id)
