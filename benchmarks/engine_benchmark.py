"""Accuracy and speed of the inspection engine on a freshly generated image set.

Prints the figures issue 2 asks for:

- defective-image recall, false-reject rate on good rings;
- per-defect recall and type accuracy, overall and per type, over the defects the camera
  image shows (the truth's ``visible``: Rose criterion against noise and texture, see
  ``inspector/synth/visibility.py``), and recall over every painted defect beside it;
- OD / ID error (p95, px); out-of-tolerance rings caught;
- median decode and inspect ms per 1600×1200 image on one core, and folder throughput
  (JPEG, decode included) on all cores.

Usage::

    .venv/bin/python benchmarks/engine_benchmark.py [--n 300] [--seed 7] [--speed-n 60]

Each image is judged with its part's recipe, the fab grade and the true scale (as a
calibrated station would be), so dimensional checks are live. The script writes the
images into a temporary folder and removes it unless ``--keep DIR`` is given.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np

from inspector.outcome import InspectionResult, Verdict
from inspector.recipes import load_grade, load_recipe
from inspector.runner import InspectionSettings, inspect_file, run_batch
from inspector.synth import generate_set
from inspector.synth.truth import DefectTruth, ImageTruth

#: A detection matches a truth defect when their boxes overlap after growing by this (px).
MATCH_MARGIN_PX = 3


def _boxes_touch(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    m = MATCH_MARGIN_PX
    return ax - m < bx + bw and bx - m < ax + aw and ay - m < by + bh and by - m < ay + ah


def _overlap(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    return max(w, 0) * max(h, 0) / max(1, min(aw * ah, bw * bh))


def match_defects(
    truth: tuple[DefectTruth, ...], result: InspectionResult
) -> list[tuple[DefectTruth, str | None]]:
    """Pair each truth defect with the type of the detection covering it (None if missed).

    A detection may cover several truth defects (two defects close together are often
    seen as one); the one whose box overlaps it most, and of the same type first, wins.
    """
    detections = [(j.defect.type.value, j.defect.bbox.as_list()) for j in result.defects]
    pairs: list[tuple[DefectTruth, str | None]] = []
    for item in truth:
        candidates = [(t, box) for t, box in detections if _boxes_touch(item.bbox_px, box)]
        if not candidates:
            pairs.append((item, None))
            continue
        candidates.sort(key=lambda c: (c[0] != item.type.value, -_overlap(item.bbox_px, c[1])))
        pairs.append((item, candidates[0][0]))
    return pairs


def settings_for(truth: ImageTruth) -> InspectionSettings:
    recipe = load_recipe(truth.part)
    return InspectionSettings(grade=load_grade("fab"), recipe=recipe, cli_px_per_mm=truth.px_per_mm)


def accuracy(n: int, seed: int, folder: Path, dump: Path | None) -> None:
    print(f"generating {n} images (seed {seed}, mixed sizes) …", flush=True)
    truth_set = generate_set(folder, n=n, seed=seed)
    records = []
    od_err: list[float] = []
    id_err: list[float] = []
    defective_total = defective_failed = good_total = good_failed = 0
    out_tol_total = out_tol_caught = 0
    # Recall counts defects the camera image shows (truth ``visible``: see
    # inspector/synth/visibility.py); ``all_recall`` counts every painted defect.
    per_type_recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    all_recall = [0, 0]
    per_type_correct: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: Counter[tuple[str, str]] = Counter()
    # Per scene kind (material, background, lighting): images, false rejects among good
    # rings, and rings whose OD or ID is off by more than 1 px.
    by_scene: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    errors = 0
    for truth in truth_set.images:
        result = inspect_file(str(folder / truth.file), settings_for(truth))
        ring = result.inspection.ring if result.inspection else None
        if result.verdict is Verdict.ERROR:
            errors += 1
        if ring is not None:
            od_err.append(abs(ring.outer_diameter_px - truth.ring.outer_diameter_px))
            id_err.append(abs(ring.inner_diameter_px - truth.ring.inner_diameter_px))
        failed = result.verdict is not Verdict.PASS
        scene = f"{truth.material.value}/{truth.background.value}/{truth.lighting.value}"
        by_scene[scene][0] += 1
        if ring is None or od_err[-1] > 1.0 or id_err[-1] > 1.0:
            by_scene[scene][3] += 1
        if not truth.defects and truth.dims_in_tolerance:
            by_scene[scene][1] += 1
            by_scene[scene][2] += failed
        if any(d.visible for d in truth.defects):
            defective_total += 1
            defective_failed += failed
        elif not truth.defects and truth.dims_in_tolerance:
            # Rings whose only defects are invisible are neither: not good, not findable.
            good_total += 1
            good_failed += failed
        if not truth.dims_in_tolerance:
            out_tol_total += 1
            out_tol_caught += any(r.startswith(("ID ", "CS ")) for r in result.reasons)
        pairs = match_defects(truth.defects, result)
        for item, found in pairs:
            all_recall[0] += found is not None
            all_recall[1] += 1
            if not item.visible:
                continue
            kind = item.type.value
            per_type_recall[kind][1] += 1
            if found is not None:
                per_type_recall[kind][0] += 1
                per_type_correct[kind][1] += 1
                per_type_correct[kind][0] += found == kind
                confusion[(kind, found)] += 1
        records.append(
            {
                "file": truth.file,
                "verdict": result.verdict.value,
                "reasons": list(result.reasons),
                "truth": [
                    (d.type.value, list(d.bbox_px), d.length_mm, d.visible, d.snr, d.peak_delta)
                    for d in truth.defects
                ],
                "found": [
                    (j.defect.type.value, j.defect.bbox.as_list(), j.length_mm)
                    for j in result.defects
                ],
                "od_err": od_err[-1] if ring is not None else None,
                "id_err": id_err[-1] if ring is not None else None,
            }
        )

    def pct(a: int, b: int) -> str:
        return f"{100.0 * a / b:6.2f} % ({a}/{b})" if b else "   n/a"

    recall_hit = sum(v[0] for v in per_type_recall.values())
    recall_all = sum(v[1] for v in per_type_recall.values())
    type_hit = sum(v[0] for v in per_type_correct.values())
    type_all = sum(v[1] for v in per_type_correct.values())
    print()
    print(f"images: {len(truth_set.images)}; engine errors: {errors}")
    print(f"defective-image recall      {pct(defective_failed, defective_total)}")
    print(f"false rejects on good rings {pct(good_failed, good_total)}")
    print(f"defect recall (visible)     {pct(recall_hit, recall_all)}")
    print(f"defect recall (all painted) {pct(all_recall[0], all_recall[1])}")
    print(f"type accuracy               {pct(type_hit, type_all)}")
    print(f"out-of-tolerance caught     {pct(out_tol_caught, out_tol_total)}")
    if od_err:
        print(
            f"OD error p95 {np.percentile(od_err, 95):.3f} px (max {max(od_err):.3f}); "
            f"ID error p95 {np.percentile(id_err, 95):.3f} px (max {max(id_err):.3f})"
        )
    print()
    print(f"{'type':<10} {'recall':>22} {'type accuracy':>22}")
    for kind in sorted(per_type_recall):
        hit, total = per_type_recall[kind]
        ok, seen = per_type_correct[kind]
        print(f"{kind:<10} {pct(hit, total):>22} {pct(ok, seen):>22}")
    print()
    header = ("scene (material/background/light)", "images", "false rejects", "OD/ID > 1 px")
    print(f"{header[0]:<34} {header[1]:>6} {header[2]:>14} {header[3]:>13}")
    for scene in sorted(by_scene):
        n_img, n_good, n_fr, n_geo = by_scene[scene]
        print(f"{scene:<34} {n_img:>6} {f'{n_fr}/{n_good}':>14} {n_geo:>13}")
    print()
    print("confusion (truth -> found):")
    for (truth_type, found_type), count in sorted(confusion.items()):
        if truth_type != found_type:
            print(f"  {truth_type:<10} -> {found_type:<10} {count}")
    if dump is not None:
        dump.write_text("\n".join(json.dumps(r) for r in records) + "\n")
        print(f"per-image records written to {dump}")


def speed(n: int, seed: int, folder: Path, workers: int) -> None:
    print(f"\ngenerating {n} JPEG images of 1600×1200 for speed …", flush=True)
    truth_set = generate_set(folder, n=n, seed=seed, size=(1600, 1200), formats=["jpeg"])
    paths = [str(folder / t.file) for t in truth_set.images]
    settings = settings_for(truth_set.images[0])
    cv2.setNumThreads(1)  # the one-core figure
    inspect_file(paths[0], settings)  # warm caches and lazy imports
    decode, inspect = [], []
    for path in paths:
        result = inspect_file(path, settings)
        decode.append(result.timing.decode_ms)
        inspect.append(result.timing.inspect_ms)
    print(
        f"one core: median decode {statistics.median(decode):.1f} ms, "
        f"median inspect {statistics.median(inspect):.1f} ms "
        f"(p90 {np.percentile(inspect, 90):.1f} ms) per 1600×1200 image"
    )
    started = time.perf_counter()
    arrivals = [time.perf_counter() for _ in run_batch([str(folder)], settings, workers=workers)]
    count = len(arrivals)
    elapsed = arrivals[-1] - started
    # Steady state: from the first result to the last, once the workers are up.
    steady = (count - 1) / max(arrivals[-1] - arrivals[0], 1e-9)
    print(
        f"folder of {count} JPEGs on {workers} worker processes: {count / elapsed:.1f} images/s "
        f"overall ({elapsed:.1f} s, including starting the workers), "
        f"{steady:.1f} images/s once running; decode included"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="accuracy set size (≥ 300)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--speed-n", type=int, default=60, help="1600×1200 images for speed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the generated images here")
    parser.add_argument("--dump", type=Path, help="write per-image results (JSON Lines)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="engine-benchmark-"))
    try:
        if not args.skip_accuracy:
            accuracy(args.n, args.seed, root / "accuracy", args.dump)
        if not args.skip_speed:
            speed(args.speed_n, args.seed + 1, root / "speed", args.workers)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
