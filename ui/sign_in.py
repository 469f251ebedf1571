"""The sign-in screen the station opens on: user name and password, the core's answer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class SignInView(QWidget):
    """A centred panel asking who works at the station.

    Refusals (wrong password, locked account) come from the core and are shown as they are.

    Signals
    -------
    signInRequested(str, str)
        User name and password typed.
    createAdminRequested()
        The database has no users and the first admin account should be created.
    """

    signInRequested = Signal(str, str)
    createAdminRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        panel = QFrame()
        panel.setObjectName("panel")
        panel.setFixedWidth(520)
        title = QLabel("Seal Inspector")
        font = QFont(self.font())
        font.setPointSize(26)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel("Sign in to inspect")
        self.subtitle.setObjectName("muted")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.user = QLineEdit()
        self.user.setPlaceholderText("user name")
        self.user.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.password.setAccessibleName("Password")
        self.button = QPushButton("&Sign in")
        self.button.setObjectName("primary")
        self.button.setDefault(True)
        self.create_admin_button = QPushButton("Create the first &admin account…")
        self.create_admin_button.setToolTip("The records have no users yet")
        self.create_admin_button.hide()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #ff6b6b; font-weight: 700;")
        self.problem.setAccessibleName("Sign-in problem")
        self.database = QLabel()
        self.database.setObjectName("muted")
        self.database.setWordWrap(True)
        self.database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("&User", self.user)
        form.addRow("&Password", self.password)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(14)
        inner.addWidget(title)
        inner.addWidget(self.subtitle)
        inner.addLayout(form)
        inner.addWidget(self.button)
        inner.addWidget(self.create_admin_button)
        inner.addWidget(self.problem)
        inner.addWidget(self.database)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.user.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.button.clicked.connect(self.submit)
        self.create_admin_button.clicked.connect(self.createAdminRequested)
        self.set_busy(True, "Opening the records…")

    def set_database(self, text: str) -> None:
        """Name the records this station uses (small print under the panel)."""
        self.database.setText(text)

    def set_busy(self, busy: bool, note: str = "") -> None:
        """Disable the fields while the records answer."""
        for widget in (self.user, self.password, self.button):
            widget.setEnabled(not busy)
        self.subtitle.setText(note or "Sign in to inspect")

    def set_needs_admin(self, needed: bool) -> None:
        """Offer to create the first admin instead of signing in."""
        self.create_admin_button.setVisible(needed)
        for widget in (self.user, self.password, self.button):
            widget.setEnabled(not needed)
        if needed:
            self.subtitle.setText("No users yet: create the administrator's account")

    def problem_text(self) -> str:
        """The refusal shown ("" when none)."""
        return self.problem.text()

    @Slot(str)
    def show_problem(self, message: str) -> None:
        """Show why sign-in failed, ready for another try."""
        self.set_busy(False)
        self.problem.setText(message)
        self.password.clear()
        self.password.setFocus()

    def reset(self) -> None:
        """Empty fields, ready for the next person."""
        self.problem.clear()
        self.password.clear()
        self.user.clear()
        self.set_busy(False)
        self.user.setFocus()

    @Slot()
    def submit(self) -> None:
        """Send the typed user and password."""
        name = self.user.text().strip()
        if not name:
            self.problem.setText("Type your user name.")
            self.user.setFocus()
            return
        self.problem.clear()
        self.set_busy(True, "Checking…")
        self.signInRequested.emit(name, self.password.text())
