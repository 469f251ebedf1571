"""``inspector export lot``: CSV and JSON that parse back to the lot's rings and summary."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.store import open_store

from .test_certificate_cli import build_signed_lot
from .test_store_fixtures import PASSWORD, add_users


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "records" / "inspector.db"
    monkeypatch.setenv("INSPECTOR_DB", str(path))
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSPECTOR_PASSWORD", PASSWORD)
    with open_store(path) as store:
        build_signed_lot(store, add_users(store), tmp_path / "img")
    yield path


def test_csv_has_one_row_per_ring(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "L1.csv"
    assert main(["export", "lot", "L1", "--csv", "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["ring"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["machine_verdict"] for r in rows] == ["pass", "fail", "pass", "fail", "pass"]
    assert [r["final_verdict"] for r in rows] == ["pass", "fail", "pass", "pass", "pass"]
    assert [r["review_outcome"] for r in rows] == ["", "", "", "overruled", ""]
    first, second = rows[0], rows[1]
    assert first["lot"] == "L1" and first["part"] == "AS568-214" and first["operator"] == "ins"
    assert first["time_utc"].endswith("Z") and "T" in first["time_utc"]
    assert len(first["image_sha256"]) == 64
    assert (first["id_mm"], first["cs_mm"]) == ("24.9900", "3.5300")
    assert float(first["od_mm"]) == pytest.approx(32.05)
    assert first["defects"] == "" and first["n_defects"] == "0"
    assert second["n_defects"] == "2"
    assert second["defects"] == "scratch:0.100;crack:0.110"
    assert second["rejecting_defects"] == second["defects"]


def test_csv_to_standard_output_has_no_bom(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "lot", "L1", "--csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("lot,part,ring,")
    assert len(list(csv.reader(io.StringIO(text)))) == 6


def test_json_has_lot_summary_and_rings(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "L1.json"
    assert main(["export", "lot", "L1", "--json", "--out", str(out)]) == 0
    tree = json.loads(out.read_text(encoding="utf-8"))
    assert set(tree) == {"lot", "summary", "rings"}
    assert tree["lot"]["lot_no"] == "L1" and tree["lot"]["status"] == "signed"
    summary = tree["summary"]
    assert (summary["inspected"], summary["nonconforming"], summary["reviewed"]) == (5, 1, 1)
    assert summary["decision"] == "sorted"
    assert summary["rejecting_defects_by_type"] == {"crack": 1, "scratch": 1}
    assert summary["dimensions"]["id_mm"]["n"] == 5
    assert summary["dimensions"]["id_mm"]["mean"] == pytest.approx(24.99)
    assert [s["meaning"] for s in summary["signatures"]] == ["approved"]
    assert len(tree["rings"]) == 5
    ring = tree["rings"][1]
    assert ring["seq"] == 2 and ring["final_verdict"] == "fail"
    assert [d["type"] for d in ring["defects"]] == ["scratch", "crack"]
    assert ring["defects"][0]["final_reject"] is True


def test_unknown_lot_and_unwritable_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "lot", "L9", "--json"]) == 2
    assert capsys.readouterr().err.strip() == "inspector export lot: no lot L9 in the records"
    bad = tmp_path / "missing" / "x.csv"
    assert main(["export", "lot", "L1", "--csv", "--out", str(bad)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not bad.exists()
    assert main(["export", "lot", "L1"]) == 2  # --csv or --json is required
