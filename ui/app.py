"""The station program's composition root: ``python -m ui.app [--db PATH]``.

Builds the QApplication, the settings, the records service and the main window, and hands
each object to those that need it; nothing else in ``ui/`` creates these. The records are
the core's default database (``$INSPECTOR_DB``, else ``inspector.db`` in the user data
folder) unless ``--db`` names another.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.paths import APP_NAME
from inspector.store import default_db_path
from ui.gc_guard import GuiThreadGarbageCollector
from ui.main_window import MainWindow
from ui.records_service import RecordsStationService
from ui.settings import SettingsStore, UiState
from ui.theme import apply_theme


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The station's options (Qt's own options pass through untouched)."""
    parser = argparse.ArgumentParser(prog="python -m ui.app", description="The station GUI.")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="records database (default: $INSPECTOR_DB, else inspector.db in the user data folder)",
    )
    options, _qt_args = parser.parse_known_args(list(argv))
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the station until its window closes; return the exit status."""
    args = list(sys.argv if argv is None else argv)
    options = parse_args(args[1:])
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = QApplication.instance() or QApplication(args)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("Seal Inspector")
    apply_theme(app)
    collector = GuiThreadGarbageCollector(app)
    store = SettingsStore()
    records = RecordsStationService(default_db_path(options.db), station=store.load().station_name)
    window = MainWindow(store=store, ui_state=UiState(QSettings()), records=records)
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        collector.stop()


if __name__ == "__main__":
    sys.exit(main())
