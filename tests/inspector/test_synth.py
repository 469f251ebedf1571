"""The synthetic ring generator: reproducible pixels, honest truth, every option."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.special import ellipe

from inspector.cli import main
from inspector.synth import (
    DefectType,
    Material,
    TruthSet,
    ellipse_perimeter,
    generate_set,
    image_seed,
    load_truth,
    random_scene,
    render_ring,
    render_without_defects,
    scene_for_index,
    write_truth,
)
from inspector.synth.truth import TRUTH_VERSION, truth_to_dict

SMALL = (320, 240)


def test_ramanujan_perimeter_is_exact_for_a_circle_and_close_for_an_ellipse() -> None:
    assert ellipse_perimeter(2.0, 2.0) == pytest.approx(4.0 * math.pi)
    # exact: 4 a E(e²) with the complete elliptic integral of the second kind
    exact = 4.0 * 3.0 * ellipe(1.0 - (1.0 / 3.0) ** 2)
    assert ellipse_perimeter(3.0, 1.0) == pytest.approx(exact, rel=1e-6)


def test_same_seed_gives_identical_pixels_and_truth() -> None:
    first, truth_a = render_ring(random_scene(11, size=SMALL))
    second, truth_b = render_ring(random_scene(11, size=SMALL))
    assert np.array_equal(first, second)
    assert truth_a == truth_b


def test_different_seeds_differ() -> None:
    first, _ = render_ring(random_scene(1, size=SMALL, bit_depth=8, channels=1))
    second, _ = render_ring(random_scene(2, size=SMALL, bit_depth=8, channels=1))
    assert not np.array_equal(first, second)


def test_image_k_of_a_set_is_reproducible_alone() -> None:
    assert image_seed(7, 3) == image_seed(7, 3)
    assert image_seed(7, 3) != image_seed(7, 4)
    assert scene_for_index(7, 3, size=SMALL) == scene_for_index(7, 3, size=SMALL)


@pytest.mark.parametrize("kind", list(DefectType))
def test_every_defect_type_is_painted_inside_its_box(kind: DefectType) -> None:
    for seed in range(3):
        scene = random_scene(100 + seed, size=(480, 360), n_defects=1, first_defect=kind)
        image, truth = render_ring(scene)
        clean = render_without_defects(scene)
        assert [d.type for d in truth.defects] == [kind]
        defect = truth.defects[0]
        x, y, w, h = defect.bbox_px
        assert x >= 0 and y >= 0 and w >= 1 and h >= 1
        assert x + w <= truth.width and y + h <= truth.height
        inside = np.abs(image.astype(np.int64) - clean.astype(np.int64))[y : y + h, x : x + w]
        assert inside.max() > 0, f"{kind} seed {seed}: nothing changed inside its box"
        assert defect.length_mm > 0 and defect.width_mm > 0
        assert 0.0 <= defect.angle_deg < 360.0


def test_pixels_outside_every_box_barely_change() -> None:
    scene = random_scene(5, size=(480, 360), n_defects=2, first_defect="scratch", bit_depth=8)
    image, truth = render_ring(scene)
    clean = render_without_defects(scene)
    diff = np.abs(image.astype(np.int16) - clean.astype(np.int16))
    if diff.ndim == 3:
        diff = diff.max(axis=2)
    for defect in truth.defects:
        x, y, w, h = defect.bbox_px
        pad = 6  # the optical blur spreads a defect by a few px
        diff[max(y - pad, 0) : y + h + pad, max(x - pad, 0) : x + w + pad] = 0
    if any(d.type is DefectType.CUT for d in truth.defects):
        pytest.skip("a cut moves a free end of the ring")
    assert diff.max() <= 2  # only JPEG ringing or rounding


def test_good_scene_has_no_defects() -> None:
    _, truth = render_ring(random_scene(3, size=SMALL, n_defects=0, out_of_tolerance=False))
    assert truth.defects == ()
    assert truth.dims_in_tolerance and truth.good


def test_ring_truth_is_consistent_with_the_dimensions() -> None:
    _, truth = render_ring(random_scene(21, size=(640, 480)))
    ring = truth.ring
    assert ring.cross_section_px == pytest.approx(truth.cs_mm * truth.px_per_mm, rel=1e-4)
    od_mm = ring.outer_diameter_px / truth.px_per_mm
    assert od_mm == pytest.approx(truth.id_mm + 2 * truth.cs_mm, rel=1e-4)
    id_mm = ring.inner_diameter_px / truth.px_per_mm
    assert id_mm == pytest.approx(truth.id_mm, rel=2e-3)
    assert 0.0 <= ring.ovality_pct <= 3.0 + 1e-6
    short = min(truth.width, truth.height)
    assert 0.3 * short - 1 <= ring.outer_diameter_px <= 0.92 * short + 1
    cx, cy = ring.center_px
    radius = ring.outer_diameter_px / 2 * 1.02
    assert radius <= cx <= truth.width - radius and radius <= cy <= truth.height - radius


def test_out_of_tolerance_rings_are_off_by_more_than_their_tolerance() -> None:
    _, truth = render_ring(random_scene(8, size=SMALL, out_of_tolerance=True))
    assert not truth.dims_in_tolerance
    off_id = abs(truth.id_mm - truth.nominal_id_mm) / truth.id_tol_mm
    off_cs = abs(truth.cs_mm - truth.nominal_cs_mm) / truth.cs_tol_mm
    assert max(off_id, off_cs) >= 1.5 - 1e-3
    _, inside = render_ring(random_scene(8, size=SMALL, out_of_tolerance=False))
    assert abs(inside.id_mm - inside.nominal_id_mm) <= 0.6 * inside.id_tol_mm + 1e-3
    assert abs(inside.cs_mm - inside.nominal_cs_mm) <= 0.6 * inside.cs_tol_mm + 1e-3


@pytest.mark.parametrize(
    ("bit_depth", "channels", "fmt"),
    [(8, 1, "png"), (8, 3, "jpeg"), (16, 1, "tiff"), (16, 3, "png"), (8, 3, "bmp")],
)
def test_depths_channels_and_formats(bit_depth: int, channels: int, fmt: str) -> None:
    scene = random_scene(4, size=SMALL, bit_depth=bit_depth, channels=channels, formats=[fmt])
    image, truth = render_ring(scene)
    assert image.dtype == (np.uint16 if bit_depth == 16 else np.uint8)
    assert image.shape[:2] == (SMALL[1], SMALL[0])
    assert image.ndim == (3 if channels == 3 else 2)
    assert (truth.format, truth.bit_depth, truth.channels) == (fmt, bit_depth, channels)


def test_materials_look_different() -> None:
    means = {}
    for material in Material:
        scene = random_scene(
            9, size=SMALL, material=material, lighting="front", background="dark", channels=1
        )
        image, truth = render_ring(scene)
        cx, cy = truth.ring.center_px
        a = truth.ring.semi_axes_px[0]
        # sample the ring's crown along the row through the centre (row = y, col = x)
        col = round(cx + a * math.cos(math.radians(truth.ring.rotation_deg)))
        row = round(cy + a * math.sin(math.radians(truth.ring.rotation_deg)))
        means[material] = float(image[row - 1 : row + 2, col - 1 : col + 2].mean())
    assert means[Material.WHITE] > means[Material.BLACK]


def test_generate_set_writes_readable_files_and_truth(tmp_path: Path) -> None:
    truth = generate_set(tmp_path, n=6, seed=3, size=SMALL, good_fraction=0.5, workers=1)
    assert len(truth.images) == 6
    assert (tmp_path / "truth.json").exists()
    for record in truth.images:
        image = cv2.imread(str(tmp_path / record.file), cv2.IMREAD_UNCHANGED)
        assert image is not None, record.file
        assert image.shape[:2] == (record.height, record.width)
        assert image.dtype == (np.uint16 if record.bit_depth == 16 else np.uint8)
        assert (image.ndim == 3) == (record.channels == 3)
    # the file holds exactly what render_ring returns, JPEG included
    scene = scene_for_index(3, 0, size=SMALL, good_fraction=0.5)
    in_memory, _ = render_ring(scene)
    on_disk = cv2.imread(str(tmp_path / truth.images[0].file), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(in_memory, on_disk)


def test_truth_json_round_trips(tmp_path: Path) -> None:
    records = tuple(render_ring(random_scene(s, size=SMALL))[1] for s in range(4))
    truth = TruthSet(seed=99, images=records)
    path = write_truth(truth, tmp_path / "truth.json")
    loaded = load_truth(path)
    assert loaded == truth
    data = json.loads(path.read_text())
    assert data["generator"] == "inspector.synth" and data["version"] == TRUTH_VERSION
    assert data == truth_to_dict(loaded)
    first = data["images"][0]
    for key in ("file", "px_per_mm", "part", "ring", "defects", "dims_in_tolerance"):
        assert key in first
    assert first["part"].startswith("AS568-")


def test_load_truth_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"generator": "someone else", "version": 1, "seed": 1}))
    with pytest.raises(ValueError, match="not a"):
        load_truth(path)


def test_types_are_balanced_over_a_set() -> None:
    counts = dict.fromkeys(DefectType, 0)
    good = 0
    for k in range(80):
        scene = scene_for_index(1, k, size=SMALL)
        if not scene.defects:
            good += 1
            continue
        counts[scene.defects[0].type] += 1
    assert 0.3 <= good / 80 <= 0.5
    assert min(counts.values()) >= 3


def test_cli_writes_n_images_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "set"
    status = main(["sample-images", str(out), "--n", "3", "--seed", "4", "--size", "320x240"])
    assert status == 0
    truth = load_truth(out)
    assert len(truth.images) == 3
    assert all((out / record.file).exists() for record in truth.images)
    assert "wrote 3 images" in capsys.readouterr().out


def test_cli_rejects_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample-images", str(tmp_path), "--n", "2", "--seed", "1", "--size", "big"]) == 2
    assert "--size" in capsys.readouterr().err
    status = main(
        ["sample-images", str(tmp_path), "--n", "2", "--seed", "1", "--good-fraction", "2"]
    )
    assert status == 2
    assert "good-fraction" in capsys.readouterr().err
