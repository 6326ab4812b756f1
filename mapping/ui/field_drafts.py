"""Drafts of the editor's forms kept in the browser, and the component that keeps them.

The component (``field_sync.js`` beside this module, Streamlit components v2,
run in the app's own page and served by the app) copies every pin form to the
browser's localStorage as it is typed, keyed by user, area and form, so a
dropped connection, a reload, a closed tab or an expired server session loses
nothing; it offers the draft back when the form comes back without it. It also
keeps the outbox (``mapping.ui.outbox``) and says, in the worker's language,
when the server cannot be reached.

This module describes each form to the browser (which widget holds which
field, and which label stands for which stored code) and turns a draft sent
back into the values a form starts from.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps import assets
from mapping.services import pins
from mapping.services.layers import NEED_STATUSES, VISIBILITIES
from mapping.ui import cached_reads, editor_state, field_script, state
from mapping.ui.pin_forms import PRIORITY_KEYS, Choices, empty_values, field_label

# The browser's module is served as a static, digest-named file (field_script), so the
# element each run sends carries a loader of a few hundred bytes, not 58 kB of script.
_COMPONENT_NAME = "calmap_field_sync"


@functools.cache
def _component() -> Any:
    """The component, registered once per process: its loader, or inline when unwritable."""
    base = str(st.get_option("server.baseUrlPath") or "")
    try:
        field_script.FILE.install(cached_reads.STATIC_DIR)
    except OSError:
        # A read-only static folder: the page still works, the script travels inline.
        return st.components.v2.component(_COMPONENT_NAME, js=field_script.FILE.text)
    loader = field_script.loader(assets.static_prefix(base))
    return st.components.v2.component(_COMPONENT_NAME, js=loader)


# The browser's texts: every visible string is a message key.
_TEXTS = (
    "offline", "pending", "state_pending", "state_sending", "state_conflict", "state_error",
    "col_field", "col_seen", "col_now", "col_yours", "discard_entry", "draft_offer",
    "draft_restore", "draft_discard", "kept_here", "saving", "tapped_offline",
    "no_point_offline", "gps_offline", "gps_waiting", "gps_failed", "gps_accuracy", "gps_low",
    "offline_new", "offline_note", "offline_missing", "offline_edit_note",
)
# The editor's notes under "Położenie" that an offline point makes untrue (hidden then).
_POINT_NOTES = (
    "editor.no_point", "editor.move_hint", "editor.point_set", "editor.point_accuracy",
    "editor.low_accuracy", "editor.locating",
)
# The short form each layer gets offline, when the form on screen is another layer's:
# what a worker notes standing in the street; the rest is added online.
OFFLINE_FIELDS = {
    "resource": ("category", "name", "description", "target_groups", "visibility"),
    "partner": ("sector", "name", "description", "visibility"),
    "need": ("category", "name", "source_method", "priority", "description",
             "target_groups", "visibility", "whole_area"),
}
# Fields the service refuses to save empty, checked in the browser before an entry is kept.
_REQUIRED = ("name", "category", "sector", "source_method")
_TOKEN = re.compile(r"[0-9a-f]{32}")  # editor_state.new_token's form
# Digests of fixed data (``_fixed``) the browser is taken to hold: fewer than it keeps (4).
HELD_DIGESTS = 3
_TEXT = ("name", "address", "phone", "email", "www", "verified_by", "source")
_AREA = ("description", "opening_hours", "evidence")


def draft_name(layer: str, pin_id: int | None) -> str:
    """The form's name in the browser's drafts: ``new.<layer>`` or ``edit.<layer>.<id>``.

    >>> draft_name("need", None), draft_name("need", 7)
    ('new.need', 'edit.need.7')
    """
    return f"new.{layer}" if pin_id is None else f"edit.{layer}.{pin_id}"


def _options(codes: Sequence[Any], label: Callable[[Any], str]) -> list[list[Any]]:
    return [[code, label(code)] for code in codes]


def _catalogue_options(choices: Choices, vocabulary: str, lang: str) -> list[list[Any]]:
    index = choices.index()
    out = []
    for entry in choices.entries(vocabulary):
        label = entry.label(lang)
        if vocabulary == "resource_category":
            # The form names a category's kind too (pin_forms._category_label).
            kind = index.get(("resource_kind", entry.parent_code or ""))
            label = f"{label} ({kind.label(lang)})" if kind else label
        out.append([entry.code, label])
    return out


def field_kinds(layer: str, choices: Choices, lang: str) -> dict[str, tuple[str, list[Any]]]:
    """Each field of ``layer``'s form: the kind of widget and its (code, label) choices."""
    kinds: dict[str, tuple[str, list[Any]]] = {}
    for name in (*pins.FIELDS[layer], "whole_area", "resource_ids"):
        if name in _TEXT:
            kinds[name] = ("text", [])
        elif name in _AREA:
            kinds[name] = ("area", [])
        elif name == "visibility":
            kinds[name] = ("radio", _options(VISIBILITIES, lambda v: t(f"visibility.{v}", lang)))
        elif name == "priority":
            kinds[name] = ("radio", _options(
                [1, 2, 3], lambda p: f"{p} – {t(PRIORITY_KEYS[p], lang)}"))
        elif name == "status":
            kinds[name] = ("select", _options(NEED_STATUSES, lambda s: t(f"status.{s}", lang)))
        elif name == "category":
            vocabulary = "resource_category" if layer == "resource" else "need_category"
            kinds[name] = ("select", _catalogue_options(choices, vocabulary, lang))
        elif name in ("sector", "source_method"):
            vocabulary = "partner_sector" if name == "sector" else "source_method"
            kinds[name] = ("select", _catalogue_options(choices, vocabulary, lang))
        elif name == "target_groups":
            kinds[name] = ("multi", _catalogue_options(choices, "target_group", lang))
        elif name == "provider_partner_id":
            partners = dict(choices.partners)
            kinds[name] = ("select", [[None, t("editor.no_partner", lang)]] + [
                [i, partners[i]] for i in sorted(partners)])
        elif name == "verified_on":
            kinds[name] = ("date", [])
        elif name == "serves_from_outside" or (name == "whole_area" and layer == "need"):
            kinds[name] = ("check", [])
        elif name == "resource_ids" and layer == "need":
            resources = dict(choices.resources)
            kinds[name] = ("multi", [[i, resources[i]] for i in sorted(resources)])
    return kinds


