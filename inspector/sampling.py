"""Attribute sampling by ISO 2859-1:1999: single sampling plans and the switching rules.

A lot of rings is judged from a random sample: the lot size and the *inspection level*
give a sample-size code letter (ISO 2859-1:1999 Table I); the code letter, the *AQL*
(acceptable quality limit, percent nonconforming) and the *severity* of inspection give the
sample size *n*, the acceptance number *Ac* and the rejection number *Re* (Table II-A
normal, II-B tightened, II-C reduced). The lot is accepted when the sample holds at most
*Ac* nonconforming rings and not accepted when it holds *Re* or more (clause 10.1.1).

The tables are shipped data, ``models/standards/iso2859-1/*.csv``; each master-table cell
is ``Ac/Re`` or an arrow, ``up`` / ``down``: use the first sampling plan above / below in the
same AQL column, *with that row's sample size* (and, here, that row's code letter). When the
resolved sample size equals or exceeds the lot size every ring is inspected (100 %).

Two reduced tables ship. ``"1999"`` (the default) is ISO 2859-1:1999 Table II-C, where
``Re = Ac + 1``. ``"z14"`` is the older ANSI/ASQ Z1.4 / MIL-STD-105E Table II-C, which leaves
a gap (e.g. ``1/3``): a count strictly between Ac and Re accepts the lot but reinstates
normal inspection.

The switching rules of clause 9 (normal, tightened, reduced, discontinued) are kept per
part and defect class in a :class:`SwitchingState`, advanced lot by lot with the pure
function :func:`next_state`; the state converts to and from a JSON-ready dict.

Everything here is a frozen dataclass or an enum; JSON is made at the edge with ``to_dict``.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from inspector.paths import MODELS_DIR

__all__ = [
    "AQL_VALUES",
    "STATE_SCHEMA_VERSION",
    "TABLES_DIR",
    "InspectionLevel",
    "LotDecision",
    "ReducedTable",
    "SamplingError",
    "SamplingPlan",
    "SamplingTables",
    "Severity",
    "SwitchingState",
    "Transition",
    "accept_one_step_tighter",
    "code_letter",
    "load_tables",
    "lot_accepted",
    "next_state",
    "parse_aql",
    "parse_level",
    "parse_severity",
    "plan_for",
    "resume_after_corrective_action",
]

#: Where the ISO 2859-1 tables ship.
TABLES_DIR = MODELS_DIR / "standards" / "iso2859-1"

#: The AQL columns of the shipped master tables (percent nonconforming), tightest first.
#: The standard's tables run from 0.010 to 1000; seal lots are judged in this range.
AQL_VALUES: tuple[float, ...] = (0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5)

#: The :meth:`SwitchingState.to_dict` layout this code reads and writes.
STATE_SCHEMA_VERSION = 1

#: ISO 2859-1:1999 clause 9.3.2: two not accepted among five or fewer consecutive lots.
_TIGHTEN_WINDOW = 5
_TIGHTEN_NOT_ACCEPTED = 2
#: Clause 9.3.2: five consecutive lots accepted on tightened inspection restore normal.
_RELAX_ACCEPTED = 5
#: Clause 9.4: five lots not accepted on tightened inspection discontinue the procedure.
_DISCONTINUE_NOT_ACCEPTED = 5
#: Clause 9.3.3: the switching score at which reduced inspection may start.
_REDUCED_SCORE = 30

#: Acceptance numbers of Table II-A along a row, tightest AQL first (its diagonals).
#: Used only to step tighter than the tightest shipped AQL column; see
#: :func:`accept_one_step_tighter`.
_NORMAL_AC_SERIES: tuple[int, ...] = (0, 1, 2, 3, 5, 7, 10, 14, 21)


class SamplingError(ValueError):
    """Bad sampling input (AQL, lot size, level, count) or unreadable tables; says which."""


class InspectionLevel(StrEnum):
    """ISO 2859-1:1999 inspection levels (clause 10.1): special S-1…S-4, general I, II, III.

    Level II is the default; the special levels give small samples where destructive or
    costly inspection justifies a larger risk.
    """

    S1 = "S-1"
    S2 = "S-2"
    S3 = "S-3"
    S4 = "S-4"
    I = "I"  # noqa: E741 - the standard names general level I so; "l" confusion is moot
    II = "II"
    III = "III"


class Severity(StrEnum):
    """Severity of inspection (ISO 2859-1:1999 clause 9): which master table applies."""

    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"


class ReducedTable(StrEnum):
    """Which reduced master table to use (only matters on reduced inspection)."""

    #: ISO 2859-1:1999 Table II-C: Re = Ac + 1.
    ISO_1999 = "1999"
    #: ANSI/ASQ Z1.4 / MIL-STD-105E Table II-C: a gap between Ac and Re.
    Z14 = "z14"


class LotDecision(StrEnum):
    """The sampling plan's call on one lot (ISO 2859-1:1999 clause 10.1.1)."""

    ACCEPT = "accept"
    REJECT = "reject"
    #: Z1.4 reduced table only: Ac < d < Re accepts the lot but reinstates normal inspection.
    ACCEPT_RETURN_TO_NORMAL = "accept_return_to_normal"

    @property
    def accepted(self) -> bool:
        """Whether the lot is accepted (either kind of acceptance)."""
        return self is not LotDecision.REJECT


