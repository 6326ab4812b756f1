"""The building blocks of the June poster: fonts, safe text, legend, tables, evidence of change.

Every user-entered text goes through ``markup`` before it reaches a ReportLab
``Paragraph``: Paragraph parses XML-like tags, so a name such as
``<script>alert(1)</script> & Co`` must be escaped to print literally instead
of breaking the page or injecting markup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.legend import LegendSection
from mapping.maps.markup import FALLBACK_ICON, ink, safe_colour
from mapping.reports.content import MapContent
from mapping.reports.fonts import BOLD as FONT_BOLD_NAME
from mapping.reports.fonts import REGULAR as FONT
from mapping.reports.listing import column_lists, shows_plan
from mapping.reports.listing import plan_table as plan_rows
from mapping.reports.plain_text import (
    CONTROL_CHARACTERS,
    TableLook,
    TextParagraph,
    TextTable,
    wrap_text,
)
from mapping.services.layers import CATEGORY_VOCABULARY

ACCENT = colors.HexColor("#2f5d7c")
MUTED = colors.HexColor("#555555")
# A poster is read on a wall: the map page, then a page or two of tables (60
# rows a layer, in three columns on A3). The rest is counted in an
# "and N more" line, never dropped silently; the offline map in the same pack,
# the online map and the export hold every row. Bounding what a poster shows
# also keeps its time flat as an area's pins grow tenfold.
MAX_TABLE_ROWS = 60
# Names the evidence of change lists per kind before "and N more": who is new
# or gone is read out, not a register (the deck shows about twenty).
MAX_CHANGE_NAMES = 40
CHANGE_KEYS = {
    "new_resources": "poster.change_new_resources",
    "closed_resources": "poster.change_closed_resources",
    "new_partners": "poster.change_new_partners",
    "departed_partners": "poster.change_departed_partners",
    "needs_identified": "poster.change_needs_identified",
    "needs_being_addressed": "poster.change_needs_being_addressed",
    "needs_met": "poster.change_needs_met",
    "needs_still_open": "poster.change_needs_still_open",
}
# The action plan's evidence, shown after CHANGE_KEYS where the unit has a plan.
PLAN_CHANGE_KEYS = {
    "actions_done": "change.actions_done",
    "needs_covered": "change.needs_covered",
}
# Polish alphabetical order: each letter with a diacritic right after its base letter.
_PL_ORDER = str.maketrans({c: f"{b}\uffff" for c, b in zip("ąćęłńóśźż", "acelnoszz", strict=True)})


def markup(value: object) -> str:
    """User text as Paragraph markup that prints literally (``<``, ``&`` and line breaks)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = CONTROL_CHARACTERS.sub("", str(value)).strip()
    return escape(text).replace("\n", "<br/>")


def polish_key(text: str) -> str:
    """A sort key that puts names in Polish alphabetical order (Ł after L, Ś after S)."""
    return text.casefold().translate(_PL_ORDER)


def format_date(value: dt.date | None, language: str) -> str:
    """A date as people write it: 01.06.2026 in Polish, 2026-06-01 in English."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d" if language == "en" else "%d.%m.%Y")


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of one paper size: every size follows the paper's ``scale``."""

    scale: float

    def style(self, size: float, *, bold: bool = False, colour=colors.black,
              space_before: float = 0, align: int = 0) -> ParagraphStyle:
        """A paragraph style of ``size`` points at A3, scaled to the paper."""
        size *= self.scale
        return ParagraphStyle(
            f"calmap-{size}-{bold}", fontName=FONT_BOLD_NAME if bold else FONT, fontSize=size,
            leading=size * 1.22, textColor=colour, spaceBefore=space_before * self.scale,
            alignment=align, splitLongWords=True,
        )

    @property
    def body(self) -> ParagraphStyle:
        """Running text."""
        return self.style(9.5)

    @property
    def small(self) -> ParagraphStyle:
        """Notes and captions."""
        return self.style(8, colour=MUTED)

    @property
    def heading(self) -> ParagraphStyle:
        """A section heading."""
        return self.style(13, bold=True, colour=ACCENT, space_before=8)

    @property
    def cell(self) -> ParagraphStyle:
        """A table cell."""
        return self.style(8.5)


