"""The station view: live preview, capture, the verdict, defects, dimensions, folder import.

The inspector places a ring, presses Space / Enter (or the foot pedal, which sends a key),
and within a blink sees PASS or FAIL, the image with its defects outlined, the defect list
and the dimensions against tolerance. There is no control to overrule a verdict: reviews
and dispositions belong to the lot records, not to this view.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QItemSelection, QMimeData, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.imaging.load import ImageReadError, read_image_file
from inspector.inputs import has_image_suffix
from inspector.outcome import InspectionResult, Verdict
from inspector.runner import InspectionSettings
from ui.camera import CameraController
from ui.image_view import ImageView
from ui.inspection_worker import Inspected, InspectionController
from ui.models import DefectTableModel, DimensionsModel, HistoryModel, HistoryRow
from ui.records_service import NoLotSelected
from ui.station_service import StationService
from ui.widgets import LotDoneBanner, LotHeaderBar, MessageBar, VerdictBanner

log = logging.getLogger(__name__)

#: Captured images kept in memory for review from the history (the records keep them all).
KEEP_CAPTURES = 50

CAPTURE_TIP = "Capture the ring under the camera and inspect it (Space, Enter or the foot pedal)"
AUTO_CAPTURE_TIP = (
    "Auto-capture is on: a ring placed under the camera is captured and inspected once it "
    "lies still, once; take it away (or move it) before the next. Space captures at any time."
)


class PathPrompt:
    """File and folder choosers; tests replace these class methods."""

    @classmethod
    def ask_folder(cls, parent: QWidget, start: str) -> str | None:
        """A folder of images to import, or None."""
        folder = QFileDialog.getExistingDirectory(parent, "Import a folder of ring images", start)
        return folder or None

    @classmethod
    def ask_image(cls, parent: QWidget, start: str) -> str | None:
        """One image file to inspect, or None."""
        path, _ = QFileDialog.getOpenFileName(
            parent,
            "Inspect an image file",
            start,
            "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)",
        )
        return path or None


class _ScannerField(QLineEdit):
    """A line edit that keeps Return / Enter for itself (a scanner ends a code with one).

    The window's capture shortcut also listens to Enter; accepting the shortcut override
    here gives the key to the field while it holds a code. In an empty field Enter stays
    the capture key (the foot pedal sends one).
    """

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self.text().strip():
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                event.accept()
                return True
        return super().event(event)


class StationView(QWidget):
    """The inspector's whole working surface.

    Parameters
    ----------
    camera : CameraController
    inspections : InspectionController
    service : StationService
        Where each judged capture is recorded, and the lot header comes from.

    Signals
    -------
    resultShown(object)
        The :class:`InspectionResult` now on the banner.
    lastFolderChanged(str)
        A folder was used for import or open (for the UI state).
    lotScanned(str)
        A lot number was scanned or typed in the lot field (ended by Enter).
    openLotRequested()
        The user asked to open a new lot.
    """

    resultShown = Signal(object)
    lastFolderChanged = Signal(str)
    lotScanned = Signal(str)
    openLotRequested = Signal()

    def __init__(
        self,
        camera: CameraController,
        inspections: InspectionController,
        service: StationService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._camera = camera
        self._inspections = inspections
        self._service = service
        self._settings: InspectionSettings | None = None
        self._last_folder = ""
        self._captures: OrderedDict[str, npt.NDArray[np.generic]] = OrderedDict()
        self._camera_ok = False
        self._recording = True
        self._auto_capture = False
        self._build()
        self._build_actions()
        self._wire()
        self.refresh_header()

    # --- construction --------------------------------------------------------------------

    def _build(self) -> None:
        self.header = LotHeaderBar()
        self.messages = MessageBar()
        self.lot_done = LotDoneBanner()
        self.lot_field = _ScannerField()
        self.lot_field.setPlaceholderText("Scan the lot barcode (or type it) and press Enter")
        self.lot_field.setToolTip(
            "A barcode scanner types the lot number and Enter; Ctrl+L comes back here"
        )
        self.lot_field.setAccessibleName("Lot number")
        self.lot_field.setClearButtonEnabled(True)
        self.open_lot_button = QPushButton("Open &new lot…")
        self.open_lot_button.setToolTip("Open a lot that is not in the records yet")
        lot_row = QHBoxLayout()
        lot_row.setContentsMargins(0, 0, 0, 0)
        lot_caption = QLabel("LOT")
        lot_caption.setObjectName("muted")
        lot_row.addWidget(lot_caption)
        lot_row.addWidget(self.lot_field, 1)
        lot_row.addWidget(self.open_lot_button)

        self.live_view = ImageView(caption="LIVE")
        self.live_view.set_placeholder("Waiting for the camera…")
        self.live_view.setAccessibleName("Live camera preview")
        self.result_view = ImageView(caption="LAST CAPTURE")
        self.result_view.set_placeholder(
            "Press Space to capture and inspect the ring,\nor drop image files or folders here"
        )
        self.result_view.setAccessibleName("Inspected image with defect overlays")

        self.banner = VerdictBanner()
        self.defects = DefectTableModel(self)
        self.dimensions = DimensionsModel(self)
        self.history = HistoryModel(self)
        self.defect_table = _table(self.defects, "Defects found on the last ring")
        self.dimension_table = _table(self.dimensions, "Measured dimensions against tolerance")
        self.dimension_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.dimension_table.setSizeAdjustPolicy(
            QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents
        )
        self.history_table = _table(self.history, "This session's inspections, newest first")
        self.history_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dimension_note = QLabel()
        self.dimension_note.setObjectName("muted")
        self.dimension_note.setWordWrap(True)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.defect_table, "Defects")
        self.tabs.addTab(self.history_table, "Session")
        self.tabs.setToolTip("Ctrl+Tab switches between the defect list and the session list")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.banner)
        side_layout.addWidget(_caption("Dimensions (mm)"))
        side_layout.addWidget(self.dimension_table)
        side_layout.addWidget(self.dimension_note)
        side_layout.addWidget(self.tabs, 1)
        side.setMinimumWidth(460)
        side.setMaximumWidth(640)

        images = QSplitter(Qt.Orientation.Horizontal)
        images.addWidget(self.live_view)
        images.addWidget(self.result_view)
        images.setSizes([400, 600])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("stationSplitter")
        self.splitter.addWidget(images)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([1100, 520])

        self.capture_button = QPushButton("&Capture   [Space]")
        self.capture_button.setObjectName("primary")
        self.capture_button.setToolTip(CAPTURE_TIP)
        self.open_button = QPushButton("&Open image…")
        self.open_button.setToolTip("Inspect one image file (Ctrl+O)")
        self.import_button = QPushButton("&Import folder…")
        self.import_button.setToolTip(
            "Inspect every image in a folder (Ctrl+I); or drop image files and folders "
            "onto the station"
        )
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setToolTip("Stop the folder import after the images under way (Esc)")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m images")
        self.progress.setToolTip("Folder import progress")
        self.progress.setVisible(False)
        self.status = QLabel("Camera: starting…")
        self.status.setObjectName("muted")
        self.status.setToolTip("Camera and inspection status")

        bar = QFrame()
        bar.setObjectName("panel")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(10, 8, 10, 8)
        for button in (self.capture_button, self.open_button, self.import_button):
            bar_layout.addWidget(button)
        bar_layout.addWidget(self.progress, 1)
        bar_layout.addWidget(self.cancel_button)
        bar_layout.addStretch(0)
        bar_layout.addWidget(self.status)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addLayout(lot_row)
        layout.addWidget(self.messages)
        layout.addWidget(self.lot_done)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(bar)

        # Dropped files and folders are imported. The image views would take the drag for
        # their scenes (and refuse it); without drops of their own it reaches this view.
        self.setAcceptDrops(True)
        for view in (self.live_view, self.result_view):
            view.setAcceptDrops(False)
            view.viewport().setAcceptDrops(False)

        for first, second in (
            (self.lot_field, self.open_lot_button),
            (self.open_lot_button, self.capture_button),
            (self.capture_button, self.open_button),
            (self.open_button, self.import_button),
            (self.import_button, self.cancel_button),
            (self.cancel_button, self.result_view),
            (self.result_view, self.dimension_table),
            (self.dimension_table, self.tabs),
            (self.tabs, self.defect_table),
            (self.defect_table, self.history_table),
            (self.history_table, self.live_view),
        ):
            QWidget.setTabOrder(first, second)

    def _build_actions(self) -> None:
        def action(text: str, keys: list[str], tip: str, slot: object) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.capture_action = action(
            "&Capture and inspect",
            ["Space", "Return", "Enter"],
            "Capture and inspect",
            self.capture,
        )
        self.open_action = action("&Open image…", ["Ctrl+O"], "Inspect one file", self.open_image)
        self.import_action = action(
            "&Import folder…", ["Ctrl+I"], "Inspect a folder", self.import_folder
        )
        self.cancel_action = action("Cancel import", ["Esc"], "Stop the import", self.cancel_import)
        self.fit_action = action("&Fit image", ["F"], "Fit the image", self._fit)
        self.actual_action = action(
            "&Actual pixels", ["1"], "One image px per screen px", self._actual
        )
        self.zoom_in_action = action("Zoom &in", ["+", "="], "Zoom in", self._zoom_in)
        self.zoom_out_action = action("Zoom &out", ["-"], "Zoom out", self._zoom_out)
        self.overlay_action = action(
            "Show &overlays", ["O"], "Edges and defect outlines on/off", self._toggle_overlays
        )
        self.overlay_action.setCheckable(True)
        self.overlay_action.setChecked(True)
        self.scan_lot_action = action(
            "Scan a &lot", ["Ctrl+L"], "Put the cursor in the lot field", self.focus_lot_field
        )
        self.open_lot_action = action(
            "Open &new lot…", ["Ctrl+N"], "Open a lot not in the records yet", self.openLotRequested
        )

    def _wire(self) -> None:
        self.lot_field.returnPressed.connect(self._on_lot_entered)
        self.open_lot_button.clicked.connect(self.open_lot_action.trigger)
        self.capture_button.clicked.connect(self.capture)
        self.open_button.clicked.connect(self.open_image)
        self.import_button.clicked.connect(self.import_folder)
        self.cancel_button.clicked.connect(self.cancel_import)
        self._camera.frameReady.connect(self.on_frame)
        self._camera.connected.connect(self.on_camera_connected)
        self._camera.lost.connect(self.on_camera_lost)
        self._camera.stillRing.connect(self.on_still_ring)
        self._inspections.inspected.connect(self.on_inspected)
        self._inspections.error.connect(self.on_error)
        self._inspections.batchResults.connect(self.on_batch_results)
        self._inspections.batchProgress.connect(self.on_batch_progress)
        self._inspections.batchFinished.connect(self.on_batch_finished)
        self.history_table.selectionModel().selectionChanged.connect(self._on_history_selected)
        self.result_view.overlaysToggled.connect(self.overlay_action.setChecked)

    # --- settings ------------------------------------------------------------------------

    def set_inspection_settings(self, settings: InspectionSettings | None) -> None:
        """What captures are judged with; None disables capture until settings are fixed."""
        self._settings = settings

    def set_lot_opening_allowed(self, allowed: bool) -> None:
        """Offer "Open new lot" only to roles the core lets open lots (it checks again)."""
        self.open_lot_button.setVisible(allowed)
        self.open_lot_action.setVisible(allowed)
        self.open_lot_action.setEnabled(allowed)

    def set_recording_allowed(self, allowed: bool, reason: str = "") -> None:
        """Capture, open and import only for roles that record inspections."""
        self._recording = allowed
        for widget in (self.capture_button, self.open_button, self.import_button, self.lot_field):
            widget.setEnabled(allowed)
            widget.setToolTip(widget.toolTip() if allowed else reason)
        if allowed:
            self.capture_button.setToolTip(AUTO_CAPTURE_TIP if self._auto_capture else CAPTURE_TIP)
        for act in (self.capture_action, self.open_action, self.import_action):
            act.setEnabled(allowed)
        if not allowed:
            self.banner.show_idle("VIEW ONLY", reason)

    @Slot()
    def focus_lot_field(self) -> None:
        """Ready for the next scan: the cursor in the empty lot field."""
        self.lot_field.clear()
        self.lot_field.setFocus()

    @Slot()
    def _on_lot_entered(self) -> None:
        text = self.lot_field.text().strip()
        if text:
            self.lotScanned.emit(text)

    def lot_selected(self, lot_no: str | None) -> None:
        """A lot is selected (cursor back to Capture) or cleared (cursor to the lot field)."""
        if lot_no is None:
            self.focus_lot_field()
            return
        self.lot_done.dismiss()
        self.lot_field.setText(lot_no)
        self.capture_button.setFocus()

    def set_last_folder(self, folder: str) -> None:
        """Where the file choosers start."""
        self._last_folder = folder

    def refresh_header(self) -> None:
        """Read the lot header from the service again."""
        try:
            self.header.set_header(self._service.current_lot_header())
        except Exception as exc:  # the records are not ours: say so, keep the station up
            log.exception("reading the lot header failed")
            self.messages.show_error(f"Cannot read the lot from the records: {exc}")

    # --- capture -------------------------------------------------------------------------

    @Slot()
    def capture(self) -> None:
        """Capture the newest camera frame and send it to the engine."""
        if not self._recording:
            return
        if self._settings is None:
            self.messages.show_error(
                "Cannot inspect: the station has no valid recipe. Open Station ▸ Settings."
            )
            return
        frame = self._camera.latest_frame()
        if frame is None:
            self.messages.show_error(
                "No picture from the camera yet: check that it is connected (see the status "
                "at the bottom right), then press Space again."
            )
            return
        self._inspections.inspect_frame(frame, self._settings)
        self.result_view.set_image(frame)
        self.result_view.set_overlay(None)
        self.banner.show_idle("INSPECTING…", "")
        self._update_status()

    @Slot(int)
    def on_still_ring(self, frame_no: int) -> None:
        """Auto-capture: the camera saw a ring settle; capture it as Space would."""
        if not self.isVisible() or not self._recording:
            return  # the sign-in screen, or a role that records nothing
        log.info("auto-capture: a ring settled at frame %d", frame_no)
        self.capture()

    def set_auto_capture_shown(self, enabled: bool) -> None:
        """Say on the capture button and the result placeholder whether auto-capture is on."""
        self._auto_capture = enabled
        if self._recording:
            self.capture_button.setToolTip(AUTO_CAPTURE_TIP if enabled else CAPTURE_TIP)
        self.capture_button.setText(
            "&Capture   [Space · auto]" if enabled else "&Capture   [Space]"
        )
        first = "Place a ring and hold it still" if enabled else "Press Space"
        self.result_view.set_placeholder(
            f"{first} to capture and inspect the ring,\nor drop image files or folders here"
        )

    @Slot()
    def open_image(self) -> None:
        """Ask for an image file and inspect it."""
        if self._settings is None:
            self.messages.show_error("Cannot inspect: the station has no valid recipe.")
            return
        path = PathPrompt.ask_image(self, self._last_folder)
        if path:
            self.inspect_path(path)

    def inspect_path(self, path: str) -> None:
        """Inspect one image file (as Open image… does, without asking)."""
        if self._settings is None:
            return
        self._remember_folder(str(Path(path).parent))
        self._inspections.inspect_file(path, self._settings)
        self.banner.show_idle("INSPECTING…", Path(path).name)

    def inspect_hot_file(self, path: str) -> None:
        """Inspect an image the hot folder delivered (recorded like a capture)."""
        if self._settings is None or not self._recording:
            return
        self._inspections.inspect_file(path, self._settings)
        self.banner.show_idle("INSPECTING…", Path(path).name)

    @Slot(object)
    def on_inspected(self, outcome: Inspected) -> None:
        """Show a judged capture or file and record it."""
        result = outcome.result
        self._record(result, outcome.image_bytes)
        self._keep_capture(result.image, outcome.pixels)
        self.show_result(result, outcome.pixels)
        self.history.add([HistoryRow("capture", result)])
        self.refresh_header()
        self._update_status()

    def _record(self, result: InspectionResult, image_bytes: bytes | None) -> bool:
        """Hand one result to the records; say so when it is not recorded."""
        try:
            self._service.record(result, image_bytes)
        except NoLotSelected as exc:
            self.messages.show_info(f"Inspected but not recorded: {exc}.")
            return False
        except Exception as exc:
            log.exception("recording %s failed", result.image)
            self.messages.show_error(
                f"This ring's result was NOT recorded: {exc}. Set the ring aside and call "
                "the supervisor."
            )
            return False
        return True

    def show_result(self, result: InspectionResult, pixels: npt.NDArray[np.generic] | None) -> None:
        """Put one result on the banner, the image, the defect list and the dimensions."""
        if pixels is not None:
            self.result_view.set_image(pixels)
        labels = [
            f"{i + 1} {d.defect.type.value.replace('_', '-')}"
            + (f" {d.length_mm:.2f} mm" if d.length_mm is not None else "")
            for i, d in enumerate(result.defects)
        ]
        self.result_view.set_overlay(result.inspection, labels)
        self.banner.show_result(result)
        self.defects.set_result(result)
        self.dimensions.set_result(result)
        self.dimension_note.setText(self.dimensions.note())
        self.dimension_note.setVisible(bool(self.dimensions.note()))
        self.defect_table.resizeColumnsToContents()
        self.tabs.setTabText(0, f"Defects ({len(result.defects)})")
        self.resultShown.emit(result)

    def _keep_capture(self, name: str, pixels: npt.NDArray[np.generic]) -> None:
        self._captures[name] = pixels
        while len(self._captures) > KEEP_CAPTURES:
            self._captures.popitem(last=False)

    @Slot(QItemSelection, QItemSelection)
    def _on_history_selected(self, selected: QItemSelection, _: QItemSelection) -> None:
        rows = selected.indexes()
        if not rows:
            return
        entry = self.history.row_at(rows[0].row())
        pixels = self._captures.get(entry.result.image)
        if pixels is None and entry.source != "capture":
            try:
                # Reviewing one imported image: a single decode, small next to a repaint.
                pixels = read_image_file(entry.result.image).pixels
            except ImageReadError as exc:
                self.messages.show_error(f"Cannot show {Path(entry.result.image).name}: {exc}.")
        if pixels is None:
            self.result_view.set_image(None)
        self.show_result(entry.result, pixels)

    # --- folder import -------------------------------------------------------------------

    @Slot()
    def import_folder(self) -> None:
        """Ask for a folder and inspect every image in it."""
        if self._settings is None:
            self.messages.show_error("Cannot import: the station has no valid recipe.")
            return
        folder = PathPrompt.ask_folder(self, self._last_folder)
        if folder:
            self.start_import([folder])

    def import_paths(self, paths: list[str]) -> None:
        """Import image files and folders as Import folder… does, without asking (a drop)."""
        if not self.import_button.isEnabled():  # view-only, or an import under way
            return
        if self._settings is None:
            self.messages.show_error("Cannot import: the station has no valid recipe.")
            return
        self.start_import(paths)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Take a drag of image files or folders when the import button would be pressable."""
        self._take_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep taking the drag anywhere on the station (see :meth:`dragEnterEvent`)."""
        self._take_drag(event)

    def _take_drag(self, event: QDragMoveEvent) -> None:
        if self.import_button.isEnabled() and _dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Import the dropped image files and folders; anything else is left alone."""
        paths = _dropped_paths(event.mimeData())
        if not paths or not self.import_button.isEnabled():
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_paths(paths)

    def start_import(self, paths: list[str], *, workers: int | None = None) -> None:
        """Inspect files and folders in the background, with progress and Cancel."""
        if self._settings is None or self._inspections.batch_running():
            return
        if paths:
            self._remember_folder(paths[0])
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.import_button.setEnabled(False)
        self.import_action.setEnabled(False)
        self.tabs.setCurrentWidget(self.history_table)
        self._inspections.start_batch(paths, self._settings, workers=workers)

    @Slot()
    def cancel_import(self) -> None:
        """Stop the folder import after the images under way."""
        if self._inspections.batch_running():
            self._inspections.cancel_batch()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling the import…")

    @Slot(object)
    def on_batch_results(self, results: list[InspectionResult]) -> None:
        """Add imported results to the session list and record them (the records read the files)."""
        self.history.add([HistoryRow("import", r) for r in results])
        for result in results:
            if not self._record(result, None):
                break  # one message for the chunk; the rest would say the same
        self.refresh_header()

    @Slot(int, int)
    def on_batch_progress(self, done: int, total: int) -> None:
        """Move the progress bar."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    @Slot(int, int, bool)
    def on_batch_finished(self, done: int, total: int, cancelled: bool) -> None:
        """Hide the progress bar and summarise the import."""
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.import_button.setEnabled(True)
        self.import_action.setEnabled(True)
        counts = self.history.counts()
        what = f"Import cancelled after {done} of {total}" if cancelled else f"Imported {done}"
        self.status.setText(
            f"{what} images · session: {counts[Verdict.PASS]} pass, "
            f"{counts[Verdict.FAIL]} fail, {counts[Verdict.ERROR]} no verdict"
        )

    # --- camera --------------------------------------------------------------------------

    @Slot(object)
    def on_frame(self, frame: npt.NDArray[np.generic]) -> None:
        """Show a preview frame."""
        self.live_view.set_image(frame)

    @Slot(str)
    def on_camera_connected(self, name: str) -> None:
        """The camera (re)connected."""
        self._camera_ok = True
        self.live_view.set_placeholder("Waiting for the first picture…")
        self.status.setText(f"● {name}")
        self.status.setStyleSheet("color: #5fd97a;")

    @Slot(str)
    def on_camera_lost(self, message: str) -> None:
        """The camera failed; the worker retries on its own."""
        if self._camera_ok:
            self.messages.show_error(f"Camera lost: {message}")
        self._camera_ok = False
        self.live_view.set_image(None)
        self.live_view.set_placeholder(f"Camera lost\n{message}")
        self.status.setText("● camera lost — reconnecting")
        self.status.setStyleSheet("color: #ff6b6b;")

    # --- messages and small helpers -------------------------------------------------------

    @Slot(str)
    def on_error(self, message: str) -> None:
        """Show a worker's error as one clear message."""
        self.messages.show_error(message)
        if self.banner.title() == "INSPECTING…" and self._inspections.pending() == 0:
            self.banner.show_idle("NO VERDICT", "See the message above; inspect the ring again")
        self._update_status()

    def _update_status(self) -> None:
        pending = self._inspections.pending()
        if pending > 1:
            self.status.setText(f"Inspecting… {pending} captures waiting")

    def _remember_folder(self, folder: str) -> None:
        self._last_folder = folder
        self.lastFolderChanged.emit(folder)

    def _target_view(self) -> ImageView:
        return self.live_view if self.live_view.hasFocus() else self.result_view

    @Slot()
    def _fit(self) -> None:
        self._target_view().fit()

    @Slot()
    def _actual(self) -> None:
        self._target_view().actual_pixels()

    @Slot()
    def _zoom_in(self) -> None:
        self._target_view().zoom_in()

    @Slot()
    def _zoom_out(self) -> None:
        self._target_view().zoom_out()

    @Slot()
    def _toggle_overlays(self) -> None:
        self.result_view.toggle_overlays()


def _dropped_paths(mime: QMimeData) -> list[str]:
    """The local folders and image files a drag carries, in its order.

    Text, web links and files without an image suffix are left out: the import would only
    report each of them as an error.
    """
    if not mime.hasUrls():
        return []
    paths = []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if path.is_dir() or (path.is_file() and has_image_suffix(path.name)):
            paths.append(str(path))
    return paths


def _table(model: object, tip: str) -> QTableView:
    table = QTableView()
    table.setModel(model)  # type: ignore[arg-type]
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setToolTip(tip)
    table.setAccessibleName(tip)
    table.setWordWrap(False)
    return table


def _caption(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("muted")
    return label