def describe_form(
    layer: str,
    form_key: str,
    choices: Choices,
    lang: str,
    *,
    ref: pins.PinRef | None,
    token: str,
    point: Any,
    loaded: Mapping[str, Any],
) -> dict[str, Any]:
    """What the browser needs to keep a draft of one form and to queue its Save."""
    return {
        "key": "st-key-" + form_key,
        "save": f"st-key-{form_key}.save",
        # The layer chooser and the position box above the form, found by their keys.
        "layer_radio": "st-key-" + state.EDITOR_LAYER,
        "coords": "st-key-" + state.EDITOR_COORDS,
        # A new pin's heading names its layer: hidden while another layer's short form shows.
        "heading": t("editor.new_heading", lang, layer=t(f"layer.{layer}", lang))
        if ref is None else None,
        # A new pin's point from the device's GPS: its accuracy goes with an outbox entry.
        "accuracy": editor_state.accuracy() if ref is None and point is not None else None,
        "offline_layers": offline_layers(choices, lang),
        "draft": draft_name(layer, ref.id if ref else None),
        "layer": layer,
        "is_new": ref is None,
        "pin_id": ref.id if ref else None,
        "version": ref.version if ref else None,
        "token": token,
        "point": list(point) if point is not None else None,
        "loaded_resource_ids": list(loaded.get("resource_ids") or []),
        "title": loaded.get("name") or t("fieldsync.untitled", lang),
        "fields": [
            # Each field's widget is found by its key, ``<key>.<name>`` (field_sync.js).
            {"name": name, "kind": kind, "options": options}
            for name, (kind, options) in field_kinds(layer, choices, lang).items()
        ],
    }


def offline_layers(choices: Choices, lang: str) -> list[dict[str, Any]]:
    """Each layer's short offline form: its fields with labels and choices, and its defaults.

    The catalogue goes to the browser with the page, so a worker who lost the
    signal with one layer's form open can still note an entry of another layer.
    Built once per catalogue and language (the editor describes its form on every run).
    """
    return _offline_layers(tuple(choices.catalogue), lang)


@functools.lru_cache(maxsize=8)
def _offline_layers(catalogue: tuple[Entry, ...], lang: str) -> list[dict[str, Any]]:
    choices = Choices(catalogue)  # no partners or resources: the short forms offer neither
    out = []
    for layer, names in OFFLINE_FIELDS.items():
        kinds = field_kinds(layer, choices, lang)
        out.append({
            "layer": layer,
            "label": t(f"layer.{layer}", lang),
            "draft": draft_name(layer, None),
            "values": empty_values(layer),
            "save": t("editor.save_new", lang),
            "fields": [
                {
                    "name": name, "kind": kinds[name][0], "options": kinds[name][1],
                    "label": t("editor.whole_area", lang) if name == "whole_area"
                    else field_label(name, lang),
                    "required": name in _REQUIRED,
                }
                for name in names
            ],
        })
    return out


