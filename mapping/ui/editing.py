"""The map editor behind ``app_pages/editor.py``: its session keys, reads and writes.

Every read and write runs as the signed-in user under row-level security
(``db.session_scope(..., restricted=True)``), one user action per
transaction. A service's ``UserError`` is caught *outside* the ``with``
block, so the transaction has already rolled back and nothing was written.

Session state holds ids, small values and the open pin's values as loaded
(the edit form's starting point, and the version it was loaded at), never
data frames or maps. Button actions run as callbacks: they see exactly what
the previous run showed (the table's rows and versions, the open pin's
version), which is what optimistic locking must compare against.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.catalog import Entry
from mapping.config import Config
from mapping.db.models import NEED_STATUSES, VISIBILITIES
from mapping.errors import ConflictError, PermissionDenied, UserError, ValidationError
from mapping.services import layers, pins
from mapping.services.accounts import Actor
from mapping.ui import auth

T = TypeVar("T")

_PREFIX = "calmap.editor."
AREA = _PREFIX + "area"  # the area the rest of this state belongs to
LAYER = _PREFIX + "layer"  # the layer chosen for adding and for the table
TAB = _PREFIX + "tab"
POINT = _PREFIX + "point"  # (lat, lon) the user marked, or None
COORDS = _PREFIX + "coords"  # the coordinates text box
COORDS_ERROR = _PREFIX + "coords_error"
LOCATING = _PREFIX + "locating"  # a number while waiting for the browser's position
LOCATION_FAILED = _PREFIX + "location_failed"  # why the browser gave no position
SYNC_COORDS = _PREFIX + "sync_coords"  # the box must show the marked point on the next draw
SHOW_ENTRY = _PREFIX + "show_entry"  # switch to the entry tab on the next draw
SHOW_LAYER = _PREFIX + "show_layer"  # switch the layer choice on the next draw
OPEN = _PREFIX + "open"  # PinRef of the open pin, with the version it was loaded at
SEED = _PREFIX + "seed"  # the open pin's values as loaded
GENERATION = _PREFIX + "generation"  # bumped on every load: fresh edit-form widgets
TOKEN = _PREFIX + "token"  # one-time token of the new-pin form
FLASH = _PREFIX + "flash"  # the outcome of the last action, shown once
MAP = _PREFIX + "map"  # + nonce: the st_folium key, under which it stores its report
MAP_NONCE = _PREFIX + "map_nonce"
SEEN_CLICK = _PREFIX + "seen_click"
SEEN_OBJECT = _PREFIX + "seen_object"
TABLE = _PREFIX + "table."  # + layer: the table widget (its selection)
TABLE_ROWS = _PREFIX + "table_rows."  # + layer: [(id, version)] in the order shown
BULK_STATUS = _PREFIX + "bulk_status"

# Fingers on a 10-inch tablet: taller buttons and roomier choices where the
# pointer is coarse (touch); a mouse keeps Streamlit's compact look.
TOUCH_CSS = """<style>
@media (pointer: coarse) {
  .stButton button, .stFormSubmitButton button { min-height: 3rem; }
  .stRadio [role="radiogroup"] label { min-height: 2.75rem; padding-right: 1rem; }
  .stCheckbox label { min-height: 2.75rem; }
}
</style>"""

# A tap on a pin reports the pin's own position; anything farther than this
# from every pin was not a tap on a pin.
PIN_TAP_METRES = 40.0
EARTH_RADIUS_M = 6_371_000.0


# --- pure helpers ----------------------------------------------------------------------


def parse_coordinates(text: str) -> tuple[float, float]:
    """Latitude and longitude from what a person types; decimal commas are fine.

    Raises ValueError when the text is not two numbers.

    >>> parse_coordinates("54.4075, 18.6150")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075 18,6150")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075; 18,615")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075,18,615")
    (54.4075, 18.615)
    """
    cleaned = text.strip().replace("\u00a0", " ")
    if ";" in cleaned:
        parts = cleaned.split(";")
    elif re.search(r"\s", cleaned.strip(" ,")):
        # "54,4 18,6" or "54.4, 18.6": whitespace separates; a comma before it is a separator.
        parts = [p.rstrip(",") for p in cleaned.split()]
        parts = [p for p in parts if p]
    elif cleaned.count(",") == 1:
        parts = cleaned.split(",")
    elif cleaned.count(",") == 3:
        # "54,4075,18,6150": two numbers with decimal commas and no space.
        a, b, c, d = cleaned.split(",")
        parts = [f"{a},{b}", f"{c},{d}"]
    else:
        parts = [cleaned]
    if len(parts) != 2:
        raise ValueError(f"expected two numbers, got {text!r}")
    lat, lon = (float(p.strip().replace(",", ".")) for p in parts)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"expected two numbers, got {text!r}")
    return lat, lon


def format_point(lat: float, lon: float) -> str:
    """A point as the coordinates box shows it: ``lat, lon`` with six decimals (~10 cm)."""
    return f"{lat:.6f}, {lon:.6f}"


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two (lat, lon) points (equirectangular: fine within a city).

    >>> round(metres_between((54.0, 18.0), (54.001, 18.0)))
    111
    """
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return math.hypot(x, lat2 - lat1) * EARTH_RADIUS_M


