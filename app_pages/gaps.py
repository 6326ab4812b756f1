"""Coverage gaps: which need categories no resource or partner addresses within walking reach.

For the city, team or area chosen in the sidebar: a choropleth of the need
categories left uncovered in each area, the gaps ranked (not covered first,
then no rule yet; more unmet needs, then more residents), and for one area
(clicked on the map or chosen in the list) what is missing there and what is
closest. The resources of the scope the user may see are on the map; a click
on one (or choosing it in the list under the map, for the keyboard) draws its
5, 10 and 15-minute walking areas (``services.walking_areas``). The coverage service reads
through the user's session, so a viewer never sees team-only needs or
resources, and small counts stay withheld.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapping import catalog
from mapping.i18n import t
from mapping.maps import gaps as gaps_map
from mapping.maps import walk_resources
from mapping.services import coverage, layers, population, walking_areas
from mapping.services.coverage import Cell
from mapping.ui import cached_reads, need_plan, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t

PREFIX = state.GAPS

page = open_page("gaps")
lang = page.lang
actor = page.require_actor()

st.title(t("gaps.page_heading", lang), anchor=False)
st.caption(t("gaps.page_intro", lang))


def read(session: Any) -> tuple[
    Any, coverage.Coverage | None, dict[str, str], list[walking_areas.Choice]
]:
    """The areas in the sidebar's scope, their coverage, the categories' labels, the resources."""
    frame = layers.areas(session, state.city(), state.team_id())
    chosen = state.area_id()
    if chosen is not None:
        # The chosen area and the estates inside it.
        frame = frame[(frame["id"] == chosen) | (frame["parent_id"] == chosen)]
    # Coverage is per district or estate: a city's outline is no area of its own.
    frame = frame[frame["kind"] != "city"]
    ids = [int(i) for i in frame["id"]]
    entries = catalog.by_code(session, "need_category")
    labels = {code: e.label(lang) for code, e in entries.items()}
    if not ids:
        return frame, None, labels, []
    return (frame, coverage.compute(session, actor, area_ids=ids), labels,
            walking_areas.choices(session, actor, ids))


outcome = page.run(read)
if outcome.error is not None:
    page.show_error(outcome.error)
    st.stop()
area_frame, found, labels, resources = outcome.value
if found is None:
    st.info(t("gaps.no_areas", lang))
    st.stop()
assert found is not None  # noqa: S101 - st.stop() above
straight = found.distance_kind == coverage.STRAIGHT_LINE
area_names = {int(r["id"]): str(r["name"]) for r in area_frame.to_dict("records")}
cells_by_area: dict[int, list[Cell]] = {}
for c in found.cells:
    cells_by_area.setdefault(c.area_id, []).append(c)
options = [a for a in area_names if a in cells_by_area]
picked_key = PREFIX + "area"


def _distance(c: Cell) -> str:
    if c.nearest is None:
        return t("gaps.nothing_near", lang)
    return need_plan.distance_label(c.nearest.metres, c.nearest.distance_kind, lang)


def _count(value: int | None) -> str:
    return t("gaps.withheld", lang) if value is None else str(value)


def _residents(c: Cell) -> str:
    """Residents within reach, and whether counted from the population layer or estimated."""
    if c.residents_kind is None or c.status == "no_rule":
        return ""
    count = _count(c.residents_within)
    layered = c.residents_kind == population.FROM_LAYER
    return t("gaps.residents_layer" if layered else "gaps.residents_even", lang, count=count)


def _rows(cells: list[Cell]) -> pd.DataFrame:
    return pd.DataFrame([{
        t("gaps.col_area", lang): c.area_name,
        t("gaps.col_category", lang): labels.get(c.need_category, c.need_category),
        t("gaps.col_status", lang): t(f"gaps.status_{c.status}", lang),
        t("gaps.col_unmet", lang): _count(c.unmet),
        t("gaps.col_population", lang): "" if c.population is None else str(c.population),
        t("gaps.col_residents", lang): _residents(c),
        t("gaps.col_nearest", lang): c.nearest.name if c.nearest else "",
        t("gaps.col_distance", lang): _distance(c),
        t("gaps.col_limit", lang): f"{c.limit_m} m",
    } for c in cells])


walk_key = PREFIX + "walk"


def _walking_picker() -> None:
    """The resource picker under the map: show or hide one resource's walking areas."""
    names = {c.id: c.name for c in resources}
    if not names:
        st.caption(t("gaps.walk_none", lang))
        return
    st.caption(t("gaps.walk_map_hint" if markers else "gaps.walk_area_first", lang))
    pick, ask = st.columns([4, 1], vertical_alignment="bottom")
    chosen = pick.selectbox(
        t("gaps.walk_pick", lang), list(names), format_func=lambda i: names[i], index=None,
        key=PREFIX + "walk_pick", placeholder=t("gaps.walk_hint", lang),
    )
    shown = state.get(walk_key)
    if shown is not None and (shown not in names or chosen is None):
        # Clearing the picker (or a resource gone from the scope) takes the areas away.
        state.put(walk_key, None)
        st.rerun()
    if shown is not None and shown == chosen:
        if ask.button(t("gaps.walk_hide", lang), key=PREFIX + "walk_hide",
                      icon=":material/visibility_off:", width="stretch"):
            state.put(walk_key, None)
            st.rerun()
    elif ask.button(t("gaps.walk_show", lang), key=PREFIX + "walk_show", type="primary",
                    icon=":material/directions_walk:", disabled=chosen is None,
                    width="stretch"):
        state.put(walk_key, chosen)
        # Again at once, so the map draws them and the button offers to hide them.
        st.rerun()


