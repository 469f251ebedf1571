"""Writing a file the user asked for (a certificate, an export) whole or not at all.

The bytes go to a temporary file in the target's folder, are flushed to disk (fsync), and
only then renamed onto the target name, and the folder is flushed too: a reader never sees
half a file, and a crash leaves either nothing or the whole file. Writing is split in two
steps (:func:`stage`, :func:`publish`) so a caller can make the rename part of a records
transaction: the certificate file appears only when its issue is recorded.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from inspector.store.errors import RecordsError

__all__ = ["OutputError", "discard", "publish", "stage", "write_atomic"]


class OutputError(RecordsError):
    """The output file cannot be written; nothing was written."""


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def stage(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to a flushed temporary file beside ``path``; return the temporary's path.

    Raises
    ------
    OutputError
        ``path`` exists (unless ``overwrite``) or is a folder; its folder is missing or
        cannot be written; the disk is full. No file is left behind.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name; nothing was written")
    if not overwrite and path.exists():
        raise OutputError(f"{path} already exists; choose a new file; nothing was written")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_why(exc)}; nothing was written") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        discard(Path(temp))
        raise OutputError(f"cannot write {path}: {_why(exc)}; nothing was written") from None
    return Path(temp)


def publish(temp: Path, path: Path) -> None:
    """Rename a staged file onto ``path`` and flush the folder.

    Raises
    ------
    OutputError
        The rename failed; the staged file is removed.
    """
    try:
        os.replace(temp, path)
    except OSError as exc:
        discard(temp)
        raise OutputError(f"cannot write {path}: {_why(exc)}; nothing was written") from None
    # Flush the folder entry too, so the name survives a power cut (POSIX only).
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def discard(temp: Path) -> None:
    """Remove a staged file that will not be published (quietly if already gone)."""
    with contextlib.suppress(OSError):
        Path(temp).unlink()


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all (see the module docstring)."""
    publish(stage(path, data, overwrite=overwrite), Path(path))
