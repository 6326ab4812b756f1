"""The walking street network per city: what is loaded, load a file, remove one. Admins only.

Widgets in → ``mapping.io.street_files.read_streets`` (the file read, filtered
and noded) → ``mapping.services.streets`` (saved, replacing the city's network,
in one transaction) → render out: the same reader and service ``calmap import
streets`` uses. Without a network every distance is a straight line, and this
page says so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from mapping.errors import UserError
from mapping.i18n import t
from mapping.io.street_files import Network, read_streets
from mapping.services import streets
from mapping.ui import cached_reads, state
from mapping.ui.page import message, open_page
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

PREFIX = state.STREETS
# Times are shown as the organisers' wall clock, like the action plan's.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")
# ".osm.pbf" ends in "pbf"; GeoJSON also comes as ".json"; a Shapefile comes zipped.
TYPES = ["pbf", "osm", "geojson", "json", "gpkg", "zip"]

page = open_page("streets")
lang = page.lang
st.title(t("streets.heading", lang), anchor=False)
page.stop_unless(page.actor is not None and page.actor.is_admin, "streets.admins_only")
actor = page.require_actor()  # stop_unless let only a signed-in admin through
st.caption(t("streets.intro", lang))
page.show_flash()

loaded = page.run(streets.layers)
if loaded.error is not None:
    page.show_error(loaded.error)
    st.stop()
networks: list[streets.StreetSummary] = loaded.value


def _city(name: str) -> str:
    return name or t("streets.no_city", lang)


def _when(summary: streets.StreetSummary) -> str:
    if summary.imported_at is None:
        return ""
    return summary.imported_at.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")


st.subheader(t("streets.loaded_heading", lang), anchor=False)
if not networks:
    st.info(t("streets.none_loaded", lang))
else:
    st.dataframe(pd.DataFrame([{
        t("streets.col_city", lang): _city(n.city),
        t("streets.col_file", lang): n.source_name,
        t("streets.col_edges", lang): n.edge_count,
        t("streets.col_junctions", lang): n.vertex_count,
        t("streets.col_km", lang): n.length_km,
        t("streets.col_parts", lang): n.component_count,
        t("streets.col_largest", lang): f"{100 * n.largest_share:.1f}%",
        t("streets.col_when", lang): _when(n),
        t("streets.col_by", lang): n.imported_by or "",
        t("streets.col_attribution", lang): n.attribution,
    } for n in networks]), hide_index=True, width="stretch", key=PREFIX + "table")

st.subheader(t("streets.load_heading", lang), anchor=False)
cities = cached_reads.cities(page.url)
chosen = state.city()
city: str | None = None
if cities:
    city = st.selectbox(
        t("streets.city", lang), cities, index=cities.index(chosen) if chosen in cities else 0,
        key=PREFIX + "city", help=t("streets.city_help", lang),
    )
else:
    st.caption(t("streets.no_cities", lang))
uploaded = file_upload(t("streets.upload", lang), lang, types=TYPES, key=PREFIX + "file",
                       help=t("streets.upload_help", lang))
with st.expander(t("streets.options", lang)):
    crs = st.text_input(t("streets.crs", lang), help=t("streets.crs_help", lang),
                        key=PREFIX + "crs")
    layer = st.text_input(t("streets.layer", lang), help=t("streets.layer_help", lang),
                          key=PREFIX + "layer")


def _read(content: bytes, name: str) -> Network:
    """The uploaded file read from a private folder under its own name (its suffix says how)."""
    with tempfile.TemporaryDirectory(prefix="calmap-streets-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(content)
        return read_streets(path, crs.strip() or None, layer.strip() or None)


if uploaded is not None and st.button(
    t("streets.import", lang), type="primary", key=PREFIX + "import"
):
    file_name = uploaded.name
    target = city or ""
    with st.spinner(t("streets.importing", lang, name=file_name)):
        try:
            network = _read(uploaded.getvalue(), file_name)
        except UserError as exc:
            st.error(message(exc, lang))
            st.stop()
        # The file's CRS goes with its name: the network itself is kept in WGS 84.
        source = f"{file_name} ({network.source_crs})"
        saved = page.run(lambda s: streets.save_network(s, actor, network, source, target))
    if saved.error is not None:
        page.show_error(saved.error)
        st.stop()
    done = saved.value
    page.flash("streets.saved", city=_city(done.city), edges=done.edge_count,
               junctions=done.vertex_count, km=done.length_km, parts=done.component_count,
               dropped=sum(network.dropped.values()))
    st.rerun()

if networks:
    st.subheader(t("streets.remove_heading", lang), anchor=False)
    by_city = {n.city: n for n in networks}
    gone = st.selectbox(t("streets.remove_city", lang), list(by_city), format_func=_city,
                        key=PREFIX + "remove_city")
    sure = st.checkbox(t("streets.remove_sure", lang), key=PREFIX + "remove_sure")
    if st.button(t("streets.remove", lang), disabled=not sure, key=PREFIX + "remove"):
        page.act(lambda s: streets.remove_network(s, actor, gone or ""), "streets.removed",
                 city=_city(gone or ""))
st.caption(md_t("streets.attribution_note", lang))
