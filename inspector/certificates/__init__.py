"""Certificates of Conformance for seal lots: model, canonical digest, PDF, verification.

The core of this package depends on nothing but its own plain data model
(:class:`Certificate`); :mod:`inspector.certificates.from_records` (when present) is the
thin step from the lot records to that model.
"""

from inspector.certificates.charts import histogram_png
from inspector.certificates.digest import (
    CanonicalFormError,
    canonical_json,
    certificate_digest,
    from_canonical_json,
)
from inspector.certificates.model import (
    AttributeSampling,
    Certificate,
    Compound,
    DefectCount,
    Dimension,
    DimensionStats,
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
    dimension_stats,
)
from inspector.certificates.numbering import (
    format_certificate_number,
    next_certificate_number,
    parse_certificate_number,
)
from inspector.certificates.render import PageSize, RenderOptions, render_certificate
from inspector.certificates.verify import (
    RecordsAnswer,
    Verdict,
    Verification,
    verify_certificate,
)

__all__ = [
    "AttributeSampling",
    "CanonicalFormError",
    "Certificate",
    "Compound",
    "DefectCount",
    "Dimension",
    "DimensionStats",
    "FullInspection",
    "InspectionResults",
    "Lot",
    "OrderLine",
    "PageSize",
    "Party",
    "Product",
    "RecordsAnswer",
    "RenderOptions",
    "SamplingPlan",
    "Severity",
    "Signature",
    "Thumbnail",
    "Verdict",
    "Verification",
    "canonical_json",
    "certificate_digest",
    "dimension_stats",
    "format_certificate_number",
    "from_canonical_json",
    "histogram_png",
    "next_certificate_number",
    "parse_certificate_number",
    "render_certificate",
    "verify_certificate",
]
