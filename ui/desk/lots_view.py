"""The manager's lots: the list, one lot's page, disposition, signatures and certificates.

Every read and write goes through :class:`~ui.desk.database.DeskDatabase` (the work
functions below run in its worker); the core checks roles, passwords and the lot's state
again, and its refusals are shown as they are in the view's message bar.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import User
from inspector.records import lots, signing
from inspector.records.certificates import IssuedCertificate
from inspector.records.lot_summary import (
    LOT_STATUSES,
    CertificateDefaults,
    LotPage,
    LotRow,
    certificate_defaults,
    lot_overview,
    lot_page,
)
from inspector.records.rings import LoadedRing, load_ring_by_seq, with_pixels
from inspector.records.signing import Signature
from inspector.store import SqliteStore
from ui.desk.certificate_actions import (
    CertificateCheck,
    CertificateDialog,
    CertificateOrder,
    OpenPdfDialog,
    VerificationDialog,
    check_certificate_file,
    issue_work,
    suggested_name,
)
from ui.desk.database import DeskDatabase
from ui.desk.lot_page import (
    SORT_ROLE,
    STATUS_COLOURS,
    LotPageWidget,
    dense_table,
    status_words,
    when,
)
from ui.desk.ring_panel import RingDialog
from ui.desk.signing_dialog import CorrectionDialog, DisposeDialog, SigningDialog
from ui.models import Index, _RowsModel
from ui.widgets import MessageBar

__all__ = ["LotTableModel", "LotsView"]

_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FAIL = QColor("#ff6b6b")
_STATUS_TEXT = {status: QColor(colour).lighter(170) for status, colour in STATUS_COLOURS.items()}


# --- work functions (run in the desk's worker) -------------------------------------------


def _overview(store: SqliteStore, status: str | None, text: str) -> list[LotRow]:
    return lot_overview(store, status=status, text=text)


def _dispose(store: SqliteStore, actor: User, lot_no: str, reason: str) -> lots.Progress:
    return lots.dispose(store, actor, lot_no, reason=reason)


def _sign(store: SqliteStore, actor: User, lot_no: str, password: str, meaning: str) -> Signature:
    return signing.sign_lot(store, actor, lot_no, password=password, meaning=meaning)


def _load_ring(store: SqliteStore, lot_no: str, seq: int) -> LoadedRing:
    return with_pixels(load_ring_by_seq(store, lot_no, seq))


# --- the list ----------------------------------------------------------------------------


class LotTableModel(_RowsModel):
    """One row per lot: number, part, customer, quantity, plan, progress, status, signature."""

    HEADERS = (
        "Lot",
        "Part",
        "Customer",
        "Qty",
        "Plan",
        "Inspected",
        "Nonconf.",
        "Status",
        "Disposition",
        "Signed by",
        "Signed (UTC)",
        "Certificates",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[LotRow] = []

    def set_rows(self, rows: list[LotRow]) -> None:
        """Show ``rows``."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, lot_no: str) -> int:
        """The row of ``lot_no``, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.lot_no == lot_no), -1)

    def lot_at(self, row: int) -> LotRow:
        """The lot shown in ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        column = index.column()
        signed = r.signed_by is not None
        if role == _DISPLAY:
            return (
                r.lot_no,
                r.part,
                r.customer,
                str(r.quantity),
                r.plan,
                f"{r.inspected}/{r.required}",
                str(r.nonconforming),
                r.status,
                r.disposition or "",
                f"{'✔' if r.signed_meaning == 'approved' else '✖'} {r.signed_by}" if signed else "",
                when(r.signed_utc),
                ", ".join(r.certificates),
            )[column]
        if role == SORT_ROLE:
            return (
                r.lot_no,
                r.part,
                r.customer,
                r.quantity,
                r.plan,
                r.inspected / max(r.required, 1),
                r.nonconforming,
                LOT_STATUSES.index(r.status) if r.status in LOT_STATUSES else 9,
                r.disposition or "",
                r.signed_by or "",
                r.signed_utc or "",
                " ".join(r.certificates),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 5, 6):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 6 and r.nonconforming:
                return _FAIL
            if column == 7:
                return _STATUS_TEXT.get(r.status)
            if column in (8, 9) and (r.disposition == "reject" or r.signed_meaning == "rejected"):
                return _FAIL
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return r.plan_detail or "100 % inspection: every ring, the lot is sorted"
            if column == 5:
                extra = f"; {r.not_judged} image(s) not judged" if r.not_judged else ""
                return f"{r.inspected} of {r.required} rings counted{extra}"
            if column == 7:
                return status_words(r.status, r.disposition)
            if column in (9, 10) and signed:
                return f"signed '{r.signed_meaning}' by {r.signed_by} at {r.signed_utc}"
            return f"lot {r.lot_no}: {r.part}, {r.quantity} rings, {r.customer or 'no customer'}"
        return None