class Transition(StrEnum):
    """What the last lot did to the severity of inspection (for logs and the UI)."""

    NONE = "none"
    TO_TIGHTENED = "to_tightened"
    TO_NORMAL = "to_normal"
    TO_REDUCED = "to_reduced"
    DISCONTINUED = "discontinued"
    RESUMED = "resumed"


class _Arrow(StrEnum):
    UP = "up"
    DOWN = "down"


_Cell = tuple[int, int] | _Arrow


@dataclass(frozen=True)
class _MasterRow:
    letter: str
    sample_size: int
    #: One cell per :data:`AQL_VALUES` column.
    cells: tuple[_Cell, ...]


@dataclass(frozen=True)
class _MasterTable:
    name: str
    rows: tuple[_MasterRow, ...]

    def index_of(self, letter: str) -> int:
        for i, row in enumerate(self.rows):
            if row.letter == letter:
                return i
        raise SamplingError(f"{self.name}: no row for code letter {letter!r}")


@dataclass(frozen=True)
class _LetterRow:
    lot_min: int
    lot_max: int | None  # None: no upper bound (the last row, 500 001 and over)
    letters: Mapping[InspectionLevel, str]


@dataclass(frozen=True)
class SamplingTables:
    """The ISO 2859-1:1999 tables as read from CSV files.

    Attributes
    ----------
    code_letters : tuple
        Table I: lot-size ranges and the code letter per inspection level.
    normal, tightened, reduced, reduced_z14 : master tables
        Tables II-A, II-B, II-C (1999) and the Z1.4 / MIL-STD-105E II-C.
    """

    code_letters: tuple[_LetterRow, ...]
    normal: _MasterTable
    tightened: _MasterTable
    reduced: _MasterTable
    reduced_z14: _MasterTable

    @classmethod
    def load(cls, directory: Path = TABLES_DIR) -> SamplingTables:
        """Read the five tables from ``directory``.

        Raises
        ------
        SamplingError
            A file is missing or a cell is malformed; the message names the file and row.
        """
        return cls(
            code_letters=_read_code_letters(directory / "table-I-code-letters.csv"),
            normal=_read_master(directory / "table-II-A-normal.csv"),
            tightened=_read_master(directory / "table-II-B-tightened.csv"),
            reduced=_read_master(directory / "table-II-C-reduced.csv"),
            reduced_z14=_read_master(directory / "table-II-C-reduced-z14.csv"),
        )

    def master(self, severity: Severity, reduced_table: ReducedTable) -> _MasterTable:
        """Return the master table for ``severity`` (Table II-A, II-B or II-C)."""
        if severity is Severity.NORMAL:
            return self.normal
        if severity is Severity.TIGHTENED:
            return self.tightened
        return self.reduced if reduced_table is ReducedTable.ISO_1999 else self.reduced_z14


@functools.cache
def _load_shipped() -> SamplingTables:
    # The shipped tables never change while the program runs; read them once.
    return SamplingTables.load(TABLES_DIR)


