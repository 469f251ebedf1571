"""Station calibration: the camera's pixels per millimetre, measured on a reference ring.

A reference ring of known outside diameter is imaged; its edge-length diameter in px divided
by the known OD in mm gives px/mm in the object plane. The figure is stored per user (per
station) in ``user_data_dir() / "calibration.json"`` and used by
:func:`inspector.judge.resolve_scale` whenever no ``--px-per-mm`` is given on the command line.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspector.imaging.results import RingGeometry
from inspector.paths import user_data_dir

__all__ = [
    "CALIBRATION_SCHEMA_VERSION",
    "Calibration",
    "CalibrationError",
    "compute_calibration",
    "default_calibration_path",
    "load_calibration",
    "save_calibration",
]

#: The calibration file layout this code reads and writes.
CALIBRATION_SCHEMA_VERSION = 1
#: A reference ring smaller than this in the image cannot give a trustworthy scale (px).
MIN_REFERENCE_OD_PX = 20.0
#: No shipped part is larger; a bigger "reference" is a typing error (mm).
MAX_REFERENCE_OD_MM = 1000.0


class CalibrationError(ValueError):
    """A calibration that cannot be made or read; the message says what to do."""


@dataclass(frozen=True)
class Calibration:
    """One station calibration.

    Attributes
    ----------
    px_per_mm : float
        Pixels per millimetre in the object plane.
    reference_od_mm : float
        The reference ring's known outside diameter (mm).
    measured_od_px : float
        Its measured edge-length outside diameter (px).
    image : str
        The calibration image, as given.
    measured_at : str
        When, as an ISO 8601 UTC time (``2026-11-27T05:46:37+00:00``).
    station : str
        Which station (host or camera name) it belongs to.
    """

    px_per_mm: float
    reference_od_mm: float
    measured_od_px: float
    image: str
    measured_at: str
    station: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the calibration file."""
        return {"schema_version": CALIBRATION_SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: object) -> Calibration:
        """Build a calibration from its JSON shape; raise CalibrationError when it is not one."""
        if not isinstance(data, dict):
            raise CalibrationError(f"expected a JSON object, got {type(data).__name__}")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise CalibrationError("missing or invalid 'schema_version'")
        if version > CALIBRATION_SCHEMA_VERSION:
            raise CalibrationError(
                f"schema version {version} is newer than this program reads "
                f"({CALIBRATION_SCHEMA_VERSION}); update Seal Inspector"
            )
        return cls(
            px_per_mm=_positive(data, "px_per_mm"),
            reference_od_mm=_positive(data, "reference_od_mm"),
            measured_od_px=_positive(data, "measured_od_px"),
            image=_text(data, "image"),
            measured_at=_text(data, "measured_at"),
            station=_text(data, "station"),
        )


def _positive(data: dict[str, object], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CalibrationError(f"'{key}' must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise CalibrationError(f"'{key}' must be a positive number, got {value!r}")
    return float(value)


def _text(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise CalibrationError(f"'{key}' must be text, got {value!r}")
    return value


def default_calibration_path() -> Path:
    """Return ``user_data_dir() / "calibration.json"``."""
    return user_data_dir() / "calibration.json"


def compute_calibration(
    ring: RingGeometry,
    *,
    od_mm: float,
    image: str,
    station: str,
    now: datetime | None = None,
) -> Calibration:
    """Compute px/mm from a reference ring of known outside diameter.

    Parameters
    ----------
    ring : RingGeometry
        The engine's geometry of the reference ring, in px.
    od_mm : float
        The reference ring's true outside diameter (mm).
    image, station : str
        Recorded with the result.
    now : datetime, optional
        The time to record (UTC); the current time by default.

    Returns
    -------
    Calibration
        ``px_per_mm = ring.outer_diameter_px / od_mm``.

    Raises
    ------
    CalibrationError
        When the OD is not a plausible size, the ring is broken, or too small in the image.
    """
    if not math.isfinite(od_mm) or od_mm <= 0:
        raise CalibrationError(f"the reference OD must be a positive size in mm, got {od_mm}")
    if od_mm > MAX_REFERENCE_OD_MM:
        raise CalibrationError(
            f"a reference OD of {od_mm:g} mm is larger than any ring this station inspects "
            f"(≤ {MAX_REFERENCE_OD_MM:g} mm): check the unit"
        )
    if ring.broken:
        raise CalibrationError("the reference ring is broken: its diameter is not a reference")
    od_px = ring.outer_diameter_px
    if not math.isfinite(od_px) or od_px < MIN_REFERENCE_OD_PX:
        raise CalibrationError(
            f"the reference ring measures {od_px:.1f} px across; at least "
            f"{MIN_REFERENCE_OD_PX:g} px are needed for a calibration"
        )
    when = (now or datetime.now(UTC)).astimezone(UTC)
    return Calibration(
        px_per_mm=od_px / od_mm,
        reference_od_mm=float(od_mm),
        measured_od_px=float(od_px),
        image=image,
        measured_at=when.isoformat(timespec="seconds"),
        station=station,
    )


def save_calibration(cal: Calibration, path: Path | None = None) -> Path:
    """Write ``cal`` atomically and return the path written.

    The JSON goes to a temporary file in the same folder, is flushed to disk, then renamed
    over the old file, so a crash or power cut leaves either the old or the new calibration,
    never half of one.
    """
    target = default_calibration_path() if path is None else Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cal.to_dict(), indent=2, ensure_ascii=False) + "\n"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # The rename itself is durable only once the folder entry is on disk (POSIX).
    # Best effort: some file systems refuse to open or sync a folder.
    if os.name == "posix":
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    return target


def load_calibration(path: Path | None = None) -> Calibration | None:
    """Return the stored calibration, or None when the station has not been calibrated.

    Raises
    ------
    CalibrationError
        When the file exists but cannot be read or is not a calibration; the message names
        the file and says to recalibrate.
    """
    source = default_calibration_path() if path is None else Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(f"cannot read the calibration file {source}: {exc}") from exc
    try:
        return Calibration.from_dict(json.loads(text))
    except json.JSONDecodeError as exc:
        raise CalibrationError(
            f"the calibration file {source} is corrupt (not valid JSON: {exc.msg} at line "
            f"{exc.lineno}); calibrate the station again or delete the file"
        ) from exc
    except CalibrationError as exc:
        raise CalibrationError(
            f"the calibration file {source} is corrupt ({exc}); "
            "calibrate the station again or delete the file"
        ) from exc
