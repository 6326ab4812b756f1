"""The June PowerPoint deck of one area, team or city, from its ``MapContent``.

Slides, in order: title; map (the static map picture beside an editable
legend, or the legend alone when no picture is given); resources, partners
and needs as real tables, split over as many slides as they need; changes
since the earlier snapshot; partnerships with their members; survey
highlights (when there are any); notes, sources and what was left out.
Nothing is queried here; Polish by default, English when the content is.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.presentation import Presentation as PresentationType
from pptx.util import Emu, Inches, Pt

from mapping.i18n import t
from mapping.maps.legend import layer_title
from mapping.reports import listing, pptx_file
from mapping.reports.content import PIN_LAYERS, MapContent
from mapping.reports.slides import (
    ACCENT,
    CONTENT_BOTTOM,
    CONTENT_TOP,
    FONT,
    MARGIN,
    MUTED,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    SYMBOL_FONT,
    TITLE_LAYOUT,
    Run,
    add_footer,
    add_slide,
    add_table,
    add_text,
    paginate,
    pour,
    row_lines,
)

TABLE_SIZE = 12
# Room under a table's title for the table itself, in inches.
TABLE_HEIGHT_IN = (CONTENT_BOTTOM - CONTENT_TOP) / 914400
# How long a name may be in a slide title or footer before it is shortened;
# the title slide always shows the whole name.
SHORT_TITLE = 70
# How much of the names of one kind of change fits its cell on the changes slide.
CHANGE_NAMES_LIMIT = 360
HIGHLIGHTS_PER_SLIDE = 8
# At most this many slides per layer's table (up to about 40 rows): a
# presentation, not a register; the poster lists more and the offline map all.
MAX_TABLE_SLIDES = 3
# The legend beside the map: its width, and the smallest type that is still
# read from the back of a room; a longer legend gets slides of its own, in
# columns, down to the smallest type a slide may have.
LEGEND_PANEL_IN = 3.6
MIN_PANEL_SIZE = 10.0
MIN_LEGEND_SIZE = 8.0
LEGEND_COLUMNS = 3
# A legend line's height in font sizes: line spacing 1.2 and the space after it
# (0.3), and a tenth more: the icons' fallback font sets lines a little taller.
LEGEND_LINE = 1.65
# The most rows a table slide can hold (every row at least one line high).
MAX_ROWS_PER_SLIDE = int(TABLE_HEIGHT_IN / (TABLE_SIZE * 1.2 / 72 + 0.12))


def write_deck(content: MapContent, path: str | Path, map_png: bytes | None = None) -> Path:
    """Write the deck of ``content`` to ``path`` (.pptx) and return the path.

    ``map_png`` is the static map (``mapping.reports.static_map.render_map_png``);
    without it the map slide says where the map is and shows the legend.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pptx_file.save(build_deck(content, map_png), path)
    return path


