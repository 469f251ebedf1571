"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is passed.
The station has worker threads (camera, records, the desk's database) that allocate all
the time; if the collector runs there and frees a widget kept alive only by a reference
cycle (a lambda connected to its own signal is enough), the QObject is deleted from a
thread it does not live in, and Qt crashes at random. So automatic collection is turned
off and the same generational thresholds are checked from a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

#: How often the GUI thread looks at the allocation counts (ms).
CHECK_INTERVAL_MS = 500


class GuiThreadGarbageCollector(QObject):
    """Turns automatic collection off and collects from the GUI thread instead.

    Create it on the GUI thread once the QApplication exists; it works until
    :meth:`stop` (which turns automatic collection back on).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold (as gc would)."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Stop checking; automatic collection resumes."""
        self._timer.stop()
        gc.enable()
