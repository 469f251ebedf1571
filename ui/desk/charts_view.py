"""The quality charts: Pareto, p-chart, trend, I-MR, X̄-R/S and histograms for a filter.

The charts follow the history table's filter (:meth:`ChartsView.set_filter`, connected to
the history view's ``filterChanged``). The records are gathered in the desk's database
worker (:func:`inspector.records.statistics.gather`); the figures are built on the GUI
thread from the gathered data, only for the tab being looked at (each takes a few tens of
milliseconds). A newer filter makes an answer still on its way stale: it is dropped, and
only the newest filter is asked for once the worker is free. Exports build the same
figures again at their standard size (:data:`inspector.quality_charts.FIGSIZE`) and write
them in the worker.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import User
from inspector.quality_charts import CHARTS, ChartSpec, save_png
from inspector.records.history import HistoryFilter
from inspector.records.statistics import QualityData, describe, gather
from inspector.store import SqliteStore
from ui.desk.common import add_shortcuts, save_file
from ui.desk.database import DeskDatabase
from ui.theme import MUTED
from ui.widgets import MessageBar

__all__ = ["ChartFolderDialog", "ChartsView", "PngFileDialog", "export_charts", "file_stem"]

_SCREEN_DPI = 120
_TOOLTIPS = {
    "pareto": "Defects by type, most frequent first, with the cumulative share",
    "p-chart": "Fraction nonconforming of each lot with 3-sigma limits for its size",
    "trend": "Defects of each type per day, week or month, and per 100 rings",
    "id-imr": "Inside diameter of the latest rings: individuals and moving range",
    "cs-imr": "Cross-section of the latest rings: individuals and moving range",
    "id-xbar": "Inside diameter by lot: subgroup means and ranges (or standard deviations)",
    "cs-xbar": "Cross-section by lot: subgroup means and ranges (or standard deviations)",
    "id-histogram": "Inside diameter against its tolerance, with Cp and Cpk",
    "cs-histogram": "Cross-section against its tolerance, with Cp and Cpk",
}


# --- work run in the database worker -------------------------------------------------------


def export_charts(
    store: SqliteStore, data: QualityData, targets: tuple[tuple[str, Path], ...]
) -> list[Path]:
    """Build the charts named by key in ``targets`` from ``data`` and write each PNG.

    Runs in the database worker so the GUI stays responsive; ``store`` is not used (the
    data was gathered already), it is there because every desk job receives it.
    """
    del store
    specs = {spec.key: spec for spec in CHARTS}
    return [save_png(specs[key].build(data), path) for key, path in targets]


def file_stem(data: QualityData) -> str:
    """A file-name-safe form of the filter, e.g. ``lot-L-117`` or ``all-records``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", data.description).strip("-.")
    return stem[:80] or "charts"


# --- dialogs -------------------------------------------------------------------------------