def _walking_shown() -> walking_areas.WalkingAreas | None:
    """The walking areas asked for with the picker (or None)."""
    shown = state.get(walk_key)
    if shown is None or shown not in {c.id for c in resources}:
        return None
    resource_id: int = shown
    asked = page.run(lambda session: walking_areas.walking_areas(session, actor, resource_id))
    if asked.error is not None:
        page.show_error(asked.error)
        return None
    return asked.value




def _markers() -> list[walking_areas.Choice]:
    """The resources drawn on the map: all of a small scope, else those of the picked area.

    A city's many markers would cover its areas and take the click meant for
    an area; once an area is picked (or the sidebar narrows the scope) its
    resources are drawn, clustered when they are many.
    """
    if len(resources) < walk_resources.CLUSTER_MIN or state.area_id() is not None:
        return resources
    picked = state.get(picked_key)
    return [c for c in resources if picked is not None and c.area_id == picked]


walking = _walking_shown()
markers = _markers()
folium_map = gaps_map.gaps_map(
    area_frame, found.cells, lang, selected_area_id=state.get(picked_key), labels=labels,
    attribution=None if straight else found.attribution, straight_line=straight,
    tiles_url=page.cfg.tiles_url, tiles_attribution=page.cfg.tiles_attribution,
    leaflet=cached_reads.leaflet_links(), walking=walking, resources=markers,
)
reply = st_folium(folium_map, key=PREFIX + "map", height=520, use_container_width=True,
                  returned_objects=["last_active_drawing"])
clicked_properties = ((reply or {}).get("last_active_drawing") or {}).get("properties") or {}
walk_clicked = clicked_properties.get("resource_id")
# A new click on a resource's marker: its walking areas, and the picker below
# set to it (before the picker is drawn in this run, so it may still be set).
if (walk_clicked in {c.id for c in resources}
        and walk_clicked != state.get(PREFIX + "walk_clicked")):
    state.put(PREFIX + "walk_clicked", walk_clicked)
    if walk_clicked != state.get(walk_key):
        state.put(PREFIX + "walk_pick", walk_clicked)
        state.put(walk_key, walk_clicked)
        st.rerun()
