"""Statistical quality control on inspection records: pure numpy, no I/O.

The formulas and constants are the textbook ones of D. C. Montgomery, *Introduction to
Statistical Quality Control* (7th ed., Wiley 2013; "Montgomery" below):

- Pareto analysis of defect types (ch. 5.3);
- the fraction nonconforming control chart (p-chart) with a variable sample size, one pair
  of limits per subgroup (ch. 7.2.2, eq. 7.12);
- individuals and moving-range charts (ch. 6.4, eq. 6.33) for single measurements;
- X̄-R charts for subgroups of equal size n = 2…10 (ch. 6.2, eq. 6.4 and 6.5, constants
  from Appendix VI), and X̄-S charts with a variable subgroup size otherwise (ch. 6.3.2,
  eq. 6.31 and 6.32), whose constants follow from c4(n) (Appendix VI's formulas, exact for
  any n, so subgroups of hundreds of rings need no table);
- process capability Cp and Cpk (ch. 8.3), with Cpk computed by the same function the
  certificates use (:func:`inspector.certificates.model.dimension_stats`).

All limits are "three sigma". Limits estimated from the data charted are Phase I
(retrospective) limits: a point outside them is flagged for investigation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from inspector.certificates.model import NEGLIGIBLE_SPREAD_MM, dimension_stats

__all__ = [
    "XBAR_R_CONSTANTS",
    "Capability",
    "IMRChart",
    "PChart",
    "Pareto",
    "SubgroupChart",
    "Trend",
    "TrendBin",
    "c4",
    "capability",
    "choose_bin",
    "imr_chart",
    "p_chart",
    "pareto",
    "subgroup_chart",
    "trend",
    "xbar_s_constants",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Montgomery, Appendix VI ("Factors for constructing variables control charts"): for a
#: subgroup size n, (A2, D3, D4, d2). X̄ limits are x̿ ± A2·R̄, R limits D3·R̄ and D4·R̄,
#: and R̄/d2 estimates σ. The table stops at 10 because the range wastes information in
#: larger subgroups (Montgomery ch. 6.3): beyond it :func:`subgroup_chart` draws X̄-S.
XBAR_R_CONSTANTS: dict[int, tuple[float, float, float, float]] = {
    2: (1.880, 0.0, 3.267, 1.128),
    3: (1.023, 0.0, 2.574, 1.693),
    4: (0.729, 0.0, 2.282, 2.059),
    5: (0.577, 0.0, 2.114, 2.326),
    6: (0.483, 0.0, 2.004, 2.534),
    7: (0.419, 0.076, 1.924, 2.704),
    8: (0.373, 0.136, 1.864, 2.847),
    9: (0.337, 0.184, 1.816, 2.970),
    10: (0.308, 0.223, 1.777, 3.078),
}
#: Moving ranges of two consecutive individuals are subgroups of n = 2: d2 = 1.128 and
#: D4 = 3.267 (Montgomery, Appendix VI; the individuals limits use 3/d2 = 2.660, eq. 6.33).
_MR_D2 = XBAR_R_CONSTANTS[2][3]
_MR_D4 = XBAR_R_CONSTANTS[2][2]


# --- Pareto ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pareto:
    """Categories by falling count (ties by name) with the cumulative share.

    Attributes
    ----------
    labels : tuple of str
    counts : (k,) ndarray of int64
    cumulative_pct : (k,) ndarray of float64
        Percent of the total up to and including each category; the last is 100.
    total : int
    """

    labels: tuple[str, ...]
    counts: IntArray
    cumulative_pct: FloatArray
    total: int


def pareto(counts: Mapping[str, int]) -> Pareto:
    """Sort categories by count, most frequent first, and accumulate their share.

    Categories counted zero times are left out. Ties are ordered by name so the order never
    depends on where the counts came from.

    Raises
    ------
    ValueError
        A negative count.
    """
    if any(c < 0 for c in counts.values()):
        raise ValueError("counts cannot be negative")
    items = sorted(
        ((k, int(c)) for k, c in counts.items() if c > 0), key=lambda kc: (-kc[1], kc[0])
    )
    values = np.array([c for _, c in items], dtype=np.int64)
    total = int(values.sum())
    cumulative = 100.0 * np.cumsum(values) / total if total else np.zeros(0)
    return Pareto(tuple(k for k, _ in items), values, cumulative.astype(np.float64), total)


# --- p-chart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PChart:
    """A fraction-nonconforming chart with one pair of limits per subgroup.

    Attributes
    ----------
    labels : tuple of str
        One per subgroup (lot), in time order.
    n, nonconforming : (m,) ndarray of int64
        Inspected and nonconforming units of each subgroup.
    p : (m,) ndarray of float64
        Fraction nonconforming of each subgroup.
    p_bar : float
        Σ nonconforming / Σ n: the centre line.
    ucl, lcl : (m,) ndarray of float64
        p̄ ± 3·sqrt(p̄(1 − p̄)/nᵢ), clipped to [0, 1].
    out_of_control : (m,) ndarray of bool
        p above its UCL or below its LCL.
    """

    labels: tuple[str, ...]
    n: IntArray
    nonconforming: IntArray
    p: FloatArray
    p_bar: float
    ucl: FloatArray
    lcl: FloatArray
    out_of_control: BoolArray


def p_chart(
    labels: Sequence[str], nonconforming: Sequence[int], inspected: Sequence[int]
) -> PChart:
    """The p-chart of subgroups of varying size (Montgomery ch. 7.2.2, eq. 7.12).

    Parameters
    ----------
    labels : sequence of str
    nonconforming, inspected : sequence of int
        Per subgroup; every ``inspected`` must be positive and not below ``nonconforming``.

    Raises
    ------
    ValueError
        No subgroup, lengths differ, or counts impossible.
    """
    d = np.asarray(nonconforming, dtype=np.int64)
    n = np.asarray(inspected, dtype=np.int64)
    if not (len(labels) == d.size == n.size) or d.ndim != 1:
        raise ValueError("labels, nonconforming and inspected must have one entry per subgroup")
    if d.size == 0:
        raise ValueError("a p-chart needs at least one subgroup")
    if np.any(n <= 0) or np.any(d < 0) or np.any(d > n):
        raise ValueError("each subgroup needs 0 ≤ nonconforming ≤ inspected and inspected > 0")
    p_bar = float(d.sum() / n.sum())
    sigma = np.sqrt(p_bar * (1.0 - p_bar) / n)
    ucl = np.minimum(1.0, p_bar + 3.0 * sigma)
    lcl = np.maximum(0.0, p_bar - 3.0 * sigma)
    p = d / n
    out = (p > ucl) | (p < lcl)
    return PChart(tuple(labels), n, d, p, p_bar, ucl, lcl, out)


# --- individuals and moving range ------------------------------------------------------------


@dataclass(frozen=True)
class IMRChart:
    """Individuals and moving-range chart of single measurements in time order.

    Attributes
    ----------
    x : (n,) ndarray of float64
        The individuals.
    mr : (n - 1,) ndarray of float64
        |xᵢ − xᵢ₋₁|, the moving ranges of span two.
    center, mr_bar : float
        Mean of the individuals and of the moving ranges.
    sigma : float
        MR̄ / d2, the short-term standard deviation the limits use.
    ucl_x, lcl_x : float
        x̄ ± 3·MR̄/d2.
    ucl_mr, lcl_mr : float
        D4·MR̄ and D3·MR̄ = 0.
    out_x : (n,) ndarray of bool
    out_mr : (n - 1,) ndarray of bool
    """

    x: FloatArray
    mr: FloatArray
    center: float
    mr_bar: float
    sigma: float
    ucl_x: float
    lcl_x: float
    ucl_mr: float
    lcl_mr: float
    out_x: BoolArray
    out_mr: BoolArray


def imr_chart(values: npt.ArrayLike) -> IMRChart | None:
    """The I-MR chart of ``values`` (Montgomery ch. 6.4, eq. 6.33); None when n < 2."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 2:
        return None
    mr = np.abs(np.diff(x))
    center = float(x.mean())
    mr_bar = float(mr.mean())
    sigma = mr_bar / _MR_D2
    ucl_x, lcl_x = center + 3.0 * sigma, center - 3.0 * sigma
    ucl_mr, lcl_mr = _MR_D4 * mr_bar, 0.0
    return IMRChart(
        x=x,
        mr=mr,
        center=center,
        mr_bar=mr_bar,
        sigma=sigma,
        ucl_x=ucl_x,
        lcl_x=lcl_x,
        ucl_mr=ucl_mr,
        lcl_mr=lcl_mr,
        out_x=(x > ucl_x) | (x < lcl_x),
        out_mr=mr > ucl_mr,
    )