def build_deck(content: MapContent, map_png: bytes | None = None) -> PresentationType:
    """The deck of ``content`` as a python-pptx Presentation (not yet saved)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(prs, content)
    _map_slide(prs, content, map_png)
    for layer in PIN_LAYERS:
        _layer_slides(prs, content, layer)
    _plan_slides(prs, content)
    _changes_slide(prs, content)
    _partnership_slides(prs, content)
    _highlight_slides(prs, content)
    _notes_slide(prs, content)
    return prs


def _footer(content: MapContent) -> str:
    snapshot = listing.snapshot_label(
        content.snapshot_name, content.snapshot_date, content.language
    )
    return f"{listing.shorten(content.title, SHORT_TITLE)} · {snapshot}"


def _title_slide(prs: PresentationType, content: MapContent) -> None:
    lang = content.language
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    title = listing.clean(content.title) or t("app.title", lang)
    # Long names (up to 200 characters) wrap on a smaller font instead of being cut.
    size = 40 if len(title) <= 50 else 32 if len(title) <= 100 else 24
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, Inches(1.6)
    shape.width, shape.height = SLIDE_WIDTH - 2 * MARGIN, Inches(2.6)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = title
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    for run in frame.paragraphs[0].runs:
        run.font.name, run.font.size, run.font.bold = FONT, Pt(size), True
        run.font.color.rgb = ACCENT
    # The template's subtitle placeholder is laid out for 4:3; our own box replaces it.
    subtitle = slide.placeholders[1]
    subtitle._element.getparent().remove(subtitle._element)

    add_text(slide, [t("deck.kicker", lang)], MARGIN, Inches(0.8), SLIDE_WIDTH - 2 * MARGIN,
             Inches(0.6), size=20, colour=MUTED)
    lines = []
    if content.team_name:
        lines.append([Run(t("sidebar.team", lang) + ": ", colour=MUTED),
                      Run(listing.clean(content.team_name), bold=True)])
    if content.city:
        lines.append([Run(t("sidebar.city", lang) + ": ", colour=MUTED),
                      Run(listing.clean(content.city))])
    lines.append([
        Run(t("deck.snapshot", lang) + ": ", colour=MUTED),
        Run(listing.snapshot_label(content.snapshot_name, content.snapshot_date, lang),
            bold=True),
    ])
    add_text(slide, lines, MARGIN, Inches(4.5), SLIDE_WIDTH - 2 * MARGIN, Inches(2.0), size=22)
    add_text(slide, [t("app.subtitle", lang)], MARGIN, Inches(6.7), SLIDE_WIDTH - 2 * MARGIN,
             Inches(0.5), size=12, colour=MUTED)


def _legend_paragraphs(content: MapContent, categories: bool = True) -> list[list[Run]]:
    """The legend as paragraphs: one per layer heading, category and area-wide note.

    Without ``categories``, only each layer's heading (with its total) and note.
    """
    lang = content.language
    paragraphs: list[list[Run]] = []
    for section in content.legend:
        paragraphs.append(
            [Run(layer_title(section.layer, section.total, lang), bold=True, colour=ACCENT)]
        )
        for row in section.rows if categories else ():
            paragraphs.append([
                Run(row.icon or "●", colour=_colour(row.colour), font=SYMBOL_FONT),
                Run(f"  {listing.clean(row.label)}  "),
                Run(str(row.count), bold=True),
            ])
        if section.area_wide:
            key = "legend.area_wide" if section.layer == "need" else "legend.unpinned"
            paragraphs.append([Run(t(key, lang, count=section.area_wide), colour=MUTED)])
    if not paragraphs:
        paragraphs.append([Run(t("legend.empty", lang), colour=MUTED)])
    return paragraphs


def _legend_heights(paragraphs: list[list[Run]], width_in: float, size: float) -> list[float]:
    """Each legend paragraph's estimated height in inches at ``size`` in a box ``width_in`` wide.

    Estimated like table rows (``slides.row_lines``): long category labels
    wrap, so they count as more than one line.
    """
    return [row_lines(["".join(run.text for run in p)], [width_in], size) * size * LEGEND_LINE
            / 72 for p in paragraphs]


def _legend_size(paragraphs: list[list[Run]], width_in: float, height_in: float,
                 smallest: float = MIN_LEGEND_SIZE) -> float | None:
    """The largest font size (14 pt down to ``smallest``) at which the legend fits its box.

    None when even the smallest is too big.
    """
    size = 14.0
    while size >= smallest:
        if sum(_legend_heights(paragraphs, width_in, size)) <= height_in:
            return size
        size -= 1
    return None


def _legend_columns(paragraphs: list[list[Run]], width_in: float, height_in: float,
                    size: float) -> list[list[list[Run]]]:
    """The legend poured into columns ``height_in`` tall, a heading never last in a column."""
    headings = {i for i, paragraph in enumerate(paragraphs) if paragraph[0].bold}
    return pour(paragraphs, _legend_heights(paragraphs, width_in, size), height_in, headings)


def _colour(value: str) -> RGBColor:
    try:
        return RGBColor.from_string(value.lstrip("#")[:6])
    except (ValueError, AttributeError):
        return MUTED


def _map_slide(prs: PresentationType, content: MapContent, map_png: bytes | None) -> None:
    lang = content.language
    slide = add_slide(prs, t("deck.map_title", lang))
    add_footer(slide, _footer(content))
    legend = _legend_paragraphs(content)
    top, bottom = CONTENT_TOP, CONTENT_BOTTOM
    legend_width = Inches(LEGEND_PANEL_IN)
    height_in = (bottom - top) / 914400
    size = _legend_size(legend, LEGEND_PANEL_IN, height_in, smallest=MIN_PANEL_SIZE)
    categories = None
    if size is None:
        # Too many categories to read beside the map: the panel keeps each
        # layer's total and the categories get slides of their own.
        categories, legend = legend, _legend_summary(content)
        size = _legend_size(legend, LEGEND_PANEL_IN, height_in) or MIN_LEGEND_SIZE
    if map_png is None:
        add_text(slide, [t("deck.map_elsewhere", lang)], MARGIN, top,
                 SLIDE_WIDTH - legend_width - 3 * MARGIN, Inches(1.5), size=20, colour=MUTED)
    else:
        box_w = SLIDE_WIDTH - legend_width - 3 * MARGIN
        box_h = bottom - top
        with Image.open(io.BytesIO(map_png)) as image:
            w, h = image.size
        scale = min(box_w / w, box_h / h)
        width, height = int(w * scale), int(h * scale)
        slide.shapes.add_picture(io.BytesIO(map_png), Emu(MARGIN + (box_w - width) // 2), top,
                                 Emu(width), Emu(height))
    add_text(slide, legend, SLIDE_WIDTH - MARGIN - legend_width, top, legend_width,
             bottom - top, size=size, space_after=size * 0.3)
    if categories is not None:
        _legend_slides(prs, content, categories)


def _legend_summary(content: MapContent) -> list[list[Run]]:
    """Each layer's total (and its area-wide entries), and where the categories are."""
    lang = content.language
    return [*_legend_paragraphs(content, categories=False),
            [Run(t("deck.legend_next", lang), colour=MUTED)]]


