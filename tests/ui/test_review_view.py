"""The engineer's review queue view on a real records database (tests/ui/desk_records.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from inspector import audit
from inspector.records import lots, reviews
from inspector.records.rings import load_ring, load_ring_by_seq, ring_pixels
from tests.ui.desk_records import DeskRecords
from ui.desk.database import DeskDatabase
from ui.desk.review_view import ReviewReasonDialog, ReviewView
from ui.desk.ring_panel import OVERRULED_COLOR, RingPanel, ring_thumbnail

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform cannot size real windows; the warning says nothing of ours.
    pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)"),
]

#: The failed rings of the fixture's three open lots, in recording order.
QUEUE = ["L-213#2", "L-117#1", "L-117#2", "L-910#1", "L-910#2"]


@pytest.fixture
def db(desk_records: DeskRecords) -> Iterator[DeskDatabase]:
    database = DeskDatabase(desk_records.db_path)
    yield database
    database.shutdown()


@pytest.fixture
def view(qtbot, db: DeskDatabase, desk_records: DeskRecords) -> ReviewView:
    widget = ReviewView(db)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.set_user(desk_records.users["engineer"])
    _wait_for_ring(qtbot, widget, "L-213#2")
    return widget


def _keys(widget: ReviewView) -> list[str]:
    return [q.key for q in widget.queue_model().items()]


def _wait_for_ring(qtbot, widget: ReviewView, key: str) -> None:
    def shown() -> None:
        record = widget.current_record()
        assert record is not None and record.key == key

    qtbot.waitUntil(shown, timeout=10000)


def _answer(monkeypatch: pytest.MonkeyPatch, reason: str | None) -> list[str]:
    """Make the reason dialog answer ``reason``; return the list of actions it was asked for."""
    asked: list[str] = []

    def ask(cls, parent, title, action, suggestions):
        asked.append(action)
        return reason

    monkeypatch.setattr(ReviewReasonDialog, "ask", classmethod(ask))
    return asked


def _press(qtbot, widget: ReviewView, key: Qt.Key, shift: bool = False) -> None:
    widget.queue_table().setFocus()
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(widget.queue_table(), key, modifier)


def test_the_queue_lists_failed_rings_of_open_lots_oldest_first(
    view: ReviewView, qtmodeltester
) -> None:
    assert _keys(view) == QUEUE
    model = view.queue_model()
    assert model.data(model.index(0, 1)) == "FAIL"
    assert model.data(model.index(0, 2)).startswith("ID 20.26 mm outside 23.39 ± 0.25 mm")
    assert "L-213 #2" in model.data(model.index(0, 0))
    qtmodeltester.check(model)
    panel = view.panel()
    for panel_model in (panel.defect_model(), panel.dimension_model(), panel.reviews_model()):
        qtmodeltester.check(panel_model)
    assert panel.title() == "Lot L-213 · ring 2 · AS568-213"
    assert panel.defect_model().rowCount() == 3
    assert panel.image_view().image_size() == (640, 480)
    assert panel.verdicts().machine_text() == "MACHINE ✖ FAIL"


def test_confirming_a_ring_writes_a_review_and_an_audit_row(
    qtbot, view: ReviewView, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _answer(monkeypatch, "Non-fill confirmed under the microscope")
    with qtbot.waitSignal(view.reviewed, timeout=10000) as done:
        _press(qtbot, view, Qt.Key.Key_A)
    assert asked == ["Confirm ring 2 of lot L-213: FAIL"]
    assert (done.args[0].outcome, done.args[0].new_value) == ("confirmed", "fail")
    # The ring leaves the queue and the next one is shown.
    _wait_for_ring(qtbot, view, "L-117#1")
    assert _keys(view) == QUEUE[1:]
    with desk_records.open() as store:
        record = load_ring_by_seq(store, "L-213", 2, with_image=False)
        trail = audit.history(store, "ring", "L-213#2")
    assert (record.final_verdict, record.review_outcome) == ("fail", "confirmed")
    assert record.ring_review is not None
    assert record.ring_review.reason == "Non-fill confirmed under the microscope"
    assert [(a.action, a.user_name, a.reason) for a in trail] == [
        ("review", "eng", "Non-fill confirmed under the microscope")
    ]
    assert trail[0].new_value == {"verdict": "fail", "outcome": "confirmed"}
    assert "Confirmed" in view.message()


def test_overruling_a_ring_passes_it_and_keeps_the_machine_call(
    qtbot, view: ReviewView, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _answer(monkeypatch, "Dimension within tolerance with a caliper")
    with qtbot.waitSignal(view.reviewed, timeout=10000):
        _press(qtbot, view, Qt.Key.Key_O)
    assert asked == ["Overrule ring 2 of lot L-213: FAIL → PASS"]
    _wait_for_ring(qtbot, view, "L-117#1")
    with desk_records.open() as store:
        record = load_ring_by_seq(store, "L-213", 2, with_image=False)
        trail = audit.history(store, "ring", "L-213#2")
    assert (record.machine_verdict, record.final_verdict) == ("fail", "pass")
    assert trail[-1].old_value == {"verdict": "fail", "machine_verdict": "fail"}
    assert trail[-1].new_value == {"verdict": "pass", "outcome": "overruled"}


@pytest.mark.parametrize("answer", ["", "   ", None])
def test_no_review_without_a_reason(
    qtbot,
    view: ReviewView,
    desk_records: DeskRecords,
    monkeypatch: pytest.MonkeyPatch,
    answer: str | None,
) -> None:
    asked = _answer(monkeypatch, answer)
    view.action_buttons()["overrule_ring"].click()
    assert len(asked) == 1
    if answer is None:
        assert view.message() == ""  # cancelled: nothing to say
    else:
        assert view.message() == "A review needs a reason; nothing was recorded."
    # A refresh round trip through the worker proves no review was queued before it.
    with qtbot.waitSignal(view.queueChanged, timeout=10000):
        view.refresh()
    assert _keys(view) == QUEUE
    with desk_records.open() as store:
        assert audit.history(store, "ring", "L-213#2") == []


def test_the_reason_dialog_refuses_an_empty_reason(qtbot) -> None:
    dialog = ReviewReasonDialog(None, "Overrule ring", "Overrule ring 2", ("Dust",))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reason.setEditText("   ")
    assert not ok.isEnabled()
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.reason.setEditText(" Dust on the lens ")
    assert ok.isEnabled() and dialog.value() == "Dust on the lens"


def test_keyboard_next_and_arrows_move_through_the_queue(qtbot, view: ReviewView) -> None:
    _press(qtbot, view, Qt.Key.Key_N)
    _wait_for_ring(qtbot, view, "L-117#1")
    _press(qtbot, view, Qt.Key.Key_Down)
    _wait_for_ring(qtbot, view, "L-117#2")
    _press(qtbot, view, Qt.Key.Key_Up)
    _wait_for_ring(qtbot, view, "L-117#1")
    for _ in range(3):
        _press(qtbot, view, Qt.Key.Key_N)
    _wait_for_ring(qtbot, view, "L-910#2")
    _press(qtbot, view, Qt.Key.Key_N)
    assert view.message() == "That was the last ring in the queue."


def test_an_overruled_defect_stays_visible_and_marked(
    qtbot, view: ReviewView, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _answer(monkeypatch, "Dust on the ring, blown off")
    panel = view.panel()
    panel.select_defect(2)
    with qtbot.waitSignal(view.reviewed, timeout=10000):
        _press(qtbot, view, Qt.Key.Key_O, shift=True)
    assert asked == ["Overrule defect #2 (inclusion) of ring 2, lot L-213: REJECT → accept"]

    def marked() -> None:
        record = view.current_record()
        assert record is not None and record.defects[1].overruled

    qtbot.waitUntil(marked, timeout=10000)
    # A defect review leaves the ring in the queue: its verdict is decided on its own.
    assert _keys(view) == QUEUE and view.current_record().key == "L-213#2"
    model = panel.defect_model()
    assert model.rowCount() == 3
    row = model.row_of(2)
    assert model.data(model.index(row, model.COL_FINAL)) == "✎ accept"
    assert model.data(model.index(row, model.COL_MACHINE)) == "REJECT"
    assert model.data(model.index(row, model.COL_MACHINE), Qt.ItemDataRole.FontRole).strikeOut()
    pen = panel.overlay_pen(2)
    assert pen is not None and pen.style() == Qt.PenStyle.DashLine
    assert pen.color() == OVERRULED_COLOR
    other = panel.overlay_pen(1)
    assert other is not None and other.style() == Qt.PenStyle.SolidLine
    assert panel.reviews_model().rowCount() == 1
    assert "1 defect call(s) overruled" in panel.verdicts().final_detail()
    queue = view.queue_model()
    assert queue.data(queue.index(0, 2)).startswith("✎ ")
    with desk_records.open() as store:
        trail = audit.history(store, "defect", "L-213#2/2")
    assert [(a.action, a.reason) for a in trail] == [("review", "Dust on the ring, blown off")]
    assert trail[0].new_value == {"call": "accept", "outcome": "overruled"}


def test_defect_actions_need_a_selected_defect(
    qtbot, view: ReviewView, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _answer(monkeypatch, "anything")
    buttons = view.action_buttons()
    assert not buttons["confirm_defect"].isEnabled()
    _press(qtbot, view, Qt.Key.Key_A, shift=True)
    assert asked == []
    view.panel().select_defect(1)
    assert buttons["confirm_defect"].isEnabled()
    assert buttons["confirm_defect"].text() == "Confirm #1 (Shift+A)"


@pytest.mark.parametrize("role", ["manager", "inspector"])
def test_other_roles_read_the_queue_but_cannot_review(
    qtbot,
    view: ReviewView,
    desk_records: DeskRecords,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
) -> None:
    asked = _answer(monkeypatch, "should never be asked")
    with qtbot.waitSignal(view.queueChanged, timeout=10000):
        view.set_user(desk_records.users[role])
    assert _keys(view) == QUEUE
    buttons = view.action_buttons()
    for name in ("confirm_ring", "overrule_ring", "confirm_defect", "overrule_defect"):
        assert buttons[name].isHidden()
    assert not buttons["next"].isHidden()
    _press(qtbot, view, Qt.Key.Key_A)
    _press(qtbot, view, Qt.Key.Key_O)
    view.overrule_ring()
    assert asked == []


def test_signed_out_shows_nothing(view: ReviewView) -> None:
    view.set_user(None)
    assert view.queue_model().rowCount() == 0
    assert view.empty_text() == "Sign in to see the review queue."
    assert view.panel().record() is None


def test_an_empty_queue_says_so(qtbot, view: ReviewView, desk_records: DeskRecords) -> None:
    with desk_records.open() as store:
        for key in QUEUE:
            lot, seq = key.split("#")
            reviews.review_ring(
                store,
                desk_records.users["engineer"],
                lot,
                int(seq),
                verdict="fail",
                reason="confirmed",
            )
    with qtbot.waitSignal(view.queueChanged, timeout=10000) as changed:
        view.refresh()
    assert changed.args == [0]
    assert view.empty_text().startswith("Nothing to review")
    assert view.panel().record() is None


def test_a_core_refusal_shows_in_the_message_bar(
    qtbot, view: ReviewView, desk_records: DeskRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another desk disposes the lot while this one still shows its ring.
    with desk_records.open() as store:
        for seq in (1, 2):
            reviews.review_ring(
                store,
                desk_records.users["engineer"],
                "L-213",
                seq,
                verdict="pass",
                reason="re-inspected",
            )
        lots.dispose(store, desk_records.users["engineer"], "L-213", reason="sorted")
    _answer(monkeypatch, "Confirmed on the image")
    view.confirm_ring()
    with qtbot.waitSignal(view.queueChanged, timeout=10000):
        pass  # a refused review reloads the queue: the lot may have moved on
    assert view.message() == "Lot L-213 is already disposed (sorted); cannot review its rings"
    assert _keys(view) == QUEUE[1:]


def test_ring_panel_shows_a_reviewed_ring_and_a_thumbnail(qtbot, desk_records: DeskRecords) -> None:
    with desk_records.open() as store:
        eng = desk_records.users["engineer"]
        reviews.review_defect(
            store, eng, "L-910", 2, 1, reject=False, reason="a stain, not a blister"
        )
        reviews.review_ring(store, eng, "L-910", 2, verdict="fail", reason="blister #2 is real")
        record = load_ring_by_seq(store, "L-910", 2)
        pixels = ring_pixels(record)
        plain = load_ring(store, record.inspection_id, with_image=False)
    panel = RingPanel()
    qtbot.addWidget(panel)
    panel.set_ring(record, pixels)
    assert panel.verdicts().final_text() == "FINAL ✖ FAIL"
    assert panel.verdicts().final_detail().startswith("confirmed by eng")
    assert panel.reviews_model().rowCount() == 2
    assert panel.overlay_pen(1).style() == Qt.PenStyle.DashLine
    assert panel.overlay_pen(2).style() == Qt.PenStyle.SolidLine
    tile = ring_thumbnail(pixels, record.defects, size=120)
    assert (tile.width(), tile.height(), tile.format()) == (120, 120, QImage.Format.Format_RGB32)
    # The overruled box is drawn in its grey: some pixel of the tile has exactly that colour.
    grey = OVERRULED_COLOR.rgb()
    assert any(tile.pixel(x, y) == grey for x in range(120) for y in range(120))
    empty = ring_thumbnail(None, (), size=64)
    assert empty.width() == 64
    panel.set_ring(plain, None)
    assert panel.image_view().image_size() is None
