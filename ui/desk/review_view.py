"""The engineer's review queue: each failed or borderline ring of the open lots, oldest first.

The engineer looks at the ring (image with defect boxes, calls, dimensions) and confirms or
overrules its verdict, or a single defect call, always with a reason. Reviews go through
:mod:`inspector.records.reviews`, which writes the review and its audit row in one
transaction; the machine's calls stay recorded beside the reviewed ones.

Keys: **A** confirm the ring's verdict, **O** overrule it, **Shift+A** / **Shift+O** the
same for the defect selected in the defect table, **N** next ring, arrows move in the
queue. A ring leaves the queue once its verdict is reviewed; a defect review alone keeps
it there (the engineer then decides the ring knowingly).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import Permission, User
from inspector.records import reviews
from inspector.records.review_queue import QueueItem, QueueReason, review_queue
from inspector.records.reviews import Review
from inspector.records.rings import LoadedRing, RingRecord, load_ring, with_pixels
from inspector.store import SqliteStore
from ui.desk.common import add_shortcuts, row_table, when
from ui.desk.database import DeskDatabase
from ui.desk.ring_panel import RingPanel, call_text
from ui.models import Index, _RowsModel
from ui.widgets import MessageBar, ok_cancel

__all__ = ["QueueModel", "ReviewReasonDialog", "ReviewView"]

_DISPLAY = Qt.ItemDataRole.DisplayRole
_REJECT = QColor("#ff6b6b")
_OK = QColor("#5fd97a")
_WARN = QColor("#ffc94a")

#: Reasons an engineer often gives, offered in the reason box (any text may be typed).
_RING_CONFIRM = (
    "Defect confirmed on the image",
    "Defect confirmed under the microscope",
    "Dimension confirmed with a caliper",
    "Image clear; no defect near a limit",
)
_RING_TO_PASS = (
    "False call: dust or lint on the ring, not a defect",
    "False call: reflection of the light",
    "Dimension within tolerance when measured with a caliper",
    "Rejecting defect calls overruled; the ring is good",
)
_RING_TO_FAIL = (
    "Defect missed by the machine, seen on the image",
    "Defect near its limit: rejected to be safe",
    "Dimension out of tolerance when measured with a caliper",
)
_DEFECT_CONFIRM = ("Defect confirmed on the image", "Defect confirmed under the microscope")
_DEFECT_TO_ACCEPT = (
    "False call: dust or lint, not a defect",
    "False call: reflection of the light",
    "Within the limit when measured under the microscope",
)
_DEFECT_TO_REJECT = ("Larger than the limit under the microscope", "Defect near its limit")


# --- work for the database thread (module-level: nothing of the GUI crosses over) ------------


def load_ring_with_pixels(store: SqliteStore, inspection_id: int) -> LoadedRing:
    """Read one ring and decode its image (worker side)."""
    return with_pixels(load_ring(store, inspection_id))


def review_ring_work(
    store: SqliteStore, actor: User, lot_no: str, seq: int, verdict: str, reason: str
) -> Review:
    """Review a ring's verdict (worker side)."""
    return reviews.review_ring(store, actor, lot_no, seq, verdict=verdict, reason=reason)


def review_defect_work(
    store: SqliteStore, actor: User, lot_no: str, seq: int, idx: int, reject: bool, reason: str
) -> Review:
    """Review one defect call (worker side)."""
    return reviews.review_defect(store, actor, lot_no, seq, idx, reject=reject, reason=reason)


# --- the queue model -----------------------------------------------------------------------