def nearest_pin(
    frames: Mapping[str, gpd.GeoDataFrame],
    lat: float,
    lon: float,
    within_metres: float = PIN_TAP_METRES,
) -> tuple[str, int] | None:
    """The (layer, id) of the pin nearest to a tapped point, if one is close enough."""
    best: tuple[float, str, int] | None = None
    for layer, frame in frames.items():
        if frame is None or not len(frame):
            continue
        located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        for pin_id, geom in zip(located["id"], located.geometry, strict=True):
            distance = metres_between((lat, lon), (geom.y, geom.x))
            if distance <= within_metres and (best is None or distance < best[0]):
                best = (distance, layer, int(pin_id))
    return (best[1], best[2]) if best is not None else None


def on_map(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """The pins of a layer the map shows: archived needs are history, not today's map."""
    if layer == "need" and len(frame):
        return frame[frame["status"] != "archived"]
    return frame


# --- who and what ------------------------------------------------------------------------


def signed_in_actor(url: str, cfg: Config) -> Actor | None:
    """The user the router signed in on this run, read again (nothing is drawn)."""
    return auth.signed_in_actor(url)


def actor_name(actor: Actor) -> str:
    """How the actor signs a verification: their display name, else their username."""
    return actor.display_name or actor.username


@dataclass(frozen=True)
class RetiredPin:
    """A retired pin as the restore list shows it."""

    layer: str
    id: int
    version: int
    name: str
    retired_at: dt.datetime


@dataclass
class EditorView:
    """What one run of the editor shows, read in one restricted transaction."""

    area_id: int
    area_name: str
    may_edit: bool
    areas: gpd.GeoDataFrame
    area_ids: list[int]
    pins: dict[str, gpd.GeoDataFrame]
    catalogue: list[Entry]
    partners: dict[int, str]
    retired: list[RetiredPin] = field(default_factory=list)

    def map_pins(self) -> dict[str, gpd.GeoDataFrame]:
        """The pins the map shows (archived needs left out)."""
        return {layer: on_map(frame, layer) for layer, frame in self.pins.items()}

    def names(self, layer: str) -> dict[int, str]:
        """Id → name of a layer's pins in the area."""
        frame = self.pins[layer]
        return {int(i): str(n) for i, n in zip(frame["id"], frame["name"], strict=True)}


def _engine(url: str):  # noqa: ANN202 - an Engine
    return db.engine_for_url(url)


def read_view(
    url: str, actor: Actor, city: str | None, team_id: int | None, area_id: int
) -> EditorView | None:
    """The chosen area with its pins (every visibility the actor may see), or None if gone.

    Team-only pins are asked for when the area belongs to one of the actor's
    teams (or the actor is an admin); the database's row-level security
    applies the same rule again.
    """
    with db.session_scope(_engine(url), actor.username, restricted=True) as session:
        frame = layers.areas(session, city=city, team_id=team_id)
        if area_id not in {int(i) for i in frame["id"]}:
            return None
        area_ids = layers.descendant_ids(frame, area_id)
        row = frame[frame["id"] == area_id].iloc[0]
        team = None if pd.isna(row["team_id"]) else int(row["team_id"])
        own = actor.is_admin or (team is not None and team in actor.team_ids)
        visibilities = VISIBILITIES if own else actor.visibilities()
        frames = {
            layer: layers.pins(
                session, layer, area_ids, visibilities,
                need_statuses=NEED_STATUSES, with_version=True,
            )
            for layer in layers.LAYERS
        }
        city_area_ids = [choice.id for choice in layers.area_choices(session, city)]
        partner_frame = layers.pins(session, "partner", city_area_ids, visibilities)
        retired = [
            RetiredPin(layer, r.id, r.version, r.name, r.retired_at)
            for layer in layers.LAYERS
            for r in pins.retired_pins(session, actor, layer, area_ids)
        ]
        return EditorView(
            area_id=area_id,
            area_name=str(row["name"]),
            may_edit=actor.may_edit_team(team),
            areas=frame[frame["id"].isin(area_ids)],
            area_ids=area_ids,
            pins=frames,
            catalogue=catalog.entries(session),
            partners={
                int(i): str(n)
                for i, n in zip(partner_frame["id"], partner_frame["name"], strict=True)
            },
            retired=sorted(retired, key=lambda r: r.retired_at, reverse=True),
        )


# --- running a service -----------------------------------------------------------------


@dataclass
class Outcome:
    """What a service call gave back, or the user error that stopped it (nothing written)."""

    value: Any = None
    error: UserError | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded and its transaction was committed."""
        return self.error is None


def run(url: str, actor: Actor, action: Callable[[Session], T]) -> Outcome:
    """Run ``action`` in one transaction as ``actor`` under row-level security.

    A UserError (or the database refusing a row for row-level security) is
    caught after the transaction has rolled back and returned in the Outcome.
    """
    try:
        with db.session_scope(_engine(url), actor.username, restricted=True) as session:
            value = action(session)
    except UserError as exc:
        return Outcome(error=exc)
    except DBAPIError as exc:
        # The services check rights first; this is the database's second line.
        if "row-level security" not in str(exc):
            raise
        return Outcome(error=PermissionDenied("error.not_your_team"))
    return Outcome(value=value)


def load_values(session: Session, actor: Actor, layer: str, pin_id: int) -> dict[str, Any]:
    """A pin's editable values, position, version and (needs) the resources linked to it."""
    row = pins.get_pin(session, actor, layer, pin_id)
    values = pins.pin_values(row, layer)
    values["layer"] = layer
    if layer == "need":
        values["resource_ids"] = layers.need_resources(session, pin_id)
    return values


def pin_history(url: str, actor: Actor, ref: pins.PinRef) -> Outcome:
    """Every recorded version of the open pin, newest first."""
    return run(url, actor, lambda s: pins.versions(s, actor, ref.layer, ref.id))


# --- session state ---------------------------------------------------------------------


def init(area_id: int | None) -> None:
    """Give the editor's keys their starting values; a new area starts with a clean slate."""
    st.session_state.setdefault(LAYER, "resource")
    st.session_state.setdefault(GENERATION, 0)
    st.session_state.setdefault(MAP_NONCE, 0)
    st.session_state.setdefault(TOKEN, uuid.uuid4().hex)
    if st.session_state.get(AREA) != area_id:
        st.session_state[AREA] = area_id
        close_pin()
        clear_point()


def new_token() -> None:
    """A fresh one-time token: the next new-pin form is a different form."""
    st.session_state[TOKEN] = uuid.uuid4().hex


def marked_point() -> tuple[float, float] | None:
    """The (lat, lon) the user marked, or None."""
    point = st.session_state.get(POINT)
    return (float(point[0]), float(point[1])) if point else None


def set_point(lat: float, lon: float) -> None:
    """Mark a point (from a map tap, the browser's position or typed coordinates)."""
    st.session_state[POINT] = (lat, lon)
    st.session_state[SYNC_COORDS] = True
    st.session_state.pop(COORDS_ERROR, None)
    st.session_state.pop(LOCATION_FAILED, None)


def clear_point() -> None:
    """Forget the marked point."""
    st.session_state[POINT] = None
    st.session_state[SYNC_COORDS] = True
    st.session_state.pop(COORDS_ERROR, None)
    st.session_state.pop(LOCATING, None)
    st.session_state.pop(LOCATION_FAILED, None)


def on_clear_point() -> None:
    """Callback of the "clear the point" button."""
    clear_point()


def sync_coords() -> None:
    """Before the coordinates box is drawn, make it show the point marked since.

    A widget's value may only be set before the widget is drawn in a run.
    """
    if st.session_state.pop(SYNC_COORDS, False):
        point = marked_point()
        st.session_state[COORDS] = format_point(*point) if point else ""


def on_coords_typed() -> None:
    """Callback of the coordinates box: mark the typed point, or remember it was unreadable."""
    text = st.session_state.get(COORDS) or ""
    if not text.strip():
        st.session_state[POINT] = None
        st.session_state.pop(COORDS_ERROR, None)
        return
    try:
        lat, lon = parse_coordinates(text)
    except ValueError:
        st.session_state[COORDS_ERROR] = "error.point_not_number"
        return
    st.session_state[POINT] = (lat, lon)
    st.session_state.pop(COORDS_ERROR, None)


def start_locating() -> None:
    """Callback of "use my location": ask the browser (a new request each time)."""
    st.session_state[LOCATING] = int(st.session_state.get(LOCATING) or 0) + 1
    st.session_state.pop(LOCATION_FAILED, None)


def located(answer: Any) -> bool:
    """Take the browser's answer to "where am I": True and the point marked, or False and why.

    The answer is ``{"coords": {"latitude", "longitude", …}}`` or
    ``{"error": {"code", "message"}}`` (refused, no https, no position).
    """
    st.session_state.pop(LOCATING, None)
    coords = answer.get("coords") if isinstance(answer, Mapping) else None
    try:
        lat, lon = float(coords["latitude"]), float(coords["longitude"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        error = answer.get("error") if isinstance(answer, Mapping) else None
        reason = error.get("message") if isinstance(error, Mapping) else None
        st.session_state[LOCATION_FAILED] = str(reason or "?")
        return False
    set_point(lat, lon)
    return True


def open_ref() -> pins.PinRef | None:
    """The open pin with the version its form was loaded at, or None."""
    return st.session_state.get(OPEN)


def seed() -> dict[str, Any]:
    """The open pin's values as loaded."""
    return st.session_state.get(SEED) or {}


def open_pin(url: str, actor: Actor, layer: str, pin_id: int, show: bool = True) -> Outcome:
    """Load a pin into the editor (its current version); the marked point is forgotten.

    ``show`` also switches to its layer and to the entry tab.
    """
    outcome = run(url, actor, lambda s: load_values(s, actor, layer, pin_id))
    if outcome.ok:
        values = outcome.value
        st.session_state[OPEN] = pins.PinRef(layer, values["id"], values["version"])
        st.session_state[SEED] = values
        st.session_state[GENERATION] = int(st.session_state.get(GENERATION, 0)) + 1
        if show:
            # Widgets already drawn in this run cannot change: the page applies these
            # before it draws them (see show_open_pin).
            st.session_state[SHOW_LAYER] = layer
            st.session_state[SHOW_ENTRY] = True
        clear_point()
    return outcome


def show_open_pin(tab_key: str, entry_tab: str) -> None:
    """Before the layer choice and the tabs are drawn: show the pin opened since."""
    layer = st.session_state.pop(SHOW_LAYER, None)
    if layer is not None:
        st.session_state[LAYER] = layer
    if st.session_state.pop(SHOW_ENTRY, False):
        st.session_state[tab_key] = entry_tab


def close_pin() -> None:
    """Close the open pin; the map is drawn afresh, so the same pin can be tapped again."""
    st.session_state[OPEN] = None
    st.session_state[SEED] = None
    forget_map_events()


def forget_map_events() -> None:
    """Start the map over: a new map instance, with no tap remembered as already handled."""
    st.session_state.pop(map_key(), None)
    st.session_state[MAP_NONCE] = int(st.session_state.get(MAP_NONCE, 0)) + 1
    st.session_state[SEEN_CLICK] = None
    st.session_state[SEEN_OBJECT] = None


def map_key_for(nonce: int) -> str:
    """The st_folium key of the ``nonce``-th map instance (where its report is stored)."""
    return f"{MAP}.{nonce}"


def map_key() -> str:
    """The st_folium key: stable, except when the map must start over."""
    return map_key_for(int(st.session_state.get(MAP_NONCE, 0)))


def take_map_events(url: str, actor: Actor, view: EditorView) -> None:
    """Act on the map's last report, once: a tap marks a point, a tap on a pin opens it.

    st_folium stores its report under its key before the script runs, so the
    marked point is drawn in the same run as the tap.
    """
    report = st.session_state.get(map_key()) or {}
    click = report.get("last_clicked")
    tapped = report.get("last_object_clicked")
    if click and click != st.session_state.get(SEEN_CLICK):
        st.session_state[SEEN_CLICK] = click
        st.session_state[SEEN_OBJECT] = tapped
        set_point(float(click["lat"]), float(click["lng"]))
    elif tapped and tapped != st.session_state.get(SEEN_OBJECT):
        st.session_state[SEEN_OBJECT] = tapped
        hit = nearest_pin(view.map_pins(), float(tapped["lat"]), float(tapped["lng"]))
        if hit is not None:
            outcome = open_pin(url, actor, *hit)
            if not outcome.ok:
                flash_error(outcome.error, hit[0])


# --- messages shown once ---------------------------------------------------------------


def flash(kind: str, key: str, **params: Any) -> None:
    """Remember a message to show on the next run (success, info, warning or error)."""
    st.session_state[FLASH] = {"kind": kind, "key": key, "params": params}


def describe(error: UserError, layer: str | None = None) -> dict[str, Any]:
    """A user error as plain data to show: its message, each field's, a conflict's changes."""
    message: dict[str, Any] = {"kind": "error", "key": error.key, "params": error.params}
    if isinstance(error, ConflictError):
        message["changes"] = {k: list(v) for k, v in error.changes.items()}
        message["who"] = error.changed_by
        ref = open_ref()
        message["layer"] = layer or (ref.layer if ref else None)
    if isinstance(error, ValidationError):
        message["fields"] = dict(error.fields)
    return message


def flash_error(error: UserError | None, layer: str | None = None) -> None:
    """Remember a user error to show on the next run, with a conflict's details."""
    if error is not None:
        st.session_state[FLASH] = describe(error, layer)


def pop_flash() -> dict[str, Any] | None:
    """The message waiting to be shown, taken off the queue."""
    return st.session_state.pop(FLASH, None)


# --- saving forms ----------------------------------------------------------------------


def save_new(
    url: str,
    actor: Actor,
    layer: str,
    area_id: int,
    data: dict[str, Any],
    point: tuple[float, float] | None,
    token: str,
    resource_ids: list[int] | None = None,
) -> Outcome:
    """Create a pin (``point`` as (lat, lon)) and, for a need, its responding resources."""

    def action(session: Session) -> pins.PinRef:
        lonlat = (point[1], point[0]) if point is not None else None
        ref = pins.create_pin(session, actor, layer, area_id, data, lonlat, form_token=token)
        if layer == "need" and resource_ids:
            pins.link_need_to_resources(session, actor, ref, resource_ids)
        return ref

    return run(url, actor, action)


def save_changes(
    url: str,
    actor: Actor,
    ref: pins.PinRef,
    changes: dict[str, Any],
    point: Any = None,
    move: bool = False,
    resource_ids: list[int] | None = None,
) -> Outcome:
    """Update the open pin if nobody changed it since it was loaded; relink a need's resources.

    ``move`` True also sets its position to ``point`` ((lat, lon), or None for
    a need of the whole area). ``resource_ids`` None leaves the links alone.
    """

    def action(session: Session) -> pins.PinRef:
        if move:
            lonlat = (point[1], point[0]) if point is not None else None
            new_ref = pins.update_pin(session, actor, ref, changes, point=lonlat)
        else:
            new_ref = pins.update_pin(session, actor, ref, changes)
        if resource_ids is not None:
            pins.link_need_to_resources(session, actor, new_ref, resource_ids)
        return new_ref

    return run(url, actor, action)


def save_form(
    url: str, actor: Actor, ref: pins.PinRef, loaded: Mapping[str, Any], form: Any
) -> Outcome:
    """Save the open pin's form: its fields, a need's whole-area choice and its resources.

    ``form`` is a ``mapping.ui.forms.Submitted``; ``loaded`` the values the
    form started from. Links to resources are only rewritten when they changed.
    """
    move, point = False, None
    resource_ids = None
    if ref.layer == "need":
        had_point = loaded.get("lon") is not None
        if form.whole_area and had_point:
            move = True
        elif not form.whole_area and not had_point:
            point = marked_point()
            if point is None:
                return Outcome(error=ValidationError({"point": "error.point_required"}))
            move = True
        if set(form.resource_ids) != set(loaded.get("resource_ids") or []):
            resource_ids = list(form.resource_ids)
    return save_changes(url, actor, ref, form.data, point, move, resource_ids)


def after_create(name: str) -> None:
    """After a new pin was saved: a fresh form (new token), no marked point, a message."""
    new_token()
    clear_point()
    forget_map_events()
    flash("success", "editor.saved_new", name=name)


def keep_selection_for(layer: str, rows: list[tuple[int, int]]) -> None:
    """Remember the table's (id, version) rows as shown.

    A different set of rows drops the selection: its row positions would
    otherwise point at other pins.
    """
    shown = st.session_state.get(TABLE_ROWS + layer)
    ids = [int(i) for i, _ in rows]
    if shown is None or [i for i, _ in shown] != ids:
        st.session_state[TABLE + layer] = {"selection": {"rows": [], "columns": []}}
    st.session_state[TABLE_ROWS + layer] = [(int(i), int(v)) for i, v in rows]


def after_change(url: str, actor: Actor, ref: pins.PinRef, message_key: str) -> None:
    """After a successful change: reload the open pin at its new version and say so."""
    forget_map_events()
    outcome = open_pin(url, actor, ref.layer, ref.id)
    if outcome.ok:
        flash("success", message_key)
    else:
        close_pin()
        flash_error(outcome.error)


# --- button callbacks ------------------------------------------------------------------


def _pin_action(url: str, actor: Actor, service: Callable[..., pins.PinRef], message: str,
                *args: Any) -> None:
    ref = open_ref()
    if ref is None:
        return
    outcome = run(url, actor, lambda s: service(s, actor, ref, *args))
    if outcome.ok:
        after_change(url, actor, outcome.value, message)
    else:
        flash_error(outcome.error, ref.layer)


def on_move(url: str, actor: Actor) -> None:
    """Move the open pin to the marked point."""
    point = marked_point()
    if point is None:
        flash("error", "error.point_required")
        return
    _pin_action(url, actor, pins.move_pin, "editor.moved", (point[1], point[0]))


def on_retire(url: str, actor: Actor) -> None:
    """Take the open pin off the map (it stays restorable)."""
    _pin_action(url, actor, pins.retire_pin, "editor.retired")


def on_restore(url: str, actor: Actor) -> None:
    """Put the open (retired) pin back on the map."""
    _pin_action(url, actor, pins.restore_pin, "editor.restored")


def on_undo(url: str, actor: Actor) -> None:
    """Undo the open pin's last change."""
    _pin_action(url, actor, pins.undo_last, "editor.undone")


def on_restore_version(url: str, actor: Actor, history_id: int) -> None:
    """Bring the open pin back to one recorded version (as a new version)."""
    _pin_action(url, actor, pins.restore_version, "editor.version_restored", history_id)


def on_restore_retired(url: str, actor: Actor, layer: str, pin_id: int, version: int) -> None:
    """Restore a pin from the retired list and open it."""
    ref = pins.PinRef(layer, pin_id, version)
    outcome = run(url, actor, lambda s: pins.restore_pin(s, actor, ref))
    if outcome.ok:
        after_change(url, actor, outcome.value, "editor.restored")
    else:
        flash_error(outcome.error, layer)


def on_open(url: str, actor: Actor, layer: str, pin_id: int) -> None:
    """Open a pin picked in the table or the list."""
    outcome = open_pin(url, actor, layer, pin_id)
    if not outcome.ok:
        flash_error(outcome.error)


def on_close() -> None:
    """Close the open pin."""
    close_pin()
    clear_point()


def on_reload(url: str, actor: Actor) -> None:
    """After a conflict: load what is stored now (the user's unsaved changes are dropped)."""
    ref = open_ref()
    st.session_state.pop(FLASH, None)
    if ref is not None:
        outcome = open_pin(url, actor, ref.layer, ref.id)
        if not outcome.ok:
            close_pin()
            flash_error(outcome.error)


def selected_refs(layer: str) -> list[pins.PinRef]:
    """The table rows the user selected, with the versions the table showed them at."""
    shown = st.session_state.get(TABLE_ROWS + layer) or []
    table = st.session_state.get(TABLE + layer) or {}
    selection = table.get("selection", {}) if isinstance(table, Mapping) else {}
    rows = selection.get("rows", []) if isinstance(selection, Mapping) else []
    return [pins.PinRef(layer, *shown[i]) for i in rows if 0 <= i < len(shown)]


def on_bulk_status(url: str, actor: Actor) -> None:
    """Set the chosen status on every selected need; one stale row refuses them all."""
    refs = selected_refs("need")
    status = st.session_state.get(BULK_STATUS)
    if not refs or not status:
        return
    outcome = run(url, actor, lambda s: pins.bulk_set_status(s, actor, refs, status))
    _after_bulk(url, actor, outcome, "editor.bulk_status_done", len(refs), "need")


def on_bulk_verified(url: str, actor: Actor) -> None:
    """Mark every selected resource as verified today by the signed-in user."""
    refs = selected_refs("resource")
    if not refs:
        return
    today = dt.date.today()
    outcome = run(
        url, actor, lambda s: pins.bulk_mark_verified(s, actor, refs, today, actor_name(actor))
    )
    _after_bulk(url, actor, outcome, "editor.bulk_verified_done", len(refs), "resource")


def _after_bulk(
    url: str, actor: Actor, outcome: Outcome, message_key: str, count: int, layer: str
) -> None:
    if not outcome.ok:
        flash_error(outcome.error, layer)
        return
    ref = open_ref()
    if ref is not None and any((r.layer, r.id) == (ref.layer, ref.id) for r in outcome.value):
        # The open pin changed too: its form must hold the new version.
        open_pin(url, actor, ref.layer, ref.id, show=False)
    flash("success", message_key, count=count)
