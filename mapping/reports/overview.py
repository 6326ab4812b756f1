"""The city overview for management: every team side by side, with counts and changes.

One PDF, A3 landscape: a table of the teams (their areas, resources,
partners, needs by status, partnerships and, when a comparison snapshot was
chosen, what changed), the city's total, then the same for every area. The
figures are counts of what the pack's maps show (public and partnership
pins), so the overview and the posters always agree.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from mapping.i18n import t
from mapping.reports.build import PackPlan
from mapping.reports.content import MapContent
from mapping.reports.fonts import BOLD, REGULAR, register_fonts
from mapping.reports.poster_blocks import format_date

HEADER_FILL = colors.HexColor("#1f4e79")
STRIPE = colors.HexColor("#eef3f8")
TOTAL_FILL = colors.HexColor("#dde7f0")
NEED_STATUSES = ("identified", "being_addressed", "met")


def _row(content: MapContent, with_changes: bool) -> list[str]:
    """One unit's figures as table cells (a team's: how many areas; an area's: its team)."""
    needs = content.pins.get("need")
    statuses = needs["status"].value_counts() if needs is not None and len(needs) else {}
    first = content.team_name or "–" if content.unit == "area" else str(
        len(content.focus_area_ids))
    cells = [
        first,
        str(content.count("resource")),
        str(content.count("partner")),
        *(str(int(statuses.get(s, 0))) for s in NEED_STATUSES),
        str(len(content.partnerships)),
    ]
    if with_changes:
        counts = content.changes.counts() if content.changes is not None else {}
        cells += [
            f"+{counts.get('new_resources', 0)} / −{counts.get('closed_resources', 0)}",
            f"+{counts.get('new_partners', 0)} / −{counts.get('departed_partners', 0)}",
            str(counts.get("needs_met", 0)),
        ]
    return cells


def _table(
    title: str, units: list[MapContent], total: MapContent | None, language: str,
    with_changes: bool, styles: dict[str, ParagraphStyle],
) -> list[object]:
    """A heading and one table: a row per unit (and a total row)."""
    second = "team" if units and units[0].unit == "area" else "areas"
    header = [t(f"overview.col_{key}", language) for key in (
        "name", second, "resources", "partners", "needs_identified", "needs_addressed",
        "needs_met", "partnerships",
    )]
    if with_changes:
        header += [t(f"overview.col_{key}", language) for key in (
            "change_resources", "change_partners", "change_met",
        )]
    rows: list[list[object]] = [[Paragraph(escape(h), styles["head"]) for h in header]]
    for unit in units:
        rows.append([Paragraph(escape(unit.title), styles["cell"]), *_row(unit, with_changes)])
    if total is not None:
        rows.append([Paragraph(escape(t("overview.total", language, name=total.title)),
                               styles["bold"]), *_row(total, with_changes)])
    widths = [110 * mm] + [((420 - 110 - 20) / (len(header) - 1)) * mm] * (len(header) - 1)
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bec5")),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), STRIPE) for i in range(2, len(rows), 2)]
    if total is not None:
        style += [("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
                  ("FONTNAME", (1, -1), (-1, -1), BOLD)]
    table.setStyle(TableStyle(style))
    return [Paragraph(escape(title), styles["h2"]), table, Spacer(1, 8 * mm)]


def write_overview(plan: PackPlan, path: str | Path) -> Path:
    """Write the city overview PDF of ``plan`` to ``path``."""
    register_fonts()
    language = plan.request.language
    styles = {
        "h1": ParagraphStyle("h1", fontName=BOLD, fontSize=24, leading=30),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=15, leading=20, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=REGULAR, fontSize=12, leading=16),
        "head": ParagraphStyle("head", fontName=BOLD, fontSize=9, leading=11,
                               textColor=colors.white),
        "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=10, leading=12),
        "bold": ParagraphStyle("bold", fontName=BOLD, fontSize=10, leading=12),
        "note": ParagraphStyle("note", fontName=REGULAR, fontSize=9, leading=12,
                               textColor=colors.HexColor("#455a64")),
    }
    with_changes = plan.report is not None
    teams = [c for c in plan.contents if c.unit == "team"]
    areas = [c for c in plan.contents if c.unit == "area"]
    subtitle = t("overview.subtitle", language, name=plan.snapshot_name,
                 date=format_date(plan.snapshot_date, language))
    if plan.compare_name and plan.compare_date:
        subtitle += " · " + t("overview.compared", language, name=plan.compare_name,
                              date=format_date(plan.compare_date, language))
    story: list[object] = [
        Paragraph(escape(t("overview.title", language, city=plan.city.title)), styles["h1"]),
        Paragraph(escape(subtitle), styles["sub"]),
        Spacer(1, 6 * mm),
    ]
    if teams:
        story += _table(t("overview.teams", language), teams,
                        plan.city if plan.include_city else None, language,
                        with_changes, styles)
    if areas:
        story += _table(t("overview.areas", language), areas, None, language,
                        with_changes, styles)
    for note in dict.fromkeys(plan.notes):
        story.append(Paragraph(escape(note), styles["note"]))
    path = Path(path)
    doc = SimpleDocTemplate(
        str(path), pagesize=landscape(A3), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=12 * mm, bottomMargin=12 * mm,
        title=t("overview.title", language, city=plan.city.title), author="calmap",
    )
    doc.build(story)
    return path
