"""Small station widgets: the verdict banner, the message bar, the lot header, dialog buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.outcome import InspectionResult, Verdict
from ui.station_service import LotHeader
from ui.theme import BORDER, VERDICT_COLORS

#: The banner's words and a shape that differs per verdict: never colour alone.
_BANNER_TEXT: dict[Verdict, tuple[str, str]] = {
    Verdict.PASS: ("✔", "PASS"),
    Verdict.FAIL: ("✖", "FAIL"),
    Verdict.ERROR: ("⚠", "NO VERDICT"),
}


class VerdictBanner(QFrame):
    """A large PASS / FAIL / NO VERDICT banner: colour, symbol and word, with the reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setMinimumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(2)
        self._title = QLabel()
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.font())
        font.setPointSize(54)
        font.setBold(True)
        self._title.setFont(font)
        self._detail = QLabel()
        self._detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail.setWordWrap(True)
        detail_font = QFont(self.font())
        detail_font.setPointSize(14)
        detail_font.setBold(True)
        self._detail.setFont(detail_font)
        layout.addWidget(self._title)
        layout.addWidget(self._detail)
        self._verdict: Verdict | None = None
        self.show_idle("READY", "Place a ring and press Space or the pedal")

    def verdict(self) -> Verdict | None:
        """The verdict shown, or None while idle or inspecting."""
        return self._verdict

    def title(self) -> str:
        """The big word shown."""
        return self._title.text()

    def detail(self) -> str:
        """The line under it."""
        return self._detail.text()

    def show_idle(self, title: str, detail: str) -> None:
        """A neutral state (ready, inspecting)."""
        self._verdict = None
        self._paint(None, title, detail)

    def show_result(self, result: InspectionResult) -> None:
        """Show the verdict of ``result`` with its first reasons."""
        self._verdict = result.verdict
        symbol, word = _BANNER_TEXT[result.verdict]
        if result.verdict is Verdict.PASS:
            detail = "No rejecting defects; dimensions in tolerance"
        else:
            shown = list(result.reasons[:2])
            more = len(result.reasons) - len(shown)
            detail = "\n".join(shown) + (f"\n+ {more} more reason(s)" if more > 0 else "")
        self._paint(result.verdict, f"{symbol} {word}", detail)
        self.setToolTip("\n".join(result.reasons) or "no defects, dimensions in tolerance")

    def _paint(self, verdict: Verdict | None, title: str, detail: str) -> None:
        background, foreground = VERDICT_COLORS[verdict]
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background}; border: 2px solid {BORDER};"
            f" border-radius: 8px; }} QLabel {{ color: {foreground}; }}"
        )
        self._title.setText(title)
        self._detail.setText(detail)
        self.setAccessibleName(f"Verdict: {title}. {detail}")


class MessageBar(QFrame):
    """One message at a time for the inspector, in words; repeated messages are counted.

    Signals
    -------
    dismissed()
        The inspector closed the message.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.font())
        font.setBold(True)
        self._label.setFont(font)
        self._close = QPushButton("Dismiss")
        self._close.setToolTip("Hide this message (Esc when it has focus)")
        self._close.clicked.connect(self.dismiss)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._close)
        self._text = ""
        self._repeats = 0
        self.hide()

    def text(self) -> str:
        """The message shown ("" when hidden)."""
        return self._label.text() if self.isVisible() or self._text else ""

    @Slot(str)
    def show_error(self, message: str) -> None:
        """Show an error (red)."""
        self._show(message, "error")

    @Slot(str)
    def show_info(self, message: str) -> None:
        """Show a notice (blue)."""
        self._show(message, "info")

    def _show(self, message: str, level: str) -> None:
        self._repeats = self._repeats + 1 if message == self._text else 1
        self._text = message
        suffix = f"  (×{self._repeats})" if self._repeats > 1 else ""
        self._label.setText(message + suffix)
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setAccessibleName(message)
        self.show()

    @Slot()
    def dismiss(self) -> None:
        """Hide the message."""
        self._text = ""
        self._repeats = 0
        self._label.setText("")
        self.hide()
        self.dismissed.emit()


class LotHeaderBar(QFrame):
    """Station, lot, part, operator and the lot's counts, from the station service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(26)
        self._fields: dict[str, QLabel] = {}
        for key, caption in (
            ("station", "Station"),
            ("lot", "Lot"),
            ("part", "Part"),
            ("customer", "Customer"),
            ("plan", "Plan"),
            ("progress", "Inspected"),
            ("rejected", "Nonconforming"),
            ("operator", "Operator"),
        ):
            box = QVBoxLayout()
            box.setSpacing(0)
            name = QLabel(caption.upper())
            name.setObjectName("muted")
            small = QFont(self.font())
            small.setPointSize(9)
            name.setFont(small)
            value = QLabel("—")
            value.setObjectName("headerValue")
            big = QFont(self.font())
            big.setPointSize(15)
            big.setBold(True)
            value.setFont(big)
            box.addWidget(name)
            box.addWidget(value)
            layout.addLayout(box)
            self._fields[key] = value
        layout.addStretch(1)
        self._recipe = QLabel()
        self._recipe.setObjectName("muted")
        self._recipe.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self._recipe)

    def value(self, key: str) -> str:
        """The text of one field (``"lot"``, ``"part"``…)."""
        return self._fields[key].text()

    def set_station(self, name: str, recipe_line: str) -> None:
        """The station's name and what it judges with (recipe, grade, scale)."""
        self._fields["station"].setText(name)
        self._recipe.setText(recipe_line)

    def set_header(self, header: LotHeader | None) -> None:
        """Show the open lot, or say that none is open."""
        if header is None:
            self._fields["lot"].setText("no lot open")
            for key in ("part", "customer", "plan", "progress", "rejected"):
                self._fields[key].setText("—")
            self.setToolTip("Results are not recorded to a lot until one is scanned or opened.")
            return
        self._fields["lot"].setText(header.lot)
        self._fields["part"].setText(header.part or "—")
        self._fields["customer"].setText(header.customer or "—")
        self._fields["plan"].setText(header.plan or "—")
        self._fields["operator"].setText(header.operator or "—")
        planned = f" / {header.sample_size}" if header.sample_size else ""
        waiting = f" (+{header.pending} waiting)" if header.pending else ""
        self._fields["progress"].setText(f"{header.inspected}{planned}{waiting}")
        limits = (
            f" · Ac {header.accept} / Re {header.reject}"
            if header.accept is not None and header.reject is not None
            else ""
        )
        self._fields["rejected"].setText(f"{header.rejected}{limits}")
        self.setToolTip(
            "Inspected: rings counted / rings the plan needs. Nonconforming: failed rings "
            "so far against the plan's acceptance (Ac) and rejection (Re) numbers."
            + (f" {header.pending} judged ring(s) wait to be recorded." if header.pending else "")
        )

    def set_operator(self, name: str) -> None:
        """Who is signed in (shown even while no lot is open)."""
        self._fields["operator"].setText(name or "—")


