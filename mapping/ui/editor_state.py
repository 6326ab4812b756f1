"""The map editor's session state: the marked point, the open pin, map taps, one-time messages.

The keys are named in ``mapping.ui.state``. The state holds ids, small
values and the open pin's values as loaded (the edit form's starting point,
and the version it was loaded at), never data frames or maps. The marked
point is a ``LonLat``: a map tap, the browser's position and typed
coordinates each become one as they arrive.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from mapping import geometry
from mapping.errors import ConflictError, UserError, ValidationError
from mapping.geometry import LonLat
from mapping.services import pins, point_area
from mapping.services.accounts import Actor
from mapping.ui import positions, state
from mapping.ui.editor_view import EditorView, load_values
from mapping.ui.page import Outcome, run


def init(area_id: int | None) -> None:
    """Give the editor's keys their starting values; a new area starts with a clean slate."""
    state.setdefault(state.EDITOR_LAYER, "resource")
    state.setdefault(state.EDITOR_GENERATION, 0)
    state.setdefault(state.EDITOR_MAP_NONCE, 0)
    state.setdefault(state.EDITOR_TOKEN, uuid.uuid4().hex)
    if state.get(state.EDITOR_AREA) != area_id:
        state.put(state.EDITOR_AREA, area_id)
        close_pin()
        clear_point()


def form_token() -> str:
    """The one-time token of the new-pin form now shown."""
    return str(state.get(state.EDITOR_TOKEN))


def new_token() -> None:
    """A fresh one-time token: the next new-pin form is a different form."""
    state.put(state.EDITOR_TOKEN, uuid.uuid4().hex)


def generation() -> int:
    """How many times a pin was loaded: part of the edit form's key, so each load is fresh."""
    return int(state.get(state.EDITOR_GENERATION, 0))


def chosen_layer() -> str:
    """The layer chosen for adding and for the table."""
    return str(state.get(state.EDITOR_LAYER, "resource"))


# --- the marked point -------------------------------------------------------------------


def marked_point() -> LonLat | None:
    """The (lon, lat) the user marked, or None."""
    point = state.get(state.EDITOR_POINT)
    return LonLat(float(point[0]), float(point[1])) if point else None


def set_point(point: LonLat, *, check: bool = False, accuracy: float | None = None) -> None:
    """Mark a point (from a map tap, the browser's position or typed coordinates).

    ``check`` asks for the area check on the next run (``check_marked_point``);
    ``accuracy`` is a GPS fix's, in metres.
    """
    state.put(state.EDITOR_POINT, point)
    state.put(state.EDITOR_CHECK_POINT, check)
    state.put(state.EDITOR_ACCURACY, accuracy)
    state.put(state.EDITOR_SYNC_COORDS, True)
    state.pop(state.EDITOR_COORDS_ERROR)
    state.pop(state.EDITOR_LOCATION_FAILED)


def clear_point() -> None:
    """Forget the marked point."""
    state.put(state.EDITOR_POINT, None)
    state.pop(state.EDITOR_ACCURACY)
    state.pop(state.EDITOR_CHECK_POINT)
    state.put(state.EDITOR_SYNC_COORDS, True)
    state.pop(state.EDITOR_COORDS_ERROR)
    state.pop(state.EDITOR_LOCATING)
    state.pop(state.EDITOR_LOCATION_FAILED)


def on_clear_point() -> None:
    """Callback of the "clear the point" button."""
    clear_point()


def sync_coords(lang: str) -> None:
    """Before the coordinates box is drawn, make it show the point marked since.

    Written as people of ``lang`` read a point (as the note under the box);
    ``on_coords_typed`` reads either language's form back. A widget's value
    may only be set before the widget is drawn in a run.
    """
    if state.pop(state.EDITOR_SYNC_COORDS, False):
        point = marked_point()
        state.put(state.EDITOR_COORDS, positions.format_point(point, lang) if point else "")


def coords_error() -> str | None:
    """The message key of coordinates that could not be read, if any."""
    return state.get(state.EDITOR_COORDS_ERROR)


def on_coords_typed() -> None:
    """Callback of the coordinates box: mark the typed point, or remember it was unreadable."""
    text = state.get(state.EDITOR_COORDS) or ""
    if not text.strip():
        state.put(state.EDITOR_POINT, None)
        state.pop(state.EDITOR_COORDS_ERROR)
        return
    try:
        point = positions.typed_point(text)
    except ValueError:
        state.put(state.EDITOR_COORDS_ERROR, "error.point_not_number")
        return
    state.put(state.EDITOR_POINT, point)
    state.pop(state.EDITOR_ACCURACY)
    state.pop(state.EDITOR_COORDS_ERROR)


def start_locating() -> None:
    """Callback of "use my location": ask the browser (a new request each time)."""
    state.bump(state.EDITOR_LOCATING)
    state.pop(state.EDITOR_LOCATION_FAILED)


def locating() -> int | None:
    """The number of the pending request for the browser's position, or None."""
    return state.get(state.EDITOR_LOCATING)


