"""The main window: sign-in, then menus around the station view, settings and calibration.

With a :class:`~ui.records_service.RecordsStationService` the window opens on the sign-in
screen (or, on an empty database, asks for the first admin account), and what it offers
follows the signed-in user's role as the core grants it: the core checks every action
again, the window only hides what would be refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from inspector.auth import Permission, Role, User
from inspector.calibration import Calibration
from inspector.recipes import RecipeError, list_recipes, load_grade
from inspector.runner import InspectionSettings
from ui.camera import CameraController, open_source
from ui.desk.admin_view import AdminView
from ui.desk.charts_view import ChartsView
from ui.desk.database import DeskDatabase
from ui.desk.history_view import HistoryView
from ui.desk.lots_view import LotsView
from ui.desk.recipes_view import RecipesView
from ui.desk.review_view import ReviewView
from ui.dialogs import CalibrationDialog, FirstAdminDialog, OpenLotDialog, SettingsDialog
from ui.hot_folder import HotFolderWatcher
from ui.inspection_worker import InspectionController
from ui.records_service import LotState, RecordsStationService
from ui.settings import (
    SettingsStore,
    StationSettings,
    UiState,
    inspection_settings,
    load_station_calibration,
)
from ui.sign_in import SignInView
from ui.station_service import StationService
from ui.station_view import StationView
from ui.workspace import Workspace

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
        The records behind the station (ignored when ``records`` is given).
    records : RecordsStationService, optional
        The real records: the window then starts on the sign-in screen.
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
        service: StationService | None = None,
        records: RecordsStationService | None = None,
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
        self.records = records
        self.camera = CameraController(self)
        self.inspections = InspectionController(self)
        self.hot_folder = HotFolderWatcher(self)
        station_service: StationService | None = records if records is not None else service
        if station_service is None:
            raise ValueError("MainWindow needs a service or the records")
        self.station = StationView(self.camera, self.inspections, station_service)
        self.sign_in = SignInView()
        self.workspace = Workspace()
        self.workspace.add_page("station", "Station", self.station, lambda _user: True, desk=False)
        self.desk: DeskDatabase | None = None
        if records is not None:
            self._build_desk(DeskDatabase(records.db_path, self))
        else:
            self.workspace.nav.hide()  # a bare station: nothing else to go to
            self.workspace.show_page("station")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.sign_in)
        self.pages.addWidget(self.workspace)
        self.setCentralWidget(self.pages)
        self.pages.setCurrentWidget(self.workspace if records is None else self.sign_in)
        self._creating_admin = False
        self._lot_no: str | None = None
        self.inspections.calibrated.connect(self.on_calibrated)
        self.hot_folder.fileReady.connect(self.on_hot_file)
        self.hot_folder.problem.connect(self.station.messages.show_error)
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
        if records is not None:
            self._wire_records(records)
            self.menuBar().hide()
            records.start()
        else:
            self.station.set_lot_opening_allowed(False)
            self.station.capture_button.setFocus()
            self._update_hot_folder()

    def _build_desk(self, desk: DeskDatabase) -> None:
        """The quality desk's pages, shown by role (the core checks every action again)."""
        self.desk = desk
        engineer_or_manager = (Role.ENGINEER, Role.MANAGER)
        self.review = ReviewView(desk)
        self.history = HistoryView(desk)
        self.charts = ChartsView(desk)
        self.lots = LotsView(desk)
        self.recipes = RecipesView(desk)
        self.admin = AdminView(desk)
        # Charts follow the history table's filter.
        self.history.filterChanged.connect(self.charts.set_filter)
        pages: tuple[tuple[str, str, QWidget, Callable[[User], bool]], ...] = (
            ("review", "Review queue", self.review, lambda u: u.can(Permission.REVIEW)),
            ("history", "Defect history", self.history, lambda u: u.role in engineer_or_manager),
            ("charts", "Charts", self.charts, lambda u: u.role in engineer_or_manager),
            ("lots", "Lots & certificates", self.lots, lambda u: u.role in engineer_or_manager),
            ("recipes", "Recipes", self.recipes, lambda u: u.role in engineer_or_manager),
            ("admin", "Administration", self.admin, lambda u: u.role is Role.ADMIN),
        )
        for key, title, widget, shown_to in pages:
            self.workspace.add_page(key, title, widget, shown_to)

    def _build_menus(self) -> None:
        view = self.station
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(view.scan_lot_action)
        file_menu.addAction(view.open_lot_action)
        file_menu.addSeparator()
        file_menu.addAction(view.open_action)
        file_menu.addAction(view.import_action)
        file_menu.addAction(view.cancel_action)
        file_menu.addSeparator()
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sign_out_action.setToolTip("Sign out; the next person signs in")
        self.sign_out_action.triggered.connect(self.sign_out)
        self.sign_out_action.setVisible(self.records is not None)
        file_menu.addAction(self.sign_out_action)
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
        lot = self.records.lot if self.records is not None else None
        try:
            if lot is not None:
                # A lot is inspected with the recipe snapshot and grade it was opened with.
                judged = InspectionSettings(
                    grade=load_grade(lot.lot.grade), recipe=lot.lot.recipe, calibration=calibration
                )
            else:
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
        self.camera.set_auto_capture(self.settings.auto_capture)
        self.station.set_auto_capture_shown(self.settings.auto_capture)
        if start_camera:
            self.camera.start(open_source(self.settings.camera))

    def _update_hot_folder(self) -> None:
        """Watch the hot folder while someone who may record inspections is signed in."""
        allowed = self.records is None or self.records.can(Permission.INSPECT)
        folder = self.settings.hot_folder
        self.hot_folder.watch(Path(folder) if folder and allowed else None)

    @Slot(str)
    def on_hot_file(self, path: str) -> None:
        """A new image in the hot folder: inspect it (the result is recorded like a capture)."""
        self.station.inspect_hot_file(path)

    # --- records: sign-in, roles, lots ----------------------------------------------------

    def _wire_records(self, records: RecordsStationService) -> None:
        self.sign_in.set_database(f"Records: {records.db_path or 'default database'}")
        self.sign_in.signInRequested.connect(self._on_sign_in_requested)
        self.sign_in.createAdminRequested.connect(self.create_first_admin)
        records.opened.connect(self.on_records_opened)
        records.storeFailed.connect(self.on_store_failed)
        records.signedIn.connect(self.on_signed_in)
        records.signInFailed.connect(self.on_sign_in_failed)
        records.lotChanged.connect(self.on_lot_changed)
        records.lotFailed.connect(self.on_lot_failed)
        records.planComplete.connect(self.on_plan_complete)
        records.error.connect(self.station.messages.show_error)
        records.notice.connect(self.station.messages.show_info)
        records.pendingChanged.connect(self._on_pending_changed)
        self.station.lotScanned.connect(records.select_lot)
        self.station.openLotRequested.connect(self.open_lot)

    @Slot(str, str)
    def _on_sign_in_requested(self, name: str, password: str) -> None:
        if self.records is not None:
            self.records.sign_in(name, password)

    @Slot(bool)
    def on_records_opened(self, has_users: bool) -> None:
        """The database is open: sign in, or create the first admin on an empty one."""
        if has_users:
            self.sign_in.reset()
            return
        self.sign_in.set_needs_admin(True)
        QTimer.singleShot(0, self.create_first_admin)

    @Slot(str)
    def on_store_failed(self, message: str) -> None:
        """The records cannot be opened: nobody can sign in; say why."""
        self.sign_in.show_problem(message)
        self.sign_in.set_busy(True, "The records cannot be opened")

    @Slot()
    def create_first_admin(self, message: str = "") -> None:
        """Ask for the first admin account and create it (empty database only)."""
        if self.records is None:
            return
        account = FirstAdminDialog.ask(self, message)
        if account is None:
            self._creating_admin = False
            return
        self._creating_admin = True
        self.sign_in.set_busy(True, "Creating the admin account…")
        self.records.create_admin(account.name, account.full_name, account.password)

    @Slot(str)
    def on_sign_in_failed(self, message: str) -> None:
        """Sign-in (or the first admin) refused: the core's message, as it is."""
        if self._creating_admin:
            self.sign_in.set_needs_admin(True)
            self.sign_in.problem.setText(message)
            QTimer.singleShot(0, lambda: self.create_first_admin(message))
            return
        self.sign_in.show_problem(message)

    @Slot(object)
    def on_signed_in(self, user: User) -> None:
        """Show the station with what the user's role allows."""
        self._creating_admin = False
        self.sign_in.set_needs_admin(False)
        self.sign_in.reset()
        self.setWindowTitle(f"Seal Inspector — Station — {user.full_name} ({user.role.value})")
        self.station.header.set_operator(user.full_name or user.name)
        self.station.set_lot_opening_allowed(user.can(Permission.OPEN_LOT))
        self.station.set_recording_allowed(
            user.can(Permission.INSPECT),
            f"{user.full_name} is signed in as {user.role.value}: only inspectors and "
            "engineers record inspections at the station.",
        )
        if user.can(Permission.INSPECT):
            self.station.banner.show_idle(
                "READY", "Scan the lot, then place a ring and press Space"
            )
        self.menuBar().show()
        self.workspace.set_user(user)
        self.pages.setCurrentWidget(self.workspace)
        self.station.refresh_header()
        self.station.header.set_operator(user.full_name or user.name)
        self.station.focus_lot_field()
        self._update_hot_folder()

    @Slot()
    def sign_out(self) -> None:
        """Back to the sign-in screen for the next person."""
        if self.records is None:
            return
        self.inspections.cancel_batch()
        self.records.sign_out()
        self.hot_folder.stop()
        self.setWindowTitle("Seal Inspector — Station")
        self.menuBar().hide()
        self.station.header.set_operator("")
        self.workspace.set_user(None)
        self.pages.setCurrentWidget(self.sign_in)
        self.sign_in.reset()

    @Slot()
    def open_lot(self) -> None:
        """Ask for a new lot and open it (the core checks the role and the fields)."""
        if self.records is None or not self.records.can(Permission.OPEN_LOT):
            return
        answer = OpenLotDialog.ask(self, list_recipes(), self.settings.default_recipe)
        if answer is not None:
            spec, part = answer
            self.records.open_lot(spec, part)

    @Slot(object)
    def on_lot_changed(self, state: LotState | None) -> None:
        """A lot was selected, moved on, or cleared: judge with its recipe, show its header."""
        current = self.station._settings
        wanted = state.lot.recipe.key if state is not None else None
        have = current.recipe.key if current is not None and current.recipe else None
        if state is None or wanted != have:
            self.apply_settings(start_camera=False)
        lot_no = state.lot.lot_no if state is not None else None
        if lot_no != self._lot_no:
            self._lot_no = lot_no
            self.station.lot_selected(lot_no)
        self.station.refresh_header()

    @Slot(str)
    def on_lot_failed(self, message: str) -> None:
        """The scanned or new lot cannot be used: say why, ready for another scan."""
        self.station.messages.show_error(message)
        self.station.lot_field.selectAll()
        self.station.lot_field.setFocus()

    @Slot(object)
    def on_plan_complete(self, state: LotState) -> None:
        """The plan has decided: show the disposition, stop the import, wait for the next lot."""
        if self.inspections.batch_running():
            self.inspections.cancel_batch()
        prog = state.progress
        lot = state.lot
        plan = (
            "100 % inspection"
            if lot.plan is None
            else f"ISO 2859-1 level {lot.plan.level.value}, AQL {lot.plan.aql:g}: "
            f"n {lot.plan.sample_size}, Ac {lot.plan.accept}, Re {lot.plan.reject}"
        )
        detail = (
            f"{prog.inspected} of {prog.required} rings inspected, {prog.nonconforming} "
            f"nonconforming ({plan}). The plan decides: {str(prog.decision).upper()}. "
            f"An engineer reviews the rings and records the disposition of {lot.lot_no} "
            "in Lots & certificates. Scan the next lot."
        )
        self.station.lot_done.show_decision(lot.lot_no, str(prog.decision), detail)

    @Slot(int)
    def _on_pending_changed(self, _count: int) -> None:
        self.station.refresh_header()

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
        self._update_hot_folder()

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
        """Stop the camera, the hot folder, the inspections and the records (idempotent)."""
        self.camera.stop()
        self.hot_folder.stop()
        self.inspections.shutdown()
        if self.records is not None:
            self.records.shutdown()
        if self.desk is not None:
            self.desk.shutdown()