# --- X̄-R and X̄-S ------------------------------------------------------------------------------


def c4(n: int) -> float:
    """E[s]/σ for samples of n normal values: sqrt(2/(n−1))·Γ(n/2)/Γ((n−1)/2).

    Montgomery, Appendix VI (footnote formula); log-gamma keeps it finite for large n.
    """
    if n < 2:
        raise ValueError(f"c4 needs n ≥ 2, got {n}")
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def xbar_s_constants(n: int) -> tuple[float, float, float]:
    """(A3, B3, B4) for subgroups of n (Montgomery, Appendix VI formulas).

    A3 = 3/(c4·√n), B3 = max(0, 1 − 3·√(1 − c4²)/c4), B4 = 1 + 3·√(1 − c4²)/c4.
    """
    c = c4(n)
    k = 3.0 * math.sqrt(1.0 - c * c) / c
    return 3.0 / (c * math.sqrt(n)), max(0.0, 1.0 - k), 1.0 + k


@dataclass(frozen=True)
class SubgroupChart:
    """An X̄-R or X̄-S chart of rational subgroups (here: the rings of one lot).

    Attributes
    ----------
    kind : {"xbar-r", "xbar-s"}
        X̄-R when every subgroup has the same size n = 2…10, X̄-S otherwise.
    labels : tuple of str
        The subgroups charted, in the order given.
    sizes : (m,) ndarray of int64
    means : (m,) ndarray of float64
    spreads : (m,) ndarray of float64
        Range (X̄-R) or sample standard deviation (X̄-S) of each subgroup.
    grand_mean : float
        x̿, the mean of all values charted (the size-weighted mean of the means).
    spread_bar : float
        R̄; or s̄ (the mean of the sᵢ for equal sizes, the pooled
        sqrt(Σ(nᵢ − 1)sᵢ² / Σ(nᵢ − 1)) for varying sizes).
    ucl_x, lcl_x, ucl_spread, lcl_spread : (m,) ndarray of float64
        Limits of each subgroup (they differ only when sizes differ).
    out_x, out_spread : (m,) ndarray of bool
    skipped : tuple of str
        Subgroups left out because they hold fewer than two values.
    """

    kind: Literal["xbar-r", "xbar-s"]
    labels: tuple[str, ...]
    sizes: IntArray
    means: FloatArray
    spreads: FloatArray
    grand_mean: float
    spread_bar: float
    ucl_x: FloatArray
    lcl_x: FloatArray
    ucl_spread: FloatArray
    lcl_spread: FloatArray
    out_x: BoolArray
    out_spread: BoolArray
    skipped: tuple[str, ...]


