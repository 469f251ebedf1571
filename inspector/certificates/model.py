"""What a Certificate of Conformance for a seal lot says, as plain frozen dataclasses.

Everything printed on the certificate is in :class:`Certificate`, and nothing else is:
the PDF (:mod:`~inspector.certificates.render`) and the content digest
(:mod:`~inspector.certificates.digest`) are both functions of this model alone. The fields
follow what fabs expect on a seal-lot CoC (supplier, customer, PO, parts, compound, lot,
cure quarter, inspection standard, ISO 2859-1 sampling plan, results, dimensions,
cleaning and packaging, conformance statement, electronic signature of the approver).

Lengths are in mm. Times are timezone-aware UTC :class:`~datetime.datetime` values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

__all__ = [
    "AttributeSampling",
    "Certificate",
    "Compound",
    "DefectCount",
    "Dimension",
    "DimensionStats",
    "FullInspection",
    "InspectionResults",
    "Lot",
    "OrderLine",
    "Party",
    "Product",
    "SamplingPlan",
    "Severity",
    "Signature",
    "Thumbnail",
    "dimension_stats",
]


class Severity(Enum):
    """ISO 2859-1 inspection severity in force for the lot."""

    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"


@dataclass(frozen=True)
class Party:
    """A company on the certificate: the supplier or the customer (fab)."""

    name: str
    address: tuple[str, ...]


@dataclass(frozen=True)
class OrderLine:
    """The customer's purchase order line and the part it calls for."""

    po: str
    line: str
    customer_part: str
    drawing: str
    revision: str


@dataclass(frozen=True)
class Compound:
    """The elastomer compound, e.g. FFKM grade, colour and hardness (``75 Shore A``)."""

    name: str
    colour: str
    hardness: str

    @property
    def text(self) -> str:
        return f"{self.name}, {self.colour}, {self.hardness}"


@dataclass(frozen=True)
class Product:
    """The supplier's part (e.g. ``AS568-214``) and its compound."""

    supplier_part: str
    compound: Compound


@dataclass(frozen=True)
class Lot:
    """The shipped lot.

    ``cure_quarter`` is the cure date as a quarter, e.g. ``4Q26`` (FFKM shelf life is
    unlimited per SAE ARP5316, so no expiry date is printed).
    """

    lot_number: str
    compound_batch: str
    cure_quarter: str
    quantity_shipped: int


@dataclass(frozen=True)
class AttributeSampling:
    """An ISO 2859-1 single sampling plan: level, AQL, sample size and Ac/Re."""

    level: str
    aql: float
    sample_size: int
    accept: int
    reject: int
    severity: Severity

    @property
    def text(self) -> str:
        return (
            f"ISO 2859-1 single sampling, level {self.level}, AQL {self.aql}, "
            f"{self.severity.value} inspection: n = {self.sample_size}, "
            f"Ac {self.accept} / Re {self.reject}"
        )


@dataclass(frozen=True)
class FullInspection:
    """Every ring of the lot was inspected (no sampling)."""

    note: str = "100 % inspected"

    @property
    def text(self) -> str:
        return self.note


SamplingPlan = AttributeSampling | FullInspection


@dataclass(frozen=True)
class DefectCount:
    """How many defects of one type were found (``type`` as the engine names it)."""

    type: str
    count: int


@dataclass(frozen=True)
class InspectionResults:
    """Units inspected, nonconforming units and defects by type."""

    inspected: int
    nonconforming: int
    defects: tuple[DefectCount, ...]


@dataclass(frozen=True)
class Dimension:
    """One measured feature (``ID``, ``CS``, ...) with every measured value.

    Tolerances are given as positive magnitudes below and above nominal, so the limits
    are ``nominal - tol_minus`` and ``nominal + tol_plus`` (mm).
    """

    name: str
    nominal_mm: float
    tol_minus_mm: float
    tol_plus_mm: float
    values_mm: tuple[float, ...]

    @property
    def lsl(self) -> float:
        return self.nominal_mm - self.tol_minus_mm

    @property
    def usl(self) -> float:
        return self.nominal_mm + self.tol_plus_mm

    @property
    def tolerance_text(self) -> str:
        if self.tol_minus_mm == self.tol_plus_mm:
            return f"± {self.tol_plus_mm:.2f}"
        return f"+{self.tol_plus_mm:.2f} / −{self.tol_minus_mm:.2f}"

    def stats(self) -> DimensionStats:
        return dimension_stats(self.values_mm, lsl=self.lsl, usl=self.usl)


