"""Certificates of Conformance from the records, end to end through the command line:
issue for a signed lot, read it back, verify it, tamper with the file and the records,
and every refusal (role, lot state, output path) leaves no file and no audit row."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from inspector.auth import User
from inspector.certificates import verify_certificate
from inspector.certificates.verify import extract_content
from inspector.cli import main
from inspector.outcome import Verdict
from inspector.records import lots, recording, reviews, signing
from inspector.records.certificates import issued_certificates, records_check
from inspector.store import SqliteStore, open_store

from .test_store_fixtures import PASSWORD, add_users, make_image, make_result, open_lot

DETAILS = [
    "--customer-part",
    "NG-SEAL-0214-K",
    "--drawing",
    "NG-D-77104",
    "--revision",
    "C",
    "--colour",
    "white",
    "--hardness",
    "75 Shore A",
    "--customer-address",
    "2200 Mission College Blvd",
    "--customer-address",
    "Santa Clara, CA 95054",
]


def make_ring_png(folder: Path, index: int) -> Path:
    """Write a real (decodable) PNG of a grey ring, unique per index; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(index)
    image = np.full((120, 160), 200, np.uint8)
    cv2.circle(image, (80, 60), 45, 60, thickness=12)
    image[:4, :] = rng.integers(0, 255, (4, 160), dtype=np.uint8)  # makes every file unique
    path = folder / f"real{index:03d}.png"
    cv2.imwrite(str(path), image)
    return path


