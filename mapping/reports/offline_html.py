"""The offline map of the June pack: one self-contained HTML file per area or team.

The room where the maps are shown may have no internet, so the file carries
everything it needs: Leaflet's script and stylesheet inline (images as data
URIs), the layers as GeoJSON, the legend, and no basemap tiles (a plain
background instead). Above the map: title, team, snapshot and the evidence of
change; below it: sources and what was left out. The map itself is the app's
``mapping.maps.overview.overview_map``, so pins, popups and legend look the same, and
its popups already escape what users typed; the header escapes here.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import cast
from urllib.parse import urlparse

from branca.element import Figure

from mapping.i18n import t
from mapping.maps import assets
from mapping.maps.elements import RenderedText
from mapping.maps.overview import overview_map
from mapping.reports import listing
from mapping.reports.content import MapContent

# The header and footer around the map; the map takes the rest of the window.
PAGE_STYLE = """<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; color: #222;
       font: 14px/1.4 "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
/* folium adds the map's div to the body only while rendering, after our footer;
   the flex order puts it back between header and footer. */
body > .folium-map { flex: 1 1 auto; order: 1; height: auto !important; min-height: 320px; }
.calmap-page-head { flex: 0 0 auto; padding: 8px 16px 6px; border-bottom: 3px solid #2f5d7c;
                    max-height: 40vh; overflow-y: auto; }
.calmap-page-head .calmap-kicker { margin: 0; color: #5a6b78; font-size: 12px; }
.calmap-page-head h1 { margin: 2px 0 4px; font-size: 20px; line-height: 1.25;
                       color: #2f5d7c; overflow-wrap: anywhere; }
.calmap-page-head p { margin: 2px 0; }
.calmap-page-head .calmap-meta span + span::before { content: " · "; color: #5a6b78; }
.calmap-page-head details { margin: 4px 0 0; }
.calmap-page-head summary { cursor: pointer; }
.calmap-page-head ul { margin: 4px 0; padding-left: 20px; }
.calmap-page-foot { flex: 0 0 auto; order: 2; padding: 4px 16px; font-size: 11px; color: #5a6b78;
                    border-top: 1px solid #ccd; max-height: 20vh; overflow-y: auto; }
.calmap-page-foot p { margin: 2px 0; }
</style>"""


def write_offline_html(content: MapContent, path: str | Path) -> Path:
    """Write the self-contained offline map of ``content`` to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(offline_html(content), encoding="utf-8")
    return path


def offline_html(content: MapContent) -> str:
    """The whole offline page of ``content``: one HTML document that loads nothing else."""
    lang = content.language
    focus = [i for i in content.focus_area_ids if i in set(content.areas["id"])] if len(
        content.areas
    ) else []
    m = overview_map(
        content.areas,
        content.pins,
        content.catalogue,
        lang,
        # An area's own outline stands out from the estates under it; a team's
        # areas are all its own, so none is singled out.
        selected_area_id=focus[0] if content.unit == "area" and len(focus) == 1 else None,
        tiles_url=None,
        # Cached per process by mapping.maps.assets: the same blocks for every file of the pack.
        leaflet=assets.leaflet_inline(),
    )
    figure = cast(Figure, m.get_root())
    figure.title = html.escape(listing.shorten(content.title, 120) or t("app.title", lang))
    figure.header.add_child(RenderedText(PAGE_STYLE), name="calmap_page_style")
    # RenderedText, not branca's Element: a name like "{{ 7*7 }}" must not be
    # evaluated as a template (see mapping.maps.elements.RenderedText).
    figure.html.add_child(RenderedText(_head(content)), name="calmap_page_head", index=0)
    figure.html.add_child(RenderedText(_foot(content)), name="calmap_page_foot")
    page = figure.render()
    return page.replace("<html>", f'<html lang="{"en" if lang == "en" else "pl"}">', 1)


def _e(text: object) -> str:
    return html.escape(listing.clean(text))


def _head(content: MapContent) -> str:
    lang = content.language
    meta = []
    if content.team_name:
        meta.append(f"{t('sidebar.team', lang)}: <b>{_e(content.team_name)}</b>")
    if content.city:
        meta.append(f"{t('sidebar.city', lang)}: {_e(content.city)}")
    snapshot = listing.snapshot_label(content.snapshot_name, content.snapshot_date, lang)
    meta.append(f"{t('deck.snapshot', lang)}: <b>{html.escape(snapshot)}</b>")
    parts = [
        '<header class="calmap-page-head">',
        f'<p class="calmap-kicker">{html.escape(t("deck.kicker", lang))}</p>',
        f"<h1>{_e(content.title) or html.escape(t('app.title', lang))}</h1>",
        '<p class="calmap-meta">' + "".join(f"<span>{m}</span>" for m in meta) + "</p>",
        _changes(content),
        _plan(content),
    ]
    highlights = [h for h in content.survey_highlights if listing.clean(h)]
    if highlights:
        parts.append(
            f"<details><summary>{html.escape(t('deck.highlights', lang))}</summary><ul>"
            + "".join(f"<li>{_e(h)}</li>" for h in highlights)
            + "</ul></details>"
        )
    parts.append("</header>")
    return "".join(parts)


def _changes(content: MapContent) -> str:
    """The evidence of change: a one-line count summary that opens to the names."""
    lang = content.language
    if not listing.has_comparison(content):
        return f"<p>{html.escape(t('deck.no_compare', lang))}</p>"
    since = listing.snapshot_label(content.compare_name, content.compare_date, lang)
    lines = listing.change_lines(content)
    counted = [f"{html.escape(line.label)}: <b>{line.count}</b>" for line in lines if line.count]
    summary = "; ".join(counted) if counted else html.escape(t("offline.no_changes", lang))
    items = "".join(
        f"<li><b>{html.escape(line.label)} ({line.count})</b>"
        + (": " + ", ".join(html.escape(n) for n in line.names) if line.names else "")
        + "</li>"
        for line in lines
    )
    return (
        f"<details><summary>{html.escape(t('deck.changes_since', lang, since=since))}: "
        f"{summary}</summary><ul>{items}</ul></details>"
    )


def _plan(content: MapContent) -> str:
    """The unit's action plan as a table that opens on a click; nothing without actions."""
    if not content.action_plan:
        return ""
    table = listing.plan_table(content)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    title = html.escape(f"{t('actions.sheet', content.language)} ({table.total})")
    return (
        f'<details class="calmap-plan"><summary>{title}</summary>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _foot(content: MapContent) -> str:
    lang = content.language
    parts = ['<footer class="calmap-page-foot">',
             f"<p>{html.escape(t('overview.visibility_note', lang))}"]
    if content.attribution:
        parts.append(f" {html.escape(t('offline.sources', lang))}: {_e(content.attribution)}")
    parts.append("</p>")
    notes = [n for n in content.notes if listing.clean(n)]
    if notes:
        parts.append(
            f"<p><b>{html.escape(t('deck.left_out', lang))}</b> "
            + " ".join(_e(n) for n in notes) + "</p>"
        )
    url = listing.clean(content.online_url)
    # Only a web address becomes a link: a "javascript:" URL typed in a
    # setting must not run when someone clicks it.
    if url and urlparse(url).scheme in ("http", "https"):
        parts.append(
            f'<p>{html.escape(t("deck.online", lang))}: '
            f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a></p>'
        )
    parts.append("</footer>")
    return "".join(parts)
