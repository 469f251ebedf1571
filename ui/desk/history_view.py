"""The defect history: every recorded ring, filtered, sorted, as a table or a gallery.

The filter bar (dates, customer, part, lot, station, operator, defect type, verdict, review
outcome) drives a lazy table (:class:`~ui.desk.history_model.HistoryTableModel`, pages of
500 rings through the desk's worker) and a gallery of thumbnails over the same rows. A
double-click or Enter opens the ring with its defects in a dialog; Export CSV… writes the
whole filtered result, in the table's order, in chunks in the worker with progress.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import User
from inspector.records import history, rings
from inspector.records.history import HistoryChoices, HistoryFilter, HistorySort
from inspector.store import SqliteStore
from ui.desk.common import add_shortcuts, save_file
from ui.desk.database import DeskDatabase
from ui.desk.gallery import GalleryModel, GalleryView
from ui.desk.history_model import (
    COLUMN_SAMPLES,
    COLUMNS,
    ROW_ROLE,
    HistoryTableModel,
    display,
)
from ui.desk.ring_panel import RingDialog
from ui.theme import BASE_POINT_SIZE
from ui.widgets import MessageBar

#: The earliest date a date edit can hold; showing it means "no limit" (special value text).
_NO_DATE = QDate(2000, 1, 1)
#: Rings written per export job: big enough to be quick, small enough to show progress
#: and to let other views' jobs through between chunks.
EXPORT_CHUNK = 20_000
#: Text columns widened to the first page's longest value: lot, part, customer, station,
#: operator.
_FITTED_COLUMNS = (1, 3, 4, 5, 6)
#: How long the filter waits after a change before asking the records (coalesces typing).
FILTER_DELAY_MS = 250

_VERDICT_CHOICES = (("any", None), ("pass", "pass"), ("fail", "fail"), ("error", "error"))
_REVIEW_CHOICES = (
    ("any", None),
    ("not reviewed", "none"),
    ("reviewed", "reviewed"),
    ("confirmed", "confirmed"),
    ("overruled", "overruled"),
)


# --- work for the desk's worker (module level: plain functions of the store) -----------


def load_ring(store: SqliteStore, inspection_id: int) -> rings.LoadedRing:
    """Read one recorded ring and decode its image."""
    return rings.with_pixels(rings.load_ring(store, inspection_id))


def finish_export(store: SqliteStore, part: Path, final: Path) -> Path:
    """Put a completed export in place of ``final`` (atomic on one file system)."""
    del store  # the export only touches files
    os.replace(part, final)
    return final


def drop_export(store: SqliteStore, part: Path) -> None:
    """Remove a cancelled export's partial file."""
    del store
    part.unlink(missing_ok=True)


# --- dialogs ---------------------------------------------------------------------------


class CsvSaveDialog:
    """Where to save the exported history."""

    @classmethod
    def ask(cls, parent: QWidget | None, suggested: str) -> Path | None:
        """Ask for a CSV file name; None when cancelled."""
        return save_file(parent, "Export the history to CSV", suggested, "CSV files", ".csv")


# --- the view --------------------------------------------------------------------------


