"""Recording a lot's disposition and signing it: who signs, what lot, and what it means.

An electronic signature (21 CFR Part 11 §11.50, §11.200) shows the signer's printed name,
the time and the meaning of the signature, and asks for the password again at the moment
of signing. :class:`SigningDialog` says all three in words before the password is typed;
the core (:func:`inspector.records.signing.sign_lot`) checks the password, the role and the
lot's state again and binds the signature to a hash of the lot's records.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import User
from inspector.records.lot_summary import LotPage
from inspector.records.lots import DECISIONS
from ui.widgets import ok_cancel

__all__ = ["DisposeDialog", "SigningDialog", "disposition_words", "meaning_statement"]

#: What each disposition means for the rings, in words.
_DISPOSITIONS = {
    "accept": "accepted: the sample met the plan and the whole lot may ship",
    "reject": "rejected: the sample failed the plan and the lot must not ship as it is",
    "sorted": "sorted: every ring was inspected and the nonconforming rings are removed",
}
#: The button that gives each signature.
SIGN_BUTTON = {"approved": "Sign and approve", "rejected": "Sign and reject", "reviewed": "Sign"}


def disposition_words(disposition: str | None) -> str:
    """The disposition and what it means for the rings ("" when there is none)."""
    if disposition is None:
        return ""
    return _DISPOSITIONS.get(disposition, disposition)


def meaning_statement(meaning: str, *, signer: User, lot_no: str, disposition: str | None) -> str:
    """What signing with ``meaning`` declares, in the first person, as the dialog shows it."""
    who = f"I, {signer.full_name} ({signer.role.value}),"
    state = f" as {disposition}" if disposition else ""
    if meaning == "approved":
        return (
            f"By signing, {who} approve lot {lot_no}{state} for shipment. I have reviewed "
            "its inspection records, reviews and disposition, and they are complete and "
            "correct. After this signature the lot's records cannot change."
        )
    if meaning == "rejected":
        return (
            f"By signing, {who} reject lot {lot_no}: it must not be shipped or certified. "
            "I have reviewed its inspection records, reviews and disposition. After this "
            "signature the lot's records cannot change."
        )
    return (
        f"By signing, {who} confirm that I have reviewed the inspection records and the "
        f"disposition of lot {lot_no}{state}. This signature does not release the lot; "
        "a manager's approval does."
    )


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSize(font.pointSize() + 3)
    font.setBold(True)
    label.setFont(font)
    return label


def _lot_line(page: LotPage) -> str:
    lot = page.lot
    customer = f", for {lot.customer}" if lot.customer else ""
    po = f" (PO {lot.po})" if lot.po else ""
    return f"{lot.lot_no}: {lot.quantity} × {lot.part}{customer}{po}"


class SigningDialog(QDialog):
    """Asks a signer to confirm a signature's meaning with their password.

    The dialog shows the signer's printed name, role and user name, the lot, its
    disposition and progress, and the statement the signature makes; nothing is signed
    here (the caller passes the password to the core).
    """

    def __init__(
        self, parent: QWidget | None, *, signer: User, page: LotPage, meaning: str
    ) -> None:
        super().__init__(parent)
        lot = page.lot
        self.setWindowTitle(f"Electronic signature: lot {lot.lot_no}")
        self.setMinimumWidth(620)
        self.statement = QLabel(
            meaning_statement(
                meaning, signer=signer, lot_no=lot.lot_no, disposition=lot.disposition
            )
        )
        self.statement.setWordWrap(True)
        self.statement.setAccessibleName("What this signature means")
        font = QFont(self.statement.font())
        font.setBold(True)
        self.statement.setFont(font)
        box = QFrame()
        box.setObjectName("panel")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(14, 12, 14, 12)
        inner.addWidget(self.statement)

        disposed = page.dispositions[-1] if page.dispositions else None
        form = QFormLayout()
        form.addRow(
            "Signer", QLabel(f"{signer.full_name} — {signer.role.value}, user {signer.name}")
        )
        form.addRow("Lot", QLabel(_lot_line(page)))
        disposition = QLabel(
            disposition_words(lot.disposition)
            + (
                f" (by {disposed.by}, {disposed.time_utc[:16].replace('T', ' ')} UTC)"
                if disposed
                else ""
            )
        )
        disposition.setWordWrap(True)
        form.addRow("Disposition", disposition)
        form.addRow("Records", QLabel(page.progress.describe()))
        form.addRow("Meaning", QLabel(f"<b>{meaning}</b>"))

        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"password of {signer.name}")
        self.password.setAccessibleName("Password")
        self.password.setToolTip(
            "Your password again: it makes this your signature. Wrong passwords count "
            "toward locking the account."
        )
        password_form = QFormLayout()
        password_form.addRow("&Password", self.password)
        note = QLabel(
            "The signature records your printed name, role, the time (UTC) and its meaning, "
            "bound to a hash of the lot's records."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)

        self.buttons = ok_cancel(self, SIGN_BUTTON.get(meaning, "Sign"), self.accept)
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setObjectName("primary")
        self.sign_button.setEnabled(False)
        self.password.textChanged.connect(self._typed)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(_heading(f"Sign lot {lot.lot_no}: {meaning}"))
        layout.addLayout(form)
        layout.addWidget(box)
        layout.addLayout(password_form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    @Slot(str)
    def _typed(self, text: str) -> None:
        self.sign_button.setEnabled(bool(text))

    @classmethod
    def ask(
        cls, parent: QWidget | None, *, signer: User, page: LotPage, meaning: str
    ) -> str | None:
        """The password typed to sign, or None when cancelled."""
        dialog = cls(parent, signer=signer, page=page, meaning=meaning)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.password.text()


class DisposeDialog(QDialog):
    """Records a lot's disposition: the plan decides it, the engineer confirms with a note."""

    def __init__(self, parent: QWidget | None, *, page: LotPage) -> None:
        super().__init__(parent)
        lot, prog = page.lot, page.progress
        self.setWindowTitle(f"Dispose lot {lot.lot_no}")
        self.setMinimumWidth(560)
        decision = prog.decision or "not decided yet"
        form = QFormLayout()
        form.addRow("Lot", QLabel(_lot_line(page)))
        form.addRow("Plan", QLabel(page.plan))
        form.addRow("Records", QLabel(prog.describe()))
        words = QLabel(f"<b>{decision}</b> — {disposition_words(prog.decision)}")
        words.setWordWrap(True)
        form.addRow("Disposition", words)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            "Note for the records (optional), e.g. 'plan decided; rejected rings quarantined'"
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(80)
        form.addRow("&Note", self.reason)
        explain = QLabel(
            "The sampling plan decides the disposition; recording it closes the lot to "
            "further rings and moves the part's ISO 2859-1 switching state. A manager signs "
            "it next."
        )
        explain.setObjectName("muted")
        explain.setWordWrap(True)
        buttons = ok_cancel(self, f"Dispose as {decision}", self.accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(prog.decision is not None)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(f"Dispose lot {lot.lot_no}"))
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def ask(cls, parent: QWidget | None, *, page: LotPage) -> str | None:
        """The note to record with the disposition ("" for none), or None when cancelled."""
        dialog = cls(parent, page=page)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason.toPlainText().strip()


