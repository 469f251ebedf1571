"""The recipes view: the AS568 catalogue, customer parts, their versions and the editor.

Engineers browse the shipped catalogue (searchable by dash number, ID and cross-section)
and the parts the records hold (customer parts and edited catalogue sizes), read any
version with who stored it, when and why, and save new versions through
:mod:`inspector.records.recipe_versions`. Everyone else browses read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.auth import Permission, User
from inspector.recipes import Recipe, list_grades
from inspector.records import recipe_versions
from inspector.records.recipe_versions import FieldChange, RecipeVersion, StoredPart
from inspector.store import SqliteStore
from ui.desk.common import add_shortcuts, row_table
from ui.desk.database import DeskDatabase
from ui.desk.recipe_editor import RecipeEditorDialog
from ui.models import _RowsModel
from ui.theme import ACCENT, MUTED
from ui.widgets import MessageBar

__all__ = [
    "CatalogueModel",
    "ChangesModel",
    "PartsModel",
    "RecipeFilter",
    "RecipesView",
    "VersionsModel",
]

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
#: Raw values for sorting (numbers sort as numbers).
SORT_ROLE = Qt.ItemDataRole.UserRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_EDITED = QColor("#ffc94a")


# --- work run in the database worker -------------------------------------------------------


@dataclass(frozen=True)
class _Browse:
    catalogue: list[Recipe] | None
    parts: list[StoredPart]
    grades: list[str]


def _browse(store: SqliteStore, *, with_catalogue: bool) -> _Browse:
    """The catalogue (once: it is shipped data), the records' parts and the grades."""
    return _Browse(
        catalogue=recipe_versions.catalogue() if with_catalogue else None,
        parts=recipe_versions.stored_parts(store),
        grades=list_grades(),
    )


def _versions(store: SqliteStore, part: str) -> tuple[str, list[RecipeVersion]]:
    return part, recipe_versions.versions(store, part)


def _create(store: SqliteStore, actor: User, recipe: Recipe, reason: str) -> Recipe:
    return recipe_versions.create_part(store, actor, recipe, reason=reason)


def _edit(store: SqliteStore, actor: User, recipe: Recipe, reason: str) -> Recipe:
    return recipe_versions.save_recipe_edit(store, actor, recipe, reason=reason)


# --- models --------------------------------------------------------------------------------


def _tol(value: float, tol: float) -> str:
    return f"{value:.2f} ± {tol:.2f}"


def _plan(recipe: Recipe) -> str:
    return f"{recipe.sampling.level} / {recipe.sampling.aql:g} %"


class _RecipeRows(_RowsModel):
    """Rows that each show a recipe; :meth:`recipe_at` gives it to the filter."""

    def recipe_at(self, row: int) -> Recipe:
        raise NotImplementedError


