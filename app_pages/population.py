"""The population layer per city: what is loaded, load a file, remove one. Admins only.

Widgets in → ``mapping.io.population_files.read_population`` (the file read:
points with residents, or a population grid counted per cell) →
``mapping.services.population`` (saved, replacing the city's layer, in one
transaction) → render out: the same reader and service ``calmap import
population`` uses, so every bad file gets the CLI's message and nothing is
saved. Without a layer the gaps page estimates residents from each area's own
population field, and says so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from mapping.errors import UserError
from mapping.i18n import t
from mapping.io.population_files import PopulationFile, read_population
from mapping.services import population
from mapping.ui import cached_reads, state
from mapping.ui.page import message, open_page
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

PREFIX = state.POPULATION
# Times are shown as the organisers' wall clock, like the street page's.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")
# What the CLI reads: GIS files (a Shapefile zipped) and tables with coordinates.
TYPES = ["geojson", "json", "gpkg", "zip", "kml", "csv", "xlsx"]

page = open_page("population")
lang = page.lang
st.title(t("popadmin.heading", lang), anchor=False)
page.stop_unless(page.actor is not None and page.actor.is_admin, "population.admins_only")
actor = page.require_actor()  # stop_unless let only a signed-in admin through
st.caption(t("popadmin.intro", lang))
page.show_flash()

loaded = page.run(population.layers)
if loaded.error is not None:
    page.show_error(loaded.error)
    st.stop()
layers: list[population.LayerSummary] = loaded.value


def _city(name: str) -> str:
    return name or t("streets.no_city", lang)


def _when(summary: population.LayerSummary) -> str:
    if summary.imported_at is None:
        return ""
    return summary.imported_at.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _kind(summary: population.LayerSummary) -> str:
    return t(f"popadmin.kind_{summary.kind}", lang) if summary.kind else ""


st.subheader(t("popadmin.loaded_heading", lang), anchor=False)
if not layers:
    st.info(t("popadmin.none_loaded", lang))
else:
    st.dataframe(pd.DataFrame([{
        t("popadmin.col_city", lang): _city(n.city),
        t("popadmin.col_kind", lang): _kind(n),
        t("popadmin.col_points", lang): n.points,
        t("popadmin.col_residents", lang): n.residents,
        t("popadmin.col_attribution", lang): n.attribution,
        t("popadmin.col_file", lang): n.source,
        t("popadmin.col_field", lang): n.field,
        t("popadmin.col_crs", lang): n.crs,
        t("popadmin.col_when", lang): _when(n),
        t("popadmin.col_by", lang): n.imported_by or "",
    } for n in layers]), hide_index=True, width="stretch", key=PREFIX + "table")
    # The credit in full under the table too: a narrow screen cuts the table's columns.
    for n in layers:
        if n.attribution:
            st.caption(md_t("popadmin.credit", lang, city=_city(n.city), credit=n.attribution,
                            file=n.source))

st.subheader(t("popadmin.load_heading", lang), anchor=False)
cities = cached_reads.cities(page.url)
chosen = state.city()
city: str | None = None
if cities:
    city = st.selectbox(
        t("popadmin.city", lang), cities, index=cities.index(chosen) if chosen in cities else 0,
        key=PREFIX + "city", help=t("popadmin.city_help", lang),
    )
else:
    st.caption(t("popadmin.no_cities", lang))
uploaded = file_upload(t("popadmin.upload", lang), lang, types=TYPES, key=PREFIX + "file",
                       help=t("popadmin.upload_help", lang))
credit = st.text_input(t("popadmin.attribution", lang), key=PREFIX + "attribution",
                       help=t("popadmin.attribution_help", lang), max_chars=300)
with st.expander(t("popadmin.options", lang)):
    field = st.text_input(t("popadmin.field", lang), help=t("popadmin.field_help", lang),
                          key=PREFIX + "field")
    crs = st.text_input(t("popadmin.crs", lang), help=t("popadmin.crs_help", lang),
                        key=PREFIX + "crs")
    layer = st.text_input(t("popadmin.layer", lang), help=t("popadmin.layer_help", lang),
                          key=PREFIX + "layer")


def _read(content: bytes, name: str) -> PopulationFile:
    """The uploaded file read from a private folder under its own name (its suffix says how)."""
    with tempfile.TemporaryDirectory(prefix="calmap-population-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(content)
        return read_population(path, field.strip() or None, crs.strip() or None,
                               layer.strip() or None)


if uploaded is not None and st.button(
    t("popadmin.import", lang), type="primary", key=PREFIX + "import"
):
    file_name = uploaded.name
    target = city or ""
    with st.spinner(t("popadmin.importing", lang, name=file_name)):
        try:
            data = _read(uploaded.getvalue(), file_name)
        except UserError as exc:
            st.error(message(exc, lang))
            st.stop()
        saved = page.run(lambda s: population.save(s, actor, data, target, credit))
    if saved.error is not None:
        page.show_error(saved.error)
        st.stop()
    done = saved.value
    page.flash("population.saved", city=_city(done.city), points=done.points,
               residents=done.residents, field=data.field,
               kind=t(f"population.kind_{data.kind}", lang))
    st.rerun()

if layers:
    st.subheader(t("popadmin.remove_heading", lang), anchor=False)
    by_city = {n.city: n for n in layers}
    gone = st.selectbox(t("popadmin.remove_city", lang), list(by_city), format_func=_city,
                        key=PREFIX + "remove_city")
    sure = st.checkbox(t("popadmin.remove_sure", lang), key=PREFIX + "remove_sure")
    if st.button(t("popadmin.remove", lang), disabled=not sure, key=PREFIX + "remove"):
        page.act(lambda s: population.remove(s, actor, gone or ""), "popadmin.removed",
                 city=_city(gone or ""))
st.caption(md_t("popadmin.source_note", lang))
