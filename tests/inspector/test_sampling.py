"""ISO 2859-1 sampling plans, lot decisions, switching rules and the ``sampling`` command."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pytest

from inspector.cli import main
from inspector.sampling import (
    AQL_VALUES,
    InspectionLevel,
    LotDecision,
    ReducedTable,
    SamplingError,
    SamplingPlan,
    Severity,
    SwitchingState,
    Transition,
    accept_one_step_tighter,
    code_letter,
    load_tables,
    lot_accepted,
    next_state,
    parse_aql,
    parse_level,
    plan_for,
    resume_after_corrective_action,
)

# ---------------------------------------------------------------------------------------
# Worked checks (level II)


@pytest.mark.parametrize(
    ("lot", "aql", "letter", "n", "ac", "re"),
    [
        (1000, 2.5, "J", 80, 5, 6),
        (1000, 1.0, "J", 80, 2, 3),
        (1000, 0.65, "J", 80, 1, 2),
        (60, 2.5, "F", 20, 1, 2),  # E (n 13) holds a down arrow
        (40, 2.5, "C", 5, 0, 1),  # D (n 8) holds an up arrow
        (2000, 1.0, "K", 125, 3, 4),
        (10000, 0.65, "L", 200, 3, 4),
    ],
)
def test_normal_worked_checks(lot: int, aql: float, letter: str, n: int, ac: int, re: int) -> None:
    plan = plan_for(lot, aql)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (letter, n, ac, re)
    assert plan.level is InspectionLevel.II
    assert plan.severity is Severity.NORMAL
    assert not plan.hundred_percent


@pytest.mark.parametrize(
    ("lot", "aql", "letter", "n", "ac", "re"),
    [(1000, 2.5, "J", 80, 3, 4), (2000, 1.0, "K", 125, 2, 3)],
)
def test_tightened_worked_checks(
    lot: int, aql: float, letter: str, n: int, ac: int, re: int
) -> None:
    plan = plan_for(lot, aql, severity=Severity.TIGHTENED)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (letter, n, ac, re)


def test_reduced_worked_check() -> None:
    plan = plan_for(1000, 2.5, severity="reduced")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 32, 3, 4)


def test_reduced_z14_has_a_gap() -> None:
    plan = plan_for(1000, 4.0, severity=Severity.REDUCED, reduced_table=ReducedTable.Z14)
    assert (plan.sample_size, plan.accept, plan.reject) == (32, 3, 6)
    assert lot_accepted(plan, 3) is LotDecision.ACCEPT
    assert lot_accepted(plan, 4) is LotDecision.ACCEPT_RETURN_TO_NORMAL
    assert lot_accepted(plan, 5).accepted
    assert lot_accepted(plan, 6) is LotDecision.REJECT


@pytest.mark.parametrize(
    ("lot", "level", "letter"),
    [
        (1, "II", "A"),
        (2, "II", "A"),
        (8, "III", "B"),
        (1000, "S-1", "C"),
        (1000, "I", "G"),
        (1000, "III", "K"),
        (500_000, "II", "P"),
        (500_001, "II", "Q"),
        (10**9, "III", "R"),
    ],
)
def test_code_letters_table_i(lot: int, level: str, letter: str) -> None:
    assert code_letter(lot, level) == letter


# ---------------------------------------------------------------------------------------
# 100 % inspection and the whole tables


def test_hundred_percent_when_sample_reaches_lot() -> None:
    # Lot 10 is letter B (n 3); at AQL 0.65 the arrow leads down to F, n 20 > 10 rings.
    plan = plan_for(10, 0.65)
    assert plan.hundred_percent
    assert plan.sample_size == 10
    assert (plan.code_letter, plan.accept, plan.reject) == ("F", 0, 1)


def test_hundred_percent_when_sample_equals_lot() -> None:
    plan = plan_for(2, 6.5)  # A, n 2, 0/1
    assert plan.hundred_percent and plan.sample_size == 2


def _all_plans() -> Iterable[SamplingPlan]:
    lots = [row.lot_min for row in load_tables().code_letters]
    for severity in Severity:
        for table in ReducedTable:
            for level in InspectionLevel:
                for aql in AQL_VALUES:
                    for lot in lots:
                        yield plan_for(
                            lot, aql, level=level, severity=severity, reduced_table=table
                        )


def test_every_cell_resolves_to_a_plan() -> None:
    tables = load_tables()
    letters = [row.letter for row in tables.normal.rows]
    for severity in Severity:
        for table in ReducedTable:
            master = tables.master(severity, table)
            assert [row.letter for row in master.rows] == letters
            for letter in letters:
                for aql in AQL_VALUES:
                    # The biggest lot of that letter's sample, so no 100 % rewriting.
                    plan = _plan_at_letter(letter, aql, severity, table)
                    assert 0 <= plan.accept < plan.reject
                    row = master.rows[master.index_of(plan.code_letter)]
                    if plan.hundred_percent:
                        assert row.sample_size >= plan.lot_size == plan.sample_size
                    else:
                        assert plan.sample_size == row.sample_size


def _plan_at_letter(
    letter: str, aql: float, severity: Severity, table: ReducedTable
) -> SamplingPlan:
    # Level III reaches every letter B…R, level II reaches A; pick the largest lot size.
    for level in (InspectionLevel.II, InspectionLevel.III):
        for row in reversed(load_tables().code_letters):
            if row.letters[level] == letter:
                lot = row.lot_max or 10**7
                return plan_for(lot, aql, level=level, severity=severity, reduced_table=table)
    raise AssertionError(letter)


def test_all_plans_are_consistent() -> None:
    plans = list(_all_plans())
    assert len(plans) == 3 * 2 * 7 * 11 * 15
    for plan in plans:
        assert 0 < plan.sample_size <= plan.lot_size
        assert plan.hundred_percent == (plan.sample_size == plan.lot_size)
        if plan.severity is not Severity.REDUCED:
            assert plan.reject == plan.accept + 1


def test_reduced_1999_has_no_gap_and_tightened_shares_sizes() -> None:
    tables = load_tables()
    for row in tables.reduced.rows:
        for cell in row.cells:
            if isinstance(cell, tuple):
                assert cell[1] == cell[0] + 1
    normal_sizes = [r.sample_size for r in tables.normal.rows]
    assert [r.sample_size for r in tables.tightened.rows] == normal_sizes
    assert [r.sample_size for r in tables.reduced.rows][-1] == 800


def test_tighter_acceptance_number_matches_series() -> None:
    # The fallback for the 0.065 column relies on Table II-A's rows stepping along the
    # series; check that wherever the table itself has the tighter cell.
    series = (0, 1, 2, 3, 5, 7, 10, 14, 21)
    tables = load_tables()
    for row in tables.normal.rows:
        for left, right in zip(row.cells, row.cells[1:], strict=False):
            if isinstance(right, tuple) and right[0] >= 2:
                # The switching score needs the tighter Ac only when Ac >= 2.
                assert isinstance(left, tuple), (row.letter, right)
            if isinstance(right, tuple) and isinstance(left, tuple):
                assert left[0] == series[series.index(right[0]) - 1]
    q = plan_for(150_000, 0.065)  # N holds a down arrow → P, 1/2
    assert (q.code_letter, q.accept) == ("P", 1)
    assert accept_one_step_tighter(q) == 0
    q = plan_for(10**6, 0.065)  # Q, 2/3
    assert (q.code_letter, accept_one_step_tighter(q)) == ("Q", 1)
    r = plan_for(10**6, 0.065, level=InspectionLevel.III)  # R, 3/4
    assert (r.code_letter, accept_one_step_tighter(r)) == ("R", 2)
    assert accept_one_step_tighter(plan_for(1000, 2.5)) == 3
    assert accept_one_step_tighter(plan_for(1000, 0.15)) is None  # 0/1 next to an arrow


# ---------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("lot", [0, -1, -1000])
def test_non_positive_lot_size_is_refused(lot: int) -> None:
    with pytest.raises(SamplingError, match="lot size"):
        plan_for(lot, 2.5)


@pytest.mark.parametrize("aql", [3.0, 0.0, -1.0, float("nan"), "abc", 10.0])
def test_bad_aql_lists_valid_values(aql: float | str) -> None:
    with pytest.raises(SamplingError, match=r"0\.065, 0\.1, .*6\.5"):
        plan_for(1000, aql)


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        plan_for(1000, 3.0)


def test_aql_spellings() -> None:
    assert parse_aql("0.10") == 0.1
    assert parse_aql(1) == 1.0
    assert plan_for(1000, "2.5").accept == 5


def test_level_spellings_and_unknown_level() -> None:
    assert parse_level("s3") is InspectionLevel.S3
    assert parse_level("S-4") is InspectionLevel.S4
    assert parse_level("ii") is InspectionLevel.II
    with pytest.raises(SamplingError, match="S-1, S-2, S-3, S-4, I, II, III"):
        parse_level("IV")
    with pytest.raises(SamplingError, match="severity"):
        plan_for(1000, 2.5, severity="lenient")
    with pytest.raises(SamplingError, match="reduced table"):
        plan_for(1000, 2.5, reduced_table="1989")


def test_count_out_of_range() -> None:
    plan = plan_for(1000, 2.5)
    with pytest.raises(SamplingError):
        lot_accepted(plan, -1)
    with pytest.raises(SamplingError):
        lot_accepted(plan, 81)
    assert lot_accepted(plan, 5) is LotDecision.ACCEPT
    assert lot_accepted(plan, 6) is LotDecision.REJECT
    assert not LotDecision.REJECT.accepted


def test_plan_dict_round_trip() -> None:
    plan = plan_for(1000, 2.5)
    assert plan.to_dict() == {
        "code_letter": "J",
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "lot_size": 1000,
        "aql": 2.5,
        "level": "II",
        "severity": "normal",
        "hundred_percent": False,
    }
    assert SamplingPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


# ---------------------------------------------------------------------------------------
# Switching rules (clause 9)

NORMAL_1000_25 = plan_for(1000, 2.5)  # J 80, 5/6; one step tighter (1.5) Ac 3
NORMAL_1000_065 = plan_for(1000, 0.65)  # J 80, 1/2
TIGHT_1000_25 = plan_for(1000, 2.5, severity=Severity.TIGHTENED)  # 3/4
REDUCED_1000_25 = plan_for(1000, 2.5, severity=Severity.REDUCED)  # 32, 3/4
REDUCED_Z14_1000_40 = plan_for(
    1000, 4.0, severity=Severity.REDUCED, reduced_table=ReducedTable.Z14
)  # 32, 3/6


def _lot(state: SwitchingState, plan: SamplingPlan, d: int, **kw: bool) -> SwitchingState:
    return next_state(
        state, plan=plan, accepted=lot_accepted(plan, d).accepted, nonconforming=d, **kw
    )


def _run(state: SwitchingState, plan: SamplingPlan, counts: Iterable[int]) -> SwitchingState:
    for d in counts:
        state = _lot(state, plan, d)
    return state


def test_two_of_two_not_accepted_tighten() -> None:
    state = _run(SwitchingState(), NORMAL_1000_25, [6])
    assert state.severity is Severity.NORMAL
    state = _lot(state, NORMAL_1000_25, 9)
    assert state.severity is Severity.TIGHTENED
    assert state.last_transition is Transition.TO_TIGHTENED


def test_two_of_five_not_accepted_tighten() -> None:
    state = _run(SwitchingState(), NORMAL_1000_25, [6, 0, 0, 0])
    assert state.severity is Severity.NORMAL
    state = _lot(state, NORMAL_1000_25, 7)  # second refusal within five lots
    assert state.severity is Severity.TIGHTENED


def test_two_not_accepted_six_lots_apart_stay_normal() -> None:
    state = _run(SwitchingState(), NORMAL_1000_25, [6, 0, 0, 0, 0, 6])
    assert state.severity is Severity.NORMAL
    assert state.recent_normal == (True, True, True, True, False)


def test_tightened_back_to_normal_after_five_accepted() -> None:
    state = SwitchingState(severity=Severity.TIGHTENED)
    state = _run(state, TIGHT_1000_25, [0, 4, 0, 0, 0, 0])  # a refusal restarts the run
    assert state.severity is Severity.TIGHTENED
    assert state.tightened_consecutive_accepted == 4
    state = _lot(state, TIGHT_1000_25, 3)
    assert state.severity is Severity.NORMAL
    assert state.last_transition is Transition.TO_NORMAL
    assert state.switching_score == 0 and state.recent_normal == ()


def test_five_not_accepted_on_tightened_discontinue() -> None:
    state = SwitchingState(severity=Severity.TIGHTENED)
    # Not consecutive: the count is cumulative since tightened inspection began.
    state = _run(state, TIGHT_1000_25, [4, 0, 4, 0, 0, 4, 4])
    assert not state.discontinued and state.tightened_not_accepted == 4
    state = _lot(state, TIGHT_1000_25, 5)
    assert state.discontinued
    assert state.last_transition is Transition.DISCONTINUED
    with pytest.raises(SamplingError, match="discontinued"):
        _lot(state, TIGHT_1000_25, 0)
    resumed = resume_after_corrective_action(state)
    assert resumed.severity is Severity.TIGHTENED and not resumed.discontinued
    assert resumed.tightened_not_accepted == 0
    assert resumed.last_transition is Transition.RESUMED
    with pytest.raises(SamplingError):
        resume_after_corrective_action(resumed)


def test_switching_score_ac_at_most_one() -> None:
    # Ac 1: +2 per accepted lot; 15 accepted lots reach 30.
    state = _run(SwitchingState(), NORMAL_1000_065, [1] * 14)
    assert state.severity is Severity.NORMAL and state.switching_score == 28
    state = _lot(state, NORMAL_1000_065, 0)
    assert state.severity is Severity.REDUCED
    assert state.last_transition is Transition.TO_REDUCED


def test_switching_score_resets_on_refusal() -> None:
    state = _run(SwitchingState(), NORMAL_1000_065, [0] * 10 + [2])
    assert state.switching_score == 0 and state.severity is Severity.NORMAL


def test_switching_score_ac_two_or_more_uses_tighter_aql() -> None:
    # Ac 5 at 2.5; at 1.5 (one step tighter) Ac is 3: 3 adds 3, 4 or 5 accept but reset.
    state = _run(SwitchingState(), NORMAL_1000_25, [3, 0, 2])
    assert state.switching_score == 9
    state = _lot(state, NORMAL_1000_25, 4)
    assert state.severity is Severity.NORMAL
    assert state.switching_score == 0
    assert state.recent_normal[-1] is True  # accepted, so not a step towards tightened
    state = _run(state, NORMAL_1000_25, [3] * 9)
    assert state.switching_score == 27
    state = _lot(state, NORMAL_1000_25, 0)
    assert state.severity is Severity.REDUCED


def test_reduced_needs_steady_production_and_approval() -> None:
    state = _run(SwitchingState(), NORMAL_1000_065, [0] * 14)
    held = _lot(state, NORMAL_1000_065, 0, production_steady=False)
    assert held.severity is Severity.NORMAL and held.switching_score == 30
    held = _lot(held, NORMAL_1000_065, 0, authority_approves_reduced=False)
    assert held.severity is Severity.NORMAL and held.switching_score == 32
    assert _lot(held, NORMAL_1000_065, 0).severity is Severity.REDUCED


def test_reduced_back_to_normal() -> None:
    on_reduced = SwitchingState(severity=Severity.REDUCED)
    stays = _run(on_reduced, REDUCED_1000_25, [0, 3, 1])
    assert stays.severity is Severity.REDUCED
    assert _lot(stays, REDUCED_1000_25, 4).severity is Severity.NORMAL
    irregular = _lot(on_reduced, REDUCED_1000_25, 0, production_steady=False)
    assert irregular.severity is Severity.NORMAL
    assert irregular.last_transition is Transition.TO_NORMAL
    told = _lot(on_reduced, REDUCED_1000_25, 0, authority_requires_normal=True)
    assert told.severity is Severity.NORMAL


def test_reduced_z14_gap_accepts_but_returns_to_normal() -> None:
    on_reduced = SwitchingState(severity=Severity.REDUCED)
    assert _lot(on_reduced, REDUCED_Z14_1000_40, 3).severity is Severity.REDUCED
    after_gap = next_state(on_reduced, plan=REDUCED_Z14_1000_40, accepted=True, nonconforming=4)
    assert after_gap.severity is Severity.NORMAL


def test_lot_refused_for_other_reasons_counts_as_not_accepted() -> None:
    state = next_state(SwitchingState(), plan=NORMAL_1000_25, accepted=False, nonconforming=0)
    assert state.recent_normal == (False,) and state.switching_score == 0


def test_inconsistent_lot_input_is_refused() -> None:
    with pytest.raises(SamplingError, match="cannot be accepted"):
        next_state(SwitchingState(), plan=NORMAL_1000_25, accepted=True, nonconforming=6)
    with pytest.raises(SamplingError, match="tightened"):
        next_state(SwitchingState(), plan=TIGHT_1000_25, accepted=True, nonconforming=0)
    with pytest.raises(SamplingError):
        next_state(SwitchingState(), plan=NORMAL_1000_25, accepted=True, nonconforming=-1)


def test_random_lot_sequences_keep_invariants() -> None:
    rng = np.random.default_rng(2859)
    plans = {
        Severity.NORMAL: NORMAL_1000_25,
        Severity.TIGHTENED: TIGHT_1000_25,
        Severity.REDUCED: REDUCED_1000_25,
    }
    state = SwitchingState()
    seen = set()
    for _ in range(3000):
        if state.discontinued:
            state = resume_after_corrective_action(state)
        plan = plans[state.severity]
        d = int(rng.binomial(plan.sample_size, 0.035))
        state = _lot(state, plan, d)
        seen.add(state.last_transition)
        assert len(state.recent_normal) <= 5
        assert state.recent_normal.count(False) <= 1
        assert state.switching_score < 30 or state.severity is not Severity.NORMAL
        assert state.tightened_consecutive_accepted < 5
        assert state.tightened_not_accepted <= 5
        assert SwitchingState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert {Transition.TO_TIGHTENED, Transition.TO_NORMAL, Transition.TO_REDUCED} <= seen


def test_state_round_trip_and_bad_dicts() -> None:
    state = SwitchingState(
        severity=Severity.TIGHTENED,
        switching_score=0,
        recent_normal=(),
        tightened_consecutive_accepted=2,
        tightened_not_accepted=3,
        last_transition=Transition.TO_TIGHTENED,
    )
    data = json.loads(json.dumps(state.to_dict()))
    assert data["schema_version"] == 1 and data["severity"] == "tightened"
    assert SwitchingState.from_dict(data) == state
    partial = _run(SwitchingState(), NORMAL_1000_25, [0, 6, 3])
    assert SwitchingState.from_dict(partial.to_dict()) == partial

    with pytest.raises(SamplingError, match="schema"):
        SwitchingState.from_dict({**data, "schema_version": 2})
    with pytest.raises(SamplingError, match="missing"):
        SwitchingState.from_dict({k: v for k, v in data.items() if k != "severity"})
    with pytest.raises(SamplingError, match="switching_score"):
        SwitchingState.from_dict({**data, "switching_score": "ten"})
    with pytest.raises(SamplingError, match="recent_normal"):
        SwitchingState.from_dict({**data, "recent_normal": [True] * 6})
    with pytest.raises(SamplingError, match="last_transition"):
        SwitchingState.from_dict({**data, "last_transition": "sideways"})


# ---------------------------------------------------------------------------------------
# The ``sampling`` command


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sampling", "--lot-size", "1000", "--aql", "2.5", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "code_letter": "J",
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "lot_size": 1000,
        "aql": 2.5,
        "level": "II",
        "severity": "normal",
        "hundred_percent": False,
    }
    assert out.count("\n") == 1  # exactly one JSON object on one line


def test_cli_json_options(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sampling", "--lot-size", "2000", "--aql", "1.0", "--severity", "tightened"]
    assert main([*argv, "--level", "ii", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["code_letter"], data["accept"], data["reject"]) == ("K", 2, 3)
    assert data["severity"] == "tightened"


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sampling", "--lot-size", "40", "--aql", "2.5"]) == 0
    out = capsys.readouterr().out
    assert "code letter C" in out and "5 rings" in out and "≤ 0" in out and "≥ 1" in out
    assert main(["sampling", "--lot-size", "10", "--aql", "0.65"]) == 0
    assert "100 %" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lot-size", "1000", "--aql", "3"], "AQL"),
        (["--lot-size", "-5", "--aql", "2.5"], "lot size"),
        (["--lot-size", "0", "--aql", "2.5"], "lot size"),
        (["--lot-size", "many", "--aql", "2.5"], "lot size"),
        (["--lot-size", "1000", "--aql", "2.5", "--level", "IV"], "inspection level"),
        (["--lot-size", "1000", "--aql", "2.5", "--severity", "x"], "severity"),
    ],
)
def test_cli_bad_input(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["sampling", *args, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in captured.err
