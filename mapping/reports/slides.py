"""Building blocks of the June deck's slides with python-pptx: titles, text, tables.

Everything is real, editable PowerPoint text: a team adds a sentence or
corrects a name in the room. Text a user typed is set as plain text (python-pptx
writes it as XML text, never as markup), so ``<script>`` prints as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

# 16:9 at PowerPoint's default size.
SLIDE_WIDTH = Emu(12192000)  # 13.333 in, exactly as PowerPoint sets it
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(1.35)
CONTENT_BOTTOM = Inches(6.85)
# Calibri is every PowerPoint's default and has the Polish letters;
# LibreOffice replaces it with the metric-compatible Carlito.
FONT = "Calibri"
# The catalogue's icons (✎ ☼ ♿ …) are not in Calibri: name a font that has
# them on Windows; other programs fall back glyph by glyph (DejaVu Sans on Linux).
SYMBOL_FONT = "Segoe UI Symbol"
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x5A, 0x6B, 0x78)
ACCENT = RGBColor(0x2F, 0x5D, 0x7C)  # the area outline colour of the app's map
HEADER_FILL = RGBColor(0x2F, 0x5D, 0x7C)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
# Layouts of python-pptx's default template.
TITLE_LAYOUT = 0
TITLE_ONLY_LAYOUT = 5
# What python-pptx writes in run text as _xHHHH_ (XML 1.0 cannot hold it).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph with its own look."""

    text: str
    bold: bool = False
    colour: RGBColor | None = None
    font: str = FONT


def add_slide(prs: PresentationType, title: str, *, size: int = 30) -> Slide:
    """A slide with a real title placeholder (the outline and screen readers use it)."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    # The default template's placeholders are laid out for 4:3; move to 16:9.
    shape.left, shape.top = MARGIN, Inches(0.35)
    shape.width, shape.height = SLIDE_WIDTH - 2 * MARGIN, Inches(0.9)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _set_paragraphs(frame._txBody, ['<a:p><a:pPr algn="l"/>'
                                    + _run_xml(title, size=size, bold=True, colour=ACCENT,
                                               font=FONT) + "</a:p>"])
    line = slide.shapes.add_connector(1, MARGIN, Inches(1.22), SLIDE_WIDTH - MARGIN, Inches(1.22))
    line.line.color.rgb = ACCENT
    line.line.width = Pt(1.5)
    return slide


def add_text(
    slide: Slide,
    paragraphs: Sequence[str | Sequence[Run]],
    left: int,
    top: int,
    width: int,
    height: int,
    *,
    size: float = 18,
    colour: RGBColor = INK,
    bold: bool = False,
    bullets: bool = False,
    space_after: float = 6,
) -> None:
    """A text box; each item is a paragraph, given as text or as runs."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    spacing = f'<a:pPr><a:spcAft><a:spcPts val="{Pt(space_after).centipoints}"/></a:spcAft></a:pPr>'
    xml = []
    for item in paragraphs:
        runs = [Run(item, bold=bold)] if isinstance(item, str) else list(item)
        if bullets:
            runs = [Run("•  ", colour=ACCENT), *runs]
        xml.append("<a:p>" + spacing + "".join(
            _run_xml(piece.text, size=size, bold=piece.bold, colour=piece.colour or colour,
                     font=piece.font)
            for piece in runs
        ) + "</a:p>")
    _set_paragraphs(frame._txBody, xml)


def add_footer(slide: Slide, text: str) -> None:
    """A small grey line at the foot of the slide: whose map and which snapshot."""
    add_text(slide, [text], MARGIN, Inches(6.95), SLIDE_WIDTH - 2 * MARGIN, Inches(0.4),
             size=10, colour=MUTED)


def row_lines(cells: Sequence[str], widths_in: Sequence[float], size: float) -> int:
    """How many lines the tallest cell of a row wraps to, estimated from its length.

    python-pptx cannot measure text, and PowerPoint grows a row to fit it
    when the file opens; the estimate only decides which rows share a slide.
    An average Calibri character is about half the font size wide.
    """
    lines = 1
    for text, width in zip(cells, widths_in, strict=True):
        per_line = max(1, int((width - 0.2) * 72 / (size * 0.5)))
        wanted = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        lines = max(lines, wanted)
    return lines


def fit_widths(widths: Sequence[float]) -> list[float]:
    """Relative column widths scaled to the width of a table across the slide, in inches."""
    available = (SLIDE_WIDTH - 2 * MARGIN) / 914400
    total = sum(widths)
    return [w * available / total for w in widths]


