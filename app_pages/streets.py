"""The walking street network per city: what is loaded, load a file, remove one. Admins only.

Widgets in → ``mapping.io.street_files.read_streets`` (the file read, filtered
and noded) → ``mapping.services.streets`` (saved, replacing the city's network,
in one transaction) → render out: the same reader and service ``calmap import
streets`` uses. Without a network every distance is a straight line, and this
page says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mapping.i18n import t
from mapping.io.street_files import Network, read_streets
from mapping.services import streets
from mapping.ui import state
from mapping.ui.city_layers import local_time, open_city_layers
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

# ".osm.pbf" ends in "pbf"; GeoJSON also comes as ".json"; a Shapefile comes zipped.
TYPES = ["pbf", "osm", "geojson", "json", "gpkg", "zip"]

admin = open_city_layers("streets", state.STREETS,
                         ("streets.heading", "streets.admins_only", "streets.intro"),
                         streets.layers)
page, actor, lang, PREFIX = admin.page, admin.actor, admin.lang, admin.prefix
networks: list[streets.StreetSummary] = admin.layers

st.subheader(t("streets.loaded_heading", lang), anchor=False)
if not networks:
    st.info(t("streets.none_loaded", lang))
else:
    st.dataframe(pd.DataFrame([{
        t("streets.col_city", lang): admin.city(n.city),
        t("streets.col_file", lang): n.source_name,
        t("streets.col_edges", lang): n.edge_count,
        t("streets.col_junctions", lang): n.vertex_count,
        t("streets.col_km", lang): n.length_km,
        t("streets.col_parts", lang): n.component_count,
        t("streets.col_largest", lang): f"{100 * n.largest_share:.1f}%",
        t("streets.col_when", lang): local_time(n.imported_at),
        t("streets.col_by", lang): n.imported_by or "",
        t("streets.col_attribution", lang): n.attribution,
    } for n in networks]), hide_index=True, width="stretch", key=PREFIX + "table")

st.subheader(t("streets.load_heading", lang), anchor=False)
city = admin.choose_city("streets.city", "streets.city_help", "streets.no_cities")
uploaded = file_upload(t("streets.upload", lang), lang, types=TYPES, key=PREFIX + "file",
                       help=t("streets.upload_help", lang))
with st.expander(t("streets.options", lang)):
    crs = st.text_input(t("streets.crs", lang), help=t("streets.crs_help", lang),
                        key=PREFIX + "crs")
    layer = st.text_input(t("streets.layer", lang), help=t("streets.layer_help", lang),
                          key=PREFIX + "layer")


def _read(path: Path) -> Network:
    return read_streets(path, crs.strip() or None, layer.strip() or None)


if uploaded is not None and st.button(
    t("streets.import", lang), type="primary", key=PREFIX + "import"
):
    file_name = uploaded.name
    # The file's CRS goes with its name: the network itself is kept in WGS 84.
    network, done = admin.load(
        uploaded.getvalue(), file_name, "streets.importing", _read,
        lambda s, read: streets.save_network(s, actor, read, f"{file_name} ({read.source_crs})",
                                             city or ""),
    )
    page.flash("streets.saved", city=admin.city(done.city), edges=done.edge_count,
               junctions=done.vertex_count, km=done.length_km, parts=done.component_count,
               dropped=sum(network.dropped.values()))
    st.rerun()

admin.remove_section(
    [n.city for n in networks],
    ("streets.remove_heading", "streets.remove_city", "streets.remove_sure",
     "streets.remove", "streets.removed"),
    lambda s, gone: streets.remove_network(s, actor, gone),
)
st.caption(md_t("streets.attribution_note", lang))
