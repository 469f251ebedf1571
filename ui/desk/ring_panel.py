"""One recorded ring as the desk shows it: image with defect boxes, calls, dimensions, reviews.

The records keep each defect's box (not its outline or the ring's edges), so the overlay
draws boxes. Calls are told apart by line *and* text, never colour alone:

- rejecting (final call): solid box in the defect's colour, label ``#n type``;
- accepted by the machine: thin dotted box in the defect's colour;
- overruled by a review (final call differs from the machine's): dashed grey box and a
  label ``#n type ✎ overruled → accept``. Overruled calls stay visible, marked.

:func:`ring_thumbnail` draws the same marks on a small QImage for galleries; it uses only
QImage and QPainter, so a worker thread may call it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QItemSelection,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.outcome import Verdict
from inspector.records.rings import DimensionStatus, LoadedRing, RingDefect, RingRecord
from ui.desk.common import row_table, when
from ui.image_view import ImageView, numpy_to_qimage
from ui.models import Index, _RowsModel, mm_text, nominal_text
from ui.theme import BORDER, MUTED, QT_DEFECT_COLORS, VERDICT_COLORS

__all__ = [
    "OVERRULED_COLOR",
    "DimensionCheckModel",
    "RingDefectModel",
    "RingPanel",
    "RingReviewsModel",
    "VerdictStrip",
    "call_text",
    "ring_thumbnail",
]

_DISPLAY = Qt.ItemDataRole.DisplayRole
_REJECT = QColor("#ff6b6b")
_OK = QColor("#5fd97a")
_WARN = QColor("#ffc94a")
#: Overruled calls: grey and dashed, whatever the defect's colour.
OVERRULED_COLOR = QColor("#b8bec6")
_SELECTED_COLOR = QColor("#ffffff")
_FALLBACK_COLOR = QColor("#d0d0d0")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _font(*, bold: bool = False, italic: bool = False, strike: bool = False) -> QFont:
    font = QFont()
    font.setBold(bold)
    font.setItalic(italic)
    font.setStrikeOut(strike)
    return font


def _type_name(defect: RingDefect) -> str:
    return defect.type.replace("_", "-")


def _color(defect: RingDefect) -> QColor:
    kind = defect.defect_type
    return QT_DEFECT_COLORS[kind] if kind is not None else _FALLBACK_COLOR


def call_text(reject: bool) -> str:
    """A defect call in words: ``"REJECT"`` or ``"accept"``."""
    return "REJECT" if reject else "accept"


def _label(defect: RingDefect) -> str:
    text = f"#{defect.idx} {_type_name(defect)}"
    if defect.overruled:
        # Short: the label must fit beside a box near the image's edge; the legend says ✎.
        text += f" ✎ {call_text(defect.final_reject)}"
    return text


# --- models -------------------------------------------------------------------------------


class RingDefectModel(_RowsModel):
    """A recorded ring's defects: sizes, the machine's call and the final call.

    An overruled row keeps the machine's call, struck through, beside the call that counts
    (marked ✎); a call a review confirmed is marked ✔. The tooltip tells the review.
    """

    HEADERS = ("#", "Type", "Where", "L mm", "Machine", "Final")
    COL_MACHINE = 4
    COL_FINAL = 5

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[RingDefect, ...] = ()

    def set_defects(self, defects: tuple[RingDefect, ...]) -> None:
        """Show these defects in their recorded order."""
        self.beginResetModel()
        self._rows = tuple(defects)
        self.endResetModel()

    def defect_at(self, row: int) -> RingDefect:
        """The defect shown in ``row``."""
        return self._rows[row]

    def row_of(self, idx: int) -> int | None:
        """The row showing defect ``idx`` (1-based), or None."""
        return next((i for i, d in enumerate(self._rows) if d.idx == idx), None)

    @staticmethod
    def final_text(d: RingDefect) -> str:
        """The final call with its mark: ``"✎ accept"`` overruled, ``"✔ REJECT"`` confirmed."""
        if d.overruled:
            mark = "✎ "
        elif d.last_review is not None:
            mark = "✔ "
        else:
            mark = ""
        return mark + call_text(d.final_reject)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        d = self._rows[index.row()]
        column = index.column()
        review = d.last_review
        if role == _DISPLAY:
            return (
                str(d.idx),
                _type_name(d),
                d.location.replace("_edge", "").replace("_", " "),
                mm_text(d.length_mm),
                call_text(d.machine_reject),
                self.final_text(d),
            )[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return _color(d)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.COL_MACHINE:
                if d.overruled:
                    return OVERRULED_COLOR
                return _REJECT if d.machine_reject else _OK
            if column == self.COL_FINAL:
                return _REJECT if d.final_reject else _OK
        if role == Qt.ItemDataRole.FontRole:
            if column == self.COL_MACHINE and d.overruled:
                return _font(strike=True)
            if column == self.COL_FINAL:
                return _font(bold=d.final_reject, italic=d.overruled)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                f"#{d.idx} {_type_name(d)}, {d.location.replace('_', ' ')} at "
                f"{d.angle_deg % 360.0:.0f}°: "
                f"length {mm_text(d.length_mm)} mm, width {mm_text(d.width_mm)} mm, "
                f"area {mm_text(d.area_mm2, 3)} mm²",
                f"Machine: {call_text(d.machine_reject)} — {d.reason or 'within the grade limits'}",
            ]
            if review is None:
                lines.append("Not reviewed")
            else:
                lines.append(
                    f"Review {review.outcome} by {review.reviewer_full_name} "
                    f"({when(review.time_utc)} UTC): {review.old_value} → "
                    f"{review.new_value} — {review.reason}"
                )
            return "\n".join(lines)
        return None


class DimensionCheckModel(_RowsModel):
    """Recorded dimensions against the recipe snapshot, with the deviation in % of tolerance."""

    HEADERS = ("What", "mm", "Nominal", "Dev.", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Any, ...] = ()

    def set_record(self, record: RingRecord | None) -> None:
        """Show the dimension checks of ``record``; None clears."""
        self.beginResetModel()
        self._rows = () if record is None else record.dimensions
        self.endResetModel()

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            if column == 0:
                return row.label
            if column == 1:
                return mm_text(row.value, 3)
            if column == 2:
                return nominal_text(row.nominal_mm, row.tol_mm)
            if column == 3:
                dev = row.deviation
                return "" if dev is None else f"{dev * 100:.0f} %"
            return row.status.value
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 4:
                return {
                    DimensionStatus.OK: _OK,
                    DimensionStatus.OUT: _REJECT,
                    DimensionStatus.NOT_JUDGED: _WARN,
                    DimensionStatus.NOT_MEASURED: _WARN,
                }.get(row.status)
            if column in (2, 3):
                return QColor(MUTED)
        if role == Qt.ItemDataRole.FontRole and column == 4 and row.status is DimensionStatus.OUT:
            return _font(bold=True)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return "Distance from nominal in % of the tolerance: 100 % is on the limit"
        return None


class RingReviewsModel(_RowsModel):
    """Every review of a ring and its defects, oldest first, with its reason."""

    HEADERS = ("UTC", "By", "Change", "Reason")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Any, ...] = ()

    def set_record(self, record: RingRecord | None) -> None:
        """Show the reviews of ``record``; None clears."""
        self.beginResetModel()
        self._rows = () if record is None else record.reviews
        self.endResetModel()

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            what = "ring" if r.defect_idx is None else f"#{r.defect_idx}"
            return (
                when(r.time_utc)[5:],
                r.reviewer,
                f"{what} ✎ {r.old_value} → {r.new_value}"
                if r.outcome == "overruled"
                else f"{what} ✔ {r.new_value}",
                r.reason,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and r.outcome == "overruled":
            return _WARN
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.reviewer_full_name}: {r.reason}"
        return None


# --- verdicts -------------------------------------------------------------------------------

_VERDICT_WORDS = {"pass": "✔ PASS", "fail": "✖ FAIL", "error": "⚠ NO VERDICT"}


def _verdict(text: str) -> Verdict | None:
    try:
        return Verdict(text)
    except ValueError:
        return None


class VerdictStrip(QFrame):
    """The machine's verdict and the final one side by side, with the review that set it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self._machine = self._box("MACHINE")
        self._final = self._box("FINAL")
        layout.addWidget(self._machine[0], 1)
        layout.addWidget(self._final[0], 1)
        self.set_record(None)

    def _box(self, caption: str) -> tuple[QFrame, QLabel, QLabel]:
        frame = QFrame()
        frame.setObjectName("verdictBox")
        box = QVBoxLayout(frame)
        box.setContentsMargins(12, 4, 12, 6)
        box.setSpacing(0)
        title = QLabel()
        font = QFont(self.font())
        font.setPointSize(18)
        font.setBold(True)
        title.setFont(font)
        detail = QLabel()
        detail.setWordWrap(True)
        small = QFont(self.font())
        small.setPointSize(11)
        detail.setFont(small)
        box.addWidget(title)
        box.addWidget(detail)
        frame.setProperty("caption", caption)
        return frame, title, detail

    def machine_text(self) -> str:
        """The machine's verdict as shown."""
        return self._machine[1].text()

    def final_text(self) -> str:
        """The final verdict as shown, with its review state."""
        return self._final[1].text()

    def final_detail(self) -> str:
        """The line under the final verdict."""
        return self._final[2].text()

    def set_record(self, record: RingRecord | None) -> None:
        """Show both verdicts of ``record``; None shows neutral boxes."""
        if record is None:
            self._paint(self._machine, None, "MACHINE —", "")
            self._paint(self._final, None, "FINAL —", "")
            return
        reasons = record.reasons
        detail = reasons[0] if reasons else "no defects rejected; dimensions in tolerance"
        if len(reasons) > 1:
            detail += f"  (+{len(reasons) - 1} more)"
        self._paint(
            self._machine,
            _verdict(record.machine_verdict),
            f"MACHINE {_VERDICT_WORDS.get(record.machine_verdict, record.machine_verdict)}",
            detail,
        )
        self._machine[0].setToolTip("\n".join(reasons) or detail)
        review = record.ring_review
        final_word = _VERDICT_WORDS.get(record.final_verdict, record.final_verdict)
        if review is None:
            marks = sum(1 for d in record.defects if d.overruled)
            final_detail = "ring not reviewed yet"
            if marks:
                final_detail += f"; {marks} defect call(s) overruled"
            title = f"FINAL {final_word}"
        else:
            mark = " ✎" if record.verdict_overruled else ""
            title = f"FINAL {final_word}{mark}"
            final_detail = (
                f"{review.outcome} by {review.reviewer} {when(review.time_utc)} UTC: "
                f"{review.reason}"
            )
        self._paint(self._final, _verdict(record.final_verdict), title, final_detail)
        self._final[0].setToolTip(final_detail)

    def _paint(
        self, box: tuple[QFrame, QLabel, QLabel], verdict: Verdict | None, title: str, detail: str
    ) -> None:
        frame, title_label, detail_label = box
        background, foreground = VERDICT_COLORS[verdict]
        frame.setStyleSheet(
            f"QFrame#verdictBox {{ background: {background}; border: 1px solid {BORDER};"
            f" border-radius: 6px; }} QLabel {{ color: {foreground}; }}"
        )
        title_label.setText(title)
        detail_label.setText(detail)
        frame.setAccessibleName(f"{title}. {detail}")


