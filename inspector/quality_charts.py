"""The quality desk's charts as matplotlib figures, the same in the app and in PNG exports.

One function per chart takes :class:`~inspector.records.statistics.QualityData` and
returns a new :class:`matplotlib.figure.Figure` (never pyplot, so no global figure state:
the app puts the figure in a Qt canvas, :func:`save_png` writes it with Agg). Figures are
dark on light, sized for 900 × 500 px, and their titles say the chart, the filter and n.
Where a chart cannot be drawn (no rings, several parts, too few values) the figure says why
instead.

Statistics come from :mod:`inspector.quality_stats` (Montgomery's formulas).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from inspector import quality_stats as qs
from inspector.certificates.from_records import OTHER_NONCONFORMITY
from inspector.records.statistics import DimensionData, QualityData

__all__ = [
    "CHARTS",
    "FIGSIZE",
    "MAX_INDIVIDUALS",
    "ChartSpec",
    "Feature",
    "histogram_figure",
    "imr_figure",
    "p_chart_figure",
    "pareto_figure",
    "save_png",
    "subgroup_figure",
    "trend_figure",
]

Feature = Literal["id", "cs"]

#: Inches at 100 dpi: 900 × 500 px on screen; :func:`save_png` doubles the pixels.
FIGSIZE = (9.0, 5.0)
#: The I-MR chart shows the most recent rings only: beyond a few hundred points an
#: individuals chart is a smear (subgroup charts and histograms use every ring).
MAX_INDIVIDUALS = 500
#: Fewer rings than this get no normal curve over their histogram.
_MIN_FIT = 10
#: Below this many rings a capability index is too uncertain to read without a warning
#: (Montgomery ch. 8.3.5 shows wide confidence intervals for Cp at small n).
_MIN_CAPABILITY_N = 30
#: Montgomery (ch. 6.2) recommends 20–25 subgroups for trial control limits.
_MIN_SUBGROUPS_ADVISED = 20

#: Characters per footnote line: fits 900 px at 8 pt.
_NOTE_WIDTH = 150

_TEXT = "#1a1a1a"
_MUTED = "#5a5a5a"
_GRID = "#e3e3e3"
_DATA = "#2f5d8a"
_CENTER = "#2e7d32"
_LIMIT = "#c62828"
_OUT = "#d32f2f"
_SPEC = "#6a1b9a"
_BAND = "#efe6f5"
# Okabe & Ito's colour-blind-safe palette, one colour per defect type in the vocabulary's
# order, grey for rings failed on something else.
_TYPE_COLORS = {
    "scratch": "#E69F00",
    "crack": "#D55E00",
    "cut": "#CC79A7",
    "blister": "#56B4E9",
    "inclusion": "#009E73",
    "flash": "#0072B2",
    # Okabe-Ito's yellow (#F0E442) vanishes on white; a darker olive keeps the hue family.
    "non_fill": "#b5a300",
    "stain": "#8c6d31",
    OTHER_NONCONFORMITY: "#999999",
}
_FEATURE_NAMES: dict[Feature, str] = {"id": "ID (inside diameter)", "cs": "CS (cross-section)"}


def _type_color(kind: str) -> str:
    return _TYPE_COLORS.get(kind, "#444444")


def _type_label(kind: str) -> str:
    """``non_fill`` → ``non fill``; long names on two lines so neighbours do not collide."""
    return "\n".join(textwrap.wrap(kind.replace("_", " "), 11))


def _new_figure() -> Figure:
    fig = Figure(figsize=FIGSIZE, dpi=100, layout="constrained", facecolor="white")
    return fig


def _style(ax: Axes) -> None:
    ax.set_facecolor("white")
    ax.grid(True, color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8, colors=_TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9a9a9a")


def _titles(fig: Figure, title: str, subtitle: str, notes: list[str] | None = None) -> None:
    fig.suptitle(
        f"{title}\n{subtitle}", x=0.01, ha="left", fontsize=11, color=_TEXT, linespacing=1.5
    )
    if notes:
        # Wrapped by hand: a figure-level label does not wrap, and the canvas may be narrow.
        lines = [line for note in notes for line in textwrap.wrap(note, _NOTE_WIDTH)]
        fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=8, color=_MUTED)


def _message(title: str, subtitle: str, message: str) -> Figure:
    fig = _new_figure()
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=12,
        color=_MUTED,
        wrap=True,
        transform=ax.transAxes,
    )
    _titles(fig, title, subtitle)
    return fig


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _rings(n: int) -> str:
    return _count(n, "ring")


# --- Pareto ----------------------------------------------------------------------------------


def pareto_figure(data: QualityData) -> Figure:
    """Bars of defects by type, most frequent first, with the cumulative share."""
    title = "Pareto of defect types"
    result = qs.pareto(data.defects)
    subtitle = (
        f"{data.description} · {result.total:,} defects on {_rings(data.inspected)} inspected"
    )
    if not result.total:
        text = "No rings match the filter." if not data.inspected else "No defects called."
        return _message(title, subtitle, text)
    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax)
    x = np.arange(len(result.labels))
    bars = ax.bar(x, result.counts, color=[_type_color(k) for k in result.labels], width=0.7)
    ax.bar_label(bars, labels=[f"{c:,}" for c in result.counts], fontsize=8, color=_TEXT, padding=2)
    ax.set_xticks(x, [_type_label(k) for k in result.labels], fontsize=9)
    ax.set_ylabel("defects", fontsize=9, color=_TEXT)
    ax.set_ylim(0, result.counts.max() * 1.15)
    share = ax.twinx()
    share.plot(x, result.cumulative_pct, color=_TEXT, marker="o", markersize=4, linewidth=1.4)
    share.axhline(80, color=_MUTED, linestyle=":", linewidth=1)
    share.set_ylim(0, 105)
    share.set_ylabel("cumulative %", fontsize=9, color=_TEXT)
    share.tick_params(labelsize=8, colors=_TEXT)
    share.spines["top"].set_visible(False)
    notes = [
        "Defects as finally called after review: overruled calls and the defects of rings "
        f"overruled to pass are excluded ({data.overruled_calls:,} here).",
        f"A failed ring without a rejecting defect counts once as '{OTHER_NONCONFORMITY}'. "
        "Dotted line: 80 %.",
    ]
    _titles(fig, title, subtitle, notes)
    return fig


# --- p-chart ---------------------------------------------------------------------------------


def _lot_ticks(ax: Axes, labels: tuple[str, ...]) -> None:
    x = np.arange(len(labels))
    step = max(1, int(np.ceil(len(labels) / 30)))
    ax.set_xticks(x[::step], [labels[i] for i in x[::step]], rotation=45, ha="right", fontsize=7)
    ax.set_xlim(-0.6, len(labels) - 0.4)


def _steps(ax: Axes, y: npt.NDArray[np.float64], **style: Any) -> None:
    """Per-subgroup limits as flat steps centred on each point."""
    x = np.arange(y.size)
    ax.step(np.r_[x - 0.5, x[-1] + 0.5], np.r_[y, y[-1]], where="post", **style)


def _ring_out(
    ax: Axes,
    x: npt.NDArray[Any],
    y: npt.NDArray[np.float64],
    out: npt.NDArray[np.bool_],
    **style: Any,
) -> None:
    """Circle the points beyond the control limits (``out`` true), as every control chart does.

    ``style`` overrides the circle's size and line width, or adds a legend ``label``.
    """
    if out.any():
        circle: dict[str, Any] = {
            "linestyle": "none",
            "marker": "o",
            "markersize": 8,
            "markerfacecolor": "none",
            "markeredgecolor": _OUT,
            "markeredgewidth": 1.6,
        }
        ax.plot(x[out], y[out], **(circle | style))


def p_chart_figure(data: QualityData) -> Figure:
    """Fraction nonconforming of each lot with its own 3-sigma limits (per lot size)."""
    title = "p-chart: lot fraction nonconforming"
    lots = [lot for lot in data.lots if lot.inspected > 0]
    n_total = sum(lot.inspected for lot in lots)
    subtitle = f"{data.description} · {_count(len(lots), 'lot')}, n = {_rings(n_total)}"
    if not lots:
        return _message(title, subtitle, "No inspected rings match the filter.")
    chart = qs.p_chart(
        [lot.lot_no for lot in lots],
        [lot.nonconforming for lot in lots],
        [lot.inspected for lot in lots],
    )
    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax)
    x = np.arange(len(lots))
    pct = 100.0 * chart.p
    _steps(ax, 100.0 * chart.ucl, color=_LIMIT, linewidth=1.2, label="UCL / LCL")
    _steps(ax, 100.0 * chart.lcl, color=_LIMIT, linewidth=1.2)
    ax.axhline(100.0 * chart.p_bar, color=_CENTER, linewidth=1.2, label="p̄")
    ax.plot(x, pct, color=_DATA, marker="o", markersize=4, linewidth=1, label="lot")
    out = chart.out_of_control
    _ring_out(ax, x, pct, out, label="out of limits")
    ax.set_ylabel("nonconforming %", fontsize=9, color=_TEXT)
    ax.set_ylim(bottom=0)
    _lot_ticks(ax, chart.labels)
    ax.legend(fontsize=8, loc="upper left", frameon=False, ncols=4)
    ax.set_ylim(top=max(float(pct.max()), float(100.0 * chart.ucl.max())) * 1.18 + 0.5)
    subtitle += f" · p̄ = {100 * chart.p_bar:.2f} % · {int(out.sum())} out of limits"
    notes = [
        "Limits p̄ ± 3·√(p̄(1 − p̄)/nᵢ) for each lot's ring count nᵢ, clipped to 0–100 % "
        "(Montgomery, Introduction to SQC, §7.2.2). Final verdicts after review."
    ]
    biased = [
        name
        for name, value in (
            ("verdict", data.selection.verdict),
            ("defect type", data.selection.defect_type),
            ("review", data.selection.review),
        )
        if value
    ]
    if biased:
        notes.append(
            f"Caution: the filter selects rings by {' and '.join(biased)}, so these are not "
            "the lots' own fractions."
        )
    _titles(fig, title, subtitle, notes)
    return fig


# --- trend -----------------------------------------------------------------------------------


def _bin_label(start: date, unit: str) -> str:
    if unit == "week":
        return f"week of {start.isoformat()}"
    return start.strftime("%Y-%m") if unit == "month" else start.isoformat()


def _bin_edges(starts: tuple[date, ...], unit: str) -> list[date]:
    return [*starts, starts[-1] + timedelta(days={"day": 1, "week": 7}.get(unit, 31))]


def trend_figure(data: QualityData) -> Figure:
    """Defects of each type per day, week or month, and per 100 rings inspected."""
    title = "Defect trend by type"
    result = qs.trend(data.defects_by_day, data.inspected_by_day)
    total = sum(data.defects.values())
    if result is None or not result.types:
        subtitle = f"{data.description} · {total:,} defects on {_rings(data.inspected)}"
        text = "No rings match the filter." if not data.inspected else "No defects called."
        return _message(title, subtitle, text)
    subtitle = (
        f"{data.description} · per {result.unit} (UTC) · {total:,} defects on "
        f"{_rings(data.inspected)}"
    )
    fig = _new_figure()
    top, bottom = fig.subplots(2, 1, sharex=True)
    # Points at the middle of their bin, as dates, so weeks and months read on the axis.
    edges = np.array(_bin_edges(result.starts, result.unit), dtype="datetime64[D]")
    edges_h = edges.astype("datetime64[h]")
    x = edges_h[:-1] + np.diff(edges_h) // 2
    # A bin without inspected rings has no count, not a count of zero: leave a gap.
    counts = np.where(result.inspected > 0, result.counts.astype(np.float64), np.nan)
    for i, kind in enumerate(result.types):
        style = {"color": _type_color(kind), "marker": "o", "markersize": 3, "linewidth": 1.4}
        top.plot(x, counts[i], label=kind.replace("_", " "), **style)
        bottom.plot(x, result.rate_per_100[i], **style)
    for ax in (top, bottom):
        _style(ax)
        ax.set_ylim(bottom=0)
    top.set_ylabel("defects", fontsize=9, color=_TEXT)
    bottom.set_ylabel("per 100 rings", fontsize=9, color=_TEXT)
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    # Autoscaling around a single date spans years; pin the axis to the bins instead, and
    # name few bins one by one rather than by hours between them.
    bottom.set_xlim(edges_h[0] - np.diff(edges_h)[0] // 2, edges_h[-1] + np.diff(edges_h)[-1] // 2)
    if len(result.starts) <= 14:
        bottom.set_xticks(x, [_bin_label(start, result.unit) for start in result.starts])
    bottom.tick_params(axis="x", labelrotation=30)
    notes = [
        "Defects as finally called after review (overruled calls excluded); rate = defects "
        f"per 100 rings inspected in the {result.unit}."
    ]
    _titles(fig, title, subtitle, notes)
    return fig


# --- dimensions ------------------------------------------------------------------------------


def _dimension_subject(data: QualityData, title: str) -> tuple[DimensionData | None, Figure | None]:
    """The part's dimensions, or a figure saying why there are none."""
    if data.dimensions is not None:
        return data.dimensions, None
    if len(data.parts) > 1:
        shown = ", ".join(data.parts[:6]) + (", …" if len(data.parts) > 6 else "")
        return None, _message(
            title,
            f"{data.description} · {len(data.parts)} parts",
            f"Choose one part: the filter spans {len(data.parts)} parts ({shown}),\n"
            "and tolerances differ between parts.",
        )
    return None, _message(title, data.description, "No rings match the filter.")


