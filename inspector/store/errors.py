"""Errors a person at the station can act on, split from our own bugs.

Everything here derives from :class:`RecordsError`; its ``str()`` is a complete message
for the user (the CLI prints it and exits 2, the GUI shows it). Anything else raised from
the records layer is a bug and keeps its traceback for the log.
"""

from __future__ import annotations

__all__ = [
    "RecordsError",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreLocked",
    "StoreOpenError",
    "StoreReadOnly",
    "StoreVersionError",
]


class RecordsError(Exception):
    """A problem with the records the user can understand and fix; ``str()`` says what."""


class StoreError(RecordsError):
    """The database (or the image folder beside it) cannot do what was asked."""


class StoreOpenError(StoreError):
    """The database file cannot be opened or created (missing folder, permissions)."""


class StoreLocked(StoreError):
    """Another station held the database for longer than the busy timeout."""


class StoreFull(StoreError):
    """The disk holding the database or its images is full."""


class StoreReadOnly(StoreError):
    """The database or its image folder cannot be written."""


class StoreCorrupt(StoreError):
    """The database file is damaged or is not a Seal Inspector database."""


class StoreVersionError(StoreError):
    """The database was written by a newer Seal Inspector (or needs an upgrade)."""
