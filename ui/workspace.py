"""The signed-in work area: a list of pages on the left, the chosen page on the right.

Which pages are listed follows the signed-in user's role, as the core grants it (the
station for everyone; review for engineers; history, charts and lots for engineers and
managers; recipes for engineers and managers, read-only for managers; administration for
admins). The core checks every action again: hiding a page is a convenience, not the
guard. A page is refreshed from the records when it is shown, so it is never stale and
nothing is read for pages nobody opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

from inspector.auth import User


class DeskPage(Protocol):
    """What the workspace needs of a desk view (see ``ui/desk``)."""

    def set_user(self, user: User | None) -> None: ...

    def refresh(self) -> None: ...


@dataclass
class _Page:
    key: str
    title: str
    widget: QWidget
    shown_to: Callable[[User], bool]
    item: QListWidgetItem
    desk: bool  # a desk view (DeskPage): told the user, refreshed when shown


class Workspace(QWidget):
    """Navigation between the station and the desk's views.

    Signals
    -------
    pageChanged(str)
        The key of the page now shown.
    """

    pageChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nav = QListWidget()
        self.nav.setObjectName("workspaceNav")
        self.nav.setFixedWidth(170)
        self.nav.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.stack = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self._pages: list[_Page] = []
        self._user: User | None = None
        self.nav.currentItemChanged.connect(self._on_nav)

    def add_page(
        self,
        key: str,
        title: str,
        widget: QWidget,
        shown_to: Callable[[User], bool],
        *,
        desk: bool = True,
    ) -> None:
        """Add a page; ``shown_to(user)`` decides whether a signed-in user sees it.

        A ``desk`` page implements :class:`DeskPage`: it is told who signed in and is
        refreshed each time it is shown. The station (``desk=False``) manages itself.
        """
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.nav.addItem(item)
        self.stack.addWidget(widget)
        self._pages.append(_Page(key, title, widget, shown_to, item, desk))
        shortcut = len(self._pages)
        if shortcut <= 9:
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{shortcut}"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setData(key)
            action.triggered.connect(self._on_shortcut)
            self.addAction(action)
            item.setToolTip(f"{title} (Ctrl+{shortcut})")

    def page_keys(self) -> list[str]:
        """Keys of the pages the current user sees, in order."""
        return [p.key for p in self._pages if not p.item.isHidden()]

    def current_key(self) -> str | None:
        """Key of the page shown."""
        item = self.nav.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def page(self, key: str) -> QWidget:
        """The widget of a page."""
        return next(p.widget for p in self._pages if p.key == key)

    def set_user(self, user: User | None) -> None:
        """List the pages the user's role may see and hand the user to each desk view."""
        self._user = user
        for page in self._pages:
            page.item.setHidden(user is None or not page.shown_to(user))
            if page.desk:
                cast(DeskPage, page.widget).set_user(None if page.item.isHidden() else user)
        if user is not None:
            self.show_page("station")

    def show_page(self, key: str) -> bool:
        """Show a page the user may see; False when it is hidden or unknown."""
        for page in self._pages:
            if page.key == key and not page.item.isHidden():
                self.nav.setCurrentItem(page.item)
                return True
        return False

    @Slot()
    def _on_shortcut(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_page(str(action.data()))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_nav(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        key = str(current.data(Qt.ItemDataRole.UserRole))
        page = next(p for p in self._pages if p.key == key)
        self.stack.setCurrentWidget(page.widget)
        if page.desk:
            cast(DeskPage, page.widget).refresh()
        self.pageChanged.emit(key)
