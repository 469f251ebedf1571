"""A fixed, realistic example certificate for tests, the golden PDF and documentation.

Measured values come from a seeded :class:`numpy.random.Generator`, so the example is
the same on every machine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from inspector.certificates.model import (
    AttributeSampling,
    Certificate,
    Compound,
    DefectCount,
    Dimension,
    InspectionResults,
    Lot,
    OrderLine,
    Party,
    Product,
    Severity,
    Signature,
)

__all__ = ["example_certificate"]


def example_certificate(*, seed: int = 2026, n: int = 80) -> Certificate:
    """An AS568-214 FFKM lot sampled at ISO 2859-1 level II, AQL 0.65 (n = 80, Ac 1 / Re 2)."""
    rng = np.random.default_rng(seed)
    id_values = tuple(round(float(v), 3) for v in rng.normal(25.01, 0.045, n))
    cs_values = tuple(round(float(v), 3) for v in rng.normal(3.532, 0.012, n))
    return Certificate(
        number="COC-2026-00042",
        issue_date=date(2026, 3, 12),
        supplier=Party(
            "Kestrel Elastomer Works GmbH",
            ("Industriestraße 14", "72760 Reutlingen", "Germany"),
        ),
        customer=Party(
            "Northgate Semiconductor Fab 3",
            (
                "Receiving inspection, Dock B",
                "2200 Mission College Blvd",
                "Santa Clara, CA 95054",
                "USA",
            ),
        ),
        order=OrderLine(
            po="4500118832",
            line="20",
            customer_part="NG-SEAL-0214-K",
            drawing="NG-D-77104",
            revision="C",
        ),
        product=Product(
            supplier_part="AS568-214",
            compound=Compound("FFKM K-8575 (semiconductor grade)", "white", "75 Shore A"),
        ),
        lot=Lot(
            lot_number="L26-0311-07",
            compound_batch="CB-26-0192",
            cure_quarter="1Q26",
            quantity_shipped=1000,
        ),
        inspection_standard="ISO 3601-3 grade N; fab: any defect ≥ 0.10 mm rejects",
        sampling=AttributeSampling(
            level="II", aql=0.65, sample_size=80, accept=1, reject=2, severity=Severity.NORMAL
        ),
        results=InspectionResults(
            inspected=80,
            nonconforming=1,
            defects=(DefectCount("inclusion", 1), DefectCount("flash", 0)),
        ),
        dimensions=(
            Dimension("ID (inside diameter)", 24.99, 0.25, 0.25, id_values),
            Dimension("CS (cross-section)", 3.53, 0.10, 0.10, cs_values),
        ),
        recipe_version="AS568-214 / FFKM-white v3 (sha256 9f2c41d07a1e)",
        engine_version="seal-inspector engine 1.0.0",
        cleaning_packaging=(
            "Cleaned in ultrapure DI water (18 MΩ·cm), dried in a class 100 (ISO 5) "
            "cleanroom, double-bagged in cleanroom-grade polyethylene, 50 rings per inner bag."
        ),
        conformance_statement=(
            "We certify that the seal rings of this lot were manufactured, inspected and "
            "packaged in accordance with the purchase order, the drawing and the standards "
            "stated above, and that they conform to these requirements."
        ),
        signature=Signature(
            name="Dr. Anna Vogel",
            title="Quality Manager",
            signed_at=datetime(2026, 3, 12, 14, 5, 31, tzinfo=UTC),
            meaning="approved",
        ),
    )