# --- overlay --------------------------------------------------------------------------------

_PAD = 3.0


def _pen(defect: RingDefect, *, selected: bool = False) -> QPen:
    if defect.overruled:
        pen = QPen(OVERRULED_COLOR, 2.0, Qt.PenStyle.DashLine)
    elif defect.final_reject:
        pen = QPen(_color(defect), 2.5, Qt.PenStyle.SolidLine)
    else:
        pen = QPen(_color(defect), 1.5, Qt.PenStyle.DotLine)
    if selected:
        pen.setWidthF(pen.widthF() + 1.5)
    pen.setCosmetic(True)  # the same on-screen width at any zoom
    return pen


def _label_plate(text: str, color: QColor, anchor: QPointF) -> QGraphicsRectItem:
    """A label on a dark plate above ``anchor`` that keeps its screen size at any zoom."""
    label = QGraphicsSimpleTextItem(text)
    font = QFont()
    font.setPointSize(10)
    font.setBold(True)
    label.setFont(font)
    label.setBrush(QBrush(color))
    bounds = label.boundingRect()
    plate = QGraphicsRectItem(
        QRectF(0, -bounds.height() - 4, bounds.width() + 8, bounds.height() + 2)
    )
    plate.setBrush(QColor(0, 0, 0, 190))
    plate.setPen(QPen(Qt.PenStyle.NoPen))
    plate.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    label.setParentItem(plate)
    label.setPos(4, -bounds.height() - 3)
    plate.setPos(anchor)
    return plate


