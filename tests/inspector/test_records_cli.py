"""The records commands end to end: users, lots, inspect, review, dispose, sign, history,
audit, db. Every bad input gives a one-line message, exit status 2 and no change."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.records import history

ADMIN_PW = "admin password"
PW = "station password"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "records" / "inspector.db"
    monkeypatch.setenv("INSPECTOR_DB", str(path))
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSPECTOR_STATION", "st-1")
    monkeypatch.delenv("INSPECTOR_USER", raising=False)
    monkeypatch.setenv("INSPECTOR_NEW_PASSWORD", ADMIN_PW)
    assert main(["users", "add", "admin", "--role", "admin", "--full-name", "Ada Admin"]) == 0
    monkeypatch.setenv("INSPECTOR_PASSWORD", ADMIN_PW)
    monkeypatch.setenv("INSPECTOR_NEW_PASSWORD", PW)
    for name, role in (("ivo", "inspector"), ("eva", "engineer"), ("max", "manager")):
        args = [
            "users",
            "add",
            name,
            "--role",
            role,
            "--full-name",
            name.title(),
            "--user",
            "admin",
        ]
        assert main(args) == 0
    monkeypatch.setenv("INSPECTOR_PASSWORD", PW)
    return path


def _audit_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        conn.close()


def _images(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "tray"
    folder.mkdir()
    for src in sorted(SAMPLE_IMAGES_DIR.glob("ring_*"))[:n]:
        shutil.copy(src, folder / src.name)
    return folder


def test_users_commands(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["users", "list", "--json"]) == 0
    names = [u["name"] for u in json.loads(capsys.readouterr().out)]
    assert names == ["admin", "eva", "ivo", "max"]
    assert (
        main(["users", "add", "zed", "--role", "admin", "--full-name", "Z", "--user", "ivo"]) == 2
    )
    assert "ivo is an inspector" in capsys.readouterr().err
    monkeypatch.setenv("INSPECTOR_PASSWORD", ADMIN_PW)
    assert main(["users", "lock", "ivo", "--user", "admin"]) == 0
    monkeypatch.setenv("INSPECTOR_PASSWORD", PW)
    assert (
        main(["lot", "open", "L1", "--part", "AS568-214", "--quantity", "10", "--user", "ivo"]) == 2
    )
    assert "locked" in capsys.readouterr().err
    monkeypatch.setenv("INSPECTOR_NEW_PASSWORD", "a new password")
    assert main(["users", "passwd", "--user", "eva"]) == 0


def test_users_role_changes_a_role_and_keeps_the_last_admin(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECTOR_PASSWORD", ADMIN_PW)
    assert main(["users", "role", "ivo", "engineer", "--reason", "trained", "--user", "admin"]) == 0
    assert "ivo is now engineer" in capsys.readouterr().out
    assert main(["users", "role", "admin", "manager", "--user", "admin"]) == 2
    assert "admin" in capsys.readouterr().err
    monkeypatch.setenv("INSPECTOR_PASSWORD", PW)
    assert main(["users", "role", "max", "admin", "--user", "eva"]) == 2
    assert "eva is an engineer" in capsys.readouterr().err
    assert main(["users", "list", "--json"]) == 0
    roles = {u["name"]: u["role"] for u in json.loads(capsys.readouterr().out)}
    assert roles == {"admin": "admin", "eva": "engineer", "ivo": "engineer", "max": "manager"}


def test_no_password_without_a_terminal_is_a_clear_error(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSPECTOR_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert (
        main(["lot", "open", "L1", "--part", "AS568-214", "--quantity", "10", "--user", "ivo"]) == 2
    )
    assert "INSPECTOR_PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["lot", "open", "L1", "--part", "AS568-214", "--quantity", "-5", "--user", "ivo"],
            "at least 1",
        ),
        (
            [
                "lot",
                "open",
                "L1",
                "--part",
                "AS568-214",
                "--quantity",
                "100",
                "--aql",
                "0.3",
                "--user",
                "ivo",
            ],
            "AQL",
        ),
        (
            ["lot", "open", "L1", "--part", "AS568-999", "--quantity", "100", "--user", "ivo"],
            "unknown recipe",
        ),
        (
            ["lot", "open", "L1", "--part", "AS568-214", "--quantity", "100", "--user", "max"],
            "may not open lots",
        ),
        (
            ["lot", "open", "L1", "--part", "AS568-214", "--quantity", "100", "--user", "nobody"],
            "unknown user",
        ),
        (["lot", "open", "L1", "--part", "AS568-214", "--quantity", "100"], "--user"),
        (["lot", "show", "NOPE"], "no lot NOPE"),
        (["lot", "inspect", "NOPE", "x.png", "--user", "ivo"], "no lot NOPE"),
        (["lot", "dispose", "NOPE", "--user", "eva"], "no lot NOPE"),
        (
            ["lot", "review", "NOPE", "1", "--verdict", "pass", "--reason", "r", "--user", "eva"],
            "no lot",
        ),
        (["lot", "sign", "NOPE", "--meaning", "approved", "--user", "max"], "no lot NOPE"),
        (["history", "--from", "last week"], "not a date"),
        (["history", "--limit", "0"], "limit"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = _audit_rows(db)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _audit_rows(db) == before


def test_bad_usage_exits_2(db: Path) -> None:
    assert main(["lot", "open", "L1", "--quantity", "x"]) == 2
    assert main(["history", "--verdict", "maybe"]) == 2


@pytest.mark.slow
def test_lot_inspect_review_dispose_sign(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tray = _images(tmp_path, 3)
    assert (
        main(
            [
                "lot",
                "open",
                "L1",
                "--part",
                "AS568-214",
                "--quantity",
                "3",
                "--hundred-percent",
                "--customer",
                "Fab A",
                "--user",
                "ivo",
            ]
        )
        == 0
    )
    status = main(
        ["lot", "inspect", "L1", str(tray), "--user", "ivo", "--workers", "1", "--px-per-mm", "20"]
    )
    captured = capsys.readouterr()
    assert status in (0, 1)
    assert "[3/3]" in captured.err and "3 recorded" in captured.out
    # Running the same tray again records nothing new.
    main(
        ["lot", "inspect", "L1", str(tray), "--user", "ivo", "--workers", "1", "--px-per-mm", "20"]
    )
    assert "0 recorded, 3 already recorded" in capsys.readouterr().out
    assert main(["history", "--lot", "L1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["station"] for r in rows} == {"st-1"}
    assert (
        main(
            [
                "lot",
                "review",
                "L1",
                "1",
                "--verdict",
                "pass",
                "--reason",
                "checked under microscope",
                "--user",
                "eva",
            ]
        )
        == 0
    )
    assert main(["lot", "dispose", "L1", "--user", "eva"]) == 0
    assert "sorted" in capsys.readouterr().out
    assert main(["lot", "sign", "L1", "--meaning", "approved", "--user", "eva"]) == 2
    assert main(["lot", "sign", "L1", "--meaning", "approved", "--user", "max"]) == 0
    assert main(["lot", "show", "L1", "--json"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert main(["db", "check"]) == 0
    assert main(["db", "backup", str(tmp_path / "bk" / "copy.db")]) == 0
    assert len(list((tmp_path / "bk" / "images").rglob("*"))) >= 3
    capsys.readouterr()
    assert main(["history", "--csv", "--review", "overruled"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The same CSV as the desk's export, header first.
    assert tuple(lines[0].split(",")) == history.CSV_COLUMNS
    assert all(len(next(csv.reader([line]))) == len(history.CSV_COLUMNS) for line in lines[1:])
    # Tampering behind the application's back is found and named.
    conn = sqlite3.connect(db)
    conn.execute("UPDATE audit SET reason = 'nothing to see' WHERE id = 3")
    conn.execute("UPDATE inspections SET station = 'forged' WHERE seq = 2")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "audit row 3" in err and "lot L1" in err


def test_corrupt_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 1000)
    assert main(["db", "check", "--db", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err


def test_db_check_finds_a_changed_image(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inspector.records import recording
    from inspector.store import open_store

    from .test_store_fixtures import make_image, make_result, open_lot

    with open_store(db) as store:
        from inspector.auth import authenticate

        ivo = authenticate(store, "ivo", PW)
        open_lot(store, ivo, "L1")
        result = make_result(make_image(tmp_path / "img", 1))
        recording.record_inspection(store, ivo, "L1", result, station="s")
        stored = recording.images_for(store).path_for(result.image_sha256 or "")
    stored.chmod(0o644)
    stored.write_bytes(b"swapped")
    assert main(["db", "check"]) == 2
    assert "no longer matches its hash" in capsys.readouterr().err
