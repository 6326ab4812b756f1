"""The popups of pins and areas, assembled from parts escaped in Python."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.markup import (
    _entry,
    _index,
    _labels,
    _link,
    _links,
    _missing,
    _multiline,
    _multilines,
    _rows_table,
    _swatch,
    _text,
    _texts,
    plain_texts,
)
from mapping.services.layers import CATEGORY_VOCABULARY


class _PopupBuilder:
    """The popups of one layer's pins: labels and category lines worked out once.

    ``parts`` gives what differs per pin (escaped here, in Python); ``html``
    assembles them. The pin layers send the parts and assemble the very same
    HTML in the browser (``popupHtml`` in calmap-pins.js), which keeps the page of a
    layer with thousands of pins about half as big.
    """

    # Rows of each layer's popup table, in order (the category is the heading line).
    ROWS = {
        "resource": ("address", "opening_hours", "target_groups", "phone", "email", "www",
                     "visibility"),
        "partner": ("address", "partnerships", "phone", "email", "www", "visibility"),
        "need": ("address", "target_groups", "status", "priority", "source_method", "evidence",
                 "phone", "email", "www", "visibility"),
    }

    def __init__(
        self, layer: str, index: Mapping[tuple[str, str], Entry], language: str
    ) -> None:
        self.layer = layer
        self.index = index
        self.language = language
        self.fields = self.ROWS[layer]
        self.labels = [t(f"popup.{name}", language) for name in self.fields]
        self._heads: dict[str, str] = {}
        self._groups: dict[tuple[Any, ...], str | None] = {}
        # The fields shown as the user typed them (the name, the description and
        # the rows not made of catalogue labels): a frame's Arrow text columns go
        # to ``plain_texts`` as they are; codes and lists are converted per value.
        self.text_fields = frozenset(
            ("name", "description",
             *(name for name, kind in zip(self.fields, self.kinds(), strict=True) if kind != "h"))
        )

    def head(self, code: str) -> str:
        """The category line: the layer's pin shape in the category colour, and its label."""
        found = self._heads.get(code)
        if found is None:
            entry = _entry(self.index, CATEGORY_VOCABULARY[self.layer], code)
            found = (
                f"{_swatch(self.layer, entry.icon, entry.colour)} "
                f"{html.escape(entry.label(self.language))}"
            )
            self._heads[code] = found
        return found

    def _convert(self, name: str) -> Any:
        """How one field's value becomes the HTML of its row (None: no row)."""
        if name in ("opening_hours", "evidence"):
            return _multiline
        if name == "target_groups":
            return self._target_groups
        if name == "status":
            return lambda value: t(f"status.{value}", self.language) if value else None
        if name == "source_method":
            return self._source_method
        if name == "partnerships":
            return lambda value: "<br>".join(html.escape(str(n)) for n in value or [])
        if name == "www":
            return _link
        if name == "visibility":
            return self._visibility
        return _text

    def _target_groups(self, value: Any) -> str | None:
        if _missing(value) or not isinstance(value, (list, tuple)) or not value:
            return None
        key = tuple(value)
        if key not in self._groups:
            self._groups[key] = _labels(self.index, "target_group", value, self.language)
        return self._groups[key]

    def _source_method(self, value: Any) -> str | None:
        if not value:
            return None
        return html.escape(_entry(self.index, "source_method", str(value)).label(self.language))

    def _visibility(self, value: Any) -> str | None:
        if value and value != "public":
            return t(f"visibility.{value}", self.language)
        return None

    def parts(self, pin: Mapping[str, Any]) -> tuple[str | None, list[Any]]:
        """The description and the non-empty table rows, flat: [label number, value HTML, …]."""
        columns = {name: [pin.get(name)] for name in (*self.fields, "description")}
        descriptions, rows, _ = self.column_parts(columns, 1)
        return descriptions[0], rows

    def kinds(self) -> list[str]:
        """How the browser shows each row's value when the parts are ``plain``.

        "t" text it escapes, "m" text with line breaks, "l" text that is a
        link if it is an http(s) address, "h" HTML made here (catalogue
        labels, already escaped).
        """
        kinds = {_text: "t", _multiline: "m", _link: "l"}
        return [kinds.get(self._convert(name), "h") for name in self.fields]

    def column_parts(
        self, columns: Mapping[str, Sequence[Any]], count: int, plain: bool = False,
    ) -> tuple[list[str | None], list[Any], list[int]]:
        """``parts`` for ``count`` pins given column by column (a field missing: all empty).

        Returns the descriptions, every pin's rows one after another in one
        flat list, and how many rows each pin has. Column by column and flat,
        because a layer has thousands of pins: the same conversion applied
        down a column costs a fraction of a per-pin dispatch, thousands of
        small lists would keep the garbage collector busy, and the rows are
        laid out by numpy rather than pin by pin.

        ``plain``: the users' texts (rows of kind "t", "m", "l" in ``kinds``,
        and the descriptions) trimmed but not escaped, for the browser to
        escape as it shows them.
        """
        empty = [None] * count
        converted = [self._column(name, columns.get(name, empty), plain) for name in self.fields]
        description = columns.get("description", empty)
        descriptions = plain_texts(description) if plain else _multilines(description)
        if not count:
            return descriptions, [], []
        # One row per pin, one column per field: the cells that are not empty
        # become the pin's rows, in field order (row-major order of the mask).
        grid = np.empty((count, len(converted)), dtype=object)
        for number, values in enumerate(converted):
            grid[:, number] = values
        shown = grid.astype(bool)
        flat = np.empty(2 * int(shown.sum()), dtype=object)
        flat[0::2] = np.nonzero(shown)[1].tolist()  # Python ints: they go into JSON
        flat[1::2] = grid[shown]
        return descriptions, flat.tolist(), shown.sum(axis=1).tolist()

    def _column(self, name: str, values: Sequence[Any], plain: bool = False) -> list[Any]:
        """One field's column converted as ``_convert(name)`` converts each value.

        ``plain``: a text field's values trimmed only (see ``column_parts``).
        """
        convert = self._convert(name)
        if plain and convert in (_text, _multiline, _link):
            return plain_texts(values)
        if convert is _text:
            return _texts(values)
        if convert is _multiline:
            return _multilines(values)
        if convert is _link:
            return _links(values)
        # Codes and lists of codes or names: a handful of different values down
        # thousands of pins, each converted once, then looked up (in C).
        keys = [tuple(v) if type(v) is list else v for v in values] if (
            name in ("target_groups", "partnerships")) else values
        try:
            firsts = dict(zip(keys, values, strict=True))
        except TypeError:  # a value that cannot be a key: each converted as it is
            return [convert(v) for v in values]
        done = {key: convert(value) for key, value in firsts.items()}
        return list(map(done.__getitem__, keys))

    def html(self, pin: Mapping[str, Any]) -> str:
        """The whole popup of ``pin``."""
        description, rows = self.parts(pin)
        cells = "".join(
            f"<tr><th>{self.labels[number]}</th><td>{value}</td></tr>"
            for number, value in zip(rows[::2], rows[1::2], strict=True)
        )
        return (
            '<div class="calmap-popup">'
            f"<h4>{_text(pin.get('name')) or ''}</h4>"
            f'<p class="calmap-category">{self.head(str(pin.get("category")))}</p>'
            + (f"<p>{description}</p>" if description else "")
            + (f"<table>{cells}</table>" if cells else "")
            + "</div>"
        )


