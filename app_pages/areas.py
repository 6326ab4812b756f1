"""Areas: draw or edit the chosen area's boundary, record its streets, build it from streets."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio.errors
import streamlit as st
from streamlit_folium import st_folium

from mapping.errors import UserError
from mapping.i18n import t
from mapping.maps import assets, drawing
from mapping.services import areas
from mapping.ui import cached_reads, sidebar, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

PREFIX = state.AREAS
MAP_HEIGHT = 520

page = open_page("areas")
lang, cfg, url = page.lang, page.cfg, page.url
actor = page.require_editor()

st.title(md_t("areas.heading", lang, place=sidebar.current_place(url, lang)), anchor=False)
chosen_area = state.area_id()
if chosen_area is None:
    st.info(t("areas.choose_area", lang))
    st.stop()
# Declared, not narrowed: the lambdas below would see an ``int | None`` module variable.
area_id: int = chosen_area

found = page.run(lambda s: areas.area_for_editing(s, area_id))
if found.error is not None:
    st.info(t("areas.choose_area", lang))
    st.stop()
area: areas.AreaForEditing = found.value
ref, boundary, streets_text = area.ref, area.boundary, area.streets
may_edit = actor.may_edit_team(area.team_id)
if not may_edit:
    st.warning(t("editor.not_your_area", lang))

page.show_flash()


def save(action, done_key: str, **params: object) -> None:
    """Run one service call as the signed-in user; on success remember a note and redraw."""
    page.act(action, done_key, **params)


draw_tab, streets_tab, build_tab = st.tabs(
    [t("areas.tab_draw", lang), t("areas.tab_streets", lang), t("areas.tab_build", lang)]
)

with draw_tab:
    installed = assets.leaflet_draw_installed(cached_reads.STATIC_DIR)
    # What the draw plugin returns: GeoJSON features, None before any drawing.
    drawings: list[dict[str, Any]] | None = None
    if installed:
        st.caption(t("areas.draw_hint", lang))
        base = st.get_option("server.baseUrlPath") or ""
        folium_map = drawing.area_draw_map(
            boundary,
            language=lang,
            tiles_url=cfg.tiles_url,
            tiles_attribution=cfg.tiles_attribution,
            leaflet=cached_reads.leaflet_links(),
            draw_links=assets.leaflet_draw_links(base),
        )
        # Only drawing reruns the app: panning and zooming must not.
        reply = st_folium(folium_map, key=f"{PREFIX}map.{area_id}.{ref.version}",
                          height=MAP_HEIGHT, use_container_width=True,
                          returned_objects=["all_drawings"])
        drawings = (reply or {}).get("all_drawings")
        if may_edit and st.button(t("areas.save_drawing", lang), disabled=not drawings,
                                  type="primary", key=PREFIX + "save_drawing") and drawings:
            drawn = drawings  # the button is disabled without drawings
            save(lambda s: areas.update_geometry(s, actor, ref, drawn), "areas.saved")
    else:
        st.warning(t("areas.draw_unavailable", lang))
    with st.expander(t("areas.geojson_heading", lang), expanded=not installed):
        upload = file_upload(t("areas.geojson_upload", lang), lang, types=["geojson", "json"],
                             key=PREFIX + "geojson_file")
        typed = st.text_area(t("areas.geojson_text", lang), key=PREFIX + "geojson_text",
                             height=120)
        if may_edit and st.button(t("areas.save_geojson", lang), key=PREFIX + "save_geojson"):
            text = upload.getvalue().decode("utf-8", errors="replace") if upload else typed
            save(lambda s: areas.update_geometry(s, actor, ref, text), "areas.saved")

with streets_tab:
    st.caption(t("areas.streets_hint", lang))
    with st.form(PREFIX + "streets_form"):
        new_text = st.text_area(t("areas.streets", lang), value=streets_text, height=120)
        submitted = st.form_submit_button(t("areas.save_streets", lang), disabled=not may_edit)
    listed = areas.parse_streets(streets_text)
    if listed:
        st.markdown(t("areas.streets_parsed", lang, count=len(listed)))
        # Plain text: street names as typed, never Markdown.
        st.text(", ".join(listed))
    if submitted:
        save(lambda s: areas.set_streets(s, actor, ref, new_text), "areas.streets_saved")

with build_tab:
    st.caption(t("areas.build_hint", lang))
    street_file = file_upload(
        t("areas.street_layer", lang), lang, types=["geojson", "json", "gpkg", "zip"],
        key=PREFIX + "street_file",
    )
    buffer_m = st.slider(t("areas.buffer", lang), 10, 200, int(areas.DEFAULT_BUFFER_M), 5,
                         key=PREFIX + "buffer")
    if street_file is not None and listed:
        with tempfile.TemporaryDirectory(prefix="calmap-streets-") as tmp:
            path = Path(tmp) / Path(street_file.name).name
            path.write_bytes(street_file.getvalue())
            source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
            try:
                layer = gpd.read_file(source)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
                layer = None
                st.error(t("areas.street_layer_unreadable", lang))
        if layer is not None:
            match: areas.StreetMatch | None
            try:
                match = areas.build_from_streets(listed, layer, buffer_m=buffer_m)
            except UserError as exc:
                page.show_error(exc)
                match = None
            if match is not None:
                for wanted, names in match.found.items():
                    st.text(f"✔ {wanted}: {', '.join(names)}")
                if match.missing:
                    st.warning(
                        md_t("areas.streets_missing", lang, streets=", ".join(match.missing))
                    )
                if match.geometry is not None:
                    # The proposed boundary in red over the current one in grey.
                    preview = drawing.area_draw_map(
                        match.geometry, context=boundary, language=lang,
                        tiles_url=cfg.tiles_url, tiles_attribution=cfg.tiles_attribution,
                        leaflet=cached_reads.leaflet_links(), editable=False,
                    )
                    st_folium(preview, key=PREFIX + "preview", height=360,
                              use_container_width=True, returned_objects=[])
                    built = match.geometry
                    if may_edit and st.button(t("areas.save_built", lang), type="primary",
                                              key=PREFIX + "save_built"):
                        save(lambda s: areas.update_geometry(s, actor, ref, built),
                             "areas.saved")
    elif street_file is not None:
        st.info(t("areas.no_streets_yet", lang))
