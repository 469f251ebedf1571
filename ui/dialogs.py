"""Station dialogs; each exposes ``ask(...)`` returning plain values, for tests to replace."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import MIN_PASSWORD_LENGTH
from inspector.records.lots import LotSpec
from inspector.sampling import AQL_VALUES
from ui.camera import CameraSpec, SourceKind
from ui.settings import StationSettings
from ui.widgets import ok_cancel

_KINDS = (
    (SourceKind.DEVICE, "Camera (device index or stream URL)"),
    (SourceKind.VIDEO, "Video file"),
    (SourceKind.FOLDER, "Simulated camera (image folder)"),
)


class SettingsDialog(QDialog):
    """Station name, camera source and resolution, default recipe, hot folder, auto-capture."""

    def __init__(
        self, settings: StationSettings, recipes: list[str], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Station settings")
        self._base = settings
        form = QFormLayout()
        self.station = QLineEdit(settings.station_name)
        self.station.setToolTip("Shown in the header and recorded with calibrations")
        self.kind = QComboBox()
        for kind, label in _KINDS:
            self.kind.addItem(label, kind.value)
        self.kind.setCurrentIndex([k for k, _ in _KINDS].index(settings.camera.kind))
        self.target = QLineEdit(settings.camera.target)
        self.target.setPlaceholderText("0, rtsp://…, a video file or an image folder")
        self.target.setToolTip(
            "Device index (0, 1…) or URL; a video file; an image folder (empty: sample images)"
        )
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose the video file or image folder")
        browse.clicked.connect(self._browse_target)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(browse)
        self.width_px = QSpinBox()
        self.height_px = QSpinBox()
        for box, value in (
            (self.width_px, settings.camera.width),
            (self.height_px, settings.camera.height),
        ):
            box.setRange(0, 20000)
            box.setSuffix(" px")
            box.setSpecialValueText("camera default")
            box.setValue(value)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_px)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_px)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(0.1, 60.0)
        self.fps.setDecimals(1)
        self.fps.setSuffix(" frames/s")
        self.fps.setValue(settings.camera.fps)
        self.fps.setToolTip("How fast the simulated camera steps through the folder")
        self.recipe = QComboBox()
        self.recipe.setEditable(True)
        self.recipe.addItems(recipes)
        self.recipe.setCurrentText(settings.default_recipe)
        self.recipe.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.recipe.setToolTip("The part inspected unless a lot says otherwise")
        self.hot_folder = QLineEdit(settings.hot_folder)
        self.hot_folder.setPlaceholderText("none")
        self.hot_folder.setToolTip("A folder where another machine drops images to inspect")
        self.auto_capture = QCheckBox("Capture when a ring lies still under the camera")
        self.auto_capture.setChecked(settings.auto_capture)
        self.auto_capture.setToolTip(
            "Place a ring and let go: once it has lain still for a moment it is captured and "
            "inspected, once; the next capture waits until it is taken away or moved. "
            "Space still captures at any time."
        )
        form.addRow("Station &name", self.station)
        form.addRow("Camera &source", self.kind)
        form.addRow("&Target", target_row)
        form.addRow("&Resolution", size_row)
        form.addRow("Simulated &rate", self.fps)
        form.addRow("Default &recipe", self.recipe)
        form.addRow("&Hot folder", self.hot_folder)
        form.addRow("&Auto-capture", self.auto_capture)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _browse_target(self) -> None:
        kind = SourceKind(self.kind.currentData())
        if kind is SourceKind.VIDEO:
            path, _ = QFileDialog.getOpenFileName(self, "Video file", self.target.text())
        elif kind is SourceKind.FOLDER:
            path = QFileDialog.getExistingDirectory(self, "Image folder", self.target.text())
        else:
            return
        if path:
            self.target.setText(path)

    def value(self) -> StationSettings:
        """The settings as edited."""
        return replace(
            self._base,
            station_name=self.station.text().strip() or self._base.station_name,
            camera=CameraSpec(
                kind=SourceKind(self.kind.currentData()),
                target=self.target.text().strip(),
                width=self.width_px.value(),
                height=self.height_px.value(),
                fps=self.fps.value(),
            ),
            default_recipe=self.recipe.currentText().strip(),
            hot_folder=self.hot_folder.text().strip(),
            auto_capture=self.auto_capture.isChecked(),
        )

    @classmethod
    def ask(
        cls, parent: QWidget | None, settings: StationSettings, recipes: list[str]
    ) -> StationSettings | None:
        """Edit the settings; the new ones, or None when cancelled."""
        dialog = cls(settings, recipes, parent)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class CalibrationDialog(QDialog):
    """Asks for the reference ring's true outside diameter."""

    def __init__(self, suggested_od_mm: float, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibrate the station")
        text = QLabel(
            "Put the reference ring under the camera, centred and in focus.\n"
            "Type its certified outside diameter; the current camera picture is measured."
        )
        text.setWordWrap(True)
        self.od = QDoubleSpinBox()
        self.od.setRange(0.5, 1000.0)
        self.od.setDecimals(3)
        self.od.setSuffix(" mm")
        self.od.setValue(suggested_od_mm)
        self.od.setToolTip("The reference ring's certified outside diameter")
        form = QFormLayout()
        form.addRow("Reference &OD", self.od)
        buttons = ok_cancel(self, "Measure and save", self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None, suggested_od_mm: float) -> float | None:
        """The reference OD in mm, or None when cancelled."""
        dialog = cls(suggested_od_mm, parent)
        return dialog.od.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


@dataclass(frozen=True)
class NewAdmin:
    """The first admin account as typed: user name, printed full name, password."""

    name: str
    full_name: str
    password: str


class FirstAdminDialog(QDialog):
    """Creates the first account of an empty database: the admin who adds the others."""

    def __init__(self, parent: QWidget | None, message: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("First start: create the admin account")
        text = QLabel(
            "This station's records have no users yet. Create the administrator's account; "
            "the administrator then adds the inspectors, engineers and managers "
            "(inspector users add)."
        )
        text.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("one word, e.g. admin")
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("as printed on signatures")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel(message)
        self.problem.setObjectName("error")
        self.problem.setStyleSheet("color: #ff6b6b; font-weight: 700;")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&User name", self.name)
        form.addRow("&Full name", self.full_name)
        form.addRow("&Password", self.password)
        form.addRow("&Repeat it", self.repeat)
        buttons = ok_cancel(self, "Create admin", self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _check(self) -> None:
        # Only what the core cannot see: the two typings. Name and length rules are the core's.
        if self.password.text() != self.repeat.text():
            self.problem.setText("The two passwords differ.")
            return
        self.accept()

    def value(self) -> NewAdmin:
        """The account as typed."""
        return NewAdmin(
            self.name.text().strip(), self.full_name.text().strip(), self.password.text()
        )

    @classmethod
    def ask(cls, parent: QWidget | None, message: str = "") -> NewAdmin | None:
        """The first admin's account, or None when cancelled; ``message`` says what was wrong."""
        dialog = cls(parent, message)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


#: The plan choices a lot offers besides 100 %: ISO 2859-1 levels (None: the recipe's).
_LEVELS = ("I", "II", "III", "S-1", "S-2", "S-3", "S-4")


class OpenLotDialog(QDialog):
    """Everything opening a lot needs: number, part, customer and order, material, plan."""

    def __init__(self, parent: QWidget | None, recipes: list[str], part: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a new lot")
        self.lot_no = QLineEdit()
        self.lot_no.setPlaceholderText("scan or type the lot number")
        self.part = QComboBox()
        self.part.setEditable(True)
        self.part.addItems(recipes)
        self.part.setCurrentText(part)
        self.part.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.part.setToolTip("The part recipe the rings of this lot are inspected with")
        self.customer = QLineEdit()
        self.po = QLineEdit()
        self.po.setPlaceholderText("purchase order")
        self.po_line = QLineEdit()
        self.po_line.setPlaceholderText("line")
        self.po_line.setMaximumWidth(90)
        po_row = QHBoxLayout()
        po_row.addWidget(self.po, 1)
        po_row.addWidget(self.po_line)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 10_000_000)
        self.quantity.setValue(500)
        self.quantity.setSuffix(" rings")
        self.compound = QLineEdit()
        self.compound.setPlaceholderText("e.g. FFKM 75 black")
        self.batch = QLineEdit()
        self.cure = QLineEdit()
        self.cure.setPlaceholderText("e.g. 4Q26")
        self.cure.setMaximumWidth(120)
        self.sampling = QRadioButton("ISO 2859-1 sampling")
        self.hundred = QRadioButton("100 % (inspect every ring, sort the lot)")
        self.sampling.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.sampling)
        group.addButton(self.hundred)
        self.level = QComboBox()
        self.level.addItem("recipe's level", None)
        for level in _LEVELS:
            self.level.addItem(f"level {level}", level)
        self.aql = QComboBox()
        self.aql.addItem("recipe's AQL", None)
        for aql in AQL_VALUES:
            self.aql.addItem(f"AQL {aql:g} %", aql)
        plan_row = QHBoxLayout()
        plan_row.addWidget(self.sampling)
        plan_row.addWidget(self.level)
        plan_row.addWidget(self.aql)
        plan_row.addStretch(1)
        self.sampling.toggled.connect(self.level.setEnabled)
        self.sampling.toggled.connect(self.aql.setEnabled)
        form = QFormLayout()
        form.addRow("&Lot number", self.lot_no)
        form.addRow("&Part", self.part)
        form.addRow("&Customer", self.customer)
        form.addRow("PO / line", po_row)
        form.addRow("&Quantity", self.quantity)
        form.addRow("Co&mpound", self.compound)
        form.addRow("&Batch", self.batch)
        form.addRow("Cure q&uarter", self.cure)
        form.addRow("Plan", plan_row)
        form.addRow("", self.hundred)
        buttons = ok_cancel(self, "Open lot", self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def value(self) -> tuple[LotSpec, str]:
        """The lot as typed (the core checks it) and the part's recipe name."""
        spec = LotSpec(
            lot_no=self.lot_no.text().strip(),
            quantity=self.quantity.value(),
            customer=self.customer.text().strip(),
            po=self.po.text().strip(),
            po_line=self.po_line.text().strip(),
            compound=self.compound.text().strip(),
            compound_batch=self.batch.text().strip(),
            cure_quarter=self.cure.text().strip(),
            hundred_percent=self.hundred.isChecked(),
            level=None if self.hundred.isChecked() else self.level.currentData(),
            aql=None if self.hundred.isChecked() else self.aql.currentData(),
        )
        return spec, self.part.currentText().strip()

    @classmethod
    def ask(
        cls, parent: QWidget | None, recipes: list[str], part: str
    ) -> tuple[LotSpec, str] | None:
        """The new lot and its part, or None when cancelled."""
        dialog = cls(parent, recipes, part)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
