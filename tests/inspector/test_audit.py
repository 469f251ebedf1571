"""The hash-chained audit trail finds rows edited, deleted or inserted outside the app."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector import audit
from inspector.auth import Role, User
from inspector.store import open_store

ANN = User(1, "ann", "Ann A", Role.ENGINEER)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "x.db"
    with open_store(path) as store:
        for i in range(5):
            with store.transaction() as tx:
                audit.record(tx, ANN, "update", "lot", f"L{i}", old={"q": i}, new={"q": i + 1})
    yield path


def _sql(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


def _verify(path: Path) -> audit.AuditReport:
    with open_store(path) as store:
        return audit.verify(store)


def test_intact_chain_verifies(db: Path) -> None:
    report = _verify(db)
    assert report.ok and report.rows == 5


def test_edited_row_is_named(db: Path) -> None:
    _sql(db, "UPDATE audit SET new_value = '{\"q\":99}' WHERE id = 3")
    report = _verify(db)
    assert not report.ok and report.broken_id == 3
    assert "row 3" in (report.problem or "") and "changed" in (report.problem or "")


def test_deleted_row_is_named(db: Path) -> None:
    _sql(db, "DELETE FROM audit WHERE id = 2")
    report = _verify(db)
    assert report.broken_id == 3 and "deleted" in (report.problem or "")


def test_deleted_tail_is_noticed(db: Path) -> None:
    _sql(db, "DELETE FROM audit WHERE id = 5")
    report = _verify(db)
    assert not report.ok and "end" in (report.problem or "")


def test_inserted_row_is_named(db: Path) -> None:
    _sql(
        db,
        "INSERT INTO audit (id, time_utc, user_id, user_name, action, entity, entity_id, reason,"
        " prev_hash, hash) VALUES (3, 't', 1, 'x', 'a', 'b', 'c', '', 'p', 'h')"
        " ON CONFLICT DO NOTHING",
    )
    _sql(db, "UPDATE audit SET id = id + 10 WHERE id >= 3")
    _sql(
        db,
        "INSERT INTO audit (id, time_utc, user_id, user_name, action, entity, entity_id, reason,"
        " prev_hash, hash) VALUES (3, 't', 1, 'x', 'a', 'b', 'c', '', 'p', 'h')",
    )
    report = _verify(db)
    assert report.broken_id == 3


def test_rehashing_a_row_breaks_the_next_link(db: Path) -> None:
    _sql(db, "UPDATE audit SET reason = 'x', hash = 'f' WHERE id = 2")
    report = _verify(db)
    assert report.broken_id == 2
