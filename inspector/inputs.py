"""Expand the command line's PATH arguments into the list of images to inspect.

Each argument is a file or a folder. A file given directly is taken whatever its suffix
(the loader judges its contents); a folder contributes its image files, sorted by name,
not descending into sub-folders and skipping hidden files. A path that does not exist,
or a folder without images, is not fatal: it becomes an item carrying an error, so a batch
goes on and reports it as that input's error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

#: File suffixes taken from a folder, lower case; matched case-insensitively.
IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})


@dataclass(frozen=True)
class InputItem:
    """One input of a batch: an image path to inspect, or a path that gave an error.

    Attributes
    ----------
    path : str
        The path as the user spelled it, or ``os.path.join(folder_as_given, name)`` for a
        file found in a folder. This is the JSON ``"image"`` field.
    error : str or None
        A message a person understands when this input cannot be inspected at all
        (missing path, folder without images); None for a file to load.
    """

    path: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the item is a file to load (the loader may still refuse it)."""
        return self.error is None


def has_image_suffix(name: str) -> bool:
    """Return True when ``name`` ends in one of :data:`IMAGE_SUFFIXES`, in any case."""
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def expand_paths(paths: Sequence[str | os.PathLike[str]]) -> list[InputItem]:
    """Turn PATH arguments into the ordered list of inputs.

    Parameters
    ----------
    paths : sequence of str or path-like
        Files and folders, in the order given.

    Returns
    -------
    list of InputItem
        Each argument in turn: a file (or anything that is not a folder but exists) as one
        item with its spelling kept; a folder as its image files sorted by name (plain
        code-point order, as ``sorted`` gives), non-recursive, hidden (dot) files skipped.
        A missing path, an unreadable folder, or a folder with no images gives one item
        with ``error`` set.
    """
    items: list[InputItem] = []
    for arg in paths:
        given = os.fspath(arg)
        if os.path.isdir(given):
            items.extend(_expand_folder(given))
        elif os.path.lexists(given):
            items.append(InputItem(given))
        else:
            items.append(InputItem(given, error=f"no such file or folder: {given}"))
    return items


def _expand_folder(folder: str) -> list[InputItem]:
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name
                for entry in entries
                if not entry.name.startswith(".")
                and has_image_suffix(entry.name)
                # A broken link is kept, so the loader reports it rather than it vanishing.
                and not entry.is_dir()
            )
    except PermissionError:
        return [InputItem(folder, error=f"cannot read folder {folder}: permission denied")]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [InputItem(folder, error=f"cannot read folder {folder}: {reason}")]
    if not names:
        return [
            InputItem(
                folder,
                error=f"no images in folder {folder} (looked for PNG, JPEG, TIFF and BMP files)",
            )
        ]
    return [InputItem(os.path.join(folder, name)) for name in names]