def subgroup_chart(groups: Sequence[npt.ArrayLike], labels: Sequence[str]) -> SubgroupChart | None:
    """X̄-R (equal n = 2…10; Montgomery eq. 6.4, 6.5) or X̄-S (Montgomery eq. 6.29–6.32).

    Subgroups of fewer than two values have no spread and are skipped (named in
    ``skipped``). Returns None when no subgroup has two values.

    Raises
    ------
    ValueError
        ``groups`` and ``labels`` differ in length.
    """
    if len(groups) != len(labels):
        raise ValueError("one label per subgroup")
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in groups]
    keep = [i for i, a in enumerate(arrays) if a.size >= 2]
    skipped = tuple(labels[i] for i, a in enumerate(arrays) if a.size < 2)
    if not keep:
        return None
    used = [arrays[i] for i in keep]
    sizes = np.array([a.size for a in used], dtype=np.int64)
    means = np.array([a.mean() for a in used], dtype=np.float64)
    grand = float(np.concatenate(used).mean())
    equal = bool(np.all(sizes == sizes[0]))
    if equal and int(sizes[0]) in XBAR_R_CONSTANTS:
        a2, d3, d4, _ = XBAR_R_CONSTANTS[int(sizes[0])]
        spreads = np.array([a.max() - a.min() for a in used], dtype=np.float64)
        r_bar = float(spreads.mean())
        ones = np.ones(len(used))
        ucl_x, lcl_x = (grand + a2 * r_bar) * ones, (grand - a2 * r_bar) * ones
        ucl_s, lcl_s = d4 * r_bar * ones, d3 * r_bar * ones
        kind: Literal["xbar-r", "xbar-s"] = "xbar-r"
        spread_bar = r_bar
    else:
        spreads = np.array([a.std(ddof=1) for a in used], dtype=np.float64)
        if equal:
            spread_bar = float(spreads.mean())
        else:
            dof = sizes - 1
            spread_bar = math.sqrt(float(np.sum(dof * spreads**2) / np.sum(dof)))
        consts = np.array([xbar_s_constants(int(n)) for n in sizes], dtype=np.float64)
        a3, b3, b4 = consts[:, 0], consts[:, 1], consts[:, 2]
        ucl_x, lcl_x = grand + a3 * spread_bar, grand - a3 * spread_bar
        ucl_s, lcl_s = b4 * spread_bar, b3 * spread_bar
        kind = "xbar-s"
    return SubgroupChart(
        kind=kind,
        labels=tuple(labels[i] for i in keep),
        sizes=sizes,
        means=means,
        spreads=spreads,
        grand_mean=grand,
        spread_bar=spread_bar,
        ucl_x=ucl_x,
        lcl_x=lcl_x,
        ucl_spread=ucl_s,
        lcl_spread=lcl_s,
        out_x=(means > ucl_x) | (means < lcl_x),
        out_spread=(spreads > ucl_s) | (spreads < lcl_s),
        skipped=skipped,
    )


