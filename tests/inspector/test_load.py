"""Tests for :mod:`inspector.imaging.load`: good files round trip, bad files get a message."""

from __future__ import annotations

import hashlib
import os
import struct
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from inspector.imaging import load
from inspector.imaging.load import (
    MAX_MEGAPIXELS,
    ImageFormat,
    ImageReadError,
    LoadedImage,
    decode_image_bytes,
    read_image_file,
    to_float,
    to_gray_float,
)

H, W = 48, 64  # small, but above the 32 px minimum; H != W catches transposed sizes


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


def noise(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> npt.NDArray[Any]:
    return rng.integers(0, np.iinfo(dtype).max, size=shape, dtype=dtype, endpoint=True)


def encode(image: npt.NDArray[Any], ext: str) -> bytes:
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return bytes(buf.tobytes())


# --- hand-made files, for what OpenCV cannot write or for lying headers ---------------------


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(ctype + payload)
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def make_png(
    width: int, height: int, bit_depth: int, color_type: int, rows: list[bytes], extra: bytes = b""
) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + extra
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def make_tiff(
    width: int,
    height: int,
    pixels: bytes,
    *,
    big_endian: bool = False,
    bigtiff: bool = False,
) -> bytes:
    """An uncompressed one-strip 8-bit grey TIFF (classic or BigTIFF, either byte order)."""
    o = ">" if big_endian else "<"
    mark = b"MM" if big_endian else b"II"
    entries = [  # (tag, type, value): SHORT = 3, LONG = 4
        (256, 4, width),
        (257, 4, height),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 0),  # strip offset, patched below
        (277, 3, 1),
        (278, 4, height),
        (279, 4, len(pixels)),
    ]
    if bigtiff:
        header_size, entry_fmt, count_fmt, next_fmt = 16, "HHQ", "Q", "Q"
        value_width = 8
    else:
        header_size, entry_fmt, count_fmt, next_fmt = 8, "HHI", "H", "I"
        value_width = 4
    ifd_size = (
        struct.calcsize(o + count_fmt)
        + len(entries) * (struct.calcsize(o + entry_fmt) + value_width)
        + struct.calcsize(o + next_fmt)
    )
    data_offset = header_size + ifd_size
    ifd = struct.pack(o + count_fmt, len(entries))
    for tag, ftype, value in entries:
        if tag == 273:
            value = data_offset
        field = struct.pack(o + ("H" if ftype == 3 else "I"), value)
        ifd += struct.pack(o + entry_fmt, tag, ftype, 1) + field.ljust(value_width, b"\x00")
    ifd += struct.pack(o + next_fmt, 0)
    if bigtiff:
        head = mark + struct.pack(o + "HHHQ", 43, 8, 0, header_size)
    else:
        head = mark + struct.pack(o + "HI", 42, header_size)
    return head + ifd + pixels


def make_bmp_header(width: int, height: int, bpp: int = 24) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 0, 0, 0, 54) + info