def _subject(data: QualityData, dims: DimensionData) -> str:
    """The filter's words, led by the part unless the filter already names it."""
    if data.selection.part:
        return data.description
    return f"part {dims.part} · {data.description}"


def _values(dims: DimensionData, feature: Feature) -> tuple[npt.NDArray[np.float64], ...]:
    """(values, lot index of each), rings without that measurement dropped."""
    raw = dims.id_mm if feature == "id" else dims.cs_mm
    keep = ~np.isnan(raw)
    return raw[keep], dims.ring_lot[keep].astype(np.float64)


def _limits(dims: DimensionData, feature: Feature) -> tuple[float, float, float]:
    if feature == "id":
        nominal, tol = dims.id_nominal_mm, dims.id_tol_mm
    else:
        nominal, tol = dims.cs_nominal_mm, dims.cs_tol_mm
    return nominal - tol, nominal, nominal + tol


def _dimension_notes(data: QualityData, dims: DimensionData) -> list[str]:
    notes = []
    if data.unmeasured:
        notes.append(
            f"{_rings(data.unmeasured)} measured on the nominal-scale estimate left out "
            "(not measurements)."
        )
    if dims.note:
        notes.append(dims.note[:1].upper() + dims.note[1:] + ".")
    return notes


def _no_values(title: str, subtitle: str, data: QualityData, feature: Feature) -> Figure:
    why = f"No measured {feature.upper()} values"
    if data.unmeasured:
        why += f": {_rings(data.unmeasured)} had only the nominal-scale estimate"
    return _message(title, subtitle, why + ".")