def form_values(layer: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A draft or an outbox entry's values as the form holds them (dates as dates, ids as ints).

    >>> form_values("resource", {"verified_on": "2026-06-01", "name": "A", "bogus": 1})
    {'verified_on': datetime.date(2026, 6, 1), 'name': 'A'}
    """
    known = (*pins.FIELDS[layer], "whole_area", "resource_ids")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in known:
            continue
        if name == "verified_on" and isinstance(value, str) and value:
            try:
                value = dt.date.fromisoformat(value.replace("/", "-"))
            except ValueError:
                value = None
        elif name == "resource_ids":
            value = [int(v) for v in value or [] if str(v).isdigit()]
        values[name] = value
    return values


def restored(form_key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a form starts from: ``values``, under a draft restored into this form."""
    kept = state.get(state.EDITOR_RESTORED) or {}
    if kept.get("form") != form_key:
        return dict(values)
    return {**values, **kept["values"]}


def restore(form_key: str, layer: str, raw: Mapping[str, Any]) -> None:
    """Start the form ``form_key`` (fresh widgets: a new token or generation) from a draft."""
    state.put(state.EDITOR_RESTORED, {"form": form_key, "values": form_values(layer, raw)})


def saved(layer: str, pin_id: int | None, lang: str, text: str) -> None:
    """A form was saved: the browser drops its draft and shows ``text`` at the top."""
    drafts = state.setdefault(state.EDITOR_DRAFTS_SAVED, [])
    drafts.append({"draft": draft_name(layer, pin_id), "seq": uuid.uuid4().hex})
    del drafts[:-5]
    state.put(state.EDITOR_CONFIRM, {"text": text, "seq": uuid.uuid4().hex})


def mount(
    username: str,
    area_id: int | None,
    lang: str,
    form: Mapping[str, Any] | None,
    results: Mapping[str, Any],
) -> Any:
    """Draw the drafts-and-outbox component; its triggers (``send``, ``restore``…) come back.

    What changes only with the catalogue, the language and the form's layer
    (``_fixed``: the texts, the form's choices, the other layers' short forms;
    most of the data) travels once and then by its digest, which the browser
    holds it under: a tap on the map sends the point, not the catalogue again.
    """
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    fixed, form = _fixed(lang, form)
    digest = hashlib.sha256(
        json.dumps(fixed, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]
    data = {
        "store": f"calmap.field.{username}",
        "user": username,
        "lang": lang,
        "area": area_id,
        "health": ("/" + base if base else "") + "/_stcore/health",
        "form": form,
        "results": dict(results),
        "cleared": state.get(state.EDITOR_DRAFTS_SAVED) or [],
        "confirm": state.get(state.EDITOR_CONFIRM),
        # The position box as this run drew it: a tap shown there at once gives way to it.
        "coords": state.get(state.EDITOR_COORDS) or "",
        "fixed_digest": digest,
        "fixed": None if state.held(state.EDITOR_FIELD_HELD, digest) else fixed,
    }
    state.sent(state.EDITOR_FIELD_HELD, digest, HELD_DIGESTS)
    return _component()(
        key=state.EDITOR_FIELD_SYNC, data=data, on_send_change=lambda: None,
        on_restore_change=lambda: None, on_missing_change=forget_held,
    )


def forget_held() -> None:
    """The browser lacks fixed data sent before (it said so): the run it asks for sends it.

    Its ``missing`` trigger's callback, run before that run: a run drawn over an
    earlier one before the browser showed the earlier one's data is all it costs.
    """
    state.pop(state.EDITOR_FIELD_HELD)


def _fixed(
    lang: str, form: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The component's fixed data, and the form described without it."""
    fixed: dict[str, Any] = {
        "text": {name: t(f"fieldsync.{name}", lang) for name in _TEXTS},
        "point_notes": [_opening(key, lang) for key in _POINT_NOTES],
    }
    if form is None:
        return fixed, None
    rest = {k: v for k, v in form.items() if k not in ("fields", "offline_layers")}
    fixed["fields"] = form["fields"]
    fixed["offline_layers"] = form["offline_layers"]
    return fixed, rest


def _opening(key: str, lang: str) -> str:
    """A message's words before its first value: how the browser recognises it on screen.

    >>> _opening("editor.point_set", "pl")
    'Zaznaczony punkt: '
    """
    return t(key, lang, point="\x00", metres="\x00").split("\x00")[0]


def take_restore(asked: Mapping[str, Any], form: Mapping[str, Any]) -> bool:
    """Bring a draft back into ``form`` (as ``describe_form`` described it); True if it was.

    The form is drawn again with fresh widgets that start from the draft. An
    edit's draft keeps the version its editing began from, so saving it after
    someone else changed the pin is a conflict, never a silent overwrite.
    """
    if asked.get("draft") != form["draft"] or not isinstance(asked.get("values"), Mapping):
        return False
    layer = str(form["layer"])
    if form["is_new"]:
        # The draft's own token: if its form did reach the server before the connection
        # dropped, saving it again is refused as already saved, not stored twice.
        token = asked.get("token")
        if isinstance(token, str) and _TOKEN.fullmatch(token) and token != form["token"]:
            state.put(state.EDITOR_TOKEN, token)
        else:
            editor_state.new_token()
        key = f"{state.EDITOR}new.{layer}.{editor_state.form_token()}"
    else:
        generation = state.bump(state.EDITOR_GENERATION)
        key = f"{state.EDITOR}edit.{layer}.{form['pin_id']}.{generation}"
        version = asked.get("version")
        if isinstance(version, int) and version != form["version"]:
            state.put(state.EDITOR_OPEN, pins.PinRef(layer, int(form["pin_id"]), version))
    restore(key, layer, asked["values"])
    return True