class QueueModel(_RowsModel):
    """The rings waiting for review: lot, ring, when, the machine's verdict and why."""

    HEADERS = ("Ring · recorded", "Machine", "Why")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[QueueItem] = []

    def set_items(self, items: list[QueueItem]) -> None:
        """Show these queue items (already in queue order)."""
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> QueueItem:
        """The queue item in ``row``."""
        return self._rows[row]

    def row_of(self, inspection_id: int) -> int | None:
        """The row of the ring with this inspection id, or None."""
        return next((i for i, q in enumerate(self._rows) if q.inspection_id == inspection_id), None)

    def items(self) -> list[QueueItem]:
        """Every item, in order."""
        return list(self._rows)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        q = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            if column == 0:
                # Month, day and time: the queue spans days, rarely years (tooltip: full).
                return f"{q.lot_no} #{q.seq}\n{when(q.time_utc)[5:]}"
            if column == 1:
                return q.machine_verdict.upper()
            mark = "✎ " if q.review_outcome else ""
            kind = "Borderline: " if q.reason is QueueReason.BORDERLINE else ""
            more = f"  (+{len(q.why) - 1})" if len(q.why) > 1 else ""
            return f"{mark}{kind}{q.why[0] if q.why else ''}{more}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return _OK if q.machine_verdict == "pass" else _REJECT
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return _WARN if q.reason is QueueReason.BORDERLINE else None
        if role == Qt.ItemDataRole.FontRole and column == 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            head = f"{q.key} ({q.part}), {when(q.time_utc)} UTC: {q.reason.value}" + (
                "; defect calls already reviewed" if q.review_outcome else ""
            )
            return "\n".join([head, *q.why])
        return None


# --- the reason dialog -----------------------------------------------------------------------


class ReviewReasonDialog(QDialog):
    """Asks why: a review is never recorded without a reason.

    The reason box offers common reasons and takes any text; OK stays disabled while it
    is empty.
    """

    def __init__(
        self, parent: QWidget | None, title: str, action: str, suggestions: tuple[str, ...]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        what = QLabel(action)
        what.setWordWrap(True)
        font = QFont(what.font())
        font.setBold(True)
        what.setFont(font)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(list(suggestions))
        self.reason.setCurrentIndex(-1)
        self.reason.setEditText("")
        line = self.reason.lineEdit()
        if line is not None:
            line.setPlaceholderText("Why? Type a reason or pick one (required)")
        self.reason.setToolTip("Recorded with the review and in the audit trail")
        note = QLabel("The reason is recorded with your name and the time in the audit trail.")
        note.setObjectName("muted")
        self.buttons = ok_cancel(self, "Record review", self.accept)
        self.reason.editTextChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(QLabel("Reason"))
        layout.addWidget(self.reason)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._update_ok()

    @Slot()
    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.value()))

    def value(self) -> str:
        """The reason as typed, trimmed."""
        return self.reason.currentText().strip()

    def accept(self) -> None:
        """Close only with a reason."""
        if self.value():
            super().accept()

    @classmethod
    def ask(
        cls, parent: QWidget | None, title: str, action: str, suggestions: tuple[str, ...]
    ) -> str | None:
        """Return the reason given, or None when cancelled."""
        dialog = cls(parent, title, action, suggestions)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.value()


# --- the view ---------------------------------------------------------------------------------


