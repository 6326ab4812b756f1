"""Overview: the map of the chosen city, team or area with its legend and counts."""

from __future__ import annotations

import streamlit as st

from mapping.i18n import t
from mapping.maps.field import for_the_field
from mapping.maps.legend import layer_counts
from mapping.maps.overview import overview_map
from mapping.ui import cached_reads, live_map, sidebar, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t

# Public reads, cached for every viewer: nobody's own rights are needed.
page = open_page("overview", signed_in=False)
lang, cfg, url = page.lang, page.cfg, page.url

st.title(md_t("overview.heading", lang, place=sidebar.current_place(url, lang)))
view, read_key = cached_reads.overview.read(url, state.city(), state.team_id(), state.area_id())
if view.areas.empty:
    st.info(t("overview.no_areas", lang))
if cfg.tiles_url is None:
    st.caption(t("overview.tiles_disabled", lang))

leaflet = cached_reads.leaflet_links()
store = cached_reads.pin_store_here()
# Mounted once: another area, filter or language swaps the content in place.
# No returned objects: panning and zooming must not rerun the app.
live_map.show(
    # Touch-sized controls and a folded legend on tablets and phones.
    lambda: for_the_field(
        overview_map(
            view.areas,
            view.pins,
            view.catalogue,
            lang,
            selected_area_id=view.selected_area_id,
            tiles_url=cfg.tiles_url,
            tiles_attribution=cfg.tiles_attribution,
            leaflet=leaflet,
            store=store,
        ),
        lang,
        leaflet=leaflet,
    ),
    # Built once per read and language: a rerun, or another viewer of the
    # same area while the read lasts, builds nothing.
    cache_key=("overview", read_key, lang, cfg.tiles_url, cfg.tiles_attribution, leaflet,
               store.url_prefix),
    key="overview_map", height=620, leaflet=leaflet,
)

st.subheader(t("overview.counts", lang))
st.dataframe(
    [
        {
            t("table.layer", lang): t(f"layer.{count.layer}", lang),
            t("table.total", lang): count.total,
            t("table.pinned", lang): count.pinned,
            t("table.area_wide", lang): count.area_wide,
        }
        for count in layer_counts(view.pins)
    ],
    hide_index=True,
)
st.caption(t("overview.visibility_note", lang))