def _limit_label(ax: Axes, y: float, text: str, color: str) -> None:
    ax.annotate(
        f"{text} {y:.3f}",
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(3, 0),
        textcoords="offset points",
        va="center",
        fontsize=7,
        color=color,
    )


def imr_figure(data: QualityData, feature: Feature) -> Figure:
    """Individuals and moving-range chart of the most recent measured rings of one part."""
    name = _FEATURE_NAMES[feature]
    title = f"{name}: individuals and moving range (I-MR)"
    dims, message = _dimension_subject(data, title)
    if dims is None:
        assert message is not None
        return message
    values, _ = _values(dims, feature)
    shown = values[-MAX_INDIVIDUALS:]
    subtitle = f"{_subject(data, dims)} · n = {_rings(values.size)} measured"
    if values.size > shown.size:
        subtitle += f" (the last {shown.size:,} shown)"
    chart = qs.imr_chart(shown)
    if chart is None:
        if values.size == 0:
            return _no_values(title, subtitle, data, feature)
        return _message(title, subtitle, "An I-MR chart needs at least two measured rings.")
    fig = _new_figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = np.arange(1, chart.x.size + 1)
    for ax, y, out, center, ucl, lcl, label in (
        (top, chart.x, chart.out_x, chart.center, chart.ucl_x, chart.lcl_x, "mm"),
        (bottom, chart.mr, chart.out_mr, chart.mr_bar, chart.ucl_mr, None, "moving range, mm"),
    ):
        _style(ax)
        xs = x if y.size == x.size else x[1:]
        ax.plot(xs, y, color=_DATA, marker="o", markersize=2.5, linewidth=0.8)
        # Smaller rings than on the lot charts: an I-MR chart shows hundreds of points.
        _ring_out(ax, xs, y, out, markersize=6, markeredgewidth=1.4)
        ax.axhline(center, color=_CENTER, linewidth=1.1)
        _limit_label(ax, center, "CL", _CENTER)
        ax.axhline(ucl, color=_LIMIT, linewidth=1.1, linestyle="--")
        _limit_label(ax, ucl, "UCL", _LIMIT)
        if lcl is not None:
            ax.axhline(lcl, color=_LIMIT, linewidth=1.1, linestyle="--")
            _limit_label(ax, lcl, "LCL", _LIMIT)
        ax.set_ylabel(label, fontsize=9, color=_TEXT)
    bottom.set_xlabel("ring (oldest first)", fontsize=9, color=_TEXT)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylim(bottom=0)
    subtitle += f" · {int(chart.out_x.sum())} out of limits"
    notes = [
        "Limits x̄ ± 2.660·MR̄ and 3.267·MR̄ from the rings shown (d2 = 1.128, D4 = 3.267; "
        "Montgomery, Introduction to SQC, §6.4). Measured scales only.",
        *_dimension_notes(data, dims),
    ]
    _titles(fig, title, subtitle, notes)
    return fig


