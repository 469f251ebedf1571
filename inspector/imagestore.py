"""The original image bytes, kept content-addressed beside the database.

An image lives at ``<root>/<aa>/<bb>/<sha256>`` where ``aa`` and ``bb`` are the first two
pairs of hex digits, so one folder never holds more than a few hundred files. The same
image inspected twice is stored once. Files are written whole or not at all: to a temporary
name in the same folder, flushed to disk (``fsync``), renamed into place (atomic on POSIX),
then the folder itself is flushed, so a record committed afterwards never points at a file
that a crash could leave half-written.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inspector.store.errors import StoreError, StoreFull, StoreReadOnly

__all__ = ["ImageCheck", "ImageStore", "sha256_hex"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TMP_PREFIX = ".tmp-"


def sha256_hex(data: bytes) -> str:
    """Return the lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ImageCheck:
    """The result of checking stored images against their names.

    Attributes
    ----------
    checked : int
        Files read and hashed.
    bad : tuple of str
        Hashes whose file no longer matches its name.
    missing : tuple of str
        Hashes asked for (recorded) that have no file.
    """

    checked: int
    bad: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every file matched and none was missing."""
        return not self.bad and not self.missing


class ImageStore:
    """A folder of images named by their SHA-256.

    Parameters
    ----------
    root : Path
        The folder, created on the first write.
    fsync : bool
        Flush files and folders to disk before a record points at them (keep True outside
        benchmarks that measure its cost).
    """

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync

    def path_for(self, sha256: str) -> Path:
        """Return where the image with hash ``sha256`` is (or would be) kept."""
        if not _HEX64.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        """Return True when the image is stored."""
        return self.path_for(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        """Return the stored bytes of an image.

        Raises
        ------
        StoreError
            No such image, or it cannot be read.
        """
        try:
            return self.path_for(sha256).read_bytes()
        except OSError as exc:
            raise StoreError(
                f"stored image {sha256[:12]}… cannot be read: {exc.strerror}"
            ) from None

    def put(self, data: bytes, *, sha256: str | None = None) -> str:
        """Store ``data`` (once) and return its hash; durable on disk when this returns.

        Parameters
        ----------
        data : bytes
            The original file bytes.
        sha256 : str, optional
            The hash the caller expects; a mismatch raises ``ValueError``.

        Raises
        ------
        StoreFull, StoreReadOnly, StoreError
            The disk is full, cannot be written, or failed; no partial file is left.
        """
        digest = sha256_hex(data)
        if sha256 is not None and sha256 != digest:
            raise ValueError(f"image bytes hash to {digest}, not {sha256}")
        final = self.path_for(digest)
        if final.is_file():
            return digest
        tmp = final.with_name(f"{_TMP_PREFIX}{digest}-{os.getpid()}")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
            if self.fsync:
                _fsync_dir(final.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise _os_error(exc, self.root) from None
        return digest

    def hashes(self) -> Iterator[str]:
        """Yield the hash of every stored image (temporary files skipped)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if _HEX64.match(path.name):
                yield path.name

    def check(self, expected: set[str] | None = None) -> ImageCheck:
        """Re-hash every stored image; with ``expected``, also report recorded ones missing."""
        bad: list[str] = []
        checked = 0
        present: set[str] = set()
        for digest in self.hashes():
            present.add(digest)
            checked += 1
            h = hashlib.sha256()
            try:
                with open(self.path_for(digest), "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
            except OSError:
                bad.append(digest)
                continue
            if h.hexdigest() != digest:
                bad.append(digest)
        missing = sorted((expected or set()) - present)
        return ImageCheck(checked=checked, bad=tuple(bad), missing=tuple(missing))

    def remove_temporaries(self, *, older_than_s: float = 3600.0) -> int:
        """Delete temporary files a killed process left behind; return how many.

        Only files older than ``older_than_s`` go: a younger one may be another station's
        write in progress.
        """
        count = 0
        cutoff = time.time() - older_than_s
        if self.root.is_dir():
            for path in self.root.glob(f"??/??/{_TMP_PREFIX}*"):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        count += 1
        return count


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _os_error(exc: OSError, root: Path) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"the disk holding {root} is full; nothing was recorded. Free space")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnly(
            f"the image folder {root} cannot be written ({exc.strerror}); nothing was recorded"
        )
    return StoreError(f"cannot store the image in {root}: {exc.strerror or exc}")
