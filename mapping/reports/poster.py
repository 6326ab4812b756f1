"""The June poster of one area or team as a PDF: map, legend, tables, evidence of change.

Page 1 holds the header (title, team, snapshot), the static map on the
left and, on the right, the legend with counts, the evidence of change,
survey highlights, partnerships, notes and a QR code to the online map.
The tables of resources, partners and needs and the names behind the
evidence of change follow on the next pages, in columns; nothing is dropped
silently (a table longer than ``MAX_TABLE_ROWS`` ends in an "and N more" line).

DejaVu Sans is embedded so Polish letters and the catalogue glyphs print
everywhere. The renderer never queries the database: it draws a ``MapContent``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A0, A3, A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    FrameBreak,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
)

from mapping.i18n import t
from mapping.maps.legend import legend_sections
from mapping.reports import pdf_image
from mapping.reports import poster_blocks as blocks
from mapping.reports.content import MapContent
from mapping.reports.fonts import register_fonts
from mapping.reports.poster_blocks import ACCENT, FONT, FONT_BOLD_NAME, MUTED, Styles, markup
from mapping.reports.static_map import render_map
from mapping.services.layers import LAYERS


@dataclass(frozen=True)
class Paper:
    """One paper size: page, type scale, map resolution and table columns."""

    size: tuple[float, float]
    scale: float
    dpi: int
    columns: int
    margin: float


# A0 hangs on a wall and is read from a few metres: larger type. Its map
# stays at 150 dpi so the image (about 16 Mpx) keeps memory well under 1 GB.
PAPERS = {
    "A4": Paper(landscape(A4), 0.8, 200, 2, 10 * mm),
    "A3": Paper(landscape(A3), 1.0, 200, 3, 12 * mm),
    "A0": Paper(landscape(A0), 2.6, 150, 4, 30 * mm),
}
MAP_SHARE = 0.64  # of the page's width, on page 1
# Type scales tried for page 1's side column, largest first.
SIDE_SCALES = (1.0, 0.9, 0.8, 0.72)
# How much shorter than in proportion a side column may get at a smaller type
# size (lines that wrapped at full size may not). On the demo's and the test
# maps it never got shorter than in proportion; 0.85 leaves room for that.
SIDE_SHRINK_SLACK = 0.85


def map_pixels(content: MapContent, paper: str = "A3") -> tuple[int, int, int]:
    """Width and height in pixels, and dots per inch, of the map on this paper's poster.

    The pack draws the map once at this size and gives it to the poster and the deck.
    """
    register_fonts()  # the layout measures the title in the poster's font
    spec = PAPERS[paper]
    width_px, height_px = (round(v / 72 * spec.dpi) for v in _Layout(content, spec).map_box[2:])
    return width_px, height_px, spec.dpi


def write_poster(
    content: MapContent,
    path: str | Path,
    paper: str = "A3",
    map_png: bytes | None = None,
    *,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> Path:
    """Write the poster of ``content`` as a PDF at ``path`` and return the path.

    ``paper`` is ``A3`` (landscape, the default), ``A4`` or ``A0``. ``map_png``
    is a map already rendered by ``static_map.render_map_png`` (the pack may
    share one between formats); otherwise it is drawn here, on basemap
    ``tiles`` when they answer (see ``static_map.render_map``).
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    register_fonts()
    spec = PAPERS[paper]
    layout = _Layout(content, spec)
    notes = list(content.notes)
    if map_png is None:
        width_px, height_px, dpi = map_pixels(content, paper)
        rendered = render_map(content, width_px, height_px, dpi=dpi, tiles=tiles,
                              tiles_attribution=tiles_attribution)
        map_png = rendered.png
        if rendered.note:
            notes.append(rendered.note)
    layout.map_png = map_png

    path = Path(path)
    doc = BaseDocTemplate(
        str(path), pagesize=spec.size, leftMargin=spec.margin, rightMargin=spec.margin,
        topMargin=spec.margin, bottomMargin=spec.margin, title=content.title,
        author=content.team_name or "calmap", subject=content.snapshot_name, creator="calmap",
    )
    doc.addPageTemplates([
        PageTemplate("first", frames=[layout.side_frame()], onPage=layout.draw_first),
        PageTemplate("rest", frames=layout.column_frames(), onPage=layout.draw_rest),
    ])
    # Binary streams instead of ASCII85: ReportLab's pure-Python encoder spends
    # seconds on a poster's map image, and the file is a fifth smaller.
    previous, rl_config.useA85 = rl_config.useA85, 0
    try:
        doc.build(_story(content, layout, notes))
    finally:
        rl_config.useA85 = previous
    return path