def subgroup_figure(data: QualityData, feature: Feature) -> Figure:
    """X̄-R (equal lot subgroups of 2…10 rings) or X̄-S chart, one subgroup per lot."""
    name = _FEATURE_NAMES[feature]
    dims, message = _dimension_subject(data, f"{name}: X̄-R / X̄-S by lot")
    if dims is None:
        assert message is not None
        return message
    values, lot_of = _values(dims, feature)
    groups = [values[lot_of == k] for k in range(len(dims.lots))]
    chart = qs.subgroup_chart(groups, list(dims.lots))
    kind = "X̄-S" if chart is None or chart.kind == "xbar-s" else "X̄-R"
    title = f"{name}: {kind} chart, one subgroup per lot"
    subtitle = f"{_subject(data, dims)} · n = {_rings(values.size)} measured"
    if values.size == 0:
        return _no_values(title, subtitle, data, feature)
    if chart is None or len(chart.labels) < 2:
        return _message(
            title,
            subtitle,
            "Subgroup charts need at least two lots with two or more measured rings each;\n"
            "see the I-MR chart for single rings.",
        )
    subtitle += f" · {len(chart.labels)} lots"
    fig = _new_figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    spread_name = "range R" if chart.kind == "xbar-r" else "std dev s"
    for ax, y, out, center, ucl, lcl, label in (
        (top, chart.means, chart.out_x, chart.grand_mean, chart.ucl_x, chart.lcl_x, "lot mean, mm"),
        (
            bottom,
            chart.spreads,
            chart.out_spread,
            chart.spread_bar,
            chart.ucl_spread,
            chart.lcl_spread,
            f"{spread_name}, mm",
        ),
    ):
        _style(ax)
        x = np.arange(y.size)
        _steps(ax, ucl, color=_LIMIT, linewidth=1.1, linestyle="--")
        _steps(ax, lcl, color=_LIMIT, linewidth=1.1, linestyle="--")
        ax.axhline(center, color=_CENTER, linewidth=1.1)
        _limit_label(ax, center, "CL", _CENTER)
        _limit_label(ax, float(ucl[-1]), "UCL", _LIMIT)
        _limit_label(ax, float(lcl[-1]), "LCL", _LIMIT)
        ax.plot(x, y, color=_DATA, marker="o", markersize=4, linewidth=1)
        _ring_out(ax, x, y, out)
        ax.set_ylabel(label, fontsize=9, color=_TEXT)
    _lot_ticks(bottom, chart.labels)
    subtitle += f" · {int(chart.out_x.sum() + chart.out_spread.sum())} out of limits"
    sizes = (
        f"n = {int(chart.sizes[0])} per lot"
        if np.all(chart.sizes == chart.sizes[0])
        else (f"{int(chart.sizes.min())}–{int(chart.sizes.max())} rings per lot")
    )
    if chart.kind == "xbar-r":
        n = int(chart.sizes[0])
        a2, d3, d4, _ = qs.XBAR_R_CONSTANTS[n]
        how = f"X̄-R, {sizes}: A2 = {a2}, D3 = {d3}, D4 = {d4} (Montgomery, Appendix VI)."
    else:
        why = "lots differ in size" if "–" in sizes else "lots hold more than 10 rings"
        how = (
            f"X̄-S ({why}; {sizes}): limits x̿ ± A3·s̄ and B3·s̄, B4·s̄ from c4(n) for each lot "
            "(Montgomery, §6.3.2)."
        )
    notes = [how]
    if chart.skipped:
        notes.append(f"{len(chart.skipped)} lots with fewer than two measured rings left out.")
    if len(chart.labels) < _MIN_SUBGROUPS_ADVISED:
        notes.append(
            f"Limits from only {len(chart.labels)} lots are rough: 20–25 subgroups are advised."
        )
    notes += _dimension_notes(data, dims)
    _titles(fig, title, subtitle, notes)
    return fig


