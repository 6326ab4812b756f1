"""Import areas from a boundary file: upload, every feature checked, preview on the map, save whole.

Widgets in → ``mapping.io.feature_files`` and ``mapping.io.area_import`` (read, plan,
commit) → render out. Administrators only: areas shape every team's map.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from mapping.errors import UserError
from mapping.i18n import t
from mapping.io import area_import
from mapping.io.area_import import AreaOptions, AreaPlan
from mapping.io.feature_files import SUFFIXES, SourceOptions, open_features
from mapping.maps.overview import overview_map
from mapping.ui import cached_reads, live_map, state
from mapping.ui.page import message, open_page
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

PREFIX = state.IMPORT_AREAS
# Words, not emoji: Debian's fonts draw the no-entry and warning emoji as empty boxes.
LEVELS = ("error", "warning", "note")
# Long enough for a file someone is fixing, short enough to forget it soon.
READ_TTL = 300


@st.cache_data(ttl=READ_TTL, max_entries=8, show_spinner=False)
def _read(digest: str, filename: str, crs: str, encoding: str, _content: bytes):  # noqa: ANN202
    # Keyed by the file's digest and the reading choices (the content itself
    # is not hashed again): a rerun does not parse the file again.
    choices = SourceOptions(crs=crs or None, encoding=encoding or None)
    return open_features(_content, filename, choices)


def _table(planned: AreaPlan, lang: str) -> list[dict[str, object]]:
    return [
        {
            t("import_areas.col_row", lang): area.row,
            t("import_areas.col_name", lang): area.name,
            t("import_areas.col_kind", lang): t(f"kind.{area.kind}", lang),
            t("import_areas.col_parent", lang): area.parent_name or "",
            # As text: a column of numbers and blanks would show "None".
            t("import_areas.col_population", lang): (
                f"{area.population:,}".replace(",", "\u00a0") if area.population else ""
            ),
            # Errors first, then warnings, then notes: what blocks the import leads.
            t("import_areas.col_messages", lang): "\n".join(
                f"[{t(f'import_areas.level_{m.level}', lang)}] {m.text(lang)}"
                for m in sorted(area.messages, key=lambda m: LEVELS.index(m.level))
            ),
        }
        # Features with errors first: they are what the user has to fix.
        for area in sorted(planned.areas, key=lambda a: (a.ok, a.row))
    ]


page = open_page("import_areas")
lang, cfg, url = page.lang, page.cfg, page.url
st.title(t("import_areas.heading", lang))
page.stop_unless(page.actor is not None and page.actor.is_admin, "area_import.admin_only")
actor = page.require_actor()  # stop_unless let only a signed-in admin through
st.write(t("import_areas.intro", lang))

uploaded = file_upload(
    t("import_areas.upload", lang), lang, types=[s.lstrip(".") for s in SUFFIXES],
    key=PREFIX + "file",
)
left, middle, right = st.columns(3)
kind = left.radio(
    t("import_areas.kind", lang), area_import.KINDS, format_func=lambda k: t(f"kind.{k}", lang),
    horizontal=True, key=PREFIX + "kind",
)
teams = {team.code: team.name for team in cached_reads.teams(url, None)}
team = middle.selectbox(
    t("import_areas.team", lang), [None, *teams],
    format_func=lambda code: teams[code] if code else t("import_areas.no_team", lang),
    key=PREFIX + "team",
)
source = right.text_input(
    t("import_areas.source", lang), help=t("import_areas.source_help", lang),
    key=PREFIX + "source",
)
with st.expander(t("import_areas.options", lang)):
    crs = st.text_input(
        t("import_areas.crs", lang), help=t("import_areas.crs_help", lang),
        key=PREFIX + "crs",
    )
    encoding = st.text_input(
        t("import_areas.encoding", lang), help=t("import_areas.encoding_help", lang),
        key=PREFIX + "encoding",
    )
if uploaded is None:
    st.stop()

content = uploaded.getvalue()
# A plain str for the planning below (it runs in a lambda, where ``uploaded`` is not narrowed).
file_name = uploaded.name
digest = hashlib.sha256(content).hexdigest()
try:
    features = _read(digest, file_name, crs.strip(), encoding.strip(), content)
except UserError as exc:
    st.error(message(exc, lang))
    st.stop()

columns = features.attribute_columns
guessed_name, guessed_population = area_import.guess_fields(columns)
left, right = st.columns(2)
name_field = left.selectbox(
    t("import_areas.name_field", lang), columns,
    index=columns.index(guessed_name) if guessed_name in columns else 0,
    key=f"{PREFIX}name_field.{digest[:12]}",
)
population_choices = [None, *columns]
population_field = right.selectbox(
    t("import_areas.population_field", lang), population_choices,
    index=population_choices.index(guessed_population),
    format_func=lambda c: c if c else t("import_areas.no_field", lang),
    key=f"{PREFIX}population_field.{digest[:12]}",
)
options = AreaOptions(name_field, kind, team, population_field, source.strip() or None)
with st.spinner(t("import_areas.checking", lang)):
    checked = page.run(lambda s: area_import.plan(s, actor, features, options, file_name))
if checked.error is not None:
    st.error(message(checked.error, lang))
    st.stop()
planned = checked.value

st.caption(
    md_t("import_areas.read", lang, filename=uploaded.name, file_format=planned.file_format,
         count=len(planned.areas), crs=planned.source_crs)
)
for note in planned.notes:
    (st.error if note.level == "error" else st.info)(md_t(note.key, lang, **note.params))

st.subheader(t("import_areas.preview_map", lang))
leaflet = cached_reads.leaflet_links()
preview = overview_map(
    planned.frame(), {}, [], lang, tiles_url=cfg.tiles_url,
    tiles_attribution=cfg.tiles_attribution, leaflet=leaflet,
)
# Mounted once: another field choice or file swaps the areas in place.
live_map.show(preview, key="import_areas_map", height=480, leaflet=leaflet)
ready = len(planned.areas) - len(planned.failed)
st.write(t("import_areas.summary", lang, ready=ready, total=len(planned.areas)))
if planned.failed:
    st.subheader(t("import_areas.errors_heading", lang, count=len(planned.failed)))
st.dataframe(
    _table(planned, lang), hide_index=True, use_container_width=True,
    column_config={t("import_areas.col_messages", lang): st.column_config.TextColumn(
        width="large")},
)

if not planned.ok:
    st.warning(t("import_areas.fix_and_reupload", lang))
    st.button(t("import_areas.commit", lang, count=ready), disabled=True,
              key=PREFIX + "commit_disabled")
    st.stop()

# One token per upload and choices: a second click saves nothing twice.
token = hashlib.sha256(f"{uploaded.file_id}:{digest}:{options}".encode()).hexdigest()[:40]
saved = state.keep(state.IMPORT_AREAS_SAVED)
if token in saved:
    st.success(t("import_areas.saved", lang, count=saved[token]))
    st.stop()
if st.button(t("import_areas.commit", lang, count=len(planned.areas)), type="primary",
             key=PREFIX + "commit"):
    def plan_and_commit(session):  # the runner's session → the new areas' ids
        # Planned again in the saving transaction: the stored areas may
        # have changed since the preview (another import, an edit).
        fresh = area_import.plan(session, actor, features, options, file_name)
        return area_import.commit(session, actor, fresh)

    with st.spinner(t("import_areas.checking", lang)):
        committed = page.run(plan_and_commit)
    if committed.error is not None:
        st.error(message(committed.error, lang))
    else:
        ids = committed.value
        saved[token] = len(ids)
        # The selectors and maps cache reads for a minute; the new areas should show at once.
        for cached in (cached_reads.cities, cached_reads.teams, cached_reads.area_choices,
                       cached_reads.overview):
            cached.clear()
        st.success(t("import_areas.saved", lang, count=len(ids)))
