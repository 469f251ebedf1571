"""The desk's database worker: work runs off the GUI thread, answers come back on it."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget

from inspector import auth
from inspector.store import SqliteStore, StoreError
from ui.desk.database import DeskDatabase

pytestmark = pytest.mark.gui


def test_work_runs_in_worker_and_answers_on_gui_thread(qtbot, tmp_path: Path) -> None:
    db = DeskDatabase(tmp_path / "records.db")
    gui = threading.get_ident()
    seen: dict[str, object] = {}

    def work(store: SqliteStore) -> bool:
        seen["worker"] = threading.get_ident()
        return auth.has_users(store)

    def done(result: object) -> None:
        seen["answer"] = (threading.get_ident(), result)

    with qtbot.waitSignal(db.busyChanged, check_params_cb=lambda busy: not busy):
        db.call(work, done, lambda message: seen.setdefault("error", message))
    assert seen["worker"] != gui
    assert seen["answer"] == (gui, False)
    assert "error" not in seen
    db.shutdown()


def test_refusal_reaches_the_error_callback_in_words(qtbot, tmp_path: Path) -> None:
    db = DeskDatabase(tmp_path / "records.db")
    errors: list[str] = []

    def refused(store: SqliteStore) -> None:
        raise StoreError("the database is locked by another program")

    with qtbot.waitSignal(db.busyChanged, check_params_cb=lambda busy: not busy):
        db.call(refused, lambda _r: errors.append("done?"), errors.append)
    assert errors == ["The database is locked by another program"]
    db.shutdown()


def test_jobs_answer_in_the_order_asked(qtbot, tmp_path: Path) -> None:
    db = DeskDatabase(tmp_path / "records.db")
    answers: list[int] = []
    for n in range(5):
        db.call(lambda _store, n=n: n, answers.append, lambda _m: None)
    qtbot.waitUntil(lambda: len(answers) == 5)
    assert answers == [0, 1, 2, 3, 4]
    assert not db.busy
    db.shutdown()


def test_an_answer_for_a_deleted_view_is_dropped(qtbot, tmp_path: Path) -> None:
    db = DeskDatabase(tmp_path / "records.db")
    seen: list[object] = []

    class View(QWidget):
        def show_rows(self, _job: int, rows: object) -> None:
            seen.append(rows)
            self.setWindowTitle("rows")  # would raise on a deleted C++ object

    view = View()
    db.call(lambda _store: "first", functools.partial(view.show_rows, 1), seen.append)
    shiboken6.delete(view)  # gone before the answer can arrive
    qtbot.waitUntil(lambda: not db.busy)
    assert seen == []
    alive = View()
    db.call(lambda _store: "second", functools.partial(alive.show_rows, 2), seen.append)
    qtbot.waitUntil(lambda: not db.busy)
    assert seen == ["second"]
    db.shutdown()
