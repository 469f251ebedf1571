"""The records' storage: the only place that speaks SQL.

Services (:mod:`inspector.auth`, :mod:`inspector.audit`, :mod:`inspector.records`) call
:func:`open_store` and the functions of :mod:`inspector.store.repo`; they never build SQL.
A PostgreSQL store for sites with many stations is meant to slot in beside
:class:`~inspector.store.sqlite.SqliteStore` with the same ``transaction()`` / ``Tx`` shape.
"""

from __future__ import annotations

import os
from pathlib import Path

from inspector.paths import user_data_dir
from inspector.store.errors import (
    RecordsError,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreOpenError,
    StoreReadOnly,
    StoreVersionError,
)
from inspector.store.sqlite import SqliteStore, Tx

__all__ = [
    "DB_ENV",
    "RecordsError",
    "SqliteStore",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreLocked",
    "StoreOpenError",
    "StoreReadOnly",
    "StoreVersionError",
    "Tx",
    "default_db_path",
    "open_store",
]

#: Environment variable naming the database file (``--db`` wins over it).
DB_ENV = "INSPECTOR_DB"


def default_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the database path: ``explicit``, else ``$INSPECTOR_DB``, else the user data folder."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return user_data_dir() / "inspector.db"


def open_store(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> SqliteStore:
    """Open (creating and migrating as needed) the records database at ``path``.

    Raises
    ------
    StoreError
        With a message for the user: cannot open, damaged, newer schema.
    """
    return SqliteStore(default_db_path(path), read_only=read_only)