class Swatch(Flowable):
    """A pin as the map draws it: the layer's shape in the category colour, with its glyph."""

    SHAPES = {"resource": "circle", "partner": "square", "need": "diamond"}

    def __init__(self, layer: str, icon: str | None, colour: str | None, size: float) -> None:
        """A swatch of ``layer``'s shape, ``size`` points wide."""
        super().__init__()
        self.layer, self.icon, self.size = layer, icon or FALLBACK_ICON, size
        self.colour = safe_colour(colour)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """A swatch is a square of ``size`` points, whatever the room."""
        return self.size, self.size

    def draw(self) -> None:
        """The shape with a white rim, and the glyph in the ink that reads on the colour."""
        canvas, s = self.canv, self.size
        canvas.setFillColor(colors.HexColor(self.colour))
        canvas.setStrokeColor(colors.white)
        canvas.setLineWidth(s * 0.07)
        shape = self.SHAPES.get(self.layer, "circle")
        if shape == "circle":
            canvas.circle(s / 2, s / 2, s * 0.46, stroke=1, fill=1)
        elif shape == "square":
            canvas.roundRect(s * 0.06, s * 0.06, s * 0.88, s * 0.88, s * 0.1, stroke=1, fill=1)
        else:
            path = canvas.beginPath()
            for i, (x, y) in enumerate(((0.5, 0.02), (0.98, 0.5), (0.5, 0.98), (0.02, 0.5))):
                (path.lineTo if i else path.moveTo)(x * s, y * s)
            path.close()
            canvas.drawPath(path, stroke=1, fill=1)
        canvas.setFillColor(colors.HexColor(ink(self.colour)))
        size = s * (0.5 if shape == "diamond" else 0.58)
        canvas.setFont(FONT, size)
        canvas.drawCentredString(s / 2, s / 2 - size * 0.36, self.icon)


def legend_block(content: MapContent, sections: list[LegendSection], styles: Styles,
                 width: float) -> list[Flowable]:
    """The legend: per layer its title and total, then swatch, label and count per category."""
    language = content.language
    out: list[Flowable] = [Paragraph(markup(t("poster.legend", language)), styles.heading)]
    if not sections:
        out.append(Paragraph(markup(t("poster.nothing_to_show", language)), styles.body))
        return out
    swatch = 13 * styles.scale
    count_width = 34 * styles.scale
    label_width = width - swatch - count_width - 8 * styles.scale
    body = styles.body
    # Plain-string cells (a label wrapped here into lines): a Paragraph per
    # cell made a legend of fifty categories a tenth of a second, measured up
    # to four times while the side column is fitted onto page 1.
    label_room = label_width - 2 * styles.scale
    for section in sections:
        rows = [[section.title, "", str(section.total)]]
        for row in section.rows:
            label = "\n".join(wrap_text(_plain(row.label), body.fontName, body.fontSize,
                                         label_room))
            rows.append([Swatch(section.layer, row.icon, row.colour, swatch), label,
                         str(row.count)])
        table = Table(rows, colWidths=[swatch + 6 * styles.scale, label_width, count_width])
        table.setStyle(TableStyle([
            ("SPAN", (0, 0), (1, 0)),
            ("FONTNAME", (0, 0), (-1, -1), body.fontName),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD_NAME),
            ("FONTNAME", (2, 0), (2, -1), FONT_BOLD_NAME),
            ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
            ("LEADING", (0, 0), (-1, -1), body.leading),
            ("TEXTCOLOR", (0, 0), (-1, -1), body.textColor),
            ("ALIGN", (2, 0), (2, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2 * styles.scale),
            ("TOPPADDING", (0, 0), (-1, -1), 1 * styles.scale),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * styles.scale),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5 * styles.scale, ACCENT),
        ]))
        out += [Spacer(1, 4 * styles.scale), table]
        if section.area_wide:
            key = "legend.area_wide" if section.layer == "need" else "legend.unpinned"
            out.append(Paragraph(markup(t(key, language, count=section.area_wide)), styles.small))
    return out


