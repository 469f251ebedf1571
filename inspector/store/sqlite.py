"""The SQLite store: one connection, its pragmas, migrations, transactions and errors.

This is the only module that imports :mod:`sqlite3`. A connection belongs to the thread
that opened it (sqlite3 checks); give every worker thread its own :class:`SqliteStore`.

Settings and why:

- WAL journal: readers never block the station that writes, and a crash mid-write leaves
  the last committed state (the log is replayed or dropped on the next open).
- ``synchronous = FULL``: a commit that returned survives a power cut, not only a crash.
- ``foreign_keys = ON``: a row cannot point at a lot, user or recipe that is not there.
- busy timeout: a second station waits its turn instead of failing with "database is locked".
- every write transaction starts with ``BEGIN IMMEDIATE``, so two stations never both read
  under a shared lock and then deadlock upgrading it (SQLite would fail one of them at once).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inspector.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreOpenError,
    StoreReadOnly,
    StoreVersionError,
)
from inspector.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["BUSY_TIMEOUT_S", "Row", "SqliteStore", "Tx", "translate_error"]

#: How long a station waits for another one's write before reporting the database locked.
BUSY_TIMEOUT_S = 30.0

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]

# Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def translate_error(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """Return the user's error for ``exc``, or None when it is our bug (keep the traceback).

    Parameters
    ----------
    exc : sqlite3.Error
    path : Path
        The database file, named in the message.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_BUSY, _LOCKED) or "database is locked" in text:
        return StoreLocked(
            f"the database {path} stayed locked by another station for more than "
            f"{BUSY_TIMEOUT_S:.0f} s; try again, and check no program holds it open"
        )
    if primary == _FULL or "disk is full" in text:
        return StoreFull(f"the disk holding {path} is full; nothing was recorded. Free space")
    if primary == _READONLY or "readonly" in text:
        return StoreReadOnly(
            f"the database {path} is read-only; nothing was recorded. "
            "Check the file's permissions or the disk it is on"
        )
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return StoreCorrupt(
            f"the database {path} is damaged or is not a Seal Inspector database "
            f"({exc}); restore it from a backup (inspector db backup makes one)"
        )
    if primary == _CANTOPEN:
        return StoreOpenError(
            f"cannot open the database {path}: check the folder exists and can be written"
        )
    if primary == _IOERR:
        return StoreError(f"the disk failed while using the database {path} ({exc})")
    return None


class Tx:
    """A connection inside a transaction (or a read): run SQL, get rows, errors translated."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement and return its cursor."""
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _user_error(exc, self._path) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(exc, self._path) from exc

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for every row of parameters."""
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _user_error(exc, self._path) from exc

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id."""
        cursor = self.execute(sql, params)
        row_id = cursor.lastrowid
        assert row_id is not None  # an INSERT always sets it
        return row_id

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row, or None."""
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row."""
        rows: list[Row] = self.execute(sql, params).fetchall()
        return rows

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]


def _user_error(exc: sqlite3.Error, path: Path) -> Exception:
    translated = translate_error(exc, path)
    return translated if translated is not None else exc


