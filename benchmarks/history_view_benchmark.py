"""Figures for the desk's defect history view over a 1,000,000-defect database.

Run: ``.venv/bin/python benchmarks/history_view_benchmark.py [--db PATH] [--scroll-to 20000]``

The database is the records benchmark's (300,000 inspections, 1,000,000 defects, made by
:func:`records_benchmark.generate`); ``--db`` keeps it between runs (generated when the file
is missing). The real :class:`ui.desk.history_view.HistoryView` runs offscreen, and every
figure is wall-clock time on the GUI thread, from the user's action to the rows painted:

1. open: constructing the database worker, the view and its model, signing in, until the
   first page is in the table and painted (the issue asks: under a second);
2. scroll: the table scrolled to its end again and again, as a user dragging the scroll bar
   does, until ``--scroll-to`` rows are loaded; each page's time from ``fetchMore`` to its
   rows painted (median, 90th percentile, worst);
3. filtered opens: a customer, a defect type (common and rare), both, a lot, a week;
4. sorted opens: a click on a header, to the first page of the new order painted, and
   the page times of scrolling 5,000 rows deep in that order.

Tests never assert timings; this script prints them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from records_benchmark import generate  # the records benchmark's generated database

from inspector import auth
from inspector.records.history import HistoryFilter
from inspector.store import open_store
from ui.desk.database import DeskDatabase
from ui.desk.history_view import HistoryView
from ui.theme import apply_theme


def _wait(app: QApplication, done: Callable[[], bool], timeout_s: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the view did not answer in time")
        app.processEvents()
        time.sleep(0.0005)


def _painted(app: QApplication, view: HistoryView) -> None:
    # The rows count as shown once the table has painted them.
    view.table.viewport().repaint()
    app.processEvents()


def _first_page(app: QApplication, view: HistoryView, action: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    action()
    _wait(app, lambda: view.model.rowCount() > 0 or view.model.complete)
    _painted(app, view)
    return (time.perf_counter() - t0) * 1000


def _scroll(app: QApplication, view: HistoryView, rows: int) -> list[float]:
    """Scroll to the end until ``rows`` are loaded; return each page's ms."""
    times: list[float] = []
    bar = view.table.verticalScrollBar()
    while view.model.rowCount() < rows and not view.model.complete:
        before = view.model.rowCount()
        t0 = time.perf_counter()
        bar.setValue(bar.maximum())  # the view asks fetchMore at the end
        app.processEvents()
        if not view.model.loading:
            # Already at the end (the bar did not move): the next wheel turn asks again.
            view.model.fetchMore(QModelIndex())
        _wait(app, lambda b=before: view.model.rowCount() > b or view.model.complete)
        _painted(app, view)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _stats(times: list[float]) -> str:
    if not times:
        return "no pages"
    p90 = f"p90 {statistics.quantiles(times, n=10)[-1]:.1f} ms, " if len(times) >= 10 else ""
    return (
        f"{len(times)} pages: median {statistics.median(times):.1f} ms, "
        f"{p90}worst {max(times):.1f} ms"
    )


