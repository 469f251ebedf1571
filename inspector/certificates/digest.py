"""Canonical JSON of a :class:`~inspector.certificates.model.Certificate` and its SHA-256.

The canonical form is what the certificate's digest covers, byte for byte:

- a JSON object ``{"format": "seal-inspector-coc/1", "certificate": {...}}``;
- keys sorted, separators ``,`` and ``:`` (no whitespace), ASCII only (``\\uXXXX`` escapes);
- dataclasses as objects named by field, tuples as arrays, enums by value;
- floats as Python's shortest round-trip ``repr`` (``24.99``, ``0.1``), never NaN or
  infinity, always with a ``.`` or exponent so they stay floats when read back;
- dates as ``YYYY-MM-DD``, UTC times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (microseconds
  only when non-zero), bytes (thumbnail PNGs) as standard base64.

:func:`from_canonical_json` reads it back into an equal model, and refuses anything
that is not exactly canonical, so one model has exactly one canonical text.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import types
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from inspector.certificates import model
from inspector.certificates.model import Certificate

__all__ = [
    "FORMAT",
    "CanonicalFormError",
    "canonical_json",
    "certificate_digest",
    "from_canonical_json",
    "sha256_hex",
]

#: Names the canonical form; bump it when the model's fields change meaning.
FORMAT = "seal-inspector-coc/1"


class CanonicalFormError(ValueError):
    """The text is not the canonical JSON of a certificate."""


def canonical_json(certificate: Certificate) -> bytes:
    """The canonical JSON bytes (ASCII) of a certificate; see the module docstring."""
    tree = {"format": FORMAT, "certificate": _encode(certificate)}
    text = json.dumps(tree, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def certificate_digest(certificate: Certificate) -> str:
    """SHA-256 (lower-case hex) of the certificate's canonical JSON."""
    return sha256_hex(canonical_json(certificate))


def from_canonical_json(data: bytes) -> Certificate:
    """Read canonical JSON back into a certificate.

    Raises
    ------
    CanonicalFormError
        When the bytes are not JSON, not this format, miss or add fields, carry a value of
        the wrong type, or are not byte-identical to the canonical form of what they say.
    """
    try:
        tree = json.loads(data.decode("ascii"), parse_float=_FloatText)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CanonicalFormError(f"not canonical certificate JSON: {exc}") from None
    if not isinstance(tree, dict) or set(tree) != {"format", "certificate"}:
        raise CanonicalFormError("not canonical certificate JSON: wrong top-level keys")
    if tree["format"] != FORMAT:
        raise CanonicalFormError(f"unknown certificate format {tree['format']!r}")
    certificate = _decode(Certificate, tree["certificate"], "certificate")
    assert isinstance(certificate, Certificate)
    if canonical_json(certificate) != data:
        raise CanonicalFormError("the JSON is a certificate but not in canonical form")
    return certificate


# -- encoding ---------------------------------------------------------------------------


def _canonical_float(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"a certificate cannot carry {value!r}")
    # One zero: -0.0 and 0.0 print the same on the certificate. json writes floats with
    # float.__repr__, the shortest text that reads back to the same float.
    return 0.0 if value == 0 else float(value)


def _encode(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return _canonical_float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} on a certificate")


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("certificate times must be timezone-aware UTC")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text + "Z"


# -- decoding ---------------------------------------------------------------------------


class _FloatText(str):
    """A JSON number with a fraction or exponent, kept as text until its type is known."""


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls, vars(model))
    return _HINTS[cls]


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if (
                dataclasses.is_dataclass(option)
                and isinstance(value, dict)
                and set(value) == {f.name for f in dataclasses.fields(option)}
            ):
                return _decode(option, value, where)
        non_none = [o for o in options if o is not type(None)]
        if len(non_none) == 1:
            return _decode(non_none[0], value, where)
        raise CanonicalFormError(f"{where}: matches none of {options}")
    if origin is tuple:
        (item, _ellipsis) = get_args(tp)
        if not isinstance(value, list):
            raise CanonicalFormError(f"{where}: expected a list")
        return tuple(_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise CanonicalFormError(f"{where}: expected an object")
        names = {f.name for f in dataclasses.fields(tp)}
        if set(value) != names:
            raise CanonicalFormError(f"{where}: fields {sorted(value)} != {sorted(names)}")
        hints = _hints(tp)
        kwargs = {n: _decode(hints[n], value[n], f"{where}.{n}") for n in names}
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            raise CanonicalFormError(f"{where}: {exc}") from None
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise CanonicalFormError(f"{where}: {value!r} is not a {tp.__name__}") from None
    if tp is float:
        if not isinstance(value, _FloatText):
            raise CanonicalFormError(f"{where}: expected a float")
        return float(value)
    if tp is bool or tp is int or tp is str:
        if type(value) is not tp:
            raise CanonicalFormError(f"{where}: expected {tp.__name__}")
        return value
    if tp is bytes:
        if not isinstance(value, str):
            raise CanonicalFormError(f"{where}: expected base64 text")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise CanonicalFormError(f"{where}: bad base64") from None
    if tp is datetime:
        if not isinstance(value, str) or not value.endswith("Z"):
            raise CanonicalFormError(f"{where}: expected a UTC time ending in Z")
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
        except ValueError:
            raise CanonicalFormError(f"{where}: bad time {value!r}") from None
    if tp is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise CanonicalFormError(f"{where}: bad date {value!r}") from None
    raise TypeError(f"no canonical decoding for {tp!r}")