def paginate(
    rows: Sequence[Sequence[str]], widths: Sequence[float], size: float, height_in: float
) -> list[list[Sequence[str]]]:
    """Rows split into pages whose estimated height fits ``height_in`` under the header.

    ``widths`` are relative, as ``add_table`` takes them. Every row lands on
    a page (a row taller than a page gets a page of its own), in order; no
    rows give one empty page.
    """
    widths_in = fit_widths(widths)
    line_in = size * 1.2 / 72
    budget = height_in - _row_height(1, line_in)  # the header row
    pages: list[list[Sequence[str]]] = [[]]
    used = 0.0
    for row in rows:
        needed = _row_height(row_lines(row, widths_in, size), line_in)
        if pages[-1] and used + needed > budget:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += needed
    return pages


def _row_height(lines: int, line_in: float) -> float:
    return lines * line_in + 0.12  # the cell's top and bottom margins


def add_table(
    slide: Slide,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    top: int = CONTENT_TOP,
    size: float = 12,
) -> None:
    """A real PowerPoint table across the slide: header row in the accent colour, striped rows.

    ``widths`` are the columns' relative widths.
    """
    widths_in = fit_widths(widths)
    line_in = size * 1.2 / 72
    heights = [_row_height(1, line_in)] + [
        _row_height(row_lines(row, widths_in, size), line_in) for row in rows
    ]
    # The table is made with one row, and its rows are written as XML and
    # parsed at once: python-pptx's cell-by-cell API costs ~1 ms a cell, the
    # deck's slowest part as a map's pins grow.
    shape = slide.shapes.add_table(
        1, len(headers), MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, Inches(sum(heights)),
    )
    table = shape.table
    for i, width in enumerate(widths_in):
        table.columns[i].width = Emu(int(Inches(width)))
    header = _row_xml(headers, Inches(heights[0]), size, bold=True, colour=WHITE,
                      fill=HEADER_FILL)
    # The body keeps the template's table style (theme font Calibri, banded rows).
    body = [_row_xml(row, Inches(height), size)
            for row, height in zip(rows, heights[1:], strict=True)]
    tbl = table._tbl
    tbl.remove(tbl.tr_lst[0])
    for row in parse_xml(f'<a:tbl {nsdecls("a")}>{header}{"".join(body)}</a:tbl>'):
        tbl.append(row)


def _row_xml(cells: Sequence[str], height: int, size: float, *, bold: bool = False,
             colour: RGBColor | None = None, fill: RGBColor | None = None) -> str:
    """One table row as DrawingML, as python-pptx writes a cell's text, size, colour, fill."""
    margin = Inches(0.04)
    cell_fill = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else ""
    xml = [f'<a:tr h="{int(height)}">']
    for text in cells:
        # A line break in a cell starts a new paragraph, as python-pptx's ``cell.text`` does.
        paragraphs = "".join(
            f"<a:p>{_run_xml(line, size=size, bold=bold or None, colour=colour)}</a:p>"
            if line else "<a:p/>"
            for line in str(text).split("\n")
        )
        xml.append(f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</a:txBody>"
                   f'<a:tcPr marT="{margin}" marB="{margin}">{cell_fill}</a:tcPr></a:tc>')
    xml.append("</a:tr>")
    return "".join(xml)


def _run_xml(text: str, *, size: float, bold: bool | None = None,
             colour: RGBColor | None = None, font: str | None = None) -> str:
    """One run as DrawingML, its text escaped for XML (never read as markup).

    Control characters become ``_x0007_`` as python-pptx writes them.
    """
    attributes = f' sz="{Pt(size).centipoints}"'
    if bold is not None:
        attributes += f' b="{int(bold)}"'
    inner = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
    if font:
        inner += f'<a:latin typeface="{escape(font, {chr(34): "&quot;"})}"/>'
    return (f"<a:r><a:rPr{attributes}>{inner}</a:rPr>"
            f"<a:t>{escape(_CONTROL.sub(_escape_control, text))}</a:t></a:r>")


def _escape_control(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def _set_paragraphs(body, paragraphs: Sequence[str]) -> None:  # noqa: ANN001 (CT_TextBody)
    """Replace the paragraphs of a text body with ``paragraphs`` (DrawingML ``<a:p>``s)."""
    for old in body.p_lst:
        body.remove(old)
    for paragraph in parse_xml(
        f'<p:txBody {nsdecls("a", "p")}>{"".join(paragraphs)}</p:txBody>'
    ):
        body.append(paragraph)
