"""The station's lot records, off the GUI thread: sign-in, lots, recording, progress.

:class:`RecordsStationService` (GUI thread) implements the
:class:`~ui.station_service.StationService` protocol over the real records. Every database
call runs in :class:`RecordsWorker`, which lives in its own ``QThread`` and opens its own
:class:`~inspector.store.SqliteStore` there (a sqlite3 connection belongs to one thread).
The worker answers through signals connected to ``@Slot`` methods of the service.

Recording never blocks the station and never loses a judged ring: each result joins a
queue of pending records, sent to the worker one at a time in order. When the database
cannot take it (locked by another station, disk full, read-only, damaged) the ring stays
pending, the inspector is told once in words, and the queue is retried on a timer; a
record the lot refuses (lot closed, sample complete, recipe not the lot's) is dropped
with a message, because retrying cannot help. Recording is idempotent per lot and image
hash in the core, so a retry after a lost answer never counts a ring twice.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inspector import auth
from inspector.auth import Permission, User
from inspector.outcome import InspectionResult
from inspector.recipes import RecipeError, load_recipe
from inspector.records import lots, recording
from inspector.records.lots import Lot, LotSpec, Progress
from inspector.sampling import SamplingError
from inspector.store import RecordsError, SqliteStore, StoreError, open_store
from ui.station_service import LotHeader

log = logging.getLogger(__name__)

#: How long a pending record waits before the database is tried again (ms).
RETRY_MS = 5000

#: Errors a person at the station can act on: shown as they are, never as a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (RecordsError, RecipeError, SamplingError)


class NoLotSelected(RuntimeError):
    """A ring was judged while no lot is selected: it is not recorded."""


@dataclass(frozen=True)
class LotState:
    """A lot with where it stands, as the worker read it.

    Attributes
    ----------
    lot : Lot
    progress : Progress
    """

    lot: Lot
    progress: Progress

    @property
    def complete(self) -> bool:
        """True once the lot's plan has decided (accept, reject or sorted)."""
        return self.progress.decision is not None

    def plan_text(self) -> str:
        """``"100 %"`` or ``"n 80 · Ac 2 · Re 3"``."""
        plan = self.lot.plan
        if plan is None:
            return "100 %"
        return f"n {plan.sample_size} · Ac {plan.accept} · Re {plan.reject}"


@dataclass(frozen=True)
class _Pending:
    job_id: int
    user: User
    lot_no: str
    result: InspectionResult = field(repr=False)
    image_bytes: bytes | None = field(repr=False)
    station: str


@dataclass(frozen=True)
class _Admin:
    name: str
    full_name: str
    password: str


@dataclass(frozen=True)
class _OpenLot:
    user: User
    spec: LotSpec
    part: str


def _message(exc: Exception) -> str:
    text = str(exc).strip()
    return text[:1].upper() + text[1:] if text else type(exc).__name__