def run(db_path: Path, scroll_to: int) -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    with open_store(db_path) as store:
        user = auth.get_user(store, "admin")
        counts = store.reader().one(
            "SELECT (SELECT count(*) FROM inspections), (SELECT count(*) FROM defects)"
        )
    assert counts is not None
    print(f"database: {counts[0]:,} inspections, {counts[1]:,} defects ({db_path})")

    holder: dict[str, object] = {}

    def open_view() -> None:
        db = DeskDatabase(db_path)
        view = HistoryView(db)
        view.resize(1400, 900)
        view.show()
        view.set_user(user)
        holder.update(db=db, view=view)

    t0 = time.perf_counter()
    open_view()
    view = holder["view"]
    assert isinstance(view, HistoryView)
    _wait(app, lambda: view.model.rowCount() > 0)
    _painted(app, view)
    open_ms = (time.perf_counter() - t0) * 1000
    _wait(app, lambda: view.model.total is not None)
    count_ms = (time.perf_counter() - t0) * 1000
    print(
        f"open (worker + view + model + first {view.model.rowCount()} rows painted): "
        f"{open_ms:.0f} ms (target < 1000 ms); count of {view.model.total:,} after "
        f"{count_ms:.0f} ms"
    )

    times = _scroll(app, view, scroll_to)
    print(f"scroll to row {view.model.rowCount():,}: {_stats(times)}")

    print("filtered opens (first page painted; rows matching):")
    filters = {
        "customer Fab 3": HistoryFilter(customer="Fab 3"),
        "defect type scratch (common)": HistoryFilter(defect_type="scratch"),
        "defect type crack (rare)": HistoryFilter(defect_type="crack"),
        "customer Fab 3 + crack": HistoryFilter(customer="Fab 3", defect_type="crack"),
        "lot LOT00150": HistoryFilter(lot="LOT00150"),
        "one week": HistoryFilter(date_from="2025-06-01", date_to="2025-06-07"),
        "station5 + fail": HistoryFilter(station="station5", verdict="fail"),
        "review overruled": HistoryFilter(review="overruled"),
    }
    for name, f in filters.items():
        ms = _first_page(app, view, lambda f=f: view.set_filter(f))
        t_count = time.perf_counter()
        _wait(app, lambda: view.model.total is not None)
        extra = (time.perf_counter() - t_count) * 1000
        print(f"  {name:<30} {ms:7.0f} ms  {view.model.total:>8,} rings (count +{extra:.0f} ms)")
    crack = _scroll(app, view, 5000)
    print(f"  scrolling 'review overruled' to its end: {_stats(crack)}")
    view.set_filter(HistoryFilter(defect_type="crack"))
    _wait(app, lambda: view.model.rowCount() > 0)
    crack = _scroll(app, view, 5000)
    print(f"  scrolling 'crack' to row {view.model.rowCount():,}: {_stats(crack)}")

    view.set_filter(HistoryFilter())
    _wait(app, lambda: view.model.rowCount() > 0)
    print("sorted opens (header click to first page painted; then 5,000 rows deep):")
    sorts = (
        ("lot ascending", 1, Qt.SortOrder.AscendingOrder),
        ("part descending", 3, Qt.SortOrder.DescendingOrder),
        ("customer ascending", 4, Qt.SortOrder.AscendingOrder),
        ("station descending", 5, Qt.SortOrder.DescendingOrder),
        ("operator ascending", 6, Qt.SortOrder.AscendingOrder),
        ("machine verdict descending", 7, Qt.SortOrder.DescendingOrder),
        ("final verdict ascending", 8, Qt.SortOrder.AscendingOrder),
        ("ID mm ascending", 11, Qt.SortOrder.AscendingOrder),
        ("CS mm descending", 12, Qt.SortOrder.DescendingOrder),
        ("review descending", 9, Qt.SortOrder.DescendingOrder),
        ("time ascending", 0, Qt.SortOrder.AscendingOrder),
    )
    for name, column, order in sorts:
        ms = _first_page(app, view, lambda c=column, o=order: view.table.sortByColumn(c, o))
        deep = _scroll(app, view, 5000)
        print(f"  {name:<26} {ms:7.0f} ms; {_stats(deep)}")

    db = holder["db"]
    assert isinstance(db, DeskDatabase)
    view.close()
    db.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse (or create) the database here")
    parser.add_argument("--inspections", type=int, default=300_000)
    parser.add_argument("--defects", type=int, default=1_000_000)
    parser.add_argument("--scroll-to", type=int, default=20_000)
    args = parser.parse_args()
    if args.db is not None:
        if not args.db.exists():
            generate(args.db, args.inspections, args.defects)
        run(args.db, args.scroll_to)
        return
    with tempfile.TemporaryDirectory(prefix="history-view-bench-") as tmp:
        db = Path(tmp) / "inspector.db"
        generate(db, args.inspections, args.defects)
        run(db, args.scroll_to)


if __name__ == "__main__":
    main()
