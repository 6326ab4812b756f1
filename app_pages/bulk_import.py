"""Import from a file: resources or partners from CSV/XLSX, checked row by row, saved whole.

Or the field form's KoboToolbox / ODK Central export, all three layers at once
(``mapping.ui.field_import``, on the functions ``calmap field import`` calls).

Widgets in → ``mapping.io.bulk`` (parse, preview, commit) → render out. The rules
(fields, catalogue, Poland, the area, rights) are the editor's, applied by the
service; this page only shows what it says, in the user's language.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from mapping.errors import UserError
from mapping.i18n import t
from mapping.io import bulk, point_import
from mapping.maps.overview import overview_map
from mapping.services.accounts import Actor
from mapping.services.layers import CATEGORY_VOCABULARY, VISIBILITIES
from mapping.ui import cached_reads, field_import, live_map, sidebar, state
from mapping.ui.page import message, open_page, run
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

# Long enough for a spreadsheet someone is fixing, short enough to forget it soon.
PREVIEW_TTL = 300


@st.cache_data(ttl=PREVIEW_TTL, max_entries=16, show_spinner=False)
def _preview(
    url: str,
    username: str,
    layer: str,
    area_id: int,
    visibility: str,
    digest: str,
    filename: str,
    _actor: Actor,
    _parsed: bulk.ParsedFile,
) -> bulk.Report:
    # Keyed by the user, the choices and the file's digest (the underscored
    # arguments are not hashed): a rerun (language switch, the save click)
    # does not check every row again. Saving checks them again anyway.
    # Raises the user error (nothing cached) for the page to show.
    return run(
        url, _actor,
        lambda s: bulk.preview(s, _actor, layer, area_id, _parsed, default_visibility=visibility),
    ).unwrap()


def _errors_table(report: bulk.Report, lang: str) -> list[dict[str, object]]:
    return [
        {
            t("bulk.col_row", lang): error.row,
            t("bulk.col_column", lang): error.column or t(f"bulk_field.{error.field}", lang),
            t("bulk.col_value", lang): error.value or "",
            t("bulk.col_problem", lang): error.message(lang),
        }
        for error in report.errors
    ]


def _show_errors(report: bulk.Report, lang: str) -> None:
    st.subheader(t("bulk.errors_heading", lang, rows=len(report.failed_rows)))
    st.dataframe(_errors_table(report, lang), hide_index=True)
    st.warning(t("bulk.fix_and_reupload", lang))


page = open_page("bulk_import")
lang, cfg, url = page.lang, page.cfg, page.url
place = sidebar.current_place(url, lang)
st.title(md_t("bulk.heading", lang, place=place))
st.write(t("bulk.intro", lang))

actor = page.require_editor()
area_id = state.area_id()
if area_id is None:
    st.info(t("bulk.choose_editable_area", lang))
    st.stop()

kind = st.radio(
    t("bulk.kind", lang), ["table", "field"], horizontal=True, key=state.BULK + "kind",
    format_func=lambda code: t(f"bulk_kind.{code}", lang),
)
if kind == "field":
    # The field form's export: three layers at once, as ``calmap field import`` does.
    field_import.show(page, area_id, place, state.team_id())
    st.stop()

left, right = st.columns(2)
layer = left.radio(
    t("bulk.layer", lang), bulk.LAYERS, format_func=lambda code: t(f"layer.{code}", lang),
    horizontal=True, key=state.BULK + "layer",
)
visibility = right.selectbox(
    t("bulk.default_visibility", lang), VISIBILITIES,
    format_func=lambda code: t(f"visibility.{code}", lang), key=state.BULK + "visibility",
)
st.download_button(
    t("bulk.template_download", lang), bulk.template_csv(layer),
    file_name=f"calmap_{layer}.csv", mime="text/csv",
)
uploaded = file_upload(
    t("bulk.upload", lang), lang, types=["csv", "txt", "tsv", "xlsx"], key=state.BULK + "file"
)
if uploaded is None:
    st.stop()

content = uploaded.getvalue()
digest = hashlib.sha256(content).hexdigest()
try:
    parsed = point_import.parse_upload(content, uploaded.name, layer, visibility)
except UserError as exc:
    st.error(message(exc, lang))
    st.stop()

if parsed.file_format == "xlsx":
    st.caption(md_t("bulk.read_xlsx", lang, filename=parsed.filename, rows=len(parsed.rows)))
else:
    delimiter = {";": "semicolon", ",": "comma", "\t": "tab"}.get(parsed.delimiter or ",")
    st.caption(
        md_t("bulk.read_csv", lang, filename=parsed.filename, encoding=parsed.encoding,
             delimiter=t(f"bulk_delimiter.{delimiter}", lang), rows=len(parsed.rows))
    )
used, ignored = bulk.column_use(parsed, layer)
with st.expander(t("bulk.columns", lang), expanded=False):
    st.dataframe(
        [
            {t("bulk.col_field", lang): t(f"bulk_field.{name}", lang),
             t("bulk.col_heading", lang): heading}
            for name, heading in used.items()
        ],
        hide_index=True,
    )
    if ignored:
        st.caption(md_t("bulk.ignored_columns", lang, columns=", ".join(ignored)))

try:
    with st.spinner(t("bulk.checking", lang)):
        report = _preview(
            url, actor.username, layer, area_id, visibility, digest, parsed.filename, actor, parsed
        )
except UserError as exc:
    # Rights or the area: about the whole file, so one message instead of a table.
    st.error(message(exc, lang))
    st.stop()

st.subheader(t("bulk.preview_map", lang))
view = cached_reads.overview(url, state.city(), state.team_id(), area_id)
leaflet = cached_reads.leaflet_links()
# No pin store: the rows are not saved yet, so none of them is a public file.
preview_map = overview_map(
    view.areas, {layer: bulk.preview_frame(report)}, view.catalogue, lang,
    selected_area_id=area_id, tiles_url=cfg.tiles_url, tiles_attribution=cfg.tiles_attribution,
    leaflet=leaflet,
)
# Mounted once: a rerun (another file, layer or language) swaps the rows in place.
live_map.show(preview_map, key="bulk_map", height=480, leaflet=leaflet)
st.write(t("bulk.summary", lang, ready=len(report.ready), total=report.total))

if report.errors:
    _show_errors(report, lang)
    st.button(t("bulk.commit", lang, count=len(report.ready)), disabled=True,
              key=state.BULK + "commit_disabled")
    st.stop()

# Keyed by code; a row without a category looks up None and shows nothing.
labels: dict[str | None, str] = {
    e.code: e.label(lang) for e in view.catalogue if e.vocabulary == CATEGORY_VOCABULARY[layer]
}
st.dataframe(
    [
        {
            t("bulk.col_row", lang): row.row,
            t("bulk_field.name", lang): row.data.get("name"),
            t("bulk_field.category", lang): labels.get(
                row.data.get("sector" if layer == "partner" else "category"), ""
            ),
            t("bulk_field.address", lang): row.data.get("address") or "",
        }
        for row in report.ready
    ],
    hide_index=True,
)

# One token per upload, layer and area: a second click saves nothing twice.
token = "bulk-" + hashlib.sha256(
    f"{uploaded.file_id}:{digest}:{layer}:{area_id}".encode()
).hexdigest()[:40]
saved = state.keep(state.BULK_SAVED)
if token in saved:
    st.success(md_t("bulk.saved", lang, area=place, count=saved[token]))
    st.stop()
if st.button(t("bulk.commit", lang, count=len(report.ready)), type="primary",
             key=state.BULK + "commit"):
    bar = st.progress(0.0, text=t("bulk.saving", lang))
    step = max(1, len(parsed.rows) // 50)

    def _progress(done: int, total: int) -> None:
        # A few dozen updates, not one websocket message per row.
        if done == total or done % step == 0:
            bar.progress(done / total, text=t("bulk.saving", lang))

    outcome = page.run(
        lambda s: bulk.commit(
            s, actor, layer, area_id, parsed, default_visibility=visibility,
            form_token=token, progress=_progress,
        )
    )
    bar.empty()
    if outcome.error is not None:
        st.error(message(outcome.error, lang))
        if isinstance(outcome.error, bulk.BulkImportError):
            # The data changed since the preview (e.g. a catalogue entry was retired).
            _show_errors(outcome.error.report, lang)
    else:
        refs = outcome.value
        saved[token] = len(refs)
        # The overview caches reads for a minute; the new pins should show at once.
        cached_reads.overview.clear()
        _preview.clear()
        st.success(md_t("bulk.saved", lang, area=place, count=len(refs)))
