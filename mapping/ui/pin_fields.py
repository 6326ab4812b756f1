"""The fields of a pin form, one widget at a time, each with a slot for its message.

``Fields`` is one form being drawn: the values it starts from, what its widgets
hold (``data``, the service's fields, and ``extra``, the editor's own choices)
and an empty slot under each field, filled with that field's message when a
save fails. Each widget's key is the form's key, a dot and the field's name:
the browser's drafts (``field_drafts``) find the widgets by it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.services.layers import VISIBILITIES
from mapping.ui.pin_display import field_label

# New pins: resources and partners are public unless the organiser says
# otherwise; needs are for the partnership's eyes until someone decides more.
DEFAULT_VISIBILITY = {"resource": "public", "partner": "public", "need": "partnership"}
# The fold's key in a form; field_layout's CSS finds it by this name in its class.
FOLD = "calmap_fold"


def empty_values(layer: str) -> dict[str, Any]:
    """The starting values of a new pin's form."""
    values: dict[str, Any] = {"visibility": DEFAULT_VISIBILITY[layer]}
    if layer == "need":
        values.update(priority=2, status="identified")
    return values


def filled(layer: str, values: Mapping[str, Any], names: Iterable[str]) -> int:
    """How many of the fields ``names`` hold something besides a new pin's default.

    >>> filled("need", {"status": "identified", "evidence": "x", "phone": ""},
    ...        ["status", "evidence", "phone"])
    1
    """
    defaults = empty_values(layer)
    return sum(
        1 for name in names
        if values.get(name) not in (None, "", [], False) and values.get(name) != defaults.get(name)
    )


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


class Slots(dict[str, Any]):
    """Placeholders under each field, filled with that field's message after a save."""

    def add(self, name: str) -> None:
        """An empty placeholder for ``name``'s message, here (under its field)."""
        self[name] = st.empty()


def entry_label(index: Mapping[tuple[str, str], Entry], vocabulary: str, lang: str) -> Any:
    """A ``format_func`` naming a code of ``vocabulary`` in ``lang`` (the code, if unknown)."""

    def label(code: Any) -> str:
        entry = index.get((vocabulary, code))
        return entry.label(lang) if entry else str(code)

    return label


def category_label(index: Mapping[tuple[str, str], Entry], lang: str) -> Any:
    """A ``format_func`` naming a resource category with its kind: "Biblioteka (Instytucja…)"."""

    def label(code: Any) -> str:
        entry = index.get(("resource_category", code))
        if entry is None:
            return str(code)
        kind = index.get(("resource_kind", entry.parent_code or ""))
        return f"{entry.label(lang)} ({kind.label(lang)})" if kind else entry.label(lang)

    return label