def _story(content: MapContent, layout: _Layout, notes: list[str]) -> list:
    """Page 1's side column, then the tables and the names of the changes on later pages."""
    frame = layout.side_frame()
    width = frame.width - 2
    story: list = [NextPageTemplate("rest")]
    # Smaller type when the column is a little too long, so that it (and the
    # notes) stays on page 1; a much longer one (a city's legend) flows on
    # into the columns of page 2 at full size.
    full = side = _side(content, layout.styles, width, notes)
    full_height = _height(full, width)
    if full_height > frame.height:
        for factor in SIDE_SCALES[1:]:
            # Smaller type shortens the column about in proportion (a little
            # more, as fewer lines wrap): skip the sizes that cannot be enough.
            if factor * full_height * SIDE_SHRINK_SLACK > frame.height:
                continue
            side = _side(content, Styles(layout.spec.scale * factor), width, notes)
            if _height(side, width) <= frame.height:
                break
        else:
            side = full
    story += side

    later: list = []
    column_width = layout.column_frames()[0].width - 2
    for layer in LAYERS:
        later += blocks.pins_table(content, layer, layout.styles, column_width)
    later += blocks.plan_table(content, layout.styles, column_width)
    later += blocks.change_names_block(content, layout.styles)
    if later:
        # FrameBreak, not PageBreak: after a side column that flowed onto page 2
        # the tables start in its next column instead of leaving a page blank.
        story += [FrameBreak(), *later]
    return story


def _side(content: MapContent, styles: Styles, width: float, notes: list[str]) -> list:
    """The right-hand column of page 1: legend, changes, surveys, partnerships, notes."""
    language = content.language
    sections = content.legend or legend_sections(content.pins, content.catalogue, language)
    side = blocks.legend_block(content, sections, styles, width)
    side += blocks.change_counts_block(content, styles, width)
    if content.survey_highlights:
        side.append(Paragraph(markup(t("poster.survey", language)), styles.heading))
        side += [Paragraph(f"• {markup(line)}", styles.body) for line in content.survey_highlights]
    if content.partnerships:
        side.append(Paragraph(markup(t("poster.partnerships", language)), styles.heading))
        for partnership in content.partnerships:
            facts = [t("poster.members", language, count=len(partnership.members))]
            if partnership.formed_on:
                facts.insert(0, t("poster.formed", language,
                                  date=blocks.format_date(partnership.formed_on, language)))
            side.append(Paragraph(
                f"<b>{markup(partnership.name)}</b> ({markup(', '.join(facts))})", styles.body))
    if notes:
        side.append(Paragraph(markup(t("poster.notes", language)), styles.heading))
        side += [Paragraph(f"• {markup(note)}", styles.small) for note in notes]
    return side


def _flatten(flowables: list) -> list:
    """The flowables with KeepTogether groups unpacked: KeepInFrame cannot draw them."""
    out = []
    for flowable in flowables:
        out += _flatten(flowable._content) if isinstance(flowable, KeepTogether) else [flowable]
    return out


def _height(flowables: list, width: float) -> float:
    """The height ``flowables`` take in a column ``width`` points wide."""
    total = 0.0
    for flowable in _flatten(flowables):
        total += flowable.wrap(width, 1e6)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


