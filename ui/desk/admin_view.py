"""The administration view: users and roles, and the audit trail with its chain check.

Every change goes through :mod:`inspector.auth` in the database worker, which checks the
admin role and writes the audit row; this view only hides what a non-admin cannot do.
The audit browser reads the trail newest first, one page at a time as the table scrolls
(:func:`inspector.audit.read_page`), so a long trail opens at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector import audit, auth
from inspector.audit import AuditFilter, AuditReport, AuditRow
from inspector.auth import MIN_PASSWORD_LENGTH, Account, Permission, Role, User
from inspector.records import signing
from inspector.store import SqliteStore
from ui.desk.common import add_shortcuts, row_table
from ui.desk.database import DeskDatabase
from ui.models import _RowsModel
from ui.theme import MUTED
from ui.widgets import MessageBar, ok_cancel

__all__ = [
    "AddUserDialog",
    "AdminView",
    "AuditModel",
    "NewUser",
    "PasswordDialog",
    "ReasonDialog",
    "RoleDialog",
    "UsersModel",
    "change_summary",
]

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RED = QColor("#ff6b6b")
_GREEN = QColor("#5fd97a")
_ERROR_STYLE = "color: #ff6b6b; font-weight: 700;"
#: Audit rows fetched per page as the table scrolls.
PAGE_SIZE = 200


# --- work run in the database worker -------------------------------------------------------


def _accounts(store: SqliteStore) -> list[Account]:
    return auth.list_accounts(store)


@dataclass(frozen=True)
class _AuditStart:
    total: int
    entities: list[str]
    actors: list[str]
    rows: list[AuditRow]


def _audit_start(store: SqliteStore, where: AuditFilter, limit: int) -> _AuditStart:
    """The first page of a filter, its row count and the filter choices."""
    entities, actors = audit.facets(store)
    return _AuditStart(
        audit.count_rows(store, where),
        entities,
        actors,
        audit.read_page(store, where, limit=limit),
    )


def _audit_page(
    store: SqliteStore, where: AuditFilter, before_id: int, limit: int
) -> list[AuditRow]:
    return audit.read_page(store, where, before_id=before_id, limit=limit)


def _verify(store: SqliteStore) -> tuple[AuditReport, list[str]]:
    """The hash chain, then every signed lot against its records (as ``audit verify``)."""
    return audit.verify(store), signing.verify_signatures(store)


def _add_user(store: SqliteStore, actor: User, new: NewUser) -> str:
    user = auth.add_user(
        store,
        actor,
        name=new.name,
        full_name=new.full_name,
        role=new.role,
        password=new.password,
    )
    return f"User {user.name} ({user.role.value}) added."


def _set_role(store: SqliteStore, actor: User, name: str, role: str, reason: str) -> str:
    user = auth.set_role(store, actor, name, role, reason=reason)
    return f"{user.name} is now {user.role.value}."


def _reset_password(store: SqliteStore, actor: User, name: str, password: str) -> str:
    auth.change_password(store, actor, name, password)
    return f"Password of {name} reset; the old one no longer works."


def _set_locked(store: SqliteStore, actor: User, name: str, locked: bool, reason: str) -> str:
    user = auth.set_locked(store, actor, name, locked=locked, reason=reason)
    return f"{user.name} {'locked' if user.disabled else 'unlocked'}."


# --- models --------------------------------------------------------------------------------


def _time(text: str) -> str:
    return text[:19].replace("T", " ")


def _state(account: Account) -> str:
    if account.user.disabled:
        return "locked by an admin"
    if account.locked_now():
        return f"locked until {_time(account.user.locked_until or '')} UTC"
    return "active"


class UsersModel(_RowsModel):
    """Every user: name, full name, role, state, failed attempts, created."""

    HEADERS = ("User", "Full name", "Role", "State", "Failed attempts", "Created (UTC)")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Account] = []

    def set_accounts(self, accounts: Sequence[Account]) -> None:
        """Show ``accounts``."""
        self.beginResetModel()
        self._rows = list(accounts)
        self.endResetModel()

    def account_at(self, row: int) -> Account:
        """The account shown in ``row``."""
        return self._rows[row]

    def row_of(self, name: str) -> int:
        """The row of user ``name`` (any case), or -1."""
        folded = name.casefold()
        return next((i for i, a in enumerate(self._rows) if a.user.name.casefold() == folded), -1)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        a = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return (
                a.user.name,
                a.user.full_name,
                a.user.role.value,
                _state(a),
                str(a.failed_attempts),
                _time(a.created_utc),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 3:
                return _RED if a.locked_now() else _GREEN
            if column == 4 and a.failed_attempts:
                return QColor("#ffc94a")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def change_summary(old: Any, new: Any, *, width: int = 140) -> str:
    """A one-line ``field: old → new`` summary of an audit row's change, for a table cell."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
        parts = [f"{k}: {_short(old.get(k, '—'))} → {_short(new.get(k, '—'))}" for k in keys]
    elif isinstance(new, dict):
        # A created record: its filled-in fields (empty ones and hashes say nothing here).
        parts = [
            f"{k}={_short(v)}"
            for k, v in new.items()
            if k != "sha256" and v not in (None, "", False, [], {})
        ]
    elif old is None and new is None:
        parts = []
    else:
        parts = [f"{_short(old if old is not None else '—')} → {_short(new)}"]
    text = "; ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