@dataclass
class Fields:
    """One pin form being drawn: its starting values, what its widgets hold, its slots."""

    key: str
    layer: str
    values: Mapping[str, Any]
    choices: Choices
    lang: str
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    slots: Slots = field(default_factory=Slots)

    def __post_init__(self) -> None:
        """Index the catalogue once for every label of this form."""
        self.index = self.choices.index()

    def k(self, name: str) -> str:
        """The widget key of field ``name`` in this form."""
        return f"{self.key}.{name}"

    def label(self, name: str) -> str:
        """Field ``name``'s label in the form's language."""
        return field_label(name, self.lang)

    def select(self, name: str, options: list[Any], format_func: Any, **kwargs: Any) -> None:
        """A selectbox for ``name``, empty until chosen; a stored value offered even if retired."""
        value = self.values.get(name)
        if value is not None and value not in options:
            options = [*options, value]  # e.g. a category deactivated since
        self.data[name] = st.selectbox(
            self.label(name),
            options,
            index=options.index(value) if value in options else None,
            format_func=format_func,
            key=self.k(name),
            placeholder=t("editor.choose", self.lang),
            **kwargs,
        )
        self.slots.add(name)

    def catalogue(self, name: str, vocabulary: str) -> None:
        """A selectbox of one catalogue vocabulary (a category, sector or source method)."""
        self.select(name, [e.code for e in self.choices.entries(vocabulary)],
                    entry_label(self.index, vocabulary, self.lang))

    def multi(self, label: str, options: Iterable[Any], value: Any, key: str,
              format_func: Any) -> list[Any]:
        """A multiselect starting from ``value``, offering chosen values out of ``options`` too."""
        chosen = list(value or [])
        offered = list(options)
        offered += [v for v in chosen if v not in offered]
        return st.multiselect(
            label, offered, default=chosen, format_func=format_func, key=key,
            placeholder=t("editor.choose", self.lang),
        )

    def target_groups(self) -> None:
        """Whom the pin is for: target groups of the catalogue."""
        self.data["target_groups"] = self.multi(
            self.label("target_groups"),
            [e.code for e in self.choices.entries("target_group")],
            self.values.get("target_groups"), self.k("target_groups"),
            entry_label(self.index, "target_group", self.lang),
        )
        self.slots.add("target_groups")

    def text(self, name: str) -> None:
        """A one-line text field."""
        self.data[name] = st.text_input(self.label(name), value=self.values.get(name) or "",
                                        key=self.k(name))
        self.slots.add(name)

    def text_area(self, name: str, height: int = 100) -> None:
        """A text field of several lines."""
        self.data[name] = st.text_area(self.label(name), value=self.values.get(name) or "",
                                       key=self.k(name), height=height)
        self.slots.add(name)

    def contact(self, names: Sequence[str] = ("name", "address", "phone", "email", "www")) -> None:
        """The name, address and contact fields, one text field each."""
        for name in names:
            self.text(name)

    def visibility(self) -> None:
        """Who sees the pin: public, the partnership or the team."""
        current = self.values.get("visibility") or "public"
        self.data["visibility"] = st.radio(
            self.label("visibility"), list(VISIBILITIES),
            index=list(VISIBILITIES).index(current) if current in VISIBILITIES else 0,
            format_func=lambda v: t(f"visibility.{v}", self.lang), horizontal=True,
            key=self.k("visibility"),
        )
        self.slots.add("visibility")

    def outside(self) -> None:
        """Whether the pin serves the area from outside it."""
        self.data["serves_from_outside"] = st.checkbox(
            self.label("serves_from_outside"),
            value=bool(self.values.get("serves_from_outside")), key=self.k("serves_from_outside"),
        )
        self.slots.add("serves_from_outside")

    def provider(self) -> None:
        """The partner that runs a resource (none, or one of the city's partners)."""
        partners = dict(self.choices.partners)
        provider = self.values.get("provider_partner_id")
        options = [None, *sorted(partners, key=lambda i: partners[i].casefold())]
        if provider not in options:
            options.append(provider)  # a partner outside this city
        self.data["provider_partner_id"] = st.selectbox(
            self.label("provider_partner_id"), options,
            index=options.index(provider),
            format_func=lambda i: t("editor.no_partner", self.lang) if i is None
            else partners.get(i, f"#{i}"),
            key=self.k("provider_partner_id"),
        )
        self.slots.add("provider_partner_id")

    def verified(self) -> None:
        """When a resource was last checked, and by whom, side by side."""
        when, who = st.columns(2)
        with when:
            self.data["verified_on"] = st.date_input(
                self.label("verified_on"), value=self.values.get("verified_on"),
                key=self.k("verified_on"), format="YYYY-MM-DD", max_value=dt.date.today(),
            )
            self.slots.add("verified_on")
        with who:
            self.text("verified_by")

    @contextmanager
    def fold(self, names: Sequence[str]) -> Iterator[None]:
        """The optional fields ``names``, folded under one "More details" on a touch device.

        Its label counts the fields that already hold something (an edited pin, a
        restored draft), so nothing typed is hidden unannounced. A computer's
        screen shows the fold open and flat, as if it were not there
        (``field_layout``'s CSS): every field in view, as before.
        """
        count = filled(self.layer, self.values, names)
        label = (t("editor.more_filled", self.lang, count=count) if count
                 else t("editor.more_details", self.lang))
        with st.expander(label, key=self.k(FOLD)):
            yield
