"""The ``inspector inspect`` contract: JSON Lines, exit codes, and every kind of bad input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from inspector.cli import main
from tests.inspector.test_engine import annulus

CONTRACT_KEYS = {"image", "verdict", "reasons", "scale", "ring", "defects", "timing_ms"}
RING_KEYS = {
    "center_px",
    "outer_diameter_px",
    "inner_diameter_px",
    "outer_diameter_mm",
    "inner_diameter_mm",
    "cross_section_mm",
    "cross_section_min_mm",
    "cross_section_max_mm",
    "ovality_pct",
}
DEFECT_KEYS = {"type", "bbox_px", "length_mm", "width_mm", "area_mm2", "where", "reject"}


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No station calibration unless a test writes one.
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    status = main(["inspect", *args, "--json", "--workers", "1"])
    lines = capsys.readouterr().out.splitlines()
    return status, [json.loads(line) for line in lines]


def write_ring(path: Path, **kwargs: object) -> Path:
    pixels, _ = annulus(**kwargs)  # type: ignore[arg-type]
    assert cv2.imwrite(str(path), pixels)
    return path


def test_good_ring_passes_with_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_ring(tmp_path / "good.png")
    status, records = run_json(capsys, str(image), "--px-per-mm", "10")
    assert status == 0
    (record,) = records
    assert set(record) == CONTRACT_KEYS
    assert record["image"] == str(image)
    assert record["verdict"] == "pass"
    assert record["reasons"] == []
    assert record["scale"] == {"px_per_mm": 10.0, "source": "cli"}
    assert set(record["ring"]) == RING_KEYS
    assert record["ring"]["outer_diameter_mm"] == pytest.approx(30.0, abs=0.05)
    assert record["ring"]["inner_diameter_mm"] == pytest.approx(22.0, abs=0.05)
    assert record["ring"]["cross_section_mm"] == pytest.approx(4.0, abs=0.05)
    assert set(record["timing_ms"]) == {"decode", "inspect"}


def test_defect_fails_and_is_reported_in_image_pixels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_ring(tmp_path / "bite.png", carve=[(241.3, 198.6 - 150.0, 8.0)])
    status, (record,) = run_json(capsys, str(image), "--px-per-mm", "10")
    assert status == 1
    assert record["verdict"] == "fail"
    (defect,) = record["defects"]
    assert set(defect) == DEFECT_KEYS
    assert defect["type"] == "non_fill"
    assert defect["where"] == "outer_edge"
    assert defect["reject"] is True
    x, y, w, h = defect["bbox_px"]
    assert x <= 241 <= x + w and y <= 52 <= y + h
    assert record["reasons"]


def test_without_any_scale_mm_fields_are_null_and_defects_reject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_ring(tmp_path / "bite.png", carve=[(241.3, 198.6 - 150.0, 8.0)])
    status, (record,) = run_json(capsys, str(image))
    assert status == 1
    assert record["scale"] is None
    assert record["ring"]["outer_diameter_mm"] is None
    assert record["defects"][0]["length_mm"] is None
    assert record["defects"][0]["reject"] is True


def test_nominal_scale_comes_from_the_recipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_ring(tmp_path / "good.png")
    status, (record,) = run_json(capsys, str(image), "--recipe", "AS568-214")
    assert status == 0
    assert record["scale"]["source"] == "nominal"
    # 40 px cross-section over the nominal 3.53 mm.
    assert record["scale"]["px_per_mm"] == pytest.approx(40.0 / 3.53, rel=0.01)


def test_calibration_is_stored_and_then_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_ring(tmp_path / "reference.png")
    assert main(["calibrate", str(image), "--od-mm", "30"]) == 0
    capsys.readouterr()
    status, (record,) = run_json(capsys, str(image))
    assert status == 0
    assert record["scale"]["source"] == "calibration"
    assert record["scale"]["px_per_mm"] == pytest.approx(10.0, abs=0.02)
    # The command line still wins.
    _, (record,) = run_json(capsys, str(image), "--px-per-mm", "12")
    assert record["scale"]["source"] == "cli"


def test_calibrate_refuses_an_image_without_a_ring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200), 128, np.uint8))
    assert main(["calibrate", str(blank), "--od-mm", "30"]) == 2
    assert "no ring" in capsys.readouterr().err


def _bad_inputs(folder: Path) -> dict[str, Path]:
    """Every kind of bad input the issue lists, written into ``folder``."""
    good, _ = annulus()
    ok, png = cv2.imencode(".png", good)
    ok2, jpg = cv2.imencode(".jpg", good)
    assert ok and ok2
    files = {
        "empty": folder / "a_empty.png",
        "truncated_png": folder / "b_truncated.png",
        "truncated_jpeg": folder / "c_truncated.jpg",
        "text": folder / "d_text.png",
        "tiny": folder / "e_tiny.png",
        "no_ring": folder / "f_no_ring.png",
        "huge_header": folder / "g_huge.png",
    }
    files["empty"].write_bytes(b"")
    files["truncated_png"].write_bytes(png.tobytes()[: len(png) // 2])
    files["truncated_jpeg"].write_bytes(jpg.tobytes()[: len(jpg) // 2])
    files["text"].write_text("this is not an image\n")
    cv2.imwrite(str(files["tiny"]), np.zeros((1, 1), np.uint8))
    cv2.imwrite(str(files["no_ring"]), np.full((300, 400), 200, np.uint8))
    files["huge_header"].write_bytes(_png_header_only(100_000, 100_000))
    return files


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def test_every_bad_input_is_an_error_record_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    bad = _bad_inputs(folder)
    good = write_ring(folder / "z_good.png")
    empty_folder = tmp_path / "nothing_here"
    empty_folder.mkdir()
    missing = tmp_path / "missing.png"
    status, records = run_json(
        capsys, str(folder), str(missing), str(empty_folder), "--px-per-mm", "10"
    )
    assert status == 2
    by_image = {r["image"]: r for r in records}
    # Input order: the folder's files by name, then the other arguments.
    assert [r["image"] for r in records] == [
        *(str(p) for p in sorted(bad.values())),
        str(good),
        str(missing),
        str(empty_folder),
    ]
    for path in [*bad.values(), missing, empty_folder]:
        record = by_image[str(path)]
        assert record["verdict"] == "error", path
        assert record["error"], path
        assert "Traceback" not in record["error"]
    assert by_image[str(good)]["verdict"] == "pass"
    assert "empty" in by_image[str(bad["empty"])]["error"]
    assert "truncated" in by_image[str(bad["truncated_png"])]["error"]
    assert "truncated" in by_image[str(bad["truncated_jpeg"])]["error"]
    assert "not an image" in by_image[str(bad["text"])]["error"]
    assert "too small" in by_image[str(bad["tiny"])]["error"]
    assert "no ring" in by_image[str(bad["no_ring"])]["error"]
    assert "megapixels" in by_image[str(bad["huge_header"])]["error"]
    assert "no images" in by_image[str(empty_folder)]["error"]


def test_workers_keep_input_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for index in range(4):
        write_ring(folder / f"ring_{index}.png", seed=index)
    (folder / "ring_2b.png").write_text("broken")
    status = main(["inspect", str(folder), "--json", "--workers", "2", "--px-per-mm", "10"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 2
    names = [Path(r["image"]).name for r in records]
    assert names == ["ring_0.png", "ring_1.png", "ring_2.png", "ring_2b.png", "ring_3.png"]
    assert [r["verdict"] for r in records] == ["pass", "pass", "pass", "error", "pass"]


def test_table_output_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = write_ring(tmp_path / "good.png")
    assert main(["inspect", str(image), "--px-per-mm", "10", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out
    assert out.strip().splitlines()[-1].startswith("1 image: 1 pass, 0 fail, 0 error")


@pytest.mark.parametrize(
    "args",
    [
        ["inspect"],
        ["inspect", "x.png", "--recipe", "AS568-9999"],
        ["inspect", "x.png", "--grade", "nonsense"],
        ["inspect", "x.png", "--px-per-mm", "-3"],
        ["inspect", "x.png", "--workers", "0"],
        ["calibrate", "x.png"],
    ],
)
def test_bad_usage_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    image = write_ring(tmp_path / "good.png")
    completed = subprocess.run(
        [sys.executable, "-m", "inspector", "inspect", str(image), "--json", "--px-per-mm", "10"],
        capture_output=True,
        text=True,
        check=False,
        env={"INSPECTOR_DATA_DIR": str(tmp_path / "data"), "PATH": ""},
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["verdict"] == "pass"
