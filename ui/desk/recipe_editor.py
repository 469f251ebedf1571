"""The recipe editor: a new customer part, or the next version of an existing recipe.

The dialog checks what it gets with the core's own rules (:func:`inspector.recipes.
recipe_from_dict`) and shows their message, so what it accepts is what the records accept.
It never saves: :meth:`RecipeEditorDialog.ask` returns the recipe and the reason, and the
view hands them to :mod:`inspector.records.recipe_versions` in the database worker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.recipes import (
    SAMPLING_LEVELS,
    Recipe,
    RecipeError,
    Sampling,
    recipe_from_dict,
)
from inspector.sampling import AQL_VALUES
from ui.widgets import ok_cancel

__all__ = ["RecipeEdit", "RecipeEditorDialog"]

_ERROR_STYLE = "color: #ff6b6b; font-weight: 700;"


@dataclass(frozen=True)
class RecipeEdit:
    """What the engineer asked to save: the recipe as typed and why."""

    recipe: Recipe
    reason: str


def _mm_box(tooltip: str, *, maximum: float = 2000.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(3)
    box.setRange(0.0, maximum)
    box.setSingleStep(0.01)
    box.setSuffix(" mm")
    box.setToolTip(tooltip)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box


class RecipeEditorDialog(QDialog):
    """Edit every field of a recipe; when ``creating``, also its name and the size it starts from.

    Parameters
    ----------
    parent : QWidget or None
    recipe : Recipe
        The version to start from (a catalogue size for a new part).
    grades : sequence of str
        The grades to choose from (:func:`inspector.recipes.list_grades`).
    creating : bool
        True for a new customer part (name typed, version 1); False for an edit.
    next_version : int
        The version an edit will be saved as (shown, the core decides).
    catalogue : sequence of Recipe
        Sizes a new part may start from (their fields fill the form).
    """

    def __init__(
        self,
        parent: QWidget | None,
        recipe: Recipe,
        grades: Sequence[str],
        *,
        creating: bool,
        next_version: int = 0,
        catalogue: Sequence[Recipe] = (),
    ) -> None:
        super().__init__(parent)
        self._creating = creating
        self._base = recipe
        self._catalogue = {r.name: r for r in catalogue}
        self.setWindowTitle("New customer part" if creating else f"Edit recipe {recipe.name}")
        self.setMinimumWidth(620)

        intro = QLabel(
            "A new part starts at version 1. Pick the AS568 size it is based on, then give "
            "it its own name and change what the customer's drawing says."
            if creating
            else f"Saving makes version {next_version or recipe.version + 1} of {recipe.name}; "
            f"version {recipe.version} and every older one stay in the records as they are."
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")

        self.based_on = QComboBox()
        self.based_on.setEditable(True)
        self.based_on.addItems(list(self._catalogue))
        self.based_on.setCurrentText(recipe.name if recipe.name in self._catalogue else "")
        self.based_on.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.based_on.setToolTip("Fill the form from this catalogue size")
        self.based_on.activated.connect(self._fill_from_catalogue)

        self.name = QLineEdit("" if creating else recipe.name)
        self.name.setReadOnly(not creating)
        self.name.setPlaceholderText("e.g. ACME-7731 (letters, digits, . _ -)")
        self.name.setToolTip(
            "The part name on lots and certificates" if creating else "An edit keeps the name"
        )
        self.description = QLineEdit()
        self.standard = QLineEdit()
        self.id_mm = _mm_box("Nominal inside diameter")
        self.id_tol = _mm_box("± tolerance of the inside diameter", maximum=100.0)
        self.cs_mm = _mm_box("Nominal cross-section", maximum=100.0)
        self.cs_tol = _mm_box("± tolerance of the cross-section", maximum=100.0)
        self.od = QLabel()
        self.od.setObjectName("muted")
        self.od.setToolTip("Nominal outside diameter: ID + 2 × CS")
        for box in (self.id_mm, self.cs_mm):
            box.valueChanged.connect(self._show_od)

        self.grade = QComboBox()
        self.grade.addItems(list(grades))
        self.grade.setToolTip("The acceptance grade rings of this part are judged by")
        self.level = QComboBox()
        self.level.addItems(list(SAMPLING_LEVELS))
        self.level.setToolTip("Default ISO 2859-1 inspection level for lots of this part")
        self.aql = QComboBox()
        self.aql.setToolTip("Default acceptance quality limit (% nonconforming)")
        self.confirmed = QCheckBox("Figures confirmed by more than one source")
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. which figure comes from a single source")
        self.sources = QLineEdit()
        self.sources.setPlaceholderText("drawing, standard or catalogue the figures come from")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("required: why this version (goes into the audit trail)")
        self.reason.setToolTip("Recorded with the new version in the audit trail")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(_ERROR_STYLE)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        id_row = QHBoxLayout()
        id_row.addWidget(self.id_mm, 1)
        id_row.addWidget(QLabel("±"))
        id_row.addWidget(self.id_tol, 1)
        cs_row = QHBoxLayout()
        cs_row.addWidget(self.cs_mm, 1)
        cs_row.addWidget(QLabel("±"))
        cs_row.addWidget(self.cs_tol, 1)
        plan_row = QHBoxLayout()
        plan_row.addWidget(QLabel("level"))
        plan_row.addWidget(self.level, 1)
        plan_row.addWidget(QLabel("AQL"))
        plan_row.addWidget(self.aql, 1)

        form = QFormLayout()
        if creating:
            form.addRow("&Based on", self.based_on)
        form.addRow("Part &name", self.name)
        form.addRow("&Description", self.description)
        form.addRow("&Standard", self.standard)
        form.addRow("&Inside diameter", id_row)
        form.addRow("&Cross-section", cs_row)
        form.addRow("Outside diameter", self.od)
        form.addRow("&Grade", self.grade)
        form.addRow("Sampling", plan_row)
        form.addRow("", self.confirmed)
        form.addRow("N&ote", self.note)
        form.addRow("So&urces", self.sources)
        form.addRow("&Reason", self.reason)

        buttons = ok_cancel(
            self, "Create part" if creating else "Save new version", self.check_and_accept
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._fill(recipe)
        (self.name if creating else self.description).setFocus()

    def _fill(self, recipe: Recipe) -> None:
        self.description.setText(recipe.description)
        self.standard.setText(recipe.standard)
        self.id_mm.setValue(recipe.id_mm)
        self.id_tol.setValue(recipe.id_tol_mm)
        self.cs_mm.setValue(recipe.cs_mm)
        self.cs_tol.setValue(recipe.cs_tol_mm)
        if self.grade.findText(recipe.grade) < 0:
            self.grade.addItem(recipe.grade)  # a grade no longer shipped stays visible
        self.grade.setCurrentText(recipe.grade)
        self.level.setCurrentText(recipe.sampling.level)
        self.aql.clear()
        values = sorted({*AQL_VALUES, recipe.sampling.aql})
        for value in values:
            self.aql.addItem(f"{value:g} %", value)
        self.aql.setCurrentIndex(values.index(recipe.sampling.aql))
        self.confirmed.setChecked(recipe.confirmed)
        self.note.setText(recipe.note)
        self.sources.setText(recipe.sources)
        self._show_od()

    @Slot(int)
    def _fill_from_catalogue(self, _index: int = 0) -> None:
        base = self._catalogue.get(self.based_on.currentText().strip())
        if base is not None:
            self._base = base
            self._fill(base)

    @Slot()
    def _show_od(self) -> None:
        self.od.setText(f"{self.id_mm.value() + 2.0 * self.cs_mm.value():.2f} mm")

    def recipe(self) -> Recipe:
        """The recipe as typed, checked by the core's rules.

        Raises
        ------
        RecipeError
            With the rules' own message.
        """
        typed = dataclasses.replace(
            self._base,
            name=self.name.text().strip(),
            version=1 if self._creating else self._base.version,
            description=self.description.text().strip(),
            standard=self.standard.text().strip(),
            id_mm=round(self.id_mm.value(), 3),
            id_tol_mm=round(self.id_tol.value(), 3),
            cs_mm=round(self.cs_mm.value(), 3),
            cs_tol_mm=round(self.cs_tol.value(), 3),
            grade=self.grade.currentText(),
            sampling=Sampling(level=self.level.currentText(), aql=float(self.aql.currentData())),
            confirmed=self.confirmed.isChecked(),
            note=self.note.text().strip(),
            sources=self.sources.text().strip(),
        )
        return recipe_from_dict(typed.to_dict(), where=f"recipe {typed.name or '(no name)'}")

    @Slot()
    def check_and_accept(self) -> None:
        """Accept when the recipe passes the core's rules and a reason is given."""
        try:
            self.recipe()
        except RecipeError as exc:
            self.problem.setText(str(exc))
            return
        if not self.reason.text().strip():
            self.problem.setText("Give the reason for this version: it goes into the audit trail.")
            self.reason.setFocus()
            return
        self.problem.clear()
        self.accept()

    def value(self) -> RecipeEdit:
        """The checked recipe and the reason (call after the dialog was accepted)."""
        return RecipeEdit(self.recipe(), self.reason.text().strip())

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        recipe: Recipe,
        grades: Sequence[str],
        *,
        creating: bool,
        next_version: int = 0,
        catalogue: Sequence[Recipe] = (),
    ) -> RecipeEdit | None:
        """The recipe and reason to save, or None when cancelled."""
        dialog = cls(
            parent,
            recipe,
            grades,
            creating=creating,
            next_version=next_version,
            catalogue=catalogue,
        )
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
