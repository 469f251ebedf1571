"""Seeded synthetic images of FFKM O-rings with known truth, for tests and benchmarks.

``generate_set`` writes a folder of images and its ``truth.json``; ``render_ring``
renders one :class:`Scene` in memory. Image ``k`` of a set depends only on the set
seed and ``k``, so any one image can be re-rendered alone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2

from inspector.synth.render import (
    Image,
    jpeg_quality,
    render_raw,
    render_ring,
    render_without_defects,
)
from inspector.synth.scene import (
    FORMATS,
    DefectSpec,
    Scene,
    image_seed,
    load_parts,
    random_scene,
    scene_for_index,
)
from inspector.synth.truth import (
    Background,
    DefectTruth,
    DefectType,
    ImageTruth,
    Lighting,
    Material,
    RingTruth,
    TruthSet,
    Where,
    ellipse_perimeter,
    load_truth,
    write_truth,
)

__all__ = [
    "FORMATS",
    "Background",
    "DefectSpec",
    "DefectTruth",
    "DefectType",
    "ImageTruth",
    "Lighting",
    "Material",
    "RingTruth",
    "Scene",
    "TruthSet",
    "Where",
    "ellipse_perimeter",
    "generate_set",
    "image_seed",
    "load_parts",
    "load_truth",
    "random_scene",
    "render_ring",
    "render_without_defects",
    "scene_for_index",
    "write_image",
    "write_truth",
]


def write_image(path: str | Path, image: Image, scene: Scene) -> None:
    """Write an image from :func:`render_raw` in the scene's format.

    Raises
    ------
    OSError
        If OpenCV cannot write the file.
    """
    params: list[int] = []
    if scene.format == "jpeg":
        params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality(scene)]
    elif scene.format == "png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3]  # noise barely compresses; keep it fast
    if not cv2.imwrite(str(path), image, params):
        raise OSError(f"could not write {path}")


@dataclass(frozen=True)
class _Job:
    out_dir: str
    set_seed: int
    index: int
    size: tuple[int, int] | None
    sizes: tuple[tuple[int, int], ...] | None
    good_fraction: float
    out_of_tolerance_fraction: float
    formats: tuple[str, ...] | None
    defect_types: tuple[str, ...] | None


def _run(job: _Job) -> ImageTruth:
    scene = scene_for_index(
        job.set_seed,
        job.index,
        size=job.size,
        sizes=job.sizes,
        good_fraction=job.good_fraction,
        out_of_tolerance_fraction=job.out_of_tolerance_fraction,
        formats=job.formats,
        defect_types=job.defect_types,
    )
    # write the pre-codec pixels: the file then decodes to exactly render_ring's image
    image, truth = render_raw(scene)
    write_image(Path(job.out_dir) / scene.file, image, scene)
    return truth


def _init_worker() -> None:
    cv2.setNumThreads(1)  # the pool already uses every core


def generate_set(
    out_dir: str | Path,
    *,
    n: int,
    seed: int,
    size: tuple[int, int] | None = None,
    sizes: Sequence[tuple[int, int]] | None = None,
    good_fraction: float = 0.4,
    out_of_tolerance_fraction: float = 0.1,
    formats: Sequence[str] | None = None,
    defect_types: Sequence[DefectType | str] | None = None,
    workers: int | None = None,
) -> TruthSet:
    """Render ``n`` images into ``out_dir`` and write its ``truth.json``.

    Parameters
    ----------
    out_dir : path
        Folder to write into; created if missing.
    n : int
        Number of images, named ``ring_0001.<ext>`` onwards.
    seed : int
        The set seed; image ``k`` uses :func:`image_seed` ``(seed, k)``.
    size : (width, height) in px, optional
        Fix the image size; drawn from ``sizes`` when None.
    sizes : sequence of (width, height) in px, optional
        Sizes to draw from; common camera sizes 640×480 to 2448×2048 when None.
    good_fraction : float
        Share of images with no defect.
    out_of_tolerance_fraction : float
        Share of rings whose ID or CS is out of tolerance.
    formats : sequence of str, optional
        File formats to draw from (``png``, ``jpeg``, ``tiff``, ``bmp``).
    defect_types : sequence of DefectType, optional
        Defect types to use (all when None).
    workers : int, optional
        Worker processes; by default one per core for sets of 8 images or more.

    Returns
    -------
    TruthSet
        The truth as written to ``out_dir / "truth.json"``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= good_fraction <= 1.0:
        raise ValueError("good_fraction must be within [0, 1]")
    if not 0.0 <= out_of_tolerance_fraction <= 1.0:
        raise ValueError("out_of_tolerance_fraction must be within [0, 1]")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        _Job(
            out_dir=str(folder),
            set_seed=int(seed),
            index=k,
            size=size,
            sizes=tuple(sizes) if sizes else None,
            good_fraction=good_fraction,
            out_of_tolerance_fraction=out_of_tolerance_fraction,
            formats=tuple(formats) if formats else None,
            defect_types=tuple(str(t) for t in defect_types) if defect_types else None,
        )
        for k in range(n)
    ]
    count = workers if workers is not None else (os.cpu_count() or 1) if n >= 8 else 1
    if count > 1:
        # "spawn": forking a process whose OpenCV or BLAS threads already ran can
        # deadlock a child on a lock held by a thread that fork did not copy.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=count, initializer=_init_worker, mp_context=context
        ) as pool:
            records = list(pool.map(_run, jobs, chunksize=2))
    else:
        records = [_run(job) for job in jobs]
    truth = TruthSet(seed=int(seed), images=tuple(records))
    write_truth(truth, folder / "truth.json")
    return truth
