"""Core calls off the GUI thread, answered on it: the desk views' one way to the records.

A :class:`DeskDatabase` owns a worker ``QThread`` with its own
:class:`~inspector.store.SqliteStore` (a sqlite3 connection belongs to one thread). A view
asks for work with :meth:`DeskDatabase.call`, giving a function of the store and two
callbacks; the function runs in the worker, and exactly one callback runs later on the GUI
thread with the result or with a message a person can read. Calls run one at a time, in the
order they were asked, so a write followed by a read sees the write.

Callbacks are kept on the GUI side and looked up by job number when the worker's signal
arrives at a ``@Slot`` of a GUI-thread object: no lambda ever crosses the thread boundary
(PySide6 delivers those unreliably).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from inspector.recipes import RecipeError
from inspector.sampling import SamplingError
from inspector.store import RecordsError, SqliteStore, open_store

log = logging.getLogger(__name__)

#: Errors whose message is meant for the person at the desk (refusals, locked database…).
USER_ERRORS: tuple[type[Exception], ...] = (
    RecordsError,
    RecipeError,
    SamplingError,
    OSError,
)

Work = Callable[[SqliteStore], Any]
Done = Callable[[Any], None]
Failed = Callable[[str], None]


def _owners(callback: Callable[..., Any]) -> list[QObject]:
    """The Qt objects a callback works on: the object of a bound method (also inside a
    ``functools.partial``), or the Qt objects a local function closes over."""
    while isinstance(callback, functools.partial):
        callback = callback.func
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, QObject):
        return [owner]
    cells = getattr(callback, "__closure__", None) or ()
    return [c.cell_contents for c in cells if isinstance(_cell(c), QObject)]


def _cell(cell: Any) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _alive(callback: Callable[..., Any]) -> bool:
    """False when the callback works on a Qt object already deleted (a view closed while
    its answer was on the way): the answer has nowhere to go."""
    return all(shiboken6.isValid(owner) for owner in _owners(callback))


def user_message(exc: BaseException) -> str:
    """The exception's own words with a capital letter, or its class name when it has none."""
    text = str(exc).strip()
    return text[:1].upper() + text[1:] if text else type(exc).__name__


@dataclass(frozen=True)
class _Job:
    job_id: int
    work: Work


class DeskWorker(QObject):
    """Runs jobs in the thread it was moved to, on a store it opens on first use.

    Signals
    -------
    finished(int, object)
        The job number and what its function returned.
    failed(int, str)
        The job number and a message for the user (a bug also goes to the log with its
        traceback).
    """

    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, db_path: Path | None, store: SqliteStore | None = None) -> None:
        super().__init__()
        self._db_path = db_path
        self._store = store

    @Slot(object)
    def run(self, job: _Job) -> None:
        """Run one job and say how it went."""
        try:
            if self._store is None:
                self._store = open_store(self._db_path)
            result = job.work(self._store)
        except USER_ERRORS as exc:
            self.failed.emit(job.job_id, user_message(exc))
            return
        except Exception as exc:
            log.exception("desk job %d failed", job.job_id)
            self.failed.emit(
                job.job_id, f"Internal error ({type(exc).__name__}: {exc}); see the log."
            )
            return
        self.finished.emit(job.job_id, result)

    @Slot()
    def close(self) -> None:
        """Close the store (in the thread that opened it)."""
        if self._store is not None:
            self._store.close()
            self._store = None


class DeskDatabase(QObject):
    """The GUI-thread face of the desk's database worker.

    Parameters
    ----------
    db_path : Path or None
        The records database (None: the core's default).

    Signals
    -------
    busyChanged(bool)
        True while jobs are waiting or running (views show a busy indicator).
    """

    busyChanged = Signal(bool)
    _submit = Signal(object)
    _close = Signal()

    def __init__(self, db_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done, Failed]] = {}
        self._thread = QThread(self)
        self._thread.setObjectName("desk-database")
        self._worker = DeskWorker(db_path)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """True while any job has not answered yet."""
        return bool(self._callbacks)

    def call(self, work: Work, on_done: Done, on_error: Failed) -> int:
        """Run ``work(store)`` in the worker; later call ``on_done(result)`` or
        ``on_error(message)`` on the GUI thread. Returns the job number."""
        job_id = next(self._ids)
        was_busy = self.busy
        self._callbacks[job_id] = (on_done, on_error)
        if not was_busy:
            self.busyChanged.emit(True)
        self._submit.emit(_Job(job_id, work))
        return job_id

    def _answer(self, job_id: int) -> tuple[Done, Failed] | None:
        callbacks = self._callbacks.pop(job_id, None)
        if not self._callbacks:
            self.busyChanged.emit(False)
        return callbacks

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        callbacks = self._answer(job_id)
        if callbacks is not None and _alive(callbacks[0]):
            callbacks[0](result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        callbacks = self._answer(job_id)
        if callbacks is not None and _alive(callbacks[1]):
            callbacks[1](message)

    def shutdown(self) -> None:
        """Close the store and stop the thread (pending answers are dropped)."""
        if not self._thread.isRunning():
            return
        self._callbacks.clear()
        self._close.emit()
        self._thread.quit()
        self._thread.wait()
