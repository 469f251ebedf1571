"""Regression checks of the engine on the committed sample set, against its truth.

The bounds are the engine's present performance on these 24 images, so a change that
makes it worse fails here; raise them as the engine improves. The full figures on fresh
sets come from ``benchmarks/engine_benchmark.py``.
"""

from __future__ import annotations

from functools import cache

import pytest

from inspector.imaging.engine import inspect_pixels
from inspector.imaging.load import read_image_file
from inspector.imaging.results import DefectType, RingInspection
from inspector.paths import SAMPLE_IMAGES_DIR
from inspector.synth.truth import ImageTruth, Lighting, load_truth

TRUTH = load_truth(SAMPLE_IMAGES_DIR / "truth.json")


@cache
def inspected(name: str) -> RingInspection:
    return inspect_pixels(read_image_file(SAMPLE_IMAGES_DIR / name).pixels)


def back_lit(truth: ImageTruth) -> bool:
    return truth.lighting is Lighting.BACK


def test_the_sample_set_covers_what_the_engine_must_handle() -> None:
    images = TRUTH.images
    assert len(images) >= 20
    assert {t.material.value for t in images} == {"black", "white", "amber"}
    assert {t.format for t in images} >= {"png", "jpeg", "tiff", "bmp"}
    assert {d.type for t in images for d in t.defects} == {d.value for d in DefectType} or {
        d.type.value for t in images for d in t.defects
    } == {d.value for d in DefectType}


@pytest.mark.parametrize("truth", [t for t in TRUTH.images if back_lit(t)], ids=lambda t: t.file)
def test_back_lit_rings_are_measured_within_a_pixel(truth: ImageTruth) -> None:
    ring = inspected(truth.file).ring
    assert ring is not None
    assert abs(ring.outer_diameter_px - truth.ring.outer_diameter_px) <= 1.0
    assert abs(ring.inner_diameter_px - truth.ring.inner_diameter_px) <= 1.0
    assert abs(ring.center_px[0] - truth.ring.center_px[0]) <= 1.0
    assert abs(ring.center_px[1] - truth.ring.center_px[1]) <= 1.0


def test_front_lit_rings_are_found_and_roughly_measured() -> None:
    errors = []
    for truth in TRUTH.images:
        if back_lit(truth):
            continue
        ring = inspected(truth.file).ring
        if ring is None:
            continue  # a dark ring on a dark field may be untraceable: reported as an error
        errors.append(abs(ring.outer_diameter_px - truth.ring.outer_diameter_px))
    assert len(errors) >= 9
    assert sorted(errors)[len(errors) // 2] <= 1.0  # the median front-lit ring


def test_good_back_lit_rings_pass_the_engine_clean() -> None:
    for truth in TRUTH.images:
        if back_lit(truth) and not truth.defects:
            assert inspected(truth.file).defects == (), truth.file


def test_every_cut_ring_is_reported_broken_or_defective() -> None:
    for truth in TRUTH.images:
        if any(d.type == "cut" for d in truth.defects):
            result = inspected(truth.file)
            assert result.ring is None or result.ring.broken or result.defects, truth.file


def _overlaps(a: list[int], b: list[int], margin: int = 4) -> bool:
    """Whether two ``[x, y, w, h]`` boxes overlap, allowing ``margin`` px between them."""
    return (
        a[0] - margin < b[0] + b[2]
        and b[0] - margin < a[0] + a[2]
        and a[1] - margin < b[1] + b[3]
        and b[1] - margin < a[1] + a[3]
    )


def test_most_defective_rings_are_caught_where_their_defects_are() -> None:
    # Caught means a reported defect lies on a painted one: a false call elsewhere on a
    # defective ring does not count.
    defective = [t for t in TRUTH.images if t.defects]
    caught = [
        t
        for t in defective
        if any(
            _overlaps(found.bbox.as_list(), list(painted.bbox_px))
            for found in inspected(t.file).defects
            for painted in t.defects
        )
    ]
    assert len(caught) >= 0.8 * len(defective)


def test_good_front_lit_rings_are_mostly_clean() -> None:
    # A front-lit rim can fool the edge finder into a "bite"; the image evidence check
    # must keep such calls off good rings.
    good = [t for t in TRUTH.images if not t.defects and not back_lit(t)]
    flagged = [t.file for t in good if inspected(t.file).defects]
    assert len(good) >= 3
    assert len(flagged) <= len(good) // 3, flagged