def pin_popup_html(
    layer: str,
    pin: Mapping[str, Any],
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
) -> str:
    """The popup of one pin as HTML, every user-entered text escaped.

    >>> from mapping.catalog import Entry
    >>> school = Entry("resource_category", "school", None, "Szkoła", "School", "✎", "#1f77b4")
    >>> pin = {"name": "<b>SP 1</b>", "category": "school", "address": "ul. Długa 1"}
    >>> "&lt;b&gt;SP 1&lt;/b&gt;" in pin_popup_html("resource", pin, [school])
    True
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    return _PopupBuilder(layer, index, language).html(pin)


def area_popup_html(
    area: Mapping[str, Any],
    area_needs: Sequence[Mapping[str, Any]],
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
) -> str:
    """The popup of one area: name, kind, team, population and the needs of the whole area."""
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    kind = area.get("kind")
    population = area.get("population")
    rows: list[tuple[str, str | None]] = [
        (t("popup.kind", language), t(f"kind.{kind}", language) if kind else None),
        (t("sidebar.team", language), _text(area.get("team_name"))),
        (
            t("popup.population", language),
            # Polish groups thousands with a (non-breaking) space: 12 889.
            f"{int(population):,}".replace(",", "\u00a0")  # type: ignore[arg-type]
            if not _missing(population)
            else None,
        ),
    ]
    needs = ""
    if area_needs:
        items = []
        for need in area_needs:
            entry = _entry(index, "need_category", str(need.get("category")))
            items.append(
                f"<li>{html.escape(entry.label(language))}: {_text(need.get('name')) or ''}</li>"
            )
        needs = (
            f"<p><b>{t('popup.area_needs', language)} ({len(area_needs)})</b></p>"
            f"<ul>{''.join(items)}</ul>"
        )
    return (
        f'<div class="calmap-popup"><h4>{_text(area.get("name")) or ""}</h4>'
        f"{_rows_table(rows)}{needs}</div>"
    )
