"""Certificates of Conformance: numbers, statistics, canonical digest, PDF, verification.

Regenerate the golden PDF after an intended layout change (and bump LAYOUT_VERSION)::

    .venv/bin/python -m tests.inspector.test_certificates --regenerate-golden
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from reportlab import rl_config

from inspector.certificates import (
    CanonicalFormError,
    Certificate,
    DefectCount,
    Dimension,
    FullInspection,
    PageSize,
    RecordsAnswer,
    RenderOptions,
    Signature,
    Thumbnail,
    Verdict,
    canonical_json,
    certificate_digest,
    dimension_stats,
    from_canonical_json,
    histogram_png,
    next_certificate_number,
    parse_certificate_number,
    render_certificate,
    verify_certificate,
)
from inspector.certificates import verify as verify_module
from inspector.certificates.example import example_certificate
from inspector.certificates.render import current_renderer
from inspector.certificates.verify import extract_content, extract_envelope

GOLDEN = Path(__file__).parent / "golden" / "certificate-example.pdf"
GOLDEN_OPTIONS = RenderOptions(page_size=PageSize.A4, histograms=True)


def has_poppler(tool: str) -> bool:
    return shutil.which(tool) is not None


needs_pdftotext = pytest.mark.skipif(
    not has_poppler("pdftotext"), reason="poppler-utils (pdftotext) is not installed"
)
needs_pdftoppm = pytest.mark.skipif(
    not has_poppler("pdftoppm"), reason="poppler-utils (pdftoppm) is not installed"
)


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    run = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True
    )
    return run.stdout.decode("utf-8")


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


@pytest.fixture(scope="module")
def cert() -> Certificate:
    return example_certificate()


@pytest.fixture(scope="module")
def pdf(cert: Certificate) -> bytes:
    return render_certificate(cert, options=GOLDEN_OPTIONS)


# -- certificate numbers ----------------------------------------------------------------


def test_numbers_are_sequential_per_year() -> None:
    assert next_certificate_number(2026, []) == "COC-2026-00001"
    existing = ["COC-2026-00041", "COC-2025-00999", "COC-2026-00007"]
    assert next_certificate_number(2026, existing) == "COC-2026-00042"
    assert next_certificate_number(2025, existing) == "COC-2025-01000"
    assert next_certificate_number(2027, existing) == "COC-2027-00001"


def test_numbers_widen_rather_than_wrap() -> None:
    assert next_certificate_number(2026, ["COC-2026-99999"]) == "COC-2026-100000"
    assert parse_certificate_number("COC-2026-100000") == (2026, 100000)


@pytest.mark.parametrize("bad", ["COC-26-00001", "coc-2026-00001", "COC-2026-1", "X", ""])
def test_malformed_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a certificate number"):
        next_certificate_number(2026, [bad])


# -- statistics -------------------------------------------------------------------------


def test_stats_on_exact_values() -> None:
    st = dimension_stats((1.0, 2.0, 3.0), lsl=0.0, usl=6.0)
    assert (st.n, st.mean, st.minimum, st.maximum, st.std) == (3, 2.0, 1.0, 3.0, 1.0)
    assert st.cpk == pytest.approx(2.0 / 3.0)  # min(6 - 2, 2 - 0) / (3 * 1)


def test_cpk_uses_the_nearer_limit() -> None:
    st = dimension_stats((4.0, 6.0), lsl=0.0, usl=6.0)  # mean 5, s = sqrt(2)
    assert st.std == pytest.approx(2**0.5)
    assert st.cpk == pytest.approx(1.0 / (3 * 2**0.5))


def test_cpk_is_negative_outside_the_band() -> None:
    st = dimension_stats((7.0, 9.0), lsl=0.0, usl=6.0)
    assert st.cpk is not None
    assert st.cpk < 0


@pytest.mark.parametrize(
    ("values", "std", "cpk"),
    [((), None, None), ((2.5,), None, None), ((2.5, 2.5, 2.5), 0.0, None)],
)
def test_cpk_is_undefined_for_n_below_2_or_no_spread(
    values: tuple[float, ...], std: float | None, cpk: float | None
) -> None:
    st = dimension_stats(values, lsl=0.0, usl=6.0)
    assert (st.n, st.std, st.cpk) == (len(values), std, cpk)


def test_cpk_prints_na(tmp_path: Path, cert: Certificate) -> None:
    one = dataclasses.replace(cert, dimensions=(Dimension("ID", 24.99, 0.25, 0.25, (25.0,)),))
    if not has_poppler("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text = pdf_text(render_certificate(one), tmp_path)
    row = next(line for line in text.splitlines() if line.strip().startswith("ID "))
    assert row.split()[-2:] == ["n/a", "n/a"]


# -- canonical JSON and digest ----------------------------------------------------------


def test_canonical_json_round_trips(cert: Certificate) -> None:
    data = canonical_json(cert)
    assert from_canonical_json(data) == cert
    assert data.startswith(b'{"certificate":{')
    assert data.isascii()


def test_canonical_json_sorts_keys_and_writes_floats_exactly() -> None:
    cert = example_certificate(n=3)
    one = dataclasses.replace(cert, dimensions=(Dimension("ID", 0.1, 0.25, 0.25, (-0.0, 1e-7)),))
    text = canonical_json(one).decode()
    assert '"values_mm":[0.0,1e-07]' in text
    assert '"nominal_mm":0.1,' in text
    tree = json.loads(text)
    assert json.dumps(tree, sort_keys=True, separators=(",", ":")) == text


def test_non_finite_values_cannot_be_certified(cert: Certificate) -> None:
    bad = dataclasses.replace(
        cert, dimensions=(Dimension("ID", 24.99, 0.25, 0.25, (float("nan"),)),)
    )
    with pytest.raises(ValueError, match="cannot carry"):
        canonical_json(bad)


def test_digest_changes_with_any_field(cert: Certificate) -> None:
    d = certificate_digest(cert)
    assert re.fullmatch(r"[0-9a-f]{64}", d)
    changed = dataclasses.replace(cert, lot=dataclasses.replace(cert.lot, quantity_shipped=999))
    assert certificate_digest(changed) != d
    assert certificate_digest(example_certificate()) == d


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.replace(b'{"certificate":', b'{ "certificate":'),
        lambda b: b.replace(b'"quantity_shipped":1000', b'"quantity_shipped":1000.0'),
        lambda b: b.replace(b'"quantity_shipped":1000', b'"quantity_shipped":"1000"'),
        lambda b: b.replace(b'"format":"seal-inspector-coc/1"', b'"format":"x"'),
        lambda b: b[:-1],
    ],
)
def test_non_canonical_json_is_refused(cert: Certificate, mutate: object) -> None:
    assert callable(mutate)
    with pytest.raises(CanonicalFormError):
        from_canonical_json(mutate(canonical_json(cert)))


def test_signature_time_must_be_utc() -> None:
    with pytest.raises(ValueError, match="UTC"):
        Signature("A", "B", datetime(2026, 1, 1, 12, 0), "approved")


def test_full_inspection_and_thumbnails_round_trip(cert: Certificate) -> None:
    thumb = Thumbnail.from_array(np.zeros((900, 600, 3), np.uint8), caption="ring 7")
    assert cv2.imdecode(np.frombuffer(thumb.png, np.uint8), cv2.IMREAD_COLOR).shape == (
        480,
        320,
        3,
    )
    full = dataclasses.replace(cert, sampling=FullInspection(), thumbnails=(thumb,))
    assert from_canonical_json(canonical_json(full)) == full


# -- the PDF ----------------------------------------------------------------------------


def test_same_data_gives_identical_bytes(cert: Certificate, pdf: bytes) -> None:
    assert render_certificate(cert, options=GOLDEN_OPTIONS) == pdf
    assert pdf.startswith(b"%PDF-")


def test_another_process_renders_the_same_bytes(pdf: bytes, tmp_path: Path) -> None:
    """Hash seed and SOURCE_DATE_EPOCH (which reportlab reads) must not reach the bytes."""
    out = tmp_path / "other.pdf"
    code = (
        "import sys; from pathlib import Path\n"
        "from inspector.certificates import render_certificate, RenderOptions\n"
        "from inspector.certificates.example import example_certificate\n"
        "Path(sys.argv[1]).write_bytes(render_certificate(example_certificate(),"
        " options=RenderOptions(histograms=True)))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "SOURCE_DATE_EPOCH": "1234567"}
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=root)
    assert out.read_bytes() == pdf


def test_rendering_leaves_reportlab_config_alone(cert: Certificate) -> None:
    before = rl_config.invariant
    render_certificate(cert)
    assert rl_config.invariant == before


def test_creation_date_comes_from_the_signature(pdf: bytes) -> None:
    assert b"/CreationDate (D:20260312140531+00'00')" in pdf


def test_page_sizes(cert: Certificate) -> None:
    a4 = render_certificate(cert, options=RenderOptions(page_size=PageSize.A4))
    letter = render_certificate(cert, options=RenderOptions(page_size=PageSize.LETTER))
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in a4
    assert b"/MediaBox [ 0 0 612 792 ]" in letter


def test_fonts_are_embedded(pdf: bytes) -> None:
    assert b"/FontFile2" in pdf
    assert b"/BaseFont /Helvetica" not in pdf


def test_golden_pdf(pdf: bytes) -> None:
    golden = GOLDEN.read_bytes()
    envelope = extract_envelope(golden)
    assert envelope is not None
    if envelope.renderer != current_renderer():
        pytest.skip(f"golden made by {envelope.renderer}, this is {current_renderer()}")
    assert pdf == golden, (
        "the certificate layout changed; if intended, bump LAYOUT_VERSION and run "
        "`.venv/bin/python -m tests.inspector.test_certificates --regenerate-golden`"
    )


@needs_pdftotext
def test_text_is_extractable(pdf: bytes, cert: Certificate, tmp_path: Path) -> None:
    text = pdf_text(pdf, tmp_path)
    for needle in (
        cert.lot.lot_number,
        "AS568-214",
        "Dr. Anna Vogel",
        "COC-2026-00042",
        "± 0.25",
        "≥ 0.10 mm",
        "Industriestraße",
        certificate_digest(cert),
        "page 1 of 2",
        "2026-03-12 14:05:31 UTC",
    ):
        assert needle in text, needle


@needs_pdftoppm
def test_page_one_renders_to_png(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("p*.png")
    image = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (585, 414)  # A4 at 50 dpi
    assert (image < 128).mean() > 0.01  # there is ink on the page


def long_certificate(cert: Certificate) -> Certificate:
    rng = np.random.default_rng(7)
    dims = tuple(
        Dimension(f"feature {i:03d}", 10.0, 0.1, 0.1, tuple(rng.normal(10, 0.02, 5).round(3)))
        for i in range(90)
    )
    defects = tuple(DefectCount(f"defect type {i:03d}", i) for i in range(120))
    return dataclasses.replace(
        cert, dimensions=dims, results=dataclasses.replace(cert.results, defects=defects)
    )


@needs_pdftotext
def test_long_tables_break_with_the_header_repeated(cert: Certificate, tmp_path: Path) -> None:
    pdf = render_certificate(long_certificate(cert))
    pages = page_count(pdf)
    assert pages >= 4
    defect_pages = dimension_pages = 0
    for page in range(1, pages + 1):
        text = pdf_text(pdf, tmp_path, page=page)
        assert f"page {page} of {pages}" in text
        if re.search(r"defect type \d{3}", text):
            defect_pages += 1
            assert re.search(r"Defect type\s+Count", text), f"no header on page {page}"
        if re.search(r"feature \d{3}", text):
            dimension_pages += 1
            assert re.search(r"Feature\s+n\s+Nominal\s+Tolerance", text), page
    assert defect_pages >= 2
    assert dimension_pages >= 2
    text = pdf_text(pdf, tmp_path)
    assert "defect type 119" in text and "feature 089" in text


def test_optional_pages(cert: Certificate) -> None:
    thumbs = tuple(
        Thumbnail.from_array(np.full((200, 200, 3), 40 * i, np.uint8), caption=f"ring {i}")
        for i in range(4)
    )
    with_thumbs = dataclasses.replace(cert, thumbnails=thumbs)
    plain = render_certificate(with_thumbs)
    full = render_certificate(with_thumbs, options=RenderOptions(histograms=True, thumbnails=True))
    assert page_count(full) > page_count(plain)
    # 2 histograms, the thumbnails, and the (shared) soft mask of the RGBA histograms
    assert full.count(b"/Subtype /Image") >= 2 + len(thumbs)
    assert plain.count(b"/Subtype /Image") == 0


def test_histogram_png_is_deterministic_and_bare() -> None:
    values = list(np.random.default_rng(1).normal(3.53, 0.02, 50))
    a = histogram_png(values, nominal=3.53, tolerance=0.10, title="CS")
    b = histogram_png(values, nominal=3.53, tolerance=(0.1, 0.1), title="CS")
    assert a == b
    assert a.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"tEXt" not in a and b"tIME" not in a and b"iTXt" not in a
    image = cv2.imdecode(np.frombuffer(a, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (390, 900)
    assert histogram_png([], nominal=1.0, tolerance=0.1, title="empty").startswith(b"\x89PNG")


# -- verification -----------------------------------------------------------------------


def test_verify_a_genuine_current_certificate(pdf: bytes, cert: Certificate) -> None:
    digest = certificate_digest(cert)
    result = verify_certificate(pdf, expected_digest_lookup=lambda number: digest)
    assert result.ok, result.messages
    assert (result.ours, result.unaltered, result.records_match) == (True, True, True)
    assert result.certificate_number == "COC-2026-00042"
    assert result.digest == digest
    assert result.certificate == cert
    assert extract_content(pdf) == canonical_json(cert)


def test_verify_reports_what_changed_in_the_records(pdf: bytes, cert: Certificate) -> None:
    now = dataclasses.replace(cert, results=dataclasses.replace(cert.results, nonconforming=2))
    result = verify_certificate(pdf, expected_digest_lookup=lambda number: now)
    assert result.verdict is Verdict.RECORDS_CHANGED
    assert (result.unaltered, result.records_match) == (True, False)
    assert (
        "the lot's records have changed since certification: results.nonconforming: 1 → 2"
        in result.messages
    )
    by_digest = verify_certificate(
        pdf, expected_digest_lookup=lambda number: certificate_digest(now)
    )
    assert by_digest.verdict is Verdict.RECORDS_CHANGED
    assert "their digest is now" in by_digest.messages[-1]


def test_verify_unknown_number(pdf: bytes) -> None:
    result = verify_certificate(pdf, expected_digest_lookup=lambda number: None)
    assert result.verdict is Verdict.NOT_IN_RECORDS
    assert "COC-2026-00042 is not in the records" in result.messages[-1]


@pytest.mark.parametrize("where", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999])
def test_any_flipped_byte_fails(pdf: bytes, cert: Certificate, where: float) -> None:
    digest = certificate_digest(cert)
    tampered = bytearray(pdf)
    tampered[int(where * len(pdf))] ^= 0x01
    result = verify_certificate(bytes(tampered), expected_digest_lookup=lambda n: digest)
    assert not result.ok
    assert result.verdict in (Verdict.ALTERED, Verdict.NOT_OURS)
    assert result.unaltered is not True


def replace_content(pdf: bytes, new_content: bytes) -> bytes:
    """Swap the embedded certificate.json stream, fixing its /Length (not the xref)."""
    match = next(
        m
        for m in re.finditer(rb"\d+ 0 obj\s*<<(.*?)>>\s*stream\r?\n", pdf, re.DOTALL)
        if b"/EmbeddedFile" in m.group(1)
    )
    old_length = int(re.search(rb"/Length (\d+)", match.group(1)).group(1))  # type: ignore[union-attr]
    packed = zlib.compress(new_content)
    header = re.sub(rb"/Length \d+", b"/Length %d" % len(packed), match.group(0))
    header = re.sub(rb"/Size \d+", b"/Size %d" % len(new_content), header)
    return pdf[: match.start()] + header + packed + pdf[match.end() + old_length :]


def test_edited_embedded_json_fails(pdf: bytes, cert: Certificate) -> None:
    digest = certificate_digest(cert)
    content = canonical_json(cert).replace(b"L26-0311-07", b"L26-0311-08")
    result = verify_certificate(
        replace_content(pdf, content), expected_digest_lookup=lambda n: digest
    )
    assert result.verdict is Verdict.ALTERED
    assert result.messages[0].startswith("the file has been altered since it was issued")


def test_edited_json_with_a_matching_digest_still_fails(pdf: bytes, cert: Certificate) -> None:
    forged = dataclasses.replace(cert, lot=dataclasses.replace(cert.lot, lot_number="L26-9999"))
    content = canonical_json(forged)
    tampered = replace_content(pdf, content).replace(
        certificate_digest(cert).encode(), certificate_digest(forged).encode()
    )
    result = verify_certificate(tampered, expected_digest_lookup=lambda n: certificate_digest(cert))
    assert result.verdict is Verdict.ALTERED
    assert result.ours and result.unaltered is False


def test_a_re_rendered_forgery_is_caught_by_the_records(cert: Certificate) -> None:
    forged = dataclasses.replace(cert, results=dataclasses.replace(cert.results, nonconforming=0))
    pdf = render_certificate(forged)
    answer = RecordsAnswer(current=cert, issued_digest=certificate_digest(cert))
    result = verify_certificate(pdf, expected_digest_lookup=lambda n: answer)
    assert result.verdict is Verdict.NOT_IN_RECORDS
    assert "not the certificate issued under that number" in result.messages[-1]


def test_a_pdf_not_made_by_us(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "other.pdf"
    canvas = Canvas(str(path))
    canvas.drawString(100, 700, "Certificate of Conformance COC-2026-00042")
    canvas.save()
    for data in (path.read_bytes(), b"not a pdf at all", b""):
        result = verify_certificate(data, expected_digest_lookup=lambda n: None)
        assert result.verdict is Verdict.NOT_OURS
        assert result.messages[0].startswith("not a Seal Inspector certificate")
        assert not result.ours


def test_another_renderer_is_reported_not_called_altered(
    pdf: bytes, cert: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_module, "current_renderer", lambda: "coc-layout/99")
    result = verify_certificate(pdf, expected_digest_lookup=lambda n: certificate_digest(cert))
    assert result.verdict is Verdict.RENDERER_DIFFERS
    assert result.unaltered is None and result.records_match is True
    assert "cannot be checked byte for byte" in result.messages[0]


def test_issue_date_is_printed_from_the_data(cert: Certificate) -> None:
    other = dataclasses.replace(cert, issue_date=date(2026, 3, 13))
    assert render_certificate(other) != render_certificate(cert)
    later = dataclasses.replace(
        cert,
        signature=dataclasses.replace(
            cert.signature, signed_at=datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
        ),
    )
    assert b"D:20260313080000" in render_certificate(later)


def _regenerate_golden() -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(render_certificate(example_certificate(), options=GOLDEN_OPTIONS))
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate-golden"]:
        _regenerate_golden()
    else:
        sys.exit("usage: python -m tests.inspector.test_certificates --regenerate-golden")