def _combo(tooltip: str, *, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setToolTip(tooltip)
    combo.setMinimumContentsLength(10)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    if editable:
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.lineEdit().setPlaceholderText("any")
        combo.lineEdit().setClearButtonEnabled(True)
        completer = QCompleter(combo.model(), combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        combo.setCompleter(completer)
    return combo


def _date_edit(tooltip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(_NO_DATE)
    edit.setToolTip(tooltip + " (UTC; the earliest date shows 'any': no limit)")
    return edit


def _date_text(edit: QDateEdit) -> str | None:
    date = edit.date()
    return None if date == _NO_DATE else date.toString("yyyy-MM-dd")


def _set_items(combo: QComboBox, values: tuple[str, ...], *, any_text: str = "any") -> None:
    """Fill ``combo`` with "any" and ``values``, keeping the current choice if still there."""
    current = combo.currentData() if not combo.isEditable() else combo.currentText()
    with QSignalBlocker(combo):
        combo.clear()
        if not combo.isEditable():
            combo.addItem(any_text, None)
        for value in values:
            combo.addItem(value, value)
        if combo.isEditable():
            combo.setEditText(current or "")
        else:
            found = combo.findData(current)
            combo.setCurrentIndex(max(0, found))


class HistoryView(QWidget):
    """Every recorded ring, filtered and sorted, as a lazy table or a thumbnail gallery.

    Keys: F5 refresh, Ctrl+E export CSV, Enter open the ring, Ctrl+1 table, Ctrl+2 gallery,
    Ctrl+L focus the filter, Ctrl+Shift+L clear the filter.

    Signals
    -------
    filterChanged(object)
        The :class:`~inspector.records.history.HistoryFilter` just applied (charts follow it).
    ringOpened(int)
        The inspection id of a ring opened in the ring dialog.
    exported(str, int)
        A CSV export finished: the file and the number of rings written.
    """

    filterChanged = Signal(object)
    ringOpened = Signal(int)
    exported = Signal(str, int)

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._applied: HistoryFilter | None = None
        self.ring_dialog: RingDialog | None = None
        self._export: tuple[HistoryFilter, HistorySort, Path, Path] | None = None
        self._export_written = 0
        self._export_cancelled = False
        self._fitted = False

        self.model = HistoryTableModel(db, self)
        self.gallery_model = GalleryModel(db, self.model, self)

        self.message = MessageBar()
        self._build_filter_bar()

        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setTextVisible(False)
        self.busy.setToolTip("Reading the records…")
        self.busy.hide()
        self.export_progress = QProgressBar()
        self.export_progress.setMaximumWidth(260)
        self.export_progress.setFormat("Exporting %v of %m rings")
        self.export_progress.hide()
        self.cancel_export_button = QPushButton("Cancel export")
        self.cancel_export_button.setToolTip("Stop the export and remove the partial file")
        self.cancel_export_button.clicked.connect(self.cancel_export)
        self.cancel_export_button.hide()
        self.open_button = QPushButton("Open ring")
        self.open_button.setToolTip("Open the selected ring with its defects (Enter)")
        self.open_button.clicked.connect(self.open_current)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip(
            "Write every ring of the current filter, in the table's order, to a CSV file (Ctrl+E)"
        )
        self.export_button.clicked.connect(self.export_csv)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the records again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        actions = QHBoxLayout()
        actions.addWidget(self.summary, 1)
        actions.addWidget(self.busy)
        actions.addWidget(self.export_progress)
        actions.addWidget(self.cancel_export_button)
        actions.addWidget(self.open_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.refresh_button)

        self.table = QTableView()
        # The desk is read from a chair, not a metre away: a denser table than the
        # station's fits thirteen columns on one screen.
        dense = QFont(self.font())
        dense.setPointSize(max(9, BASE_POINT_SIZE - 2))
        self.table.setFont(dense)
        self.table.horizontalHeader().setFont(dense)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(dense).height() + 8)
        header = self.table.horizontalHeader()
        self._size_columns()
        header.setSectionResizeMode(10, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        self.table.doubleClicked.connect(self._open_index)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        self.empty.hide()
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.empty)
        table_layout.addWidget(self.table, 1)

        self.gallery = GalleryView()
        self.gallery.setModel(self.gallery_model)
        self.gallery.doubleClicked.connect(self._open_index)

        self.tabs = QTabWidget()
        self.tabs.addTab(table_page, "Table")
        self.tabs.addTab(self.gallery, "Gallery")
        self.tabs.setTabToolTip(0, "One row per recorded ring (Ctrl+1)")
        self.tabs.setTabToolTip(1, "Thumbnails with the defects outlined (Ctrl+2)")

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.filter_bar)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_edited)

        self.model.loadingChanged.connect(self._on_loading)
        self.model.pageLoaded.connect(self._update_summary)
        self.model.pageLoaded.connect(self._fit_to_rows)
        self.model.countChanged.connect(self._update_summary)
        self.model.failed.connect(self.message.show_error)
        self.gallery_model.failed.connect(self.message.show_error)

        add_shortcuts(
            self,
            (
                ("F5", self.refresh),
                ("Ctrl+E", self.export_csv),
                ("Ctrl+1", lambda: self.tabs.setCurrentIndex(0)),
                ("Ctrl+2", lambda: self.tabs.setCurrentIndex(1)),
                ("Ctrl+L", lambda: self.customer.setFocus()),
                ("Ctrl+Shift+L", self.clear_filter),
            ),
        )
        # Enter opens the ring: a filter, since the item views take Return themselves.
        self.table.installEventFilter(self)
        self.gallery.installEventFilter(self)
        self.set_user(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Open the current ring on Return or Enter in the table or the gallery."""
        if (
            watched in (self.table, self.gallery)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.open_current()
            return True
        return super().eventFilter(watched, event)

    # -- building ----------------------------------------------------------------------

    def _build_filter_bar(self) -> None:
        self.filter_bar = QFrame()
        self.filter_bar.setObjectName("panel")
        self.date_from = _date_edit("First day included")
        self.date_to = _date_edit("Last day included")
        self.customer = _combo("The lot's customer")
        self.part = _combo("Part (recipe)")
        self.lot = _combo("Lot number: type part of it or pick one", editable=True)
        self.station = _combo("Inspection station")
        self.operator = _combo("Who recorded the ring")
        self.defect_type = _combo("Rings with at least one defect of this type")
        self.verdict = _combo("The final verdict, after reviews")
        for text, value in _VERDICT_CHOICES:
            self.verdict.addItem(text, value)
        self.review = _combo("Review outcome")
        for text, value in _REVIEW_CHOICES:
            self.review.addItem(text, value)
        self.clear_button = QPushButton("Clear filter")
        self.clear_button.setToolTip("Show every ring (Ctrl+Shift+L)")
        self.clear_button.clicked.connect(self.clear_filter)

        grid = QGridLayout(self.filter_bar)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.setHorizontalSpacing(8)
        cells = (
            ("From", self.date_from),
            ("To", self.date_to),
            ("Customer", self.customer),
            ("Part", self.part),
            ("Lot", self.lot),
            ("Station", self.station),
            ("Operator", self.operator),
            ("Defect", self.defect_type),
            ("Verdict", self.verdict),
            ("Review", self.review),
        )
        for n, (title, widget) in enumerate(cells):
            row, col = divmod(n, 5)
            label = QLabel(title)
            label.setObjectName("muted")
            label.setBuddy(widget)
            grid.addWidget(label, row, col * 2)
            grid.addWidget(widget, row, col * 2 + 1)
            grid.setColumnStretch(col * 2 + 1, 1)
        grid.addWidget(self.clear_button, 0, 10, 2, 1)

        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._filter_edited)
        for combo in (
            self.customer,
            self.part,
            self.station,
            self.operator,
            self.defect_type,
            self.verdict,
            self.review,
        ):
            combo.currentIndexChanged.connect(self._filter_edited)
        self.lot.activated.connect(self._filter_edited)
        self.lot.lineEdit().editingFinished.connect(self._filter_edited)

    def _size_columns(self) -> None:
        """Size each column for its header or a typical value, whichever is wider."""
        header = self.table.horizontalHeader()
        bold = QFont(self.table.font())
        bold.setBold(True)  # the header and the verdict are bold
        text, titles = QFontMetrics(self.table.font()), QFontMetrics(bold)
        for column, sample in enumerate(COLUMN_SAMPLES):
            # The header needs room for its sort arrow; a cell for its padding.
            cell = titles if column in (8, 9) else text  # final verdict, overruled: bold
            width = max(
                cell.horizontalAdvance(sample) + 14,
                titles.horizontalAdvance(COLUMNS[column][0]) + 22,
            )
            header.resizeSection(column, width)

    @Slot(int)
    def _fit_to_rows(self, added: int) -> None:
        """Widen the text columns once, for the longest lot, part… of the first page.

        Only once: columns that jumped with every filter would be harder to read.
        """
        if self._fitted or not added:
            return
        self._fitted = True
        header = self.table.horizontalHeader()
        metrics = QFontMetrics(self.table.font())
        cap = metrics.horizontalAdvance("M" * 18)
        rows = self.model.rows()
        for column in _FITTED_COLUMNS:
            widest = max(metrics.horizontalAdvance(display(r, column)) for r in rows) + 14
            if widest > header.sectionSize(column):
                header.resizeSection(column, min(widest, cap))

    # -- the view contract -------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Show the history to a signed-in user (every role may read it); None hides it."""
        self._user = user
        self.filter_bar.setEnabled(user is not None)
        for button in (self.open_button, self.export_button, self.refresh_button):
            button.setEnabled(user is not None)
        if user is None:
            self._applied = None
            self.model.clear()
            self.gallery_model.forget()
            self.summary.setText("")
            self._show_empty("Sign in to see the inspection history.")
            return
        self.refresh()
        self.table.setFocus()

    def refresh(self) -> None:
        """Read the filter's choices and the rings again."""
        if self._user is None:
            return
        self.gallery_model.forget()
        # The first page goes first: it is what the user waits for; the combos can follow.
        self.apply_filter(force=True)
        self._db.call(history.choices, self._on_choices, self.message.show_error)

    # -- the filter --------------------------------------------------------------------

    def current_filter(self) -> HistoryFilter:
        """The filter the bar shows (applied or not)."""
        lot = self.lot.currentText().strip()
        return HistoryFilter(
            date_from=_date_text(self.date_from),
            date_to=_date_text(self.date_to),
            customer=self.customer.currentData(),
            part=self.part.currentData(),
            lot=lot or None,
            station=self.station.currentData(),
            operator=self.operator.currentData(),
            defect_type=self.defect_type.currentData(),
            verdict=self.verdict.currentData(),
            review=self.review.currentData(),
        )

    def set_filter(self, f: HistoryFilter) -> None:
        """Show and apply ``f`` (values the bar does not list are added to it)."""
        edits = ((self.date_from, f.date_from), (self.date_to, f.date_to))
        for edit, text in edits:
            with QSignalBlocker(edit):
                edit.setDate(QDate.fromString(text, "yyyy-MM-dd") if text else _NO_DATE)
        combos = (
            (self.customer, f.customer),
            (self.part, f.part),
            (self.station, f.station),
            (self.operator, f.operator),
            (self.defect_type, f.defect_type),
            (self.verdict, f.verdict),
            (self.review, f.review),
        )
        for combo, value in combos:
            with QSignalBlocker(combo):
                found = combo.findData(value)
                if found < 0:
                    combo.addItem(str(value), value)
                    found = combo.count() - 1
                combo.setCurrentIndex(found)
        with QSignalBlocker(self.lot):
            self.lot.setEditText(f.lot or "")
        self.apply_filter()

    @Slot()
    def clear_filter(self) -> None:
        """Show every ring."""
        self.set_filter(HistoryFilter())

    @Slot()
    def _filter_edited(self) -> None:
        self._filter_timer.start()

    @Slot()
    def _apply_edited(self) -> None:
        self.apply_filter()

    def apply_filter(self, *, force: bool = False) -> None:
        """Ask the records for the rings of the bar's filter (if it changed, or ``force``)."""
        self._filter_timer.stop()
        if self._user is None:
            return
        f = self.current_filter()
        if f.date_from and f.date_to and f.date_from > f.date_to:
            self.message.show_error("The From date is after the To date: no ring can match.")
            return
        if f == self._applied and not force:
            return
        self._applied = f
        self.message.dismiss()
        self.model.set_query(f)
        self._update_summary()
        self.filterChanged.emit(f)

    @Slot(object)
    def _on_choices(self, choices: HistoryChoices) -> None:
        _set_items(self.customer, choices.customers)
        _set_items(self.part, choices.parts)
        _set_items(self.lot, choices.lots)
        _set_items(self.station, choices.stations)
        _set_items(self.operator, choices.operators)
        _set_items(self.defect_type, choices.defect_types)
        for edit, when in ((self.date_from, choices.first_utc), (self.date_to, choices.last_utc)):
            if when:
                # The calendar opens on the records' own span.
                day = QDate.fromString(when[:10], "yyyy-MM-dd")
                edit.calendarWidget().setCurrentPage(day.year(), day.month())

    # -- sorting -----------------------------------------------------------------------

    @Slot(int, Qt.SortOrder)
    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if HistoryTableModel.sort_key_of(column) is not None:
            return
        # No index serves this column's order: put the arrow back where the rows are.
        sort = self.model.history_sort
        header = self.table.horizontalHeader()
        with QSignalBlocker(header):
            header.setSortIndicator(
                HistoryTableModel.column_of(sort),
                Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder,
            )
        self.message.show_info(f"The {COLUMNS[column][0]} column cannot be sorted.")

    # -- state shown -------------------------------------------------------------------

    @Slot(bool)
    def _on_loading(self, loading: bool) -> None:
        self.busy.setVisible(loading)
        self._update_summary()

    @Slot()
    def _update_summary(self) -> None:
        if self._user is None:
            return
        loaded = self.model.rowCount()
        total = self.model.total
        sort = self.model.history_sort
        arrow = "↓" if sort.descending else "↑"
        order = f"sorted by {COLUMNS[HistoryTableModel.column_of(sort)][0]} {arrow}"
        if total is None:
            count = f"{loaded:,} rings loaded" if loaded else "Reading the records…"
        elif total == loaded:
            count = f"{total:,} rings"
        else:
            count = f"{total:,} rings match · {loaded:,} loaded (scroll for more)"
        self.summary.setText(f"{count} · {order}")
        if self.model.complete and not self.model.loading and loaded == 0:
            self._show_empty(
                "No recorded ring matches this filter. Widen the dates or clear a filter "
                "(Ctrl+Shift+L)."
            )
        else:
            self.empty.hide()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.empty.show()

    # -- opening a ring ----------------------------------------------------------------

    @Slot()
    def open_current(self) -> None:
        """Open the ring selected in the table or the gallery shown."""
        view = self.gallery if self.tabs.currentIndex() == 1 else self.table
        index = view.currentIndex()
        if index.isValid():
            self._open_index(index)

    @Slot(QModelIndex)
    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.open_ring(row.inspection_id)

    def open_ring(self, inspection_id: int) -> None:
        """Read ring ``inspection_id`` in the worker and show it in the ring dialog."""
        self._db.call(
            functools.partial(load_ring, inspection_id=inspection_id),
            self._show_ring,
            self.message.show_error,
        )

    def _show_ring(self, loaded: rings.LoadedRing) -> None:
        if self.ring_dialog is None:
            self.ring_dialog = RingDialog(self)
        self.ring_dialog.show_ring(loaded)
        self.ringOpened.emit(loaded.record.inspection_id)

    # -- export ------------------------------------------------------------------------

    @property
    def exporting(self) -> bool:
        """True while an export runs."""
        return self._export is not None

    @Slot()
    def export_csv(self) -> None:
        """Ask where, then write every ring of the current filter and sort to CSV."""
        if self._user is None or self._export is not None:
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        final = CsvSaveDialog.ask(self, f"inspection-history-{stamp}.csv")
        if final is None:
            return
        part = final.with_name(final.name + ".part")
        self._export = (self.model.history_filter, self.model.history_sort, part, final)
        self._export_written = 0
        self._export_cancelled = False
        total = self.model.total
        self.export_progress.setRange(0, total if total else 0)
        self.export_progress.setValue(0)
        self.export_progress.show()
        self.cancel_export_button.show()
        self.export_button.setEnabled(False)
        self._export_next(None)

    def _export_next(self, after: tuple[object, ...] | None) -> None:
        assert self._export is not None
        f, sort, part, _ = self._export
        self._db.call(
            functools.partial(
                history.export_csv_chunk,
                f=f,
                sort=sort,
                path=part,
                after=after,
                rows=EXPORT_CHUNK,
            ),
            self._on_export_chunk,
            self._on_export_error,
        )

    def _on_export_chunk(self, answer: tuple[int, tuple[object, ...] | None]) -> None:
        if self._export is None:
            return
        written, after = answer
        self._export_written += written
        if self.export_progress.maximum() < self._export_written:
            self.export_progress.setMaximum(self._export_written)
        self.export_progress.setValue(self._export_written)
        _, _, part, final = self._export
        if self._export_cancelled:
            self._end_export()
            self._db.call(functools.partial(drop_export, part=part), _ignore, _ignore)
            self.message.show_info("Export cancelled; no file was written.")
        elif after is not None:
            self._export_next(after)
        else:
            self._db.call(
                functools.partial(finish_export, part=part, final=final),
                self._on_export_done,
                self._on_export_error,
            )

    def _on_export_done(self, final: Path) -> None:
        written = self._export_written
        self._end_export()
        self.message.show_info(f"Exported {written:,} rings to {final}.")
        self.exported.emit(str(final), written)

    def _on_export_error(self, message: str) -> None:
        self._end_export()
        self.message.show_error(f"Export failed: {message}")

    @Slot()
    def cancel_export(self) -> None:
        """Stop the export after the chunk being written; the partial file is removed."""
        if self._export is not None:
            self._export_cancelled = True
            self.cancel_export_button.setEnabled(False)

    def _end_export(self) -> None:
        self._export = None
        self.export_progress.hide()
        self.cancel_export_button.hide()
        self.cancel_export_button.setEnabled(True)
        self.export_button.setEnabled(self._user is not None)


def _ignore(_: object) -> None:
    """A callback for work whose answer does not matter."""