def location_failed() -> str | None:
    """Why the browser gave no position (its own words), if it did not."""
    return state.get(state.EDITOR_LOCATION_FAILED)


def located(answer: Any) -> bool:
    """Take the browser's answer to "where am I": True and the point marked, or False and why.

    The answer is ``{"coords": {"latitude", "longitude", …}}`` or
    ``{"error": {"code", "message"}}`` (refused, no https, no position).
    """
    state.pop(state.EDITOR_LOCATING)
    coords = answer.get("coords") if isinstance(answer, Mapping) else None
    try:
        point = geometry.from_geolocation(coords)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        error = answer.get("error") if isinstance(answer, Mapping) else None
        reason = error.get("message") if isinstance(error, Mapping) else None
        state.put(state.EDITOR_LOCATION_FAILED, str(reason or "?"))
        return False
    accuracy = coords.get("accuracy") if isinstance(coords, Mapping) else None
    set_point(point, check=True, accuracy=_metres(accuracy))
    # Brought into view even when the map shows somewhere else.
    state.put(state.EDITOR_CENTER, point)
    return True


def _metres(value: Any) -> float | None:
    try:
        metres = float(value)
    except (TypeError, ValueError):
        return None
    return metres if metres >= 0 and metres == metres else None  # NaN is not a distance


def accuracy() -> float | None:
    """The accuracy in metres of the GPS fix that marked the point (None: tapped or typed)."""
    value = state.get(state.EDITOR_ACCURACY)
    return float(value) if value is not None else None


def map_center() -> list[float] | None:
    """Where the map must look, as Leaflet's [lat, lon]: the last GPS fix (None: anywhere)."""
    point = state.get(state.EDITOR_CENTER)
    return geometry.leaflet_location(point) if point else None


def check_marked_point(url: str, actor: Actor, view: EditorView) -> None:
    """Refuse at once a tapped or located point outside the area, naming where it lies.

    Typed coordinates are not checked here: typing is how a resource serving
    the area from outside is placed, and Save checks them with the form.
    """
    point = marked_point()
    if point is None or not state.pop(state.EDITOR_CHECK_POINT, False):
        return
    ref = open_ref()
    layer = ref.layer if ref is not None else chosen_layer()
    outcome = run(url, actor, lambda s: point_area.check_marked(s, layer, view.area_id, point))
    if outcome.error is not None:
        clear_point()
        # The map stays on the chosen area rather than panning to a refused fix.
        state.pop(state.EDITOR_CENTER)
        flash_error(outcome.error)


# --- the open pin -----------------------------------------------------------------------


def open_ref() -> pins.PinRef | None:
    """The open pin with the version its form was loaded at, or None."""
    return state.get(state.EDITOR_OPEN)


def seed() -> dict[str, Any]:
    """The open pin's values as loaded."""
    return state.get(state.EDITOR_SEED) or {}


def open_position() -> LonLat | None:
    """Where the open pin stands (None: no pin open, retired, or a need of the whole area)."""
    values = seed()
    if open_ref() is None or values.get("lon") is None or values.get("retired_at") is not None:
        return None
    return LonLat(float(values["lon"]), float(values["lat"]))


def open_pin(url: str, actor: Actor, layer: str, pin_id: int, show: bool = True) -> Outcome:
    """Load a pin into the editor (its current version); the marked point is forgotten.

    ``show`` also switches to its layer and to the entry tab.
    """
    outcome = run(url, actor, lambda s: load_values(s, actor, layer, pin_id))
    if outcome.ok:
        values = outcome.value
        state.put(state.EDITOR_OPEN, pins.PinRef(layer, values["id"], values["version"]))
        state.put(state.EDITOR_SEED, values)
        state.bump(state.EDITOR_GENERATION)
        if show:
            # Widgets already drawn in this run cannot change: the page applies these
            # before it draws them (see show_open_pin).
            state.put(state.EDITOR_SHOW_LAYER, layer)
            state.put(state.EDITOR_SHOW_ENTRY, True)
        clear_point()
    return outcome


def show_open_pin(tab_key: str, entry_tab: str) -> None:
    """Before the layer choice and the tabs are drawn: show the pin opened since."""
    layer = state.pop(state.EDITOR_SHOW_LAYER)
    if layer is not None:
        state.put(state.EDITOR_LAYER, layer)
    if state.pop(state.EDITOR_SHOW_ENTRY, False):
        state.put(tab_key, entry_tab)


def close_pin() -> None:
    """Close the open pin; the map is drawn afresh, so the same pin can be tapped again."""
    state.put(state.EDITOR_OPEN, None)
    state.put(state.EDITOR_SEED, None)
    forget_map_events()


# --- the map's reports --------------------------------------------------------------------


def forget_map_events() -> None:
    """Start the map over: a new map instance, with no tap remembered as already handled."""
    state.pop(map_key())
    state.bump(state.EDITOR_MAP_NONCE)
    state.put(state.EDITOR_SEEN_CLICK, None)
    state.put(state.EDITOR_SEEN_OBJECT, None)