def load_tables(directory: Path | None = None) -> SamplingTables:
    """Return the sampling tables from ``directory``, or the shipped ones (cached).

    Parameters
    ----------
    directory : Path, optional
        A folder holding the five CSV files; ``None`` for ``models/standards/iso2859-1``.
    """
    return _load_shipped() if directory is None else SamplingTables.load(directory)


def _open_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as exc:
        raise SamplingError(f"cannot read sampling table {path}: {exc.strerror}") from exc


def _read_code_letters(path: Path) -> tuple[_LetterRow, ...]:
    rows: list[_LetterRow] = []
    for n, raw in enumerate(_open_rows(path), start=2):
        try:
            lot_max = int(raw["lot_max"]) if raw["lot_max"].strip() else None
            letters = {level: raw[level.value].strip() for level in InspectionLevel}
            rows.append(_LetterRow(int(raw["lot_min"]), lot_max, letters))
        except (KeyError, ValueError, AttributeError) as exc:
            raise SamplingError(f"{path.name} line {n}: malformed row ({exc})") from exc
    # Ranges must tile 2 … ∞ without gaps, or some lot size would have no letter.
    for before, after in itertools.pairwise(rows):
        if before.lot_max is None or after.lot_min != before.lot_max + 1:
            raise SamplingError(f"{path.name}: lot-size ranges are not contiguous")
    if not rows or rows[-1].lot_max is not None:
        raise SamplingError(f"{path.name}: the last lot-size range must be open-ended")
    return tuple(rows)


def _parse_cell(text: str) -> _Cell:
    text = text.strip()
    if text in (_Arrow.UP, _Arrow.DOWN):
        return _Arrow(text)
    ac, sep, re_ = text.partition("/")
    if not sep:
        raise ValueError(f"cell {text!r} is neither Ac/Re nor an arrow")
    accept, reject = int(ac), int(re_)
    if not 0 <= accept < reject:
        raise ValueError(f"cell {text!r} needs 0 <= Ac < Re")
    return (accept, reject)


def _read_master(path: Path) -> _MasterTable:
    with_header = _open_rows(path)
    if with_header:
        columns = [c for c in with_header[0] if c not in ("letter", "sample_size")]
        if tuple(float(c) for c in columns) != AQL_VALUES:
            raise SamplingError(f"{path.name}: AQL columns {columns} differ from AQL_VALUES")
    rows: list[_MasterRow] = []
    for n, raw in enumerate(with_header, start=2):
        try:
            values = [v for k, v in raw.items() if k not in ("letter", "sample_size")]
            cells = tuple(_parse_cell(v) for v in values)
            rows.append(_MasterRow(raw["letter"].strip(), int(raw["sample_size"]), cells))
        except (KeyError, ValueError, AttributeError) as exc:
            raise SamplingError(f"{path.name} line {n}: malformed row ({exc})") from exc
    return _MasterTable(path.name, tuple(rows))


# ---------------------------------------------------------------------------------------
# Parsing user input


def parse_level(text: str | InspectionLevel) -> InspectionLevel:
    """Return the inspection level named by ``text`` ("II", "s-3", "S3", …).

    Raises
    ------
    SamplingError
        Unknown level; the message lists the valid ones.
    """
    key = str(text).strip().upper().replace(" ", "")
    # Operators write "S3" as often as the standard's "S-3".
    key = re.sub(r"^S-?(\d)$", r"S-\1", key)
    try:
        return InspectionLevel(key)
    except ValueError:
        valid = ", ".join(level.value for level in InspectionLevel)
        raise SamplingError(f"unknown inspection level {text!r}; use one of {valid}") from None


def parse_severity(text: str | Severity) -> Severity:
    """Return the severity named by ``text`` (normal, tightened, reduced; any case).

    Raises
    ------
    SamplingError
        Unknown severity; the message lists the valid ones.
    """
    try:
        return Severity(str(text).strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in Severity)
        raise SamplingError(f"unknown severity {text!r}; use one of {valid}") from None


