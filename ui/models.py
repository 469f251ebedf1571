"""Qt item models over inspection results: defects, dimensions, and the session's history."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from inspector.judge import MEASURED_SOURCES
from inspector.outcome import InspectionResult, JudgedDefect, Verdict
from inspector.recipes import Recipe, RecipeError, load_recipe
from ui.theme import MUTED, QT_DEFECT_COLORS

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_REJECT = QColor("#ff6b6b")
_OK = QColor("#5fd97a")
_WARN = QColor("#ffc94a")


def mm_text(value: float | None, decimals: int = 2) -> str:
    """A length in mm as shown in the tables ("—" when unknown)."""
    return "—" if value is None else f"{value:.{decimals}f}"


def nominal_text(nominal_mm: float | None, tol_mm: float | None) -> str:
    """A nominal size with its ± tolerance, as ``23.39 ± 0.25`` ("" with no nominal)."""
    if nominal_mm is None:
        return ""
    tol = f" ± {tol_mm:.2f}" if tol_mm is not None else ""
    return f"{nominal_mm:.2f}{tol}"


@functools.lru_cache(maxsize=32)
def recipe_for_key(key: str | None) -> Recipe | None:
    """The exact recipe version a result names (``"AS568-214@1"``), or None."""
    if not key:
        return None
    try:
        return load_recipe(key)
    except RecipeError:
        return None


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class _RowsModel(QAbstractTableModel):
    """A flat table of ``_rows`` under the column titles ``HEADERS``: the shape every
    table model here shares; subclasses fill ``_rows`` and answer ``data``."""

    HEADERS: tuple[str, ...] = ()
    _rows: Sequence[Any]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None


class DefectTableModel(_RowsModel):
    """One row per defect of a result: type, where, sizes in mm, the grade's call."""

    HEADERS = ("#", "Type", "Where", "L mm", "W mm", "A mm²", "At", "Call")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[JudgedDefect, ...] = ()

    def set_result(self, result: InspectionResult | None) -> None:
        """Show the defects of ``result`` (rejects first, then by length); None clears."""
        self.beginResetModel()
        defects = result.defects if result is not None else ()
        self._rows = tuple(
            sorted(defects, key=lambda d: (not d.reject, -(d.length_mm or d.defect.length_px)))
        )
        self.endResetModel()

    def defect_at(self, row: int) -> JudgedDefect:
        """The defect shown in ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        judged = self._rows[index.row()]
        defect = judged.defect
        column = index.column()
        if role == _DISPLAY:
            return (
                str(index.row() + 1),
                defect.type.value.replace("_", "-"),
                defect.where.value.replace("_", " "),
                mm_text(judged.length_mm),
                mm_text(judged.width_mm),
                mm_text(judged.area_mm2, 3),
                f"{defect.angle_deg % 360.0:.0f}°",
                "REJECT" if judged.reject else "accept",
            )[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return QT_DEFECT_COLORS[defect.type]
        if role == Qt.ItemDataRole.ForegroundRole and column == 7:
            return _REJECT if judged.reject else _OK
        if role == Qt.ItemDataRole.FontRole and column == 7 and judged.reject:
            return _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3, 4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return judged.reason or "within the grade's limits"
        return None


@dataclass(frozen=True)
class DimensionRow:
    """One measured dimension against its nominal and tolerance (mm)."""

    label: str
    value_mm: float | None
    nominal_mm: float | None
    tol_mm: float | None
    status: str  # "OK", "OUT", "not judged", ""


class DimensionsModel(_RowsModel):
    """OD, ID, CS (mean, min, max) and ovality, against the recipe's tolerances."""

    HEADERS = ("Dimension", "Measured", "Nominal", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DimensionRow] = []
        self._note = ""

    def note(self) -> str:
        """Why dimensions are not judged, if they are not ("" when they are)."""
        return self._note

    def row(self, label: str) -> DimensionRow | None:
        """The row for ``"ID"``, ``"CS"``… or None."""
        return next((r for r in self._rows if r.label == label), None)

    def set_result(self, result: InspectionResult | None) -> None:
        """Show the dimensions of ``result``; None clears."""
        self.beginResetModel()
        self._rows = []
        self._note = ""
        dims = result.dimensions if result is not None else None
        if result is not None and dims is not None:
            recipe = recipe_for_key(result.recipe)
            measured = result.scale is not None and result.scale.source in MEASURED_SOURCES
            if result.scale is None:
                self._note = "No scale: calibrate the station to measure in mm."
            elif not measured:
                self._note = "Scale estimated from the nominal CS: dimensions are not judged."

            def judged(label: str, value: float | None, nominal: float | None, tol: float | None):
                if value is None or nominal is None or tol is None:
                    status = ""
                elif not measured:
                    status = "not judged"
                else:
                    status = "OK" if abs(value - nominal) <= tol + 1e-9 else "OUT"
                return DimensionRow(label, value, nominal, tol, status)

            r = recipe
            self._rows = [
                judged("OD", dims.outer_diameter_mm, r.od_mm if r else None, None),
                judged(
                    "ID", dims.inner_diameter_mm, r.id_mm if r else None, r.id_tol_mm if r else None
                ),
                judged(
                    "CS", dims.cross_section_mm, r.cs_mm if r else None, r.cs_tol_mm if r else None
                ),
                judged("CS min", dims.cross_section_min_mm, None, None),
                judged("CS max", dims.cross_section_max_mm, None, None),
            ]
            if dims.ovality_pct is not None:
                self._rows.append(DimensionRow("Ovality %", dims.ovality_pct, None, None, ""))
        self.endResetModel()

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            if column == 0:
                return row.label
            if column == 1:
                return mm_text(row.value_mm, 3)
            if column == 2:
                return nominal_text(row.nominal_mm, row.tol_mm)
            return row.status
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 3:
                return {"OK": _OK, "OUT": _REJECT, "not judged": _WARN}.get(row.status)
            if column == 2:
                return QColor(MUTED)
        if role == Qt.ItemDataRole.FontRole and column == 3 and row.status == "OUT":
            return _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


@dataclass(frozen=True)
class HistoryRow:
    """One inspection of this session, captured or imported."""

    source: str  # "capture", "file" or "import"
    result: InspectionResult


class HistoryModel(_RowsModel):
    """The session's inspections, newest first."""

    HEADERS = ("#", "Image", "Verdict", "Defects", "Why")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []

    def add(self, rows: list[HistoryRow]) -> None:
        """Add rows (given oldest first) at the top."""
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self._rows[:0] = reversed(rows)
        self.endInsertRows()

    def clear(self) -> None:
        """Forget every row."""
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def row_at(self, row: int) -> HistoryRow:
        """The history entry shown in ``row``."""
        return self._rows[row]

    def counts(self) -> dict[Verdict, int]:
        """How many results of each verdict."""
        out = dict.fromkeys(Verdict, 0)
        for row in self._rows:
            out[row.result.verdict] += 1
        return out

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        result = entry.result
        column = index.column()
        if role == _DISPLAY:
            if column == 0:
                return str(len(self._rows) - index.row())
            if column == 1:
                return Path(result.image).name
            if column == 2:
                return result.verdict.value.upper()
            if column == 3:
                return str(len(result.defects)) if result.verdict is not Verdict.ERROR else "—"
            return result.reasons[0] if result.reasons else ""
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return {Verdict.PASS: _OK, Verdict.FAIL: _REJECT, Verdict.ERROR: _WARN}[result.verdict]
        if role == Qt.ItemDataRole.FontRole and column == 2:
            return _bold()
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(result.reasons) or "no defects, dimensions in tolerance"
        return None
