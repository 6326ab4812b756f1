"""Building blocks of the June deck's slides with python-pptx: titles, text, tables.

Everything is real, editable PowerPoint text: a team adds a sentence or
corrects a name in the room. Text a user typed is set as plain text (python-pptx
writes it as XML text, never as markup), so ``<script>`` prints as it is.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape

from pptx.dml.color import RGBColor
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
RULE_TOP = Inches(1.22)  # the line under a slide's title
# What python-pptx writes for a connector's theme style, and a table's.
_CONNECTOR_STYLE = (
    '<p:style><a:lnRef idx="2"><a:schemeClr val="accent1"/></a:lnRef>'
    '<a:fillRef idx="0"><a:schemeClr val="accent1"/></a:fillRef>'
    '<a:effectRef idx="1"><a:schemeClr val="accent1"/></a:effectRef>'
    '<a:fontRef idx="minor"><a:schemeClr val="tx1"/></a:fontRef></p:style>'
)
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
_TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # python-pptx's default, banded
# What python-pptx writes in run text as _xHHHH_ (XML 1.0 cannot hold it).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
T = TypeVar("T")


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph with its own look."""

    text: str
    bold: bool = False
    colour: RGBColor | None = None
    font: str = FONT


def add_slide(prs: PresentationType, title: str, *, size: int = 30) -> Slide:
    """A slide with a real title placeholder (the outline and screen readers use it).

    Its shapes are written as DrawingML (``_append_shapes``); python-pptx's
    shape API cost ~5 ms a slide, and a big map's deck has dozens of slides.
    """
    layout = prs.slide_layouts[TITLE_ONLY_LAYOUT]
    # ``Slides.add_slide`` without cloning the layout's placeholders one by
    # one: the title (the only one cloned for this layout) is written below.
    rel_id, slide = prs.part.add_slide(layout)
    prs.slides._sldIdLst.add_sldId(rel_id)
    # The default template's placeholders are laid out for 4:3; ours are for 16:9.
    title_xml = (
        '<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="Title {n}"/>'
        '<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr>'
        f"</p:nvSpPr><p:spPr>{_xfrm(MARGIN, Inches(0.35), SLIDE_WIDTH - 2 * MARGIN, Inches(0.9))}"
        '</p:spPr><p:txBody><a:bodyPr wrap="square" anchor="ctr"/><a:lstStyle/>'
        '<a:p><a:pPr algn="l"/>'
        + _run_xml(title, size=size, bold=True, colour=ACCENT, font=FONT)
        + "</a:p></p:txBody></p:sp>"
    )
    rule_xml = (
        '<p:cxnSp><p:nvCxnSpPr><p:cNvPr id="{id}" name="Connector {n}"/><p:cNvCxnSpPr/>'
        f"<p:nvPr/></p:nvCxnSpPr><p:spPr>{_xfrm(MARGIN, RULE_TOP, SLIDE_WIDTH - 2 * MARGIN, 0)}"
        f'<a:prstGeom prst="line"><a:avLst/></a:prstGeom><a:ln w="{Pt(1.5)}"><a:solidFill>'
        f'<a:srgbClr val="{ACCENT}"/></a:solidFill></a:ln></p:spPr>{_CONNECTOR_STYLE}</p:cxnSp>'
    )
    _append_shapes(slide, [title_xml, rule_xml])
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
    # As python-pptx writes a text box with word wrap on.
    _append_shapes(slide, [
        '<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="TextBox {n}"/><p:cNvSpPr txBox="1"/>'
        f"<p:nvPr/></p:nvSpPr><p:spPr>{_xfrm(left, top, width, height)}"
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>'
        '<p:txBody><a:bodyPr wrap="square"><a:spAutoFit/></a:bodyPr><a:lstStyle/>'
        + "".join(xml) + "</p:txBody></p:sp>"
    ])


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
    return _lines(cells, _per_line(widths_in, size))


def _per_line(widths_in: Sequence[float], size: float) -> list[int]:
    """How many characters a line of each column holds (``row_lines``' estimate)."""
    return [max(1, int((width - 0.2) * 72 / (size * 0.5))) for width in widths_in]


