"""The editor's forms and tables: pin forms per layer, conflict and history tables.

Labels come from ``mapping.i18n`` (fields, statuses, visibility) and from the
catalogue in the chosen language (categories, sectors, target groups,
source methods). The display helpers are plain functions so they can be
tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from mapping.catalog import Entry
from mapping.i18n import MESSAGES, t
from mapping.services.layers import CATEGORY_VOCABULARY, NEED_STATUSES, VISIBILITIES
from mapping.services.pins import FIELDS, Version
from mapping.ui.safe_text import md_t

LOCAL_TIME = ZoneInfo("Europe/Warsaw")
EMPTY = "—"
PRIORITY_KEYS = {1: "priority.low", 2: "priority.medium", 3: "priority.high"}
# New pins: resources and partners are public unless the organiser says
# otherwise; needs are for the partnership's eyes until someone decides more.
DEFAULT_VISIBILITY = {"resource": "public", "partner": "public", "need": "partnership"}
# Fields that show up in history and conflicts besides the editable ones.
TRACKED_EXTRA = ("geom", "retired_at")
_VOCABULARY_OF_FIELD = {
    "sector": "partner_sector",
    "source_method": "source_method",
    "target_groups": "target_group",
    "kind": "resource_kind",
}
_TEXT_LIMIT = 60


@dataclass
class Choices:
    """What the selectboxes of a pin form offer."""

    catalogue: Sequence[Entry]
    partners: Mapping[int, str] = field(default_factory=dict)
    resources: Mapping[int, str] = field(default_factory=dict)

    def entries(self, vocabulary: str) -> list[Entry]:
        """Active entries of one vocabulary, in catalogue order."""
        return [e for e in self.catalogue if e.vocabulary == vocabulary]

    def index(self) -> dict[tuple[str, str], Entry]:
        """Entries by (vocabulary, code)."""
        return {(e.vocabulary, e.code): e for e in self.catalogue}


@dataclass
class Submitted:
    """A submitted pin form: the service fields and the editor's own choices."""

    data: dict[str, Any]
    whole_area: bool = False
    resource_ids: list[int] = field(default_factory=list)


def empty_values(layer: str) -> dict[str, Any]:
    """The starting values of a new pin's form."""
    values: dict[str, Any] = {"visibility": DEFAULT_VISIBILITY[layer]}
    if layer == "need":
        values.update(priority=2, status="identified")
    return values


# --- display helpers ---------------------------------------------------------------------


def _vocabulary(layer: str, name: str) -> str | None:
    if name == "category":
        return CATEGORY_VOCABULARY[layer]
    return _VOCABULARY_OF_FIELD.get(name)


def _short(text: str) -> str:
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def display_value(
    layer: str,
    name: str,
    value: Any,
    lang: str,
    index: Mapping[tuple[str, str], Entry],
) -> str:
    """A stored value (as a form or the history's JSON holds it) as a person reads it.

    >>> display_value("need", "status", "met", "en", {})
    'met'
    >>> display_value("resource", "geom", {"type": "Point", "coordinates": [18.6, 54.4]}, "en", {})
    '54.400000, 18.600000'
    >>> display_value("resource", "phone", None, "pl", {})
    '—'
    """
    if value is None or value == "" or value == []:
        return EMPTY
    if name == "geom":
        if isinstance(value, Mapping) and value.get("type") == "Point":
            lon, lat = value["coordinates"][:2]
            return f"{lat:.6f}, {lon:.6f}"
        return str(value)
    if isinstance(value, bool):
        return t("editor.yes" if value else "editor.no", lang)
    if name == "status":
        return t(f"status.{value}", lang) if value in NEED_STATUSES else str(value)
    if name == "visibility":
        return t(f"visibility.{value}", lang) if value in VISIBILITIES else str(value)
    if name == "priority" and value in PRIORITY_KEYS:
        return f"{value} – {t(PRIORITY_KEYS[value], lang)}"
    if name in ("retired_at", "verified_on"):
        return _when(value)
    vocabulary = _vocabulary(layer, name)
    if vocabulary is not None:
        codes = value if isinstance(value, list | tuple) else [value]
        return ", ".join(
            index[(vocabulary, c)].label(lang) if (vocabulary, c) in index else str(c)
            for c in codes
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return _short(str(value))


def _when(value: Any, seconds: bool = False) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TIME)
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def tracked_fields(layer: str) -> tuple[str, ...]:
    """The fields whose changes history and conflicts report, in form order."""
    return (*FIELDS[layer], *TRACKED_EXTRA)