def jpeg_with_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the SOF0 frame header of an OpenCV-made baseline JPEG."""
    at = data.index(b"\xff\xc0")
    # FFC0, length (2), precision (1), then height and width (2 each, big-endian)
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def assert_refused(data: bytes, match: str, monkeypatch: pytest.MonkeyPatch) -> ImageReadError:
    """Decoding is refused with ``match`` in the message, without OpenCV or big memory."""

    def no_decoder(*args: object) -> None:
        raise AssertionError("the decoder must not be reached")

    monkeypatch.setattr(load.cv2, "imdecode", no_decoder)
    tracemalloc.start()
    try:
        with pytest.raises(ImageReadError, match=match) as info:
            decode_image_bytes(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024 + 4 * len(data)
    return info.value


# --- good files ------------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(H, W), (H, W, 3)])
def test_lossless_round_trip(
    rng: np.random.Generator, ext: str, dtype: Any, shape: tuple[int, ...]
) -> None:
    image = noise(rng, shape, dtype)
    loaded = decode_image_bytes(encode(image, ext))
    assert loaded.pixels.dtype == dtype
    np.testing.assert_array_equal(loaded.pixels, image)
    assert loaded.bit_depth == (8 if dtype == np.uint8 else 16)
    assert loaded.format == ext.lstrip(".").replace("tif", "tiff")
    assert (loaded.height, loaded.width) == (H, W)
    assert loaded.is_color == (len(shape) == 3)


@pytest.mark.parametrize("shape", [(H, W), (H, W, 3)])
def test_bmp_round_trip(rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    image = noise(rng, shape, np.uint8)
    loaded = decode_image_bytes(encode(image, ".bmp"))
    assert loaded.format is ImageFormat.BMP
    np.testing.assert_array_equal(loaded.pixels, image)


def test_bmp_top_down_negative_height(rng: np.random.Generator) -> None:
    image = noise(rng, (H, W, 3), np.uint8)
    stride = (W * 3 + 3) // 4 * 4
    rows = b"".join(row.tobytes().ljust(stride, b"\x00") for row in image)  # top row first
    data = make_bmp_header(W, -H) + rows
    np.testing.assert_array_equal(decode_image_bytes(data).pixels, image)


@pytest.mark.parametrize("shape", [(H, W), (H, W, 3)])
def test_jpeg_reads_close(shape: tuple[int, ...]) -> None:
    yy, xx = np.mgrid[0:H, 0:W]
    smooth = (2 * xx + yy).astype(np.uint8)
    image = smooth if len(shape) == 2 else np.dstack([smooth, smooth // 2, 255 - smooth])
    loaded = decode_image_bytes(encode(image, ".jpg"))
    assert loaded.format is ImageFormat.JPEG
    assert loaded.pixels.shape == image.shape
    assert loaded.pixels.dtype == np.uint8
    assert np.abs(loaded.pixels.astype(int) - image).mean() < 3


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_alpha_is_dropped(rng: np.random.Generator, ext: str, dtype: Any) -> None:
    bgra = noise(rng, (H, W, 4), dtype)
    loaded = decode_image_bytes(encode(bgra, ext))
    np.testing.assert_array_equal(loaded.pixels, bgra[:, :, :3])
    assert loaded.pixels.flags.c_contiguous


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_gray_alpha_becomes_gray(rng: np.random.Generator, dtype: Any) -> None:
    ga = noise(rng, (H, W, 2), dtype).astype(np.dtype(dtype).newbyteorder(">"))
    bits = 8 * np.dtype(dtype).itemsize
    data = make_png(W, H, bits, 4, [row.tobytes() for row in ga])
    loaded = decode_image_bytes(data)
    assert loaded.pixels.shape == (H, W)
    assert loaded.pixels.dtype == dtype
    np.testing.assert_array_equal(loaded.pixels, ga[:, :, 0])


def test_png_palette_is_expanded(rng: np.random.Generator) -> None:
    palette = noise(rng, (4, 3), np.uint8)  # RGB entries
    index = rng.integers(0, 4, size=(H, W), dtype=np.uint8)
    data = make_png(
        W, H, 8, 3, [row.tobytes() for row in index], png_chunk(b"PLTE", palette.tobytes())
    )
    loaded = decode_image_bytes(data)
    np.testing.assert_array_equal(loaded.pixels, palette[index][:, :, ::-1])  # RGB -> BGR


def test_png_one_bit_is_expanded_to_0_255(rng: np.random.Generator) -> None:
    bits = rng.integers(0, 2, size=(H, W), dtype=np.uint8)
    data = make_png(W, H, 1, 0, [np.packbits(row).tobytes() for row in bits])
    loaded = decode_image_bytes(data)
    assert loaded.bit_depth == 8
    np.testing.assert_array_equal(loaded.pixels, bits * 255)


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("bigtiff", [False, True])
def test_handmade_tiff_both_byte_orders(
    rng: np.random.Generator, big_endian: bool, bigtiff: bool
) -> None:
    image = noise(rng, (H, W), np.uint8)
    data = make_tiff(W, H, image.tobytes(), big_endian=big_endian, bigtiff=bigtiff)
    loaded = decode_image_bytes(data)
    assert loaded.format is ImageFormat.TIFF
    np.testing.assert_array_equal(loaded.pixels, image)


def test_file_facts_and_read_only_pixels(rng: np.random.Generator, tmp_path: Path) -> None:
    data = encode(noise(rng, (H, W, 3), np.uint8), ".png")
    path = tmp_path / "ring.jpg"  # the suffix lies: the contents decide
    path.write_bytes(data)
    loaded = read_image_file(path)
    assert isinstance(loaded, LoadedImage)
    assert loaded.format == "png"
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.nbytes == len(data)
    assert not loaded.pixels.flags.writeable
    assert read_image_file(str(path)).sha256 == loaded.sha256


# --- bad files -------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError) as info:
        read_image_file(path)
    assert str(info.value) == "empty file"
    assert info.value.source == str(path)
    assert isinstance(info.value, ValueError)


def test_text_file_named_png(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("ring 42 looked fine\n")
    with pytest.raises(ImageReadError) as info:
        read_image_file(path)
    assert str(info.value) == "not an image: the file's contents are not PNG, JPEG, TIFF or BMP"


@pytest.mark.parametrize("keep", [0.5, 0.9, 30])
def test_truncated_png(rng: np.random.Generator, keep: float) -> None:
    data = encode(noise(rng, (200, 200, 3), np.uint8), ".png")
    cut = int(len(data) * keep) if keep < 1 else int(keep)
    with pytest.raises(ImageReadError, match=r"^truncated PNG: the file ends before"):
        decode_image_bytes(data[:cut])


def test_png_without_iend(rng: np.random.Generator) -> None:
    data = encode(noise(rng, (H, W), np.uint8), ".png")
    assert data.endswith(png_chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match=r"^truncated PNG"):
        decode_image_bytes(data[:-12])


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.9, -2, -1])
def test_truncated_jpeg(rng: np.random.Generator, cut: float) -> None:
    data = encode(noise(rng, (200, 200, 3), np.uint8), ".jpg")
    end = int(len(data) * cut) if cut > 0 else int(cut)
    with pytest.raises(ImageReadError) as info:
        decode_image_bytes(data[:end])
    assert str(info.value) == "truncated JPEG: the file ends before the image data does"


@pytest.mark.parametrize(
    "params",
    [[cv2.IMWRITE_JPEG_PROGRESSIVE, 1], [cv2.IMWRITE_JPEG_RST_INTERVAL, 2]],
    ids=["progressive", "restart-markers"],
)
def test_jpeg_variants_walk_to_eoi(rng: np.random.Generator, params: list[int]) -> None:
    image = noise(rng, (H, W, 3), np.uint8)
    ok, buf = cv2.imencode(".jpg", image, params)
    assert ok
    data = bytes(buf.tobytes())
    assert decode_image_bytes(data).pixels.shape == (H, W, 3)
    with pytest.raises(ImageReadError, match=r"^truncated JPEG"):
        decode_image_bytes(data[: len(data) * 2 // 3])


def test_jpeg_with_bytes_after_eoi_is_fine(rng: np.random.Generator) -> None:
    data = encode(noise(rng, (H, W), np.uint8), ".jpg") + b"camera trailer"
    assert decode_image_bytes(data).pixels.shape == (H, W)


def test_truncated_tiff(rng: np.random.Generator) -> None:
    image = noise(rng, (H, W), np.uint8)
    whole = make_tiff(W, H, image.tobytes())
    for data in (whole[:-10], whole[:20], encode(image, ".tif")[:200]):
        with pytest.raises(ImageReadError, match=r"^truncated TIFF"):
            decode_image_bytes(data)


def test_truncated_bmp(rng: np.random.Generator) -> None:
    data = encode(noise(rng, (H, W, 3), np.uint8), ".bmp")
    for cut in (len(data) - 1, len(data) // 2, 20):
        with pytest.raises(ImageReadError, match=r"^truncated BMP"):
            decode_image_bytes(data[:cut])


def test_one_pixel_png() -> None:
    data = encode(np.zeros((1, 1), np.uint8), ".png")
    with pytest.raises(ImageReadError, match=r"^image is 1×1 px: too small to hold a ring"):
        decode_image_bytes(data)


def test_min_side_is_an_option(rng: np.random.Generator) -> None:
    data = encode(noise(rng, (H, W), np.uint8), ".png")
    with pytest.raises(ImageReadError, match=r"image is 64×48 px: too small"):
        decode_image_bytes(data, min_side_px=50)
    assert decode_image_bytes(data, min_side_px=48).pixels.shape == (H, W)


HUGE = "image header claims 100000×100000 px (10000 megapixels); refusing images over 64 megapixels"


def test_huge_png_header_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_png(100_000, 100_000, 8, 0, [b"\x00" * 10])
    error = assert_refused(data, "^image header claims", monkeypatch)
    assert str(error) == HUGE


def test_huge_bmp_header_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_bmp_header(100_000, -100_000) + b"\x00" * 64
    assert str(assert_refused(data, "^image header claims", monkeypatch)) == HUGE


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("bigtiff", [False, True])
def test_huge_tiff_header_refused(
    monkeypatch: pytest.MonkeyPatch, big_endian: bool, bigtiff: bool
) -> None:
    data = make_tiff(100_000, 100_000, b"\x00" * 64, big_endian=big_endian, bigtiff=bigtiff)
    assert str(assert_refused(data, "^image header claims", monkeypatch)) == HUGE


def test_huge_jpeg_header_refused(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JPEG sizes are 16-bit: 65535 is the largest a header can claim.
    data = jpeg_with_size(encode(noise(rng, (H, W), np.uint8), ".jpg"), 65535, 65535)
    error = assert_refused(data, "^image header claims", monkeypatch)
    assert str(error) == (
        "image header claims 65535×65535 px (4295 megapixels); "
        f"refusing images over {MAX_MEGAPIXELS:g} megapixels"
    )


def test_max_megapixels_is_an_option(rng: np.random.Generator) -> None:
    data = encode(noise(rng, (H, W), np.uint8), ".png")
    with pytest.raises(ImageReadError, match=r"refusing images over 0.001 megapixels"):
        decode_image_bytes(data, max_megapixels=0.001)


def test_float_tiff_is_unsupported(rng: np.random.Generator) -> None:
    data = encode(rng.random((H, W), dtype=np.float32), ".tif")
    with pytest.raises(ImageReadError, match=r"^unsupported pixel type: 32-bit floating-point"):
        decode_image_bytes(data)


def test_damaged_png_data(rng: np.random.Generator) -> None:
    image = noise(rng, (H, W), np.uint8)
    data = make_png(W, H, 8, 0, [row.tobytes() for row in image])
    at = data.index(b"IDAT") + 4
    broken = data[:at] + b"\x00" * 8 + data[at + 8 :]  # not zlib any more; CRC wrong too
    with pytest.raises(ImageReadError, match=r"^damaged PNG"):
        decode_image_bytes(broken)


def test_jpeg_marker_garbage() -> None:
    with pytest.raises(ImageReadError, match=r"^damaged JPEG"):
        decode_image_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.png"
    with pytest.raises(ImageReadError) as info:
        read_image_file(path)
    assert str(info.value) == f"cannot read {path}: no such file"


def test_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"x")
    with pytest.raises(ImageReadError, match="no such file"):
        read_image_file(tmp_path / "a.png" / "b.png")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError) as info:
        read_image_file(tmp_path)
    assert str(info.value) == f"cannot read {tmp_path}: it is a folder, not an image file"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads files whatever their mode, so chmod 000 cannot make one unreadable",
)
def test_permission_denied(rng: np.random.Generator, tmp_path: Path) -> None:
    path = tmp_path / "locked.png"
    path.write_bytes(encode(noise(rng, (H, W), np.uint8), ".png"))
    path.chmod(0)
    try:
        with pytest.raises(ImageReadError) as info:
            read_image_file(path)
    finally:
        path.chmod(0o600)
    assert str(info.value) == f"cannot read {path}: permission denied"


def test_file_size_limit(rng: np.random.Generator, tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(encode(noise(rng, (H, W), np.uint8), ".png"))
    with pytest.raises(ImageReadError, match="refusing files over"):
        read_image_file(path, max_file_bytes=100)


# --- conversions -----------------------------------------------------------------------------


def test_to_float_scales_by_dtype_not_by_values() -> None:
    dark16 = np.full((2, 3), 1000, np.uint16)
    np.testing.assert_allclose(to_float(dark16), 1000 / 65535, rtol=1e-6)
    full8 = np.array([[0, 255]], np.uint8)
    out = to_float(full8)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.0, 1.0]])
    colour = np.zeros((2, 3, 3), np.uint8)
    assert to_float(colour).shape == (2, 3, 3)
    with pytest.raises(ValueError, match="expected uint8"):
        to_float(np.zeros((2, 2), np.int32))


def test_to_gray_float() -> None:
    bgr = np.zeros((1, 4, 3), np.uint8)
    bgr[0, 0] = (255, 0, 0)  # blue
    bgr[0, 1] = (0, 255, 0)  # green
    bgr[0, 2] = (0, 0, 255)  # red
    bgr[0, 3] = (255, 255, 255)
    before = bgr.copy()
    gray = to_gray_float(bgr)
    assert gray.shape == (1, 4)
    assert gray.dtype == np.float32
    np.testing.assert_allclose(gray[0], [0.114, 0.587, 0.299, 1.0], atol=1e-6)
    assert gray.max() <= 1.0
    np.testing.assert_array_equal(bgr, before)
    g16 = np.array([[0, 65535]], np.uint16)
    np.testing.assert_array_equal(to_gray_float(g16), [[0.0, 1.0]])
    with pytest.raises(ValueError, match="expected an"):
        to_gray_float(np.zeros((2, 2, 4), np.uint8))