def change_counts_block(content: MapContent, styles: Styles, width: float) -> list[Flowable]:
    """The evidence of change as counts per kind, against the snapshot compared with."""
    language = content.language
    if content.compare_name is None and content.changes is None:
        return [Paragraph(markup(t("poster.no_compare", language)), styles.small)]
    heading = t("poster.changes", language, name=content.compare_name or "",
                date=format_date(content.compare_date, language))
    out: list[Flowable] = [Paragraph(markup(heading), styles.heading)]
    counts = _change_counts(content.changes, _keys(content))
    if not any(counts.values()):
        return [*out, Paragraph(markup(t("poster.no_changes", language)), styles.body)]
    count_style = styles.style(9.5, bold=True, align=2)
    keys = _keys(content)
    rows = [[Paragraph(markup(t(keys[kind], language)), styles.body),
             Paragraph(str(count), count_style)] for kind, count in counts.items()]
    table = Table(rows, colWidths=[width - 40 * styles.scale, 40 * styles.scale])
    table.setStyle(TableStyle([
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1 * styles.scale),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * styles.scale),
        ("LINEBELOW", (0, 0), (-1, -2), 0.3 * styles.scale, colors.HexColor("#dddddd")),
    ]))
    # Counts read as one block: never split them between page 1 and page 2.
    return [KeepTogether([*out, table])]


def change_names_block(content: MapContent, styles: Styles) -> list[Flowable]:
    """The names behind the evidence of change, kind by kind (empty kinds left out)."""
    changes = content.changes
    if changes is None or not any(_change_counts(changes, _keys(content)).values()):
        return []
    language = content.language
    out: list[Flowable] = [Paragraph(markup(t("poster.changes_names", language)), styles.heading)]
    for kind, key in _keys(content).items():
        names = tuple(getattr(changes, kind, ()) or ())
        if not names:
            continue
        shown = " · ".join(_plain(name) for name in names[:MAX_CHANGE_NAMES])
        more = len(names) - MAX_CHANGE_NAMES
        if more > 0:
            shown += " " + t("poster.more_rows", language, count=more)
        # Plain text, not a Paragraph: hundreds of names made it a poster's slowest line.
        body = styles.body
        out.append(TextParagraph(
            [(f"{t(key, language)} ({len(names)}):", FONT_BOLD_NAME), (shown, body.fontName)],
            body.fontSize, body.leading, body.textColor, space_before=body.spaceBefore,
        ))
    return out


def _keys(content: MapContent) -> dict[str, str]:
    """The kinds of change the poster lists, with the plan's when the unit has one."""
    return {**CHANGE_KEYS, **(PLAN_CHANGE_KEYS if shows_plan(content) else {})}


def _change_counts(changes: object, keys: dict[str, str] = CHANGE_KEYS) -> dict[str, int]:
    # Read defensively: only the names per kind are needed, whatever else the object holds.
    return {kind: len(tuple(getattr(changes, kind, ()) or ())) for kind in keys}


def _labels(catalogue: list[Entry], layer: str, language: str) -> dict[str, Entry]:
    vocabulary = CATEGORY_VOCABULARY[layer]
    return {e.code: e for e in catalogue if e.vocabulary == vocabulary}