class AuditModel(_RowsModel):
    """Audit rows, newest first, fetched a page at a time as the view scrolls.

    ``request(before_id)`` is called (at most once at a time) when the view wants more;
    the owner answers with :meth:`add_page`.
    """

    HEADERS = ("#", "Time (UTC)", "Actor", "Action", "Entity", "Id", "Reason", "Change")

    def __init__(self, request: Callable[[int], None] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditRow] = []
        self._summaries: list[str] = []
        self._more = False
        self._waiting = False
        self._request = request
        self._broken_id: int | None = None

    def set_request(self, request: Callable[[int], None]) -> None:
        """Who is asked for the next page."""
        self._request = request

    def reset_rows(self, rows: Sequence[AuditRow], *, more: bool) -> None:
        """Show a new first page (a new filter)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._summaries = [change_summary(r.old_value, r.new_value) for r in rows]
        self._more = more
        self._waiting = False
        self.endResetModel()

    def add_page(self, rows: Sequence[AuditRow], *, more: bool) -> None:
        """Append the next page (older rows)."""
        self._waiting = False
        self._more = more
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self._summaries.extend(change_summary(r.old_value, r.new_value) for r in rows)
        self.endInsertRows()

    def page_failed(self) -> None:
        """The page could not be read: stop asking until the next reset."""
        self._waiting = False
        self._more = False

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._more and not self._waiting and bool(self._rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent) or self._request is None:
            return
        self._waiting = True
        self._request(self._rows[-1].id)

    def row_at(self, row: int) -> AuditRow:
        """The audit row shown in ``row``."""
        return self._rows[row]

    def row_of_id(self, audit_id: int) -> int:
        """The table row showing audit row ``audit_id``, or -1 when not loaded."""
        return next((i for i, r in enumerate(self._rows) if r.id == audit_id), -1)

    def set_broken(self, audit_id: int | None) -> None:
        """Mark the audit row the chain check named (None: none)."""
        self._broken_id = audit_id
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return (
                str(r.id),
                _time(r.time_utc),
                r.user_name,
                r.action,
                r.entity,
                r.entity_id,
                r.reason,
                self._summaries[index.row()],
            )[column]
        broken = r.id == self._broken_id
        if role == Qt.ItemDataRole.ForegroundRole:
            if broken:
                return _RED
            if column == 2 and r.user_name == "system":
                return QColor(MUTED)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if broken:
                return "The chain check names this row: it was changed outside the application"
            if column in (6, 7):
                return (r.reason, self._summaries[index.row()])[column - 6] or None
        return None


# --- dialogs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUser:
    """A user as typed in :class:`AddUserDialog`."""

    name: str
    full_name: str
    role: str
    password: str


def _password_box(placeholder: str = "") -> QLineEdit:
    box = QLineEdit()
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setPlaceholderText(placeholder)
    return box


def _problem_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(_ERROR_STYLE)
    return label


class AddUserDialog(QDialog):
    """A new user: name, printed full name, role, and the password typed twice."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a user")
        self.name = QLineEdit()
        self.name.setPlaceholderText("one word, used to sign in")
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("as printed on signatures and certificates")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.value, role.value)
        self.password = _password_box(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.repeat = _password_box()
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow("&User name", self.name)
        form.addRow("&Full name", self.full_name)
        form.addRow("&Role", self.role)
        form.addRow("&Password", self.password)
        form.addRow("R&epeat it", self.repeat)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self, "Add user", self._check))

    @Slot()
    def _check(self) -> None:
        # Only what the core cannot see: the two typings. Names and lengths are its rules.
        if self.password.text() != self.repeat.text():
            self.problem.setText("The two passwords differ.")
            return
        self.accept()

    def value(self) -> NewUser:
        """The user as typed."""
        return NewUser(
            self.name.text().strip(),
            self.full_name.text().strip(),
            str(self.role.currentData()),
            self.password.text(),
        )

    @classmethod
    def ask(cls, parent: QWidget | None) -> NewUser | None:
        """The new user, or None when cancelled."""
        dialog = cls(parent)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class RoleDialog(QDialog):
    """Another role for one user, and why."""

    def __init__(self, parent: QWidget | None, name: str, current: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Change the role of {name}")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.value, role.value)
        self.role.setCurrentIndex(self.role.findData(current))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (recorded in the audit trail)")
        self.problem = _problem_label()
        note = QLabel(f"{name} is {current} now. The last admin who can sign in keeps the role.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&New role", self.role)
        form.addRow("&Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        self._current = current
        layout.addWidget(ok_cancel(self, "Change role", self._check))

    @Slot()
    def _check(self) -> None:
        if self.role.currentData() == self._current:
            self.problem.setText("Choose a role other than the present one.")
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, current: str) -> tuple[str, str] | None:
        """The new role and the reason, or None when cancelled."""
        dialog = cls(parent, name, current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return str(dialog.role.currentData()), dialog.reason.text().strip()


class PasswordDialog(QDialog):
    """A new password for a user, typed twice."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reset the password of {name}")
        self.password = _password_box(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.repeat = _password_box()
        self.problem = _problem_label()
        note = QLabel(
            f"{name} signs in with the new password from now on; wrong-password locks are cleared."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&New password", self.password)
        form.addRow("R&epeat it", self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self, "Reset password", self._check))

    @Slot()
    def _check(self) -> None:
        if self.password.text() != self.repeat.text():
            self.problem.setText("The two passwords differ.")
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> str | None:
        """The new password, or None when cancelled."""
        dialog = cls(parent, name)
        return dialog.password.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ReasonDialog(QDialog):
    """A yes/no question with an optional reason for the audit trail."""

    def __init__(self, parent: QWidget | None, title: str, question: str, ok_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        text = QLabel(question)
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason (recorded in the audit trail)")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.reason)
        layout.addWidget(ok_cancel(self, ok_text, self.accept))

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, question: str, ok_text: str) -> str | None:
        """The reason ("" when none given), or None when cancelled."""
        dialog = cls(parent, title, question, ok_text)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason.text().strip()


# --- the view ------------------------------------------------------------------------------


class AdminView(QWidget):
    """Users (add, change role, reset password, lock/unlock) and the audit trail browser.

    Parameters
    ----------
    db : DeskDatabase
    parent : QWidget or None

    Signals
    -------
    usersChanged()
        A user was added or changed (sign-in lists may want to reload).
    verified(bool, str)
        The chain check finished: whether all is well, and the result as shown.
    """

    usersChanged = Signal()
    verified = Signal(bool, str)

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._filter = AuditFilter()
        self._generation = 0  # bumps on every new filter: late pages of old ones are dropped
        self._select_after_load: str | None = None

        self.messages = MessageBar()

        # Users tab.
        self.users_model = UsersModel(self)
        self.users_table = row_table(self.users_model, "Everyone who may sign in to the records")
        self.add_button = QPushButton("Add user…")
        self.add_button.setObjectName("primary")
        self.add_button.setToolTip("Add a user with a role and a first password (Ctrl+N)")
        self.role_button = QPushButton("Change role…")
        self.role_button.setToolTip("Give the selected user another role (Ctrl+R)")
        self.password_button = QPushButton("Reset password…")
        self.password_button.setToolTip("Set a new password for the selected user (Ctrl+P)")
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Lock or unlock the selected user (Ctrl+L)")
        self._actions = (self.add_button, self.role_button, self.password_button, self.lock_button)
        user_buttons = QHBoxLayout()
        for button in self._actions:
            user_buttons.addWidget(button)
        user_buttons.addStretch(1)
        users_page = QWidget()
        users_layout = QVBoxLayout(users_page)
        users_layout.addLayout(user_buttons)
        users_layout.addWidget(self.users_table, 1)

        # Audit tab.
        self.audit_model = AuditModel(self._request_page, self)
        self.audit_table = row_table(self.audit_model, "The audit trail, newest first")
        self.entity = QComboBox()
        self.entity.setToolTip("Only rows about this kind of record")
        self.entity.addItem("Every entity", "")
        self.actor = QComboBox()
        self.actor.setToolTip("Only rows by this user")
        self.actor.addItem("Every user", "")
        self.text = QLineEdit()
        self.text.setPlaceholderText("Search id, reason, values…  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.setToolTip("Found in the action, id, reason, actor, old or new value")
        self.audit_count = QLabel()
        self.audit_count.setObjectName("muted")
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip(
            "Re-walk the hash chain and re-hash every signed lot, as `inspector audit verify`"
        )
        self.verify_result = QLabel("Not verified in this session.")
        self.verify_result.setObjectName("muted")
        self.verify_result.setWordWrap(True)
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an audit row to read it in full.")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.detail.setFont(mono)
        filters = QHBoxLayout()
        filters.addWidget(self.entity, 1)
        filters.addWidget(self.actor, 1)
        filters.addWidget(self.text, 3)
        filters.addWidget(self.audit_count)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_button)
        verify_row.addWidget(self.verify_result, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.audit_table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([1060, 320])
        audit_page = QWidget()
        audit_layout = QVBoxLayout(audit_page)
        audit_layout.addLayout(verify_row)
        audit_layout.addLayout(filters)
        audit_layout.addWidget(split, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(users_page, "Users")
        self.tabs.addTab(audit_page, "Audit trail")
        layout = QVBoxLayout(self)
        layout.addWidget(self.messages)
        layout.addWidget(self.tabs, 1)

        # Typing waits for a pause before asking the database.
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(300)
        self._text_timer.timeout.connect(self.reload_audit)
        self.text.textChanged.connect(self._text_timer.start)
        self.text.returnPressed.connect(self.reload_audit)
        self.entity.activated.connect(self.reload_audit)
        self.actor.activated.connect(self.reload_audit)
        self.verify_button.clicked.connect(self.verify)
        self.audit_table.selectionModel().currentRowChanged.connect(self._audit_selected)
        self.users_table.selectionModel().currentRowChanged.connect(self._user_selected)
        self.add_button.clicked.connect(self.add_user)
        self.role_button.clicked.connect(self.change_role)
        self.password_button.clicked.connect(self.reset_password)
        self.lock_button.clicked.connect(self.toggle_lock)
        add_shortcuts(
            self,
            (
                (QKeySequence.StandardKey.New, self.add_user),
                ("Ctrl+R", self.change_role),
                ("Ctrl+P", self.reset_password),
                ("Ctrl+L", self.toggle_lock),
                (QKeySequence.StandardKey.Find, self._focus_search),
                (QKeySequence.StandardKey.Refresh, self.refresh),
            ),
        )
        self.set_user(None)

    # --- contract -------------------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Show the user actions to admins only (the core checks again), then refresh."""
        self._user = user
        for button in self._actions:
            button.setVisible(self._is_admin())
        self._update_buttons()
        self.refresh()

    def _is_admin(self) -> bool:
        return self._user is not None and self._user.can(Permission.MANAGE_USERS)

    @Slot()
    def refresh(self) -> None:
        """Reload the users and the audit trail's first page."""
        self._db.call(_accounts, self._on_accounts, self.messages.show_error)
        self.reload_audit()

    # --- users ----------------------------------------------------------------------------

    def _on_accounts(self, accounts: list[Account]) -> None:
        selected = self._select_after_load or (
            self._selected().user.name if self._selected() else None
        )
        self._select_after_load = None
        self.users_model.set_accounts(accounts)
        self.users_table.resizeColumnsToContents()
        if selected is not None and (row := self.users_model.row_of(selected)) >= 0:
            self.users_table.setCurrentIndex(self.users_model.index(row, 0))
        self._update_buttons()

    def _selected(self) -> Account | None:
        index = self.users_table.currentIndex()
        return self.users_model.account_at(index.row()) if index.isValid() else None

    @Slot(QModelIndex, QModelIndex)
    def _user_selected(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        account = self._selected()
        for button in (self.role_button, self.password_button, self.lock_button):
            button.setEnabled(account is not None)
        locked = account is not None and account.locked_now()
        self.lock_button.setText("Unlock" if locked else "Lock")

    def _change(self, work: Any, select: str | None = None) -> None:
        """Run one user change in the worker; then say so and reload."""
        self._select_after_load = select
        self._db.call(work, self._on_changed, self.messages.show_error)

    def _on_changed(self, message: str) -> None:
        self.messages.show_info(message)
        self.usersChanged.emit()
        self.refresh()

    @Slot()
    def add_user(self) -> None:
        """Ask for a new user and add it."""
        if not self._is_admin() or self._user is None:
            return
        new = AddUserDialog.ask(self)
        if new is not None:
            self._change(functools.partial(_add_user, actor=self._user, new=new), new.name)

    @Slot()
    def change_role(self) -> None:
        """Ask for the selected user's new role and set it."""
        account = self._selected()
        if not self._is_admin() or self._user is None or account is None:
            return
        answer = RoleDialog.ask(self, account.user.name, account.user.role.value)
        if answer is not None:
            role, reason = answer
            work = functools.partial(
                _set_role, actor=self._user, name=account.user.name, role=role, reason=reason
            )
            self._change(work, account.user.name)

    @Slot()
    def reset_password(self) -> None:
        """Ask for a new password for the selected user and set it."""
        account = self._selected()
        if not self._is_admin() or self._user is None or account is None:
            return
        password = PasswordDialog.ask(self, account.user.name)
        if password is not None:
            work = functools.partial(
                _reset_password, actor=self._user, name=account.user.name, password=password
            )
            self._change(work, account.user.name)

    @Slot()
    def toggle_lock(self) -> None:
        """Lock the selected user, or unlock a locked one, after asking why."""
        account = self._selected()
        if not self._is_admin() or self._user is None or account is None:
            return
        lock = not account.locked_now()
        name = account.user.name
        question = (
            f"Lock {name}? They cannot sign in until an admin unlocks the account."
            if lock
            else f"Unlock {name}? This also clears a lock after wrong passwords."
        )
        reason = ReasonDialog.ask(
            self, "Lock user" if lock else "Unlock user", question, "Lock" if lock else "Unlock"
        )
        if reason is not None:
            work = functools.partial(
                _set_locked, actor=self._user, name=name, locked=lock, reason=reason
            )
            self._change(work, name)

    # --- audit trail ----------------------------------------------------------------------

    @Slot()
    def reload_audit(self) -> None:
        """Show the first page of the trail under the current filter."""
        self._text_timer.stop()
        self._filter = AuditFilter(
            entity=str(self.entity.currentData() or ""),
            actor=str(self.actor.currentData() or ""),
            text=self.text.text().strip(),
        )
        self._generation += 1
        work = functools.partial(_audit_start, where=self._filter, limit=PAGE_SIZE)
        done = functools.partial(self._on_audit_start, generation=self._generation)
        self._db.call(work, done, self.messages.show_error)

    def _on_audit_start(self, start: _AuditStart, generation: int) -> None:
        if generation != self._generation:
            return
        self._fill_choices(self.entity, start.entities, "Every entity")
        self._fill_choices(self.actor, start.actors, "Every user")
        self.audit_model.reset_rows(start.rows, more=len(start.rows) == PAGE_SIZE)
        self.audit_count.setText(f"{start.total:,} rows")
        self.detail.clear()
        header = self.audit_table.horizontalHeader()
        if start.rows and header.sectionSize(0) == header.defaultSectionSize():
            self.audit_table.resizeColumnsToContents()
            header.resizeSection(6, min(header.sectionSize(6), 260))
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(True)

    @staticmethod
    def _fill_choices(box: QComboBox, values: list[str], everything: str) -> None:
        current = box.currentData() or ""
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, "")
        for value in values:
            box.addItem(value, value)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)

    def _request_page(self, before_id: int) -> None:
        work = functools.partial(
            _audit_page, where=self._filter, before_id=before_id, limit=PAGE_SIZE
        )
        done = functools.partial(self._on_audit_page, generation=self._generation)
        failed = functools.partial(self._on_audit_page_failed, generation=self._generation)
        self._db.call(work, done, failed)

    def _on_audit_page(self, rows: list[AuditRow], generation: int) -> None:
        if generation == self._generation:
            self.audit_model.add_page(rows, more=len(rows) == PAGE_SIZE)

    def _on_audit_page_failed(self, message: str, generation: int) -> None:
        if generation == self._generation:
            self.audit_model.page_failed()
        self.messages.show_error(message)

    @Slot(QModelIndex, QModelIndex)
    def _audit_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        row = self.audit_model.row_at(current.row())
        self.detail.setPlainText(json.dumps(row.to_dict(), indent=2, ensure_ascii=False))

    @Slot()
    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.text.setFocus()
        self.text.selectAll()

    @Slot()
    def verify(self) -> None:
        """Check the audit chain and the signatures in the worker, then show the result."""
        self.verify_button.setEnabled(False)
        self.verify_result.setText("Verifying…")
        self._db.call(_verify, self._on_verified, self._on_verify_failed)

    def _on_verified(self, result: tuple[AuditReport, list[str]]) -> None:
        report, signature_problems = result
        self.verify_button.setEnabled(True)
        ok = report.ok and not signature_problems
        if report.ok:
            lines = [f"✔ Audit trail intact: {report.rows:,} rows chain up."]
        else:
            lines = [
                f"✖ {report.problem[:1].upper()}{report.problem[1:]}." if report.problem else ""
            ]
        if signature_problems:
            lines += [f"✖ {p}" for p in signature_problems]
        elif report.ok:
            lines.append("Every signature matches its lot's records.")
        text = " ".join(lines)
        self.verify_result.setText(text)
        self.verify_result.setStyleSheet(
            f"color: {_GREEN.name() if ok else _RED.name()}; font-weight: 700;"
        )
        self.audit_model.set_broken(report.broken_id)
        if report.broken_id is not None:
            row = self.audit_model.row_of_id(report.broken_id)
            if row >= 0:
                self.audit_table.scrollTo(self.audit_model.index(row, 0))
        self.verified.emit(ok, text)

    def _on_verify_failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.setText("Not verified: the check could not run.")
        self.messages.show_error(message)
