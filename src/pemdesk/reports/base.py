"""What every report shares: A4 pages, styles, the footer on every page, tables that continue.

The footer carries "page x of y", the report id, the generation time and, for sealed records, the
seal digest; "of y" needs the page count, so pages are kept until the end and the footers drawn
then (the usual reportlab "numbered canvas").
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pemdesk.i18n import format_datetime, tr
from pemdesk.ids import new_id, utc_now
from pemdesk.reports.fonts import FONT, FONT_BOLD, register_fonts

MM = 72 / 25.4  # points per millimetre
PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4 in points
MARGIN = 16 * MM
FOOTER_HEIGHT = 14 * MM
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN - 12  # less the frame's 6 pt padding each side

GREY = "#555555"
LIGHT = "#eeeeee"
ALERT = "#b00020"


class Texts:
    """``_`` for one report's language, whatever the program's language is.

    Bound to the name ``_`` inside the report builders, so ``scripts/update_po.py`` finds the
    strings.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, message: str) -> str:
        return tr(message, self.lang)


@dataclass
class ReportMeta:
    """What the footer of every page says about the report."""

    lang: str = "mn"
    title: str = ""
    report_id: str = field(default_factory=new_id)
    generated_at: str = field(default_factory=utc_now)
    digest: str | None = None  # the seal digest of the record printed, when it is sealed
    digest_note: str = ""  # shown instead of a digest (e.g. "draft, not sealed")


@dataclass
class BuiltReport:
    pages: int
    size_bytes: int
    report_id: str


def styles() -> dict[str, Any]:
    """Paragraph styles; long words are never split (a Mongolian word stays whole)."""
    register_fonts()
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9, leading=11.5, splitLongWords=0, spaceAfter=2
    )
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "muted": ParagraphStyle(
            "muted", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor(GREY)
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10, spaceAfter=0
        ),
        "cell_compact": ParagraphStyle(
            "cell_compact", parent=base, fontSize=7, leading=8.6, spaceAfter=0
        ),
        "cell_bold_compact": ParagraphStyle(
            "cell_bold_compact",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=6.6,
            leading=8.2,
            spaceAfter=0,
        ),
        "cell_alert": ParagraphStyle(
            "cell_alert",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=8,
            leading=10,
            spaceAfter=0,
            textColor=colors.HexColor(ALERT),
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10.5, leading=13, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=4,
            spaceAfter=2,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle("caption", parent=base, fontSize=7, leading=8.6, spaceAfter=0),
    }


def esc(text: object) -> str:
    """Text for a Paragraph (which reads a little markup)."""
    return (
        str(text if text is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "<br/>")
    )


def para(text: object, style: Any, *, markup: bool = False) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(str(text) if markup else esc(text), style)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths_mm: Sequence[float],
    *,
    st: dict[str, Any] | None = None,
    extra_style: Sequence[tuple[Any, ...]] = (),
    compact: bool = False,
) -> Any:
    """A table whose text wraps in its cells and whose header repeats on every page it spans."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = st or styles()

    def cell(value: Any, bold: bool = False) -> Any:
        if isinstance(value, Paragraph) or hasattr(value, "wrapOn"):
            return value
        name = ("cell_bold" if bold else "cell") + ("_compact" if compact else "")
        return Paragraph(esc(value), st[name])

    data = [[cell(h, bold=True) for h in header]] + [[cell(v) for v in row] for row in rows]
    fit = FRAME_WIDTH / (sum(widths_mm) * MM)  # widths are proportions of the frame
    t = Table(data, colWidths=[w * MM * fit for w in widths_mm], repeatRows=1, splitByRow=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ea")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#7a8a99")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c8c8c8")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *extra_style,
            ]
        )
    )
    return t


def key_values(
    pairs: Sequence[tuple[str, str]],
    st: dict[str, Any],
    label_mm: float = 38,
    width: float = FRAME_WIDTH,
) -> Any:
    """A two-column "label: value" block without rules (the report header); empty values left out."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [
        [Paragraph(esc(k), st["cell_bold"]), Paragraph(esc(v), st["cell"])]
        for k, v in pairs
        if v not in (None, "")
    ]
    t = Table(data, colWidths=[label_mm * MM, width - label_mm * MM])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def _footer_canvas(meta: ReportMeta, pages_out: list[int]) -> type:
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    _ = Texts(meta.lang)
    generated = format_datetime(meta.generated_at, meta.lang)

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("initialFontName", FONT)
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            pages_out.append(total)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(colors.HexColor("#9aa5b1"))
            self.setLineWidth(0.4)
            top = MARGIN * 0.55 + FOOTER_HEIGHT * 0.55
            self.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
            self.setFillColor(colors.HexColor("#333333"))
            self.setFont(FONT, 7)
            y = top - 9
            left = f"{_('Report')}: {meta.report_id}   {_('Generated')}: {generated}"
            if meta.title:
                left = f"{meta.title}   ·   {left}"
            self.drawString(MARGIN, y, left)
            self.setFont(FONT_BOLD, 7.5)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, y, _("Page {x} of {y}").format(x=number, y=total)
            )
            self.setFont(FONT, 7)
            if meta.digest:
                self.drawString(MARGIN, y - 9, f"{_('Seal digest (SHA-256)')}: {meta.digest}")
            elif meta.digest_note:
                self.drawString(MARGIN, y - 9, meta.digest_note)
            self.restoreState()

    return FooterCanvas


def build_pdf(
    story: list[Any],
    target: Path | str | BinaryIO,
    meta: ReportMeta,
    *,
    on_page: Callable[[Any, Any], None] | None = None,
) -> BuiltReport:
    """Lay out ``story`` on A4 pages with the footer and write the PDF to ``target``.

    A path is written through a temporary file and renamed, so a cancelled or failed report
    never leaves half a PDF under the name the user chose.
    """
    register_fonts()
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=meta.title,
        author="pemdesk",
        creator="pemdesk",
        lang=meta.lang,
        initialFontName=FONT,
    )
    pages: list[int] = []
    hook = on_page or (lambda canvas, doc: None)
    doc.build(story, onFirstPage=hook, onLaterPages=hook, canvasmaker=_footer_canvas(meta, pages))
    data = buffer.getvalue()
    if isinstance(target, str | Path):
        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)
    else:
        target.write(data)
    return BuiltReport(
        pages=pages[0] if pages else 0, size_bytes=len(data), report_id=meta.report_id
    )
