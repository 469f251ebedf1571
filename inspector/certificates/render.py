"""Lay a :class:`~inspector.certificates.model.Certificate` out as a PDF with reportlab.

The PDF is a pure function of (certificate, options, renderer): the same inputs give the
same bytes. That is what lets :mod:`~inspector.certificates.verify` prove a file is
unaltered by rendering it again. To get there:

- each document is built with reportlab's per-document ``invariant=1`` (passed to the
  canvas, so :data:`reportlab.rl_config.invariant` is never touched and nothing leaks
  into other code), page compression fixed on;
- the creation/modification date is the signature's UTC time, and the PDF ``/ID`` is
  taken from the content digest rather than from a clock;
- fonts are DejaVu Sans / Sans Mono from matplotlib's data directory, embedded as
  TrueType subsets (needed anyway for "±", "≥", "µ");
- charts are PNGs without metadata at a fixed DPI, embedded losslessly.

Byte-identity holds for one software stack: the reportlab, matplotlib and zlib versions
and :data:`LAYOUT_VERSION` are written into the PDF (keywords), and a verifier on another
stack can say so instead of calling the file altered.

What the PDF carries for verification:

- the canonical JSON (:func:`~inspector.certificates.digest.canonical_json`) as the
  embedded file ``certificate.json`` (a fab can open it and ``sha256sum`` it);
- its SHA-256, printed in the signature block and in every page's footer, and in the
  document keywords together with the layout options and renderer versions.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from inspector import __version__
from inspector.certificates.charts import histogram_png
from inspector.certificates.digest import canonical_json, sha256_hex
from inspector.certificates.model import Certificate, Dimension

__all__ = [
    "LAYOUT_VERSION",
    "Envelope",
    "PageSize",
    "RenderOptions",
    "current_renderer",
    "render_certificate",
]

#: Bump whenever the layout changes what bytes a certificate renders to.
LAYOUT_VERSION = "coc-layout/1"

ATTACHMENT_NAME = "certificate.json"
_KEYWORD_MARK = "SealInspector-CoC"


class PageSize(Enum):
    A4 = "A4"
    LETTER = "Letter"


@dataclass(frozen=True)
class RenderOptions:
    """How a certificate is printed (not what it says: not part of the digest)."""

    page_size: PageSize = PageSize.A4
    histograms: bool = False
    thumbnails: bool = False


@dataclass(frozen=True)
class Envelope:
    """What the PDF says about itself in its keywords: digest, options and renderer."""

    digest: str
    options: RenderOptions
    renderer: str

    def keywords(self) -> str:
        flags = [self.options.page_size.value]
        flags += [name for name in ("histograms", "thumbnails") if getattr(self.options, name)]
        return (
            f"{_KEYWORD_MARK}; sha256={self.digest}; layout={','.join(flags)}; "
            f"renderer={self.renderer}"
        )

    @classmethod
    def parse(cls, keywords: str) -> Envelope | None:
        """The envelope in a keywords string, or None when it carries none."""
        match = re.fullmatch(
            _KEYWORD_MARK + r"; sha256=([0-9a-f]{64}); layout=([A-Za-z0-9,]+); renderer=(.+)",
            keywords,
        )
        if match is None:
            return None
        size, *flags = match.group(2).split(",")
        try:
            page_size = PageSize(size)
        except ValueError:
            return None
        if not set(flags) <= {"histograms", "thumbnails"}:
            return None
        options = RenderOptions(page_size, "histograms" in flags, "thumbnails" in flags)
        return cls(match.group(1), options, match.group(3))


def current_renderer() -> str:
    """The software stack whose output this process produces, as written in the PDF."""
    import matplotlib
    import reportlab

    return (
        f"{LAYOUT_VERSION} seal-inspector/{__version__} reportlab/{reportlab.Version} "
        f"matplotlib/{matplotlib.__version__} zlib/{zlib.ZLIB_RUNTIME_VERSION}"
    )


# -- fonts and styles -------------------------------------------------------------------

_SANS, _BOLD, _MONO = "SI-DejaVuSans", "SI-DejaVuSans-Bold", "SI-DejaVuSansMono"

_INK = (0.13, 0.15, 0.18)
_NAVY = (0.12, 0.23, 0.37)
_MUTED = (0.38, 0.42, 0.47)
_RULE = (0.78, 0.80, 0.83)
_SHADE = (0.95, 0.96, 0.97)
_PASS = (0.93, 0.97, 0.93)


def _register_fonts() -> None:
    """Register matplotlib's DejaVu fonts with reportlab once (idempotent)."""
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _SANS in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in (
        (_SANS, "DejaVuSans.ttf"),
        (_BOLD, "DejaVuSans-Bold.ttf"),
        (_MONO, "DejaVuSansMono.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(ttf / file)))
    addMapping(_SANS, 0, 0, _SANS)
    addMapping(_SANS, 1, 0, _BOLD)
    addMapping(_SANS, 0, 1, _SANS)
    addMapping(_SANS, 1, 1, _BOLD)


def _color(rgb: tuple[float, float, float]) -> Any:
    from reportlab.lib.colors import Color

    return Color(*rgb)


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        base = ParagraphStyle(
            "base", fontName=_SANS, fontSize=8.6, leading=11.2, textColor=_color(_INK)
        )
        self.body = base
        self.small = ParagraphStyle(
            "small", base, fontSize=7.6, leading=9.6, textColor=_color(_MUTED)
        )
        self.label = ParagraphStyle(
            "label", base, fontSize=7.4, leading=9.4, textColor=_color(_MUTED)
        )
        self.value = ParagraphStyle("value", base)
        self.value_bold = ParagraphStyle("value_bold", base, fontName=_BOLD)
        self.cell = ParagraphStyle("cell", base, fontSize=8.2, leading=10.2)
        self.cell_right = ParagraphStyle("cell_right", self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", self.cell, fontName=_BOLD, textColor=_color(_NAVY))
        self.head_right = ParagraphStyle("head_right", self.head, alignment=TA_RIGHT)
        self.section = ParagraphStyle(
            "section",
            base,
            fontName=_BOLD,
            fontSize=9.6,
            leading=12,
            textColor=_color(_NAVY),
            spaceBefore=9,
            spaceAfter=3,
            keepWithNext=1,
        )
        self.doc_title = ParagraphStyle(
            "doc_title",
            base,
            fontName=_BOLD,
            fontSize=14,
            leading=17,
            textColor=_color(_NAVY),
            alignment=TA_RIGHT,
        )
        self.doc_number = ParagraphStyle(
            "doc_number", base, fontName=_BOLD, fontSize=10.5, leading=14, alignment=TA_RIGHT
        )
        self.doc_meta = ParagraphStyle("doc_meta", self.small, alignment=TA_RIGHT)
        self.company = ParagraphStyle("company", base, fontName=_BOLD, fontSize=11.5, leading=14)
        self.party_name = ParagraphStyle("party_name", base, fontName=_BOLD)
        self.statement = ParagraphStyle("statement", base, fontSize=9, leading=12.2)
        self.mono = ParagraphStyle("mono", base, fontName=_MONO, fontSize=7.4, leading=9.4)
        self.caption = ParagraphStyle("caption", self.small, fontSize=7, leading=8.6)


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(text, style)


def _t(text: str) -> str:
    """User text made safe for reportlab's paragraph markup."""
    return escape(text)


# -- formatting ------------------------------------------------------------------------


def _mm(value: float | None, places: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def _count(value: int) -> str:
    # A thin space groups thousands the ISO way, unambiguous for every reader.
    return f"{value:,}".replace(",", "\u2009")


# -- the document -----------------------------------------------------------------------


def render_certificate(certificate: Certificate, *, options: RenderOptions | None = None) -> bytes:
    """The certificate as PDF bytes; the same inputs always give the same bytes.

    Parameters
    ----------
    certificate : Certificate
    options : RenderOptions, optional
        Page size (A4 by default, or US Letter) and the optional histogram and
        rejected-ring thumbnail pages.
    """
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    options = options or RenderOptions()
    _register_fonts()
    content = canonical_json(certificate)
    digest = sha256_hex(content)
    envelope = Envelope(digest, options, current_renderer())
    page = A4 if options.page_size is PageSize.A4 else LETTER
    styles = _Styles()

    buffer = io.BytesIO()
    margin_x, margin_top, margin_bottom = 18 * mm, 16 * mm, 22 * mm
    doc = BaseDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=margin_x,
        rightMargin=margin_x,
        topMargin=margin_top,
        bottomMargin=margin_bottom,
        title=f"Certificate of Conformance {certificate.number}",
        author=certificate.supplier.name,
        subject=(
            f"Lot {certificate.lot.lot_number}, {certificate.product.supplier_part}, "
            f"PO {certificate.order.po} line {certificate.order.line}"
        ),
        creator=f"Seal Inspector {__version__}",
        keywords=envelope.keywords(),
        invariant=1,
        pageCompression=1,
        initialFontName=_SANS,
    )
    frame = Frame(
        margin_x,
        margin_bottom,
        page[0] - 2 * margin_x,
        page[1] - margin_top - margin_bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    width = frame._width
    story = _story(certificate, digest, options, styles, width)
    doc.build(story, canvasmaker=_canvas_class(certificate, content, digest))
    return buffer.getvalue()


def _canvas_class(certificate: Certificate, content: bytes, digest: str) -> Callable[..., Any]:
    """A canvas that stamps "page N of M" footers and embeds the canonical JSON on save."""
    from reportlab.pdfbase.pdfdoc import (
        PDFArray,
        PDFDictionary,
        PDFName,
        PDFStream,
        PDFString,
        PDFText,
        PDFZCompress,
    )
    from reportlab.pdfgen.canvas import Canvas

    signed = certificate.signature.signed_at.astimezone(UTC)
    pdf_date = signed.strftime("D:%Y%m%d%H%M%S+00'00'")

    class _CertificateCanvas(Canvas):  # type: ignore[misc] # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []
            # The info dictionary's dates come from the data, never from a clock.
            self.setDateFormatter(lambda *_ymdhms: pdf_date)

        def showPage(self) -> None:
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                _footer(self, certificate, digest, number, total)
                Canvas.showPage(self)
            self._embed_content()
            # reportlab derives the file /ID from a clock-seeded hash unless told; use
            # the content digest so the ID is stable and says which content this is.
            raw = PDFText(bytes.fromhex(digest)[:16], enc="raw").format(_NoEncryptDoc())
            self._doc._ID = b"\n[" + raw + raw + b"]\n"
            Canvas.save(self)

        def _embed_content(self) -> None:
            pdf = self._doc
            stream = PDFStream(
                PDFDictionary(
                    {
                        "Type": PDFName("EmbeddedFile"),
                        # PDFName does not escape "/", so write the name's #2F by hand.
                        "Subtype": "/application#2Fjson",
                        "Params": PDFDictionary({"Size": len(content)}),
                    }
                ),
                content=content,
                filters=[PDFZCompress],
            )
            filespec = PDFDictionary(
                {
                    "Type": PDFName("Filespec"),
                    "F": PDFString(ATTACHMENT_NAME),
                    "UF": PDFString(ATTACHMENT_NAME),
                    "Desc": PDFString(f"Canonical content of this certificate (SHA-256 {digest})"),
                    "AFRelationship": PDFName("Source"),
                    "EF": PDFDictionary({"F": pdf.Reference(stream)}),
                }
            )
            spec_ref = pdf.Reference(filespec)
            names = PDFDictionary(
                {
                    "EmbeddedFiles": PDFDictionary(
                        {"Names": PDFArray([PDFString(ATTACHMENT_NAME), spec_ref])}
                    )
                }
            )
            pdf.Catalog.Names = pdf.Reference(names)
            pdf.Catalog.AF = PDFArray([spec_ref])

    return _CertificateCanvas


class _NoEncryptDoc:
    """What PDFText.format needs of a document when nothing is encrypted."""

    def __init__(self) -> None:
        from reportlab.pdfbase.pdfdoc import NoEncryption

        self.encrypt = NoEncryption()


def _footer(canvas: Any, certificate: Certificate, digest: str, number: int, total: int) -> None:
    from reportlab.lib.units import mm

    page_w, _page_h = canvas._pagesize
    left, right = 18 * mm, page_w - 18 * mm
    y = 14 * mm
    canvas.saveState()
    canvas.setStrokeColor(_color(_RULE))
    canvas.setLineWidth(0.5)
    canvas.line(left, y + 3.6 * mm, right, y + 3.6 * mm)
    canvas.setFillColor(_color(_MUTED))
    canvas.setFont(_SANS, 7.2)
    canvas.drawString(
        left,
        y,
        f"Certificate of Conformance {certificate.number}  ·  Lot {certificate.lot.lot_number}"
        f"  ·  {certificate.product.supplier_part}",
    )
    canvas.drawRightString(right, y, f"page {number} of {total}")
    canvas.setFont(_MONO, 6.4)
    canvas.drawString(left, y - 3.4 * mm, f"SHA-256 {digest}")
    canvas.setFont(_SANS, 6.4)
    canvas.drawRightString(right, y - 3.4 * mm, f"content embedded as {ATTACHMENT_NAME}")
    canvas.restoreState()


# -- the story --------------------------------------------------------------------------


def _story(
    cert: Certificate, digest: str, options: RenderOptions, s: _Styles, width: float
) -> list[Any]:
    from reportlab.platypus import KeepTogether, PageBreak, Spacer

    story: list[Any] = [_title_block(cert, s, width), Spacer(1, 8), _parties(cert, s, width)]

    story.append(_p("Order and product", s.section))
    o, pr, lot = cert.order, cert.product, cert.lot
    story.append(
        _key_values(
            [
                ("Customer PO / line", f"{o.po} / {o.line}"),
                ("Customer part", o.customer_part),
                ("Drawing / revision", f"{o.drawing} rev. {o.revision}"),
                ("Supplier part", pr.supplier_part),
                ("Compound", pr.compound.text),
                ("Lot number", lot.lot_number),
                ("Compound batch", lot.compound_batch),
                ("Cure date (quarter)", lot.cure_quarter),
                ("Quantity shipped", f"{_count(lot.quantity_shipped)} pcs"),
            ],
            s,
            width,
            bold={"Lot number", "Supplier part", "Customer part"},
        )
    )

    story.append(_p("Inspection", s.section))
    story.append(
        _key_values(
            [
                ("Standard and grade", cert.inspection_standard),
                ("Sampling plan", cert.sampling.text),
                ("Recipe version", cert.recipe_version),
                ("Engine version", cert.engine_version),
            ],
            s,
            width,
            columns=1,
        )
    )

    story.append(_p("Results", s.section))
    r = cert.results
    story.append(
        _key_values(
            [
                ("Rings inspected", _count(r.inspected)),
                ("Nonconforming rings", _count(r.nonconforming)),
            ],
            s,
            width,
            bold={"Nonconforming rings"},
        )
    )
    story.append(Spacer(1, 5))
    story.append(_defect_table(cert, s, width))

    story.append(_p("Dimensional results (mm)", s.section))
    story.append(_dimension_table(cert.dimensions, s, width))
    story.append(Spacer(1, 3))
    story.append(
        _p(
            "s is the sample standard deviation; Cpk = min(USL − mean, mean − LSL) / 3s, "
            "n/a when n &lt; 2 or s = 0.",
            s.small,
        )
    )
    if options.histograms and cert.dimensions:
        story.extend(_histograms(cert.dimensions, s, width))

    story.append(_p("Cleaning and packaging", s.section))
    story.append(_p(_t(cert.cleaning_packaging), s.body))
    story.append(
        KeepTogether(
            [
                _p("Conformance", s.section),
                _boxed(_p(_t(cert.conformance_statement), s.statement), width, _PASS),
                Spacer(1, 6),
                _signature_block(cert, digest, s, width),
            ]
        )
    )
    if options.thumbnails and cert.thumbnails:
        story.append(PageBreak())
        story.extend(_thumbnail_pages(cert, s, width))
    return story


def _title_block(cert: Certificate, s: _Styles, width: float) -> Any:
    from reportlab.platypus import Table

    supplier = [_p(_t(cert.supplier.name), s.company)]
    supplier += [_p(_t(line), s.small) for line in cert.supplier.address]
    title = [
        _p("CERTIFICATE OF CONFORMANCE", s.doc_title),
        _p(f"No. {_t(cert.number)}", s.doc_number),
        _p(f"Issue date {cert.issue_date.isoformat()}", s.doc_meta),
    ]
    table = Table([[supplier, title]], colWidths=[width * 0.46, width * 0.54])
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LINEBELOW", (0, 0), (-1, 0), 1.4, _color(_NAVY)),
            ]
        )
    )
    return table


def _parties(cert: Certificate, s: _Styles, width: float) -> Any:
    from reportlab.platypus import Table

    def block(label: str, name: str, address: tuple[str, ...]) -> list[Any]:
        cells = [_p(label.upper(), s.label), _p(_t(name), s.party_name)]
        return cells + [_p(_t(line), s.body) for line in address]

    table = Table(
        [
            [
                block("Supplier", cert.supplier.name, cert.supplier.address),
                block("Customer", cert.customer.name, cert.customer.address),
            ]
        ],
        colWidths=[width / 2, width / 2],
        spaceBefore=0,
    )
    table.hAlign = "LEFT"
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 0.5, _color(_RULE)),
                ("BOX", (1, 0), (1, 0), 0.5, _color(_RULE)),
                ("BACKGROUND", (0, 0), (-1, -1), _color(_SHADE)),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _key_values(
    pairs: list[tuple[str, str]],
    s: _Styles,
    width: float,
    *,
    columns: int = 2,
    bold: set[str] | None = None,
) -> Any:
    """Label/value pairs in ``columns`` column pairs, with light rules between rows."""
    from reportlab.platypus import Table

    bold = bold or set()
    cells = [
        [_p(_t(k), s.label), _p(_t(v), s.value_bold if k in bold else s.value)] for k, v in pairs
    ]
    rows: list[list[Any]] = []
    for i in range(0, len(cells), columns):
        row: list[Any] = []
        for pair in cells[i : i + columns]:
            row.extend(pair)
        row.extend([""] * (2 * columns - len(row)))
        rows.append(row)
    if columns == 1:
        col_widths = [width * 0.22, width * 0.78]
    else:
        col_widths = [width * 0.19, width * 0.31, width * 0.19, width * 0.31]
    table = Table(rows, colWidths=col_widths)
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, _color(_RULE)),
                ("LINEABOVE", (0, 0), (-1, 0), 0.4, _color(_RULE)),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ]
        )
    )
    return table


