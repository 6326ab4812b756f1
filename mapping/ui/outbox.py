"""The outbox's server side: saves kept on a device while the server was away, sent now.

The browser (``field_sync.js``) keeps a Save pressed without a connection, with
the pin's version when editing began, and sends it when the server answers
again. Each entry goes through the editor's own save (``editor_actions.save_new``
and ``save_form``, so the services' checks: placement, the area rule,
visibility, and the stale-version conflict). A conflict comes back to the
worker with both versions; nothing is overwritten. An entry the server already
took (its form token was used, or the pin already holds exactly these values)
counts as saved, so an entry sent twice is saved once. A new pin placed by the
device's GPS keeps the fix's accuracy in its source, as the editor does online.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from mapping import catalog
from mapping.errors import ConflictError, UserError, ValidationError
from mapping.geometry import LonLat
from mapping.i18n import t
from mapping.services import pins
from mapping.services.accounts import Actor
from mapping.ui import editor_actions, field_drafts, pin_forms, positions, state
from mapping.ui.page import run
from mapping.ui.pin_forms import Submitted


def results() -> dict[str, Any]:
    """What sending each outbox entry did, by entry id (kept for this browser session)."""
    return dict(state.keep(state.EDITOR_OUTBOX_RESULTS))


def take(url: str, actor: Actor, lang: str, entries: Sequence[Mapping[str, Any]]) -> None:
    """Send each outbox entry through the editor's save; remember each outcome by its id."""
    kept = state.keep(state.EDITOR_OUTBOX_RESULTS)
    index: dict[tuple[str, str], Any] | None = None
    for entry in entries:
        entry_id = str(entry.get("id") or "")
        if not entry_id or entry_id in kept:
            continue  # sent again before the browser heard: the first answer stands
        if entry.get("user") != actor.username:
            # Another user's entry is never sent as this one.
            kept[entry_id] = {"status": "error", "text": t("fieldsync.other_user", lang)}
            continue
        outcome = _send(url, actor, entry)
        if isinstance(outcome, ConflictError) and index is None:
            index = {(e.vocabulary, e.code): e for e in run(url, actor, catalog.entries).unwrap()}
        kept[entry_id] = _result(entry, outcome, lang, index or {})


def _point(raw: Any) -> LonLat | None:
    if isinstance(raw, Sequence) and len(raw) == 2:
        return LonLat(float(raw[0]), float(raw[1]))
    return None


def _accuracy(raw: Any) -> float | None:
    """A GPS fix's accuracy in metres as the browser sent it, or None (a tap, or nonsense).

    >>> _accuracy(12.5), _accuracy(None), _accuracy("x"), _accuracy(-1), _accuracy(float("nan"))
    (12.5, None, None, None, None)
    """
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw) if math.isfinite(raw) and raw >= 0 else None


def _send(url: str, actor: Actor, entry: Mapping[str, Any]) -> UserError | None:
    layer = str(entry.get("layer"))
    if layer not in pins.FIELDS:
        return UserError("error.unknown_choice")
    values = field_drafts.form_values(layer, entry.get("values") or {})
    form = Submitted(
        data={k: v for k, v in values.items() if k not in ("whole_area", "resource_ids")},
        whole_area=bool(values.get("whole_area")),
        resource_ids=list(values.get("resource_ids") or []),
    )
    point = _point(entry.get("point"))
    if entry.get("is_new"):
        # A point from the device's GPS: its accuracy goes with the pin, as online.
        positions.note_gps_source(form.data, _accuracy(entry.get("accuracy")))
        outcome = editor_actions.save_new(
            url, actor, layer, int(entry.get("area_id") or 0), form, point,
            str(entry.get("token") or entry.get("id")),
        )
        if outcome.error is not None and outcome.error.key == "error.form_already_saved":
            return None
        return outcome.error
    ref = pins.PinRef(layer, int(entry.get("pin_id") or 0), int(entry.get("version") or 0))
    loaded = {"resource_ids": entry.get("loaded_resource_ids") or []}
    saved = editor_actions.save_form(url, actor, ref, loaded, form, point=point)
    error = saved.error
    if isinstance(error, ConflictError) and _already_there(error, form.data):
        return None
    return error


def _already_there(error: ConflictError, data: Mapping[str, Any]) -> bool:
    """The stored pin already holds what the entry says: this entry was saved before."""
    changed = {k: v for k, v in error.changes.items() if k in data}
    return bool(changed) and all(
        _same(now, data[k]) for k, (_seen, now) in changed.items()
    ) and set(error.changes) <= set(data) | {"version", "updated_at"}


def _same(stored: Any, sent: Any) -> bool:
    if stored in (None, "") and sent in (None, ""):
        return True
    return str(stored) == str(sent)


def _result(
    entry: Mapping[str, Any], error: UserError | None, lang: str,
    index: Mapping[tuple[str, str], Any],
) -> dict[str, Any]:
    layer = str(entry.get("layer"))
    values = entry.get("values") or {}
    name = values.get("name") or entry.get("title") or t("fieldsync.untitled", lang)
    if error is None:
        return {"status": "saved", "text": t("fieldsync.sent", lang, name=name)}
    if isinstance(error, ConflictError):
        rows = [
            [
                pin_forms.field_label(field, lang),
                pin_forms.display_value(layer, field, seen, lang, index),
                pin_forms.display_value(layer, field, now, lang, index),
                pin_forms.display_value(layer, field, values.get(field), lang, index)
                if field in values else pin_forms.EMPTY,
            ]
            for field, (seen, now) in error.changes.items()
            if field not in ("version", "updated_at")
        ]
        return {
            "status": "conflict", "rows": rows,
            "text": t("fieldsync.conflict", lang, who=error.changed_by or "?"),
        }
    text = t(error.key, lang, **error.params)
    if isinstance(error, ValidationError):
        text = "; ".join(
            [text, *(f"{pin_forms.field_label(f, lang)}: {t(k, lang)}"
                     for f, k in error.fields.items())]
        )
    return {"status": "error", "text": text}


def field_sync(
    url: str, actor: Actor, lang: str, area_id: int | None, form: Mapping[str, Any] | None
) -> None:
    """Draw the drafts-and-outbox component and act on what it sends back.

    ``form`` is the form on screen (``field_drafts.describe_form``), or None.
    Entries the browser sends are saved through the editor's save and their
    outcomes go back to the browser on the next run; a draft it brings back
    redraws its form from the draft.
    """
    answer = field_drafts.mount(actor.username, area_id, lang, form, results())
    sent = getattr(answer, "send", None)
    if isinstance(sent, list) and sent:
        take(url, actor, lang, [e for e in sent if isinstance(e, Mapping)])
        st.rerun()
    asked = getattr(answer, "restore", None)
    if isinstance(asked, Mapping) and form is not None and field_drafts.take_restore(asked, form):
        st.rerun()
