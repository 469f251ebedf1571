"""Inspection results as the command line prints them: JSON Lines and a readable table.

The JSON shape is a contract other tools parse; keep it exact (see the README).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from inspector.outcome import InspectionResult, Verdict


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def result_to_json(result: InspectionResult) -> dict[str, Any]:
    """The JSON object of one image, in the documented shape."""
    data: dict[str, Any] = {
        "image": result.image,
        "verdict": result.verdict.value,
        "reasons": list(result.reasons),
    }
    if result.verdict is Verdict.ERROR:
        data["error"] = result.error or "error"
    data["scale"] = (
        None
        if result.scale is None
        else {"px_per_mm": round(result.scale.px_per_mm, 4), "source": result.scale.source.value}
    )
    ring = result.inspection.ring if result.inspection is not None else None
    if ring is None:
        data["ring"] = None
    else:
        dims = result.dimensions
        data["ring"] = {
            "center_px": [round(ring.center_px[0], 3), round(ring.center_px[1], 3)],
            "outer_diameter_px": round(ring.outer_diameter_px, 3),
            "inner_diameter_px": round(ring.inner_diameter_px, 3),
            "outer_diameter_mm": _round(dims.outer_diameter_mm if dims else None, 4),
            "inner_diameter_mm": _round(dims.inner_diameter_mm if dims else None, 4),
            "cross_section_mm": _round(dims.cross_section_mm if dims else None, 4),
            "cross_section_min_mm": _round(dims.cross_section_min_mm if dims else None, 4),
            "cross_section_max_mm": _round(dims.cross_section_max_mm if dims else None, 4),
            "ovality_pct": round(ring.ovality_pct, 3),
        }
    data["defects"] = [
        {
            "type": judged.defect.type.value,
            "bbox_px": judged.defect.bbox.as_list(),
            "length_mm": _round(judged.length_mm, 4),
            "width_mm": _round(judged.width_mm, 4),
            "area_mm2": _round(judged.area_mm2, 5),
            "where": judged.defect.where.value,
            "reject": judged.reject,
        }
        for judged in result.defects
    ]
    data["timing_ms"] = {
        "decode": round(result.timing.decode_ms, 2),
        "inspect": round(result.timing.inspect_ms, 2),
    }
    return data


def json_line(result: InspectionResult) -> str:
    """One JSON Lines record (no trailing newline)."""
    return json.dumps(result_to_json(result), ensure_ascii=False, separators=(", ", ": "))


TABLE_HEADER = f"{'image':<34} {'verdict':<7} {'OD mm':>8} {'ID mm':>8} {'CS mm':>6}  findings"


def table_row(result: InspectionResult) -> str:
    """One readable line for a terminal."""
    name = result.image if len(result.image) <= 34 else "…" + result.image[-33:]
    dims = result.dimensions

    def mm(value: float | None, width: int) -> str:
        return f"{value:>{width}.3f}" if value is not None else f"{'-':>{width}}"

    od = mm(dims.outer_diameter_mm if dims else None, 8)
    id_ = mm(dims.inner_diameter_mm if dims else None, 8)
    cs = mm(dims.cross_section_mm if dims else None, 6)
    if result.verdict is Verdict.ERROR:
        findings = result.error or ""
    else:
        counts = Counter(j.defect.type.value for j in result.defects)
        findings = ", ".join(f"{n}× {kind}" for kind, n in sorted(counts.items())) or "no defects"
        if result.verdict is Verdict.FAIL and result.reasons:
            findings += " — " + "; ".join(result.reasons[:3])
            if len(result.reasons) > 3:
                findings += f"; +{len(result.reasons) - 3} more"
    return f"{name:<34} {result.verdict.value.upper():<7} {od} {id_} {cs}  {findings}"


def summary_line(results: Sequence[InspectionResult]) -> str:
    """``12 images: 9 pass, 2 fail, 1 error`` plus the scale used."""
    counts = Counter(r.verdict for r in results)
    scales = Counter(r.scale.source.value for r in results if r.scale is not None)
    scale_note = ", ".join(f"{n} by {source} scale" for source, n in sorted(scales.items()))
    text = (
        f"{len(results)} image{'s' if len(results) != 1 else ''}: "
        f"{counts[Verdict.PASS]} pass, {counts[Verdict.FAIL]} fail, {counts[Verdict.ERROR]} error"
    )
    unscaled = sum(1 for r in results if r.scale is None and r.verdict is not Verdict.ERROR)
    if scale_note:
        text += f" ({scale_note})"
    if unscaled:
        text += f"; {unscaled} without a scale: sizes unknown, every defect rejects"
    return text
