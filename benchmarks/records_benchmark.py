"""Figures for the lot records: recording overhead and history query times.

Run: ``.venv/bin/python benchmarks/records_benchmark.py [--inspections 300000 --defects 1000000]``

1. Recording: the median time :func:`inspector.records.recording.record_inspection` adds to
   one image (re-read and hash the file, store it content-addressed with fsync, commit the
   rows), for sample-sized images with a few defects. Target ≤ 5 ms.
2. History: a generated database of 300,000 inspections and 1,000,000 defects (bulk
   ``executemany`` into a temp folder), then the GUI's filters through
   :func:`inspector.records.history.query`, median of 5 runs each. Target ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector import auth
from inspector.imaging.results import BBox, Defect, DefectType, Where
from inspector.outcome import (
    InspectionResult,
    JudgedDefect,
    RingDimensions,
    Scale,
    ScaleSource,
    Timing,
    Verdict,
)
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.recipes import load_recipe
from inspector.records import history, lots, recording
from inspector.store import open_store

PW = "benchmark password"


def _result(path: Path, data: bytes, n_defects: int) -> InspectionResult:
    import numpy as np

    defects = tuple(
        JudgedDefect(
            Defect(
                DefectType.SCRATCH,
                Where.SURFACE,
                BBox(i, i, 4, 4),
                5.0,
                2.0,
                9.0,
                10.0 * i,
                np.zeros((0, 2)),
                4.0,
            ),
            0.2,
            0.1,
            0.02,
            True,
            "scratch too long",
        )
        for i in range(n_defects)
    )
    return InspectionResult(
        image=str(path),
        verdict=Verdict.FAIL if n_defects else Verdict.PASS,
        reasons=("scratch",) if n_defects else (),
        error=None,
        scale=Scale(20.0, ScaleSource.CALIBRATION),
        inspection=None,
        dimensions=RingDimensions(32.0, 25.0, 3.5, 3.4, 3.6, 0.5),
        defects=defects,
        recipe="AS568-214@1",
        grade="fab@1",
        engine_version="bench",
        timing=Timing(5, 50),
        image_sha256=hashlib.sha256(data).hexdigest(),
    )


def bench_recording(folder: Path, n: int) -> None:
    samples = sorted(SAMPLE_IMAGES_DIR.glob("ring_*"))
    db = folder / "rec" / "inspector.db"
    with open_store(db) as store:
        admin = auth.add_user(store, None, name="a", full_name="A", role="admin", password=PW)
        user = auth.add_user(store, admin, name="i", full_name="I", role="inspector", password=PW)
        recipe = load_recipe("AS568-214")
        lots.open_lot(store, user, lots.LotSpec("B1", 100_000, hundred_percent=True), recipe=recipe)
        jobs = []
        for k in range(n):
            data = samples[k % len(samples)].read_bytes() + k.to_bytes(4, "big")
            path = folder / "img" / f"r{k:05d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            jobs.append(_result(path, data, k % 4))
        times = []
        for result in jobs:
            t0 = time.perf_counter()
            recording.record_inspection(store, user, "B1", result, station="bench")
            times.append((time.perf_counter() - t0) * 1000)
        size = statistics.mean(p.stat().st_size for p in samples)
    print(f"recording: {n} images of {size / 1024:.0f} KiB mean, 0-3 defects each")
    print(
        f"  per image: median {statistics.median(times):.2f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1]:.2f} ms, max {max(times):.2f} ms "
        "(target: median ≤ 5 ms)"
    )


def generate(db: Path, n_insp: int, n_def: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with open_store(db) as store:
        admin = auth.add_user(store, None, name="admin", full_name="A", role="admin", password=PW)
        pw_hash = auth.hash_password(PW)
        per_lot = 1000
        n_lots = max(1, n_insp // per_lot)
        with store.transaction() as tx:
            tx.executemany(
                "INSERT INTO users (name, full_name, role, password_hash, created_utc) "
                "VALUES (?, ?, 'inspector', ?, '2025-01-01T00:00:00.000000Z')",
                [(f"op{i:02d}", f"Operator {i}", pw_hash) for i in range(20)],
            )
            tx.executemany(
                "INSERT INTO customers (name, created_utc) VALUES (?, '2025-01-01T00:00:00Z')",
                [(f"Fab {i}",) for i in range(10)],
            )
            recipe = load_recipe("AS568-214")
            rid = lots.recipe_id_for(tx, recipe, admin)
            tx.executemany(
                "INSERT INTO lots (lot_no, part, recipe_id, grade, customer_id, quantity, "
                "hundred_percent, sample_size, status, created_utc, created_by) "
                "VALUES (?, ?, ?, 'fab', ?, 1000, 1, 1000, 'open', ?, ?)",
                [
                    (
                        f"LOT{i:05d}",
                        f"AS568-{200 + i % 20}",
                        rid,
                        1 + i % 10,
                        "2025-01-01T00:00:00.000000Z",
                        admin.id,
                    )
                    for i in range(n_lots)
                ],
            )
        start = 1735689600.0  # 2025-01-01 UTC
        span = 2 * 365 * 86400.0
        types = [t.value for t in DefectType]
        weights = [30, 1, 1, 5, 25, 15, 15, 8]  # crack and cut are rare
        ops = [int(r[0]) for r in store.reader().all("SELECT id FROM users WHERE name LIKE 'op%'")]
        defects_left = n_def
        insp_rows, def_rows = [], []
        did = 0
        for i in range(n_insp):
            lot = 1 + i // per_lot
            t = start + span * (i / n_insp) + rng.random()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{i % 1000000:06d}Z"
            remaining = n_insp - i
            k = min(
                defects_left,
                rng.choice((0, 1, 2, 3, 4, 5, 6, 7)) if remaining > 1 else defects_left,
            )
            if defects_left > remaining * 7:
                k = 7
            defects_left -= k
            verdict = "fail" if k and rng.random() < 0.3 else "pass"
            review = None
            final = verdict
            if rng.random() < 0.01:
                review = "overruled" if rng.random() < 0.5 else "confirmed"
                if review == "overruled":
                    final = "pass" if verdict == "fail" else "fail"
            digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
            insp_rows.append(
                (
                    i + 1,
                    lot,
                    1 + i % per_lot,
                    digest,
                    f"r{i}.png",
                    150000,
                    f"station{i % 8}",
                    ops[(i // 50) % len(ops)],
                    rid,
                    "fab@1",
                    "1.0.0",
                    stamp,
                    verdict,
                    final,
                    review,
                    "[]",
                    24.9,
                    3.52,
                    k,
                )
            )
            for j in range(k):
                did += 1
                def_rows.append(
                    (
                        did,
                        i + 1,
                        j + 1,
                        rng.choices(types, weights)[0],
                        "surface",
                        1,
                        2,
                        3,
                        4,
                        1.0,
                        2.0,
                        1.0,
                        2.0,
                        3.0,
                        0.1,
                        0.05,
                        0.01,
                        0,
                        0,
                    )
                )
            if len(insp_rows) >= 50_000 or i == n_insp - 1:
                with store.transaction() as tx:
                    tx.executemany(
                        "INSERT INTO inspections (id, lot_id, seq, image_sha256, image_name, "
                        "image_bytes, station, operator_id, recipe_id, grade, engine_version, "
                        "time_utc, verdict, final_verdict, review_outcome, reasons, id_mm, cs_mm, "
                        "n_defects) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        insp_rows,
                    )
                    tx.executemany(
                        "INSERT INTO defects (id, inspection_id, idx, type, location, bbox_x, "
                        "bbox_y, bbox_w, bbox_h, angle_deg, length_px, width_px, area_px, score, "
                        "length_mm, width_mm, area_mm2, reject, final_reject) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        def_rows,
                    )
                insp_rows, def_rows = [], []
        store.reader().execute("ANALYZE")
        counts = store.reader().one(
            "SELECT (SELECT count(*) FROM inspections), (SELECT count(*) FROM defects)"
        )
    assert counts is not None
    print(
        f"generated {counts[0]:,} inspections, {counts[1]:,} defects in "
        f"{time.perf_counter() - t0:.1f} s ({db.stat().st_size / 1e6:.0f} MB)"
    )


def bench_history(db: Path) -> None:
    F = history.HistoryFilter
    base = F(limit=1000)
    cases = {
        "no filter (newest 1000)": base,
        "date range (one week)": F(date_from="2025-06-01", date_to="2025-06-07"),
        "date range (one day)": F(date_from="2026-03-15", date_to="2026-03-15"),
        "customer": F(customer="Fab 3"),
        "part": F(part="AS568-207"),
        "lot": F(lot="LOT00150"),
        "station": F(station="station5"),
        "operator": F(operator="op07"),
        "defect type (common)": F(defect_type="scratch"),
        "defect type (rare: crack)": F(defect_type="crack"),
        "verdict fail": F(verdict="fail"),
        "review overruled": F(review="overruled"),
        "customer + month + fail": F(
            customer="Fab 2", date_from="2026-02-01", date_to="2026-02-28", verdict="fail"
        ),
        "station + crack": F(station="station2", defect_type="crack"),
        "operator + month": F(operator="op11", date_from="2025-09-01", date_to="2025-09-30"),
        "part + overruled": F(part="AS568-210", review="overruled"),
        "customer + crack + year": F(
            customer="Fab 1", defect_type="crack", date_from="2025-01-01", date_to="2025-12-31"
        ),
    }
    print("history (median of 5, ≤ 1000 rows returned; target ≤ 200 ms):")
    worst = 0.0
    with open_store(db) as store:
        for name, f in cases.items():
            times = []
            rows = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows = history.query(store, dataclasses.replace(f, limit=1000))
                times.append((time.perf_counter() - t0) * 1000)
            med = statistics.median(times)
            worst = max(worst, med)
            print(f"  {name:<28} {med:8.1f} ms  {len(rows):5d} rows")
    print(f"  worst median: {worst:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=300_000)
    parser.add_argument("--defects", type=int, default=1_000_000)
    parser.add_argument("--recordings", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="records-bench-") as tmp:
        folder = Path(tmp)
        bench_recording(folder, args.recordings)
        db = folder / "hist" / "inspector.db"
        generate(db, args.inspections, args.defects)
        bench_history(db)


if __name__ == "__main__":
    main()