@dataclass(frozen=True)
class DimensionStats:
    """Summary of one dimension: ``std`` is the sample standard deviation (n − 1).

    ``std`` is None when n < 2; ``cpk`` is None when n < 2 or the deviation is 0, and
    every field but ``n`` is None when n = 0.
    """

    n: int
    mean: float | None
    minimum: float | None
    maximum: float | None
    std: float | None
    cpk: float | None


#: Standard deviations below this (mm) count as zero for Cpk.
NEGLIGIBLE_SPREAD_MM = 1e-6


def dimension_stats(values: tuple[float, ...], *, lsl: float, usl: float) -> DimensionStats:
    """n, mean, min, max, sample standard deviation and Cpk of measured values (mm).

    Cpk = min(USL − mean, mean − LSL) / (3 s), with s the sample standard deviation; it is
    undefined (None, printed "n/a") when n < 2 or s = 0. Sums use :func:`math.fsum` so the
    figures do not depend on the order of summation.
    """
    n = len(values)
    if n == 0:
        return DimensionStats(0, None, None, None, None, None)
    mean = math.fsum(values) / n
    lo, hi = min(values), max(values)
    if n < 2:
        return DimensionStats(n, mean, lo, hi, None, None)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    # A spread below a nanometre is rounding, not variation: Cpk would be a meaningless
    # huge number, so it is reported as not applicable, like a spread of exactly zero.
    cpk = None if std < NEGLIGIBLE_SPREAD_MM else min(usl - mean, mean - lsl) / (3 * std)
    return DimensionStats(n, mean, lo, hi, std, cpk)


@dataclass(frozen=True)
class Signature:
    """The approver's electronic signature: printed name, title, UTC time and meaning."""

    name: str
    title: str
    signed_at: datetime
    meaning: str

    def __post_init__(self) -> None:
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() != timedelta(0):
            raise ValueError("Signature.signed_at must be a timezone-aware UTC datetime")


@dataclass(frozen=True)
class Thumbnail:
    """An already-rendered image of a rejected ring with its defects outlined.

    ``png`` holds the PNG file bytes (make them with :meth:`from_array` from
    :func:`inspector.imaging.overlay.draw_overlay` output). They are embedded losslessly.
    """

    caption: str
    png: bytes

    @classmethod
    def from_array(cls, image: object, *, caption: str, max_side_px: int = 480) -> Thumbnail:
        """Encode an (H, W) or (H, W, 3) BGR uint8 ndarray as a PNG thumbnail.

        The image is shrunk (area interpolation) so its longer side is at most
        ``max_side_px``; the input is not modified.
        """
        import cv2
        import numpy as np

        array = np.asarray(image)
        if array.dtype != np.uint8:
            raise ValueError(f"thumbnail pixels must be uint8, got {array.dtype}")
        h, w = array.shape[:2]
        scale = max_side_px / max(h, w)
        if scale < 1:
            # cv2.resize takes the size as (width, height), numpy's shape is (rows, cols).
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            array = cv2.resize(array, size, interpolation=cv2.INTER_AREA)
        ok, buffer = cv2.imencode(".png", array, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not ok:
            raise ValueError("could not encode the thumbnail as PNG")
        return cls(caption=caption, png=bytes(buffer))


@dataclass(frozen=True)
class Certificate:
    """Everything a Certificate of Conformance prints, and nothing more."""

    number: str
    issue_date: date
    supplier: Party
    customer: Party
    order: OrderLine
    product: Product
    lot: Lot
    inspection_standard: str
    sampling: SamplingPlan
    results: InspectionResults
    dimensions: tuple[Dimension, ...]
    recipe_version: str
    engine_version: str
    cleaning_packaging: str
    conformance_statement: str
    signature: Signature
    thumbnails: tuple[Thumbnail, ...] = field(default=())
