"""Named accessors over ``st.session_state``: ids and filters only, never data or maps.

The sidebar widgets use these keys directly, so a widget and its accessor
always agree. Changing the city clears the team and area; changing the team
clears the area, so a selection never points at an area outside the choice.
"""

from __future__ import annotations

import streamlit as st

from mapping.config import LANGUAGES

LANGUAGE = "calmap.language"
CITY = "calmap.city"
TEAM_ID = "calmap.team_id"
AREA_ID = "calmap.area_id"
# "All teams" / "all areas" is stored as 0 rather than None: a selectbox whose
# value is None shows an empty placeholder instead of the "all" option.
ALL = 0


def init(default_language: str) -> None:
    """Give the language its starting value once per browser session."""
    st.session_state.setdefault(
        LANGUAGE, default_language if default_language in LANGUAGES else "pl"
    )
    # City, team and area are created by their selectboxes (the accessors below
    # read them with defaults). Creating them here, in a run that stops before
    # the sidebar (the sign-in page), made Streamlit 1.67 drop the city on the
    # first page switch after signing in: the selectbox showed "Choose an
    # option" and the next choice of an area was reset.


def language() -> str:
    """The interface language chosen by this user: pl or en."""
    value = st.session_state.get(LANGUAGE, "pl")
    return value if value in LANGUAGES else "pl"


def city() -> str | None:
    """The chosen city, or None before one is chosen."""
    return st.session_state.get(CITY)


def team_id() -> int | None:
    """The chosen team, or None for all teams of the city."""
    return st.session_state.get(TEAM_ID) or None


def area_id() -> int | None:
    """The chosen area, or None for all areas of the city/team."""
    return st.session_state.get(AREA_ID) or None


def set_language(value: str) -> None:
    """Switch the interface language."""
    if value not in LANGUAGES:
        raise ValueError(f"language: expected one of {LANGUAGES}, got {value!r}")
    st.session_state[LANGUAGE] = value


def set_city(value: str | None) -> None:
    """Choose a city; the team and area choices belong to the old city, so they go."""
    st.session_state[CITY] = value
    st.session_state[TEAM_ID] = ALL
    st.session_state[AREA_ID] = ALL


def set_team_id(value: int | None) -> None:
    """Choose a team; the area choice belongs to the old team, so it goes."""
    st.session_state[TEAM_ID] = value or ALL
    st.session_state[AREA_ID] = ALL


def set_area_id(value: int | None) -> None:
    """Choose an area."""
    st.session_state[AREA_ID] = value or ALL


def forget_team_and_area() -> None:
    """Widget callback after the city changed (the widget already stored the city)."""
    st.session_state[TEAM_ID] = ALL
    st.session_state[AREA_ID] = ALL


def forget_area() -> None:
    """Widget callback after the team changed (the widget already stored the team)."""
    st.session_state[AREA_ID] = ALL
