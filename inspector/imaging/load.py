"""Read image files safely: judge the bytes before OpenCV decodes them.

The engine accepts PNG, JPEG, TIFF and BMP, colour or monochrome, 8- or 16-bit. Anything
else, and anything damaged, becomes an :class:`ImageReadError` whose message a person
understands: never a crash, never a huge allocation.

The order of the checks is what makes it safe:

1. sniff the format from the magic bytes (the file name's suffix is not trusted);
2. parse the header ourselves for width and height, and refuse images that are too large
   (a crafted header can claim gigapixels) or too small to hold a ring, before anything
   is allocated for pixels;
3. check the file is complete (PNG ``IEND``, JPEG ``EOI``, BMP pixel array, TIFF strips):
   OpenCV decodes a truncated JPEG into a grey-padded image without complaint;
4. decode with OpenCV, keeping 16-bit samples, dropping alpha.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

#: Largest image accepted, in megapixels (width × height / 1e6), judged from the header.
MAX_MEGAPIXELS = 64.0
#: Smallest side accepted, in px: anything smaller cannot show a ring worth inspecting.
MIN_SIDE_PX = 32
#: Largest file read from disk, in bytes (a 64 MP 16-bit RGBA TIFF is 512 MiB uncompressed).
MAX_FILE_BYTES = 640 * 1024 * 1024

ImageArray = npt.NDArray[np.uint8] | npt.NDArray[np.uint16]
Float32Array = npt.NDArray[np.float32]


class ImageFormat(StrEnum):
    """The file formats the engine reads; the value is the JSON / records spelling."""

    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    BMP = "bmp"


class ImageReadError(ValueError):
    """An image could not be read; ``str()`` is a message for the person at the station.

    Parameters
    ----------
    message : str
        What is wrong, in plain words (e.g. ``"empty file"``).
    source : str, optional
        The path or name of what was being read, for logs; the message itself only
        names the path when the problem is the path.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image and the facts about its file.

    Attributes
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8 or uint16
        The samples as stored, channels in OpenCV's BGR order. Alpha is dropped, palette
        and 1-bit images are expanded (1-bit to 0 / 255). The array is read-only: a
        pipeline step copies before it changes anything.
    format : ImageFormat
        The format found from the file's contents (a ``StrEnum``: equals ``"png"`` etc.).
    bit_depth : int
        8 or 16, from the dtype of ``pixels``.
    sha256 : str
        Hex SHA-256 of the file's bytes, for the records.
    nbytes : int
        Size of the file in bytes.
    """

    pixels: ImageArray = field(compare=False, repr=False)
    format: ImageFormat
    bit_depth: int
    sha256: str
    nbytes: int

    @property
    def height(self) -> int:
        """Image height in px (rows)."""
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        """Image width in px (columns)."""
        return int(self.pixels.shape[1])

    @property
    def is_color(self) -> bool:
        """True for (H, W, 3) pixels, False for (H, W)."""
        return self.pixels.ndim == 3


def read_image_file(
    path: str | os.PathLike[str],
    *,
    max_megapixels: float = MAX_MEGAPIXELS,
    min_side_px: int = MIN_SIDE_PX,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> LoadedImage:
    """Read an image file once and decode it.

    The bytes are read once, so the hash in the result is of exactly what was decoded.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    max_megapixels : float, optional
        Refuse images whose header claims more than this many megapixels.
    min_side_px : int, optional
        Refuse images narrower or shorter than this, in px.
    max_file_bytes : int, optional
        Refuse files larger than this, in bytes, before reading them.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageReadError
        The path cannot be read (missing, a folder, permission denied...), naming the
        path and the reason; or the contents are not a usable image.
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
        if stat.S_ISDIR(info.st_mode):
            raise ImageReadError(
                f"cannot read {name}: it is a folder, not an image file", source=name
            )
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or a device would block or never end: only plain files are images.
            raise ImageReadError(f"cannot read {name}: not a regular file", source=name)
        if info.st_size > max_file_bytes:
            raise ImageReadError(_too_big_file_message(info.st_size, max_file_bytes), source=name)
        with open(name, "rb") as fh:
            # Read one byte more than allowed, in case the file grew since stat().
            data = fh.read(max_file_bytes + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise ImageReadError(f"cannot read {name}: no such file", source=name) from None
    except IsADirectoryError:
        raise ImageReadError(
            f"cannot read {name}: it is a folder, not an image file", source=name
        ) from None
    except PermissionError:
        raise ImageReadError(f"cannot read {name}: permission denied", source=name) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ImageReadError(f"cannot read {name}: {reason}", source=name) from None
    if len(data) > max_file_bytes:
        raise ImageReadError(_too_big_file_message(len(data), max_file_bytes), source=name)
    return decode_image_bytes(
        data, name=name, max_megapixels=max_megapixels, min_side_px=min_side_px
    )


def decode_image_bytes(
    data: bytes,
    *,
    name: str = "<bytes>",
    max_megapixels: float = MAX_MEGAPIXELS,
    min_side_px: int = MIN_SIDE_PX,
) -> LoadedImage:
    """Check and decode the bytes of a PNG, JPEG, TIFF or BMP file.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str, optional
        What the bytes came from; kept as ``ImageReadError.source``.
    max_megapixels : float, optional
        Refuse images whose header claims more than this many megapixels.
    min_side_px : int, optional
        Refuse images narrower or shorter than this, in px.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageReadError
        With a message that says what is wrong: empty, not an image, truncated, too
        large, too small, damaged, or an unsupported pixel type.
    """
    try:
        return _decode(bytes(data), max_megapixels=max_megapixels, min_side_px=min_side_px)
    except ImageReadError as exc:
        if exc.source is None:
            exc.source = name
        raise


# --- the steps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """What the header says, before decoding.

    ``width`` / ``height`` are None when the file ended before they were found;
    ``truncated`` says the file ends before its image data does.
    """

    format: ImageFormat
    width: int | None
    height: int | None
    truncated: bool
    gray_alpha: bool = False


class _Corrupt(Exception):
    """Raised by the header parsers for a file that is structurally wrong (not truncated)."""


_LABEL = {
    ImageFormat.PNG: "PNG",
    ImageFormat.JPEG: "JPEG",
    ImageFormat.TIFF: "TIFF",
    ImageFormat.BMP: "BMP",
}


def _decode(data: bytes, *, max_megapixels: float, min_side_px: int) -> LoadedImage:
    if not data:
        raise ImageReadError("empty file")
    fmt = _sniff(data)
    if fmt is None:
        raise ImageReadError("not an image: the file's contents are not PNG, JPEG, TIFF or BMP")
    label = _LABEL[fmt]
    try:
        header = _PARSERS[fmt](data)
    except _Corrupt as exc:
        raise ImageReadError(f"damaged {label}: {exc}") from None

    truncated_msg = f"truncated {label}: the file ends before the image data does"
    if header.width is None or header.height is None:
        if header.truncated:
            raise ImageReadError(truncated_msg)
        raise ImageReadError(f"damaged {label}: the header gives no image size")
    _check_size(header.width, header.height, max_megapixels=max_megapixels, min_side=min_side_px)
    if header.truncated:
        raise ImageReadError(truncated_msg)

    raw = _imdecode(data)
    if raw is None:
        raise ImageReadError(
            f"damaged {label}: the image data cannot be decoded "
            "(the file is corrupt or uses a variant of the format that is not supported)"
        )
    pixels = _normalise(raw, gray_alpha=header.gray_alpha)
    height, width = int(pixels.shape[0]), int(pixels.shape[1])
    if (width, height) != (header.width, header.height):
        raise ImageReadError(
            f"damaged {label}: the header says {header.width}×{header.height} px "
            f"but the image data holds {width}×{height} px"
        )
    pixels.flags.writeable = False
    return LoadedImage(
        pixels=pixels,
        format=fmt,
        bit_depth=8 if pixels.dtype == np.uint8 else 16,
        sha256=hashlib.sha256(data).hexdigest(),
        nbytes=len(data),
    )


def _sniff(data: bytes) -> ImageFormat | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return ImageFormat.TIFF
    if data.startswith(b"BM"):
        return ImageFormat.BMP
    return None


def _check_size(width: int, height: int, *, max_megapixels: float, min_side: int) -> None:
    megapixels = width * height / 1e6
    if megapixels > max_megapixels:
        raise ImageReadError(
            f"image header claims {width}×{height} px ({_fmt_mp(megapixels)} megapixels); "
            f"refusing images over {max_megapixels:g} megapixels"
        )
    if width < min_side or height < min_side:
        raise ImageReadError(
            f"image is {width}×{height} px: too small to hold a ring "
            f"(at least {min_side} px on each side is needed)"
        )


def _fmt_mp(megapixels: float) -> str:
    return f"{megapixels:.0f}" if megapixels >= 10 else f"{megapixels:.1f}"


def _too_big_file_message(size: int, limit: int) -> str:
    mib = 1024 * 1024
    return f"file is {size / mib:.0f} MiB; refusing files over {limit / mib:.0f} MiB"


# --- PNG -----------------------------------------------------------------------------------


def _parse_png(data: bytes) -> _Header:
    """Walk the chunks: IHDR first, IEND last, no chunk running past the end."""
    n = len(data)
    pos = 8
    width = height = None
    gray_alpha = False
    while pos + 8 <= n:
        length, ctype = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF:
            raise _Corrupt(f"a chunk claims {length} bytes")
        if pos == 8:
            if ctype != b"IHDR":
                raise _Corrupt("the first chunk is not the image header (IHDR)")
            if length < 13 or pos + 8 + 13 > n:
                return _Header(ImageFormat.PNG, None, None, truncated=pos + 8 + 13 > n)
            width, height, _bit_depth, color_type = struct.unpack_from(">IIBB", data, pos + 8)
            # Colour type 4 is grey + alpha; OpenCV hands it back as BGRA with B = G = R.
            gray_alpha = color_type == 4
        end = pos + 12 + length
        if end > n:
            return _Header(ImageFormat.PNG, width, height, truncated=True, gray_alpha=gray_alpha)
        if ctype == b"IEND":
            return _Header(ImageFormat.PNG, width, height, truncated=False, gray_alpha=gray_alpha)
        pos = end
    return _Header(ImageFormat.PNG, width, height, truncated=True, gray_alpha=gray_alpha)


# --- JPEG ----------------------------------------------------------------------------------

# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM and the restart markers RST0..RST7.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Inside entropy-coded data a 0xFF byte is followed by 0x00 (stuffing), RSTn or more 0xFF
# fill; anything else is the next marker.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _parse_jpeg(data: bytes) -> _Header:
    """Walk the marker segments and scans up to the EOI marker."""
    n = len(data)
    pos = 2
    width = height = None
    seen_scan = False
    while True:
        if pos >= n:
            return _Header(ImageFormat.JPEG, width, height, truncated=True)
        if data[pos] != 0xFF:
            raise _Corrupt(f"expected a marker at byte {pos}")
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            return _Header(ImageFormat.JPEG, width, height, truncated=True)
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            if not seen_scan:
                raise _Corrupt("the file ends without any image data")
            return _Header(ImageFormat.JPEG, width, height, truncated=False)
        if marker in _JPEG_STANDALONE:
            continue
        if marker == 0xD8:
            raise _Corrupt("a second start-of-image marker inside the file")
        if pos + 2 > n:
            return _Header(ImageFormat.JPEG, width, height, truncated=True)
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise _Corrupt(f"a segment claims {length} bytes")
        end = pos + length
        if marker in _JPEG_SOF and width is None:
            if pos + 7 > n:
                return _Header(ImageFormat.JPEG, None, None, truncated=True)
            height, width = struct.unpack_from(">HH", data, pos + 3)
            if height == 0:
                raise _Corrupt("the height is given only after the image data (DNL marker)")
        if end > n:
            return _Header(ImageFormat.JPEG, width, height, truncated=True)
        if marker == 0xDA:  # SOS: the entropy-coded data follows the header
            if width is None:
                raise _Corrupt("image data comes before the frame header")
            seen_scan = True
            found = _JPEG_NEXT_MARKER.search(data, end)
            if found is None:
                return _Header(ImageFormat.JPEG, width, height, truncated=True)
            pos = found.start()
            continue
        pos = end


# --- BMP -----------------------------------------------------------------------------------

_BMP_UNCOMPRESSED = frozenset({0, 3, 6})  # BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS


def _parse_bmp(data: bytes) -> _Header:
    """Read the info header; for uncompressed pixels check the whole pixel array is there."""
    n = len(data)
    if n < 18:
        return _Header(ImageFormat.BMP, None, None, truncated=True)
    (pixel_offset, dib_size) = struct.unpack_from("<II", data, 10)
    if dib_size == 12:  # BITMAPCOREHEADER: unsigned 16-bit sizes, no compression
        if n < 26:
            return _Header(ImageFormat.BMP, None, None, truncated=True)
        width, height, _planes, bpp = struct.unpack_from("<HHHH", data, 18)
        compression = 0
    elif dib_size >= 16:
        if n < 30:
            return _Header(ImageFormat.BMP, None, None, truncated=True)
        width, height, _planes, bpp = struct.unpack_from("<iiHH", data, 18)
        compression = struct.unpack_from("<I", data, 30)[0] if n >= 34 and dib_size >= 20 else 0
        if width < 0:
            raise _Corrupt(f"the header gives a negative width ({width})")
        height = abs(height)  # negative height: rows stored top-down
    else:
        raise _Corrupt(f"unknown info header size ({dib_size} bytes)")
    if compression in _BMP_UNCOMPRESSED and bpp in (1, 4, 8, 16, 24, 32):
        stride = (width * bpp + 31) // 32 * 4
        truncated = pixel_offset + stride * height > n
    else:
        truncated = pixel_offset >= n
    return _Header(ImageFormat.BMP, width, height, truncated=truncated)


# --- TIFF ----------------------------------------------------------------------------------

# Field type -> (bytes per value, numpy kind for integers or None)
_TIFF_TYPES: dict[int, tuple[int, str | None]] = {
    1: (1, "u1"),
    2: (1, None),
    3: (2, "u2"),
    4: (4, "u4"),
    5: (8, None),
    6: (1, None),
    7: (1, None),
    8: (2, None),
    9: (4, None),
    10: (8, None),
    11: (4, None),
    12: (8, None),
    13: (4, "u4"),
    16: (8, "u8"),
    17: (8, None),
    18: (8, "u8"),
}
_TIFF_WIDTH, _TIFF_LENGTH = 256, 257
_TIFF_STRIP_OFFSETS, _TIFF_STRIP_COUNTS = 273, 279
_TIFF_TILE_OFFSETS, _TIFF_TILE_COUNTS = 324, 325


class _Truncated(Exception):
    """A TIFF value or directory lies past the end of the file."""


def _parse_tiff(data: bytes) -> _Header:
    """Read the first IFD (classic or BigTIFF, either byte order); check its strips or tiles."""
    n = len(data)
    order = "<" if data[:2] == b"II" else ">"
    big = data[2:4] in (b"+\x00", b"\x00+")
    try:
        if big:
            if n < 16:
                raise _Truncated
            ifd = int(struct.unpack_from(order + "Q", data, 8)[0])
            count_fmt, entry_size, inline = "Q", 20, 8
        else:
            if n < 8:
                raise _Truncated
            ifd = int(struct.unpack_from(order + "I", data, 4)[0])
            count_fmt, entry_size, inline = "H", 12, 4
        count_size = struct.calcsize(count_fmt)
        if ifd < 8:
            raise _Corrupt("the first image directory is at an impossible offset")
        if ifd + count_size > n:
            raise _Truncated
        (n_entries,) = struct.unpack_from(order + count_fmt, data, ifd)
        if ifd + count_size + n_entries * entry_size > n:
            raise _Truncated
        tags: dict[int, tuple[int, int, int]] = {}  # tag -> (type, count, value position)
        for i in range(n_entries):
            at = ifd + count_size + i * entry_size
            if big:
                tag, ftype, count = struct.unpack_from(order + "HHQ", data, at)
                value_at = at + 12
            else:
                tag, ftype, count = struct.unpack_from(order + "HHI", data, at)
                value_at = at + 8
            if ftype in _TIFF_TYPES and count * _TIFF_TYPES[ftype][0] > inline:
                offset_fmt = order + ("Q" if big else "I")
                value_at = int(struct.unpack_from(offset_fmt, data, value_at)[0])
            tags[tag] = (ftype, count, value_at)
        width = _tiff_first(data, order, tags, _TIFF_WIDTH)
        height = _tiff_first(data, order, tags, _TIFF_LENGTH)
        if _TIFF_TILE_OFFSETS in tags:
            offsets = _tiff_ints(data, order, tags, _TIFF_TILE_OFFSETS)
            counts = _tiff_ints(data, order, tags, _TIFF_TILE_COUNTS)
        else:
            offsets = _tiff_ints(data, order, tags, _TIFF_STRIP_OFFSETS)
            counts = _tiff_ints(data, order, tags, _TIFF_STRIP_COUNTS)
    except _Truncated:
        return _Header(ImageFormat.TIFF, None, None, truncated=True)
    if width is None or height is None:
        raise _Corrupt("the image directory gives no width or height")
    if offsets is None or counts is None or offsets.size == 0:
        raise _Corrupt("the image directory says nowhere where the image data is")
    if offsets.size != counts.size:
        raise _Corrupt("the image directory lists data pieces and their sizes unevenly")
    ends = offsets + counts
    # A crafted offset + count can wrap around uint64; that data is not in the file either.
    truncated = bool((ends < offsets).any() or int(ends.max()) > n)
    return _Header(ImageFormat.TIFF, width, height, truncated=truncated)


def _tiff_ints(
    data: bytes, order: str, tags: dict[int, tuple[int, int, int]], tag: int
) -> npt.NDArray[np.uint64] | None:
    if tag not in tags:
        return None
    ftype, count, at = tags[tag]
    size, kind = _TIFF_TYPES.get(ftype, (0, None))
    if kind is None:
        raise _Corrupt(f"tag {tag} has an unexpected field type ({ftype})")
    if at + count * size > len(data):
        raise _Truncated
    values = np.frombuffer(data, dtype=np.dtype(order + kind), count=count, offset=at)
    return values.astype(np.uint64)


def _tiff_first(
    data: bytes, order: str, tags: dict[int, tuple[int, int, int]], tag: int
) -> int | None:
    values = _tiff_ints(data, order, tags, tag)
    if values is None or values.size == 0:
        return None
    return int(values[0])


_PARSERS = {
    ImageFormat.PNG: _parse_png,
    ImageFormat.JPEG: _parse_jpeg,
    ImageFormat.BMP: _parse_bmp,
    ImageFormat.TIFF: _parse_tiff,
}


# --- decoding ------------------------------------------------------------------------------


class _QuietOpenCV:
    """Silence OpenCV's log while decoding, restoring the level after the last decoder.

    OpenCV prints ``[ WARN ]`` / ``[ERROR]`` lines for damaged files, which we report
    ourselves. The log level is process-wide, hence the counter under a lock. (libpng and
    libjpeg write some messages straight to stderr; the checks above stop most such files
    before they reach the decoder.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        logging = cv2.utils.logging
        with self._lock:
            if self._depth == 0:
                self._saved = logging.getLogLevel()
                logging.setLogLevel(logging.LOG_LEVEL_SILENT)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    logging.setLogLevel(self._saved)


_quiet_opencv = _QuietOpenCV()


def _imdecode(data: bytes) -> npt.NDArray[Any] | None:
    buffer = np.frombuffer(data, dtype=np.uint8)
    with _quiet_opencv():
        try:
            decoded: Any = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
        except cv2.error:
            return None
    if not isinstance(decoded, np.ndarray):
        return None
    return decoded


def _normalise(raw: npt.NDArray[Any], *, gray_alpha: bool) -> ImageArray:
    """Keep uint8 / uint16 as they are; (H, W) or (H, W, 3); alpha dropped."""
    if raw.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(
            f"unsupported pixel type: {_describe_dtype(raw.dtype)} samples; "
            "save the image with 8- or 16-bit unsigned integer samples"
        )
    channels = 1 if raw.ndim == 2 else int(raw.shape[2])
    if raw.ndim not in (2, 3) or channels not in (1, 2, 3, 4):
        raise ImageReadError(f"unsupported image layout: {channels} channels")
    if channels == 1:
        pixels = raw.reshape(raw.shape[:2])
    elif channels == 2 or (channels == 4 and gray_alpha):
        pixels = raw[:, :, 0]  # grey + alpha: the grey (B = G = R when OpenCV expanded it)
    elif channels == 4:
        pixels = raw[:, :, :3]  # BGRA -> BGR
    else:
        pixels = raw
    result: ImageArray = np.ascontiguousarray(pixels)
    return result


def _describe_dtype(dtype: np.dtype[Any]) -> str:
    bits = dtype.itemsize * 8
    if dtype.kind == "f":
        return f"{bits}-bit floating-point"
    if dtype.kind == "i":
        return f"{bits}-bit signed integer"
    if dtype.kind == "u":
        return f"{bits}-bit unsigned integer"
    return str(dtype)


# --- conversions for the engine ------------------------------------------------------------

# ITU-R BT.601 luma weights in OpenCV's B, G, R order, as cv2.COLOR_BGR2GRAY uses.
_BGR_TO_GRAY = np.array([0.114, 0.587, 0.299], dtype=np.float32)


def to_float(pixels: npt.NDArray[Any]) -> Float32Array:
    """Scale samples to float32 in [0, 1] by their dtype, keeping the channels.

    Parameters
    ----------
    pixels : (H, W) or (H, W, C) ndarray of uint8, uint16 or floating point
        uint8 is divided by 255 and uint16 by 65535, whatever the values actually
        reach (a dark 16-bit image stays dark). Floating-point input is taken to be in
        [0, 1] already, as scikit-image does, and only cast.

    Returns
    -------
    (H, W) or (H, W, C) ndarray of float32
        A new array; the input is not modified.

    Raises
    ------
    ValueError
        For any other dtype.
    """
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / np.float32(255.0)
    if pixels.dtype == np.uint16:
        return pixels.astype(np.float32) / np.float32(65535.0)
    if pixels.dtype.kind == "f":
        return pixels.astype(np.float32, copy=True)
    raise ValueError(f"expected uint8, uint16 or floating-point pixels, got {pixels.dtype}")


def to_gray_float(pixels: npt.NDArray[Any]) -> Float32Array:
    """Convert an image to grey float32 in [0, 1], scaling by dtype.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) ndarray of uint8, uint16 or floating point
        Colour is in OpenCV's BGR order and is mixed with the BT.601 luma weights
        (0.114 B + 0.587 G + 0.299 R), as ``cv2.COLOR_BGR2GRAY``.

    Returns
    -------
    (H, W) ndarray of float32
        A new array in [0, 1]; the input is not modified.

    Raises
    ------
    ValueError
        For another shape or dtype.
    """
    if pixels.ndim == 2:
        return to_float(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        gray: Float32Array = to_float(pixels) @ _BGR_TO_GRAY
        # The weights' float32 sum may exceed 1 by an ulp.
        return np.clip(gray, 0.0, 1.0, out=gray)
    raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {pixels.shape}")
