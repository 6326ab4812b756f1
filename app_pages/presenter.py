"""Partnership meeting: the map full screen for a projector, stepped through with a clicker.

Without ``?present=1`` the page offers the choices (a partnership for focus
mode) and a button; with it the sidebar, header and margins go and the map
fills the window. A switch on the map shows the gap view (unmet needs per
area; ``?gaps=1`` shows it from the start). Nothing here edits, and only what
every viewer may see is shown (``services.presentation``,
``services.meeting_gaps``).
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from mapping.errors import NotFound
from mapping.i18n import t
from mapping.maps import presenter
from mapping.services.share_links import Scope
from mapping.ui import cached_reads, share_panel, shared_link, sidebar, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t

# The address flag that turns any map page into the presenter's view.
PRESENT = "present"
PARTNERSHIP = "partnership"
# The address flag that shows the gap view from the start.
GAPS = "gaps"

# The exit button floats over the map, beside the scale bar.
EXIT_CSS = """
<style>
.st-key-calmap-presenter-exit { position: fixed; left: 96px; bottom: 6px; z-index: 1000;
    width: auto !important; opacity: .55; }
.st-key-calmap-presenter-exit:hover { opacity: 1; }
</style>
"""

page = open_page("presenter")
lang, cfg, url = page.lang, page.cfg, page.url
city, team_id, area_id = state.city(), state.team_id(), state.area_id()

choices = cached_reads.partnership_choices(url, city, team_id)
names = {choice.id: choice.name for choice in choices}
wanted = str(st.query_params.get(PARTNERSHIP, ""))
partnership_id = int(wanted) if wanted.isdigit() and int(wanted) in names else None

if st.query_params.get(PRESENT) != "1":
    st.title(md_t("presenter.heading", lang, place=sidebar.current_place(url, lang)))
    st.caption(t("presenter.intro", lang))
    options = [0, *names]
    chosen = st.selectbox(
        t("presenter.partnership", lang),
        options,
        index=options.index(partnership_id or 0),
        format_func=lambda i: names.get(i) or t("presenter.no_partnership", lang),
    )
    gaps_first = st.toggle(t("presenter.gaps_start", lang),
                           value=st.query_params.get(GAPS) == "1")
    if st.button(t("presenter.start", lang), type="primary", icon=":material/slideshow:"):
        if gaps_first:
            st.query_params[GAPS] = "1"
        elif GAPS in st.query_params:
            del st.query_params[GAPS]
        if chosen:
            st.query_params[PARTNERSHIP] = str(chosen)
        elif PARTNERSHIP in st.query_params:
            del st.query_params[PARTNERSHIP]
        st.query_params[PRESENT] = "1"
        st.rerun()
    st.caption(t("presenter.link", lang))
    show = cached_reads.presentation_of(url, city, team_id, chosen or None, area_id)
    actor = page.actor
    if actor is not None and city:
        if chosen:
            scope, place = Scope("partnership", chosen), names[chosen]
        elif area_id is not None:
            scope, place = Scope("area", area_id), sidebar.current_place(url, lang)
        elif team_id is not None:
            scope, place = Scope("team", team_id), sidebar.current_place(url, lang)
        else:
            scope, place = Scope("city", city=city), city
        share_panel.panel(page, actor, scope, place)
    st.subheader(t("presenter.steps", lang))
    st.dataframe(
        [{"#": i + 1, t("presenter.view", lang): presenter.step_label(step, lang)}
         for i, step in enumerate(show.steps)],
        hide_index=True,
    )
    st.stop()

shared_link.full_screen()
st.html(EXIT_CSS)
try:
    show = cached_reads.presentation_of(url, city, team_id, partnership_id, area_id)
except NotFound as exc:
    st.error(t(exc.key, lang))
    st.stop()
folium_map = presenter.presenter_map(
    show,
    lang,
    tiles_url=cfg.tiles_url,
    tiles_attribution=cfg.tiles_attribution,
    leaflet=cached_reads.leaflet_links(),
    store=cached_reads.pin_store_here(),
    gaps=cached_reads.meeting_gaps(url, tuple(int(i) for i in show.areas["id"]), lang, False),
    gaps_on=st.query_params.get(GAPS) == "1",
)
# No returned objects: stepping, panning and zooming never rerun the app.
st_folium(folium_map, key="presenter_map", height=700, use_container_width=True,
          returned_objects=[])
with st.container(key="calmap-presenter-exit"):
    if st.button(t("presenter.exit", lang), icon=":material/close_fullscreen:"):
        del st.query_params[PRESENT]
        st.rerun()