def _legend_slides(prs: PresentationType, content: MapContent,
                   paragraphs: list[list[Run]]) -> None:
    """The whole legend across the slide in columns, on as many slides as it needs."""
    lang = content.language
    gap = Inches(0.3)
    column_w = (SLIDE_WIDTH - 2 * MARGIN - (LEGEND_COLUMNS - 1) * gap) // LEGEND_COLUMNS
    width_in, height_in = column_w / 914400, (CONTENT_BOTTOM - CONTENT_TOP) / 914400
    size = 14.0
    columns = _legend_columns(paragraphs, width_in, height_in, size)
    while len(columns) > LEGEND_COLUMNS and size > MIN_LEGEND_SIZE:
        size -= 1
        columns = _legend_columns(paragraphs, width_in, height_in, size)
    pages = [columns[i:i + LEGEND_COLUMNS] for i in range(0, len(columns), LEGEND_COLUMNS)]
    title = t("deck.legend_title", lang)
    for number, page in enumerate(pages, start=1):
        heading = title if len(pages) == 1 else t(
            "deck.part", lang, title=title, page=number, pages=len(pages))
        slide = add_slide(prs, heading)
        add_footer(slide, _footer(content))
        for i, column in enumerate(page):
            add_text(slide, column, MARGIN + i * (column_w + gap), CONTENT_TOP, column_w,
                     CONTENT_BOTTOM - CONTENT_TOP, size=size, space_after=size * 0.3)


def _layer_slides(prs: PresentationType, content: MapContent, layer: str) -> None:
    lang = content.language
    # A slide holds at most MAX_ROWS_PER_SLIDE rows: more are never shown.
    table = listing.pin_table(content, layer, limit=MAX_TABLE_SLIDES * MAX_ROWS_PER_SLIDE + 1)
    title = t("deck.table_title", lang, layer=t(f"layer.{layer}", lang), count=table.total)
    _table_slides(prs, content, table, title)


def _plan_slides(prs: PresentationType, content: MapContent) -> None:
    """The unit's action plan as table slides; none when nobody planned anything here."""
    if not content.action_plan:
        return
    table = listing.plan_table(content, limit=MAX_TABLE_SLIDES * MAX_ROWS_PER_SLIDE + 1)
    title = f"{t('actions.sheet', content.language)} ({table.total})"
    _table_slides(prs, content, table, title)


def _table_slides(
    prs: PresentationType, content: MapContent, table: listing.Table, title: str
) -> None:
    lang = content.language
    pages = paginate(table.rows, table.widths, TABLE_SIZE, TABLE_HEIGHT_IN)
    if len(pages) > MAX_TABLE_SLIDES:
        # A city's deck could run to dozens of slides per layer: the last one
        # says how many rows are not shown instead of dropping them silently.
        pages = pages[:MAX_TABLE_SLIDES]
        # The note takes the place of the last row, which then counts as left out.
        left = table.total - sum(len(page) for page in pages) + 1
        more = t("deck.more_rows", lang, count=left)
        pages[-1] = [*pages[-1][:-1], (more, *[""] * (len(table.headers) - 1))]
    for number, rows in enumerate(pages, start=1):
        heading = title if len(pages) == 1 else t(
            "deck.part", lang, title=title, page=number, pages=len(pages)
        )
        slide = add_slide(prs, heading)
        add_footer(slide, _footer(content))
        if rows:
            add_table(slide, table.headers, rows, table.widths, size=TABLE_SIZE)
        else:
            add_text(slide, [t("deck.no_entries", lang)], MARGIN, CONTENT_TOP,
                     SLIDE_WIDTH - 2 * MARGIN, Inches(1), size=20, colour=MUTED)


