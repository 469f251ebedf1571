"""Issuing a lot's Certificate of Conformance from the desk, and checking a certificate file.

The same core path as ``inspector certificate``: :func:`issue_work` calls
:func:`inspector.records.certificates.issue_certificate` (manager only, lot signed
'approved', PDF written whole or not at all, number and audit row in one transaction) and
:func:`check_certificate_file` runs :func:`inspector.certificates.verify_certificate` with
the records' :func:`~inspector.records.certificates.records_check`, as
``inspector certificate verify`` does. Both are work functions for
:meth:`ui.desk.database.DeskDatabase.call`: rendering the PDF and re-rendering it to verify
take a second or more and run in the desk's worker, never on the GUI thread.

The dialogs return plain values from ``classmethod ask`` so tests replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import User
from inspector.certificates.render import PageSize, RenderOptions
from inspector.certificates.verify import RecordsAnswer, Verdict, verify_certificate
from inspector.records.certificates import (
    CertificateRequest,
    IssuedCertificate,
    RecordsCheck,
    issue_certificate,
    records_check,
)
from inspector.records.lot_summary import CertificateDefaults
from inspector.records.site import set_site
from inspector.store import SqliteStore
from ui.desk.common import save_file
from ui.widgets import ok_cancel

__all__ = [
    "CertificateCheck",
    "CertificateDialog",
    "CertificateOrder",
    "OpenPdfDialog",
    "SavePdfDialog",
    "SiteChange",
    "VerificationDialog",
    "check_certificate_file",
    "issue_work",
]

_OK = "#5fd97a"
_BAD = "#ff6b6b"
_WARN = "#ffc94a"


# --- issuing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteChange:
    """New site details to save (audited) before issuing; None leaves one as it is."""

    supplier_name: str | None = None
    supplier_address: tuple[str, ...] | None = None
    cleaning_packaging: str | None = None


@dataclass(frozen=True)
class CertificateOrder:
    """Everything the manager chose for one certificate."""

    request: CertificateRequest
    options: RenderOptions
    out: Path
    open_after: bool
    site: SiteChange | None = None


def issue_work(
    store: SqliteStore, actor: User, lot_no: str, order: CertificateOrder
) -> IssuedCertificate:
    """Save changed site details, then issue the certificate to ``order.out`` (in the worker).

    Raises
    ------
    PermissionDenied, LotError, SiteError, OutputError
        As :func:`~inspector.records.certificates.issue_certificate` and
        :func:`~inspector.records.site.set_site` do; nothing is issued then.
    """
    if order.site is not None:
        set_site(
            store,
            actor,
            supplier_name=order.site.supplier_name,
            supplier_address=order.site.supplier_address,
            cleaning_packaging=order.site.cleaning_packaging,
        )
    return issue_certificate(
        store, actor, lot_no, order.request, out=order.out, options=order.options
    )


def _lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    return tuple(line.strip() for line in edit.toPlainText().splitlines() if line.strip())


def _lines_edit(lines: tuple[str, ...], placeholder: str, height: int = 64) -> QPlainTextEdit:
    edit = QPlainTextEdit("\n".join(lines))
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class SavePdfDialog:
    """Where to write a PDF (the platform's save dialog)."""

    @classmethod
    def ask(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        """The chosen file, or None when cancelled."""
        return save_file(parent, "Save the certificate as", suggested, "PDF files", ".pdf")


class OpenPdfDialog:
    """Which certificate file to check (the platform's open dialog)."""

    @classmethod
    def ask(cls, parent: QWidget | None, folder: Path) -> Path | None:
        """The chosen file, or None when cancelled."""
        name, _filter = QFileDialog.getOpenFileName(
            parent, "Verify a certificate", str(folder), "PDF files (*.pdf);;All files (*)"
        )
        return Path(name) if name else None


class CertificateDialog(QDialog):
    """The details a certificate prints that the lot does not hold, and where to save it.

    Supplier details are the site's: changing them here saves them for every later
    certificate (audited). Fields left as the lot records have them are not asked.
    """

    def __init__(
        self, parent: QWidget | None, *, lot_no: str, defaults: CertificateDefaults, out: Path
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Certificate of Conformance: lot {lot_no}")
        self.setMinimumWidth(680)
        self._site = defaults.site
        request = defaults.request

        self.supplier_name = QLineEdit(defaults.site.supplier_name)
        self.supplier_name.setPlaceholderText("your company's name (required once per site)")
        self.supplier_address = _lines_edit(
            defaults.site.supplier_address, "address, one line per line"
        )
        self.cleaning = _lines_edit(
            tuple(defaults.site.cleaning_packaging.splitlines()),
            "e.g. DI-water cleaned, double-bagged in an ISO 5 cleanroom",
        )
        supplier = QGroupBox("Supplier (this site; saved for later certificates)")
        supplier_form = QFormLayout(supplier)
        supplier_form.addRow("&Name", self.supplier_name)
        supplier_form.addRow("Address", self.supplier_address)
        supplier_form.addRow("Cleaning and\npackaging", self.cleaning)

        self.customer_part = QLineEdit(request.customer_part)
        self.drawing = QLineEdit(request.drawing)
        self.revision = QLineEdit(request.revision)
        self.revision.setMaximumWidth(100)
        drawing_row = QHBoxLayout()
        drawing_row.addWidget(self.drawing, 1)
        drawing_row.addWidget(QLabel("rev."))
        drawing_row.addWidget(self.revision)
        self.colour = QLineEdit(request.compound_colour)
        self.colour.setPlaceholderText("e.g. white")
        self.hardness = QLineEdit(request.compound_hardness)
        self.hardness.setPlaceholderText("e.g. 75 Shore A")
        compound_row = QHBoxLayout()
        compound_row.addWidget(self.colour, 1)
        compound_row.addWidget(QLabel("hardness"))
        compound_row.addWidget(self.hardness, 1)
        self.customer_address = _lines_edit(request.customer_address, "customer's address lines")
        self.standard = QLineEdit(request.inspection_standard or "")
        self.standard.setPlaceholderText("the lot grade's standard")
        self.quantity = QSpinBox()
        self.quantity.setRange(0, 10_000_000)
        self.quantity.setValue(defaults.quantity_shipped)
        self.quantity.setSuffix(" rings")
        self.quantity.setToolTip(
            f"Default {defaults.quantity_shipped}: the lot quantity less the nonconforming "
            "rings found"
        )
        self._default_quantity = defaults.quantity_shipped
        customer = QGroupBox("Customer and order")
        customer_form = QFormLayout(customer)
        customer_form.addRow("Customer &part no.", self.customer_part)
        customer_form.addRow("Drawing", drawing_row)
        customer_form.addRow("Compound colour", compound_row)
        customer_form.addRow("Customer address", self.customer_address)
        customer_form.addRow("Inspection standard", self.standard)
        customer_form.addRow("Quantity &shipped", self.quantity)
        source = QLabel(f"Filled in: {defaults.source}.")
        source.setObjectName("muted")
        source.setWordWrap(True)

        self.page_size = QComboBox()
        self.page_size.addItem("A4", PageSize.A4)
        self.page_size.addItem("US Letter", PageSize.LETTER)
        self.histograms = QCheckBox("ID and CS histograms")
        self.histograms.setChecked(True)
        self.thumbnails = QCheckBox("rejected-ring images")
        options_row = QHBoxLayout()
        options_row.addWidget(self.page_size)
        options_row.addWidget(self.histograms)
        options_row.addWidget(self.thumbnails)
        options_row.addStretch(1)
        self.out = QLineEdit(str(out))
        self.out.setAccessibleName("Save the PDF as")
        browse = QPushButton("&Browse…")
        browse.setToolTip("Choose where to save the PDF")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        self.open_after = QCheckBox("Open the PDF when it is issued")
        self.open_after.setChecked(True)
        output = QGroupBox("PDF")
        output_form = QFormLayout(output)
        output_form.addRow("Pages", options_row)
        output_form.addRow("Save as", out_row)
        output_form.addRow("", self.open_after)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {_WARN};")
        buttons = ok_cancel(self, "Issue certificate", self.accept)
        self.issue_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.issue_button.setObjectName("primary")

        layout = QVBoxLayout(self)
        layout.addWidget(supplier)
        layout.addWidget(customer)
        layout.addWidget(source)
        layout.addWidget(output)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        for edit in (
            self.supplier_name,
            self.customer_part,
            self.drawing,
            self.revision,
            self.colour,
            self.hardness,
            self.out,
        ):
            edit.textChanged.connect(self._check)
        self.cleaning.textChanged.connect(self._check)
        self._check()

    def missing(self) -> list[str]:
        """The required fields still empty, by their labels."""
        needed = {
            "supplier name": self.supplier_name.text(),
            "cleaning and packaging": self.cleaning.toPlainText(),
            "customer part no.": self.customer_part.text(),
            "drawing": self.drawing.text(),
            "revision": self.revision.text(),
            "compound colour": self.colour.text(),
            "hardness": self.hardness.text(),
            "file": self.out.text(),
        }
        return [name for name, value in needed.items() if not value.strip()]

    @Slot()
    def _check(self) -> None:
        missing = self.missing()
        self.issue_button.setEnabled(not missing)
        self.problem.setText(f"Still needed: {', '.join(missing)}." if missing else "")

    @Slot()
    def _browse(self) -> None:
        chosen = SavePdfDialog.ask(self, Path(self.out.text().strip() or "certificate.pdf"))
        if chosen is not None:
            self.out.setText(str(chosen))

    def value(self) -> CertificateOrder:
        """The certificate as filled in."""
        name = self.supplier_name.text().strip()
        address = _lines(self.supplier_address)
        cleaning = "\n".join(_lines(self.cleaning))
        site = self._site
        change = SiteChange(
            supplier_name=name if name != site.supplier_name else None,
            supplier_address=address if address != site.supplier_address else None,
            cleaning_packaging=cleaning if cleaning != site.cleaning_packaging else None,
        )
        quantity = self.quantity.value()
        request = CertificateRequest(
            customer_part=self.customer_part.text().strip(),
            drawing=self.drawing.text().strip(),
            revision=self.revision.text().strip(),
            compound_colour=self.colour.text().strip(),
            compound_hardness=self.hardness.text().strip(),
            customer_address=_lines(self.customer_address),
            cleaning_packaging=None,  # the site's, saved above when changed
            inspection_standard=self.standard.text().strip() or None,
            # Left at its default the core works it out (and says so on the certificate).
            quantity_shipped=None if quantity == self._default_quantity else quantity,
            thumbnails=self.thumbnails.isChecked(),
        )
        out = Path(self.out.text().strip())
        if out.suffix.lower() != ".pdf":
            out = out.with_suffix(".pdf")
        return CertificateOrder(
            request=request,
            options=RenderOptions(
                page_size=self.page_size.currentData(),
                histograms=self.histograms.isChecked(),
                thumbnails=self.thumbnails.isChecked(),
            ),
            out=out,
            open_after=self.open_after.isChecked(),
            site=None if change == SiteChange() else change,
        )

    @classmethod
    def ask(
        cls, parent: QWidget | None, *, lot_no: str, defaults: CertificateDefaults, out: Path
    ) -> CertificateOrder | None:
        """The certificate to issue, or None when cancelled."""
        dialog = cls(parent, lot_no=lot_no, defaults=defaults, out=out)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def suggested_name(lot_no: str) -> str:
    """A file name for a lot's certificate (a lot number may hold '/')."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in lot_no)
    return f"CoC {safe}.pdf"


# --- verifying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate file checked against the records, in words.

    ``ours``, ``unaltered`` and ``records_match`` are None when the check could not be made
    (e.g. a file made by another software version cannot be compared byte for byte).
    ``status`` is 0 valid, 1 ours but the records changed (or not comparable), 2 invalid,
    as ``inspector certificate verify`` exits.
    """

    path: Path
    status: int
    headline: str
    number: str | None
    lot_no: str | None
    ours: bool | None
    unaltered: bool | None
    records_match: bool | None
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the file is ours, unaltered and the records still match it."""
        return self.status == 0


_STATUS: dict[Verdict, int] = {
    Verdict.VALID: 0,
    Verdict.RECORDS_CHANGED: 1,
    Verdict.RENDERER_DIFFERS: 1,
    Verdict.NOT_IN_RECORDS: 2,
    Verdict.ALTERED: 2,
    Verdict.NOT_OURS: 2,
}


def check_certificate_file(store: SqliteStore, path: Path) -> CertificateCheck:
    """Verify the certificate at ``path`` against the records (in the worker).

    Raises
    ------
    OSError
        The file cannot be read.
    """
    pdf = Path(path).read_bytes()
    checks: list[RecordsCheck] = []

    def lookup(number: str) -> RecordsAnswer | None:
        check = records_check(store, number)
        if check is None:
            return None
        checks.append(check)
        return check.answer

    result = verify_certificate(pdf, expected_digest_lookup=lookup)
    status = _STATUS[result.verdict]
    messages = list(result.messages)
    records_match = result.records_match
    if checks and status < 2 and checks[0].problems:
        messages += checks[0].problems
        status = max(status, 1)
        records_match = False
    number = result.certificate_number
    if status == 0:
        headline = f"Valid: certificate {number} is ours, unaltered, and the records still match"
    elif result.verdict is Verdict.RENDERER_DIFFERS and records_match is not False:
        headline = f"Certificate {number} is ours, but this version cannot compare it byte for byte"
    elif status == 1:
        headline = f"Certificate {number} is genuine, but the lot's records changed since"
    elif result.verdict is Verdict.NOT_OURS:
        headline = "Invalid: this is not a Seal Inspector certificate"
    elif result.verdict is Verdict.ALTERED:
        headline = "Invalid: the file was altered after it was issued"
    else:
        headline = f"Invalid: the records never issued this certificate as {number}"
    return CertificateCheck(
        path=Path(path),
        status=status,
        headline=headline,
        number=number,
        lot_no=checks[0].lot_no if checks else None,
        ours=result.ours,
        unaltered=result.unaltered,
        records_match=records_match,
        messages=tuple(messages),
    )


def _mark(value: bool | None) -> tuple[str, str]:
    if value is None:
        return "–", _WARN
    return ("✔", _OK) if value else ("✖", _BAD)


class VerificationDialog(QDialog):
    """The answer of a certificate check: three questions answered in plain words."""

    def __init__(self, parent: QWidget | None, check: CertificateCheck) -> None:
        super().__init__(parent)
        self.check = check
        self.setWindowTitle(f"Certificate check: {check.path.name}")
        self.setMinimumWidth(640)
        colour = _OK if check.status == 0 else _WARN if check.status == 1 else _BAD
        self.headline = QLabel(check.headline)
        self.headline.setWordWrap(True)
        font = QFont(self.headline.font())
        font.setPointSize(font.pointSize() + 2)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setStyleSheet(f"color: {colour};")
        self.headline.setAccessibleName("Verification result")
        rows = QFormLayout()
        self.answers: dict[str, QLabel] = {}
        for key, question, value, yes, no, unknown in (
            (
                "ours",
                "Made by Seal Inspector?",
                check.ours,
                "yes: its embedded content matches its digest",
                "no",
                "not known",
            ),
            (
                "unaltered",
                "Unaltered?",
                check.unaltered,
                "yes: it re-renders byte for byte",
                "no: the file was changed",
                "not checked",
            ),
            (
                "records",
                "Records still match?",
                check.records_match,
                "yes: the lot's records give the same certificate",
                "no",
                "not checked",
            ),
        ):
            symbol, tint = _mark(value)
            words = unknown if value is None else yes if value else no
            label = QLabel(f"<span style='color:{tint}'>{symbol}</span> {words}")
            label.setTextFormat(Qt.TextFormat.RichText)
            self.answers[key] = label
            rows.addRow(question, label)
        where = QLabel(
            f"{check.path}"
            + (f"\ncertificate {check.number}" if check.number else "")
            + (f" for lot {check.lot_no}" if check.lot_no else "")
        )
        where.setObjectName("muted")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details = QLabel("\n".join(f"• {m[:1].upper()}{m[1:]}" for m in check.messages))
        details.setWordWrap(True)
        details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.headline)
        layout.addWidget(where)
        layout.addLayout(rows)
        layout.addWidget(details)
        layout.addWidget(buttons)
