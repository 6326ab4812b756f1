"""Every key of ``st.session_state``, named once, and the only code that reads or writes it.

Session state holds ids, filters, small values and one-time notes, never data
frames or maps. The keys are named here, grouped by who uses them (the
sidebar, signing in, the editor, the other pages); other modules go through
the accessors below (``get``, ``put``, ``pop``…) or, for a widget, pass the
named key as its ``key=``.

The sidebar widgets use their keys directly, so a widget and its accessor
always agree. Changing the city clears the team and area; changing the team
clears the area, so a selection never points at an area outside the choice.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mapping.config import LANGUAGES

# --- the sidebar (mapping.ui.sidebar) ---------------------------------------------------
LANGUAGE = "calmap.language"
CITY = "calmap.city"
TEAM_ID = "calmap.team_id"
AREA_ID = "calmap.area_id"
# "All teams" / "all areas" is stored as 0 rather than None: a selectbox whose
# value is None shows an empty placeholder instead of the "all" option.
ALL = 0
LINK_READ = "calmap.link_read"  # the address's ?city=/?team=/?area= was read once

# --- signing in (mapping.ui.auth) -------------------------------------------------------
SESSION_TOKEN = "calmap.session_token"  # noqa: S105 - a session-state key, not a secret
TIMED_OUT = "calmap.timed_out"
COOKIE_PENDING = "calmap.cookie_pending"
LOGIN_USERNAME = "calmap.login.username"
LOGIN_PASSWORD = "calmap.login.password"  # noqa: S105 - a widget key, not a secret
LOGOUT = "calmap.logout"

# --- one-time notes of a page (mapping.ui.page) ---------------------------------------------
FLASH = "calmap.flash."  # + the page's name
# What live maps sent to this browser tab lately (the page keeps it: mapping.ui.live_map)
LIVE_HELD = "calmap.live_held"  # digests of contents sent whole
LIVE_PARTS = "calmap.live_parts"  # pin layers' inline parts sent with their data lately

# --- the map editor (mapping.ui.editor_*) ------------------------------------------------
EDITOR = "calmap.editor."
EDITOR_AREA = EDITOR + "area"  # the area the rest of this state belongs to
EDITOR_LAYER = EDITOR + "layer"  # the layer chosen for adding and for the table
EDITOR_TAB = EDITOR + "tab"
EDITOR_POINT = EDITOR + "point"  # the LonLat the user marked, or None
EDITOR_COORDS = EDITOR + "coords"  # the coordinates text box
EDITOR_COORDS_ERROR = EDITOR + "coords_error"
EDITOR_LOCATING = EDITOR + "locating"  # a number while waiting for the browser's position
EDITOR_LOCATION_FAILED = EDITOR + "location_failed"  # why the browser gave no position
EDITOR_ACCURACY = EDITOR + "accuracy"  # metres of the GPS fix that marked the point, or None
EDITOR_CHECK_POINT = EDITOR + "check_point"  # a tapped or located point awaits the area check
EDITOR_CENTER = EDITOR + "center"  # LonLat the map must bring into view (a GPS fix)
EDITOR_SYNC_COORDS = EDITOR + "sync_coords"  # the box must show the marked point next draw
EDITOR_SHOW_ENTRY = EDITOR + "show_entry"  # switch to the entry tab on the next draw
EDITOR_SHOW_LAYER = EDITOR + "show_layer"  # switch the layer choice on the next draw
EDITOR_OPEN = EDITOR + "open"  # PinRef of the open pin, with the version it was loaded at
EDITOR_SEED = EDITOR + "seed"  # the open pin's values as loaded
EDITOR_GENERATION = EDITOR + "generation"  # bumped on every load: fresh edit-form widgets
EDITOR_TOKEN = EDITOR + "token"  # noqa: S105 - one-time token of the new-pin form
EDITOR_FLASH = EDITOR + "flash"  # the outcome of the last action, shown once
EDITOR_MAP = EDITOR + "map"  # + nonce: the st_folium key, under which it stores its report
EDITOR_MAP_NONCE = EDITOR + "map_nonce"
EDITOR_SEEN_CLICK = EDITOR + "seen_click"
EDITOR_SEEN_OBJECT = EDITOR + "seen_object"
EDITOR_TABLE = EDITOR + "table."  # + layer: the table widget (its selection)
EDITOR_TABLE_ROWS = EDITOR + "table_rows."  # + layer: [(id, version)] in the order shown
EDITOR_BULK_STATUS = EDITOR + "bulk_status"
EDITOR_FIELD_SYNC = EDITOR + "field_sync"  # the drafts-and-outbox component
EDITOR_FIELD_HELD = EDITOR + "field_held"  # digests of its fixed data the browser holds
EDITOR_RESTORED = EDITOR + "restored"  # {"form": form key, "values": a draft brought back}
EDITOR_DRAFTS_SAVED = EDITOR + "drafts_saved"  # [{"draft", "seq"}]: drafts the browser drops
EDITOR_OUTBOX_RESULTS = EDITOR + "outbox_results"  # outbox entry id → what its sending did
EDITOR_CONFIRM = EDITOR + "confirm"  # {"text", "seq"}: a save's confirmation for the toast

# --- the other pages: widget-key prefixes and the values they keep -----------------------
AREAS = "calmap.areas."
BULK = "calmap.bulk."
BULK_SAVED = BULK + "saved"  # upload token → entries it added
EXPORT = "calmap.export."
IMPORT_AREAS = "calmap.import_areas."
IMPORT_AREAS_SAVED = IMPORT_AREAS + "saved"  # upload token → areas it added
JUNE = "calmap.june."
JUNE_RESULT = JUNE + "result"  # the last pack made: its zip, name, preview and notes
SNAPSHOTS = "calmap.snapshots."
SURVEY = "calmap.survey."
SURVEY_OVERRIDES = SURVEY + "overrides"  # question → the column the user chose for it
SURVEY_IMPORTED = SURVEY + "imported"  # upload token → answers it added
PRESENTER = "calmap.presenter."
SHARE = "calmap.share."
SHARE_SESSION = SHARE + "session"  # (digest of the link's token, the share session's token)
SHARE_PIN = SHARE + "pin"  # the PIN form's field
SHARE_NEW_LINK = SHARE + "new_link"  # a new link's address, shown once
TEAMS = "calmap.teams."
TEAMS_CHOSEN = TEAMS + "partnership"
# The action plan page, and the need's links and actions in the editor.
PLAN = "calmap.plan."
GAPS = "calmap.gaps."  # the coverage-gaps page
STREETS = "calmap.streets."  # the street network admin page
POPULATION = "calmap.population."  # the population layer admin page
PLAN_SEEN = PLAN + "seen"  # action id → the version the edit form was opened at
# (need id, editor generation) → the NeedLinks the need's link form was opened with
PLAN_LINKS_SEEN = PLAN + "links_seen"
PLAN_FORM = PLAN + "form"  # bumped after each added action: a fresh, empty form
PLAN_NOTE = PLAN + "note"  # the title of the action just added, shown once
PLAN_LINKS_SAVED = PLAN + "links_saved"  # the need whose links were just saved


# --- plain access ---------------------------------------------------------------------------


def get(key: str, default: Any = None) -> Any:
    """The value under ``key``, or ``default``."""
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    """Keep ``value`` under ``key``."""
    st.session_state[key] = value


def pop(key: str, default: Any = None) -> Any:
    """The value under ``key``, forgotten; ``default`` when there was none."""
    return st.session_state.pop(key, default)


def setdefault(key: str, value: Any) -> Any:
    """The value under ``key``, set to ``value`` first when there was none."""
    return st.session_state.setdefault(key, value)


def bump(key: str) -> int:
    """Add one to the counter under ``key`` (missing: 0) and return it."""
    value = int(st.session_state.get(key) or 0) + 1
    st.session_state[key] = value
    return value


def keep(key: str) -> dict[Any, Any]:
    """A dictionary kept under ``key`` for the browser session (created empty)."""
    return st.session_state.setdefault(key, {})


def held(key: str, digest: str) -> bool:
    """Whether the browser is taken to hold the data of ``digest``, sent lately under ``key``."""
    return digest in (st.session_state.get(key) or [])


def sent(key: str, digest: str, keep: int) -> None:
    """Record that ``digest``'s data reached the browser under ``key``: the newest of ``keep``.

    ``keep`` stays below what the browser itself keeps (recording the same
    sends the same way), so that what is taken to be held always is.
    """
    before = [d for d in (st.session_state.get(key) or []) if d != digest]
    st.session_state[key] = [*before, digest][-keep:]


def keep_widgets(keys: list[str]) -> None:
    """Keep the values of widgets this run does not draw (a tab not shown) for a later run.

    Streamlit forgets a widget's value when a run does not draw it; writing
    the value back before the widget is drawn keeps it.
    """
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


# --- the sidebar's choice -------------------------------------------------------------------


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