class _RecordOverlay(QGraphicsItemGroup):
    """Boxes and labels of a recorded ring's defects, in scene (image px) coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(2)
        self.boxes: dict[int, QGraphicsRectItem] = {}

    def show_defects(self, defects: tuple[RingDefect, ...], selected: int | None) -> None:
        for item in self.childItems():
            self.removeFromGroup(item)
            scene = item.scene()
            if scene is not None:
                scene.removeItem(item)
        self.boxes = {}
        # Draw the selected one last so its box is on top.
        for d in sorted(defects, key=lambda x: x.idx == selected):
            box = d.bbox
            rect = QGraphicsRectItem(
                QRectF(box.x - _PAD, box.y - _PAD, box.w + 2 * _PAD, box.h + 2 * _PAD)
            )
            rect.setPen(_pen(d, selected=d.idx == selected))
            rect.setToolTip(_label(d))
            self.addToGroup(rect)
            self.boxes[d.idx] = rect
            color = OVERRULED_COLOR if d.overruled else _color(d)
            if d.idx == selected:
                color = _SELECTED_COLOR
            self.addToGroup(_label_plate(_label(d), color, QPointF(box.x - _PAD, box.y - _PAD)))


# --- thumbnail ------------------------------------------------------------------------------


def ring_thumbnail(
    pixels: npt.NDArray[np.generic] | None,
    defects: tuple[RingDefect, ...],
    *,
    size: int = 160,
) -> QImage:
    """A ``size`` × ``size`` thumbnail of a ring with its defects outlined.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16, or None
        The ring's image (grey or BGR); None draws a "no image" tile.
    defects : tuple of RingDefect
        Drawn as boxes: rejecting solid, accepted dotted, overruled dashed grey.
    size : int
        Side of the square tile in px; the image is fitted inside, centred.

    Returns
    -------
    QImage
        ``Format_RGB32``. Only QImage and QPainter are used, so a worker thread may call it.
    """
    tile = QImage(size, size, QImage.Format.Format_RGB32)
    tile.fill(QColor("#0b0d0f"))
    painter = QPainter(tile)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if pixels is None:
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "no image")
            return tile
        image = numpy_to_qimage(pixels)
        scale = min(size / image.width(), size / image.height())
        width, height = image.width() * scale, image.height() * scale
        left, top = (size - width) / 2.0, (size - height) / 2.0
        painter.drawImage(QRectF(left, top, width, height), image)
        for d in sorted(defects, key=lambda x: not x.overruled):
            pen = _pen(d)
            pen.setCosmetic(False)
            pen.setWidthF(max(1.0, pen.widthF() * 0.75))
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # Grow tiny defects so a 3 px blemish still shows on a 160 px tile.
            pad = max(_PAD, 4.0 / scale)
            box = d.bbox
            painter.drawRect(
                QRectF(
                    left + (box.x - pad) * scale,
                    top + (box.y - pad) * scale,
                    (box.w + 2 * pad) * scale,
                    (box.h + 2 * pad) * scale,
                )
            )
    finally:
        painter.end()
    return tile


# --- the panel ------------------------------------------------------------------------------


def _table(model: _RowsModel, tooltip: str) -> QTableView:
    view = row_table(model, tooltip)
    view.verticalHeader().setDefaultSectionSize(26)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The last column takes what is left (no needless horizontal scroll bar).
    view.horizontalHeader().setSectionResizeMode(
        model.columnCount() - 1, QHeaderView.ResizeMode.Stretch
    )
    # The desk shows several tables beside the image: a size smaller than the station's.
    font = QFont(view.font())
    font.setPointSize(11)
    view.setFont(font)
    view.horizontalHeader().setFont(font)
    return view


def _caption(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("muted")
    font = QFont(label.font())
    font.setPointSize(10)
    font.setBold(True)
    label.setFont(font)
    return label


class RingPanel(QWidget):
    """A recorded ring: its image with defect boxes, the defect calls, dimensions, reviews.

    Signals
    -------
    defectSelected(int)
        The 1-based index of the defect selected in the table, 0 when none.
    """

    defectSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._record: RingRecord | None = None
        self._selected: int | None = None
        self._user_sized = False

        self._title = QLabel()
        title_font = QFont(self.font())
        title_font.setPointSize(15)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._subtitle = QLabel()
        self._subtitle.setObjectName("muted")
        self._subtitle.setWordWrap(True)
        self._verdicts = VerdictStrip()

        self._image = ImageView(caption="")
        self._image.set_placeholder("No ring selected")
        # The desk's own keys (A, O, N) must reach the view, not toggle the viewer's overlays.
        self._image.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._overlay = _RecordOverlay()
        self._image.scene().addItem(self._overlay)
        self._image.overlaysToggled.connect(self._overlay.setVisible)
        self._legend = QLabel(
            "Box: <b>solid</b> rejects · <i>dotted</i> accepted · "
            "<span style='color:#b8bec6'>dashed grey ✎</span> call overruled by a review"
        )
        self._legend.setObjectName("muted")
        self._legend.setWordWrap(True)  # else its width holds the image side wide open

        self._defects = RingDefectModel(self)
        self._defect_table = _table(
            self._defects,
            "Each defect: the machine's call and the call after review (✎ = overruled; the "
            "machine's call stays, struck through)",
        )
        self._defect_table.selectionModel().selectionChanged.connect(self._on_defect_selection)
        self._no_defects = QLabel("No defects recorded on this ring.")
        self._no_defects.setObjectName("muted")
        self._dimensions = DimensionCheckModel(self)
        self._dimension_table = _table(
            self._dimensions, "Measured against the recipe version the ring was judged with"
        )
        self._dimension_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._dimension_note = QLabel()
        self._dimension_note.setObjectName("muted")
        self._dimension_note.setWordWrap(True)
        self._reviews = RingReviewsModel(self)
        self._review_table = _table(self._reviews, "Every review of this ring, oldest first")
        self._review_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # The reason is what matters: it takes the rest of the width and wraps.
        self._review_table.setWordWrap(True)
        self._review_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self._no_reviews = QLabel("Not reviewed yet.")
        self._no_reviews.setObjectName("muted")

        image = QWidget()
        image_box = QVBoxLayout(image)
        image_box.setContentsMargins(0, 0, 0, 0)
        image_box.addWidget(self._image, 1)
        image_box.addWidget(self._legend)
        dims = QWidget()
        dims_box = QVBoxLayout(dims)
        dims_box.setContentsMargins(0, 0, 0, 0)
        dims_box.setSpacing(4)
        dims_box.addWidget(_caption("Dimensions vs recipe"))
        dims_box.addWidget(self._dimension_table, 1)
        dims_box.addWidget(self._dimension_note)
        self._left = QSplitter(Qt.Orientation.Vertical)
        self._left.addWidget(image)
        self._left.addWidget(dims)

        defects = QWidget()
        defects_box = QVBoxLayout(defects)
        defects_box.setContentsMargins(0, 0, 0, 0)
        defects_box.setSpacing(4)
        defects_box.addWidget(_caption("Defects"))
        defects_box.addWidget(self._defect_table, 1)
        defects_box.addWidget(self._no_defects)
        revs = QWidget()
        revs_box = QVBoxLayout(revs)
        revs_box.setContentsMargins(0, 0, 0, 0)
        revs_box.setSpacing(4)
        revs_box.addWidget(_caption("Reviews"))
        revs_box.addWidget(self._review_table, 1)
        revs_box.addWidget(self._no_reviews)
        self._right = QSplitter(Qt.Orientation.Vertical)
        self._right.addWidget(defects)
        self._right.addWidget(revs)

        # The image beside the defect calls: the engineer compares them.
        self._split = QSplitter(Qt.Orientation.Horizontal)
        self._split.addWidget(self._left)
        self._split.addWidget(self._right)
        for splitter in (self._left, self._right, self._split):
            splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._title)
        layout.addWidget(self._subtitle)
        layout.addWidget(self._verdicts)
        layout.addWidget(self._split, 1)
        for splitter in (self._split, self._left, self._right):
            splitter.splitterMoved.connect(self._splitter_moved)
        self.set_ring(None)

    # --- access ---------------------------------------------------------------------------

    def record(self) -> RingRecord | None:
        """The ring shown, or None."""
        return self._record

    def image_view(self) -> ImageView:
        """The image viewer."""
        return self._image

    def defect_table(self) -> QTableView:
        """The defect table (select a row to pick a defect for review)."""
        return self._defect_table

    def defect_model(self) -> RingDefectModel:
        """The defect table's model."""
        return self._defects

    def dimension_model(self) -> DimensionCheckModel:
        """The dimensions table's model."""
        return self._dimensions

    def reviews_model(self) -> RingReviewsModel:
        """The reviews table's model."""
        return self._reviews

    def verdicts(self) -> VerdictStrip:
        """The machine / final verdict strip."""
        return self._verdicts

    def title(self) -> str:
        """The heading line."""
        return self._title.text()

    def overlay_pen(self, idx: int) -> QPen | None:
        """The pen of defect ``idx``'s box in the overlay (None when not drawn)."""
        item = self._overlay.boxes.get(idx)
        return None if item is None else item.pen()

    def selected_defect(self) -> RingDefect | None:
        """The defect selected in the table, or None."""
        rows = self._defect_table.selectionModel().selectedRows()
        return self._defects.defect_at(rows[0].row()) if rows else None

    def select_defect(self, idx: int | None) -> None:
        """Select defect ``idx`` (1-based) in the table; None clears the selection."""
        row = None if idx is None else self._defects.row_of(idx)
        if row is None:
            self._defect_table.clearSelection()
        else:
            self._defect_table.selectRow(row)

    # --- content --------------------------------------------------------------------------

    def set_ring(
        self,
        record: RingRecord | None,
        pixels: npt.NDArray[np.generic] | None = None,
        *,
        placeholder: str = "No ring selected",
    ) -> None:
        """Show a recorded ring and its decoded image (None clears the panel).

        The defect selection is kept when the same ring is shown again (after a review).
        """
        same = (
            record is not None
            and self._record is not None
            and record.inspection_id == self._record.inspection_id
        )
        keep = self._selected if same else None
        self._record = record
        self._image.set_placeholder(placeholder)
        self._verdicts.set_record(record)
        self._dimensions.set_record(record)
        self._reviews.set_record(record)
        self._defects.set_defects(() if record is None else record.defects)
        if record is None:
            self._title.setText("")
            self._subtitle.setText("")
            self._image.set_image(None)
            self._overlay.show_defects((), None)
            self._selected = None
            self._dimension_note.hide()
            self._no_defects.hide()
            self._no_reviews.hide()
            return
        self._title.setText(f"Lot {record.lot_no} · ring {record.seq} · {record.part}")
        recipe = record.recipe.key if record.recipe is not None else "recipe unreadable"
        self._subtitle.setText(
            f"{when(record.time_utc)} UTC · {record.station} · operator "
            f"{record.operator} · {record.image_name} · {recipe} · grade {record.grade or '—'}"
        )
        if pixels is None:
            self._image.set_placeholder(record.image_problem or "The image is not available")
        self._image.set_image(pixels)
        self._no_defects.setVisible(not record.defects)
        self._no_reviews.setVisible(not record.reviews)
        note = ""
        if not record.dimensions:
            note = "Not measured (no scale)."
        elif not record.dimensions_judged:
            note = "Scale estimated from the nominal CS: dimensions were not judged."
        self._dimension_note.setText(note)
        self._dimension_note.setVisible(bool(note))
        self._selected = None
        self._overlay.show_defects(record.defects, None)
        self.select_defect(keep)

    @Slot(QItemSelection, QItemSelection)
    def _on_defect_selection(self, *_: object) -> None:
        defect = self.selected_defect()
        self._selected = None if defect is None else defect.idx
        if self._record is not None:
            self._overlay.show_defects(self._record.defects, self._selected)
        if defect is not None:
            item = self._overlay.boxes.get(defect.idx)
            if item is not None and not self._image.is_fit():
                self._image.ensureVisible(item, 40, 40)
        self.defectSelected.emit(0 if defect is None else defect.idx)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Share the room out by proportion until the user moves a splitter."""
        super().resizeEvent(event)
        if self._user_sized:
            return
        width, height = max(event.size().width(), 600), max(event.size().height(), 500)
        self._split.setSizes([width * 46 // 100, width - width * 46 // 100])
        self._left.setSizes([height - 270, 270])
        self._right.setSizes([height * 55 // 100, height * 45 // 100])

    @Slot()
    def _splitter_moved(self) -> None:
        self._user_sized = True

    def sizeHint(self) -> QSize:
        """Room for the image and the tables side by side."""
        return QSize(1100, 700)


class RingDialog(QDialog):
    """A recorded ring in its own window: image with defect boxes, calls, dimensions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recorded ring")
        self.panel = RingPanel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.resize(1200, 800)

    def show_ring(self, loaded: LoadedRing) -> None:
        """Show a ring read (and decoded) in the worker, and raise the window."""
        record = loaded.record
        self.panel.set_ring(record, loaded.pixels, placeholder=loaded.problem or "No image")
        self.setWindowTitle(f"Lot {record.lot_no} · ring {record.seq}")
        self.show()
        self.raise_()
