"""Reliability: two stations at once, a killed batch, a full or read-only disk, a damaged
file. The child processes record hand-built results (no engine), so the tests stay fast."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.auth import User, authenticate
from inspector.cli import main
from inspector.imagestore import sha256_hex
from inspector.records import lots, recording
from inspector.store import SqliteStore, StoreFull, StoreReadOnly, open_store

from .test_store_fixtures import PASSWORD, add_users, make_image, make_result, open_lot

ROOT = Path(__file__).resolve().parents[2]

# A station: records the images of FOLDER into LOT, printing one line per ring.
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from inspector.auth import authenticate
    from inspector.records import recording
    from inspector.store import open_store
    from tests.inspector.test_store_fixtures import PASSWORD, make_result

    db, lot, station, crash_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    paths = sorted(Path(p) for p in sys.argv[5:])
    if crash_at:
        import os, signal
        from inspector.imagestore import ImageStore
        original = ImageStore.put
        calls = []
        def put(self, data, *, sha256=None):
            digest = original(self, data, sha256=sha256)
            calls.append(digest)
            if len(calls) == crash_at:
                os.kill(os.getpid(), signal.SIGKILL)  # image stored, rows not yet committed
            return digest
        ImageStore.put = put
    with open_store(db) as store:
        user = authenticate(store, "ins", PASSWORD)
        for path in paths:
            done = recording.record_inspection(store, user, lot, make_result(path), station=station)
            print(done.status.value, done.seq, flush=True)
    """
)


def _child(
    db: Path, lot: str, station: str, images: list[Path], *, crash_at: int = 0
) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", CHILD, str(db), lot, station, str(crash_at), *map(str, images)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "db" / "x.db"
    with open_store(path) as store:
        users = add_users(store)
        open_lot(store, users["inspector"], "L1", quantity=500, hundred_percent=True)
    return path


@pytest.fixture
def store(db: Path) -> Iterator[SqliteStore]:
    with open_store(db) as s:
        yield s


@pytest.fixture
def inspector_user(store: SqliteStore) -> User:
    return authenticate(store, "ins", PASSWORD)


def _check_complete(store: SqliteStore) -> int:
    """Assert every recorded ring is whole (rows and image); return how many there are."""
    assert store.integrity_problems() == []
    tx = store.reader()
    images = recording.images_for(store)
    rows = tx.all("SELECT id, image_sha256, n_defects FROM inspections")
    for r in rows:
        assert (
            tx.scalar("SELECT count(*) FROM defects WHERE inspection_id = ?", (r["id"],))
            == r["n_defects"]
        )
        assert sha256_hex(images.read(r["image_sha256"])) == r["image_sha256"]
    dup = tx.scalar(
        "SELECT count(*) FROM (SELECT lot_id, image_sha256 FROM inspections "
        "GROUP BY 1, 2 HAVING count(*) > 1)"
    )
    assert dup == 0
    return len(rows)


@pytest.mark.slow
def test_two_stations_at_once_lose_and_duplicate_nothing(db: Path, tmp_path: Path) -> None:
    shared = [make_image(tmp_path / "shared", i) for i in range(30)]
    own_a = [make_image(tmp_path / "a", i, tag="a") for i in range(30)]
    own_b = [make_image(tmp_path / "b", i, tag="b") for i in range(30)]
    a = _child(db, "L1", "st-a", shared + own_a)
    b = _child(db, "L1", "st-b", shared + own_b)
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert "locked" not in err_a + err_b
    with open_store(db) as store:
        assert _check_complete(store) == 90
        seqs = [r[0] for r in store.reader().all("SELECT seq FROM inspections ORDER BY seq")]
        assert seqs == list(range(1, 91))
    lines = out_a.splitlines() + out_b.splitlines()
    assert sum(line.startswith("recorded") for line in lines) == 90
    assert sum(line.startswith("already") for line in lines) == 30


