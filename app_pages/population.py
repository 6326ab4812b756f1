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

from pathlib import Path

import pandas as pd
import streamlit as st

from mapping.i18n import t
from mapping.io.population_files import PopulationFile, read_population
from mapping.services import population
from mapping.ui import state
from mapping.ui.city_layers import local_time, open_city_layers
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

# What the CLI reads: GIS files (a Shapefile zipped) and tables with coordinates.
TYPES = ["geojson", "json", "gpkg", "zip", "kml", "csv", "xlsx"]

admin = open_city_layers("population", state.POPULATION,
                         ("popadmin.heading", "population.admins_only", "popadmin.intro"),
                         population.layers)
page, actor, lang, PREFIX = admin.page, admin.actor, admin.lang, admin.prefix
layers: list[population.LayerSummary] = admin.layers


def _kind(summary: population.LayerSummary) -> str:
    return t(f"popadmin.kind_{summary.kind}", lang) if summary.kind else ""


st.subheader(t("popadmin.loaded_heading", lang), anchor=False)
if not layers:
    st.info(t("popadmin.none_loaded", lang))
else:
    st.dataframe(pd.DataFrame([{
        t("popadmin.col_city", lang): admin.city(n.city),
        t("popadmin.col_kind", lang): _kind(n),
        t("popadmin.col_points", lang): n.points,
        t("popadmin.col_residents", lang): n.residents,
        t("popadmin.col_attribution", lang): n.attribution,
        t("popadmin.col_file", lang): n.source,
        t("popadmin.col_field", lang): n.field,
        t("popadmin.col_crs", lang): n.crs,
        t("popadmin.col_when", lang): local_time(n.imported_at),
        t("popadmin.col_by", lang): n.imported_by or "",
    } for n in layers]), hide_index=True, width="stretch", key=PREFIX + "table")
    # The credit in full under the table too: a narrow screen cuts the table's columns.
    for n in layers:
        if n.attribution:
            st.caption(md_t("popadmin.credit", lang, city=admin.city(n.city), credit=n.attribution,
                            file=n.source))

st.subheader(t("popadmin.load_heading", lang), anchor=False)
city = admin.choose_city("popadmin.city", "popadmin.city_help", "popadmin.no_cities")
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


def _read(path: Path) -> PopulationFile:
    return read_population(path, field.strip() or None, crs.strip() or None, layer.strip() or None)


if uploaded is not None and st.button(
    t("popadmin.import", lang), type="primary", key=PREFIX + "import"
):
    data, done = admin.load(
        uploaded.getvalue(), uploaded.name, "popadmin.importing", _read,
        lambda s, read: population.save(s, actor, read, city or "", credit),
    )
    page.flash("population.saved", city=admin.city(done.city), points=done.points,
               residents=done.residents, field=data.field,
               kind=t(f"population.kind_{data.kind}", lang))
    st.rerun()

admin.remove_section(
    [n.city for n in layers],
    ("popadmin.remove_heading", "popadmin.remove_city", "popadmin.remove_sure",
     "popadmin.remove", "popadmin.removed"),
    lambda s, gone: population.remove(s, actor, gone),
)
st.caption(md_t("popadmin.source_note", lang))