def _button(text: str, tooltip: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.clicked.connect(slot)
    return button


class ReviewView(QWidget):
    """The review queue with the ring under review and the review actions.

    Parameters
    ----------
    db : DeskDatabase
        Every read and review runs in its worker.
    parent : QWidget, optional

    Signals
    -------
    reviewed(object)
        A review was recorded: the core's :class:`~inspector.records.reviews.Review`.
    queueChanged(int)
        The queue was (re)loaded: how many rings wait for review.
    ringShown(int)
        The inspection id of the ring now shown (0 when none).
    """

    reviewed = Signal(object)
    queueChanged = Signal(int)
    ringShown = Signal(int)

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._loaded: LoadedRing | None = None
        self._want: int | None = None  # the inspection id whose ring we are waiting for
        self._reviewing = False
        self._select_after: tuple[int, int] | None = None  # (inspection id, row) to follow

        title = QLabel("Review queue")
        title_font = QFont(title.font())
        title_font.setPointSize(17)
        title_font.setBold(True)
        title.setFont(title_font)
        self._count = QLabel()
        self._count.setObjectName("muted")
        self._busy = QLabel("Loading…")
        self._busy.setObjectName("muted")
        self._busy.hide()
        self._refresh_button = _button("Refresh", "Read the queue again (F5)", self.refresh)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self._count)
        header.addStretch(1)
        header.addWidget(self._busy)
        header.addWidget(self._refresh_button)

        self._messages = MessageBar()

        self._model = QueueModel(self)
        self._table = row_table(
            self._model,
            "Failed or borderline rings of open lots not reviewed yet, oldest first "
            "(↑/↓ or N for the next ring; ✎: defect calls already reviewed)",
        )
        # Two lines per ring: the first reason is what the engineer reads to pick one.
        self._table.setWordWrap(True)
        self._table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._table.verticalHeader().setDefaultSectionSize(46)
        small = QFont(self._table.font())
        small.setPointSize(11)
        self._table.setFont(small)
        self._table.horizontalHeader().setFont(small)
        self._table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._table.selectionModel().selectionChanged.connect(self._on_selection)
        self._empty = QLabel()
        self._empty.setObjectName("muted")
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.hide()

        queue_box = QWidget()
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self._table, 1)
        queue_layout.addWidget(self._empty, 1)

        self._panel = RingPanel()
        self._panel.defectSelected.connect(self._update_actions)

        self._confirm_ring = _button(
            "Confirm ring (A)",
            "Confirm the ring's verdict as it stands (A); a reason is asked",
            self.confirm_ring,
        )
        self._confirm_ring.setObjectName("primary")
        self._overrule_ring = _button(
            "Overrule ring (O)",
            "Change the ring's verdict (O); the machine's verdict stays recorded",
            self.overrule_ring,
        )
        self._confirm_defect = _button(
            "Confirm defect (Shift+A)",
            "Confirm the call on the defect selected in the table (Shift+A)",
            self.confirm_defect,
        )
        self._overrule_defect = _button(
            "Overrule defect (Shift+O)",
            "Change the call on the defect selected in the table (Shift+O); the machine's "
            "call stays recorded and is shown struck through",
            self.overrule_defect,
        )
        self._next = _button("Next (N)", "Show the next ring in the queue (N)", self.next_ring)
        self._read_only = QLabel()
        self._read_only.setObjectName("muted")
        self._read_only.setWordWrap(True)
        actions = QFrame()
        actions.setObjectName("panel")
        bar = QHBoxLayout(actions)
        bar.setContentsMargins(10, 6, 10, 6)
        self._ring_caption = QLabel("RING")
        self._defect_caption = QLabel("DEFECT")
        for caption in (self._ring_caption, self._defect_caption):
            caption.setObjectName("muted")
        bar.addWidget(self._ring_caption)
        for widget in (self._confirm_ring, self._overrule_ring):
            bar.addWidget(widget)
        bar.addSpacing(24)
        bar.addWidget(self._defect_caption)
        for widget in (self._confirm_defect, self._overrule_defect):
            bar.addWidget(widget)
        bar.addWidget(self._read_only, 1)
        bar.addStretch(0)
        bar.addWidget(self._next)
        self._review_buttons = (
            self._confirm_ring,
            self._overrule_ring,
            self._confirm_defect,
            self._overrule_defect,
        )

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(queue_box)
        split.addWidget(self._panel)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        self._split = split
        self._user_sized = False
        split.splitterMoved.connect(self._splitter_moved)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(header)
        layout.addWidget(self._messages)
        layout.addWidget(split, 1)
        layout.addWidget(actions)

        self._shortcuts = add_shortcuts(
            self,
            (
                ("A", self.confirm_ring),
                ("O", self.overrule_ring),
                ("Shift+A", self.confirm_defect),
                ("Shift+O", self.overrule_defect),
                ("N", self.next_ring),
                ("F5", self.refresh),
            ),
        )

        db.busyChanged.connect(self._busy.setVisible)
        self.set_user(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Give the queue about a third of the width until the user moves the splitter."""
        super().resizeEvent(event)
        if not self._user_sized:
            width = max(event.size().width(), 900)
            queue = min(460, width * 32 // 100)
            self._split.setSizes([queue, width - queue])

    @Slot()
    def _splitter_moved(self) -> None:
        self._user_sized = True

    # --- state for tests and the main window -------------------------------------------------

    def queue_model(self) -> QueueModel:
        """The queue's model."""
        return self._model

    def queue_table(self) -> QTableView:
        """The queue's table."""
        return self._table

    def panel(self) -> RingPanel:
        """The ring panel."""
        return self._panel

    def message(self) -> str:
        """The message shown to the user ("" when none)."""
        return self._messages.text()

    def empty_text(self) -> str:
        """The empty-state text ("" while the queue has rings)."""
        return self._empty.text() if not self._empty.isHidden() else ""

    def current_item(self) -> QueueItem | None:
        """The queue item selected, or None."""
        rows = self._table.selectionModel().selectedRows()
        return self._model.item_at(rows[0].row()) if rows else None

    def current_record(self) -> RingRecord | None:
        """The ring shown, once loaded for the selected queue item."""
        item = self.current_item()
        loaded = self._loaded
        if item is None or loaded is None or loaded.record.inspection_id != item.inspection_id:
            return None
        return loaded.record

    def can_review(self) -> bool:
        """True when the signed-in user may review (engineers)."""
        return self._user is not None and self._user.can(Permission.REVIEW)

    def action_buttons(self) -> dict[str, QPushButton]:
        """The action buttons by name (for tests)."""
        return {
            "confirm_ring": self._confirm_ring,
            "overrule_ring": self._overrule_ring,
            "confirm_defect": self._confirm_defect,
            "overrule_defect": self._overrule_defect,
            "next": self._next,
        }

    # --- the contract -------------------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Apply the role (only engineers review; others read), then refresh."""
        self._user = user
        review = self.can_review()
        for widget in (*self._review_buttons, self._ring_caption, self._defect_caption):
            widget.setVisible(review)
        for keys in ("A", "O", "Shift+A", "Shift+O"):
            self._shortcuts[keys].setEnabled(review)
        if user is None:
            self._read_only.setText("")
            self._model.set_items([])
            self._show_ring(None)
            self._set_empty("Sign in to see the review queue.")
            self._count.setText("")
            return
        self._read_only.setText(
            ""
            if review
            else f"Read-only: {user.full_name} is {user.role.value}; reviews are taken by "
            "quality engineers."
        )
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the queue again in the worker; the selected ring stays selected if queued."""
        if self._user is None:
            return
        item = self.current_item()
        if item is not None and self._select_after is None:
            self._select_after = (item.inspection_id, self._table.currentIndex().row())
        self._db.call(review_queue, self._on_queue, self._show_error)

    # --- loading -----------------------------------------------------------------------------

    def _on_queue(self, items: list[QueueItem]) -> None:
        follow = self._select_after
        self._select_after = None
        self._model.set_items(items)
        lots = len({q.lot_no for q in items})
        self._count.setText(
            f"{len(items)} ring{'s' if len(items) != 1 else ''} to review"
            + (f" in {lots} open lot{'s' if lots != 1 else ''}" if items else "")
        )
        if not items:
            self._set_empty(
                "Nothing to review: every failed or borderline ring of the open lots has "
                "been reviewed."
            )
            self._show_ring(None)
        else:
            self._set_empty("")
            row = 0
            if follow is not None:
                same = self._model.row_of(follow[0])
                row = same if same is not None else min(follow[1], len(items) - 1)
            self._select_row(row)
        self.queueChanged.emit(len(items))

    def _set_empty(self, text: str) -> None:
        self._empty.setText(text)
        self._empty.setVisible(bool(text))
        self._table.setVisible(not text)

    def _select_row(self, row: int) -> None:
        index = self._model.index(row, 0)
        self._table.setCurrentIndex(index)
        self._table.selectRow(row)
        self._table.scrollTo(index)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, *_: object) -> None:
        item = self.current_item()
        if item is None:
            # A reload clears the selection for a moment; keep the ring shown until the
            # queue says what to select (an empty queue clears the panel itself).
            return
        # The same ring is read again after a refresh too, so new reviews show.
        self._want = item.inspection_id
        self._update_actions()
        self._db.call(
            functools.partial(load_ring_with_pixels, inspection_id=item.inspection_id),
            self._on_ring,
            self._show_error,
        )

    def _on_ring(self, loaded: LoadedRing) -> None:
        if loaded.record.inspection_id != self._want:
            return  # the engineer moved on before this ring arrived
        self._show_ring(loaded)

    def _show_ring(self, loaded: LoadedRing | None) -> None:
        self._loaded = loaded
        if loaded is None:
            self._want = None
            self._panel.set_ring(None, placeholder="No ring selected")
        else:
            self._panel.set_ring(
                loaded.record, loaded.pixels, placeholder=loaded.problem or "No image"
            )
            if loaded.problem:
                self._messages.show_error(loaded.problem)
        self._update_actions()
        self.ringShown.emit(0 if loaded is None else loaded.record.inspection_id)

    @Slot()
    @Slot(int)
    def _update_actions(self, *_: object) -> None:
        record = self.current_record()
        ready = record is not None and not self._reviewing and self.can_review()
        defect = self._panel.selected_defect() if record is not None else None
        self._confirm_ring.setEnabled(ready)
        self._overrule_ring.setEnabled(ready)
        self._confirm_defect.setEnabled(ready and defect is not None)
        self._overrule_defect.setEnabled(ready and defect is not None)
        self._next.setEnabled(self._model.rowCount() > 0)
        if record is not None:
            now = record.final_verdict.upper()
            other = "PASS" if record.final_verdict == "fail" else "FAIL"
            self._confirm_ring.setText(f"Confirm {now} (A)")
            self._overrule_ring.setText(f"Overrule → {other} (O)")
        else:
            self._confirm_ring.setText("Confirm ring (A)")
            self._overrule_ring.setText("Overrule ring (O)")
        if defect is not None:
            self._confirm_defect.setText(f"Confirm #{defect.idx} (Shift+A)")
            self._overrule_defect.setText(
                f"#{defect.idx} → {call_text(not defect.final_reject)} (Shift+O)"
            )
        else:
            self._confirm_defect.setText("Confirm defect (Shift+A)")
            self._overrule_defect.setText("Overrule defect (Shift+O)")

    # --- actions ------------------------------------------------------------------------------

    @Slot()
    def next_ring(self) -> None:
        """Select the next ring in the queue (the first when none is selected)."""
        count = self._model.rowCount()
        if count == 0:
            return
        current = self._table.currentIndex()
        row = current.row() + 1 if current.isValid() else 0
        if row >= count:
            self._messages.show_info("That was the last ring in the queue.")
            return
        self._select_row(row)

    @Slot()
    def confirm_ring(self) -> None:
        """Confirm the shown ring's verdict, with a reason."""
        record = self._ready_record()
        if record is not None:
            self._review_ring(record, record.final_verdict)

    @Slot()
    def overrule_ring(self) -> None:
        """Turn the shown ring's verdict over (fail → pass, pass → fail), with a reason."""
        record = self._ready_record()
        if record is not None:
            self._review_ring(record, "pass" if record.final_verdict == "fail" else "fail")

    @Slot()
    def confirm_defect(self) -> None:
        """Confirm the call on the selected defect, with a reason."""
        self._review_defect(overrule=False)

    @Slot()
    def overrule_defect(self) -> None:
        """Turn the call on the selected defect over, with a reason."""
        self._review_defect(overrule=True)

    def _ready_record(self) -> RingRecord | None:
        if not self.can_review() or self._reviewing:
            return None
        record = self.current_record()
        if record is None:
            self._messages.show_info("Select a ring in the queue first.")
        return record

    def _review_ring(self, record: RingRecord, verdict: str) -> None:
        assert self._user is not None  # _ready_record checked the role
        confirming = verdict == record.final_verdict
        action = (
            f"Confirm ring {record.seq} of lot {record.lot_no}: {verdict.upper()}"
            if confirming
            else f"Overrule ring {record.seq} of lot {record.lot_no}: "
            f"{record.final_verdict.upper()} → {verdict.upper()}"
        )
        suggestions = (
            _RING_CONFIRM if confirming else _RING_TO_PASS if verdict == "pass" else _RING_TO_FAIL
        )
        reason = self._ask_reason(
            "Confirm ring" if confirming else "Overrule ring", action, suggestions
        )
        if reason is None:
            return
        self._submit_review(
            record,
            functools.partial(
                review_ring_work,
                actor=self._user,
                lot_no=record.lot_no,
                seq=record.seq,
                verdict=verdict,
                reason=reason,
            ),
        )

    def _review_defect(self, *, overrule: bool) -> None:
        record = self._ready_record()
        if record is None:
            return
        assert self._user is not None
        defect = self._panel.selected_defect()
        if defect is None:
            self._messages.show_info("Select a defect in the defect table first.")
            return
        reject = defect.final_reject != overrule
        now, new = call_text(defect.final_reject), call_text(reject)
        name = defect.type.replace("_", "-")
        action = (
            f"Confirm defect #{defect.idx} ({name}) of ring {record.seq}, lot {record.lot_no}: "
            f"{now}"
            if not overrule
            else f"Overrule defect #{defect.idx} ({name}) of ring {record.seq}, lot "
            f"{record.lot_no}: {now} → {new}"
        )
        suggestions = (
            _DEFECT_CONFIRM if not overrule else _DEFECT_TO_REJECT if reject else _DEFECT_TO_ACCEPT
        )
        reason = self._ask_reason(
            "Overrule defect" if overrule else "Confirm defect", action, suggestions
        )
        if reason is None:
            return
        self._submit_review(
            record,
            functools.partial(
                review_defect_work,
                actor=self._user,
                lot_no=record.lot_no,
                seq=record.seq,
                idx=defect.idx,
                reject=reject,
                reason=reason,
            ),
        )

    def _ask_reason(self, title: str, action: str, suggestions: tuple[str, ...]) -> str | None:
        reason = ReviewReasonDialog.ask(self, title, action, suggestions)
        if reason is None:
            return None
        if not reason.strip():
            self._messages.show_error("A review needs a reason; nothing was recorded.")
            return None
        return reason.strip()

    def _submit_review(self, record: RingRecord, work: Callable[[SqliteStore], Review]) -> None:
        """Record a review in the worker; the queue then follows the ring (or its row)."""
        self._reviewing = True
        self._update_actions()
        self._select_after = (record.inspection_id, self._table.currentIndex().row())
        self._db.call(work, self._on_reviewed, self._on_review_failed)

    def _on_reviewed(self, review: Review) -> None:
        self._reviewing = False
        what = "ring" if review.defect_idx is None else f"defect #{review.defect_idx} of ring"
        self._messages.show_info(
            f"{review.outcome.capitalize()}: {what} {review.seq} of lot {review.lot_no}, "
            f"{review.old_value} → {review.new_value}."
            if review.outcome == "overruled"
            else f"Confirmed: {what} {review.seq} of lot {review.lot_no}, {review.new_value}."
        )
        self.reviewed.emit(review)
        self.refresh()

    def _on_review_failed(self, message: str) -> None:
        self._reviewing = False
        self._show_error(message)
        self._update_actions()
        # Another desk may have reviewed the ring or disposed its lot: show the queue as it is.
        self.refresh()

    def _show_error(self, message: str) -> None:
        self._messages.show_error(message)
