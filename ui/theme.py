"""One dark, high-contrast look for the whole station, readable from a metre away.

Colours carry meaning only together with text (PASS / FAIL / ERROR are always spelled out),
so the station stays usable for colour-blind inspectors and on washed-out monitors.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from inspector.imaging.overlay import DEFECT_COLORS, EDGE_COLOR
from inspector.imaging.results import DefectType
from inspector.outcome import Verdict

#: Base text size in points; a 24" monitor at 1 m needs about this much.
BASE_POINT_SIZE = 13

BACKGROUND = "#15181c"
PANEL = "#1f242a"
RAISED = "#2a3038"
BORDER = "#3a424c"
TEXT = "#eef1f4"
MUTED = "#a9b3bd"
ACCENT = "#4aa3ff"

#: Verdict colours: background and text of the banner.
VERDICT_COLORS: dict[Verdict | None, tuple[str, str]] = {
    Verdict.PASS: ("#1f8f3a", "#ffffff"),
    Verdict.FAIL: ("#c62828", "#ffffff"),
    Verdict.ERROR: ("#e0a100", "#111111"),
    None: (RAISED, MUTED),
}


def bgr_to_qcolor(bgr: tuple[int, int, int]) -> QColor:
    """A QColor from an OpenCV ``(b, g, r)`` triple."""
    b, g, r = bgr
    return QColor(r, g, b)


#: Defect colours for Qt, the same hues as :data:`inspector.imaging.overlay.DEFECT_COLORS`.
QT_DEFECT_COLORS: dict[DefectType, QColor] = {
    kind: bgr_to_qcolor(bgr) for kind, bgr in DEFECT_COLORS.items()
}
QT_EDGE_COLOR = bgr_to_qcolor(EDGE_COLOR)

STYLESHEET = f"""
QWidget {{ color: {TEXT}; background: {BACKGROUND}; }}
QMainWindow::separator {{ background: {BORDER}; width: 2px; height: 2px; }}
QFrame#panel, QGroupBox {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: 6px; }}
QGroupBox {{ margin-top: 1.4em; padding: 6px; font-weight: 600; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {MUTED}; }}
QLabel {{ background: transparent; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#headerValue {{ font-weight: 700; }}
QPushButton {{
    background: {RAISED}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 8px 18px; min-height: 1.6em;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:pressed {{ background: {BORDER}; }}
QPushButton:disabled {{ color: #6b747d; border-color: #2c3238; }}
QPushButton#primary {{ background: #1d5fa8; border-color: #2f7fd8; font-weight: 700; }}
QPushButton#primary:hover {{ background: #236fc4; }}
QTableView, QListView {{
    background: {PANEL}; alternate-background-color: #242a31; gridline-color: {BORDER};
    border: 1px solid {BORDER}; selection-background-color: #2f5d8c; selection-color: {TEXT};
}}
QTableView:focus, QListView:focus {{ border: 2px solid {ACCENT}; }}
QHeaderView::section {{
    background: {RAISED}; color: {MUTED}; border: none; border-right: 1px solid {BORDER};
    padding: 4px 8px; font-weight: 600;
}}
QProgressBar {{
    background: {PANEL}; border: 1px solid {BORDER}; border-radius: 6px; text-align: center;
    min-height: 1.4em;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{
    background: {PANEL}; border: 1px solid {BORDER}; border-radius: 4px; padding: 4px 6px;
}}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus {{
    border: 2px solid {ACCENT};
}}
QMenuBar, QMenu {{ background: {PANEL}; }}
QMenu::item:selected, QMenuBar::item:selected {{ background: #2f5d8c; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; }}
QToolTip {{ background: #fffbe6; color: #111111; border: 1px solid #888888; padding: 4px; }}
QGraphicsView {{ background: #0b0d0f; border: 1px solid {BORDER}; }}
QFrame#messageBar {{ background: #5c1414; border: 2px solid #e05252; border-radius: 6px; }}
QFrame#messageBar[level="info"] {{ background: #12355c; border-color: {ACCENT}; }}
QRadioButton::indicator {{
    width: 14px; height: 14px; border: 2px solid {MUTED}; border-radius: 9px; background: {PANEL};
}}
QRadioButton::indicator:checked {{ background: {ACCENT}; border-color: {TEXT}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Apply the station's palette, font and style sheet to the whole application."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, BACKGROUND),
        (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.Base, PANEL),
        (QPalette.ColorRole.AlternateBase, "#242a31"),
        (QPalette.ColorRole.Text, TEXT),
        (QPalette.ColorRole.Button, RAISED),
        (QPalette.ColorRole.ButtonText, TEXT),
        (QPalette.ColorRole.Highlight, "#2f5d8c"),
        (QPalette.ColorRole.HighlightedText, TEXT),
        (QPalette.ColorRole.ToolTipBase, "#fffbe6"),
        (QPalette.ColorRole.ToolTipText, "#111111"),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