def _changes_slide(prs: PresentationType, content: MapContent) -> None:
    lang = content.language
    if not listing.has_comparison(content):
        slide = add_slide(prs, t("deck.changes", lang))
        add_footer(slide, _footer(content))
        add_text(slide, [t("deck.no_compare", lang)], MARGIN, CONTENT_TOP,
                 SLIDE_WIDTH - 2 * MARGIN, Inches(1.5), size=22, colour=MUTED)
        return
    since = listing.snapshot_label(content.compare_name, content.compare_date, lang)
    slide = add_slide(prs, t("deck.changes_since", lang, since=listing.shorten(since, 60)))
    add_footer(slide, _footer(content))
    lines = listing.change_lines(content)
    rows = [
        (line.label, str(line.count),
         listing.names_text(line.names, lang, CHANGE_NAMES_LIMIT) or "–")
        for line in lines
    ]
    widths = (3.0, 1.0, 8.3)
    size = 12 if sum(len(r[2]) for r in rows) < 900 else 10
    add_table(slide, (t("deck.col_change", lang), t("deck.col_count", lang),
                      t("deck.col_names", lang)), rows, widths, size=size)


def _partnership_slides(prs: PresentationType, content: MapContent) -> None:
    lang = content.language
    if not content.partnerships:
        slide = add_slide(prs, t("deck.partnerships", lang))
        add_footer(slide, _footer(content))
        add_text(slide, [t("deck.no_partnerships", lang)], MARGIN, CONTENT_TOP,
                 SLIDE_WIDTH - 2 * MARGIN, Inches(1), size=20, colour=MUTED)
        return
    headers = (t("deck.col_member", lang), t("deck.col_role", lang), t("deck.col_joined", lang))
    widths = (6.0, 3.8, 2.0)
    for partnership in content.partnerships:
        title = t("deck.partnership", lang, name=listing.shorten(partnership.name, 60))
        rows = [
            (listing.clean(m.partner), listing.clean(m.role),
             listing.format_date(m.joined_on, lang))
            for m in sorted(partnership.members,
                            key=lambda m: (m.joined_on is None, m.joined_on, m.partner))
        ]
        formed = listing.format_date(partnership.formed_on, lang) or "–"
        summary = t("deck.partnership_summary", lang, formed=formed, count=len(rows))
        pages = paginate(rows, widths, TABLE_SIZE, TABLE_HEIGHT_IN - 0.6)
        for number, page in enumerate(pages, start=1):
            heading = title if len(pages) == 1 else t(
                "deck.part", lang, title=title, page=number, pages=len(pages)
            )
            slide = add_slide(prs, heading, size=28)
            add_footer(slide, _footer(content))
            add_text(slide, [summary], MARGIN, CONTENT_TOP, SLIDE_WIDTH - 2 * MARGIN,
                     Inches(0.5), size=16, colour=MUTED)
            if page:
                add_table(slide, headers, page, widths, top=CONTENT_TOP + Inches(0.6),
                          size=TABLE_SIZE)


def _highlight_slides(prs: PresentationType, content: MapContent) -> None:
    lang = content.language
    highlights = [listing.clean(h) for h in content.survey_highlights if listing.clean(h)]
    chunks = [highlights[i:i + HIGHLIGHTS_PER_SLIDE]
              for i in range(0, len(highlights), HIGHLIGHTS_PER_SLIDE)]
    for number, chunk in enumerate(chunks, start=1):
        title = t("deck.highlights", lang)
        if len(chunks) > 1:
            title = t("deck.part", lang, title=title, page=number, pages=len(chunks))
        slide = add_slide(prs, title)
        add_footer(slide, _footer(content))
        add_text(slide, chunk, MARGIN, CONTENT_TOP, SLIDE_WIDTH - 2 * MARGIN,
                 CONTENT_BOTTOM - CONTENT_TOP, size=20, bullets=True, space_after=10)


def _notes_slide(prs: PresentationType, content: MapContent) -> None:
    lang = content.language
    slide = add_slide(prs, t("deck.notes", lang))
    add_footer(slide, _footer(content))
    notes = [listing.clean(n) for n in content.notes if listing.clean(n)]
    paragraphs: list[str | list[Run]] = [[Run(t("deck.left_out", lang), bold=True,
                                              colour=ACCENT)]]
    paragraphs += notes or [t("deck.nothing_left_out", lang)]
    paragraphs.append([Run(t("deck.sources", lang), bold=True, colour=ACCENT)])
    paragraphs.append(t("overview.visibility_note", lang))
    if content.attribution:
        paragraphs.append(listing.clean(content.attribution))
    if content.online_url:
        paragraphs.append([Run(t("deck.online", lang) + ": ", colour=MUTED),
                           Run(listing.clean(content.online_url))])
    size = 16 if len(notes) <= 8 else 12
    add_text(slide, paragraphs, MARGIN, CONTENT_TOP, SLIDE_WIDTH - 2 * MARGIN,
             CONTENT_BOTTOM - CONTENT_TOP, size=size, space_after=6)
