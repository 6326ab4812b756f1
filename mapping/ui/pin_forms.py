"""The editor's pin form: one form per pin, its Save, and each field's message after a save.

The fields of each layer are in ``pin_layers`` (drawn with ``pin_fields``);
what a value reads like, the history and the conflicts are in
``pin_display``, and the table of pins in ``pin_table``. Their names used by
the pages and the outbox are re-exported here, so callers keep one import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from mapping.i18n import t
from mapping.ui import pin_layers
from mapping.ui.pin_display import (
    EMPTY,
    LOCAL_TIME,
    PRIORITY_KEYS,
    TRACKED_EXTRA,
    changed_fields,
    conflict_rows,
    display_value,
    field_label,
    history_rows,
    restore_labels,
    tracked_fields,
)
from mapping.ui.pin_fields import DEFAULT_VISIBILITY, Choices, Fields, Slots, empty_values
from mapping.ui.pin_table import pin_table, sort_options

__all__ = [
    "DEFAULT_VISIBILITY", "EMPTY", "LOCAL_TIME", "PRIORITY_KEYS", "TRACKED_EXTRA", "Choices",
    "Slots", "Submitted", "changed_fields", "conflict_rows", "display_value", "empty_values",
    "field_label", "history_rows", "pin_form", "pin_table", "restore_labels",
    "show_field_errors", "sort_options", "tracked_fields",
]

@dataclass
class Submitted:
    """A submitted pin form: the service fields and the editor's own choices."""

    data: dict[str, Any]
    whole_area: bool = False
    resource_ids: list[int] = field(default_factory=list)


def pin_form(
    layer: str,
    key: str,
    values: Mapping[str, Any],
    choices: Choices,
    lang: str,
    *,
    is_new: bool,
) -> tuple[Submitted | None, Slots]:
    """Draw the form of one pin; return what was submitted (or None) and the message slots."""
    f = Fields(key, layer, values, choices, lang)
    with st.form(key, border=True):
        if layer == "resource":
            f.slots.add("point")  # the position is chosen above the form
            pin_layers.resource(f)
        elif layer == "partner":
            f.slots.add("point")
            pin_layers.partner(f)
        else:
            pin_layers.need(f, is_new=is_new)
        f.text("source")
        submitted = st.form_submit_button(
            t("editor.save_new" if is_new else "editor.save", lang),
            type="primary", width="stretch", key=f.k("save"),
        )
    f.slots.add("form")
    if not submitted:
        return None, f.slots
    return Submitted(data=f.data, **f.extra), f.slots


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
