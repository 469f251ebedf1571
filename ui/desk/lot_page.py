"""One lot's page: its summary, plan and progress, history, rings and dimension charts.

:class:`LotPageWidget` only shows a :class:`~inspector.records.lot_summary.LotPage` (read in
the desk's worker by :class:`ui.desk.lots_view.LotsView`) and offers the actions the signed-in
user's role allows for the lot's state; the view runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import Permission, Role, User
from inspector.certificates.model import dimension_stats
from inspector.records.lot_summary import LotPage, RingRow, Tolerance
from ui.desk.common import when
from ui.models import Index, _RowsModel, mm_text
from ui.theme import BORDER, MUTED, PANEL, TEXT

__all__ = [
    "SORT_ROLE",
    "DimensionCharts",
    "LotEventsModel",
    "LotPageWidget",
    "RingTableModel",
    "status_words",
    "when",
]

#: Role that gives a column's value for sorting (numbers as numbers, None first).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FAIL = QColor("#ff6b6b")
_PASS = QColor("#5fd97a")
_WARN = QColor("#ffc94a")
_OVERRULED = QColor("#c792ea")
_VERDICT_COLOURS = {"pass": _PASS, "fail": _FAIL, "error": _WARN}
#: Status chip colours (background) with the words always spelled out.
STATUS_COLOURS = {"open": "#2f5d8c", "disposed": "#8a6d1d", "signed": "#1f6f3a"}


def status_words(status: str, disposition: str | None) -> str:
    """``"signed · sorted"``, ``"open"``."""
    return f"{status} · {disposition}" if disposition else status


class RingTableModel(_RowsModel):
    """The rings of a lot: number, time, machine and final verdict, review, defects, ID, CS."""

    HEADERS = (
        "#",
        "Time UTC",
        "Machine",
        "Final",
        "Review",
        "ID mm",
        "CS mm",
        "Rejecting defects",
        "Other defects",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[RingRow, ...] = ()
        self._id: Tolerance | None = None
        self._cs: Tolerance | None = None

    def set_page(self, page: LotPage | None) -> None:
        """Show the rings of ``page`` (None clears)."""
        self.beginResetModel()
        self._rows = () if page is None else page.rings
        self._id = None if page is None else page.id_tolerance
        self._cs = None if page is None else page.cs_tolerance
        self.endResetModel()

    def ring_at(self, row: int) -> RingRow:
        """The ring shown in ``row`` of this model."""
        return self._rows[row]

    def _out(self, column: int, ring: RingRow) -> bool:
        value, tol = (ring.id_mm, self._id) if column == 5 else (ring.cs_mm, self._cs)
        return value is not None and tol is not None and not tol.contains(value)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        ring = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return (
                str(ring.seq),
                ring.time_utc[11:19],  # the date is in the tooltip and the lot's history
                ring.verdict.upper(),
                ring.final_verdict.upper(),
                ring.review_outcome or "",
                mm_text(ring.id_mm, 3),
                mm_text(ring.cs_mm, 3),
                ", ".join(ring.rejecting),
                ", ".join(ring.other_defects),
            )[column]
        if role == SORT_ROLE:
            return (
                ring.seq,
                ring.time_utc,
                ring.verdict,
                ring.final_verdict,
                ring.review_outcome or "",
                -1.0 if ring.id_mm is None else ring.id_mm,
                -1.0 if ring.cs_mm is None else ring.cs_mm,
                ", ".join(ring.rejecting),
                ", ".join(ring.other_defects),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 2:
                return _VERDICT_COLOURS.get(ring.verdict)
            if column == 3:
                return _VERDICT_COLOURS.get(ring.final_verdict)
            if column == 4 and ring.review_outcome == "overruled":
                return _OVERRULED
            if column == 7:
                return _FAIL
            if column in (5, 6) and self._out(column, ring):
                return _FAIL
            return None
        if role == Qt.ItemDataRole.FontRole and column == 3 and ring.final_verdict != "pass":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 5, 6):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            if ring.error:
                return f"{ring.image_name}: not judged — {ring.error}"
            if column == 1:
                return f"{ring.time_utc} — {ring.image_name}"
            if column in (5, 6):
                tol = self._id if column == 5 else self._cs
                if tol is not None:
                    state = "OUT OF TOLERANCE" if self._out(column, ring) else "in tolerance"
                    return f"{tol.nominal:.3f} ± {tol.tolerance:.3f} mm: {state}"
            if column == 4 and ring.review_outcome == "overruled":
                return "An engineer overruled the machine's call"
            return ring.image_name
        return None


@dataclass(frozen=True)
class LotEvent:
    """One step in a lot's life: a disposition, a signature or a certificate."""

    time_utc: str
    what: str
    who: str
    detail: str