def _parse_reduced_table(text: str | ReducedTable) -> ReducedTable:
    try:
        return ReducedTable(str(text).strip().lower())
    except ValueError:
        valid = ", ".join(t.value for t in ReducedTable)
        raise SamplingError(f"unknown reduced table {text!r}; use one of {valid}") from None


def parse_aql(value: float | str) -> float:
    """Return the AQL column matching ``value`` (a number or text such as ``"0.10"``).

    Raises
    ------
    SamplingError
        Not one of :data:`AQL_VALUES`; the message lists them.
    """
    valid = ", ".join(f"{a:g}" for a in AQL_VALUES)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SamplingError(f"AQL {value!r} is not a number; use one of {valid}") from None
    for aql in AQL_VALUES:
        # Tolerate float spelling ("0.1" vs "0.10"), never a different column.
        if math.isclose(number, aql, rel_tol=1e-9):
            return aql
    raise SamplingError(f"AQL {value!r} is not in the ISO 2859-1 table; use one of {valid}")


def _check_lot_size(lot_size: int) -> None:
    # bool is an int subclass; True as a lot size is a bug, not one ring.
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise SamplingError(f"lot size must be a whole number, got {lot_size!r}")
    if lot_size <= 0:
        raise SamplingError(f"lot size must be at least 1 ring, got {lot_size}")


# ---------------------------------------------------------------------------------------
# Plans