# --- capability ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    """Process capability of one dimension against its specification limits (mm).

    ``std`` is the sample standard deviation (n − 1). ``cp`` = (USL − LSL)/(6s) and
    ``cpk`` = min(USL − x̄, x̄ − LSL)/(3s) are None ("n/a") when n < 2 or there is no
    spread (Montgomery ch. 8.3.1 and 8.3.3). ``below`` and ``above`` count values outside
    the limits.
    """

    n: int
    mean: float | None
    std: float | None
    minimum: float | None
    maximum: float | None
    lsl: float
    usl: float
    cp: float | None
    cpk: float | None
    below: int
    above: int


def capability(values: npt.ArrayLike, *, lsl: float, usl: float) -> Capability:
    """Cp and Cpk of ``values`` (mm); Cpk and the summary come from the certificates'
    :func:`~inspector.certificates.model.dimension_stats`, so both always agree."""
    x = np.asarray(values, dtype=np.float64).ravel()
    st = dimension_stats(tuple(float(v) for v in x), lsl=lsl, usl=usl)
    spread = st.std is not None and st.std >= NEGLIGIBLE_SPREAD_MM
    cp = (usl - lsl) / (6.0 * st.std) if spread and st.std is not None else None
    return Capability(
        n=st.n,
        mean=st.mean,
        std=st.std,
        minimum=st.minimum,
        maximum=st.maximum,
        lsl=lsl,
        usl=usl,
        cp=cp,
        cpk=st.cpk,
        below=int(np.sum(x < lsl)),
        above=int(np.sum(x > usl)),
    )


# --- trend -----------------------------------------------------------------------------------

TrendBin = Literal["day", "week", "month"]


def choose_bin(first: date, last: date) -> TrendBin:
    """Days up to two months, ISO weeks (from Monday) up to two years, months beyond.

    Keeps a trend between about 10 and 100 points, so it reads as a line, not as noise.
    """
    span = (last - first).days + 1
    if span <= 62:
        return "day"
    if span <= 2 * 366:
        return "week"
    return "month"


def _bin_start(day: date, unit: TrendBin) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bin(start: date, unit: TrendBin) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


@dataclass(frozen=True)
class Trend:
    """Defect counts per type and time bin, and the rate per 100 rings inspected.

    Attributes
    ----------
    unit : {"day", "week", "month"}
    starts : tuple of date
        First day of every bin from the first to the last, empty bins included.
    types : tuple of str
        Most frequent first (ties by name).
    counts : (len(types), len(starts)) ndarray of int64
    inspected : (len(starts),) ndarray of int64
        Rings inspected in each bin.
    rate_per_100 : (len(types), len(starts)) ndarray of float64
        100·counts/inspected; NaN where no ring was inspected.
    """

    unit: TrendBin
    starts: tuple[date, ...]
    types: tuple[str, ...]
    counts: IntArray
    inspected: IntArray
    rate_per_100: FloatArray


def trend(
    defects: Mapping[tuple[date, str], int],
    inspected: Mapping[date, int],
    *,
    unit: TrendBin | None = None,
) -> Trend | None:
    """Bin daily counts of each defect type and of rings inspected.

    Parameters
    ----------
    defects : mapping of (day, type) to count
    inspected : mapping of day to rings inspected
    unit : {"day", "week", "month"} or None
        None: :func:`choose_bin` from the span of days present.

    Returns
    -------
    Trend or None
        None when neither mapping holds a day.
    """
    days = {d for d, _ in defects} | set(inspected)
    if not days:
        return None
    unit = unit or choose_bin(min(days), max(days))
    starts: list[date] = []
    start, stop = _bin_start(min(days), unit), _bin_start(max(days), unit)
    while start <= stop:
        starts.append(start)
        start = _next_bin(start, unit)
    column = {s: j for j, s in enumerate(starts)}
    totals: dict[str, int] = {}
    for (_, kind), c in defects.items():
        totals[kind] = totals.get(kind, 0) + int(c)
    types = tuple(sorted((t for t in totals if totals[t] > 0), key=lambda t: (-totals[t], t)))
    row = {t: i for i, t in enumerate(types)}
    counts = np.zeros((len(types), len(starts)), dtype=np.int64)
    for (day, kind), c in defects.items():
        if kind in row:
            counts[row[kind], column[_bin_start(day, unit)]] += int(c)
    rings = np.zeros(len(starts), dtype=np.int64)
    for day, c in inspected.items():
        rings[column[_bin_start(day, unit)]] += int(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(rings > 0, 100.0 * counts / np.maximum(rings, 1), np.nan)
    return Trend(unit, tuple(starts), types, counts, rings, rate.astype(np.float64))