class RecordsWorker(QObject):
    """Does the database work in the thread it was moved to; one store per worker.

    Signals
    -------
    opened(bool)
        The database is open; whether any user exists yet.
    storeFailed(str)
        The database cannot be opened (message for the user).
    signedIn(object)
        The :class:`~inspector.auth.User` who signed in (or the first admin created).
    signInFailed(str)
        Sign-in or admin creation refused, the core's message as it is.
    lotSelected(object)
        A :class:`LotState` for the lot scanned or just opened.
    lotProgress(object)
        A fresh :class:`LotState` after a ring was recorded.
    lotFailed(str)
        The lot cannot be selected or opened; the message says why.
    recorded(int)
        The pending record with this id is in the database.
    recordFailed(int, str, bool)
        The pending record's id, the message, and whether it is kept to retry.
    closed()
        The store is closed and the thread is stopping.
    """

    opened = Signal(bool)
    storeFailed = Signal(str)
    signedIn = Signal(object)
    signInFailed = Signal(str)
    lotSelected = Signal(object)
    lotProgress = Signal(object)
    lotFailed = Signal(str)
    recorded = Signal(int)
    recordFailed = Signal(int, str, bool)
    closed = Signal()

    def __init__(self, db_path: Path | None) -> None:
        super().__init__()
        self._db_path = db_path
        self._store: SqliteStore | None = None

    def _require_store(self) -> SqliteStore:
        if self._store is None:
            self._store = open_store(self._db_path)
        return self._store

    @Slot()
    def open(self) -> None:
        """Open (create, migrate) the database and say whether it has users."""
        try:
            store = self._require_store()
            self.opened.emit(auth.has_users(store))
        except USER_ERRORS as exc:
            self.storeFailed.emit(f"Cannot open the records: {_message(exc)}")
        except Exception as exc:
            log.exception("opening the records failed")
            self.storeFailed.emit(_internal("opening the records", exc))

    @Slot(object)
    def create_admin(self, job: _Admin) -> None:
        """Create the bootstrap admin and sign them in."""
        try:
            store = self._require_store()
            auth.add_user(
                store,
                None,
                name=job.name,
                full_name=job.full_name,
                role=auth.Role.ADMIN,
                password=job.password,
            )
            user = auth.authenticate(store, job.name.strip(), job.password)
        except USER_ERRORS as exc:
            self.signInFailed.emit(_message(exc))
            return
        except Exception as exc:
            log.exception("creating the first admin failed")
            self.signInFailed.emit(_internal("creating the first admin", exc))
            return
        self.signedIn.emit(user)

    @Slot(str, str)
    def sign_in(self, name: str, password: str) -> None:
        """Check a user's password (the core counts failures and locks accounts)."""
        try:
            user = auth.authenticate(self._require_store(), name.strip(), password)
        except USER_ERRORS as exc:
            self.signInFailed.emit(_message(exc))
            return
        except Exception as exc:
            log.exception("sign-in failed")
            self.signInFailed.emit(_internal("signing in", exc))
            return
        self.signedIn.emit(user)

    def _state(self, lot_no: str) -> LotState:
        store = self._require_store()
        lot = lots.get_lot(store, lot_no)
        return LotState(lot, lots.progress(store, lot.lot_no))

    @Slot(str)
    def select_lot(self, lot_no: str) -> None:
        """Find an open lot by its number (as scanned)."""
        try:
            state = self._state(lot_no.strip())
            lots.require_open(state.lot, "inspect more rings")
            if state.complete:
                raise lots.LotClosed(
                    f"lot {state.lot.lot_no} is complete ({state.progress.describe()}); "
                    "an engineer records its disposition"
                )
        except USER_ERRORS as exc:
            self.lotFailed.emit(_message(exc))
            return
        except Exception as exc:
            log.exception("selecting lot %s failed", lot_no)
            self.lotFailed.emit(_internal(f"reading lot {lot_no}", exc))
            return
        self.lotSelected.emit(state)

    @Slot(object)
    def open_lot(self, job: _OpenLot) -> None:
        """Open a new lot (the core checks the role) and select it."""
        try:
            recipe = load_recipe(job.part)
            lot = lots.open_lot(self._require_store(), job.user, job.spec, recipe=recipe)
            state = self._state(lot.lot_no)
        except USER_ERRORS as exc:
            self.lotFailed.emit(f"Lot not opened: {_message(exc)}")
            return
        except Exception as exc:
            log.exception("opening lot %s failed", job.spec.lot_no)
            self.lotFailed.emit(_internal(f"opening lot {job.spec.lot_no}", exc))
            return
        self.lotSelected.emit(state)

    @Slot(object)
    def record(self, job: _Pending) -> None:
        """Record one judged ring (reading the image file here when no bytes came along)."""
        try:
            recording.record_inspection(
                self._require_store(),
                job.user,
                job.lot_no,
                job.result,
                station=job.station,
                image_bytes=job.image_bytes,
            )
        except StoreError as exc:
            # The database or its disk: the ring is kept and tried again.
            self.recordFailed.emit(job.job_id, str(exc), True)
            return
        except USER_ERRORS as exc:
            self.recordFailed.emit(job.job_id, str(exc), False)
            return
        except Exception as exc:
            log.exception("recording %s failed", job.result.image)
            self.recordFailed.emit(job.job_id, _internal(Path(job.result.image).name, exc), True)
            return
        self.recorded.emit(job.job_id)
        try:
            self.lotProgress.emit(self._state(job.lot_no))
        except USER_ERRORS as exc:
            self.lotFailed.emit(_message(exc))

    @Slot()
    def close(self) -> None:
        """Close the store and stop this worker's thread (after the jobs queued before)."""
        if self._store is not None:
            try:
                self._store.close()
            except Exception:
                log.exception("closing the records failed")
            self._store = None
        self.closed.emit()
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()


def _internal(what: str, exc: Exception) -> str:
    return (
        f"{what[:1].upper() + what[1:]} failed because of an internal error "
        f"({type(exc).__name__}). It has been logged for the developers."
    )