class CatalogueModel(_RecipeRows):
    """The shipped recipes: one row per AS568 size, flagged when the records hold an edit."""

    HEADERS = ("Part", "ID mm", "CS mm", "OD mm", "Grade", "Plan", "In the records")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Recipe] = []
        self._stored: dict[str, StoredPart] = {}

    def set_recipes(self, recipes: Sequence[Recipe]) -> None:
        """Show ``recipes`` (by name)."""
        self.beginResetModel()
        self._rows = list(recipes)
        self.endResetModel()

    def set_stored(self, parts: Sequence[StoredPart]) -> None:
        """Mark the sizes the records hold versions of."""
        self._stored = {p.latest.name: p for p in parts if p.in_catalogue}
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def recipe_at(self, row: int) -> Recipe:
        return self._rows[row]

    def row_of(self, name: str) -> int:
        """The row showing part ``name``, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.name == name), -1)

    def _stored_text(self, name: str) -> str:
        part = self._stored.get(name)
        if part is None:
            return ""
        if part.edited:
            return f"edited: v{part.latest.version}"
        return "as shipped"

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role in (_DISPLAY, SORT_ROLE):
            if role == SORT_ROLE and column in (1, 2, 3):
                return (r.id_mm, r.cs_mm, r.od_mm)[column - 1]
            return (
                r.name,
                _tol(r.id_mm, r.id_tol_mm),
                _tol(r.cs_mm, r.cs_tol_mm),
                f"{r.od_mm:.2f}",
                r.grade,
                _plan(r),
                self._stored_text(r.name),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == 6:
            part = self._stored.get(r.name)
            return _EDITED if part is not None and part.edited else QColor(MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.description
        return None


class PartsModel(_RecipeRows):
    """Parts with versions in the records that the catalogue lacks or that were edited."""

    HEADERS = ("Part", "Version", "ID mm", "CS mm", "Grade", "Plan", "Versions", "Updated", "Kind")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StoredPart] = []

    def set_parts(self, parts: Sequence[StoredPart]) -> None:
        """Show the customer parts and edited catalogue sizes among ``parts``."""
        self.beginResetModel()
        self._rows = [p for p in parts if p.customer_part]
        self.endResetModel()

    def recipe_at(self, row: int) -> Recipe:
        return self._rows[row].latest

    def row_of(self, name: str) -> int:
        """The row showing part ``name``, or -1."""
        return next((i for i, p in enumerate(self._rows) if p.latest.name == name), -1)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        part = self._rows[index.row()]
        r = part.latest
        column = index.column()
        if role in (_DISPLAY, SORT_ROLE):
            if role == SORT_ROLE and column in (1, 2, 3, 6):
                return {1: r.version, 2: r.id_mm, 3: r.cs_mm, 6: part.versions}[column]
            return (
                r.name,
                f"v{r.version}",
                _tol(r.id_mm, r.id_tol_mm),
                _tol(r.cs_mm, r.cs_tol_mm),
                r.grade,
                _plan(r),
                str(part.versions),
                part.updated_utc[:16].replace("T", " "),
                "edited AS568 size" if part.in_catalogue else "customer part",
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3, 6):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.description
        return None


class VersionsModel(_RowsModel):
    """Every version of one part, newest first, with who stored it, when and why."""

    HEADERS = ("Version", "Stored (UTC)", "By", "Action", "Reason")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RecipeVersion] = []

    def set_versions(self, versions: Sequence[RecipeVersion]) -> None:
        """Show ``versions`` (given oldest first) newest first."""
        self.beginResetModel()
        self._rows = list(reversed(versions))
        self.endResetModel()

    def version_at(self, row: int) -> RecipeVersion:
        """The version shown in ``row``."""
        return self._rows[row]

    def previous_of(self, row: int) -> RecipeVersion | None:
        """The version before the one in ``row`` (shown below it), or None."""
        return self._rows[row + 1] if row + 1 < len(self._rows) else None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        v = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            shipped = v.source == recipe_versions.CATALOGUE
            return (
                f"v{v.recipe.version}" + (" (shipped)" if shipped else ""),
                "models/recipes" if shipped else v.stored_utc[:19].replace("T", " "),
                v.by,
                {"create": "stored", "update": "edited"}.get(v.action, v.action),
                v.reason or ("" if shipped or v.action != "create" else "snapshot for a lot"),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and not v.reason:
            return QColor(MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            return v.reason or f"SHA-256 {v.sha256}"
        return None


class ChangesModel(_RowsModel):
    """The fields one version changed from the one before it."""

    HEADERS = ("Field", "Before", "After")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[FieldChange] = []

    def set_changes(self, changes: Sequence[FieldChange]) -> None:
        """Show ``changes``."""
        self.beginResetModel()
        self._rows = list(changes)
        self.endResetModel()

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        change = self._rows[index.row()]
        if role in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return (change.field, change.old, change.new)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QColor(ACCENT)
        return None


class RecipeFilter(QSortFilterProxyModel):
    """Keeps the rows whose part matches every word typed and the chosen cross-section.

    A word matches the part name (``214``, ``AS568-214``, ``acme``), or the start of the
    nominal ID or CS in mm as shown (``24.99``, ``3.53``, ``24.9``).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._cs: float | None = None
        self.setSortRole(SORT_ROLE)

    def set_query(self, text: str) -> None:
        """Filter by the words of ``text`` (all must match)."""
        self.beginFilterChange()
        self._words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_cross_section(self, cs_mm: float | None) -> None:
        """Keep only parts of this nominal cross-section (None: every one)."""
        self.beginFilterChange()
        self._cs = cs_mm
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @staticmethod
    def _matches(recipe: Recipe, word: str) -> bool:
        name = recipe.name.casefold()
        dash = name.removeprefix("as568-")
        return (
            word in name
            or dash.startswith(word.lstrip("-"))
            or f"{recipe.id_mm:.2f}".startswith(word)
            or f"{recipe.cs_mm:.2f}".startswith(word)
        )

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, _RecipeRows):
            return True
        recipe = model.recipe_at(source_row)
        if self._cs is not None and abs(recipe.cs_mm - self._cs) > 1e-6:
            return False
        return all(self._matches(recipe, w) for w in self._words)