class _Layout:
    """Where everything goes on the pages of one poster, and the drawing of fixed parts."""

    def __init__(self, content: MapContent, spec: Paper) -> None:
        self.content, self.spec = content, spec
        self.styles = Styles(spec.scale)
        self.map_png = b""  # the rendered map, set before the pages are drawn
        s, (width, height), m = spec.scale, spec.size, spec.margin
        self.inner = width - 2 * m
        self.title = _title_paragraph(content, self.styles, self.inner)
        self.subtitle = Paragraph(markup(_subtitle(content)), self.styles.style(13, colour=MUTED))
        self.kicker = Paragraph(markup(_kicker(content)), self.styles.style(10, bold=True,
                                                                             colour=ACCENT))
        self.kicker_h = self.kicker.wrap(self.inner, height)[1]
        self.title_h = self.title.wrap(self.inner, height)[1]
        self.subtitle_h = self.subtitle.wrap(self.inner, height)[1]
        self.header_h = self.kicker_h + self.title_h + self.subtitle_h + 10 * s
        self.footer_h = 14 * s
        self.gap = 6 * s
        top = height - m - self.header_h - self.gap
        bottom = m + self.footer_h + self.gap
        map_w = self.inner * MAP_SHARE
        self.map_box = (m, bottom, map_w, top - bottom)
        self.side_x = m + map_w + 8 * mm * s
        self.side_w = width - m - self.side_x
        self.qr = 30 * mm * s if content.online_url else 0.0
        self.body_top, self.body_bottom = top, bottom

    # --- frames ----------------------------------------------------------------------

    def side_frame(self) -> Frame:
        """The right-hand column of page 1, above the QR code when there is one."""
        bottom = self.body_bottom + (self.qr + 16 * self.spec.scale if self.qr else 0)
        return Frame(self.side_x, bottom, self.side_w, self.body_top - bottom, id="side",
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def column_frames(self) -> list[Frame]:
        """The columns of the pages after the first."""
        s, height, m = self.spec.scale, self.spec.size[1], self.spec.margin
        gutter = 8 * mm * s
        count = self.spec.columns
        col_w = (self.inner - gutter * (count - 1)) / count
        top = height - m - 30 * s
        bottom = m + self.footer_h + self.gap
        return [Frame(m + i * (col_w + gutter), bottom, col_w, top - bottom, id=f"col{i}",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
                for i in range(count)]

    # --- fixed parts -----------------------------------------------------------------

    def draw_first(self, canvas, doc) -> None:
        """Page 1: header, the map with its frame, the QR code and the footer."""
        s, (_, height), m = self.spec.scale, self.spec.size, self.spec.margin
        y = height - m - self.kicker_h
        self.kicker.drawOn(canvas, m, y)
        y -= self.title_h + 2 * s
        self.title.drawOn(canvas, m, y)
        y -= self.subtitle_h + 2 * s
        self.subtitle.drawOn(canvas, m, y)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.5 * s)
        canvas.line(m, y - 4 * s, m + self.inner, y - 4 * s)
        self._draw_map(canvas)
        if self.qr:
            self._draw_qr(canvas)
        self._draw_footer(canvas, doc)

    def draw_rest(self, canvas, doc) -> None:
        """Later pages: a one-line header (title shortened) and the footer."""
        s, (_, height), m = self.spec.scale, self.spec.size, self.spec.margin
        size = 12 * s
        text = _shorten(f"{self.content.title} · {_subtitle(self.content)}", FONT_BOLD_NAME,
                        size, self.inner)
        canvas.setFont(FONT_BOLD_NAME, size)
        canvas.setFillColor(ACCENT)
        canvas.drawString(m, height - m - size, text)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.8 * s)
        canvas.line(m, height - m - size - 5 * s, m + self.inner, height - m - size - 5 * s)
        self._draw_footer(canvas, doc)

    def _draw_map(self, canvas) -> None:
        x, y, w, h = self.map_box
        with Image.open(io.BytesIO(self.map_png)) as image:
            px_w, px_h = image.size
        # Keep the image's proportions inside the box (a map passed in may differ).
        scale = min(w / px_w, h / px_h)
        draw_w, draw_h = px_w * scale, px_h * scale
        left, bottom = x + (w - draw_w) / 2, y + (h - draw_h) / 2
        pdf_image.draw_png(canvas, self.map_png, left, bottom, draw_w, draw_h)
        canvas.setStrokeColor(colors.HexColor("#8a9aa6"))
        canvas.setLineWidth(0.6 * self.spec.scale)
        canvas.rect(left, bottom, draw_w, draw_h, stroke=1, fill=0)

    def _draw_qr(self, canvas) -> None:
        s, size = self.spec.scale, self.qr
        url = self.content.online_url or ""
        widget = QrCodeWidget(url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        x, y = self.side_x, self.body_bottom + 12 * s
        renderPDF.draw(drawing, canvas, x, y)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_BOLD_NAME, 10 * s)
        caption = t("poster.qr", self.content.language)
        canvas.drawString(x + size + 6 * s, y + size - 18 * s, caption)
        canvas.setFont(FONT, 7.5 * s)
        canvas.setFillColor(MUTED)
        room = self.side_w - size - 6 * s
        canvas.drawString(x + size + 6 * s, y + size - 32 * s, _shorten(url, FONT, 7.5 * s, room))

    def _draw_footer(self, canvas, doc) -> None:
        s, m = self.spec.scale, self.spec.margin
        size = 7.5 * s
        canvas.setFont(FONT, size)
        canvas.setFillColor(MUTED)
        page = t("poster.page", self.content.language, page=doc.page)
        canvas.drawRightString(m + self.inner, m, page)
        room = self.inner - stringWidth(page, FONT, size) - 20 * s
        canvas.drawString(m, m, _shorten(self.content.attribution, FONT, size, room))


