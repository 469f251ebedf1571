"""Pieces every desk view builds the same way: tables, shortcuts, times, file choosers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QTableView, QWidget

__all__ = ["add_shortcuts", "row_table", "save_file", "when"]

Keys = str | QKeySequence.StandardKey

#: Rows beyond the visible ones that fitting a table's columns to their contents measures.
FIT_SAMPLE_ROWS = 100


def when(utc: str | None) -> str:
    """A records UTC time as ``2026-11-27 05:57`` ("" for None)."""
    return "" if not utc else utc[:16].replace("T", " ")


def row_table(model: Any, tooltip: str) -> QTableView:
    """A read-only table over ``model`` that selects one whole row; the last column stretches."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    # Fitting columns to their contents measures this many rows beyond the visible ones,
    # not all of them: on the 369-row AS568 catalogue, measuring every row held the GUI
    # thread for a quarter of a second (over a second on a slow machine), and the widths
    # come out the same.
    view.horizontalHeader().setResizeContentsPrecision(FIT_SAMPLE_ROWS)
    view.setWordWrap(False)
    view.setToolTip(tooltip)
    return view


def add_shortcuts(
    view: QWidget, bindings: Iterable[tuple[Keys, Callable[[], object]]]
) -> dict[Keys, QShortcut]:
    """Bind each key sequence to its slot while focus is inside ``view``.

    Desk views sit side by side in one window, so a view's keys must not fire from
    another's page. Returns the shortcuts by the keys given (to enable or disable them).
    """
    shortcuts: dict[Keys, QShortcut] = {}
    for keys, slot in bindings:
        shortcut = QShortcut(QKeySequence(keys), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        shortcuts[keys] = shortcut
    return shortcuts


def save_file(
    parent: QWidget | None, title: str, suggested: Path | str, kind: str, suffix: str
) -> Path | None:
    """Ask where to save a file with the platform's dialog; ``suffix`` is added when missing.

    ``kind`` names the files for the dialog's filter (``"CSV files"``); None when cancelled.
    """
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), f"{kind} (*{suffix})")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == suffix else path.with_suffix(suffix)
