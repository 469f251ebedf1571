"""Inspect images one by one or as a batch on all cores, results in input order.

:func:`inspect_file` is the whole per-image job: read, inspect, judge. It never raises
for a bad image: an unreadable file or a ring that cannot be found becomes a result with
verdict ``error`` and a message a person understands, so a batch always goes on. A bug in
the engine is also contained to its image, but is logged with its traceback, because it is
ours to fix rather than the user's to correct.

:func:`run_batch` fans the files out to worker processes and yields results in input order
as soon as each one's predecessors are done; it can be cancelled between images.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy.typing as npt

from inspector.calibration import Calibration
from inspector.imaging.engine import ENGINE_VERSION, inspect_pixels, warm_up
from inspector.imaging.load import ImageReadError, read_image_file
from inspector.inputs import expand_paths
from inspector.judge import error_result, judge, resolve_scale
from inspector.outcome import InspectionResult, Timing
from inspector.recipes import Grade, Recipe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InspectionSettings:
    """What every image of a batch is judged with.

    Attributes
    ----------
    grade : Grade
        The acceptance grade (the recipe's own, or the ``--grade`` override).
    recipe : Recipe or None
        The part's recipe; None inspects without nominal dimensions.
    cli_px_per_mm : float or None
        A scale given on the command line; it wins over the station calibration.
    calibration : Calibration or None
        The station's calibration, if any.
    """

    grade: Grade
    recipe: Recipe | None = None
    cli_px_per_mm: float | None = None
    calibration: Calibration | None = None


def inspect_file(path: str, settings: InspectionSettings) -> InspectionResult:
    """Read, inspect and judge one image file; never raises for bad input.

    Parameters
    ----------
    path : str
        The path as the user gave it (it is echoed in the result).
    settings : InspectionSettings
    """
    started = time.perf_counter()
    try:
        loaded = read_image_file(path)
    except ImageReadError as exc:
        elapsed = (time.perf_counter() - started) * 1000.0
        return error_result(
            path, str(exc), timing=Timing(elapsed, 0.0), engine_version=ENGINE_VERSION
        )
    decoded = time.perf_counter()
    decode_ms = (decoded - started) * 1000.0
    try:
        return judge_pixels(
            loaded.pixels,
            image=path,
            settings=settings,
            decode_ms=decode_ms,
            image_sha256=loaded.sha256,
        )
    except Exception as exc:  # a bug of ours: contain it to this image, keep the trace
        log.exception("internal error while inspecting %s", path)
        inspect_ms = (time.perf_counter() - decoded) * 1000.0
        return error_result(
            path,
            f"internal error while inspecting this image ({type(exc).__name__}: {exc}); "
            "it has been logged for the developers",
            timing=Timing(decode_ms, inspect_ms),
            engine_version=ENGINE_VERSION,
        )


def judge_pixels(
    pixels: npt.NDArray[Any],
    *,
    image: str,
    settings: InspectionSettings,
    decode_ms: float = 0.0,
    image_sha256: str | None = None,
) -> InspectionResult:
    """Inspect and judge an image already in memory (a file's pixels, a camera frame).

    Unlike :func:`inspect_file` it lets engine exceptions through: callers decide how a
    bug is reported.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16
    image : str
        The name the result carries.
    settings : InspectionSettings
    decode_ms : float
        Time already spent decoding, recorded in the result's timing.
    image_sha256 : str, optional
        Hash of the image's bytes, for the records.
    """
    started = time.perf_counter()
    inspection = inspect_pixels(pixels)
    inspect_ms = (time.perf_counter() - started) * 1000.0
    scale = resolve_scale(
        cli_px_per_mm=settings.cli_px_per_mm,
        calibration=settings.calibration,
        recipe=settings.recipe,
        ring=inspection.ring,
    )
    return judge(
        inspection,
        image=image,
        recipe=settings.recipe,
        grade=settings.grade,
        scale=scale,
        timing=Timing(decode_ms, inspect_ms),
        engine_version=ENGINE_VERSION,
        image_sha256=image_sha256,
    )


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _worker_init() -> None:
    # One OpenCV thread per worker process: the processes already use every core, and
    # nested thread pools would only fight over them.
    cv2.setNumThreads(1)
    warm_up()


def run_batch(
    paths: Sequence[str],
    settings: InspectionSettings,
    *,
    workers: int | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[InspectionResult]:
    """Inspect every image the paths name, yielding results in input order.

    Parameters
    ----------
    paths : sequence of str
        Files and folders (a folder contributes its images sorted by name).
    settings : InspectionSettings
    workers : int, optional
        Worker processes; default all cores. 1 runs in this process.
    cancel : threading.Event, optional
        When set, no further image is started; results already under way are dropped.

    Yields
    ------
    InspectionResult
        One per input item: a folder without images or a missing path yields one
        ``error`` result carrying its message.
    """
    items = expand_paths(paths)
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(items) <= 1:
        for item in items:
            if cancel is not None and cancel.is_set():
                return
            if item.error is not None:
                yield _input_error(item.path, item.error)
            else:
                yield inspect_file(item.path, settings)
        return

    # "spawn" so a worker never inherits a parent's threads or open database handles
    # (the GUI runs batches from a thread; fork would copy its locks mid-use).
    context = multiprocessing.get_context("spawn")
    window = 2 * workers  # bounded look-ahead keeps memory flat on huge folders
    pending: deque[tuple[str, str | None, Future[InspectionResult] | None]] = deque()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init
    ) as pool:
        queue = iter(items)
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < window:
                    if cancel is not None and cancel.is_set():
                        exhausted = True
                        break
                    upcoming = next(queue, None)
                    if upcoming is None:
                        exhausted = True
                        break
                    if upcoming.error is not None:
                        pending.append((upcoming.path, upcoming.error, None))
                    else:
                        future = pool.submit(inspect_file, upcoming.path, settings)
                        pending.append((upcoming.path, None, future))
                if not pending:
                    return
                path, error, head = pending.popleft()
                if cancel is not None and cancel.is_set():
                    return
                if head is None:
                    yield _input_error(path, error or "unreadable input")
                else:
                    yield head.result()
        finally:
            for _, _, queued in pending:
                if queued is not None:
                    queued.cancel()


def _input_error(path: str, message: str) -> InspectionResult:
    return error_result(path, message, timing=Timing(0.0, 0.0), engine_version=ENGINE_VERSION)