def histogram_figure(data: QualityData, feature: Feature) -> Figure:
    """Histogram of one part's measured values against LSL/USL, with Cp and Cpk."""
    name = _FEATURE_NAMES[feature]
    title = f"{name}: histogram and capability"
    dims, message = _dimension_subject(data, title)
    if dims is None:
        assert message is not None
        return message
    values, _ = _values(dims, feature)
    lsl, nominal, usl = _limits(dims, feature)
    subtitle = f"{_subject(data, dims)} · {dims.recipe} · n = {_rings(values.size)} measured"
    if values.size == 0:
        return _no_values(title, subtitle, data, feature)
    cap = qs.capability(values, lsl=lsl, usl=usl)
    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax)
    span = usl - lsl
    lo = min(lsl - 0.3 * span, float(values.min()))
    hi = max(usl + 0.3 * span, float(values.max()))
    bins = int(np.clip(np.ceil(2 * np.sqrt(values.size)), 8, 60))
    ax.axvspan(lsl, usl, color=_BAND, zorder=0)
    counts, edges, _ = ax.hist(
        values, bins=bins, range=(lo, hi), color=_DATA, edgecolor="white", linewidth=0.5, zorder=2
    )
    # A fitted curve over a handful of rings claims a shape the data cannot show.
    if cap.n >= _MIN_FIT and cap.std is not None and cap.mean is not None and cap.cp is not None:
        grid = np.linspace(lo, hi, 300)
        density = np.exp(-0.5 * ((grid - cap.mean) / cap.std) ** 2) / (cap.std * np.sqrt(2 * np.pi))
        ax.plot(
            grid,
            density * values.size * (edges[1] - edges[0]),
            color=_TEXT,
            linewidth=1,
            zorder=3,
            label="normal fit",
        )
    for x, label, style in (
        (lsl, "LSL", "-"),
        (usl, "USL", "-"),
        (nominal, "nominal", ":"),
    ):
        ax.axvline(x, color=_SPEC, linestyle=style, linewidth=1.4, zorder=4)
        ax.annotate(
            f"{label}\n{x:.3f}",
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
            color=_SPEC,
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, max(1.0, float(np.max(counts))) * 1.1)
    ax.set_xlabel("mm", fontsize=9, color=_TEXT)
    ax.set_ylabel("rings", fontsize=9, color=_TEXT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    def fmt(v: float | None, digits: int) -> str:
        return "n/a" if v is None else f"{v:.{digits}f}"

    box = "\n".join(
        (
            f"n = {cap.n:,}",
            f"mean = {fmt(cap.mean, 4)} mm",
            f"s = {fmt(cap.std, 4)} mm",
            f"Cp = {fmt(cap.cp, 2)}",
            f"Cpk = {fmt(cap.cpk, 2)}",
            f"below LSL: {cap.below:,}",
            f"above USL: {cap.above:,}",
        )
    )
    ax.text(
        0.99,
        0.97,
        box,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color=_TEXT,
        family="monospace",
        multialignment="left",
        zorder=5,
        bbox={"facecolor": "white", "edgecolor": "#9a9a9a", "boxstyle": "round,pad=0.4"},
    )
    subtitle += f" · Cpk = {fmt(cap.cpk, 2)}"
    notes = [
        f"Tolerance {nominal:.3f} ± {usl - nominal:.3f} mm from the recipe snapshot "
        f"{dims.recipe}. Cp = (USL − LSL)/6s, Cpk = min(USL − x̄, x̄ − LSL)/3s, s the "
        "sample standard deviation (Montgomery, §8.3); n/a when n < 2 or no spread.",
        *(
            [f"Only {cap.n} rings: Cp and Cpk are rough estimates (30 or more are advised)."]
            if 2 <= cap.n < _MIN_CAPABILITY_N
            else []
        ),
        *_dimension_notes(data, dims),
    ]
    _titles(fig, title, subtitle, notes)
    return fig


# --- the set of charts and export ------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the desk: a short key (file name), a tab label and its builder."""

    key: str
    label: str
    build: Callable[[QualityData], Figure]


def _feature(
    builder: Callable[[QualityData, Feature], Figure], feature: Feature
) -> Callable[[QualityData], Figure]:
    def build(data: QualityData) -> Figure:
        return builder(data, feature)

    return build


#: Every chart, in the order the desk shows them.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("pareto", "Pareto", pareto_figure),
    ChartSpec("p-chart", "p-chart", p_chart_figure),
    ChartSpec("trend", "Trend", trend_figure),
    ChartSpec("id-imr", "ID I-MR", _feature(imr_figure, "id")),
    ChartSpec("cs-imr", "CS I-MR", _feature(imr_figure, "cs")),
    ChartSpec("id-xbar", "ID Xbar-R/S", _feature(subgroup_figure, "id")),
    ChartSpec("cs-xbar", "CS Xbar-R/S", _feature(subgroup_figure, "cs")),
    ChartSpec("id-histogram", "ID histogram", _feature(histogram_figure, "id")),
    ChartSpec("cs-histogram", "CS histogram", _feature(histogram_figure, "cs")),
)


def save_png(fig: Figure, path: Path | str, *, dpi: int = 200) -> Path:
    """Write ``fig`` as a PNG (900 × 500 px figures become 1800 × 1000 at the default dpi).

    savefig draws with Agg whatever canvas shows the figure (a bare Figure, or Qt's
    canvas in the app) and leaves the figure's size and dpi as they were.

    Raises
    ------
    OSError
        The file cannot be written.
    """
    out = Path(path)
    # metadata None drops matplotlib's "Software" chunk; PNG has no date by default.
    fig.savefig(out, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return out