def changed_fields(layer: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The tracked fields whose values differ between two recorded states.

    >>> changed_fields("need", {"status": "identified", "name": "A"},
    ...                {"status": "met", "name": "A"})
    ['status']
    """
    return [name for name in tracked_fields(layer) if before.get(name) != after.get(name)]


def conflict_rows(
    layer: str,
    changes: Mapping[str, Sequence[Any]],
    lang: str,
    index: Mapping[tuple[str, str], Entry],
) -> pd.DataFrame:
    """The other person's changes: field, what this user saw, what is stored now."""
    ordered = [n for n in tracked_fields(layer) if n in changes]
    ordered += [n for n in changes if n not in ordered]
    rows = [
        {
            t("editor.col_field", lang): field_label(name, lang),
            t("editor.col_seen", lang): display_value(layer, name, changes[name][0], lang, index),
            t("editor.col_now", lang): display_value(layer, name, changes[name][1], lang, index),
        }
        for name in ordered
        if name not in ("version", "updated_at")
    ]
    return pd.DataFrame(rows)


def field_label(name: str, lang: str) -> str:
    """The label of a pin field in ``lang`` (its name, for a field the catalogue lacks)."""
    return t(f"field.{name}", lang) if f"field.{name}" in MESSAGES else name


def history_rows(
    layer: str,
    versions: Sequence[Version],
    lang: str,
    index: Mapping[tuple[str, str], Entry],
) -> list[dict[str, str]]:
    """One row per version, newest first: when (to the second), who, what operation, what changed.

    Who is the author's display name (their login when they have none, and
    the database user for an edit made in QGIS or psql).
    """
    rows = []
    for i, version in enumerate(versions):
        previous = versions[i + 1].data if i + 1 < len(versions) else None
        if version.operation == "INSERT" or previous is None:
            changes = t("editor.created", lang)
        else:
            changes = "; ".join(
                f"{field_label(name, lang)}: "
                f"{display_value(layer, name, previous.get(name), lang, index)} → "
                f"{display_value(layer, name, version.data.get(name), lang, index)}"
                for name in changed_fields(layer, previous, version.data)
            ) or t("editor.no_changes", lang)
        rows.append(
            {
                "when": _when(version.changed_at, seconds=True),
                "who": version.author,
                "operation": t(f"operation.{version.operation.lower()}", lang),
                "changes": changes,
            }
        )
    return rows


def restore_labels(rows: Sequence[Mapping[str, str]], lang: str) -> list[str]:
    """The label of each version's "restore" button: when and who, never twice the same.

    Button labels are Markdown: the values are escaped (a display name is
    typed by people). Two versions saved by one person within a second would
    read alike; the later ones get a number.

    >>> rows = [{"when": "2026-06-01 12:00:00", "who": "Ewa"}] * 2
    >>> for label in restore_labels(rows, "en"):
    ...     print(label.replace(chr(92), ""))  # unescaped, to read
    ↩ Restore this version: 2026-06-01 12:00:00, Ewa
    ↩ Restore this version: 2026-06-01 12:00:00, Ewa (2)
    """
    labels: list[str] = []
    for row in rows:
        label = md_t("editor.restore_version", lang, when=row["when"], who=row["who"])
        repeat = 1
        while (label if repeat == 1 else f"{label} ({repeat})") in labels:
            repeat += 1
        labels.append(label if repeat == 1 else f"{label} ({repeat})")
    return labels


# --- the pin form ------------------------------------------------------------------------


def _select(
    label: str,
    options: list[Any],
    value: Any,
    key: str,
    format_func: Any,
    lang: str,
    **kwargs: Any,
) -> Any:
    if value is not None and value not in options:
        options = [*options, value]  # e.g. a category deactivated since
    return st.selectbox(
        label,
        options,
        index=options.index(value) if value in options else None,
        format_func=format_func,
        key=key,
        placeholder=t("editor.choose", lang),
        **kwargs,
    )


def _entry_label(index: Mapping[tuple[str, str], Entry], vocabulary: str, lang: str) -> Any:
    def label(code: Any) -> str:
        entry = index.get((vocabulary, code))
        return entry.label(lang) if entry else str(code)

    return label


def _category_label(choices: Choices, lang: str) -> Any:
    index = choices.index()

    def label(code: Any) -> str:
        entry = index.get(("resource_category", code))
        if entry is None:
            return str(code)
        kind = index.get(("resource_kind", entry.parent_code or ""))
        return f"{entry.label(lang)} ({kind.label(lang)})" if kind else entry.label(lang)

    return label


def _multi(
    label: str, options: Iterable[Any], value: Any, key: str, format_func: Any, lang: str
) -> list[Any]:
    chosen = list(value or [])
    offered = list(options)
    offered += [v for v in chosen if v not in offered]
    return st.multiselect(
        label, offered, default=chosen, format_func=format_func, key=key,
        placeholder=t("editor.choose", lang),
    )


class _Slots(dict[str, Any]):
    """Placeholders under each field, filled with that field's message after a save."""

    def add(self, name: str) -> None:
        self[name] = st.empty()


def pin_form(
    layer: str,
    key: str,
    values: Mapping[str, Any],
    choices: Choices,
    lang: str,
    *,
    is_new: bool,
) -> tuple[Submitted | None, _Slots]:
    """Draw the form of one pin; return what was submitted (or None) and the message slots."""
    index = choices.index()
    slots = _Slots()
    k = f"{key}."
    data: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    with st.form(key, border=True):
        if layer != "need":
            slots.add("point")  # the position is chosen above the form
        left, right = st.columns(2)
        if layer == "resource":
            with left:
                data["category"] = _select(
                    field_label("category", lang),
                    [e.code for e in choices.entries("resource_category")],
                    values.get("category"), k + "category", _category_label(choices, lang), lang,
                )
                slots.add("category")
                _contact_fields(data, values, slots, k, lang)
            with right:
                _text_area(data, values, slots, k, lang, "description")
                _text_area(data, values, slots, k, lang, "opening_hours", height=80)
                data["target_groups"] = _multi(
                    field_label("target_groups", lang),
                    [e.code for e in choices.entries("target_group")],
                    values.get("target_groups"), k + "target_groups",
                    _entry_label(index, "target_group", lang), lang,
                )
                slots.add("target_groups")
                partners = dict(choices.partners)
                provider = values.get("provider_partner_id")
                options = [None, *sorted(partners, key=lambda i: partners[i].casefold())]
                if provider not in options:
                    options.append(provider)  # a partner outside this city
                data["provider_partner_id"] = st.selectbox(
                    field_label("provider_partner_id", lang), options,
                    index=options.index(provider),
                    format_func=lambda i: t("editor.no_partner", lang) if i is None
                    else partners.get(i, f"#{i}"),
                    key=k + "provider_partner_id",
                )
                slots.add("provider_partner_id")
                _visibility(data, values, slots, k, lang)
            when, who = st.columns(2)
            with when:
                data["verified_on"] = st.date_input(
                    field_label("verified_on", lang), value=values.get("verified_on"),
                    key=k + "verified_on", format="YYYY-MM-DD", max_value=dt.date.today(),
                )
                slots.add("verified_on")
            with who:
                _text(data, values, slots, k, lang, "verified_by")
            _outside(data, values, slots, k, lang)
        elif layer == "partner":
            with left:
                data["sector"] = _select(
                    field_label("sector", lang),
                    [e.code for e in choices.entries("partner_sector")],
                    values.get("sector"), k + "sector",
                    _entry_label(index, "partner_sector", lang), lang,
                )
                slots.add("sector")
                _contact_fields(data, values, slots, k, lang)
            with right:
                _text_area(data, values, slots, k, lang, "description")
                _visibility(data, values, slots, k, lang)
            _outside(data, values, slots, k, lang)
            st.caption(t("editor.partnerships_note", lang))
        else:
            with left:
                data["category"] = _select(
                    field_label("category", lang),
                    [e.code for e in choices.entries("need_category")],
                    values.get("category"), k + "category",
                    _entry_label(index, "need_category", lang), lang,
                )
                slots.add("category")
                _text(data, values, slots, k, lang, "name")
                data["priority"] = st.radio(
                    field_label("priority", lang), [1, 2, 3],
                    index=[1, 2, 3].index(values.get("priority") or 2),
                    format_func=lambda p: f"{p} – {t(PRIORITY_KEYS[p], lang)}",
                    horizontal=True, key=k + "priority",
                )
                slots.add("priority")
                data["status"] = _select(
                    field_label("status", lang), list(NEED_STATUSES), values.get("status"),
                    k + "status", lambda s: t(f"status.{s}", lang), lang,
                )
                slots.add("status")
                data["source_method"] = _select(
                    field_label("source_method", lang),
                    [e.code for e in choices.entries("source_method")],
                    values.get("source_method"), k + "source_method",
                    _entry_label(index, "source_method", lang), lang,
                )
                slots.add("source_method")
            with right:
                _text_area(data, values, slots, k, lang, "description")
                _text_area(data, values, slots, k, lang, "evidence")
                data["target_groups"] = _multi(
                    field_label("target_groups", lang),
                    [e.code for e in choices.entries("target_group")],
                    values.get("target_groups"), k + "target_groups",
                    _entry_label(index, "target_group", lang), lang,
                )
                slots.add("target_groups")
                _visibility(data, values, slots, k, lang)
            extra["whole_area"] = st.checkbox(
                t("editor.whole_area", lang),
                value=not is_new and values.get("lon") is None,
                key=k + "whole_area",
            )
            slots.add("point")
            # A new need only: an open need's links are edited in its plan panel
            # (need_plan.panel, with history and partners), the one picker there.
            if is_new:
                resources = dict(choices.resources)
                extra["resource_ids"] = _multi(
                    t("editor.responding_resources", lang),
                    sorted(resources, key=lambda i: resources[i].casefold()),
                    values.get("resource_ids"), k + "resource_ids",
                    lambda i: resources.get(i, f"#{i}"), lang,
                )
        _text(data, values, slots, k, lang, "source")
        submitted = st.form_submit_button(
            t("editor.save_new" if is_new else "editor.save", lang),
            type="primary", width="stretch", key=k + "save",
        )
    slots.add("form")
    if not submitted:
        return None, slots
    return Submitted(data=data, **extra), slots


def _text(data: dict[str, Any], values: Mapping[str, Any], slots: _Slots, k: str, lang: str,
          name: str) -> None:
    data[name] = st.text_input(field_label(name, lang), value=values.get(name) or "",
                               key=k + name)
    slots.add(name)


def _text_area(data: dict[str, Any], values: Mapping[str, Any], slots: _Slots, k: str,
               lang: str, name: str, height: int = 100) -> None:
    data[name] = st.text_area(field_label(name, lang), value=values.get(name) or "",
                              key=k + name, height=height)
    slots.add(name)


def _contact_fields(data: dict[str, Any], values: Mapping[str, Any], slots: _Slots, k: str,
                    lang: str) -> None:
    for name in ("name", "address", "phone", "email", "www"):
        _text(data, values, slots, k, lang, name)


def _visibility(data: dict[str, Any], values: Mapping[str, Any], slots: _Slots, k: str,
                lang: str) -> None:
    current = values.get("visibility") or "public"
    data["visibility"] = st.radio(
        field_label("visibility", lang), list(VISIBILITIES),
        index=list(VISIBILITIES).index(current) if current in VISIBILITIES else 0,
        format_func=lambda v: t(f"visibility.{v}", lang), horizontal=True,
        key=k + "visibility",
    )
    slots.add("visibility")


def _outside(data: dict[str, Any], values: Mapping[str, Any], slots: _Slots, k: str,
             lang: str) -> None:
    data["serves_from_outside"] = st.checkbox(
        field_label("serves_from_outside", lang),
        value=bool(values.get("serves_from_outside")), key=k + "serves_from_outside",
    )
    slots.add("serves_from_outside")


def show_field_errors(
    slots: Mapping[str, Any], errors: Mapping[str, str], data: Mapping[str, Any], lang: str
) -> list[str]:
    """Put each field's message under its field; return the messages that have no place."""
    leftover = []
    for name, key in errors.items():
        # An empty selectbox fails as "not in the catalogue"; say "required" instead.
        if key == "error.unknown_choice" and data.get(name) in (None, ""):
            key = "error.required"
        message = f"{field_label(name, lang)}: {t(key, lang)}"
        if name in slots and name != "form":
            slots[name].error(message)
        else:
            leftover.append(message)
    return leftover


# --- the table of pins ---------------------------------------------------------------------


def sort_options(layer: str) -> list[str]:
    """What the table of a layer can be sorted by (field names, and "newest")."""
    extra = {"resource": ["verified_on"], "partner": [], "need": ["priority", "status"]}
    category = "sector" if layer == "partner" else "category"
    return ["name", category, *extra[layer], "newest"]


def pin_table(
    frame: pd.DataFrame,
    layer: str,
    lang: str,
    index: Mapping[tuple[str, str], Entry],
    *,
    text: str = "",
    categories: Sequence[str] = (),
    statuses: Sequence[str] | None = None,
    sort_by: str = "name",
) -> pd.DataFrame:
    """The pins of a layer as the editor's table shows them, filtered and sorted.

    Keeps ``id`` and ``version`` (for opening a pin and for optimistic
    locking); every other column is labelled in ``lang``.
    """
    rows = frame.copy() if len(frame) else frame.iloc[0:0].copy()
    if text.strip():
        needle = text.strip().casefold()
        haystack = rows[["name", "description", "address"]].fillna("").astype(str).agg(
            " ".join, axis=1
        )
        rows = rows[haystack.str.casefold().str.contains(needle, regex=False)]
    if categories:
        rows = rows[rows["category"].astype(str).isin(list(categories))]
    if layer == "need" and statuses is not None:
        rows = rows[rows["status"].isin(list(statuses))]
    category_field = "sector" if layer == "partner" else "category"
    if sort_by == "newest":
        rows = rows.sort_values("id", ascending=False)
    elif sort_by == "priority":
        rows = rows.sort_values(["priority", "name"], ascending=[False, True])
    elif sort_by == "verified_on":
        rows = rows.sort_values(["verified_on", "name"], na_position="first")
    elif sort_by in ("status", category_field):
        column = "category" if sort_by == category_field else sort_by
        labels = rows[column].map(lambda c: display_value(layer, sort_by, c, lang, index))
        rows = rows.assign(_order=labels.str.casefold()).sort_values(["_order", "name"])
    else:
        rows = rows.assign(_order=rows["name"].astype(str).str.casefold()).sort_values("_order")
    located = rows.geometry.notna() & ~rows.geometry.is_empty if len(rows) else []
    table = pd.DataFrame(
        {
            "id": rows["id"].astype(int).to_numpy(),
            "version": rows["version"].astype(int).to_numpy(),
            field_label("name", lang): rows["name"].astype(str).to_numpy(),
            field_label(category_field, lang): [
                display_value(layer, category_field, c, lang, index) for c in rows["category"]
            ],
        }
    )
    if layer == "need":
        table[field_label("status", lang)] = [t(f"status.{s}", lang) for s in rows["status"]]
        table[field_label("priority", lang)] = [
            display_value(layer, "priority", int(p), lang, index) for p in rows["priority"]
        ]
    if layer == "resource":
        table[field_label("verified_on", lang)] = [
            display_value(layer, "verified_on", v if pd.notna(v) else None, lang, index)
            for v in rows["verified_on"]
        ]
    table[field_label("address", lang)] = [
        display_value(layer, "address", a if isinstance(a, str) else None, lang, index)
        for a in rows["address"]
    ]
    table[field_label("visibility", lang)] = [
        t(f"visibility.{v}", lang) for v in rows["visibility"]
    ]
    table[t("editor.col_on_map", lang)] = [
        t("editor.yes" if flag else "editor.no", lang) for flag in located
    ]
    return table