@dataclass(frozen=True)
class SamplingPlan:
    """A resolved single sampling plan for one lot (ISO 2859-1:1999 clause 10, Tables I–II).

    Attributes
    ----------
    lot_size : int
        Rings in the lot.
    level : InspectionLevel
        Inspection level used for Table I.
    aql : float
        Acceptable quality limit, percent nonconforming (one of :data:`AQL_VALUES`).
    severity : Severity
        Normal, tightened or reduced inspection.
    code_letter : str
        The code letter *after* arrows are resolved: the row the plan was taken from.
        (Table I's letter for the lot may differ when the cell held an arrow.)
    sample_size : int
        Rings to inspect; equals ``lot_size`` when ``hundred_percent``.
    accept : int
        Ac: the lot is accepted with at most this many nonconforming rings in the sample.
    reject : int
        Re: the lot is not accepted with this many or more. ``reject > accept + 1`` only
        with the Z1.4 reduced table.
    hundred_percent : bool
        The plan's sample size reached the lot size, so every ring is inspected; Ac/Re
        still judge the count.
    """

    lot_size: int
    level: InspectionLevel
    aql: float
    severity: Severity
    code_letter: str
    sample_size: int
    accept: int
    reject: int
    hundred_percent: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as a JSON-ready dict (enums as their values)."""
        return {
            "code_letter": self.code_letter,
            "sample_size": self.sample_size,
            "accept": self.accept,
            "reject": self.reject,
            "lot_size": self.lot_size,
            "aql": self.aql,
            "level": self.level.value,
            "severity": self.severity.value,
            "hundred_percent": self.hundred_percent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SamplingPlan:
        """Rebuild a plan stored with :meth:`to_dict`.

        Raises
        ------
        SamplingError
            A key is missing or a value has the wrong type.
        """
        try:
            plan = cls(
                lot_size=_as_int(data["lot_size"], "lot_size"),
                level=parse_level(data["level"]),
                aql=parse_aql(data["aql"]),
                severity=parse_severity(data["severity"]),
                code_letter=str(data["code_letter"]),
                sample_size=_as_int(data["sample_size"], "sample_size"),
                accept=_as_int(data["accept"], "accept"),
                reject=_as_int(data["reject"], "reject"),
                hundred_percent=_as_bool(data["hundred_percent"], "hundred_percent"),
            )
        except KeyError as exc:
            raise SamplingError(f"sampling plan is missing {exc.args[0]!r}") from None
        if not 0 <= plan.accept < plan.reject or not 0 < plan.sample_size <= plan.lot_size:
            raise SamplingError(f"sampling plan is inconsistent: {dict(data)}")
        return plan


def code_letter(
    lot_size: int,
    level: InspectionLevel | str = InspectionLevel.II,
    *,
    tables: SamplingTables | None = None,
) -> str:
    """Return the sample-size code letter for a lot (ISO 2859-1:1999 Table I).

    Parameters
    ----------
    lot_size : int
        Rings in the lot, at least 1. Table I starts at 2; a lot of 1 uses the first row.
    level : InspectionLevel or str
        Inspection level, default II.
    tables : SamplingTables, optional
        Tables to read; the shipped ones by default.

    Raises
    ------
    SamplingError
        Lot size below 1 or unknown level.
    """
    _check_lot_size(lot_size)
    level = parse_level(level)
    rows = load_tables().code_letters if tables is None else tables.code_letters
    for row in rows:
        if row.lot_max is None or lot_size <= row.lot_max:
            return row.letters[level]
    raise AssertionError("unreachable: the last Table I row is open-ended")  # pragma: no cover


def _resolve(table: _MasterTable, start: int, column: int) -> _MasterRow:
    """Follow an arrow to the first plan above/below in the same column.

    The direction is the first arrow's; arrows passed on the way are skipped, since the
    standard means "the first *sampling plan*" in that direction, not the next cell.
    """
    first = table.rows[start].cells[column]
    if not isinstance(first, _Arrow):
        return table.rows[start]
    step = -1 if first is _Arrow.UP else 1
    i = start + step
    while 0 <= i < len(table.rows):
        if not isinstance(table.rows[i].cells[column], _Arrow):
            return table.rows[i]
        i += step
    raise SamplingError(
        f"{table.name}: the {first.value} arrow at {table.rows[start].letter}, "
        f"AQL {AQL_VALUES[column]:g} leads out of the table"
    )


def plan_for(
    lot_size: int,
    aql: float | str,
    *,
    level: InspectionLevel | str = InspectionLevel.II,
    severity: Severity | str = Severity.NORMAL,
    reduced_table: ReducedTable | str = ReducedTable.ISO_1999,
    tables: SamplingTables | None = None,
) -> SamplingPlan:
    """Return the single sampling plan for a lot (ISO 2859-1:1999 Tables I, II-A/B/C).

    Parameters
    ----------
    lot_size : int
        Rings in the lot, at least 1.
    aql : float or str
        Acceptable quality limit in percent nonconforming; one of :data:`AQL_VALUES`.
    level : InspectionLevel or str, default II
        Inspection level (Table I).
    severity : Severity or str, default normal
        Normal (Table II-A), tightened (II-B) or reduced (II-C) inspection.
    reduced_table : ReducedTable or str, default "1999"
        ``"1999"`` for ISO 2859-1:1999 Table II-C, ``"z14"`` for the Z1.4 /
        MIL-STD-105E table with a gap between Ac and Re.
    tables : SamplingTables, optional
        Tables to read; the shipped ones by default.

    Returns
    -------
    SamplingPlan
        With arrows resolved (the row's sample size and letter are taken) and 100 %
        inspection when the sample size reaches the lot size.

    Raises
    ------
    SamplingError
        Lot size below 1, or an AQL, level, severity or reduced table not in the tables.

    Examples
    --------
    >>> p = plan_for(1000, 2.5)
    >>> (p.code_letter, p.sample_size, p.accept, p.reject)
    ('J', 80, 5, 6)
    """
    _check_lot_size(lot_size)
    aql = parse_aql(aql)
    level = parse_level(level)
    severity = parse_severity(severity)
    reduced_table = _parse_reduced_table(reduced_table)
    tables = load_tables() if tables is None else tables

    master = tables.master(severity, reduced_table)
    column = AQL_VALUES.index(aql)
    row = _resolve(master, master.index_of(code_letter(lot_size, level, tables=tables)), column)
    cell = row.cells[column]
    assert not isinstance(cell, _Arrow)  # _resolve only returns rows with a plan here
    accept, reject = cell
    # Clause 10.1 note: a sample as large as the lot means inspecting every unit.
    hundred_percent = row.sample_size >= lot_size
    return SamplingPlan(
        lot_size=lot_size,
        level=level,
        aql=aql,
        severity=severity,
        code_letter=row.letter,
        sample_size=lot_size if hundred_percent else row.sample_size,
        accept=accept,
        reject=reject,
        hundred_percent=hundred_percent,
    )


def _check_count(plan: SamplingPlan, nonconforming: int) -> None:
    if isinstance(nonconforming, bool) or not isinstance(nonconforming, int):
        raise SamplingError(f"nonconforming count must be a whole number, got {nonconforming!r}")
    if not 0 <= nonconforming <= plan.sample_size:
        raise SamplingError(
            f"nonconforming count {nonconforming} is outside 0…{plan.sample_size} (the sample size)"
        )


def lot_accepted(plan: SamplingPlan, nonconforming: int) -> LotDecision:
    """Judge a lot from the nonconforming rings found in its sample (clause 10.1.1).

    Parameters
    ----------
    plan : SamplingPlan
        The plan the sample was drawn by.
    nonconforming : int
        Nonconforming rings in the sample, 0 … ``plan.sample_size``.

    Returns
    -------
    LotDecision
        ``ACCEPT`` at most Ac, ``REJECT`` at Re or more, ``ACCEPT_RETURN_TO_NORMAL``
        strictly between (possible only with the Z1.4 reduced table).

    Raises
    ------
    SamplingError
        Negative count, or more than the sample size.
    """
    _check_count(plan, nonconforming)
    if nonconforming <= plan.accept:
        return LotDecision.ACCEPT
    if nonconforming >= plan.reject:
        return LotDecision.REJECT
    return LotDecision.ACCEPT_RETURN_TO_NORMAL


def accept_one_step_tighter(
    plan: SamplingPlan, *, tables: SamplingTables | None = None
) -> int | None:
    """Return Ac for the plan's sample size at the AQL one step tighter (clause 9.3.3).

    The switching score asks whether a lot on normal inspection "would have been accepted
    if the AQL had been one step tighter": the acceptance number of Table II-A in the
    same row (same code letter and sample size), one AQL column to the left.

    For the tightest shipped column (0.065) the next column (0.040) is not shipped;
    Table II-A's rows step along the series 0, 1, 2, 3, 5, 7, 10, 14, 21 from column to
    column (its diagonals), so the previous number of that series is used.

    Returns
    -------
    int or None
        The tighter Ac; None when the tighter AQL has no plan at this sample size (an
        arrow; in Table II-A only next to Ac 0 or 1, where the score does not need it).

    Raises
    ------
    SamplingError
        The plan is not a normal-inspection plan.
    """
    if plan.severity is not Severity.NORMAL:
        raise SamplingError("the switching score applies to normal inspection only")
    tables = load_tables() if tables is None else tables
    column = AQL_VALUES.index(plan.aql)
    if column > 0:
        row = tables.normal.rows[tables.normal.index_of(plan.code_letter)]
        cell = row.cells[column - 1]
        return None if isinstance(cell, _Arrow) else cell[0]
    if plan.accept in _NORMAL_AC_SERIES[1:]:
        return _NORMAL_AC_SERIES[_NORMAL_AC_SERIES.index(plan.accept) - 1]
    return None


# ---------------------------------------------------------------------------------------
# Switching rules


@dataclass(frozen=True)
class SwitchingState:
    """Where one part (and defect class) stands in the switching rules (clause 9).

    Start with ``SwitchingState()``: normal inspection, score 0 (clause 9.2).

    Attributes
    ----------
    severity : Severity
        The inspection severity the *next* lot is to be inspected at.
    switching_score : int
        Clause 9.3.3 score, counted on normal inspection only; 0 elsewhere.
    recent_normal : tuple of bool
        Results of the last (up to 5) lots on original normal inspection, oldest first,
        True for accepted. Cleared on every switch.
    tightened_consecutive_accepted : int
        Consecutive lots accepted on tightened inspection (5 restore normal, clause 9.3.2).
    tightened_not_accepted : int
        Lots not accepted since tightened inspection began (5 discontinue, clause 9.4).
    discontinued : bool
        Acceptance inspection is discontinued until corrective action
        (:func:`resume_after_corrective_action`); :func:`next_state` refuses until then.
    last_transition : Transition
        What the last lot did, for the record and the operator.
    """

    severity: Severity = Severity.NORMAL
    switching_score: int = 0
    recent_normal: tuple[bool, ...] = field(default=())
    tightened_consecutive_accepted: int = 0
    tightened_not_accepted: int = 0
    discontinued: bool = False
    last_transition: Transition = Transition.NONE

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-ready dict (with ``schema_version``)."""
        return {
            "schema_version": STATE_SCHEMA_VERSION,
            "severity": self.severity.value,
            "switching_score": self.switching_score,
            "recent_normal": list(self.recent_normal),
            "tightened_consecutive_accepted": self.tightened_consecutive_accepted,
            "tightened_not_accepted": self.tightened_not_accepted,
            "discontinued": self.discontinued,
            "last_transition": self.last_transition.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SwitchingState:
        """Rebuild a state stored with :meth:`to_dict`.

        Raises
        ------
        SamplingError
            Newer or unknown schema, a missing key or a value of the wrong type.
        """
        version = data.get("schema_version")
        if version != STATE_SCHEMA_VERSION:
            raise SamplingError(
                f"switching state schema {version!r} is not {STATE_SCHEMA_VERSION}; "
                "written by another version of the program?"
            )
        try:
            recent = data["recent_normal"]
            if not isinstance(recent, list | tuple) or len(recent) > _TIGHTEN_WINDOW:
                raise SamplingError(f"recent_normal must be a list of ≤ 5 booleans: {recent!r}")
            try:
                transition = Transition(data["last_transition"])
            except ValueError:
                raise SamplingError(
                    f"unknown last_transition {data['last_transition']!r}"
                ) from None
            return cls(
                severity=parse_severity(data["severity"]),
                switching_score=_as_int(data["switching_score"], "switching_score"),
                recent_normal=tuple(_as_bool(r, "recent_normal") for r in recent),
                tightened_consecutive_accepted=_as_int(
                    data["tightened_consecutive_accepted"], "tightened_consecutive_accepted"
                ),
                tightened_not_accepted=_as_int(
                    data["tightened_not_accepted"], "tightened_not_accepted"
                ),
                discontinued=_as_bool(data["discontinued"], "discontinued"),
                last_transition=transition,
            )
        except KeyError as exc:
            raise SamplingError(f"switching state is missing {exc.args[0]!r}") from None


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SamplingError(f"{name} must be a non-negative whole number, got {value!r}")
    return value


def _as_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise SamplingError(f"{name} must be true or false, got {value!r}")
    return value


def _start(severity: Severity, transition: Transition) -> SwitchingState:
    # Every switch starts the new severity's counters afresh; the switching score is
    # "initiated at the start of normal inspection" (clause 9.3.3).
    return SwitchingState(severity=severity, last_transition=transition)


def next_state(
    state: SwitchingState,
    *,
    plan: SamplingPlan,
    accepted: bool,
    nonconforming: int,
    production_steady: bool = True,
    authority_approves_reduced: bool = True,
    authority_requires_normal: bool = False,
    tables: SamplingTables | None = None,
) -> SwitchingState:
    """Apply one lot's result to the switching rules (ISO 2859-1:1999 clause 9).

    - normal → tightened (9.3.2): 2 lots not accepted among 5 or fewer consecutive lots
      on original normal inspection;
    - normal → reduced (9.3.3): the switching score reaches 30, production is steady and
      the responsible authority approves. After each lot on normal: with Ac ≤ 1, +2 when
      accepted, else reset to 0; with Ac ≥ 2, +3 when the lot would have been accepted
      at the AQL one step tighter (:func:`accept_one_step_tighter`), else reset to 0;
    - tightened → normal (9.3.2): 5 consecutive lots accepted;
    - tightened → discontinued (9.4): the lots not accepted since tightened inspection
      began reach 5;
    - reduced → normal (9.3.4): a lot not accepted, a Z1.4 gap count (Ac < d < Re),
      irregular production, or the authority requires it.

    Parameters
    ----------
    state : SwitchingState
        The part's state before this lot.
    plan : SamplingPlan
        The plan the lot was inspected by; its severity must be ``state.severity``.
    accepted : bool
        Whether the lot was accepted on original inspection (a lot may be refused for
        reasons beyond this count, so it is the caller's call; accepting a count of Re or
        more is refused as inconsistent).
    nonconforming : int
        Nonconforming rings found in the sample.
    production_steady : bool
        False when production is irregular or delayed (blocks reduced, ends it).
    authority_approves_reduced : bool
        The responsible authority's consent to reduced inspection.
    authority_requires_normal : bool
        The responsible authority reinstates normal inspection from reduced.
    tables : SamplingTables, optional
        Tables for the switching score; the shipped ones by default.

    Returns
    -------
    SwitchingState
        The state for the next lot; ``last_transition`` says whether it switched.

    Raises
    ------
    SamplingError
        Inspection is discontinued, the plan's severity is not the state's, the count is
        out of range, or ``accepted`` contradicts a count of Re or more.
    """
    if state.discontinued:
        raise SamplingError(
            "acceptance inspection is discontinued for this part (ISO 2859-1 clause 9.4); "
            "resume on tightened inspection after corrective action"
        )
    if plan.severity is not state.severity:
        raise SamplingError(
            f"the lot was inspected on {plan.severity} but the part is on {state.severity}"
        )
    decision = lot_accepted(plan, nonconforming)
    if accepted and decision is LotDecision.REJECT:
        raise SamplingError(
            f"{nonconforming} nonconforming reaches Re {plan.reject}: the lot cannot be accepted"
        )

    if state.severity is Severity.NORMAL:
        recent = (*state.recent_normal, accepted)[-_TIGHTEN_WINDOW:]
        if recent.count(False) >= _TIGHTEN_NOT_ACCEPTED:
            return _start(Severity.TIGHTENED, Transition.TO_TIGHTENED)
        score = _updated_score(state.switching_score, plan, accepted, nonconforming, tables)
        if score >= _REDUCED_SCORE and production_steady and authority_approves_reduced:
            return _start(Severity.REDUCED, Transition.TO_REDUCED)
        return replace(
            state, switching_score=score, recent_normal=recent, last_transition=Transition.NONE
        )

    if state.severity is Severity.TIGHTENED:
        if accepted:
            run = state.tightened_consecutive_accepted + 1
            if run >= _RELAX_ACCEPTED:
                return _start(Severity.NORMAL, Transition.TO_NORMAL)
            return replace(
                state, tightened_consecutive_accepted=run, last_transition=Transition.NONE
            )
        refused = state.tightened_not_accepted + 1
        if refused >= _DISCONTINUE_NOT_ACCEPTED:
            return replace(
                state,
                tightened_consecutive_accepted=0,
                tightened_not_accepted=refused,
                discontinued=True,
                last_transition=Transition.DISCONTINUED,
            )
        return replace(
            state,
            tightened_consecutive_accepted=0,
            tightened_not_accepted=refused,
            last_transition=Transition.NONE,
        )

    # Reduced.
    if (
        not accepted
        or decision is LotDecision.ACCEPT_RETURN_TO_NORMAL
        or not production_steady
        or authority_requires_normal
    ):
        return _start(Severity.NORMAL, Transition.TO_NORMAL)
    return replace(state, last_transition=Transition.NONE)


def _updated_score(
    score: int,
    plan: SamplingPlan,
    accepted: bool,
    nonconforming: int,
    tables: SamplingTables | None,
) -> int:
    """Clause 9.3.3 a), single sampling."""
    if plan.accept <= 1:
        return score + 2 if accepted else 0
    tighter = accept_one_step_tighter(plan, tables=tables)
    if accepted and tighter is not None and nonconforming <= tighter:
        return score + 3
    return 0


def resume_after_corrective_action(state: SwitchingState) -> SwitchingState:
    """Resume a discontinued part on tightened inspection (ISO 2859-1:1999 clause 9.4).

    The responsible authority decides that the supplier's corrective action is effective;
    inspection restarts on tightened with fresh counters.

    Raises
    ------
    SamplingError
        The state is not discontinued.
    """
    if not state.discontinued:
        raise SamplingError("inspection is not discontinued; nothing to resume")
    return _start(Severity.TIGHTENED, Transition.RESUMED)
