"""The station program's composition root: ``python -m ui.app``.

Builds the QApplication, the settings, the records service and the main window, and hands
each object to those that need it; nothing else in ``ui/`` creates these.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.paths import APP_NAME
from ui.main_window import MainWindow
from ui.settings import SettingsStore, UiState
from ui.station_service import InMemoryStationService
from ui.theme import apply_theme


def main(argv: Sequence[str] | None = None) -> int:
    """Run the station until its window closes; return the exit status."""
    args = list(sys.argv if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = QApplication.instance() or QApplication(args)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("Seal Inspector")
    apply_theme(app)
    # The records are not wired yet: a session in memory, replaced by one class later.
    service = InMemoryStationService()
    window = MainWindow(
        store=SettingsStore(),
        ui_state=UiState(QSettings()),
        service=service,
    )
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
