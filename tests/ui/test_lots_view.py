"""The lots view: list and filters, the lot page, disposition, signatures, certificates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from inspector.certificates.render import RenderOptions
from inspector.records import lots, signing
from inspector.records.certificates import CertificateRequest
from inspector.records.lot_summary import certificate_defaults, lot_page
from inspector.records.site import set_site
from tests.ui.desk_records import PASSWORD, DeskRecords
from ui.desk import certificate_actions, lots_view, signing_dialog
from ui.desk.certificate_actions import CertificateDialog, CertificateOrder, SiteChange
from ui.desk.database import DeskDatabase
from ui.desk.lots_view import LotsView
from ui.desk.signing_dialog import SigningDialog

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform says so whenever a top-level window (a dialog) is shown.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]

DETAILS = CertificateRequest(
    customer_part="FO-4471-213",
    drawing="DWG-9921",
    revision="C",
    compound_colour="black",
    compound_hardness="75 Shore A",
    customer_address=("Fab One", "Dresden"),
)


@pytest.fixture
def db(desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


def make_view(qtbot, db: DeskDatabase, desk_records: DeskRecords, role: str) -> LotsView:
    view = LotsView(db)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.set_user(desk_records.users[role])
    qtbot.waitUntil(lambda: view.model.rowCount() == 3 and not db.busy)
    return view


def open_page(qtbot, view: LotsView, lot_no: str) -> None:
    assert view.select_lot(lot_no)
    qtbot.waitUntil(lambda: view.page.lot_no() == lot_no and not view._db.busy)


def listed(view: LotsView, lot_no: str, column: int) -> str:
    row = view.model.row_of(lot_no)
    return str(view.model.index(row, column).data())


def sign_in_records(desk_records: DeskRecords, lot_no: str) -> None:
    """Dispose and approve ``lot_no`` directly in the records (setup for certificate tests)."""
    users = desk_records.users
    with desk_records.open() as store:
        lots.dispose(store, users["engineer"], lot_no)
        signing.sign_lot(store, users["manager"], lot_no, password=PASSWORD, meaning="approved")


def test_the_list_shows_every_lot_with_plan_progress_and_status(
    qtbot, qtmodeltester, db: DeskDatabase, desk_records: DeskRecords
) -> None:
    view = make_view(qtbot, db, desk_records, "manager")
    qtmodeltester.check(view.model)
    assert [view.model.lot_at(r).lot_no for r in range(3)] == ["L-910", "L-117", "L-213"]
    assert listed(view, "L-117", 1) == "AS568-117"
    assert listed(view, "L-910", 2) == "Fab Two"
    assert (listed(view, "L-213", 4), listed(view, "L-213", 5)) == ("100 %", "2/2")
    assert listed(view, "L-117", 6) == "2"  # both rings of L-117 are nonconforming
    assert listed(view, "L-213", 7) == "open"
    assert view.count.text() == "3 lots"
    # Sorting by the nonconforming column puts L-213 (1) first.
    view.table.sortByColumn(6, lots_view.Qt.SortOrder.AscendingOrder)
    first = view.proxy.mapToSource(view.proxy.index(0, 0)).row()
    assert view.model.lot_at(first).lot_no == "L-213"


def test_filters_by_status_and_text(qtbot, db: DeskDatabase, desk_records: DeskRecords) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "manager")
    view.status.setCurrentIndex(view.status.findData("signed"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not db.busy)
    assert view.model.lot_at(0).lot_no == "L-213"
    view.status.setCurrentIndex(view.status.findData("open"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and not db.busy)
    view.status.setCurrentIndex(0)
    view.search.setText("fab two")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not db.busy)
    assert view.model.lot_at(0).lot_no == "L-910"
    view.search.setText("no such lot")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0 and not db.busy)
    assert view.empty.isVisibleTo(view) and "No lots match" in view.empty.text()


def test_selecting_a_lot_shows_its_page(
    qtbot, qtmodeltester, db: DeskDatabase, desk_records: DeskRecords
) -> None:
    view = make_view(qtbot, db, desk_records, "manager")
    assert view.page.empty.isVisibleTo(view.page)
    with qtbot.waitSignal(view.lotSelected, check_params_cb=lambda lot: lot == "L-117"):
        assert view.select_lot("L-117")
    qtbot.waitUntil(lambda: view.page.lot_no() == "L-117")
    page = view.page
    assert page.title.text() == "Lot L-117"
    assert page.fields["part"].text() == "AS568-117"
    assert page.fields["recipe"].text() == "AS568-117@1"
    assert page.fields["compound"].text() == "FFKM 75 black"
    assert page.fields["cure"].text() == "4Q26"
    assert page.progress.text() == "2/2 inspected, 2 nonconforming: sorted"
    assert "engineer records the disposition" in page.state.text()
    qtmodeltester.check(page.rings)
    qtmodeltester.check(page.events)
    assert page.rings.rowCount() == 2
    assert {page.rings.index(r, 3).data() for r in range(2)} == {"FAIL"}
    assert page.rings.index(0, 7).data()  # the rejecting defect types are named
    assert [page.events.event_at(r).what for r in range(page.events.rowCount())] == ["opened"]
    assert page.charts.titles[0].startswith("ID  n 2, mean")
    assert page.charts.titles[1].startswith("CS  n 2, mean")


def test_double_click_on_a_ring_of_the_lot_opens_its_image(
    qtbot, db: DeskDatabase, desk_records: DeskRecords
) -> None:
    view = make_view(qtbot, db, desk_records, "manager")
    open_page(qtbot, view, "L-117")
    table = view.page.rings_view
    index = table.model().index(1, 0)  # the second ring as sorted: ring 2
    table.activated.emit(index)
    qtbot.waitUntil(lambda: view.ring_dialog is not None and view.ring_dialog.isVisible())
    dialog = view.ring_dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Lot L-117 · ring 2"
    record = dialog.panel.record()
    assert record is not None and record.lot_no == "L-117" and record.seq == 2
    assert dialog.panel.image_view().image_size() is not None  # the stored image is shown
    dialog.close()


def test_an_engineer_corrects_a_signed_lot_which_then_needs_a_new_signature(
    qtbot, db: DeskDatabase, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "manager")
    open_page(qtbot, view, "L-213")
    assert not view.page.correct_button.isVisibleTo(view)  # engineers correct, managers sign
    view.set_user(desk_records.users["engineer"])
    qtbot.waitUntil(lambda: not db.busy and view.page.page is not None)
    page = view.page
    assert page.correct_button.isVisibleTo(view) and page.correct_button.isEnabled()
    monkeypatch.setattr(
        signing_dialog.CorrectionDialog,
        "ask",
        classmethod(lambda *a, **k: ("reject", "customer complaint: lot quarantined")),
    )
    page.correct_button.click()
    qtbot.waitUntil(lambda: listed(view, "L-213", 7) == "disposed" and not db.busy)
    assert listed(view, "L-213", 8) == "reject"
    assert "needs a new signature" in view.messages.text()
    with desk_records.open() as store:
        last = lots.dispositions(store, "L-213")[-1]
        assert last.decision == "reject"
        assert last.reason == "correction: customer complaint: lot quarantined"
        assert len(signing.signatures(store, "L-213")) == 1  # the earlier one stays
    qtbot.waitUntil(lambda: view.page.page is not None and view.page.page.lot.status == "disposed")
    assert not page.correct_button.isVisibleTo(view)  # only signed lots are corrected


def test_the_correction_dialog_needs_a_reason(qtbot, db: DeskDatabase, desk_records) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "engineer")
    open_page(qtbot, view, "L-213")
    assert view.page.page is not None
    dialog = signing_dialog.CorrectionDialog(view, page=view.page.page)
    qtbot.addWidget(dialog)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reason.setPlainText("   ")
    assert not ok.isEnabled()
    dialog.reason.setPlainText("sorted 100 % after the complaint")
    assert ok.isEnabled()
    assert dialog.decision.currentData() == "sorted"


def test_dispose_then_sign_requires_the_password(
    qtbot, db: DeskDatabase, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = make_view(qtbot, db, desk_records, "engineer")
    open_page(qtbot, view, "L-213")
    page = view.page
    assert page.dispose_button.isVisibleTo(view) and page.dispose_button.isEnabled()
    assert not page.approve_button.isVisibleTo(view) and not page.certificate_button.isVisibleTo(
        view
    )
    assert not page.review_button.isEnabled()  # not disposed yet
    monkeypatch.setattr(signing_dialog.DisposeDialog, "ask", classmethod(lambda *a, **k: "ok"))
    page.dispose_button.click()
    qtbot.waitUntil(lambda: listed(view, "L-213", 7) == "disposed" and not db.busy)
    assert listed(view, "L-213", 8) == "sorted"
    assert "disposed: sorted" in view.messages.text()
    qtbot.waitUntil(lambda: view.page.page is not None and view.page.page.lot.status == "disposed")
    assert not page.dispose_button.isEnabled()

    view.set_user(desk_records.users["manager"])
    qtbot.waitUntil(lambda: not db.busy and view.page.page is not None)
    assert page.approve_button.isVisibleTo(view) and page.approve_button.isEnabled()
    assert not page.dispose_button.isVisibleTo(view)
    asked: list[dict[str, object]] = []

    def answer(password: str):
        def ask(cls, parent, **kw):
            asked.append(kw)
            return password

        return classmethod(ask)

    monkeypatch.setattr(SigningDialog, "ask", answer("not my password"))
    page.approve_button.click()
    qtbot.waitUntil(lambda: "wrong password" in view.messages.text())
    assert asked[-1]["meaning"] == "approved" and asked[-1]["signer"].name == "man"
    qtbot.waitUntil(lambda: not db.busy)
    assert listed(view, "L-213", 7) == "disposed"
    with desk_records.open() as store:
        assert signing.signatures(store, "L-213") == []

    monkeypatch.setattr(SigningDialog, "ask", answer(PASSWORD))
    with qtbot.waitSignal(view.lotSigned) as signed:
        page.approve_button.click()
    assert signed.args == ["L-213", "approved"]
    qtbot.waitUntil(lambda: listed(view, "L-213", 7) == "signed" and not db.busy)
    assert listed(view, "L-213", 9) == "✔ Max Manager"
    qtbot.waitUntil(lambda: view.page.page is not None and view.page.page.lot.status == "signed")
    assert "Signed approved by Max Manager" in page.state.text()
    assert not page.approve_button.isEnabled() and page.certificate_button.isEnabled()


def test_a_cancelled_signature_signs_nothing(
    qtbot, db: DeskDatabase, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    with desk_records.open() as store:
        lots.dispose(store, desk_records.users["engineer"], "L-117")
    view = make_view(qtbot, db, desk_records, "manager")
    open_page(qtbot, view, "L-117")
    monkeypatch.setattr(SigningDialog, "ask", classmethod(lambda *a, **k: None))
    view.page.reject_button.click()
    assert not db.busy and listed(view, "L-117", 7) == "disposed"


def test_issue_a_certificate_then_verify_it_and_a_tampered_copy(
    qtbot,
    db: DeskDatabase,
    desk_records: DeskRecords,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "manager")
    open_page(qtbot, view, "L-213")
    out = tmp_path / "out" / "coc L-213.pdf"
    out.parent.mkdir()
    seen: dict[str, object] = {}

    def ask(cls, parent, *, lot_no, defaults, out: Path) -> CertificateOrder:
        seen["defaults"] = defaults
        return order

    order = CertificateOrder(
        request=DETAILS,
        options=RenderOptions(histograms=True),
        out=out,
        open_after=True,
        # The site has no supplier yet: the dialog's supplier fields set it first.
        site=SiteChange("Kestrel Elastomer Works GmbH", ("Reutlingen",), "Double-bagged."),
    )
    monkeypatch.setattr(CertificateDialog, "ask", classmethod(ask))
    opened: list[Path] = []
    view.open_file = lambda path: opened.append(path) or True
    with qtbot.waitSignal(view.certificateIssued, timeout=30_000) as issued:
        view.page.certificate_button.click()
    number, path = issued.args
    assert path == str(out) and out.read_bytes()[:5] == b"%PDF-"
    assert opened == [out]
    assert number.startswith("COC-") and number in view.messages.text()
    assert seen["defaults"].quantity_shipped == 1  # 2 rings less the nonconforming one
    qtbot.waitUntil(lambda: listed(view, "L-213", 11) == number and not db.busy)
    qtbot.waitUntil(lambda: f"Certificate {number} issued" in view.page.state.text())

    monkeypatch.setattr(certificate_actions.OpenPdfDialog, "ask", classmethod(lambda *a: out))
    view.verify_button.click()
    qtbot.waitUntil(lambda: view.verification is not None, timeout=30_000)
    good = view.verification
    assert good is not None and good.check.ok
    assert good.check.number == number and good.check.lot_no == "L-213"
    assert "Valid" in good.headline.text()
    assert all("✔" in label.text() for label in good.answers.values())
    good.close()

    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside the page content, not the embedded record
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    monkeypatch.setattr(certificate_actions.OpenPdfDialog, "ask", classmethod(lambda *a: tampered))
    view.verify_button.click()
    qtbot.waitUntil(
        lambda: view.verification is not None and view.verification is not good, timeout=30_000
    )
    bad = view.verification
    assert bad is not None and bad.check.status == 2
    assert "altered" in bad.headline.text()
    assert "✖" in bad.answers["unaltered"].text()
    assert "altered" in view.messages.text()


def test_a_refused_certificate_says_why(
    qtbot,
    db: DeskDatabase,
    desk_records: DeskRecords,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "manager")
    open_page(qtbot, view, "L-213")
    out = tmp_path / "coc.pdf"
    order = CertificateOrder(DETAILS, RenderOptions(), out, open_after=False, site=None)
    monkeypatch.setattr(CertificateDialog, "ask", classmethod(lambda *a, **k: order))
    view.page.certificate_button.click()
    qtbot.waitUntil(lambda: "No certificate issued" in view.messages.text())
    assert "supplier's name is not set" in view.messages.text()
    assert not out.exists()


def test_an_inspector_sees_no_sign_or_issue_actions(
    qtbot, db: DeskDatabase, desk_records: DeskRecords
) -> None:
    sign_in_records(desk_records, "L-213")
    view = make_view(qtbot, db, desk_records, "inspector")
    open_page(qtbot, view, "L-213")
    assert not any(button.isVisibleTo(view) for button in view.page.action_buttons())
    assert view.verify_button.isVisibleTo(view)  # checking a certificate changes nothing


def test_signing_dialog_says_who_signs_what_and_what_it_means(
    qtbot, desk_records: DeskRecords
) -> None:
    with desk_records.open() as store:
        lots.dispose(store, desk_records.users["engineer"], "L-213")
        page = lot_page(store, "L-213")
    manager = desk_records.users["manager"]
    dialog = SigningDialog(None, signer=manager, page=page, meaning="approved")
    qtbot.addWidget(dialog)
    text = dialog.statement.text()
    assert "Max Manager (manager)" in text and "approve lot L-213" in text
    assert "for shipment" in text
    assert not dialog.sign_button.isEnabled()
    dialog.password.setText("x")
    assert dialog.sign_button.isEnabled() and dialog.sign_button.text() == "Sign and approve"
    rejected = SigningDialog(None, signer=manager, page=page, meaning="rejected")
    qtbot.addWidget(rejected)
    assert "reject lot L-213: it must not be shipped" in rejected.statement.text()


def test_certificate_dialog_asks_what_is_missing_and_keeps_defaults(
    qtbot, desk_records: DeskRecords, tmp_path: Path
) -> None:
    with desk_records.open() as store:
        set_site(store, desk_records.users["manager"], supplier_name="Kestrel")
        defaults = certificate_defaults(store, "L-213")
    dialog = CertificateDialog(None, lot_no="L-213", defaults=defaults, out=tmp_path / "c")
    qtbot.addWidget(dialog)
    assert dialog.colour.text() == "black" and dialog.hardness.text() == "75 Shore A"
    assert "cleaning and packaging" in dialog.missing()
    assert not dialog.issue_button.isEnabled()
    dialog.cleaning.setPlainText("Bagged.")
    for edit, text in (
        (dialog.customer_part, "CP"),
        (dialog.drawing, "D"),
        (dialog.revision, "A"),
    ):
        edit.setText(text)
    assert dialog.missing() == [] and dialog.issue_button.isEnabled()
    order = dialog.value()
    assert order.out == tmp_path / "c.pdf"
    assert order.request.quantity_shipped is None  # left at the lot's own figure
    assert order.site == SiteChange(cleaning_packaging="Bagged.")
    assert dialog.quantity.value() == 1  # 2 rings less the nonconforming one
    dialog.quantity.setValue(0)
    assert dialog.value().request.quantity_shipped == 0