class RecordsStationService(QObject):
    """The records behind one station: who is signed in, the lot, and the rings to record.

    Parameters
    ----------
    db_path : Path, optional
        The database; the core's default (``$INSPECTOR_DB``, else the user data folder)
        when None.
    station : str
        The station's name, recorded with every ring.
    retry_ms : int
        How long pending records wait before the database is tried again.

    Signals
    -------
    opened(bool)
        The database is open; whether any user exists yet.
    storeFailed(str)
        The database cannot be opened.
    signedIn(object), signInFailed(str)
        The signed-in :class:`~inspector.auth.User`, or the core's refusal.
    signedOut()
        The user signed out; no lot is selected.
    lotChanged(object)
        The selected :class:`LotState` (new lot or new progress), or None when cleared.
    lotFailed(str)
        A lot could not be selected or opened.
    planComplete(object)
        The :class:`LotState` of a lot whose plan has just decided; the lot is cleared.
    error(str)
        A ring could not be recorded (the message says whether it is kept).
    notice(str)
        Kept rings were recorded after all.
    pendingChanged(int)
        Rings judged but not yet in the database.
    """

    opened = Signal(bool)
    storeFailed = Signal(str)
    signedIn = Signal(object)
    signInFailed = Signal(str)
    signedOut = Signal()
    lotChanged = Signal(object)
    lotFailed = Signal(str)
    planComplete = Signal(object)
    error = Signal(str)
    notice = Signal(str)
    pendingChanged = Signal(int)
    _openRequested = Signal()
    _adminRequested = Signal(object)
    _signInRequested = Signal(str, str)
    _lotRequested = Signal(str)
    _openLotRequested = Signal(object)
    _recordRequested = Signal(object)
    _closeRequested = Signal()

    def __init__(
        self,
        db_path: Path | None = None,
        *,
        station: str = "",
        retry_ms: int = RETRY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.station = station
        self.user: User | None = None
        self.lot: LotState | None = None
        self._pending: deque[_Pending] = deque()
        self._in_flight: int | None = None
        self._next_id = 0
        self._failing = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(retry_ms)
        self._retry.timeout.connect(self._send_next)
        self._thread = QThread()
        self._thread.setObjectName("records")
        self._worker = RecordsWorker(db_path)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._openRequested.connect(self._worker.open)
        self._adminRequested.connect(self._worker.create_admin)
        self._signInRequested.connect(self._worker.sign_in)
        self._lotRequested.connect(self._worker.select_lot)
        self._openLotRequested.connect(self._worker.open_lot)
        self._recordRequested.connect(self._worker.record)
        self._closeRequested.connect(self._worker.close)
        self._worker.opened.connect(self.opened)
        self._worker.storeFailed.connect(self.storeFailed)
        self._worker.signedIn.connect(self._on_signed_in)
        self._worker.signInFailed.connect(self.signInFailed)
        self._worker.lotSelected.connect(self._on_lot_selected)
        self._worker.lotProgress.connect(self._on_lot_progress)
        self._worker.lotFailed.connect(self.lotFailed)
        self._worker.recorded.connect(self._on_recorded)
        self._worker.recordFailed.connect(self._on_record_failed)
        self._thread.start()
        self._running = True

    # --- lifetime ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the database in the worker; ``opened`` or ``storeFailed`` answers."""
        self._openRequested.emit()

    def shutdown(self) -> None:
        """Close the store and stop the thread, after the work already queued (idempotent)."""
        if not self._running:
            return
        self._running = False
        self._retry.stop()
        self._closeRequested.emit()
        if not self._thread.wait(60000):
            log.error("the records thread did not stop")
        if self._pending:
            log.error("%d judged rings were not recorded at shutdown", len(self._pending))

    # --- users ---------------------------------------------------------------------------

    def create_admin(self, name: str, full_name: str, password: str) -> None:
        """Create the first admin account (only while there are no users)."""
        self._adminRequested.emit(_Admin(name, full_name, password))

    def sign_in(self, name: str, password: str) -> None:
        """Sign a user in; ``signedIn`` or ``signInFailed`` answers."""
        self._signInRequested.emit(name, password)

    def sign_out(self) -> None:
        """Forget the user and the lot (pending rings are still recorded under their user)."""
        self.user = None
        self.clear_lot()
        self.signedOut.emit()

    def can(self, permission: Permission) -> bool:
        """True when the signed-in user's role grants ``permission`` (the core decides)."""
        return self.user is not None and self.user.can(permission)

    @Slot(object)
    def _on_signed_in(self, user: User) -> None:
        self.user = user
        self.signedIn.emit(user)

    # --- lots ----------------------------------------------------------------------------

    def select_lot(self, lot_no: str) -> None:
        """Pick an open lot by number; ``lotChanged`` or ``lotFailed`` answers."""
        if lot_no.strip():
            self._lotRequested.emit(lot_no.strip())

    def open_lot(self, spec: LotSpec, part: str) -> None:
        """Open a new lot of ``part`` as the signed-in user and select it."""
        if self.user is None:
            self.lotFailed.emit("Sign in to open a lot.")
            return
        self._openLotRequested.emit(_OpenLot(self.user, spec, part))

    def clear_lot(self) -> None:
        """No lot selected: the station waits for the next scan."""
        if self.lot is not None:
            self.lot = None
            self.lotChanged.emit(None)

    @Slot(object)
    def _on_lot_selected(self, state: LotState) -> None:
        self.lot = state
        self.lotChanged.emit(state)

    @Slot(object)
    def _on_lot_progress(self, state: LotState) -> None:
        if self.lot is None or self.lot.lot.lot_no != state.lot.lot_no:
            return  # a ring of an earlier lot, recorded late
        self.lot = state
        self.lotChanged.emit(state)
        if state.complete:
            self.lot = None
            self.planComplete.emit(state)
            self.lotChanged.emit(None)

    # --- StationService ------------------------------------------------------------------

    def current_lot_header(self) -> LotHeader | None:
        """The selected lot as the header shows it, or None."""
        if self.lot is None:
            return None
        lot, prog = self.lot.lot, self.lot.progress
        user = self.user
        return LotHeader(
            lot=lot.lot_no,
            part=lot.part,
            operator=(user.full_name or user.name) if user else "",
            sample_size=prog.required,
            inspected=prog.inspected,
            rejected=prog.nonconforming,
            customer=lot.customer,
            plan=self.lot.plan_text(),
            accept=prog.accept,
            reject=prog.reject,
            pending=len(self._pending),
        )

    def record(self, result: InspectionResult, image_bytes: bytes | None) -> None:
        """Queue one judged ring for the selected lot; returns at once.

        ``image_bytes`` None makes the worker read ``result.image`` itself (folder imports).

        Raises
        ------
        NoLotSelected
            No lot is selected or nobody is signed in: the ring is not recorded.
        """
        if self.user is None:
            raise NoLotSelected("nobody is signed in")
        if self.lot is None:
            raise NoLotSelected("no lot is selected; scan the lot's barcode first")
        self._next_id += 1
        self._pending.append(
            _Pending(
                self._next_id, self.user, self.lot.lot.lot_no, result, image_bytes, self.station
            )
        )
        self.pendingChanged.emit(len(self._pending))
        if not self._failing:
            self._send_next()

    def pending(self) -> int:
        """Rings judged and not yet in the database."""
        return len(self._pending)

    @Slot()
    def retry_now(self) -> None:
        """Try the kept rings again now."""
        self._retry.stop()
        self._send_next()

    @Slot()
    def _send_next(self) -> None:
        if self._in_flight is not None or not self._pending or not self._running:
            return
        job = self._pending[0]
        self._in_flight = job.job_id
        self._recordRequested.emit(job)

    @Slot(int)
    def _on_recorded(self, job_id: int) -> None:
        if self._pending and self._pending[0].job_id == job_id:
            self._pending.popleft()
        self._in_flight = None
        if self._failing:
            self._failing = False
            self.notice.emit(
                "The database answers again: the kept rings are being recorded."
                if self._pending
                else "The database answers again: every kept ring is now recorded."
            )
        self.pendingChanged.emit(len(self._pending))
        self._send_next()

    @Slot(int, str, bool)
    def _on_record_failed(self, job_id: int, message: str, keep: bool) -> None:
        self._in_flight = None
        if not keep:
            job = self._pending.popleft() if self._pending else None
            name = Path(job.result.image).name if job else "the ring"
            self.pendingChanged.emit(len(self._pending))
            self.error.emit(f"{name} was NOT recorded: {message}. Set the ring aside.")
            self._send_next()
            return
        self._failing = True
        count = len(self._pending)
        rings = "1 ring is" if count == 1 else f"{count} rings are"
        self.error.emit(
            f"Not recorded yet: {message}. {rings} kept at this station and will be "
            f"recorded when the database answers (retrying every "
            f"{self._retry.interval() // 1000 or 1} s); do not close the station."
        )
        self._retry.start()
