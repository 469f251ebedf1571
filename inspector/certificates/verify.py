"""Check a certificate PDF: is it ours, is it unaltered, do the records still agree?

:func:`verify_certificate` needs nothing but the PDF bytes and a lookup into the records:

1. **ours** — the PDF's keywords carry a digest and the PDF embeds ``certificate.json``
   whose SHA-256 is that digest and which is exactly canonical;
2. **unaltered** — rendering that content again, with the options written in the PDF,
   gives the same bytes. Any edited byte fails here (or in 1). When the PDF was made by
   another software stack (layout version, reportlab, matplotlib or zlib), byte identity
   cannot be checked and ``unaltered`` is None with a message saying so;
3. **records** — ``expected_digest_lookup(certificate_number)`` gives what the records
   say now: the digest of the content rebuilt from them, or the rebuilt
   :class:`~inspector.certificates.model.Certificate` (then the message lists what
   changed), or a :class:`RecordsAnswer` that also carries the digest stored when the
   certificate was issued; None when the number is unknown.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from inspector.certificates.digest import (
    CanonicalFormError,
    canonical_json,
    certificate_digest,
    from_canonical_json,
    sha256_hex,
)
from inspector.certificates.model import Certificate
from inspector.certificates.render import Envelope, current_renderer, render_certificate

__all__ = [
    "RecordsAnswer",
    "Verdict",
    "Verification",
    "describe_changes",
    "extract_content",
    "extract_envelope",
    "verify_certificate",
]

NOT_OURS = "not a Seal Inspector certificate"
ALTERED = "the file has been altered since it was issued"
RECORDS_CHANGED = "the lot's records have changed since certification"


class Verdict(Enum):
    """The overall answer, worst first."""

    NOT_OURS = "not ours"
    ALTERED = "altered"
    NOT_IN_RECORDS = "not in records"
    RECORDS_CHANGED = "records changed"
    RENDERER_DIFFERS = "renderer differs"
    VALID = "valid"


@dataclass(frozen=True)
class RecordsAnswer:
    """What the records say about a certificate number now.

    ``current`` is the digest of the content the records give today, or that content as a
    model (for a list of what changed). ``issued_digest`` is the digest stored when the
    certificate was issued, if the records keep it: it tells a re-rendered forgery under a
    real number from records edited after certification.
    """

    current: str | Certificate
    issued_digest: str | None = None


Lookup = Callable[[str], "str | Certificate | RecordsAnswer | None"]


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify_certificate`; ``messages`` are for people."""

    verdict: Verdict
    ours: bool
    unaltered: bool | None
    records_match: bool | None
    certificate_number: str | None
    digest: str | None
    messages: tuple[str, ...]
    certificate: Certificate | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID


def verify_certificate(pdf_bytes: bytes, *, expected_digest_lookup: Lookup) -> Verification:
    """Verify a certificate PDF stand-alone and against the records; see the module doc."""
    envelope = extract_envelope(pdf_bytes)
    content = extract_content(pdf_bytes)
    if envelope is None or content is None:
        missing = "certificate digest" if envelope is None else "embedded certificate content"
        return _result(Verdict.NOT_OURS, f"{NOT_OURS}: the PDF carries no {missing}")
    if sha256_hex(content) != envelope.digest:
        return _result(
            Verdict.ALTERED,
            f"{ALTERED}: the embedded content does not match the digest {envelope.digest}",
            ours=False,
            digest=envelope.digest,
        )
    try:
        certificate = from_canonical_json(content)
    except CanonicalFormError as exc:
        return _result(Verdict.ALTERED, f"{ALTERED}: {exc}", ours=False, digest=envelope.digest)

    messages: list[str] = []
    verdict = Verdict.VALID
    unaltered: bool | None
    if envelope.renderer != current_renderer():
        unaltered = None
        verdict = Verdict.RENDERER_DIFFERS
        messages.append(
            f"the file was made by {envelope.renderer!r} and this verifier runs "
            f"{current_renderer()!r}: its content matches its digest, but the file cannot "
            "be checked byte for byte here"
        )
    else:
        unaltered = render_certificate(certificate, options=envelope.options) == pdf_bytes
        if not unaltered:
            return Verification(
                Verdict.ALTERED,
                ours=True,
                unaltered=False,
                records_match=None,
                certificate_number=certificate.number,
                digest=envelope.digest,
                messages=(
                    f"{ALTERED}: its content is intact but the PDF differs from the one "
                    "rendered from it",
                ),
                certificate=certificate,
            )
        messages.append(f"the file is unaltered: it re-renders byte for byte ({envelope.digest})")

    records_match, records_verdict, records_message = _check_records(
        certificate, envelope.digest, expected_digest_lookup(certificate.number)
    )
    messages.append(records_message)
    if records_verdict is not Verdict.VALID:
        verdict = records_verdict
    return Verification(
        verdict,
        ours=True,
        unaltered=unaltered,
        records_match=records_match,
        certificate_number=certificate.number,
        digest=envelope.digest,
        messages=tuple(messages),
        certificate=certificate,
    )


