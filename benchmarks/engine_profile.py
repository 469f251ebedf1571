"""Where the engine's time goes: a per-stage breakdown of ``inspect_pixels`` on one core.

Generates ``--n`` ring images of 1600×1200 as JPEG (the size issue 2's speed target is set
for), decodes each once, then inspects each and prints the median inspect time, in CPU
(process) time and in wall time, with the median of each stage beside it.

Usage::

    .venv/bin/python benchmarks/engine_profile.py [--n 40] [--seed 5] [--repeat 1]
        [--cprofile 25] [--keep DIR]

CPU time is the figure to compare between runs on a shared machine: other processes steal
wall time, not CPU time. Everything runs on one thread (OpenCV's and the BLAS's pools are
set to one before they start), so CPU time is one core's time.

The stages are timed by wrapping the step functions the engine calls (its module-level
names), so the engine itself carries no timing code; ``other`` is what the engine does
between them (merging regions, building defect records). ``--cprofile K`` also prints
the K functions with the largest own time over the whole run.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The one-core figure: keep the BLAS from starting a thread pool. Must precede numpy.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import cv2  # noqa: E402

from inspector.imaging import engine, outline, tracing  # noqa: E402
from inspector.imaging.load import read_image_file  # noqa: E402
from inspector.synth import generate_set  # noqa: E402

#: The module-level names the engine's modules (engine, tracing, outline) call that are
#: timed, and the stage each counts to.
STAGES = {
    "locate_readings": "locate",
    "remove_impulses": "impulses",
    "linear_light": "linear light",
    "measure_edge": "edges (2)",
    "build_strip": "strip",
    "find_cuts": "cuts",
    "ring_geometry": "measure",
    "find_anomalies": "anomalies",
    "find_edge_runs": "edge runs",
    "shape_features": "classify",
    "classify_surface": "classify",
    "flank_beyond": "outline check",
}

#: CPU seconds spent in each stage during the current image.
_spent: dict[str, float] = defaultdict(float)


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[stage] += time.process_time() - started

    return wrapper


def _instrument() -> None:
    for module in (engine, tracing, outline):
        for name, stage in STAGES.items():
            if hasattr(module, name):
                setattr(module, name, _timed(stage, getattr(module, name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="images of 1600×1200")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="inspect each image this often")
    parser.add_argument("--cprofile", type=int, default=0, metavar="K", help="top K functions")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = parser.parse_args()

    cv2.setNumThreads(1)
    root = args.keep or Path(tempfile.mkdtemp(prefix="engine-profile-"))
    try:
        truth = root / "truth.json"
        if not truth.exists():
            print(f"generating {args.n} JPEG images of 1600×1200 …", flush=True)
            generate_set(root, n=args.n, seed=args.seed, size=(1600, 1200), formats=["jpeg"])
        paths = sorted(root.glob("*.jpg"))[: args.n]
        images = [read_image_file(path).pixels for path in paths]
        engine.warm_up()
        _instrument()

        cpu_ms: list[float] = []
        wall_ms: list[float] = []
        stage_ms: dict[str, list[float]] = defaultdict(list)
        profiler = cProfile.Profile() if args.cprofile else None
        for _ in range(args.repeat):
            for pixels in images:
                _spent.clear()
                if profiler is not None:
                    profiler.enable()
                wall = time.perf_counter()
                cpu = time.process_time()
                engine.inspect_pixels(pixels)
                cpu_ms.append((time.process_time() - cpu) * 1000.0)
                wall_ms.append((time.perf_counter() - wall) * 1000.0)
                if profiler is not None:
                    profiler.disable()
                for stage in dict.fromkeys(STAGES.values()):
                    stage_ms[stage].append(_spent[stage] * 1000.0)
                stage_ms["other"].append(cpu_ms[-1] - sum(_spent.values()) * 1000.0)

        runs = len(cpu_ms)
        print(f"\n{runs} inspections of {len(images)} 1600×1200 JPEGs, one core")
        print(
            f"inspect, median: {statistics.median(cpu_ms):.1f} ms CPU "
            f"(p90 {statistics.quantiles(cpu_ms, n=10)[-1]:.1f}), "
            f"{statistics.median(wall_ms):.1f} ms wall "
            f"(p90 {statistics.quantiles(wall_ms, n=10)[-1]:.1f})"
        )
        print(f"\n{'stage':<14}{'median ms':>10}{'mean ms':>10}{'share':>8}")
        total = sum(statistics.fmean(v) for v in stage_ms.values())
        for stage, values in stage_ms.items():
            mean = statistics.fmean(values)
            print(
                f"{stage:<14}{statistics.median(values):>10.1f}{mean:>10.1f}"
                f"{100.0 * mean / total:>7.0f}%"
            )
        if profiler is not None:
            print()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