def map_key_for(nonce: int) -> str:
    """The st_folium key of the ``nonce``-th map instance (where its report is stored)."""
    return f"{state.EDITOR_MAP}.{nonce}"


def map_key() -> str:
    """The st_folium key: stable, except when the map must start over."""
    return map_key_for(int(state.get(state.EDITOR_MAP_NONCE, 0)))


def handled_tap() -> Any:
    """The last map tap this session took (Leaflet's ``{"lat", "lng"}``), or None."""
    return state.get(state.EDITOR_SEEN_CLICK)


def take_map_events(url: str, actor: Actor, view: EditorView) -> None:
    """Act on the map's last report, once: a tap marks a point, a tap on a pin opens it.

    st_folium stores its report under its key before the script runs, so the
    marked point is drawn in the same run as the tap. Leaflet's
    ``{"lat", "lng"}`` becomes a (lon, lat) ``LonLat`` here, once.
    """
    report = state.get(map_key()) or {}
    click = report.get("last_clicked")
    tapped = report.get("last_object_clicked")
    if click and click != state.get(state.EDITOR_SEEN_CLICK):
        state.put(state.EDITOR_SEEN_CLICK, click)
        state.put(state.EDITOR_SEEN_OBJECT, tapped)
        set_point(geometry.from_leaflet(click), check=True)
    elif tapped and tapped != state.get(state.EDITOR_SEEN_OBJECT):
        state.put(state.EDITOR_SEEN_OBJECT, tapped)
        hit = positions.nearest_pin(view.map_pins(), geometry.from_leaflet(tapped))
        if hit is not None:
            outcome = open_pin(url, actor, *hit)
            if not outcome.ok:
                flash_error(outcome.error, hit[0])
    check_marked_point(url, actor, view)


# --- messages shown once ---------------------------------------------------------------


def flash(kind: str, key: str, **params: Any) -> None:
    """Remember a message to show on the next run (success, info, warning or error)."""
    state.put(state.EDITOR_FLASH, {"kind": kind, "key": key, "params": params})


def describe(error: UserError, layer: str | None = None) -> dict[str, Any]:
    """A user error as plain data to show: its message, each field's, a conflict's changes."""
    message: dict[str, Any] = {"kind": "error", "key": error.key, "params": error.params}
    if isinstance(error, ConflictError):
        ref = open_ref()
        message["changes"] = {k: list(v) for k, v in error.changes.items()}
        message["who"] = error.changed_by
        message["layer"] = layer or (ref.layer if ref else None)
    if isinstance(error, ValidationError):
        message["fields"] = dict(error.fields)
    return message


def flash_error(error: UserError | None, layer: str | None = None) -> None:
    """Remember a user error to show on the next run, with a conflict's details."""
    if error is not None:
        state.put(state.EDITOR_FLASH, describe(error, layer))


def pop_flash() -> dict[str, Any] | None:
    """The message waiting to be shown, taken off the queue."""
    return state.pop(state.EDITOR_FLASH)


def drop_flash() -> None:
    """Forget the message waiting to be shown."""
    state.pop(state.EDITOR_FLASH)


# --- the table's selection ----------------------------------------------------------------


def table_key(layer: str) -> str:
    """The key of a layer's table widget (which holds its selection)."""
    return state.EDITOR_TABLE + layer


def keep_selection_for(layer: str, rows: list[tuple[int, int]]) -> None:
    """Remember the table's (id, version) rows as shown.

    A different set of rows drops the selection: its row positions would
    otherwise point at other pins.
    """
    shown = state.get(state.EDITOR_TABLE_ROWS + layer)
    ids = [int(i) for i, _ in rows]
    if shown is None or [i for i, _ in shown] != ids:
        state.put(table_key(layer), {"selection": {"rows": [], "columns": []}})
    state.put(state.EDITOR_TABLE_ROWS + layer, [(int(i), int(v)) for i, v in rows])


def keep_table_widgets(layer_names: list[str]) -> None:
    """While the table tab is not drawn: keep its filters, sort and selection for its return."""
    keys = [state.EDITOR + "statuses", state.EDITOR_BULK_STATUS]
    for layer in layer_names:
        keys += [f"{state.EDITOR}{part}.{layer}" for part in ("find", "categories", "sort")]
        keys.append(table_key(layer))
    state.keep_widgets(keys)


def selected_refs(layer: str) -> list[pins.PinRef]:
    """The table rows the user selected, with the versions the table showed them at."""
    shown = state.get(state.EDITOR_TABLE_ROWS + layer) or []
    table = state.get(table_key(layer)) or {}
    selection = table.get("selection", {}) if isinstance(table, Mapping) else {}
    rows = selection.get("rows", []) if isinstance(selection, Mapping) else []
    return [pins.PinRef(layer, *shown[i]) for i in rows if 0 <= i < len(shown)]


def bulk_status() -> str | None:
    """The status chosen for the selected needs."""
    return state.get(state.EDITOR_BULK_STATUS)
