"""How the engine holds up against what real cameras do to an image and the generator does not.

The generator (``inspector.synth``) renders each pixel in full colour with Gaussian noise
and writes JPEG at quality 85–95. Cameras do more:

- ``bayer``: a colour camera sees through a Bayer mosaic (one colour per pixel) and
  interpolates the other two colours (here OpenCV's bilinear demosaicing of an RGGB
  mosaic). Noise and sharp edges come out with colour fringes.
- ``bayer+hot``: the same with hot pixels in the mosaic, as a sensor without defect-pixel
  correction has them: 50 per megapixel, each at a random 30–100 % of full scale.
- ``jpeg75``, ``jpeg50``: saved (or streamed as MJPG) at JPEG quality 75 or 50.

Each image of a freshly generated set is inspected as it is and under each effect (written
to a file and read back, so decoding is as in use) with its part's recipe, the fab grade
and its true scale. Printed per condition: false rejects on good rings, and recall over
the visible defects of defective rings.

Usage::

    .venv/bin/python benchmarks/camera_effects_benchmark.py [--n 120] [--seed 11]
        [--effects bayer,bayer+hot,jpeg75,jpeg50] [--keep DIR]

A 16-bit image (linear light by convention) is encoded to 8-bit sRGB for the JPEG effects,
as a camera writing JPEG would.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_benchmark import match_defects, settings_for

from inspector.outcome import Verdict
from inspector.runner import inspect_file
from inspector.synth import generate_set
from inspector.synth.camera import bayer_mosaic, demosaic, with_hot_pixels
from inspector.synth.truth import ImageTruth

#: Hot pixels per megapixel of the mosaic for ``bayer+hot``.
HOT_PER_MEGAPIXEL = 50


def bayer(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bilinear demosaicing of the image's own Bayer mosaic."""
    return demosaic(bayer_mosaic(image))


def bayer_hot(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """As :func:`bayer`, with hot pixels in the mosaic before demosaicing."""
    return demosaic(with_hot_pixels(bayer_mosaic(image), rng, per_megapixel=HOT_PER_MEGAPIXEL))


def _eight_bit(image: np.ndarray) -> np.ndarray:
    """8-bit sRGB: 16-bit images are linear light by convention."""
    if image.dtype == np.uint8:
        return image
    linear = np.clip(image.astype(np.float64) / 65535.0, 0.0, 1.0)
    encoded = np.where(
        linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1.0 / 2.4) - 0.055
    )
    return np.round(encoded * 255.0).astype(np.uint8)


def _jpeg(quality: int) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    def effect(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ok, data = cv2.imencode(".jpg", _eight_bit(image), [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return np.asarray(cv2.imdecode(data, cv2.IMREAD_UNCHANGED))

    return effect


EFFECTS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "bayer": bayer,
    "bayer+hot": bayer_hot,
    "jpeg75": _jpeg(75),
    "jpeg50": _jpeg(50),
}


def _inspect(job: tuple[str, str, ImageTruth, str]) -> tuple[str, str, bool, int, int]:
    """Inspect one image under one effect: (file, effect, failed, visible found, visible)."""
    cv2.setNumThreads(1)
    folder, effect, truth, scratch = job
    source = Path(folder) / truth.file
    path = source
    if effect != "as is":
        image = cv2.imread(str(source), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise RuntimeError(f"cannot read {source}")
        rng = np.random.default_rng(zlib.crc32(f"{truth.file}/{effect}".encode()))
        path = Path(scratch) / f"{source.stem}.{effect.replace('+', '_')}.png"
        # Lossless from here on: the effect itself is what reaches the engine.
        if not cv2.imwrite(str(path), EFFECTS[effect](image, rng)):
            raise RuntimeError(f"cannot write {path}")
    result = inspect_file(str(path), settings_for(truth))
    if path != source:
        path.unlink()
    visible = [
        (item, found) for item, found in match_defects(truth.defects, result) if item.visible
    ]
    found = sum(f is not None for _, f in visible)
    return truth.file, effect, result.verdict is not Verdict.PASS, found, len(visible)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=120, help="images in the generated set")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--effects", default=",".join(EFFECTS), help="comma-separated")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    effects = [e for e in args.effects.split(",") if e]
    unknown = sorted(set(effects) - set(EFFECTS))
    if unknown:
        parser.error(f"unknown effects {unknown}; known: {', '.join(EFFECTS)}")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="camera-effects-"))
    scratch = Path(tempfile.mkdtemp(prefix="camera-effects-work-"))
    try:
        print(f"generating {args.n} images (seed {args.seed}) …", flush=True)
        truth_set = generate_set(folder, n=args.n, seed=args.seed)
        good = {t.file for t in truth_set.images if not t.defects and t.dims_in_tolerance}
        defective = {t.file for t in truth_set.images if any(d.visible for d in t.defects)}
        jobs = [
            (str(folder), effect, truth, str(scratch))
            for effect in ["as is", *effects]
            for truth in truth_set.images
        ]
        context: Any = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
            results = list(pool.map(_inspect, jobs, chunksize=4))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    print()
    print(f"{'condition':<12} {'false rejects (good rings)':>28} {'recall (visible defects)':>26}")
    for effect in ["as is", *effects]:
        rows = [r for r in results if r[1] == effect]
        rejected = sum(r[2] for r in rows if r[0] in good)
        found = sum(r[3] for r in rows if r[0] in defective)
        visible = sum(r[4] for r in rows if r[0] in defective)
        fr = f"{100.0 * rejected / max(len(good), 1):5.1f} % ({rejected}/{len(good)})"
        rc = f"{100.0 * found / max(visible, 1):5.1f} % ({found}/{visible})"
        print(f"{effect:<12} {fr:>28} {rc:>26}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