def _result(
    verdict: Verdict, message: str, *, ours: bool = False, digest: str | None = None
) -> Verification:
    return Verification(
        verdict, ours, False if verdict is Verdict.ALTERED else None, None, None, digest, (message,)
    )


def _check_records(
    certificate: Certificate, digest: str, answer: str | Certificate | RecordsAnswer | None
) -> tuple[bool | None, Verdict, str]:
    number = certificate.number
    if answer is None:
        return None, Verdict.NOT_IN_RECORDS, f"certificate {number} is not in the records"
    if not isinstance(answer, RecordsAnswer):
        answer = RecordsAnswer(answer)
    if answer.issued_digest is not None and answer.issued_digest != digest:
        return (
            False,
            Verdict.NOT_IN_RECORDS,
            f"the records issued {number} with digest {answer.issued_digest}, not {digest}: "
            "this is not the certificate issued under that number",
        )
    current = answer.current
    current_digest = current if isinstance(current, str) else certificate_digest(current)
    if current_digest == digest:
        return True, Verdict.VALID, f"the lot's records still match certificate {number}"
    if isinstance(current, Certificate):
        changes = "; ".join(describe_changes(certificate, current)) or "content differs"
    else:
        changes = f"their digest is now {current_digest}"
    return False, Verdict.RECORDS_CHANGED, f"{RECORDS_CHANGED}: {changes}"


def describe_changes(old: Certificate, new: Certificate, *, limit: int = 8) -> list[str]:
    """Human-readable differences between two certificates' contents, at most ``limit``."""
    before = json.loads(canonical_json(old))["certificate"]
    after = json.loads(canonical_json(new))["certificate"]
    out: list[str] = []
    _diff(before, after, "", out)
    if len(out) > limit:
        out = [*out[:limit], f"and {len(out) - limit} more"]
    return out


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _diff(a.get(key), b.get(key), f"{path}.{key}" if path else key, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} entries → {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
        return
    out.append(f"{path}: {_short(a)} → {_short(b)}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


# -- reading our own PDFs -----------------------------------------------------------------
# Not a general PDF parser: it finds what render_certificate writes, and anything else
# (another producer, an incremental update, a re-saved file) fails the byte comparison.

_KEYWORDS = re.compile(rb"/Keywords \(((?:[^()\\]|\\.)*)\)")
_STREAM = re.compile(rb"\d+ 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.DOTALL)
_LENGTH = re.compile(rb"/Length (\d+)")


def extract_envelope(pdf_bytes: bytes) -> Envelope | None:
    """The digest, layout options and renderer from the PDF's keywords, if there."""
    found = _KEYWORDS.findall(pdf_bytes)
    if len(found) != 1:
        return None
    text = re.sub(rb"\\(.)", rb"\1", found[0])
    try:
        return Envelope.parse(text.decode("ascii"))
    except UnicodeDecodeError:
        return None


def extract_content(pdf_bytes: bytes) -> bytes | None:
    """The bytes of the embedded ``certificate.json`` (decompressed), if there is one."""
    streams = []
    for match in _STREAM.finditer(pdf_bytes):
        header = match.group(1)
        if b"/Type /EmbeddedFile" not in header or b"/Subtype /application#2Fjson" not in header:
            continue
        length = _LENGTH.search(header)
        if length is None:
            return None
        start = match.end()
        raw = pdf_bytes[start : start + int(length.group(1))]
        if b"/FlateDecode" in header:
            try:
                raw = zlib.decompress(raw)
            except zlib.error:
                return None
        streams.append(raw)
    return streams[0] if len(streams) == 1 else None