def _table_style(commands: list[tuple[Any, ...]]) -> Any:
    """A TableStyle whose plain-string cells use our font too (reportlab defaults to
    Helvetica, which would add a non-embedded font to the file)."""
    from reportlab.platypus import TableStyle

    return TableStyle([("FONTNAME", (0, 0), (-1, -1), _SANS), *commands])


def _grid_style(header_cols: int, right_from: int) -> Any:

    return _table_style(
        [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), _color(_SHADE)),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, _color(_NAVY)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, _color(_NAVY)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, _color(_RULE)),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def _defect_table(cert: Certificate, s: _Styles, width: float) -> Any:
    from reportlab.platypus import LongTable

    defects = cert.results.defects
    if not defects:
        return _p("No defects were found on the rings inspected.", s.body)
    rows: list[list[Any]] = [[_p("Defect type", s.head), _p("Count", s.head_right)]]
    rows += [[_p(_t(d.type), s.cell), _p(_count(d.count), s.cell_right)] for d in defects]
    rows.append(
        [_p("Total defects", s.head), _p(_count(sum(d.count for d in defects)), s.head_right)]
    )
    table = LongTable(rows, colWidths=[width * 0.40, width * 0.14], repeatRows=1)
    table.hAlign = "LEFT"
    style = _grid_style(2, 1)
    style.add("LINEABOVE", (0, -1), (-1, -1), 0.6, _color(_NAVY))
    table.setStyle(style)
    return table


