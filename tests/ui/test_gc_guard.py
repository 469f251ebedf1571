"""The cyclic garbage collector runs on the GUI thread only."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from ui.gc_guard import GuiThreadGarbageCollector

pytestmark = pytest.mark.gui


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_collection_happens_on_the_timer_not_in_other_threads(qtbot) -> None:
    collector = GuiThreadGarbageCollector()
    try:
        assert not gc.isenabled()
        node = _Node()
        gone = weakref.ref(node)
        del node

        def allocate() -> None:  # far past every threshold, in another thread
            for _ in range(50_000):
                _Node()

        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join()
        assert gone() is not None, "nothing was collected outside the GUI thread"
        qtbot.waitUntil(lambda: gone() is None, timeout=5000)
    finally:
        collector.stop()
    assert gc.isenabled()
