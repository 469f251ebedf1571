"""Station calibration: computing px/mm, refusing nonsense, atomic storage, corrupt files."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from inspector.calibration import (
    Calibration,
    CalibrationError,
    compute_calibration,
    default_calibration_path,
    load_calibration,
    save_calibration,
)
from inspector.imaging.results import RingGeometry

NOW = datetime(2026, 11, 27, 5, 46, 37, tzinfo=UTC)


def reference_ring(od_px: float = 320.5, *, broken: bool = False) -> RingGeometry:
    edge = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    return RingGeometry(
        center_px=(200.0, 200.0),
        outer_diameter_px=od_px,
        inner_diameter_px=od_px - 70.6,
        outer_min_px=od_px,
        outer_max_px=od_px,
        inner_min_px=od_px - 70.6,
        inner_max_px=od_px - 70.6,
        cross_section_px=35.3,
        cross_section_min_px=35.3,
        cross_section_max_px=35.3,
        ovality_pct=0.0,
        outer_edge_px=edge,
        inner_edge_px=edge,
        broken=broken,
    )


def test_compute_calibration() -> None:
    cal = compute_calibration(
        reference_ring(), od_mm=32.05, image="ref.png", station="line-2", now=NOW
    )
    assert cal.px_per_mm == pytest.approx(10.0)
    assert cal.reference_od_mm == 32.05
    assert cal.measured_od_px == 320.5
    assert cal.image == "ref.png"
    assert cal.station == "line-2"
    assert cal.measured_at == "2026-11-27T05:46:37+00:00"


def test_time_is_recorded_in_utc() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=9)))
    cal = compute_calibration(reference_ring(), od_mm=32.05, image="r", station="s", now=local)
    assert cal.measured_at == "2026-11-27T05:46:37+00:00"
    default = compute_calibration(reference_ring(), od_mm=32.05, image="r", station="s")
    assert datetime.fromisoformat(default.measured_at).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("od_mm", "message"),
    [
        (0.0, "positive size"),
        (-32.05, "positive size"),
        (math.nan, "positive size"),
        (math.inf, "positive size"),
        (3205.0, "larger than any ring"),
    ],
)
def test_nonsense_reference_od_is_refused(od_mm: float, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        compute_calibration(reference_ring(), od_mm=od_mm, image="r", station="s")


def test_broken_or_tiny_reference_is_refused() -> None:
    with pytest.raises(CalibrationError, match="broken"):
        compute_calibration(reference_ring(broken=True), od_mm=32.05, image="r", station="s")
    with pytest.raises(CalibrationError, match=r"5\.0 px across"):
        compute_calibration(reference_ring(5.0), od_mm=32.05, image="r", station="s")
    with pytest.raises(CalibrationError, match="px across"):
        compute_calibration(reference_ring(math.nan), od_mm=32.05, image="r", station="s")


@pytest.fixture
def cal() -> Calibration:
    return compute_calibration(reference_ring(), od_mm=32.05, image="ref.png", station="s", now=NOW)


def test_round_trip(tmp_path: Path, cal: Calibration) -> None:
    path = tmp_path / "sub" / "calibration.json"
    assert save_calibration(cal, path) == path
    assert load_calibration(path) == cal
    assert json.loads(path.read_text())["schema_version"] == 1
    assert Calibration.from_dict(cal.to_dict()) == cal


def test_default_path_follows_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cal: Calibration
) -> None:
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path))
    assert default_calibration_path() == tmp_path / "calibration.json"
    assert load_calibration() is None
    assert save_calibration(cal) == tmp_path / "calibration.json"
    assert load_calibration() == cal


def test_save_replaces_and_leaves_no_temporary_files(tmp_path: Path, cal: Calibration) -> None:
    path = tmp_path / "calibration.json"
    save_calibration(cal, path)
    newer = replace(cal, px_per_mm=11.0)
    save_calibration(newer, path)
    assert load_calibration(path) == newer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calibration.json"]


def test_a_failed_save_keeps_the_old_calibration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cal: Calibration
) -> None:
    path = tmp_path / "calibration.json"
    save_calibration(cal, path)

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError, match="No space left"):
        save_calibration(replace(cal, px_per_mm=99.0), path)
    monkeypatch.undo()
    assert load_calibration(path) == cal
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calibration.json"]


def test_missing_file_means_not_calibrated(tmp_path: Path) -> None:
    assert load_calibration(tmp_path / "nope.json") is None


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("", "not valid JSON"),
        ("{ broken", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"schema_version": 1}', "'px_per_mm' must be a number"),
        ("\xff\xfe", "not valid JSON"),
    ],
)
def test_corrupt_file_is_a_clear_error(tmp_path: Path, content: str, detail: str) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalibrationError) as info:
        load_calibration(path)
    message = str(info.value)
    assert f"the calibration file {path} is corrupt" in message
    assert detail in message
    assert "calibrate the station again" in message


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CalibrationError, match="cannot read the calibration file"):
        load_calibration(path)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"px_per_mm": -10.0}, "'px_per_mm' must be a positive number"),
        ({"px_per_mm": True}, "'px_per_mm' must be a number"),
        ({"station": 3}, "'station' must be text"),
        ({"schema_version": 2}, "schema version 2 is newer"),
        ({"schema_version": "1"}, "invalid 'schema_version'"),
    ],
)
def test_invalid_values_are_corrupt(
    tmp_path: Path, cal: Calibration, change: dict[str, object], detail: str
) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({**cal.to_dict(), **change}), encoding="utf-8")
    with pytest.raises(CalibrationError, match=detail):
        load_calibration(path)