#: A plan's decision in words, with the banner colour of the matching verdict.
_LOT_WORDS: dict[str, tuple[str, Verdict | None]] = {
    "accept": ("✔ LOT ACCEPTED", Verdict.PASS),
    "reject": ("✖ LOT REJECTED", Verdict.FAIL),
    "sorted": ("✔ LOT SORTED", None),
}


class LotDoneBanner(QFrame):
    """A lot whose plan has decided: the disposition in large words until the next lot.

    Signals
    -------
    dismissed()
        The inspector closed the banner.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lotDone")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 10, 8)
        text = QVBoxLayout()
        self._title = QLabel()
        font = QFont(self.font())
        font.setPointSize(22)
        font.setBold(True)
        self._title.setFont(font)
        self._detail = QLabel()
        self._detail.setWordWrap(True)
        detail_font = QFont(self.font())
        detail_font.setPointSize(12)
        detail_font.setBold(True)
        self._detail.setFont(detail_font)
        text.addWidget(self._title)
        text.addWidget(self._detail)
        layout.addLayout(text, 1)
        self._close = QPushButton("Next lot")
        self._close.setToolTip("Hide this notice; scanning the next lot also hides it")
        self._close.clicked.connect(self.dismiss)
        layout.addWidget(self._close)
        self._decision = ""
        self.hide()

    def decision(self) -> str:
        """``"accept"``, ``"reject"``, ``"sorted"``, or "" while hidden."""
        return self._decision if self.isVisible() or self._decision else ""

    def title(self) -> str:
        """The big words shown."""
        return self._title.text()

    def detail(self) -> str:
        """The lines under them."""
        return self._detail.text()

    def show_decision(self, lot_no: str, decision: str, detail: str) -> None:
        """Show that lot ``lot_no`` is complete with the plan's ``decision``."""
        title, verdict = _LOT_WORDS.get(decision, (f"LOT {decision.upper()}", None))
        background, foreground = VERDICT_COLORS[verdict]
        if verdict is None:
            background, foreground = "#1f4e79", "#ffffff"
        self.setStyleSheet(
            f"QFrame#lotDone {{ background: {background}; border: 2px solid {BORDER};"
            f" border-radius: 8px; }} QLabel {{ color: {foreground}; }}"
        )
        self._decision = decision
        self._title.setText(f"{title} — {lot_no}")
        self._detail.setText(detail)
        self.setAccessibleName(f"Lot {lot_no} complete: {decision}. {detail}")
        self.show()

    @Slot()
    def dismiss(self) -> None:
        """Hide the notice."""
        self._decision = ""
        self.hide()
        self.dismissed.emit()


def ok_cancel(dialog: QDialog, ok_text: str, on_ok: Callable[[], object]) -> QDialogButtonBox:
    """OK and Cancel for ``dialog``: OK says what it does and calls ``on_ok`` (the dialog's
    ``accept``, or a check that accepts); Cancel rejects. ``.button(Ok)`` reaches OK."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons
