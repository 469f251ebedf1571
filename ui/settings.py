"""The station's domain settings, and the UI state kept in QSettings.

:class:`StationSettings` (station name, camera, default recipe, hot folder, auto-capture) is
domain data: it lives here, in a JSON file in the user data folder, only until the records
engineer moves it to the database; :class:`SettingsStore` is the one place that reads and writes it.
:class:`UiState` wraps QSettings for what is purely the UI's (window geometry, last folder).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from inspector.calibration import Calibration, CalibrationError, load_calibration
from inspector.paths import user_data_dir
from inspector.recipes import Grade, Recipe, load_grade, load_recipe
from inspector.runner import InspectionSettings
from ui.camera import CameraSpec, SourceKind

log = logging.getLogger(__name__)

SETTINGS_FILE = "station_settings.json"
DEFAULT_RECIPE = "AS568-214"
DEFAULT_GRADE = "fab"


@dataclass(frozen=True)
class StationSettings:
    """What this station inspects with.

    Attributes
    ----------
    station_name : str
        Shown in the header and recorded with calibrations.
    camera : CameraSpec
        The camera source and its resolution.
    default_recipe : str
        The part recipe inspected unless a lot says otherwise ("" : none).
    hot_folder : str
        A folder watched for new images ("" : none).
    auto_capture : bool
        Capture by itself, once, when a ring lies still in view (off: Space only).
    """

    station_name: str = field(default_factory=socket.gethostname)
    camera: CameraSpec = field(default_factory=CameraSpec)
    default_recipe: str = DEFAULT_RECIPE
    hot_folder: str = ""
    auto_capture: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        data = asdict(self)
        data["camera"]["kind"] = self.camera.kind.value
        return data

    @classmethod
    def from_dict(cls, data: object) -> StationSettings:
        """Read the JSON shape; unknown or bad fields fall back to defaults."""
        base = cls()
        if not isinstance(data, dict):
            return base
        cam = data.get("camera") if isinstance(data.get("camera"), dict) else {}
        assert isinstance(cam, dict)
        try:
            camera = CameraSpec(
                kind=SourceKind(cam.get("kind", base.camera.kind.value)),
                target=str(cam.get("target", "")),
                width=int(cam.get("width", 0)),
                height=int(cam.get("height", 0)),
                fps=float(cam.get("fps", base.camera.fps)),
            )
        except (ValueError, TypeError):
            camera = base.camera
        return replace(
            base,
            station_name=str(data.get("station_name", base.station_name)),
            camera=camera,
            default_recipe=str(data.get("default_recipe", base.default_recipe)),
            hot_folder=str(data.get("hot_folder", "")),
            auto_capture=data.get("auto_capture") is True,  # only a JSON true turns it on
        )


class SettingsStore:
    """Reads and writes :class:`StationSettings` as JSON (atomically).

    Parameters
    ----------
    path : Path, optional
        Default: ``user_data_dir() / "station_settings.json"``.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else user_data_dir() / SETTINGS_FILE

    def load(self) -> StationSettings:
        """The saved settings, or the defaults when none are saved or the file is bad."""
        try:
            return StationSettings.from_dict(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return StationSettings()
        except (OSError, ValueError) as exc:
            log.warning("station settings %s unreadable (%s); using defaults", self.path, exc)
            return StationSettings()

    def save(self, settings: StationSettings) -> None:
        """Write the settings; raises OSError when the disk refuses."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(settings.to_dict(), indent=2, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def inspection_settings(
    settings: StationSettings, *, calibration: Calibration | None
) -> InspectionSettings:
    """What the engine judges with, from the station settings.

    Raises
    ------
    inspector.recipes.RecipeError
        When the default recipe or its grade cannot be loaded.
    """
    recipe: Recipe | None = (
        load_recipe(settings.default_recipe) if settings.default_recipe else None
    )
    grade: Grade = load_grade(recipe.grade if recipe is not None else DEFAULT_GRADE)
    return InspectionSettings(grade=grade, recipe=recipe, calibration=calibration)


def load_station_calibration(path: Path | None = None) -> tuple[Calibration | None, str | None]:
    """The stored calibration and, when it is unreadable, the message saying so."""
    try:
        return load_calibration(path), None
    except CalibrationError as exc:
        return None, str(exc)


class UiState:
    """Window geometry and the last folder, in QSettings (UI state only).

    Parameters
    ----------
    settings : QSettings
        Given by the composition root (tests pass one backed by a temporary file).
    """

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def geometry(self) -> QByteArray | None:
        """The saved window geometry, if any."""
        value = self._settings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, value: QByteArray) -> None:
        """Remember the window geometry."""
        self._settings.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        """The saved splitter/dock state, if any."""
        value = self._settings.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def set_window_state(self, value: QByteArray) -> None:
        """Remember the splitter/dock state."""
        self._settings.setValue("window/state", value)

    def last_folder(self) -> str:
        """The folder last imported or opened from ("" when none)."""
        value = self._settings.value("paths/last_folder", "")
        return value if isinstance(value, str) else ""

    def set_last_folder(self, folder: str) -> None:
        """Remember the folder last used."""
        self._settings.setValue("paths/last_folder", folder)