class SqliteStore:
    """An open SQLite database at the current schema version.

    Parameters
    ----------
    path : Path
        The database file; created (with its folder) when missing, unless ``read_only``.
    read_only : bool
        Open without the right to write (a backup, a read-only medium).
    busy_timeout_s : float
        How long to wait for another station's write.

    Raises
    ------
    StoreError
        Cannot open, damaged, written by a newer version, or needs an upgrade while read-only.
    """

    kind = "sqlite"

    def __init__(
        self, path: Path, *, read_only: bool = False, busy_timeout_s: float = BUSY_TIMEOUT_S
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreOpenError(
                    f"cannot create the folder {self.path.parent}: {exc.strerror or exc}"
                ) from None
        elif not self.path.exists():
            raise StoreOpenError(f"no database at {self.path}")
        try:
            if read_only:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s, isolation_level=None)
            else:
                conn = sqlite3.connect(
                    os.fspath(self.path), timeout=busy_timeout_s, isolation_level=None
                )
        except sqlite3.Error as exc:
            raise _open_error(exc, self.path) from None
        conn.row_factory = sqlite3.Row
        self._conn = conn
        try:
            self._setup(busy_timeout_s)
        except BaseException:
            conn.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _setup(self, busy_timeout_s: float) -> None:
        try:
            # Reading the header and the schema finds a file that is not a database at all.
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise _open_error(exc, self.path) from None
        except UnicodeDecodeError as exc:
            raise _undecodable(exc, self.path) from None
        _check_version(version, self.path)
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise StoreVersionError(
                    f"the database {self.path} is at schema version {version} and needs an "
                    f"upgrade to {SCHEMA_VERSION}; open it once with write access"
                )
            return
        self._wal()
        if version < SCHEMA_VERSION:
            self._migrate()

    def _wal(self) -> None:
        # Switching to WAL needs a moment alone with the file; the busy handler does not
        # cover it, so a station opening while another writes retries briefly.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc).lower() and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise _open_error(exc, self.path) from None
            except sqlite3.Error as exc:
                raise _open_error(exc, self.path) from None
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"the database {self.path} cannot use write-ahead logging "
                    f"(journal mode {mode}); keep it on a local disk"
                )
            return

    def _migrate(self) -> None:
        with self.transaction() as tx:
            # Another station may have migrated while this one waited for the lock.
            version = int(tx.scalar("PRAGMA user_version"))
            _check_version(version, self.path)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    tx.execute(statement)
                tx.execute(f"PRAGMA user_version = {number}")

    # -- use -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return int(self.reader().scalar("PRAGMA user_version"))

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Run a write transaction: everything inside commits together or not at all.

        Raises
        ------
        StoreError
            Locked past the timeout, disk full, read-only, damaged; nothing is committed.
        """
        tx = Tx(self._conn, self.path)
        tx.execute("BEGIN IMMEDIATE")
        try:
            yield tx
        except BaseException:
            self._rollback()
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _user_error(exc, self.path) from exc

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Run several reads against one consistent state of the database."""
        tx = Tx(self._conn, self.path)
        tx.execute("BEGIN")
        try:
            yield tx
        finally:
            self._rollback()

    def reader(self) -> Tx:
        """Return a handle for single reads (each statement sees the latest commit)."""
        return Tx(self._conn, self.path)

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            # SQLite may have rolled back already (e.g. after SQLITE_FULL).
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def integrity_problems(self) -> list[str]:
        """Run SQLite's integrity and foreign-key checks; return the problems found."""
        problems: list[str] = []
        try:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
            problems += [str(r[0]) for r in rows if str(r[0]) != "ok"]
            for r in self._conn.execute("PRAGMA foreign_key_check").fetchall():
                problems.append(f"table {r[0]} row {r[1]} points at a missing {r[2]} row")
        except sqlite3.Error as exc:
            translated = translate_error(exc, self.path)
            problems.append(str(translated or exc))
        return problems

    def backup(self, dest: Path) -> None:
        """Copy the database to ``dest`` with SQLite's online backup (consistent while writing).

        Raises
        ------
        StoreError
            ``dest`` exists or cannot be written.
        """
        dest = Path(dest)
        if dest.exists():
            raise StoreError(f"{dest} already exists; choose a new file for the backup")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(os.fspath(dest))
        except (OSError, sqlite3.Error) as exc:
            raise StoreOpenError(f"cannot create the backup {dest}: {exc}") from None
        try:
            self._conn.backup(target, pages=1024)
        except sqlite3.Error as exc:
            target.close()
            dest.unlink(missing_ok=True)
            raise _user_error(exc, dest) from exc
        target.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_version(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the database {path} was written by a newer Seal Inspector (schema version "
            f"{version}, this program knows up to {SCHEMA_VERSION}); update Seal Inspector"
        )


def _undecodable(exc: UnicodeDecodeError, path: Path) -> StoreCorrupt:
    """The error for text the file holds that is not UTF-8: damage, as SQLite writes UTF-8.

    Python's sqlite3 raises it while decoding a damaged schema, row or even SQLite's own
    error message (which quotes the damaged schema), before any sqlite3.Error is seen.
    """
    return StoreCorrupt(
        f"the database {path} is damaged or is not a Seal Inspector database (text that is "
        f"not UTF-8: {exc.reason}); restore it from a backup (inspector db backup makes one)"
    )


def _open_error(exc: sqlite3.Error, path: Path) -> StoreError:
    translated = translate_error(exc, path)
    if translated is not None:
        return translated
    return StoreOpenError(f"cannot open the database {path}: {exc}")