def _lines(cells: Sequence[str], per_line: Sequence[int]) -> int:
    lines = 1
    for text, fits in zip(cells, per_line, strict=True):
        if "\n" in text:
            wanted = sum(max(1, -(-len(part) // fits)) for part in text.split("\n"))
        else:
            wanted = -(-len(text) // fits)
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
    per_line = _per_line(fit_widths(widths), size)
    line_in = size * 1.2 / 72
    heights = [_row_height(_lines(row, per_line), line_in) for row in rows]
    return pour(rows, heights, height_in - _row_height(1, line_in))  # under the header row


def pour(items: Sequence[T], heights: Sequence[float], budget: float,
         keep_with_next: Collection[int] = ()) -> list[list[T]]:
    """``items`` in order into groups whose ``heights`` add up to at most ``budget``.

    An item taller than the budget gets a group of its own; no items give one
    empty group. An item whose index is in ``keep_with_next`` (a heading)
    starts a new group unless the item after it fits beside it too.
    """
    groups: list[list[T]] = [[]]
    used = 0.0
    for i, (item, height) in enumerate(zip(items, heights, strict=True)):
        needed = height + (heights[i + 1] if i in keep_with_next and i + 1 < len(heights)
                           else 0.0)
        if groups[-1] and used + needed > budget:
            groups.append([])
            used = 0.0
        groups[-1].append(item)
        used += height
    return groups


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
    per_line = _per_line(widths_in, size)
    line_in = size * 1.2 / 72
    heights = [_row_height(1, line_in)] + [
        _row_height(_lines(row, per_line), line_in) for row in rows
    ]
    columns = [int(Inches(width)) for width in widths_in]
    grid = "".join(f'<a:gridCol w="{width}"/>' for width in columns)
    width = sum(columns)  # python-pptx sets a table frame's width from its columns'
    header = _row_xml(headers, Inches(heights[0]), size, bold=True, colour=WHITE,
                      fill=HEADER_FILL)
    # The body keeps the template's table style (theme font Calibri, banded rows).
    body = "".join(_row_xml(row, Inches(height), size)
                   for row, height in zip(rows, heights[1:], strict=True))
    # As python-pptx's ``add_table`` writes a table, with every row at once:
    # its cell-by-cell API costs ~1 ms a cell.
    _append_shapes(slide, [
        '<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{id}" name="Table {n}"/>'
        '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
        f'</p:nvGraphicFramePr><p:xfrm><a:off x="{MARGIN}" y="{top}"/>'
        f'<a:ext cx="{width}" cy="{Inches(sum(heights))}"/></p:xfrm>'
        f'<a:graphic><a:graphicData uri="{_TABLE_URI}"><a:tbl>'
        f'<a:tblPr firstRow="1" bandRow="1"><a:tableStyleId>{_TABLE_STYLE}</a:tableStyleId>'
        f"</a:tblPr><a:tblGrid>{grid}</a:tblGrid>{header}{body}</a:tbl></a:graphicData>"
        "</a:graphic></p:graphicFrame>"
    ])


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


def _xfrm(left: int, top: int, width: int, height: int) -> str:
    return (f'<a:xfrm><a:off x="{int(left)}" y="{int(top)}"/>'
            f'<a:ext cx="{int(width)}" cy="{int(height)}"/></a:xfrm>')


def _append_shapes(slide: Slide, shapes: Sequence[str]) -> None:
    """Parse ``shapes`` (DrawingML) at once and add them to the slide.

    Each shape's first ``{id}`` and ``{n}`` (in its ``cNvPr``, before any text
    a user typed) become its id and number, after the slide's shapes as
    python-pptx numbers them.
    """
    tree = slide.shapes._spTree
    first = max((int(v) for v in tree.xpath("//@id") if v.isdigit()), default=0) + 1
    xml = "".join(shape.replace("{id}", str(first + i), 1).replace("{n}", str(first + i - 1), 1)
                  for i, shape in enumerate(shapes))
    for element in parse_xml(f'<p:spTree {nsdecls("a", "p")}>{xml}</p:spTree>'):
        tree.insert_element_before(element, "p:extLst")
