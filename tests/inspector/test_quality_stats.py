"""Quality statistics on tiny data with answers worked out by hand (Montgomery's formulas)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from inspector import quality_stats as qs
from inspector.certificates.model import dimension_stats


def test_pareto_sorts_by_count_then_name_and_accumulates() -> None:
    result = qs.pareto({"cut": 2, "scratch": 5, "blister": 2, "crack": 1, "stain": 0})
    assert result.labels == ("scratch", "blister", "cut", "crack")
    assert result.counts.tolist() == [5, 2, 2, 1]
    assert result.total == 10
    assert result.cumulative_pct.tolist() == pytest.approx([50.0, 70.0, 90.0, 100.0])


def test_pareto_of_nothing_is_empty() -> None:
    result = qs.pareto({"scratch": 0})
    assert result.labels == () and result.total == 0 and result.cumulative_pct.size == 0
    with pytest.raises(ValueError, match="negative"):
        qs.pareto({"scratch": -1})


def test_p_chart_limits_follow_each_lot_size() -> None:
    # p̄ = 12/50 = 0.24; σ(n=20) = √(0.24·0.76/20) = 0.095499, σ(n=10) = 0.135055.
    chart = qs.p_chart(["L1", "L2", "L3"], [2, 1, 9], [20, 10, 20])
    assert chart.p_bar == pytest.approx(0.24)
    assert chart.p.tolist() == pytest.approx([0.10, 0.10, 0.45])
    assert chart.ucl.tolist() == pytest.approx([0.526496, 0.645167, 0.526496], abs=1e-6)
    assert chart.lcl.tolist() == [0.0, 0.0, 0.0]  # 0.24 − 0.2865 < 0: clipped
    assert not chart.out_of_control.any()


def test_p_chart_flags_a_lot_above_its_limit_and_clips_to_one() -> None:
    # p̄ = 10/40 = 0.25, UCL = 0.25 + 3·√(0.25·0.75/10) = 0.660792.
    chart = qs.p_chart(["a", "b", "c", "d"], [0, 0, 0, 10], [10, 10, 10, 10])
    assert chart.ucl[0] == pytest.approx(0.660792, abs=1e-6)
    assert chart.out_of_control.tolist() == [False, False, False, True]
    # p̄ = 0.5 with n = 1: ± 1.5 leaves [0, 1].
    tiny = qs.p_chart(["x", "y"], [1, 0], [1, 1])
    assert (tiny.ucl.tolist(), tiny.lcl.tolist()) == ([1.0, 1.0], [0.0, 0.0])
    assert not tiny.out_of_control.any()


def test_p_chart_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        qs.p_chart(["a"], [3], [2])
    with pytest.raises(ValueError):
        qs.p_chart(["a"], [0], [0])
    with pytest.raises(ValueError):
        qs.p_chart([], [], [])


def test_imr_limits() -> None:
    # MR = 2, 1, 4, 2: MR̄ = 2.25; x̄ = 12.2; σ = 2.25/1.128 = 1.994681.
    chart = qs.imr_chart([10, 12, 11, 15, 13])
    assert chart is not None
    assert chart.mr.tolist() == [2.0, 1.0, 4.0, 2.0]
    assert chart.center == pytest.approx(12.2)
    assert chart.mr_bar == pytest.approx(2.25)
    assert chart.ucl_x == pytest.approx(12.2 + 3 * 2.25 / 1.128)
    assert chart.ucl_x == pytest.approx(18.184043, abs=1e-6)
    assert chart.lcl_x == pytest.approx(6.215957, abs=1e-6)
    assert chart.ucl_mr == pytest.approx(7.35075)
    assert chart.lcl_mr == 0.0
    assert not chart.out_x.any() and not chart.out_mr.any()


def test_imr_flags_a_jump_and_needs_two_values() -> None:
    chart = qs.imr_chart([10.0] * 10 + [10.1] * 10 + [12.0])
    assert chart is not None
    assert chart.out_x[-1] and chart.out_mr[-1]
    assert qs.imr_chart([1.0]) is None


def test_xbar_r_table_is_montgomerys() -> None:
    assert qs.XBAR_R_CONSTANTS[5] == (0.577, 0.0, 2.114, 2.326)
    assert qs.XBAR_R_CONSTANTS[10] == (0.308, 0.223, 1.777, 3.078)
    for n, (a2, d3, d4, d2) in qs.XBAR_R_CONSTANTS.items():
        # A2 = 3/(d2·√n): a typo in the table would break this identity.
        assert a2 == pytest.approx(3 / (d2 * math.sqrt(n)), abs=0.002), n
        assert d3 <= 1 <= d4


def test_xbar_r_chart_of_equal_subgroups_of_three() -> None:
    # Means 2, 4, 3 → x̿ = 3; ranges 2, 4, 0 → R̄ = 2; A2 = 1.023, D4 = 2.574, D3 = 0.
    chart = qs.subgroup_chart([[1, 2, 3], [2, 4, 6], [3, 3, 3]], ["a", "b", "c"])
    assert chart is not None and chart.kind == "xbar-r"
    assert chart.means.tolist() == [2.0, 4.0, 3.0]
    assert chart.spreads.tolist() == [2.0, 4.0, 0.0]
    assert (chart.grand_mean, chart.spread_bar) == (3.0, 2.0)
    assert chart.ucl_x.tolist() == pytest.approx([5.046] * 3)
    assert chart.lcl_x.tolist() == pytest.approx([0.954] * 3)
    assert chart.ucl_spread.tolist() == pytest.approx([5.148] * 3)
    assert chart.lcl_spread.tolist() == [0.0] * 3


def test_xbar_s_constants_match_montgomerys_table() -> None:
    assert qs.c4(5) == pytest.approx(0.9400, abs=5e-5)
    assert qs.c4(25) == pytest.approx(0.9896, abs=5e-5)
    for n, table in {
        5: (1.427, 0.0, 2.089),
        6: (1.287, 0.030, 1.970),
        10: (0.975, 0.284, 1.716),
        25: (0.606, 0.565, 1.435),
    }.items():
        assert qs.xbar_s_constants(n) == pytest.approx(table, abs=6e-4), n
    assert 0.999 < qs.c4(1000) < 1.0  # finite for lots of hundreds of rings
    with pytest.raises(ValueError):
        qs.c4(1)


def test_subgroups_larger_than_ten_get_xbar_s() -> None:
    rng = np.random.default_rng(5)
    groups = [rng.normal(10.0, 0.1, 12) for _ in range(4)]
    chart = qs.subgroup_chart(groups, ["a", "b", "c", "d"])
    assert chart is not None and chart.kind == "xbar-s"
    s = [g.std(ddof=1) for g in groups]
    assert chart.spread_bar == pytest.approx(np.mean(s))
    a3, b3, b4 = qs.xbar_s_constants(12)
    assert chart.ucl_x[0] == pytest.approx(np.mean(groups) + a3 * np.mean(s))
    assert chart.lcl_spread[0] == pytest.approx(b3 * np.mean(s))
    assert chart.ucl_spread[0] == pytest.approx(b4 * np.mean(s))


def test_varying_subgroups_pool_s_and_skip_single_rings() -> None:
    # s₁ = 1 (n = 3), s₂ = √(20/3) (n = 4): s̄ = √((2·1 + 3·20/3)/5) = √4.4.
    chart = qs.subgroup_chart([[1, 2, 3], [1, 3, 5, 7], [9]], ["a", "b", "c"])
    assert chart is not None and chart.kind == "xbar-s"
    assert chart.labels == ("a", "b") and chart.skipped == ("c",)
    assert chart.sizes.tolist() == [3, 4]
    assert chart.grand_mean == pytest.approx(22 / 7)
    assert chart.spread_bar == pytest.approx(math.sqrt(4.4))
    assert chart.ucl_x[0] != chart.ucl_x[1]  # each lot its own limits
    assert qs.subgroup_chart([[1.0], [2.0]], ["a", "b"]) is None


def test_capability_uses_the_certificates_cpk() -> None:
    # x̄ = 10, s = 0.1: Cp = 0.8/0.6, Cpk = min(0.5, 0.3)/0.3 = 1.
    cap = qs.capability([9.9, 10.0, 10.1], lsl=9.7, usl=10.5)
    assert (cap.n, cap.mean, cap.std) == (3, pytest.approx(10.0), pytest.approx(0.1))
    assert cap.cp == pytest.approx(4 / 3)
    assert cap.cpk == pytest.approx(1.0)
    assert cap.cpk == dimension_stats((9.9, 10.0, 10.1), lsl=9.7, usl=10.5).cpk
    out = qs.capability([9.6, 10.0, 10.6, 10.7], lsl=9.7, usl=10.5)
    assert (out.below, out.above) == (1, 2)


def test_capability_is_not_applicable_without_spread() -> None:
    for values in ([10.0], [10.0, 10.0, 10.0], []):
        cap = qs.capability(values, lsl=9.0, usl=11.0)
        assert cap.cp is None and cap.cpk is None


def test_trend_bin_follows_the_span() -> None:
    assert qs.choose_bin(date(2026, 1, 1), date(2026, 3, 3)) == "day"  # 62 days
    assert qs.choose_bin(date(2026, 1, 1), date(2026, 3, 4)) == "week"
    assert qs.choose_bin(date(2025, 1, 1), date(2026, 12, 31)) == "week"
    assert qs.choose_bin(date(2024, 1, 1), date(2026, 12, 31)) == "month"


def test_trend_bins_weeks_from_monday_with_empty_weeks_and_rates() -> None:
    mon, sun, later = date(2026, 11, 23), date(2026, 11, 29), date(2026, 12, 8)
    result = qs.trend(
        {(mon, "scratch"): 2, (sun, "scratch"): 1, (sun, "crack"): 1, (later, "crack"): 4},
        {mon: 10, sun: 10, later: 20},
        unit="week",
    )
    assert result is not None
    assert result.starts == (date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7))
    assert result.types == ("crack", "scratch")  # 5 then 3
    assert result.counts.tolist() == [[1, 0, 4], [3, 0, 0]]
    assert result.inspected.tolist() == [20, 0, 20]
    rate = result.rate_per_100
    assert rate[0, 0] == pytest.approx(5.0) and rate[1, 0] == pytest.approx(15.0)
    assert np.isnan(rate[:, 1]).all()
    assert rate[0, 2] == pytest.approx(20.0)


def test_trend_by_month_and_of_nothing() -> None:
    result = qs.trend({(date(2025, 12, 31), "cut"): 1, (date(2026, 2, 1), "cut"): 2}, {})
    assert result is not None and result.unit == "day"  # 33 days: daily
    assert len(result.starts) == 33 and result.counts.sum() == 3
    monthly = qs.trend(
        {(date(2025, 12, 31), "cut"): 1, (date(2026, 2, 1), "cut"): 2}, {}, unit="month"
    )
    assert monthly is not None
    assert monthly.starts == (date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1))
    assert monthly.counts.tolist() == [[1, 0, 2]]
    assert qs.trend({}, {}) is None