def _dimension_table(dimensions: tuple[Dimension, ...], s: _Styles, width: float) -> Any:
    from reportlab.platypus import LongTable

    heads = ["Feature", "n", "Nominal", "Tolerance", "Mean", "Min", "Max", "s", "Cpk"]
    rows: list[list[Any]] = [
        [_p(h, s.head if i == 0 else s.head_right) for i, h in enumerate(heads)]
    ]
    for d in dimensions:
        st = d.stats()
        cells = [
            str(st.n),
            _mm(d.nominal_mm, 2),
            d.tolerance_text,
            _mm(st.mean),
            _mm(st.minimum),
            _mm(st.maximum),
            _mm(st.std, 4),
            _mm(st.cpk, 2),
        ]
        rows.append([_p(_t(d.name), s.cell)] + [_p(_t(c), s.cell_right) for c in cells])
    fractions = [0.22, 0.06, 0.10, 0.13, 0.10, 0.10, 0.10, 0.10, 0.09]
    table = LongTable(rows, colWidths=[width * f for f in fractions], repeatRows=1)
    table.setStyle(_grid_style(len(heads), 1))
    return table


def _histograms(dimensions: tuple[Dimension, ...], s: _Styles, width: float) -> list[Any]:
    from reportlab.platypus import Image, KeepTogether, Spacer

    out: list[Any] = []
    for d in dimensions:
        png = histogram_png(
            d.values_mm,
            nominal=d.nominal_mm,
            tolerance=(d.tol_minus_mm, d.tol_plus_mm),
            title=f"{d.name}: {d.nominal_mm:.2f} {d.tolerance_text} mm, n = {len(d.values_mm)}",
        )
        image = Image(io.BytesIO(png), width=width * 0.82, height=width * 0.82 * 2.6 / 6.0)
        head = [_p("Distribution against the tolerance band", s.section)] if not out else []
        out.append(KeepTogether([*head, Spacer(1, 4), image]))
    return out