# --- texts -------------------------------------------------------------------------------


def _kicker(content: MapContent) -> str:
    parts = [t("app.title", content.language).upper()]
    if content.city:
        parts.append(content.city)
    return " · ".join(parts)


def _subtitle(content: MapContent) -> str:
    parts = []
    if content.team_name:
        parts.append(t("poster.team", content.language, name=content.team_name))
    parts.append(t("poster.snapshot", content.language, name=content.snapshot_name,
                   date=blocks.format_date(content.snapshot_date, content.language)))
    if content.unit == "team":
        # A team's map covers several estates: name them, the map alone cannot be searched.
        areas = content.areas
        names = sorted(str(n) for n in areas.loc[areas["id"].isin(content.focus_area_ids),
                                                  "name"])
        if names:
            parts.append(t("poster.areas", content.language, names=", ".join(names)))
    return " · ".join(parts)


def _title_paragraph(content: MapContent, styles: Styles, width: float) -> Paragraph:
    """The title on at most two lines: smaller type for a long name, then shortened with "…"."""
    text = content.title.strip() or content.slug
    for size in (30, 25, 21):
        paragraph = Paragraph(markup(text), styles.style(size, bold=True))
        paragraph.wrap(width, 10_000)
        if len(paragraph.blPara.lines) <= 2:
            return paragraph
    style = styles.style(21, bold=True)
    low, high = 1, len(text)
    # The longest prefix that still fits on two lines, found by halving.
    while low < high:
        middle = (low + high + 1) // 2
        paragraph = Paragraph(markup(text[:middle].rstrip() + "…"), style)
        paragraph.wrap(width, 10_000)
        if len(paragraph.blPara.lines) <= 2:
            low = middle
        else:
            high = middle - 1
    return Paragraph(markup(text[:low].rstrip() + "…"), style)


def _shorten(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" to fit ``width`` points on one line (plain text, not markup)."""
    text = " ".join((text or "").split())
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[: max(0, int(len(text) * 0.9) if len(text) > 40 else len(text) - 1)]
    return text.rstrip() + "…"

