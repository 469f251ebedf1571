"""Ring thumbnails of the history's current filter, with their defects outlined.

:class:`GalleryModel` sits on the history's :class:`~ui.desk.history_model.HistoryTableModel`
(an identity proxy, so it pages with it: scrolling the gallery to its end fetches the next
page). A thumbnail is asked for only when the view paints its cell; the requests of one
paint are batched into one job that reads, decodes and draws them in the desk's worker
(:func:`draw_thumbnails`, with the review view's marks from
:func:`ui.desk.ring_panel.ring_thumbnail`), and the answers are cached by inspection.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QIdentityProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from inspector.records import rings
from inspector.records.lots import LotError
from inspector.store import SqliteStore
from ui.desk.database import DeskDatabase
from ui.desk.history_model import ROW_ROLE, HistoryTableModel
from ui.desk.ring_panel import ring_thumbnail
from ui.theme import MUTED, PANEL

Index = QModelIndex | QPersistentModelIndex

#: The longer side of a thumbnail, px.
THUMB_SIZE = 150
#: Thumbnails drawn per worker job: one paint of a large window, not more, so a job never
#: holds the worker long while the table waits for a page.
BATCH = 24
#: Thumbnails kept (about 90 KB each).
CACHE_SIZE = 1500

_VERDICT_COLORS = {"pass": QColor("#5fd97a"), "fail": QColor("#ff6b6b"), "error": QColor("#ffc94a")}


def draw_thumbnails(
    store: SqliteStore, inspection_ids: Sequence[int], *, size: int = THUMB_SIZE
) -> dict[int, QImage | None]:
    """Read, decode and draw the rings' thumbnails (runs in the worker: QImage only).

    Returns
    -------
    dict of int to QImage or None
        None for an id with no record; a ring whose image is missing or cannot be decoded
        gets the "no image" tile.
    """
    out: dict[int, QImage | None] = dict.fromkeys(inspection_ids)
    for record in rings.load_rings(store, inspection_ids, with_images=True):
        try:
            pixels = rings.ring_pixels(record)
        except LotError:
            pixels = None
        out[record.inspection_id] = ring_thumbnail(pixels, record.defects, size=size)
    return out


def _placeholder(text: str) -> QPixmap:
    pixmap = QPixmap(THUMB_SIZE, THUMB_SIZE)
    pixmap.fill(QColor(PANEL))
    painter = QPainter(pixmap)
    painter.setPen(QColor(MUTED))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class GalleryModel(QIdentityProxyModel):
    """Column 0 of the history as thumbnails with a caption; pages with the history.

    Signals
    -------
    thumbnailsLoaded(int)
        A batch of thumbnails arrived; how many.
    failed(str)
        Drawing thumbnails failed; the message is for the user.
    """

    thumbnailsLoaded = Signal(int)
    failed = Signal(str)

    def __init__(self, db: DeskDatabase, source: HistoryTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._db = db
        self.setSourceModel(source)
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._wanted: list[int] = []
        self._asked: set[int] = set()
        self._generation = 0
        self._in_flight = False
        self._loading_pixmap = _placeholder("loading…")
        self._missing = _placeholder("no record")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._ask)

    def history_model(self) -> HistoryTableModel:
        """The table this gallery shows."""
        source = self.sourceModel()
        assert isinstance(source, HistoryTableModel)
        return source

    def cached(self, inspection_id: int) -> bool:
        """True when the thumbnail of ``inspection_id`` has been drawn."""
        return inspection_id in self._cache

    def forget(self) -> None:
        """Drop every thumbnail (the records changed: reviews redraw the outlines)."""
        self._generation += 1
        self._cache.clear()
        self._wanted.clear()
        self._asked.clear()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = super().data(index, ROW_ROLE)
        if row is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(row.inspection_id)
        if role == Qt.ItemDataRole.DisplayRole:
            # Overruled calls are said in words on a second line, not by colour alone.
            mark = "\n✎ overruled" if row.overruled else ""
            return f"{row.lot} #{row.seq}  {row.verdict.upper()}{mark}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return _VERDICT_COLORS.get(row.verdict)
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(THUMB_SIZE + 16, THUMB_SIZE + 52)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        return super().data(index, role)

    def _thumbnail(self, inspection_id: int) -> QPixmap:
        pixmap = self._cache.get(inspection_id)
        if pixmap is not None:
            self._cache.move_to_end(inspection_id)
            return pixmap
        if inspection_id not in self._asked:
            self._asked.add(inspection_id)
            self._wanted.append(inspection_id)
            self._timer.start()
        return self._loading_pixmap

    def _ask(self) -> None:
        if self._in_flight or not self._wanted:
            return
        # Newest requests first: they are what the view paints now. Older ones a fast
        # scroll left behind are dropped, and asked again if they are painted again.
        batch = self._wanted[-BATCH:]
        for inspection_id in self._wanted[:-BATCH]:
            self._asked.discard(inspection_id)
        self._wanted = []
        self._in_flight = True
        self._db.call(
            functools.partial(draw_thumbnails, inspection_ids=batch, size=THUMB_SIZE),
            functools.partial(self._on_thumbnails, self._generation),
            functools.partial(self._on_error, self._generation),
        )

    def _on_thumbnails(self, generation: int, result: dict[int, Any]) -> None:
        self._in_flight = False
        if generation != self._generation:
            self._timer.start()
            return
        source = self.history_model()
        for inspection_id, image in result.items():
            self._asked.discard(inspection_id)
            pixmap = self._missing if image is None else QPixmap.fromImage(image)
            self._cache[inspection_id] = pixmap
            row = source.row_of(inspection_id)
            if row is not None:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self.thumbnailsLoaded.emit(len(result))
        self._timer.start()  # the next batch painted meanwhile

    def _on_error(self, generation: int, message: str) -> None:
        self._in_flight = False
        if generation == self._generation:
            self.failed.emit(message)


class GalleryView(QListView):
    """A grid of ring thumbnails (icon mode); Enter or a double-click opens a ring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.setGridSize(QSize(THUMB_SIZE + 24, THUMB_SIZE + 58))
        self.setSpacing(4)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setToolTip("Rings of the current filter; double-click or Enter opens one")
