"""Station dialogs; each exposes ``ask(...)`` returning plain values, for tests to replace."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
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
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.camera import CameraSpec, SourceKind
from ui.settings import StationSettings

_KINDS = (
    (SourceKind.DEVICE, "Camera (device index or stream URL)"),
    (SourceKind.VIDEO, "Video file"),
    (SourceKind.FOLDER, "Simulated camera (image folder)"),
)


class SettingsDialog(QDialog):
    """Station name, camera source and resolution, default recipe, hot folder."""

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
        form.addRow("Station &name", self.station)
        form.addRow("Camera &source", self.kind)
        form.addRow("&Target", target_row)
        form.addRow("&Resolution", size_row)
        form.addRow("Simulated &rate", self.fps)
        form.addRow("Default &recipe", self.recipe)
        form.addRow("&Hot folder", self.hot_folder)
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
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Measure and save")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None, suggested_od_mm: float) -> float | None:
        """The reference OD in mm, or None when cancelled."""
        dialog = cls(suggested_od_mm, parent)
        return dialog.od.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