@pytest.mark.slow
def test_killed_batch_leaves_whole_records_and_reruns_idempotently(
    db: Path, tmp_path: Path
) -> None:
    images = [make_image(tmp_path / "tray", i) for i in range(40)]
    # Killed between storing the 8th image and committing its rows.
    crashed = _child(db, "L1", "st-a", images, crash_at=8)
    out, _ = crashed.communicate(timeout=60)
    assert crashed.returncode == -signal.SIGKILL
    assert len(out.splitlines()) == 7
    # Killed at an arbitrary moment, mid-batch.
    second = _child(db, "L1", "st-a", images)
    assert second.stdout is not None
    for _ in range(12):
        second.stdout.readline()
    second.send_signal(signal.SIGKILL)
    second.communicate(timeout=60)
    with open_store(db) as store:
        recorded = _check_complete(store)
        assert 12 <= recorded < 40  # 7 before the first kill, then 5 more at least
    rerun = _child(db, "L1", "st-a", images)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    lines = out.splitlines()
    assert sum(line.startswith("recorded") for line in lines) == 40 - recorded
    assert sum(line.startswith("already") for line in lines) == recorded
    with open_store(db) as store:
        assert _check_complete(store) == 40


def test_full_database_records_nothing(
    store: SqliteStore, inspector_user: User, tmp_path: Path
) -> None:
    result = make_result(make_image(tmp_path / "img", 1), n_defects=3)
    tx = store.reader()
    tx.execute(f"PRAGMA max_page_count = {tx.scalar('PRAGMA page_count')}")
    with pytest.raises(StoreFull, match="full"):
        for i in range(50):  # the first few may still fit in free pages
            result = make_result(make_image(tmp_path / "img", i), n_defects=3)
            recording.record_inspection(store, inspector_user, "L1", result, station="s")
    _check_complete(store)


def test_full_disk_for_images_records_nothing(
    store: SqliteStore, inspector_user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = make_result(make_image(tmp_path / "img", 1))

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StoreFull, match="full"):
        recording.record_inspection(store, inspector_user, "L1", result, station="s")
    monkeypatch.undo()
    assert _check_complete(store) == 0
    images = recording.images_for(store)
    assert not [p for p in images.root.rglob("*") if p.is_file()] if images.root.exists() else True


def test_read_only_database_records_nothing(db: Path, tmp_path: Path) -> None:
    with open_store(db, read_only=True) as store:
        user = authenticate_read_only(store)
        result = make_result(make_image(tmp_path / "img", 1))
        with pytest.raises(StoreReadOnly, match="read-only"):
            recording.record_inspection(store, user, "L1", result, station="s")
        assert store.reader().scalar("SELECT count(*) FROM inspections") == 0
        with pytest.raises(StoreReadOnly):
            lots.open_lot(
                store, user, lots.LotSpec("L2", 10), recipe=lots.get_lot(store, "L1").recipe
            )


def authenticate_read_only(store: SqliteStore) -> User:
    """Sign-in writes its failure counter; on a read-only store, read the user directly."""
    from inspector.auth import get_user

    return get_user(store, "ins")


def test_read_only_image_folder_records_nothing(
    store: SqliteStore, inspector_user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def ro_open(path: object, flags: int, *args: object) -> int:
        if flags & os.O_WRONLY:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)  # type: ignore[arg-type]  # os.open passthrough

    monkeypatch.setattr(os, "open", ro_open)
    with pytest.raises(StoreReadOnly, match="cannot be written"):
        recording.record_inspection(
            store, inspector_user, "L1", make_result(make_image(tmp_path / "i", 1)), station="s"
        )
    monkeypatch.undo()
    assert _check_complete(store) == 0


# Seeded damage, the same every run. Seeds 126 and 191 write bytes into the schema that are
# not UTF-8: Python's sqlite3 then raised UnicodeDecodeError (a traceback) on opening.
@pytest.mark.parametrize("seed", [126, 191, 2026])
def test_damaged_pages_are_reported_not_a_traceback(
    seed: int, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(db) as store:
        user = authenticate(store, "ins", PASSWORD)
        for i in range(60):
            recording.record_inspection(
                store,
                user,
                "L1",
                make_result(make_image(tmp_path / "img", i), n_defects=4),
                station="s",
            )
        store.reader().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    noise = random.Random(seed)
    for k in range(3, len(data) // page):
        data[k * page + 40 : k * page + 400] = noise.randbytes(360)
    db.write_bytes(bytes(data))
    assert main(["db", "check", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
    status = main(["history", "--db", str(db)])
    err = capsys.readouterr().err
    assert status == 2 and "damaged" in err and "Traceback" not in err
