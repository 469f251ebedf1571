"""The SQLite store: pragmas, migrations, transactions, error translation, images."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.imagestore import ImageStore, sha256_hex
from inspector.store import (
    StoreCorrupt,
    StoreFull,
    StoreReadOnly,
    StoreVersionError,
    default_db_path,
    open_store,
)
from inspector.store.schema import SCHEMA_VERSION


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    with open_store(tmp_path / "sub" / "x.db") as store:
        tx = store.reader()
        assert store.schema_version == SCHEMA_VERSION
        assert tx.scalar("PRAGMA journal_mode") == "wal"
        assert tx.scalar("PRAGMA foreign_keys") == 1
        assert tx.scalar("PRAGMA busy_timeout") > 1000
        assert tx.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'inspections'") == 1


def test_reopen_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with open_store(db) as store, store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
    with open_store(db) as store:
        assert store.reader().scalar("SELECT value FROM meta WHERE key = 'a'") == "b"


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")
        assert store.reader().scalar("SELECT count(*) FROM meta") == 0


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    with (
        open_store(tmp_path / "x.db") as store,
        pytest.raises(sqlite3.IntegrityError),
        store.transaction() as tx,
    ):
        tx.execute(
            "INSERT INTO reviews (inspection_id, reviewer_id, time_utc, outcome, "
            "old_value, new_value, reason) VALUES (99, 99, 't', 'confirmed', 'a', 'b', 'c')"
        )


def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    open_store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer Seal Inspector"):
        open_store(db)


def test_garbage_file_is_reported_as_corrupt(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreCorrupt, match="damaged"):
        open_store(db)


def test_damaged_header_is_reported_as_corrupt(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    open_store(db).close()
    data = bytearray(db.read_bytes())
    data[16:24] = b"\xff" * 8  # page size and format bytes
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt):
        open_store(db)


def test_read_only_database_refuses_writes_clearly(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    open_store(db).close()
    with open_store(db, read_only=True) as store:
        with pytest.raises(StoreReadOnly, match="read-only"), store.transaction() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        assert store.reader().scalar("SELECT count(*) FROM meta") == 0


def test_full_database_is_reported_and_rolled_back(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        pages = store.reader().scalar("PRAGMA page_count")
        store.reader().execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreFull, match="full"), store.transaction() as tx:
            tx.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(str(i), "x" * 1000) for i in range(500)],
            )
        assert store.reader().scalar("SELECT count(*) FROM meta") == 0


def test_default_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INSPECTOR_DB", raising=False)
    assert default_db_path() == tmp_path / "data" / "inspector.db"
    monkeypatch.setenv("INSPECTOR_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    assert default_db_path(tmp_path / "cli.db") == tmp_path / "cli.db"


def test_backup_is_a_working_copy(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        with store.transaction() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        store.backup(tmp_path / "copy.db")
    with open_store(tmp_path / "copy.db") as copy:
        assert copy.reader().scalar("SELECT value FROM meta") == "b"


# --- images ------------------------------------------------------------------------------


def test_images_are_stored_once_by_hash(tmp_path: Path) -> None:
    images = ImageStore(tmp_path / "images")
    digest = images.put(b"ring bytes")
    assert digest == sha256_hex(b"ring bytes")
    assert images.put(b"ring bytes") == digest
    assert images.read(digest) == b"ring bytes"
    assert list(images.hashes()) == [digest]
    with pytest.raises(ValueError, match="hash"):
        images.put(b"other", sha256=digest)


def test_image_check_finds_changed_and_missing_files(tmp_path: Path) -> None:
    images = ImageStore(tmp_path / "images")
    a = images.put(b"a" * 100)
    b = images.put(b"b" * 100)
    path = images.path_for(b)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    report = images.check({a, b, "c" * 64})
    assert report.checked == 2
    assert report.bad == (b,)
    assert report.missing == ("c" * 64,)
    assert not report.ok


def test_image_write_failure_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    images = ImageStore(tmp_path / "images")

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StoreFull, match="full"):
        images.put(b"x" * 10)
    monkeypatch.undo()
    assert not [p for p in (tmp_path / "images").rglob("*") if p.is_file()]


def test_stations_opening_a_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    import threading

    db = tmp_path / "new.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def station() -> None:
        try:
            barrier.wait()
            with open_store(db) as store, store.transaction() as tx:
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?, 'x')", (threading.get_ident(),)
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=station) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(db) as store:
        assert store.reader().scalar("SELECT count(*) FROM meta") == 4