def table_rows(content: MapContent, layer: str) -> list[tuple[str, str, str]]:
    """The rows of one layer's table: name, category label and address (or need status).

    Only what may be read out at a public meeting: no phone, e-mail or
    description, and no address for human resources (a person's home) or
    needs (a need's place can point at a family). Sorted by category, then
    by name in Polish alphabetical order.
    """
    frame = content.pins.get(layer)
    if frame is None or frame.empty:
        return []
    language = content.language
    entries = _labels(content.catalogue, layer, language)
    order = {code: i for i, code in enumerate(entries)}
    rows = []
    for pin in _records(frame):
        code = _plain(pin.get("category"))
        entry = entries.get(code)
        label = entry.label(language) if entry else code
        if layer == "need":
            status = pin.get("status")
            third = t(f"status.{status}", language) if _is_status(status) else ""
            if not _has_point(pin.get("geometry")):
                third = f"{third}, {t('poster.whole_area', language)}" if third else t(
                    "poster.whole_area", language)
        elif layer == "resource" and (pin.get("kind") == "human" or (entry and entry.sensitive)):
            third = ""
        else:
            third = _plain(pin.get("address"))
        rows.append((order.get(code, len(order)), polish_key(_plain(pin.get("name"))),
                     (_plain(pin.get("name")), label, third)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def pins_table(content: MapContent, layer: str, styles: Styles, width: float) -> list[Flowable]:
    """One layer's heading and table; a long table splits over columns and pages."""
    rows = table_rows(content, layer)
    if not rows:
        return []
    language = content.language
    third = "poster.col_status" if layer == "need" else "poster.col_address"
    second = "poster.col_sector" if layer == "partner" else "poster.col_category"
    cell = styles.cell
    header = [t(key, language) for key in ("poster.col_name", second, third)]
    look = TableLook(
        font=cell.fontName, header_font=FONT_BOLD_NAME, size=cell.fontSize,
        leading=cell.leading, pad_x=3 * styles.scale, pad_y=1.5 * styles.scale,
        ink=cell.textColor, header_ink=colors.white, header_fill=ACCENT,
        stripes=(colors.white, colors.HexColor("#f0f3f5")),
    )
    table = TextTable(header, rows[:MAX_TABLE_ROWS], [width * 0.44, width * 0.28, width * 0.28],
                      look)
    title = f"{t(f'layer.{layer}', language)} ({len(rows)})"
    heading = Paragraph(markup(title), styles.heading)
    heading.keepWithNext = True
    out: list[Flowable] = [heading, table]
    if len(rows) > MAX_TABLE_ROWS:
        more = t("poster.more_rows", language, count=len(rows) - MAX_TABLE_ROWS)
        out.append(Paragraph(markup(more), styles.small))
    return out


def plan_table(content: MapContent, styles: Styles, width: float) -> list[Flowable]:
    """The unit's action plan: heading and table (action, need, partners, due, status)."""
    if not content.action_plan:
        return []
    language = content.language
    table = plan_rows(content, limit=MAX_TABLE_ROWS)
    cell = styles.cell
    look = TableLook(
        font=cell.fontName, header_font=FONT_BOLD_NAME, size=cell.fontSize,
        leading=cell.leading, pad_x=3 * styles.scale, pad_y=1.5 * styles.scale,
        ink=cell.textColor, header_ink=colors.white, header_fill=ACCENT,
        stripes=(colors.white, colors.HexColor("#f0f3f5")),
    )
    # Three columns like the pin tables, so dates and statuses are not broken mid-word:
    # the action with its responsible partners, the need, then due date and status.
    rows = [
        (f"{title} ({partners})" if partners else title, need,
         ", ".join(v for v in (due, status) if v))
        for title, need, partners, due, status in table.rows
    ]
    header = [table.headers[0], table.headers[1],
              f"{table.headers[3]}, {table.headers[4].lower()}"]
    text_table = TextTable(header, rows, [width * 0.44, width * 0.28, width * 0.28], look)
    heading = Paragraph(markup(f"{t('actions.sheet', language)} ({table.total})"),
                        styles.heading)
    heading.keepWithNext = True
    out: list[Flowable] = [heading, text_table]
    if table.total > MAX_TABLE_ROWS:
        more = t("poster.more_rows", language, count=table.total - MAX_TABLE_ROWS)
        out.append(Paragraph(markup(more), styles.small))
    return out


def _records(frame: gpd.GeoDataFrame) -> list[dict]:
    columns = column_lists(frame, ("name", "category", "address", "status", "kind"))
    columns["geometry"] = list(frame.geometry)
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _plain(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _is_status(value: object) -> bool:
    return isinstance(value, str) and value in {"identified", "being_addressed", "met", "archived"}


def _has_point(geometry: object) -> bool:
    return geometry is not None and not getattr(geometry, "is_empty", True)