class PngFileDialog:
    """Where to save one chart as PNG."""

    @classmethod
    def ask(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        """Return the file chosen (``.png`` added when missing), or None."""
        return save_file(parent, "Export chart as PNG", suggested, "PNG images", ".png")


class ChartFolderDialog:
    """A folder to write every chart into."""

    @classmethod
    def ask(cls, parent: QWidget | None, start: Path) -> Path | None:
        """Return the folder chosen, or None."""
        name = QFileDialog.getExistingDirectory(parent, "Export all charts to folder", str(start))
        return Path(name) if name else None


# --- the view ------------------------------------------------------------------------------


def _canvas(fig: Figure) -> QWidget:
    # Imported here, once PySide6 is loaded (this module imports it first): matplotlib's
    # qt_compat binds to the Qt binding already imported, so it can only pick PySide6.
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    # A little above the 100 dpi the figures are designed at, so their 8–11 pt text sits
    # closer to the size of the desk's own labels; exports keep the design size.
    fig.set_dpi(_SCREEN_DPI)
    canvas = FigureCanvasQTAgg(fig)  # type: ignore[no-untyped-call]  # matplotlib's Qt canvas is unannotated
    canvas.setMinimumSize(480, 300)
    return canvas


class ChartsView(QWidget):
    """The quality charts of the records matching the history filter.

    Signals
    -------
    busyChanged(bool)
        True while the records are being gathered for the charts.
    chartsUpdated(object)
        The :class:`~inspector.records.statistics.QualityData` now shown.
    exported(object)
        The list of PNG paths just written.
    """

    busyChanged = Signal(bool)
    chartsUpdated = Signal(object)
    exported = Signal(object)

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._filter = HistoryFilter()
        self._data: QualityData | None = None
        self._figures: dict[str, Figure] = {}
        self._generation = 0
        self._in_flight = False
        self._last_folder = Path.home()

        self._subject = QLabel("")
        self._subject.setToolTip("The history filter the charts follow")
        self._subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._progress = QProgressBar()
        self._progress.setRange(0, 0)  # indeterminate: the query reports no steps
        self._progress.setMaximumWidth(120)
        self._progress.setTextVisible(False)
        self._progress.setToolTip("Gathering the records for the charts")
        self._progress.hide()
        self._refresh_button = QPushButton("Refresh")
        self._refresh_button.setToolTip("Gather the records again (F5)")
        self._refresh_button.clicked.connect(self.refresh)
        self._export_button = QPushButton("Export PNG…")
        self._export_button.setToolTip("Save the chart shown as a PNG image (Ctrl+E)")
        self._export_button.clicked.connect(self.export_current)
        self._export_all_button = QPushButton("Export all…")
        self._export_all_button.setToolTip(
            "Save every chart as a PNG image into a folder (Ctrl+Shift+E)"
        )
        self._export_all_button.clicked.connect(self.export_all)
        bar = QHBoxLayout()
        bar.addWidget(self._subject, 1)
        bar.addWidget(self._progress)
        bar.addWidget(self._refresh_button)
        bar.addWidget(self._export_button)
        bar.addWidget(self._export_all_button)

        self._messages = MessageBar()
        self._empty = QLabel("Sign in to see the quality charts.")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setStyleSheet(f"color: {MUTED}; font-size: 15pt;")
        self._tabs = QTabWidget()
        self._tabs.setDocumentMode(True)
        self._pages: list[QVBoxLayout] = []
        for i, spec in enumerate(CHARTS):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 4, 0, 0)
            self._pages.append(page_layout)
            self._tabs.addTab(page, spec.label)
            self._tabs.setTabToolTip(i, _TOOLTIPS.get(spec.key, spec.label))
        self._tabs.currentChanged.connect(self._on_tab)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._tabs)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self._messages)
        layout.addWidget(self._stack, 1)

        add_shortcuts(
            self,
            (
                (QKeySequence.StandardKey.Refresh, self.refresh),
                ("Ctrl+E", self.export_current),
                ("Ctrl+Shift+E", self.export_all),
            ),
        )
        self._update_actions()

    # --- contract ------------------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Show the charts to a signed-in user (they only read); none when signed out."""
        self._user = user
        if user is None:
            self._generation += 1  # an answer on its way is for nobody now
            self._clear("Sign in to see the quality charts.")
            return
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Gather the records for the current filter again (in the worker)."""
        if self._user is None:
            return
        self._generation += 1
        self._subject.setText(f"Charts of {describe(self._filter)}")
        if not self._in_flight:
            self._submit()
        # Otherwise the newest filter is asked for when the answer in flight arrives.

    @Slot(object)
    def set_filter(self, f: HistoryFilter) -> None:
        """Follow the history table's filter."""
        self._filter = f
        self.refresh()

    # --- for the lead and the tests ------------------------------------------------------

    def current_filter(self) -> HistoryFilter:
        """The filter the charts follow."""
        return self._filter

    def data(self) -> QualityData | None:
        """The data the charts show (None before the first answer or when signed out)."""
        return self._data

    def is_busy(self) -> bool:
        """True while the records are being gathered."""
        return self._in_flight

    def current_chart(self) -> ChartSpec:
        """The chart of the tab shown."""
        return CHARTS[self._tabs.currentIndex()]

    def show_chart(self, key: str) -> None:
        """Bring the chart ``key`` (see :data:`inspector.quality_charts.CHARTS`) forward."""
        self._tabs.setCurrentIndex([spec.key for spec in CHARTS].index(key))

    def figure(self, key: str) -> Figure | None:
        """The figure shown for chart ``key``, once its tab has been looked at."""
        return self._figures.get(key)

    def message(self) -> str:
        """The message shown in the message bar ("" when none)."""
        return self._messages.text()

    # --- gathering -----------------------------------------------------------------------

    def _submit(self) -> None:
        self._in_flight = True
        self._set_busy(True)
        generation = self._generation
        self._db.call(
            functools.partial(gather, f=self._filter),
            functools.partial(self._on_gathered, generation),
            functools.partial(self._on_failed, generation),
        )

    def _answered(self, generation: int) -> bool:
        """Note the answer; True when it is for the newest request (else ask for that)."""
        self._in_flight = False
        if generation != self._generation:
            if self._user is not None:
                self._submit()
            else:
                self._set_busy(False)
            return False
        self._set_busy(False)
        return True

    def _on_gathered(self, generation: int, data: QualityData) -> None:
        if not self._answered(generation):
            return
        self._messages.dismiss()
        self._data = data
        self._drop_figures()
        self._stack.setCurrentWidget(self._tabs)
        self._build(self._tabs.currentIndex())
        self._update_actions()
        self.chartsUpdated.emit(data)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._answered(generation):
            self._messages.show_error(message)

    def _set_busy(self, busy: bool) -> None:
        self._progress.setVisible(busy)
        self._refresh_button.setEnabled(not busy)
        self.busyChanged.emit(busy)

    # --- figures -------------------------------------------------------------------------

    def _drop_figures(self) -> None:
        for layout in self._pages:
            while layout.count():
                item = layout.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()
        self._figures.clear()

    def _clear(self, text: str) -> None:
        self._data = None
        self._drop_figures()
        self._empty.setText(text)
        self._stack.setCurrentWidget(self._empty)
        self._subject.setText("")
        self._update_actions()

    @Slot(int)
    def _on_tab(self, index: int) -> None:
        self._build(index)

    def _build(self, index: int) -> None:
        spec = CHARTS[index]
        if self._data is None or spec.key in self._figures:
            return
        fig = spec.build(self._data)
        self._figures[spec.key] = fig
        self._pages[index].addWidget(_canvas(fig))

    def _update_actions(self) -> None:
        ready = self._data is not None
        self._export_button.setEnabled(ready)
        self._export_all_button.setEnabled(ready)

    # --- export --------------------------------------------------------------------------

    @Slot()
    def export_current(self) -> None:
        """Ask where, then save the chart shown as PNG (written in the worker)."""
        if self._data is None:
            return
        spec = self.current_chart()
        suggested = self._last_folder / f"{file_stem(self._data)}-{spec.key}.png"
        path = PngFileDialog.ask(self, suggested)
        if path is None:
            return
        self._last_folder = path.parent
        self._export(((spec.key, path),))

    @Slot()
    def export_all(self) -> None:
        """Ask for a folder, then save every chart into it as PNG (written in the worker)."""
        if self._data is None:
            return
        folder = ChartFolderDialog.ask(self, self._last_folder)
        if folder is None:
            return
        self._last_folder = folder
        stem = file_stem(self._data)
        self._export(tuple((spec.key, folder / f"{stem}-{spec.key}.png") for spec in CHARTS))

    def _export(self, targets: tuple[tuple[str, Path], ...]) -> None:
        assert self._data is not None
        self._export_button.setEnabled(False)
        self._export_all_button.setEnabled(False)
        self._db.call(
            functools.partial(export_charts, data=self._data, targets=targets),
            self._on_exported,
            self._on_export_failed,
        )

    def _on_exported(self, paths: list[Path]) -> None:
        self._update_actions()
        where = str(paths[0]) if len(paths) == 1 else f"{len(paths)} charts in {paths[0].parent}"
        self._messages.show_info(f"Saved {where}.")
        self.exported.emit(paths)

    def _on_export_failed(self, message: str) -> None:
        self._update_actions()
        self._messages.show_error(f"Export failed: {message}")