class LotEventsModel(_RowsModel):
    """The lot's history, oldest first: opened, dispositions, signatures, certificates."""

    HEADERS = ("When (UTC)", "Event", "By", "Detail")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[LotEvent, ...] = ()

    def set_page(self, page: LotPage | None) -> None:
        """Show the history of ``page`` (None clears)."""
        self.beginResetModel()
        self._rows = () if page is None else self.events(page)
        self.endResetModel()

    @staticmethod
    def events(page: LotPage) -> tuple[LotEvent, ...]:
        """The lot's events in time order."""
        lot = page.lot
        events = [LotEvent(lot.created_utc, "opened", lot.created_by, page.plan)]
        for d in page.dispositions:
            counts = f"{d.inspected} inspected, {d.nonconforming} nonconforming"
            events.append(
                LotEvent(
                    d.time_utc,
                    f"disposed: {d.decision}",
                    d.by,
                    f"{counts}; {d.reason}" if d.reason else counts,
                )
            )
        for s in page.signatures:
            events.append(
                LotEvent(
                    s.time_utc,
                    f"signed: {s.meaning}",
                    f"{s.printed_name} ({s.role})",
                    f"records hash {s.content_sha256[:16]}…",
                )
            )
        for c in page.certificates:
            events.append(
                LotEvent(
                    c.issued_utc,
                    f"certificate {c.number}",
                    c.issued_by,
                    f"PDF sha256 {c.pdf_sha256[:16]}…",
                )
            )
        return tuple(sorted(events, key=lambda e: e.time_utc))

    def event_at(self, row: int) -> LotEvent:
        """The event shown in ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        if role == _DISPLAY:
            return (when(event.time_utc), event.what, event.who, event.detail)[index.column()]
        if role == SORT_ROLE:
            return (event.time_utc, event.what, event.who, event.detail)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{event.time_utc}: {event.what} by {event.who}\n{event.detail}"
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            if event.what.startswith("signed: rejected") or event.what.endswith("reject"):
                return _FAIL
            if event.what.startswith(("signed", "certificate")):
                return _PASS
        return None


class DimensionCharts(QWidget):
    """Histograms of a lot's ID and CS against the recipe's tolerance, drawn with matplotlib.

    The same reading as the certificate's histograms (tolerance band shaded, limits solid,
    nominal dashed), in the desk's dark colours; n, mean and Cpk in each title.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(5.0, 5.0), dpi=96, facecolor=PANEL)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(320, 300)
        self.canvas.setAccessibleName("Histograms of ID and CS")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.titles: tuple[str, ...] = ()
        self.plot(None)

    def plot(self, page: LotPage | None) -> None:
        """Draw the histograms of ``page`` (None: an empty figure with a note)."""
        self.figure.clear()
        if page is None:
            self.titles = ()
            self.canvas.draw_idle()
            return
        axes = self.figure.subplots(2, 1)
        titles = []
        for ax, name, values, tol in (
            (axes[0], "ID", page.id_values, page.id_tolerance),
            (axes[1], "CS", page.cs_values, page.cs_tolerance),
        ):
            titles.append(self._histogram(ax, name, values, tol))
        self.titles = tuple(titles)
        self.figure.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.09, hspace=0.55)
        self.canvas.draw_idle()

    @staticmethod
    def _histogram(ax: Any, name: str, values: tuple[float, ...], tol: Tolerance) -> str:
        lsl, usl = tol.lsl, tol.usl
        span = usl - lsl
        lo = min([lsl - 0.25 * span, *values])
        hi = max([usl + 0.25 * span, *values])
        ax.set_facecolor(PANEL)
        ax.axvspan(lsl, usl, color="#27452f", zorder=0)
        if values:
            bins = max(5, min(40, round(len(values) ** 0.5 * 2)))
            _counts, edges, patches = ax.hist(
                values, bins=bins, range=(lo, hi), color="#4aa3ff", edgecolor=PANEL, zorder=2
            )
            for left, right, patch in zip(edges[:-1], edges[1:], patches, strict=True):
                if not tol.contains((left + right) / 2):
                    patch.set_facecolor("#ff6b6b")  # rings out of tolerance stand out
        for limit in (lsl, usl):
            ax.axvline(limit, color="#5fd97a", linewidth=1.3, zorder=3)
        ax.axvline(tol.nominal, color=MUTED, linewidth=0.9, linestyle="--", zorder=3)
        ax.set_xlim(lo, hi)
        stats = dimension_stats(values, lsl=lsl, usl=usl)
        if stats.n == 0:
            title = f"{name}: no measured rings"
        else:
            cpk = "n/a" if stats.cpk is None else f"{stats.cpk:.2f}"
            title = f"{name}  n {stats.n}, mean {stats.mean:.3f} mm, Cpk {cpk}"
        ax.set_title(title, loc="left", color=TEXT, fontsize=9)
        ax.set_xlabel(
            f"{name} mm  (tolerance {tol.nominal:.2f} ± {tol.tolerance:.2f})",
            color=MUTED,
            fontsize=8,
        )
        ax.set_ylabel("rings", color=MUTED, fontsize=8)
        ax.tick_params(colors=MUTED, labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for side, spine in ax.spines.items():
            spine.set_visible(side in ("left", "bottom"))
            spine.set_color(BORDER)
        for x, label in ((lsl, "LSL"), (usl, "USL")):
            ax.text(
                x,
                1.0,
                f" {label}",
                transform=ax.get_xaxis_transform(),
                color="#5fd97a",
                fontsize=7,
                va="top",
            )
        return title


def dense_table(model: Any) -> QTableView:
    """A read-only, row-selecting, sortable table over ``model`` in a smaller font.

    The station's large type is for reading at a metre; desk tables are read up close and
    need the columns. Columns fit their text whenever the model is reset (see
    :func:`fit_columns`); the person may resize them, and the last one stretches.
    """
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    font = QFont(view.font())
    font.setPointSize(max(9, font.pointSize() - 2))
    view.setFont(font)
    # The theme styles header sections, so their size is set the same way.
    view.setStyleSheet(
        f"QHeaderView::section {{ font-size: {font.pointSize()}pt; padding: 3px 6px; }}"
    )
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setMinimumSectionSize(28)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    model.modelReset.connect(lambda: fit_columns(view))
    return view


def fit_columns(view: QTableView, *, max_rows: int = 200) -> None:
    """Size each column to its header and the text of its first ``max_rows`` rows.

    Qt's own fit reserves room for a sort arrow in every header, which costs a dozen
    columns their last one's space; this measures the text alone.
    """
    model = view.model()
    cells = view.fontMetrics()
    bold = QFont(view.font())
    bold.setBold(True)
    heads = QFontMetrics(bold)
    for column in range(model.columnCount() - 1):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = heads.horizontalAdvance(title) + 18
        for row in range(min(model.rowCount(), max_rows)):
            text = model.index(row, column).data()
            if text:
                width = max(width, cells.horizontalAdvance(str(text)) + 14)
        view.setColumnWidth(column, min(width, 320))


def _table(model: Any) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return dense_table(proxy), proxy


class LotPageWidget(QWidget):
    """The page of one lot, with the actions its state and the user's role allow.

    Signals
    -------
    disposeRequested(str)
        Lot number: record its disposition (engineer).
    signRequested(str, str)
        Lot number and meaning (``approved``, ``rejected``, ``reviewed``).
    certificateRequested(str)
        Lot number: issue its certificate (manager).
    ringRequested(str, int)
        Lot number and ring number: show that ring (double-click or Enter on it).
    correctionRequested(str)
        Lot number: correct a signed lot's disposition with a new record (engineer).
    """

    disposeRequested = Signal(str)
    signRequested = Signal(str, str)
    certificateRequested = Signal(str)
    ringRequested = Signal(str, int)
    correctionRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: LotPage | None = None
        self._user: User | None = None

        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.title.setFont(font)
        self.chip = QLabel()
        self.chip.setAccessibleName("Lot status")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setObjectName("muted")
        self.state.setAccessibleName("What the lot needs next")

        self.dispose_button = QPushButton("&Dispose…")
        self.dispose_button.setShortcut("Ctrl+D")
        self.review_button = QPushButton("Sign as re&viewed…")
        self.review_button.setShortcut("Ctrl+Shift+W")
        self.approve_button = QPushButton("&Approve…")
        self.approve_button.setShortcut("Ctrl+Shift+A")
        self.reject_button = QPushButton("&Reject…")
        self.reject_button.setShortcut("Ctrl+Shift+R")
        self.certificate_button = QPushButton("Issue &certificate…")
        self.certificate_button.setShortcut("Ctrl+Shift+C")
        self.correct_button = QPushButton("C&orrect disposition…")
        self.correct_button.setShortcut("Ctrl+Shift+D")
        self.dispose_button.clicked.connect(self._dispose)
        self.correct_button.clicked.connect(self._correct)
        self.review_button.clicked.connect(lambda: self._sign("reviewed"))
        self.approve_button.clicked.connect(lambda: self._sign("approved"))
        self.reject_button.clicked.connect(lambda: self._sign("rejected"))
        self.certificate_button.clicked.connect(self._certificate)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.chip)
        header.addStretch(1)
        for button in self.action_buttons():
            header.addWidget(button)

        # Summary: every LotSpec field, the recipe snapshot and the grade.
        self.fields: dict[str, QLabel] = {}
        summary = QGroupBox("Lot")
        form = QFormLayout(summary)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in (
            ("part", "Part"),
            ("recipe", "Recipe"),
            ("grade", "Grade"),
            ("customer", "Customer"),
            ("po", "PO / line"),
            ("quantity", "Quantity"),
            ("compound", "Compound"),
            ("batch", "Batch"),
            ("cure", "Cure quarter"),
            ("mould", "Mould / cavity"),
            ("created", "Opened (UTC)"),
        ):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.fields[key] = value
            form.addRow(label, value)

        plan_box = QGroupBox("Plan and progress")
        plan_layout = QVBoxLayout(plan_box)
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Rings inspected of those required")
        self.progress = QLabel()
        self.progress.setWordWrap(True)
        plan_layout.addWidget(self.plan)
        plan_layout.addWidget(self.progress_bar)
        plan_layout.addWidget(self.progress)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(plan_box)
        left_layout.addWidget(summary)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(290)

        self.rings = RingTableModel(self)
        self.rings_view, self.rings_proxy = _table(self.rings)
        self.rings_view.setAccessibleName("Rings of the lot")
        self.rings_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.rings_view.setToolTip("Double-click a ring (or press Enter) to see its image")
        self.rings_view.activated.connect(self._ring_activated)
        self.events = LotEventsModel(self)
        self.events_view, self.events_proxy = _table(self.events)
        self.events_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.events_view.setAccessibleName("History of the lot")
        self.events_view.setMaximumHeight(170)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(4, 0, 4, 0)
        rings_label = QLabel("Rings")
        rings_label.setObjectName("muted")
        history_label = QLabel("History: dispositions, signatures, certificates")
        history_label.setObjectName("muted")
        middle_layout.addWidget(rings_label)
        middle_layout.addWidget(self.rings_view, 1)
        middle_layout.addWidget(history_label)
        middle_layout.addWidget(self.events_view)

        self.charts = DimensionCharts()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(middle)
        split.addWidget(self.charts)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([300, 740, 360])
        split.setChildrenCollapsible(False)
        self.content = split

        self.empty = QLabel("Select a lot in the list to see its page.")
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.state)
        layout.addWidget(self.content, 1)
        layout.addWidget(self.empty, 1)
        self.set_page(None)

    def action_buttons(self) -> tuple[QPushButton, ...]:
        """The lot's action buttons, in the order shown."""
        return (
            self.dispose_button,
            self.correct_button,
            self.review_button,
            self.approve_button,
            self.reject_button,
            self.certificate_button,
        )

    @Slot(QModelIndex)
    def _ring_activated(self, index: QModelIndex) -> None:
        if self.page is None or not index.isValid():
            return
        ring = self.rings.ring_at(self.rings_proxy.mapToSource(index).row())
        self.ringRequested.emit(self.page.lot.lot_no, ring.seq)

    def lot_no(self) -> str | None:
        """The lot shown, or None."""
        return None if self.page is None else self.page.lot.lot_no

    def set_user(self, user: User | None) -> None:
        """Offer only what ``user``'s role may do (the core checks again)."""
        self._user = user
        self._update_actions()

    def set_page(self, page: LotPage | None) -> None:
        """Show ``page`` (None: the empty state)."""
        self.page = page
        self.rings.set_page(page)
        self.events.set_page(page)
        self.charts.plot(page)
        self.content.setVisible(page is not None)
        self.empty.setVisible(page is None)
        self.title.setVisible(page is not None)
        self.chip.setVisible(page is not None)
        self.state.setVisible(page is not None)
        if page is None:
            self._update_actions()
            return
        lot, prog = page.lot, page.progress
        self.title.setText(f"Lot {lot.lot_no}")
        self.chip.setText(f"  {status_words(lot.status, lot.disposition).upper()}  ")
        self.chip.setStyleSheet(
            f"background: {STATUS_COLOURS.get(lot.status, PANEL)}; color: {TEXT};"
            " border-radius: 4px; font-weight: 700; padding: 2px 6px;"
        )
        self.state.setText(self.next_step())
        values = {
            "part": lot.part,
            "recipe": f"{lot.recipe.key}",
            "grade": lot.grade,
            "customer": lot.customer or "—",
            "po": (f"{lot.po} / {lot.po_line}" if lot.po_line else lot.po) or "—",
            "quantity": f"{lot.quantity} rings",
            "compound": lot.compound or "—",
            "batch": lot.compound_batch or "—",
            "cure": lot.cure_quarter or "—",
            "mould": f"{lot.mould or '—'} / {lot.cavity or '—'}",
            "created": f"{when(lot.created_utc)} by {lot.created_by}",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.fields["recipe"].setToolTip(f"recipe snapshot sha256 {lot.recipe_sha256}")
        self.plan.setText(page.plan)
        self.progress_bar.setRange(0, max(prog.required, 1))
        self.progress_bar.setValue(min(prog.inspected, prog.required))
        self.progress_bar.setFormat(f"{prog.inspected} / {prog.required}")
        self.progress.setText(prog.describe())
        self._update_actions()

    def next_step(self) -> str:
        """Where the lot stands and what it needs next, in words."""
        if self.page is None:
            return ""
        lot, prog = self.page.lot, self.page.progress
        finals = [s for s in self.page.signatures if s.meaning != "reviewed"]
        if lot.status == "open":
            if prog.decision is None:
                return f"Open: {prog.describe()}. The plan has not decided yet."
            return (
                f"Inspection complete ({prog.describe()}). Next: an engineer records the "
                "disposition."
            )
        if lot.status == "disposed":
            d = self.page.dispositions[-1] if self.page.dispositions else None
            by = f" by {d.by} on {when(d.time_utc)} UTC" if d else ""
            return f"Disposed {lot.disposition}{by}. Next: a manager signs it (approve or reject)."
        last = finals[-1] if finals else None
        signed = (
            f"Signed {last.meaning} by {last.printed_name} on {when(last.time_utc)} UTC"
            if last
            else "Signed"
        )
        if self.page.certificates:
            numbers = ", ".join(c.number for c in self.page.certificates)
            return f"{signed}. Certificate {numbers} issued."
        if last is not None and last.meaning == "approved" and lot.disposition != "reject":
            return f"{signed}. Next: issue its certificate of conformance."
        return f"{signed}. A rejected lot gets no certificate."

    def _update_actions(self) -> None:
        user, page = self._user, self.page
        role_may = {
            self.dispose_button: user is not None and user.can(Permission.DISPOSE),
            self.review_button: user is not None and user.role is Role.ENGINEER,
            self.approve_button: user is not None and user.can(Permission.SIGN),
            self.reject_button: user is not None and user.can(Permission.SIGN),
            self.certificate_button: user is not None and user.can(Permission.ISSUE_CERTIFICATE),
            # Only on a signed lot, where dispose no longer applies.
            self.correct_button: user is not None
            and user.can(Permission.DISPOSE)
            and page is not None
            and page.lot.status == "signed",
        }
        why: dict[QPushButton, str] = {}
        if page is None:
            why = dict.fromkeys(role_may, "Select a lot first")
        else:
            lot, prog = page.lot, page.progress
            finals = [s for s in page.signatures if s.meaning != "reviewed"]
            if lot.status != "open":
                why[self.dispose_button] = f"Already disposed ({lot.disposition})"
            elif prog.decision is None:
                why[self.dispose_button] = f"The plan has not decided yet: {prog.describe()}"
            for button in (self.review_button, self.approve_button, self.reject_button):
                if lot.status == "open":
                    why[button] = "Record the disposition first"
                elif lot.status == "signed":
                    why[button] = "Already signed; a correction needs a new disposition"
            if lot.status == "disposed" and lot.disposition == "reject":
                why[self.approve_button] = "A rejected lot cannot be approved for shipment"
            if lot.status != "signed":
                why[self.certificate_button] = "The lot must be signed 'approved' first"
            elif lot.disposition == "reject" or not finals or finals[-1].meaning != "approved":
                why[self.certificate_button] = "Only a lot signed 'approved' gets a certificate"
        tips = {
            self.dispose_button: "Record the disposition the plan decided (Ctrl+D)",
            self.review_button: "Sign that you reviewed the lot's records (Ctrl+Shift+W)",
            self.approve_button: "Sign the lot 'approved' for shipment (Ctrl+Shift+A)",
            self.reject_button: "Sign the lot 'rejected' (Ctrl+Shift+R)",
            self.certificate_button: "Issue the Certificate of Conformance (Ctrl+Shift+C)",
            self.correct_button: "Record a new disposition for this signed lot; it will need "
            "a new signature (Ctrl+Shift+D)",
        }
        for button, allowed in role_may.items():
            button.setVisible(allowed)
            button.setEnabled(allowed and button not in why)
            button.setToolTip(why.get(button, tips[button]))
        # The approval is the page's main action only while it can be given.
        primary = "primary" if self.approve_button.isEnabled() else ""
        if self.approve_button.objectName() != primary:
            self.approve_button.setObjectName(primary)
            self.approve_button.style().unpolish(self.approve_button)
            self.approve_button.style().polish(self.approve_button)

    @Slot()
    def _dispose(self) -> None:
        if self.page is not None:
            self.disposeRequested.emit(self.page.lot.lot_no)

    @Slot()
    def _correct(self) -> None:
        if self.page is not None:
            self.correctionRequested.emit(self.page.lot.lot_no)

    def _sign(self, meaning: str) -> None:
        if self.page is not None:
            self.signRequested.emit(self.page.lot.lot_no, meaning)

    @Slot()
    def _certificate(self) -> None:
        if self.page is not None:
            self.certificateRequested.emit(self.page.lot.lot_no)