class CorrectionDialog(QDialog):
    """Corrects a signed lot's disposition with a new record (e.g. a rejected lot sorted
    100 % afterwards): nothing signed changes, the lot waits for a new signature."""

    def __init__(self, parent: QWidget | None, *, page: LotPage) -> None:
        super().__init__(parent)
        lot = page.lot
        self.setWindowTitle(f"Correct the disposition of lot {lot.lot_no}")
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.addRow("Lot", QLabel(_lot_line(page)))
        signed_as = f"{lot.disposition} — {disposition_words(lot.disposition)}"
        form.addRow("Signed as", QLabel(signed_as))
        self.decision = QComboBox()
        for decision in DECISIONS:
            self.decision.addItem(f"{decision} — {disposition_words(decision)}", decision)
        self.decision.setCurrentIndex(max(0, self.decision.findData("sorted")))
        form.addRow("&New disposition", self.decision)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            "The corrective action taken (required), e.g. 'lot 100 % sorted; 7 rings scrapped'"
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(80)
        form.addRow("&Reason", self.reason)
        explain = QLabel(
            "The earlier disposition and its signature stay in the records as they are; this "
            "adds a new disposition, and the lot needs a new signature before a certificate."
        )
        explain.setObjectName("muted")
        explain.setWordWrap(True)
        buttons = ok_cancel(self, "Record the correction", self.accept)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.reason.textChanged.connect(
            lambda: ok.setEnabled(bool(self.reason.toPlainText().strip()))
        )
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(f"Correct the disposition of lot {lot.lot_no}"))
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def ask(cls, parent: QWidget | None, *, page: LotPage) -> tuple[str, str] | None:
        """The new disposition and the reason, or None when cancelled."""
        dialog = cls(parent, page=page)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return str(dialog.decision.currentData()), dialog.reason.toPlainText().strip()
