"""The main window: menus around the station view, settings and calibration."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from inspector.calibration import Calibration
from inspector.recipes import RecipeError, list_recipes
from ui.camera import CameraController, open_source
from ui.dialogs import CalibrationDialog, SettingsDialog
from ui.inspection_worker import InspectionController
from ui.settings import (
    SettingsStore,
    StationSettings,
    UiState,
    inspection_settings,
    load_station_calibration,
)
from ui.station_service import StationService
from ui.station_view import StationView

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The station's window.

    Parameters
    ----------
    store : SettingsStore
        Where the station settings are kept.
    ui_state : UiState
        Window geometry and last folder.
    service : StationService
        The records behind the station.
    calibration_path : Path, optional
        The calibration file (default: the station's).
    start_camera : bool
        False leaves the camera off (tests start their own sources).
    """

    def __init__(
        self,
        *,
        store: SettingsStore,
        ui_state: UiState,
        service: StationService,
        calibration_path: Path | None = None,
        start_camera: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Seal Inspector — Station")
        self._store = store
        self._ui_state = ui_state
        self._calibration_path = calibration_path
        self.settings: StationSettings = store.load()
        self.calibration: Calibration | None = None
        self.camera = CameraController(self)
        self.inspections = InspectionController(self)
        self.station = StationView(self.camera, self.inspections, service)
        self.setCentralWidget(self.station)
        self.inspections.calibrated.connect(self.on_calibrated)
        self.station.lastFolderChanged.connect(ui_state.set_last_folder)
        self.station.set_last_folder(ui_state.last_folder())
        self._build_menus()
        self.statusBar().hide()
        geometry = ui_state.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 960)
        state = ui_state.window_state()
        if state is not None:
            self.station.splitter.restoreState(state)
        self.apply_settings(start_camera=start_camera)

    def _build_menus(self) -> None:
        view = self.station
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(view.open_action)
        file_menu.addAction(view.import_action)
        file_menu.addAction(view.cancel_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        station_menu = self.menuBar().addMenu("&Station")
        station_menu.addAction(view.capture_action)
        self.calibrate_action = QAction("&Calibrate…", self)
        self.calibrate_action.setShortcut(QKeySequence("Ctrl+K"))
        self.calibrate_action.setToolTip("Measure a reference ring to set px/mm")
        self.calibrate_action.triggered.connect(self.calibrate)
        station_menu.addAction(self.calibrate_action)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.edit_settings)
        station_menu.addAction(self.settings_action)
        view_menu = self.menuBar().addMenu("&View")
        for action in (
            view.fit_action,
            view.actual_action,
            view.zoom_in_action,
            view.zoom_out_action,
            view.overlay_action,
        ):
            view_menu.addAction(action)
        for menu in (file_menu, station_menu, view_menu):
            menu.setToolTipsVisible(True)

    # --- settings ------------------------------------------------------------------------

    def apply_settings(self, *, start_camera: bool = True) -> None:
        """Load calibration and recipe for the current settings; (re)start the camera."""
        calibration, problem = load_station_calibration(self._calibration_path)
        self.calibration = calibration
        if problem:
            self.station.messages.show_error(problem)
        try:
            judged = inspection_settings(self.settings, calibration=calibration)
        except RecipeError as exc:
            self.station.set_inspection_settings(None)
            self.station.messages.show_error(f"Cannot inspect: {exc}. Open Station ▸ Settings.")
            judged = None
        else:
            self.station.set_inspection_settings(judged)
        recipe = judged.recipe.key if judged and judged.recipe else "no recipe"
        grade = judged.grade.key if judged else "—"
        scale = (
            f"{calibration.px_per_mm:.3f} px/mm (calibrated {calibration.measured_at[:10]})"
            if calibration
            else "not calibrated"
        )
        self.station.header.set_station(
            self.settings.station_name, f"{recipe} · grade {grade} · {scale}"
        )
        if start_camera:
            self.camera.start(open_source(self.settings.camera))

    @Slot()
    def edit_settings(self) -> None:
        """Edit the station settings, save them and apply them."""
        edited = SettingsDialog.ask(self, self.settings, list_recipes())
        if edited is None or edited == self.settings:
            return
        try:
            self._store.save(edited)
        except OSError as exc:
            self.station.messages.show_error(f"Settings not saved: {exc.strerror or exc}.")
            return
        camera_changed = edited.camera != self.settings.camera
        self.settings = edited
        self.apply_settings(start_camera=camera_changed or not self.camera.is_running())

    @Slot()
    def calibrate(self) -> None:
        """Measure the reference ring in the current frame and save px/mm."""
        frame = self.camera.latest_frame()
        if frame is None:
            self.station.messages.show_error("Cannot calibrate: no picture from the camera yet.")
            return
        recipe = self.station._settings.recipe if self.station._settings else None
        od = CalibrationDialog.ask(self, recipe.od_mm if recipe else 25.0)
        if od is None:
            return
        self.inspections.calibrate(
            frame, od_mm=od, station=self.settings.station_name, path=self._calibration_path
        )

    @Slot(object)
    def on_calibrated(self, calibration: Calibration) -> None:
        """A calibration was saved: judge with it from now on."""
        self.apply_settings(start_camera=False)
        self.station.messages.show_info(
            f"Calibrated: {calibration.px_per_mm:.4f} px/mm from a "
            f"{calibration.reference_od_mm:g} mm reference ring. "
            "Dimensions are now judged against tolerance."
        )

    # --- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the window state, stop the camera and the inspections."""
        self._ui_state.set_geometry(self.saveGeometry())
        self._ui_state.set_window_state(self.station.splitter.saveState())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the camera and the inspection threads (idempotent)."""
        self.camera.stop()
        self.inspections.shutdown()
