"""The defect history as a lazy Qt table: pages of 500 rings fetched in the desk's worker.

The model never holds the whole result. ``fetchMore`` asks the worker for the page after
the last row shown (keyset pagination, :func:`inspector.records.history.page`) and the
answer is appended with ``beginInsertRows``, so a view scrolls through a million records
reading only what it shows. Sorting by a header asks the database for the new order and
starts over; a change of filter or sort bumps a generation number so a page answered for
the old query is dropped.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from inspector.records import history
from inspector.records.history import HistoryFilter, HistoryPage, HistoryRow, HistorySort, SortKey
from ui.desk.database import DeskDatabase
from ui.theme import MUTED

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole

#: The role that returns the whole :class:`~inspector.records.history.HistoryRow` of a row.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

_PASS = QColor("#5fd97a")
_FAIL = QColor("#ff6b6b")
_ERROR = QColor("#ffc94a")
_OVERRULED = QColor("#ffb347")
_OVERRULED_ROW = QColor(255, 179, 71, 38)  # a faint amber wash across an overruled row
_VERDICT_COLORS = {"pass": _PASS, "fail": _FAIL, "error": _ERROR}

#: (title, sort key or None when no index can serve the order, header tooltip)
COLUMNS: tuple[tuple[str, SortKey | None, str], ...] = (
    ("Time (UTC)", SortKey.TIME, "When the ring was inspected (UTC)"),
    ("Lot", SortKey.LOT, "Lot number; sorts by lot, then ring"),
    ("Ring", SortKey.LOT, "The ring's number in its lot; sorts by lot, then ring"),
    ("Part", SortKey.PART, "Part (recipe)"),
    ("Customer", SortKey.CUSTOMER, "The lot's customer"),
    ("Station", SortKey.STATION, "Inspection station"),
    ("Operator", SortKey.OPERATOR, "Who recorded the ring"),
    ("Machine", SortKey.MACHINE_VERDICT, "The engine's verdict, never changed"),
    ("Final", SortKey.VERDICT, "The verdict that counts, after reviews"),
    ("Review", SortKey.REVIEW, "Review outcome: confirmed, overruled, or not reviewed"),
    ("Defects", None, "Defect types found; * marks a call a review overruled"),
    ("ID mm", SortKey.ID_MM, "Measured inner diameter"),
    ("CS mm", SortKey.CS_MM, "Measured cross-section"),
)
#: A typical widest text of each column, to size it by the font in use (Defects stretches).
COLUMN_SAMPLES = (
    "2026-11-27 08:00",
    "L-00000",
    "000",
    "AS568-000",
    "Customer Co",
    "Station 0",
    "op00",
    "PASS",
    "PASS",
    "OVERRULED",
    "scratch",
    "ID mm",
    "00.000",
)


def _mm(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _defects_text(row: HistoryRow) -> str:
    """Defect types with counts (``scratch×2 crack*``); * marks an overruled call."""
    counts: dict[str, int] = {}
    for kind in row.defects:
        counts[kind] = counts.get(kind, 0) + 1
    overruled = set(row.overruled_defects)
    parts = []
    for kind, n in counts.items():
        text = kind.replace("_", "-") + (f"×{n}" if n > 1 else "")
        parts.append(text + ("*" if kind in overruled else ""))
    return " ".join(parts)


def display(row: HistoryRow, column: int) -> str:
    """The text of ``column`` for ``row`` (also what the CSV and tests compare against)."""
    if column == 0:
        return row.time_utc[:16].replace("T", " ")  # to the minute; the tooltip has seconds
    if column == 1:
        return row.lot
    if column == 2:
        return str(row.seq)
    if column == 3:
        return row.part
    if column == 4:
        return row.customer
    if column == 5:
        return row.station
    if column == 6:
        return row.operator
    if column == 7:
        return row.machine_verdict.upper()
    if column == 8:
        return row.verdict.upper()
    if column == 9:
        return row.review.upper() if row.review == "overruled" else row.review
    if column == 10:
        return _defects_text(row)
    if column == 11:
        return _mm(row.id_mm)
    return _mm(row.cs_mm)


class HistoryTableModel(QAbstractTableModel):
    """Recorded rings matching a filter, in a sort order, fetched a page at a time.

    Parameters
    ----------
    db : DeskDatabase
    page_size : int
        Rings per fetch.

    Signals
    -------
    pageLoaded(int)
        A page arrived; the number of rings it added.
    countChanged(int)
        How many rings the current filter matches (arrives after the first page).
    loadingChanged(bool)
        True while a page is being fetched.
    failed(str)
        A fetch failed; the message is for the user.
    """

    pageLoaded = Signal(int)
    countChanged = Signal(int)
    loadingChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, db: DeskDatabase, parent: Any = None, *, page_size: int = 500) -> None:
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        self._rows: list[HistoryRow] = []
        self._row_of: dict[int, int] = {}
        self._filter = HistoryFilter()
        self._sort = HistorySort()
        self._after: tuple[Any, ...] | None = None
        self._complete = True
        self._loading = False
        self._active = False
        self._generation = 0
        self._total: int | None = None

    # -- the query ---------------------------------------------------------------------

    @property
    def history_filter(self) -> HistoryFilter:
        """The filter the rows match."""
        return self._filter

    @property
    def history_sort(self) -> HistorySort:
        """The order of the rows."""
        return self._sort

    @property
    def total(self) -> int | None:
        """How many rings match (None until counted)."""
        return self._total

    @property
    def loading(self) -> bool:
        """True while a page is on its way."""
        return self._loading

    @property
    def complete(self) -> bool:
        """True when every matching ring is loaded."""
        return self._complete

    def set_query(self, f: HistoryFilter, sort: HistorySort | None = None) -> None:
        """Show the rings matching ``f`` in ``sort`` order (the current one when None):
        forget the rows, fetch the first page and count the result."""
        self.beginResetModel()
        self._generation += 1
        self._filter = f
        if sort is not None:
            self._sort = sort
        self._rows = []
        self._row_of = {}
        self._after = None
        self._complete = False
        self._active = True
        self._total = None
        self._set_loading(False)
        self.endResetModel()
        self.fetchMore(QModelIndex())
        self._db.call(
            functools.partial(history.count, f=f),
            functools.partial(self._on_count, self._generation),
            functools.partial(self._on_error, self._generation),
        )

    def clear(self) -> None:
        """Show nothing and fetch nothing (no user signed in)."""
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._row_of = {}
        self._complete = True
        self._active = False
        self._total = None
        self._set_loading(False)
        self.endResetModel()

    def row_at(self, row: int) -> HistoryRow:
        """The ring shown in ``row``."""
        return self._rows[row]

    def row_of(self, inspection_id: int) -> int | None:
        """The row showing inspection ``inspection_id``, if it is loaded."""
        return self._row_of.get(inspection_id)

    def rows(self) -> list[HistoryRow]:
        """Every loaded ring, in order (a copy)."""
        return list(self._rows)

    # -- lazy fetching -----------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._active and not self._complete and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        self._set_loading(True)
        self._db.call(
            functools.partial(
                history.page,
                f=self._filter,
                sort=self._sort,
                after=self._after,
                size=self._page_size,
            ),
            functools.partial(self._on_page, self._generation),
            functools.partial(self._on_error, self._generation),
        )

    def _on_page(self, generation: int, page: HistoryPage) -> None:
        if generation != self._generation:
            return  # answered for a filter or sort no longer shown
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            for n, row in enumerate(page.rows, start=first):
                self._row_of[row.inspection_id] = n
            self.endInsertRows()
        self._after = page.after
        self._complete = page.after is None
        self._set_loading(False)
        self.pageLoaded.emit(len(page.rows))

    def _on_count(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._total = total
            self.countChanged.emit(total)

    def _on_error(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        # Stop asking: the same query would fail again on every scroll.
        self._complete = True
        self._set_loading(False)
        self.failed.emit(message)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loadingChanged.emit(loading)

    # -- sorting -----------------------------------------------------------------------

    @staticmethod
    def sort_key_of(column: int) -> SortKey | None:
        """The sort a click on ``column``'s header asks for (None: not sortable)."""
        return COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None

    @staticmethod
    def column_of(sort: HistorySort) -> int:
        """The first column sorted by ``sort``."""
        return next(n for n, c in enumerate(COLUMNS) if c[1] is sort.key)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.sort_key_of(column)
        if key is None:
            return
        new = HistorySort(key, order == Qt.SortOrder.DescendingOrder)
        if new != self._sort or not self._active:
            self._sort = new
            if self._active:
                self.set_query(self._filter, new)

    # -- the table ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        title, key, tip = COLUMNS[section]
        if role == _DISPLAY:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip + ("" if key is not None else " (not sortable: no index serves it)")
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return display(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 7:
                return _VERDICT_COLORS.get(row.machine_verdict)
            if column == 8:
                return _VERDICT_COLORS.get(row.verdict)
            if column == 9 and row.review == "overruled":
                return _OVERRULED
            if column == 10 and row.overruled_defects:
                return _OVERRULED
            if column in (0, 11, 12):
                return QColor(MUTED) if column == 0 else None
            return None
        if role == Qt.ItemDataRole.BackgroundRole and row.overruled:
            return QBrush(_OVERRULED_ROW)
        if role == Qt.ItemDataRole.FontRole and (
            column == 8 or (column == 9 and row.review == "overruled")
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 11, 12):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    @staticmethod
    def _tooltip(row: HistoryRow) -> str:
        lines = [f"{row.lot} ring {row.seq} · {row.image} · {row.time_utc[:19]} UTC"]
        if row.verdict != row.machine_verdict:
            lines.append(
                f"Overruled: the machine said {row.machine_verdict.upper()}, "
                f"the review made it {row.verdict.upper()}"
            )
        elif row.review:
            lines.append(f"Review: {row.review}")
        if row.defects:
            lines.append("Defects: " + ", ".join(d.replace("_", "-") for d in row.defects))
        if row.overruled_defects:
            lines.append("Overruled defect calls: " + ", ".join(row.overruled_defects))
        lines.append("Double-click or Enter opens the ring")
        return "\n".join(lines)