def _open_file(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class LotsView(QWidget):
    """The lot list with a filter, and the selected lot's page with its actions.

    Managers approve or reject disposed lots with an electronic signature and issue their
    certificates; engineers record dispositions and may sign 'reviewed'; everyone may open
    lot pages and verify a certificate file.

    Signals
    -------
    lotSelected(str)
        The lot number whose page is shown.
    lotSigned(str, str)
        Lot number and meaning, once the signature is recorded.
    certificateIssued(str, str)
        Certificate number and the PDF's path, once it is written and recorded.
    """

    lotSelected = Signal(str)
    lotSigned = Signal(str, str)
    certificateIssued = Signal(str, str)

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._selected: str | None = None
        self._overview_job = 0
        self._verifications: list[VerificationDialog] = []
        #: Opens an issued PDF (replace in tests); returns whether it could.
        self.open_file: Callable[[Path], bool] = _open_file
        #: Where certificate files are suggested and looked for.
        self.folder = Path.home()

        self.status = QComboBox()
        self.status.addItem("All lots", None)
        for status in LOT_STATUSES:
            self.status.addItem(status.capitalize(), status)
        self.status.setToolTip("Show lots in one state only")
        self.status.setAccessibleName("Status filter")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find lot, part, customer, PO or certificate…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Text filter")
        self.verify_button = QPushButton("&Verify certificate…")
        self.verify_button.setToolTip(
            "Check a certificate PDF: ours, unaltered, records still match (Ctrl+Shift+V)"
        )
        self.verify_button.setShortcut("Ctrl+Shift+V")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the lots again (F5)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.busy_text = QLabel()
        self.busy_text.setObjectName("muted")
        self.count = QLabel()
        self.count.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Lots"))
        bar.addWidget(self.status)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.busy_text)
        bar.addWidget(self.busy)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.verify_button)

        self.messages = MessageBar()
        self.model = LotTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = dense_table(self.proxy)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # newest first, as read
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAccessibleName("Lots")
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty)

        self.page = LotPageWidget()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.page)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([200, 650])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.messages)
        layout.addWidget(split, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)  # one query per pause in typing, not per key
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.status.currentIndexChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify_certificate)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.page.disposeRequested.connect(self.dispose)
        self.page.signRequested.connect(self.sign)
        self.page.certificateRequested.connect(self.issue_certificate)
        self.page.ringRequested.connect(self.open_ring)
        self.page.correctionRequested.connect(self.correct)
        self.ring_dialog: RingDialog | None = None
        db.busyChanged.connect(self._busy)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self._focus_search)
        again = QShortcut(QKeySequence("F5"), self)
        again.activated.connect(self.refresh)
        self.set_user(None)

    # --- contract ----------------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Offer the actions ``user``'s role allows, then read the lots again."""
        self._user = user
        self.page.set_user(user)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the lot list (and the selected lot's page) again, in the worker."""
        self._search_timer.stop()
        self._overview_job += 1
        job = self._overview_job
        work = functools.partial(
            _overview, status=self.status.currentData(), text=self.search.text()
        )
        self._db.call(work, functools.partial(self._show_rows, job), self._error)

    # --- list and selection --------------------------------------------------------------

    def _show_rows(self, job: int, rows: list[LotRow]) -> None:
        if job != self._overview_job:
            return  # a newer filter is on its way
        keep = self._selected
        self.model.set_rows(rows)
        total = len(rows)
        self.count.setText(f"{total} lot{'s' if total != 1 else ''}")
        self.empty.setVisible(total == 0)
        self.empty.setText(
            "No lots match the filter."
            if self.search.text() or self.status.currentData()
            else "No lots in the records yet: lots are opened at the station."
        )
        if keep is None:
            return
        row = self.model.row_of(keep)
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(index.row())
            self.table.selectionModel().blockSignals(False)
            self._load_page(keep)
        else:
            self._selected = None
            self.page.set_page(None)

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        lot_no = self.model.lot_at(self.proxy.mapToSource(rows[0]).row()).lot_no
        if lot_no != self._selected:
            self._selected = lot_no
            self._load_page(lot_no)

    def select_lot(self, lot_no: str) -> bool:
        """Select ``lot_no`` in the list (its page loads); False when it is not listed."""
        row = self.model.row_of(lot_no)
        if row < 0:
            return False
        self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        return True

    def _load_page(self, lot_no: str) -> None:
        self._db.call(functools.partial(lot_page, lot_no=lot_no), self._show_page, self._error)

    def _show_page(self, page: LotPage) -> None:
        if page.lot.lot_no != self._selected:
            return  # the user moved on to another lot meanwhile
        self.page.set_page(page)
        self.lotSelected.emit(page.lot.lot_no)

    @Slot(str, int)
    def open_ring(self, lot_no: str, seq: int) -> None:
        """Read ring ``seq`` of ``lot_no`` in the worker and show it in the ring window."""
        self._db.call(
            functools.partial(_load_ring, lot_no=lot_no, seq=seq), self._show_ring, self._error
        )

    def _show_ring(self, loaded: LoadedRing) -> None:
        if self.ring_dialog is None:
            self.ring_dialog = RingDialog(self)
        self.ring_dialog.show_ring(loaded)

    def _current_page(self, lot_no: str) -> LotPage | None:
        page = self.page.page
        return page if page is not None and page.lot.lot_no == lot_no else None

    # --- actions -------------------------------------------------------------------------

    @Slot(str)
    def dispose(self, lot_no: str) -> None:
        """Ask for the disposition's note and record it (engineer)."""
        page, user = self._current_page(lot_no), self._user
        if page is None or user is None:
            return
        reason = DisposeDialog.ask(self, page=page)
        if reason is None:
            return
        work = functools.partial(_dispose, actor=user, lot_no=lot_no, reason=reason)
        self._db.call(work, functools.partial(self._disposed, lot_no), self._error)

    @Slot(str)
    def correct(self, lot_no: str) -> None:
        """Ask for a signed lot's new disposition and the reason, and record it (engineer)."""
        page, user = self._current_page(lot_no), self._user
        if page is None or user is None:
            return
        answer = CorrectionDialog.ask(self, page=page)
        if answer is None:
            return
        decision, reason = answer
        work = functools.partial(
            lots.correct_disposition, actor=user, lot_no=lot_no, decision=decision, reason=reason
        )
        self._db.call(work, functools.partial(self._corrected, lot_no, decision), self._error)

    def _corrected(self, lot_no: str, decision: str, _none: None) -> None:
        self.messages.show_info(
            f"Lot {lot_no}: disposition corrected to {decision}; it needs a new signature."
        )
        self.refresh()

    def _disposed(self, lot_no: str, prog: lots.Progress) -> None:
        self.messages.show_info(f"Lot {lot_no} disposed: {prog.decision} ({prog.describe()}).")
        self.refresh()

    @Slot(str, str)
    def sign(self, lot_no: str, meaning: str) -> None:
        """Show who signs what and what it means, ask the password, and sign in the worker."""
        page, user = self._current_page(lot_no), self._user
        if page is None or user is None:
            return
        password = SigningDialog.ask(self, signer=user, page=page, meaning=meaning)
        if password is None:
            return
        work = functools.partial(
            _sign, actor=user, lot_no=lot_no, password=password, meaning=meaning
        )
        self._db.call(work, self._signed, self._error)

    def _signed(self, sig: Signature) -> None:
        self.messages.show_info(
            f"Lot {sig.lot_no} signed '{sig.meaning}' by {sig.printed_name} ({sig.role}) at "
            f"{when(sig.time_utc)} UTC."
        )
        self.lotSigned.emit(sig.lot_no, sig.meaning)
        self.refresh()

    @Slot(str)
    def issue_certificate(self, lot_no: str) -> None:
        """Read the certificate's defaults, ask for its details, then issue it in the worker."""
        if self._user is None:
            return
        work = functools.partial(certificate_defaults, lot_no=lot_no)
        self._db.call(work, functools.partial(self._ask_certificate, lot_no), self._error)

    def _ask_certificate(self, lot_no: str, defaults: CertificateDefaults) -> None:
        user = self._user
        if user is None:
            return
        order = CertificateDialog.ask(
            self, lot_no=lot_no, defaults=defaults, out=self.folder / suggested_name(lot_no)
        )
        if order is None:
            return
        self.folder = order.out.parent
        self._set_busy_text(f"Issuing the certificate of lot {lot_no}: rendering the PDF…")
        work = functools.partial(issue_work, actor=user, lot_no=lot_no, order=order)
        self._db.call(work, functools.partial(self._issued, order), self._issue_failed)

    def _issued(self, order: CertificateOrder, issued: IssuedCertificate) -> None:
        self._set_busy_text("")
        text = f"Certificate {issued.number} issued for lot {issued.lot_no}: {order.out}"
        if order.open_after and not self.open_file(order.out):
            text += " (it could not be opened here; open it from its folder)"
        self.messages.show_info(text)
        self.certificateIssued.emit(issued.number, str(order.out))
        self.refresh()

    def _issue_failed(self, message: str) -> None:
        self._set_busy_text("")
        self._error(f"No certificate issued: {message}")

    @Slot()
    def verify_certificate(self) -> None:
        """Choose a certificate PDF and check it against the records, in the worker."""
        path = OpenPdfDialog.ask(self, self.folder)
        if path is None:
            return
        self._set_busy_text(f"Checking {path.name}…")
        work = functools.partial(check_certificate_file, path=path)
        self._db.call(work, self._verified, self._verify_failed)

    def _verified(self, check: CertificateCheck) -> None:
        self._set_busy_text("")
        dialog = VerificationDialog(self, check)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._verification_closed)
        self._verifications.append(dialog)
        dialog.open()  # not exec(): the view keeps working while the answer is read
        if check.ok:
            self.messages.show_info(check.headline)
        else:
            self.messages.show_error(check.headline)

    @Slot(int)
    def _verification_closed(self, _result: int) -> None:
        self._verifications = [d for d in self._verifications if d.isVisible()]

    def _verify_failed(self, message: str) -> None:
        self._set_busy_text("")
        self._error(f"The certificate could not be checked: {message}")

    @property
    def verification(self) -> VerificationDialog | None:
        """The latest certificate check shown, if it is still open."""
        return self._verifications[-1] if self._verifications else None

    # --- busy and errors -----------------------------------------------------------------

    def _set_busy_text(self, text: str) -> None:
        self.busy_text.setText(text)

    @Slot(bool)
    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy.setToolTip(self.busy_text.text() or "Reading the records…")

    def _error(self, message: str) -> None:
        self.messages.show_error(message)

    @Slot()
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
