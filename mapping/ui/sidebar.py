"""The shared sidebar widgets: language switch and the city → team → area selectors.

Rendered once by ``streamlit_app.py`` before the page runs, so every page
sees the same choice through ``mapping.ui.state``.
"""

from __future__ import annotations

import streamlit as st

from mapping.config import LANGUAGES
from mapping.i18n import t
from mapping.ui import cached_reads, state

# Em spaces are not collapsed by the browser, so the area tree shows as indents.
INDENT = "\u2003"


def language_switch() -> str:
    """The PL/EN switch; return the language now in force."""
    lang = state.language()
    st.sidebar.radio(
        t("sidebar.language", lang),
        options=list(LANGUAGES),
        key=state.LANGUAGE,
        # Each language is named in itself, so anyone can find their own.
        format_func=lambda code: t(f"language.{code}", code),
        horizontal=True,
    )
    return state.language()


def _open_link(url: str, cities: list[str]) -> None:
    """On a session's first run, take the choice the address names.

    The address may name ``?city=``, ``?team=ID`` and ``?area=ID``. The June
    posters print such links as QR codes, and the app keeps the current
    choice in the address (``_remember_in_address``), so a reload or a new tab
    opens the same map. Later runs ignore the address, so a choice in the sidebar
    is never overridden; an id that does not exist (or that this user may not
    see) is ignored.
    """
    if state.get(state.LINK_READ):
        return
    state.put(state.LINK_READ, True)
    params = st.query_params
    wanted_city = str(params.get("city", ""))
    wanted_team = str(params.get("team", ""))
    wanted_area = str(params.get("area", ""))
    if wanted_city in cities:
        state.set_city(wanted_city)
    for city in cities:
        if wanted_area.isdigit() and any(
            c.id == int(wanted_area) for c in cached_reads.area_choices(url, city, None)
        ):
            state.set_city(city)
            teams = {team.id for team in cached_reads.teams(url, city)}
            if wanted_team.isdigit() and int(wanted_team) in teams:
                state.set_team_id(int(wanted_team))
            state.set_area_id(int(wanted_area))
            return
        teams = {team.id for team in cached_reads.teams(url, city)}
        if wanted_team.isdigit() and int(wanted_team) in teams:
            state.set_city(city)
            state.set_team_id(int(wanted_team))
            return


def _remember_in_address() -> None:
    """Write the current city, team and area into the address (only ids and the city name)."""
    wanted = {"city": state.city(), "team": state.team_id(), "area": state.area_id()}
    for key, value in wanted.items():
        if value is None or value == state.ALL:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def selectors(url: str, lang: str) -> None:
    """City, team and area selectboxes, each offering only what the one above allows."""
    cities = cached_reads.cities(url)
    if not cities:
        st.sidebar.info(t("sidebar.no_cities", lang))
        return
    _open_link(url, cities)
    # Keep the stored choice only while it is still on offer (data may change).
    if state.city() not in cities:
        state.set_city(cities[0])
    st.sidebar.selectbox(
        t("sidebar.city", lang), cities, key=state.CITY, on_change=state.forget_team_and_area
    )

    teams = cached_reads.teams(url, state.city())
    team_names = {team.id: team.name for team in teams}
    team_options = [state.ALL, *team_names]
    if (state.team_id() or state.ALL) not in team_options:
        state.set_team_id(None)
    st.sidebar.selectbox(
        t("sidebar.team", lang),
        team_options,
        key=state.TEAM_ID,
        format_func=lambda i: team_names.get(i) or t("sidebar.all_teams", lang),
        on_change=state.forget_area,
    )

    choices = cached_reads.area_choices(url, state.city(), state.team_id())
    labels = {
        c.id: f"{INDENT * c.depth}{c.name} ({t(f'kind.{c.kind}', lang)})" for c in choices
    }
    area_options = [state.ALL, *labels]
    if (state.area_id() or state.ALL) not in area_options:
        state.set_area_id(None)
    st.sidebar.selectbox(
        t("sidebar.area", lang),
        area_options,
        key=state.AREA_ID,
        format_func=lambda i: labels.get(i) or t("sidebar.all_areas", lang),
    )
    _remember_in_address()


def current_place(url: str, lang: str) -> str:
    """What the current choice is called: the area, else the team, else the city."""
    city = state.city()
    if state.area_id() is not None:
        for choice in cached_reads.area_choices(url, city, state.team_id()):
            if choice.id == state.area_id():
                return choice.name
    if state.team_id() is not None:
        for team in cached_reads.teams(url, city):
            if team.id == state.team_id():
                return team.name
    return city or t("overview.all_places", lang)