# Under the map, not above it: a widget above the map kept the map's click from
# reaching the page (tests/test_browser_gaps.py).
_walking_picker()
clicked = clicked_properties.get("area_id")
# The map repeats its last click on every run: only a new click picks the area, so
# an area chosen in the list afterwards stays chosen.
if clicked in options and clicked != state.get(PREFIX + "clicked"):
    state.put(PREFIX + "clicked", clicked)
    if clicked != state.get(picked_key):
        # Drawn again at once, so the clicked area stands out on the map too.
        state.put(picked_key, clicked)
        st.rerun()
caption = t("gaps.legend_straight" if straight else "gaps.legend_street", lang)
if not straight and found.attribution:
    caption += f" · {found.attribution}"
st.caption(caption)
if walking is not None and walking.distance_kind == coverage.STRAIGHT_LINE:
    st.caption(t("gaps.walk_straight_note", lang))
STRAIGHT_NAMES_SHOWN = 5
if found.straight_sources:
    names = sorted({name for _, _, name in found.straight_sources})
    if len(names) <= STRAIGHT_NAMES_SHOWN:
        st.caption(md_t("gaps.straight_sources", lang, names=", ".join(names)))
    else:
        # A long list of names would push the ranking off the screen: a count, and
        # the names for whoever opens it.
        with st.expander(t("gaps.straight_sources_many", lang, count=len(names))):
            st.caption(md_t("gaps.straight_sources", lang, names=", ".join(names)))
if any(c.residents_kind for c in found.cells):
    st.caption(t("gaps.residents_note", lang))

st.subheader(t("gaps.ranking_heading", lang), anchor=False)
st.caption(t("gaps.ranking_rule", lang))
ranked = coverage.ranked(found)
every_gap = st.toggle(t("gaps.show_empty", lang), key=PREFIX + "every_gap")
# By default only gaps where someone's need is unmet (or the count is withheld):
# a category nobody in the area has named is a gap on paper only.
listed = ranked if every_gap else [c for c in ranked if c.unmet is None or c.unmet > 0]
if not listed:
    # With the switch off, an empty list says nothing about categories nobody named.
    st.success(t("gaps.none" if every_gap else "gaps.none_reported", lang))
else:
    st.dataframe(_rows(listed), hide_index=True, width="stretch", key=PREFIX + "ranking")

area = st.selectbox(
    t("gaps.area_pick", lang), options, format_func=lambda a: area_names[a], index=None,
    key=picked_key, placeholder=t("gaps.area_hint", lang),
)
if area is not None:
    st.subheader(md_t("gaps.area_heading", lang, area=area_names[area]), anchor=False)
    missing = [c for c in ranked if c.area_id == area]
    if not missing:
        st.success(t("gaps.area_complete", lang))
    # Every category of the area, the gaps first: what is missing and what is closest.
    rest = [c for c in cells_by_area[area] if c not in missing]
    st.dataframe(_rows(missing + rest), hide_index=True, width="stretch",
                 key=PREFIX + "area_rows")
    unmet = {i: c for c in missing for i in c.unmet_ids}
    if unmet and actor.can_edit:
        need = st.selectbox(
            t("gaps.plan_pick", lang), list(unmet), index=None, key=PREFIX + "need",
            format_func=lambda i: t("gaps.need_label", lang, id=i, category=labels.get(
                unmet[i].need_category, unmet[i].need_category)),
            placeholder=t("gaps.plan_hint", lang),
        )
        if need is not None:
            teams_of = {int(r["id"]): r["team_id"] for r in area_frame.to_dict("records")}
            may_edit = actor.may_edit_team(teams_of.get(area))
            need_plan.panel(page.url, actor, need, lang, may_edit, {}, {})
    st.page_link("app_pages/actions.py", label=t("gaps.plan_page", lang),
                 icon=":material/checklist:")