def _boxed(flowable: Any, width: float, background: tuple[float, float, float]) -> Any:
    from reportlab.platypus import Table

    table = Table([[flowable]], colWidths=[width])
    table.setStyle(
        _table_style(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, _color(_RULE)),
                ("BACKGROUND", (0, 0), (-1, -1), _color(background)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def _signature_block(cert: Certificate, digest: str, s: _Styles, width: float) -> Any:
    from reportlab.platypus import Table

    sig = cert.signature
    when = sig.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    left = [
        _p("ELECTRONIC SIGNATURE", s.label),
        _p(_t(sig.name), s.company),
        _p(_t(sig.title), s.body),
    ]
    right = _key_values(
        [("Signed (UTC)", when), ("Meaning", sig.meaning)], s, width * 0.5 - 16, columns=1
    )
    digest_cells = [
        _p("CONTENT DIGEST (SHA-256)", s.label),
        _p(digest, s.mono),
        _p(
            f"Covers everything stated on this certificate. The content is embedded in this "
            f"PDF as {ATTACHMENT_NAME}; its SHA-256 is the value above.",
            s.small,
        ),
    ]
    table = Table(
        [[left, right], [digest_cells, ""]],
        colWidths=[width * 0.5, width * 0.5],
    )
    table.setStyle(
        _table_style(
            [
                ("SPAN", (0, 1), (1, 1)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.8, _color(_NAVY)),
                ("LINEBELOW", (0, 0), (-1, 0), 0.4, _color(_RULE)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def _thumbnail_pages(cert: Certificate, s: _Styles, width: float) -> list[Any]:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, LongTable

    per_row = 3
    cell_w = width / per_row
    image_w = cell_w - 10
    cells: list[Any] = []
    for thumb in cert.thumbnails:
        w_px, h_px = ImageReader(io.BytesIO(thumb.png)).getSize()
        h = image_w * h_px / w_px
        cells.append(
            [
                Image(io.BytesIO(thumb.png), width=image_w, height=h),
                _p(_t(thumb.caption), s.caption),
            ]
        )
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = LongTable(rows, colWidths=[cell_w] * per_row)
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return [
        _p("Rejected rings", s.section),
        _p(
            "Images of the nonconforming rings with each defect outlined and labelled, "
            "as recorded at inspection.",
            s.small,
        ),
        table,
    ]
