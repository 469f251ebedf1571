"""Histograms of measured dimensions against their tolerance band, as deterministic PNGs.

Drawn with matplotlib's Agg canvas on a private :class:`~matplotlib.figure.Figure` (no
pyplot, so no global figure state), at a fixed DPI, with the PNG metadata stripped so the
same values always give the same bytes (for a given matplotlib version).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

__all__ = ["histogram_png"]

_DPI = 150
_SIZE_IN = (6.0, 2.6)
_BAND = "#d8ead8"
_BARS = "#4a6fa5"
_LIMIT = "#2e7d32"
_NOMINAL = "#555555"


def histogram_png(
    values: Sequence[float],
    *,
    nominal: float,
    tolerance: float | tuple[float, float],
    title: str,
) -> bytes:
    """A PNG histogram of ``values`` (mm) with the tolerance band shaded.

    Parameters
    ----------
    values : sequence of float
        Measured values in mm; may be empty (the band and an empty axis are drawn).
    nominal : float
        Nominal value in mm.
    tolerance : float or (float, float)
        ± tolerance in mm, or (below, above) as positive magnitudes.
    title : str
        Printed above the plot.

    Returns
    -------
    bytes
        PNG file bytes, 900 × 390 px, no time or software metadata.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    below, above = (tolerance, tolerance) if isinstance(tolerance, float | int) else tolerance
    lsl, usl = nominal - below, nominal + above
    data = [float(v) for v in values]
    span = usl - lsl
    lo = min([lsl - 0.25 * span, *data])
    hi = max([usl + 0.25 * span, *data])

    fig = Figure(figsize=_SIZE_IN, dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.axvspan(lsl, usl, color=_BAND, zorder=0, label="tolerance")
    if data:
        bins = max(5, min(40, math.ceil(math.sqrt(len(data)) * 2)))
        ax.hist(
            data, bins=bins, range=(lo, hi), color=_BARS, edgecolor="white", linewidth=0.4, zorder=2
        )
    for limit in (lsl, usl):
        ax.axvline(limit, color=_LIMIT, linewidth=1.2, zorder=3)
    ax.axvline(nominal, color=_NOMINAL, linewidth=0.8, linestyle="--", zorder=3)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("mm", fontsize=8)
    ax.set_ylabel("rings", fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.text(
        lsl, 1.0, " LSL", transform=ax.get_xaxis_transform(), fontsize=7, color=_LIMIT, va="top"
    )
    ax.text(
        usl, 1.0, " USL", transform=ax.get_xaxis_transform(), fontsize=7, color=_LIMIT, va="top"
    )
    fig.tight_layout()
    buffer = io.BytesIO()
    # metadata None entries drop matplotlib's "Software" text chunk; PNG has no date by default.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