# --- the view ------------------------------------------------------------------------------


class RecipesView(QWidget):
    """Browse recipes and their versions; engineers create parts and save new versions.

    Parameters
    ----------
    db : DeskDatabase
    parent : QWidget or None

    Signals
    -------
    recipeSaved(str, int)
        A new version was stored: the part name and its version number.
    """

    recipeSaved = Signal(str, int)

    _FIELDS: tuple[tuple[str, str], ...] = (
        ("part", "Part"),
        ("version", "Version"),
        ("description", "Description"),
        ("standard", "Standard"),
        ("id", "Inside diameter"),
        ("cs", "Cross-section"),
        ("od", "Outside diameter"),
        ("grade", "Grade"),
        ("plan", "Sampling plan"),
        ("confirmed", "Confirmed"),
        ("note", "Note"),
        ("sources", "Sources"),
        ("stored", "Stored"),
        ("sha", "SHA-256"),
    )

    def __init__(self, db: DeskDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._user: User | None = None
        self._catalogue: list[Recipe] = []
        self._fit_when_shown = False
        self._grades: list[str] = []
        self._part: str | None = None
        self._select_after_load: str | None = None

        self.messages = MessageBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: dash number, part name, ID or CS in mm  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("e.g. 214, ACME, 24.99 or 3.53; several words must all match")
        self.cross_section = QComboBox()
        self.cross_section.setToolTip("Only parts of this nominal cross-section")
        self.cross_section.addItem("Every cross-section", None)
        self.count = QLabel()
        self.count.setObjectName("muted")
        self.new_button = QPushButton("New part…")
        self.new_button.setToolTip("Create a customer part from an AS568 size (Ctrl+N)")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("primary")
        self.edit_button.setToolTip(
            "Save a new version of the selected recipe; older versions stay readable (Ctrl+E)"
        )
        self.edit_button.setEnabled(False)

        self.catalogue_model = CatalogueModel(self)
        self.catalogue_proxy = RecipeFilter(self)
        self.catalogue_proxy.setSourceModel(self.catalogue_model)
        self.parts_model = PartsModel(self)
        self.parts_proxy = RecipeFilter(self)
        self.parts_proxy.setSourceModel(self.parts_model)
        self.catalogue_table = row_table(self.catalogue_proxy, "The shipped AS568 sizes")
        self.catalogue_table.setSortingEnabled(True)
        self.catalogue_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.parts_table = row_table(
            self.parts_proxy, "Parts the records hold: customer parts and edited AS568 sizes"
        )
        self.parts_table.setSortingEnabled(True)
        self.parts_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.parts_empty = QLabel(
            "No customer parts or edited sizes in the records yet. An engineer creates one "
            "with New part… (from an AS568 size) or by editing a catalogue recipe."
        )
        self.parts_empty.setWordWrap(True)
        self.parts_empty.setObjectName("muted")
        parts_page = QWidget()
        parts_layout = QVBoxLayout(parts_page)
        parts_layout.setContentsMargins(0, 0, 0, 0)
        parts_layout.addWidget(self.parts_empty)
        parts_layout.addWidget(self.parts_table, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.catalogue_table, "AS568 catalogue")
        self.tabs.addTab(parts_page, "Customer and edited parts")

        self.versions_model = VersionsModel(self)
        self.versions_table = row_table(
            self.versions_model, "Every version of the part; select one to read it"
        )
        self.changes_model = ChangesModel(self)
        self.changes_table = row_table(self.changes_model, "What this version changed")
        self.changes_title = QLabel()
        self.changes_title.setObjectName("muted")

        self.detail_title = QLabel("Select a recipe")
        font = self.detail_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.detail_title.setFont(font)
        self.detail_state = QLabel()
        self.detail_state.setObjectName("muted")
        self.detail_state.setWordWrap(True)
        self._values: dict[str, QLabel] = {}
        detail_box = QGroupBox("Recipe")
        form = QFormLayout(detail_box)
        for key, label in self._FIELDS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._values[key] = value
            form.addRow(label, value)
        versions_box = QGroupBox("Versions of the selected part (newest first)")
        versions_layout = QVBoxLayout(versions_box)
        versions_layout.addWidget(self.versions_table)
        changes_box = QGroupBox("Changes")
        changes_layout = QVBoxLayout(changes_box)
        changes_layout.addWidget(self.changes_title)
        changes_layout.addWidget(self.changes_table, 1)

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.cross_section, 1)
        top.addWidget(self.count)
        top.addStretch(1)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)

        # Left: what to pick (parts, then one of its versions); right: the version picked.
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tabs)
        left.addWidget(versions_box)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        left.setSizes([520, 260])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail_title)
        right_layout.addWidget(self.detail_state)
        right_layout.addWidget(detail_box)
        right_layout.addWidget(changes_box, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([800, 540])

        layout = QVBoxLayout(self)
        layout.addWidget(self.messages)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self._filter)
        self.cross_section.currentIndexChanged.connect(self._filter)
        self.tabs.currentChanged.connect(self._tab_changed)
        for table in (self.catalogue_table, self.parts_table):
            table.selectionModel().currentRowChanged.connect(self._part_selected)
        self.versions_table.selectionModel().currentRowChanged.connect(self._version_selected)
        self.new_button.clicked.connect(self.create_part)
        self.edit_button.clicked.connect(self.edit_selected)
        add_shortcuts(
            self,
            (
                (QKeySequence.StandardKey.Find, self._focus_search),
                (QKeySequence.StandardKey.New, self.create_part),
                ("Ctrl+E", self.edit_selected),
                (QKeySequence.StandardKey.Refresh, self.refresh),
            ),
        )
        self.set_user(None)

    # --- contract -------------------------------------------------------------------------

    def set_user(self, user: User | None) -> None:
        """Show editing to engineers only (the core checks the role again), then refresh."""
        self._user = user
        can_edit = self._can_edit()
        self.new_button.setVisible(can_edit)
        self.edit_button.setVisible(can_edit)
        self.refresh()

    def _can_edit(self) -> bool:
        return self._user is not None and self._user.can(Permission.EDIT_RECIPE)

    @Slot()
    def refresh(self) -> None:
        """Reload the records' parts (and the catalogue the first time) in the worker."""
        work = functools.partial(_browse, with_catalogue=not self._catalogue)
        self._db.call(work, self._on_browse, self.messages.show_error)

    # --- loading --------------------------------------------------------------------------

    def _on_browse(self, result: _Browse) -> None:
        if result.catalogue is not None:
            self._catalogue = result.catalogue
            self.catalogue_model.set_recipes(result.catalogue)
            self._fill_cross_sections()
        self._grades = result.grades
        self.catalogue_model.set_stored(result.parts)
        self.parts_model.set_parts(result.parts)
        self.parts_empty.setVisible(self.parts_model.rowCount() == 0)
        self.tabs.setTabText(1, f"Customer and edited parts ({self.parts_model.rowCount()})")
        self.tabs.setTabText(0, f"AS568 catalogue ({self.catalogue_model.rowCount()})")
        self._update_count()
        self._fit(self.catalogue_table, self.parts_table)
        wanted = self._select_after_load or self._part
        self._select_after_load = None
        if wanted is not None:
            self.select_part(wanted)

    def _fill_cross_sections(self) -> None:
        sizes: dict[float, int] = {}
        for r in self._catalogue:
            sizes[r.cs_mm] = sizes.get(r.cs_mm, 0) + 1
        self.cross_section.blockSignals(True)
        while self.cross_section.count() > 1:
            self.cross_section.removeItem(1)
        # The AS568 series share five cross-sections; the -9xx boss seals have their own.
        for cs, n in sorted(sizes.items()):
            if n >= 5:
                self.cross_section.addItem(f"CS {cs:.2f} mm ({n} sizes)", cs)
        self.cross_section.blockSignals(False)

    @Slot()
    def _filter(self) -> None:
        cs = self.cross_section.currentData()
        for proxy in (self.catalogue_proxy, self.parts_proxy):
            proxy.set_query(self.search.text())
            proxy.set_cross_section(cs)
        self._update_count()

    def _update_count(self) -> None:
        proxy = self._current_proxy()
        self.count.setText(f"{proxy.rowCount()} of {proxy.sourceModel().rowCount()}")

    def _current_proxy(self) -> RecipeFilter:
        return self.parts_proxy if self.tabs.currentIndex() == 1 else self.catalogue_proxy

    def _current_table(self) -> QTableView:
        return self.parts_table if self.tabs.currentIndex() == 1 else self.catalogue_table

    @Slot(int)
    def _tab_changed(self, _index: int) -> None:
        self._update_count()
        current = self._current_table().currentIndex()
        if current.isValid():
            self._part_selected(current)

    @Slot()
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def select_part(self, name: str) -> bool:
        """Select part ``name`` in the catalogue or the parts list (it shows its versions).

        The parts list wins when it holds the part (its newest version lives there).
        """
        for tab, table, proxy, model in (
            (1, self.parts_table, self.parts_proxy, self.parts_model),
            (0, self.catalogue_table, self.catalogue_proxy, self.catalogue_model),
        ):
            row = model.row_of(name)
            if row < 0:
                continue
            index = proxy.mapFromSource(model.index(row, 0))
            if not index.isValid():  # filtered out: show it anyway
                self.search.clear()
                self.cross_section.setCurrentIndex(0)
                index = proxy.mapFromSource(model.index(row, 0))
            self.tabs.setCurrentIndex(tab)
            table.setCurrentIndex(index)
            table.scrollTo(index)
            return True
        return False

    @Slot(QModelIndex, QModelIndex)
    def _part_selected(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        if not current.isValid():
            return
        proxy = current.model()
        assert isinstance(proxy, RecipeFilter)
        source = proxy.sourceModel()
        assert isinstance(source, _RecipeRows)
        recipe = source.recipe_at(proxy.mapToSource(current).row())
        self._part = recipe.name
        self._db.call(
            functools.partial(_versions, part=recipe.name),
            self._on_versions,
            self.messages.show_error,
        )

    def _on_versions(self, result: tuple[str, list[RecipeVersion]]) -> None:
        part, found = result
        if part != self._part:  # the selection moved on while this was loading
            return
        self.versions_model.set_versions(found)
        self._fit(self.versions_table)
        self.edit_button.setEnabled(bool(found))
        if found:
            self.versions_table.setCurrentIndex(self.versions_model.index(0, 0))

    @Slot(QModelIndex, QModelIndex)
    def _version_selected(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        if current.isValid():
            self._show_version(current.row())

    def _show_version(self, row: int) -> None:
        v = self.versions_model.version_at(row)
        r = v.recipe
        newest = row == 0
        self.detail_title.setText(f"{r.name}  v{r.version}")
        if newest:
            self.detail_state.setText("Newest version: lots opened from now on use it.")
        else:
            newest_version = self.versions_model.version_at(0).recipe.version
            self.detail_state.setText(
                f"Older version, read-only (the newest is v{newest_version}). "
                "Lots inspected with it keep pointing at it."
            )
        shipped = v.source == recipe_versions.CATALOGUE
        values = {
            "part": r.name,
            "version": f"v{r.version}" + (" (shipped catalogue file)" if shipped else ""),
            "description": r.description,
            "standard": r.standard,
            "id": f"{r.id_mm:.3f} ± {r.id_tol_mm:.3f} mm",
            "cs": f"{r.cs_mm:.3f} ± {r.cs_tol_mm:.3f} mm",
            "od": f"{r.od_mm:.2f} mm (ID + 2 × CS)",
            "grade": r.grade,
            "plan": f"ISO 2859-1 level {r.sampling.level}, AQL {r.sampling.aql:g} %",
            "confirmed": "yes" if r.confirmed else "no (a figure has a single source)",
            "note": r.note or "—",
            "sources": r.sources or "—",
            "stored": "shipped in models/recipes"
            if shipped
            else f"{v.stored_utc[:19].replace('T', ' ')} UTC by {v.by or 'system'}"
            + (
                f": “{v.reason}”"
                if v.reason
                else " (the snapshot a lot was opened with)"
                if v.action == "create"
                else ""
            ),
            # The full hash is long and unbroken: the first 16 digits identify it to a person.
            "sha": f"{v.sha256[:16]}…",
        }
        for key, text in values.items():
            self._values[key].setText(text)
        self._values["sha"].setToolTip(f"SHA-256 of the canonical recipe JSON: {v.sha256}")
        previous = self.versions_model.previous_of(row)
        if previous is None:
            self.changes_title.setText("First version: nothing to compare with.")
            self.changes_model.set_changes([])
        else:
            changes = recipe_versions.diff(previous.recipe, r)
            self.changes_title.setText(
                f"Changes from v{previous.recipe.version} to v{r.version}"
                + ("" if changes else ": none in the fields (same content)")
            )
            self.changes_model.set_changes(changes)
            self._fit(self.changes_table)

    # --- editing --------------------------------------------------------------------------

    def _selected_version(self) -> RecipeVersion | None:
        current = self.versions_table.currentIndex()
        if not current.isValid():
            return None
        return self.versions_model.version_at(current.row())

    @Slot()
    def edit_selected(self) -> None:
        """Edit the selected version (the newest unless another is selected)."""
        if not self._can_edit() or self._user is None:
            return
        selected = self._selected_version()
        if selected is None:
            self.messages.show_info("Select a recipe to edit first.")
            return
        newest = self.versions_model.version_at(0).recipe.version
        edit = RecipeEditorDialog.ask(
            self, selected.recipe, self._grades, creating=False, next_version=newest + 1
        )
        if edit is not None:
            self._save(_edit, edit.recipe, edit.reason)

    @Slot()
    def create_part(self) -> None:
        """Create a customer part, starting from the selected size (or AS568-214)."""
        if not self._can_edit() or self._user is None:
            return
        selected = self._selected_version()
        base = selected.recipe if selected is not None else None
        if base is None:
            base = next((r for r in self._catalogue if r.name == "AS568-214"), None)
        if base is None:
            self.messages.show_info("The catalogue is still loading; try again in a moment.")
            return
        edit = RecipeEditorDialog.ask(
            self, base, self._grades, creating=True, catalogue=self._catalogue
        )
        if edit is not None:
            self._save(_create, edit.recipe, edit.reason)

    def _save(self, work: Any, recipe: Recipe, reason: str) -> None:
        assert self._user is not None
        self._db.call(
            functools.partial(work, actor=self._user, recipe=recipe, reason=reason),
            self._on_saved,
            self.messages.show_error,
        )

    def _on_saved(self, recipe: Recipe) -> None:
        self.messages.show_info(f"Saved {recipe.name} version {recipe.version}.")
        self._select_after_load = recipe.name
        self._part = recipe.name
        self.recipeSaved.emit(recipe.name, recipe.version)
        self.refresh()

    # --- for tests and the screenshot -----------------------------------------------------

    def shown_value(self, key: str) -> str:
        """The text of one field of the detail pane (``"grade"``, ``"id"``…)."""
        return self._values[key].text()

    def resize_columns(self) -> None:
        """Fit the tables' columns to what they show."""
        self._fit(self.catalogue_table, self.parts_table, self.versions_table, self.changes_table)

    def _fit(self, *tables: QTableView) -> None:
        # Fitted as their rows arrive, so nothing opens clipped; the user may still drag.
        # A page not on screen (loaded at sign-in behind the station) fits when first
        # shown: measuring rows holds the GUI thread, and the station is capturing.
        if not self.isVisible():
            self._fit_when_shown = True
            return
        for table in tables:
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_when_shown:
            self._fit_when_shown = False
            self.resize_columns()