def build_signed_lot(
    store: SqliteStore, users: dict[str, User], folder: Path, lot_no: str = "L1"
) -> None:
    """A 100 % lot of 5 rings: one fails (two defects), one is overruled, all signed."""
    insp, eng, mgr = users["inspector"], users["engineer"], users["manager"]
    open_lot(
        store,
        insp,
        lot_no,
        quantity=5,
        hundred_percent=True,
        po="4500118832",
        po_line="20",
        compound="FFKM K-8575",
        compound_batch="CB-26-0192",
    )
    verdicts = [Verdict.PASS, Verdict.FAIL, Verdict.PASS, Verdict.FAIL, Verdict.PASS]
    for i, verdict in enumerate(verdicts):
        path = make_ring_png(folder / lot_no, i)
        n = 2 if verdict is Verdict.FAIL else 0
        result = make_result(path, verdict=verdict, n_defects=n)
        recording.record_inspection(store, insp, lot_no, result, station="st1")
    reviews.review_ring(store, eng, lot_no, 4, verdict="pass", reason="dust, wiped off")
    lots.dispose(store, eng, lot_no)
    signing.sign_lot(store, mgr, lot_no, password=PASSWORD, meaning="approved")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database with users, the site settings and a signed lot L1; returns the db path."""
    db = tmp_path / "records" / "inspector.db"
    monkeypatch.setenv("INSPECTOR_DB", str(db))
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSPECTOR_PASSWORD", PASSWORD)
    monkeypatch.delenv("INSPECTOR_USER", raising=False)
    with open_store(db) as store:
        users = add_users(store)
        build_signed_lot(store, users, tmp_path / "img")
    args = ["site", "set", "--user", "man", "--supplier-name", "Kestrel Elastomer Works GmbH"]
    args += ["--supplier-address", "Industriestraße 14", "--supplier-address", "Reutlingen"]
    args += ["--cleaning", "DI-water cleaned, double-bagged in an ISO 5 cleanroom."]
    assert main(args) == 0
    yield db


def _audit_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        conn.close()


def _issue(out: Path, *extra: str, lot: str = "L1", user: str = "man") -> int:
    return main(["certificate", lot, "--out", str(out), "--user", user, *DETAILS, *extra])


def test_issue_then_verify(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out, "--histograms", "--thumbnails") == 0
    said = capsys.readouterr().out
    assert "COC-20" in said and "-00001 issued for lot L1 by man" in said
    with open_store(env) as store:
        (issued,) = issued_certificates(store, "L1")
        check = records_check(store, issued.number)
    assert check is not None and check.problems == ()
    assert issued.pdf_sha256 and out.read_bytes()[:5] == b"%PDF-"
    # The certificate says what the records say: 5 inspected, 1 nonconforming after the
    # review, its two rejecting defects, and the 5 rings' ID and CS against the recipe.
    cert = verify_certificate(out.read_bytes(), expected_digest_lookup=lambda n: None).certificate
    assert cert is not None
    assert (cert.results.inspected, cert.results.nonconforming) == (5, 1)
    assert sum(d.count for d in cert.results.defects) == 2
    assert [(d.name[:2], len(d.values_mm), d.nominal_mm) for d in cert.dimensions] == [
        ("ID", 5, 24.99),
        ("CS", 5, 3.53),
    ]
    assert cert.sampling.text == "100 % inspected" and cert.lot.quantity_shipped == 4
    assert cert.signature.name == "Max Manager" and cert.signature.meaning == "approved"
    assert len(cert.thumbnails) == 1 and cert.thumbnails[0].png.startswith(b"\x89PNG")
    assert cert.supplier.address == ("Industriestraße 14", "Reutlingen")
    # The issue is in the audit trail with its number.
    conn = sqlite3.connect(env)
    row = conn.execute(
        "SELECT action, entity, entity_id, user_name FROM audit ORDER BY id DESC LIMIT 1"
    ).fetchone()
    conn.close()
    assert row == ("issue", "certificate", issued.number, "man")

    assert main(["certificate", "verify", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"VALID: certificate {issued.number} for lot L1")
    assert "unaltered" in said and "still match" in said


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")
def test_pdf_text_names_lot_part_and_signer(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out, "--letter") == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    for needle in ("L1", "AS568-214", "NG-SEAL-0214-K", "Max Manager", "Kestrel Elastomer"):
        assert needle in text, needle


def test_a_flipped_byte_is_altered(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out) == 0
    data = bytearray(out.read_bytes())
    # A byte inside the page content (past the header), not in the embedded JSON.
    data[len(data) // 3] ^= 0x01
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["certificate", "verify", str(bad)]) == 2
    assert "INVALID" in capsys.readouterr().out
    (tmp_path / "other.pdf").write_bytes(b"%PDF-1.4 not ours")
    assert main(["certificate", "verify", str(tmp_path / "other.pdf")]) == 2
    assert "not a Seal Inspector certificate" in capsys.readouterr().out
    assert main(["certificate", "verify", str(tmp_path / "missing.pdf")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_records_edited_behind_the_apps_back_are_reported(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out) == 0
    conn = sqlite3.connect(env)
    conn.execute("UPDATE inspections SET id_mm = 25.4 WHERE seq = 2")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["certificate", "verify", str(out)]) == 1
    said = capsys.readouterr().out
    assert said.startswith("RECORDS CHANGED")
    assert "unaltered" in said and "25.4" in said and "no longer match the approving" in said


def test_a_forged_certificate_under_a_real_number_is_not_ours(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out) == 0
    conn = sqlite3.connect(env)
    conn.execute("UPDATE certificates SET digest = ?", ("0" * 64,))
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["certificate", "verify", str(out)]) == 2
    assert "not the certificate issued under that number" in capsys.readouterr().out


def test_two_certificates_in_a_year_are_numbered_in_turn(env: Path, tmp_path: Path) -> None:
    assert _issue(tmp_path / "a.pdf") == 0
    assert _issue(tmp_path / "b.pdf") == 0
    with open_store(env) as store:
        numbers = [c.number for c in issued_certificates(store)]
    year = numbers[0].split("-")[1]
    assert numbers == [f"COC-{year}-00001", f"COC-{year}-00002"]
    conn = sqlite3.connect(env)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO certificates SELECT NULL, number, year, seq + 5, lot_id, signature_id, "
            "issued_utc, issued_by, details_json, canonical_json, digest, pdf_sha256 "
            "FROM certificates WHERE seq = 1"
        )
    conn.close()


def _refused(
    env: Path, out: Path, capsys: pytest.CaptureFixture[str], message: str, **kw: str
) -> None:
    before = _audit_rows(env)
    capsys.readouterr()
    assert _issue(out, **kw) == 2
    err = capsys.readouterr().err
    assert err.startswith("inspector certificate: ") and message in err, err
    assert err.count("\n") == 1
    assert not out.exists()
    if out.parent.is_dir():
        assert not list(out.parent.glob(".*.tmp")), "a staged file was left behind"
    assert _audit_rows(env) == before
    conn = sqlite3.connect(env)
    assert conn.execute("SELECT count(*) FROM certificates").fetchone()[0] == 0
    conn.close()


def test_refusals_write_and_record_nothing(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coc.pdf"
    _refused(env, out, capsys, "eng is an engineer and may not issue certificates", user="eng")
    _refused(env, out, capsys, "no lot L404", lot="L404")
    # An open (unsigned) lot, and a rejected one.
    with open_store(env) as store:
        users = add_users_map(store)
        open_lot(store, users["ins"], "L2", quantity=1000)
    _refused(env, out, capsys, "L2 is not signed (still open)", lot="L2")
    _refused(env, tmp_path / "no" / "such" / "dir" / "c.pdf", capsys, "does not exist")
    (tmp_path / "a-file").write_bytes(b"")
    _refused(env, tmp_path / "a-file" / "c.pdf", capsys, "does not exist")
    assert _issue(tmp_path) == 2
    assert "is a folder" in capsys.readouterr().err
    if os.geteuid() != 0:  # root writes into a read-only folder anyway
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            _refused(env, folder / "c.pdf", capsys, "cannot write")
        finally:
            folder.chmod(0o700)
    out.write_bytes(b"keep me")
    before = _audit_rows(env)
    assert _issue(out) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me" and _audit_rows(env) == before


def test_a_failing_rename_records_nothing(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("inspector.outputs.os.replace", full)
    _refused(env, tmp_path / "c.pdf", capsys, "No space left on device")


def test_a_rejected_lot_gets_no_certificate(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(env) as store:
        users = add_users_map(store)
        open_lot(store, users["ins"], "L3", quantity=10)  # a sampling lot, rejected at Re
        lot = lots.get_lot(store, "L3")
        assert lot.plan is not None
        for i in range(lot.plan.reject):
            path = make_image(tmp_path / "rej", i)
            recording.record_inspection(
                store, users["ins"], "L3", make_result(path, verdict=Verdict.FAIL), station="s"
            )
        lots.dispose(store, users["eng"], "L3")
        signing.sign_lot(store, users["man"], "L3", password=PASSWORD, meaning="rejected")
    _refused(env, tmp_path / "r.pdf", capsys, "L3 was rejected", lot="L3")


def test_missing_details_are_named(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c.pdf"
    assert main(["certificate", "L1", "--out", str(out), "--user", "man"]) == 2
    err = capsys.readouterr().err
    assert "--customer-part, --drawing, --revision, --colour, --hardness" in err
    assert not out.exists()
    assert main(["certificate", "L1", "--user", "man", *DETAILS]) == 2
    assert "--out FILE.pdf" in capsys.readouterr().err


def add_users_map(store: SqliteStore) -> dict[str, User]:
    """The users the fixture made, by name."""
    from inspector import auth

    return {u.name: u for u in auth.list_users(store)}


def test_embedded_content_is_what_the_records_keep(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "coc.pdf"
    assert _issue(out) == 0
    conn = sqlite3.connect(env)
    stored = conn.execute("SELECT canonical_json FROM certificates").fetchone()[0]
    conn.close()
    assert extract_content(out.read_bytes()) == stored.encode("ascii")


def test_two_processes_issuing_at_once_get_distinct_consecutive_numbers(
    env: Path, tmp_path: Path
) -> None:
    env_vars = dict(os.environ, INSPECTOR_USER="man")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "inspector",
                "certificate",
                "L1",
                "--out",
                str(tmp_path / f"{i}.pdf"),
                *DETAILS,
            ],
            env=env_vars,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with open_store(env) as store:
        numbers = sorted(c.number for c in issued_certificates(store))
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["00001", "00002"]
    assert (tmp_path / "0.pdf").exists() and (tmp_path / "1.pdf").exists()
