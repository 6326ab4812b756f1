"""Small pieces of map HTML: user text escaped, catalogue colours and glyphs, pin swatches.

Folium puts popup and tooltip text into the page as raw HTML, so every text a
user typed (names, descriptions, addresses…) goes through ``html.escape``
here, in Python, before it reaches the map. The pin layers send theirs as
typed (``plain_texts``) and ``calmap-pins.js`` escapes them the same way in
the browser, as each popup is opened.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mapping.catalog import Entry

FALLBACK_COLOUR = "#777777"
FALLBACK_ICON = "●"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: what an empty cell of a data frame may hold."""
    # Text first: it is most of what a popup holds, and pd.isna is slow per value.
    if isinstance(value, str):
        return False
    if value is None or isinstance(value, (list, tuple, dict)):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: object) -> str | None:
    """A user-entered value as escaped HTML, or None when empty."""
    if _missing(value):
        return None
    text = str(value).strip()
    return html.escape(text) if text else None


# Joins a column's texts so that one html.escape call escapes them all. Text
# from PostgreSQL cannot hold NUL, and validation refuses control characters.
_JOIN = "\x00"


def plain_texts(values: Iterable[object]) -> list[str | None]:
    """Each value trimmed and not escaped, None when empty: text the browser escapes itself.

    The pin layers send their users' texts so (``calmap-pins.js`` escapes them
    as ``html.escape`` does when it assembles a popup), which spares a
    first viewer escaping every text of thousands of pins up front.
    ``values`` may be an Arrow text array (a column of a frame read from the
    database, ``arrow_text``): it is then trimmed in Arrow, and each value
    becomes a Python string only once.

    >>> plain_texts(["  Klub <Senior> ", "", None, 7])
    ['Klub <Senior>', None, None, '7']
    >>> plain_texts(pa.array([" a ", None, "  "]))
    ['a', None, None]
    """
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        trimmed = pc.utf8_trim_whitespace(values)  # as str.strip (Unicode White_Space)
        empty = pc.equal(trimmed, "")
        return list(pc.if_else(empty, pa.scalar(None, trimmed.type), trimmed).to_pylist())
    if isinstance(values, list) and values.count(None) == len(values):
        return list(values)  # a column nobody filled in (read as Python objects)
    return [
        (value.strip() if type(value) is str
         else None if value is None or _missing(value) else str(value).strip()) or None
        for value in values
    ]


def _texts(values: Iterable[object], lines: bool = False) -> list[str | None]:
    """``_text`` of each value (``lines``: ``_multiline``), for a whole column at once.

    One ``html.escape`` over the joined column instead of one call per value:
    the same five replacements, done in C over one string. ``values`` as in
    ``plain_texts`` (a list or an Arrow text array).

    >>> _texts(["  Klub <Senior> ", "", None, 7])
    ['Klub &lt;Senior&gt;', None, None, '7']
    >>> _texts(pa.array(["  Klub <Senior> ", "", None]))
    ['Klub &lt;Senior&gt;', None, None]
    """
    found = plain_texts(values)
    if found.count(None) == len(found):
        return found
    plain = [text or "" for text in found]
    joined = _JOIN.join(plain)
    if joined.count(_JOIN) != len(plain) - 1:
        # A NUL inside a value (not from the database): one at a time.
        escaped = [html.escape(text) if text else None for text in plain]
        return [t.replace("\n", "<br>") if t else None for t in escaped] if lines else escaped
    joined = html.escape(joined)
    if lines:
        joined = joined.replace("\n", "<br>")
    return [text or None for text in joined.split(_JOIN)]


def arrow_text(column: pd.Series) -> pa.Array | None:
    """A text column of a frame (pandas' Arrow strings) as its Arrow array; None for others.

    Only such a column can take the Arrow path of ``plain_texts``; a column of Python
    objects (all empty, or read another way) has to go value by value.
    """
    values = column.array
    if not isinstance(values, pd.arrays.ArrowStringArray):
        return None
    return pa.array(values)


def _multiline(value: object) -> str | None:
    escaped = _text(value)
    return escaped.replace("\n", "<br>") if escaped else None


def _multilines(values: Iterable[object]) -> list[str | None]:
    """``_multiline`` of each value, for a whole column at once."""
    return _texts(values, lines=True)


def _colour(value: str | None) -> str:
    """A catalogue colour when it is a plain #RRGGBB, else grey: it goes into CSS."""
    return value if value and _COLOUR.match(value) else FALLBACK_COLOUR


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111111" if luminance > 0.35 else "#ffffff"


# Public names for the renderers that draw pins outside the web map (static
# image, poster, deck), so every output uses the same colours and ink.
safe_colour = _colour
ink = _ink


def _glyph(icon: str | None) -> str:
    # U+FE0E asks for the text form of symbols such as ☕ ⚽ ♿, which some
    # systems would otherwise draw as colour emoji that ignore the pin colour.
    return html.escape(icon or FALLBACK_ICON) + "\ufe0e"


def _js(value: object) -> str:
    """``value`` as a JavaScript literal that cannot close the surrounding <script>."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _index(catalogue: Iterable[Entry]) -> dict[tuple[str, str], Entry]:
    return {(entry.vocabulary, entry.code): entry for entry in catalogue}


def _entry(index: Mapping[tuple[str, str], Entry], vocabulary: str, code: str) -> Entry:
    found = index.get((vocabulary, code))
    if found is not None:
        return found
    # A code the catalogue does not know (deactivated, or imported from elsewhere)
    # still gets a pin and a legend row, labelled with its code.
    return Entry(vocabulary, code, None, code, code, FALLBACK_ICON, FALLBACK_COLOUR)


@lru_cache(maxsize=1024)
def pin_html(icon: str | None, colour: str | None) -> str:
    """The inner HTML of a pin (and of a legend swatch): category colour and glyph.

    The shape (circle, square, diamond) comes from the layer's CSS class.
    """
    fill = _colour(colour)
    return f'<span style="background:{fill};color:{_ink(fill)}"><b>{_glyph(icon)}</b></span>'


@lru_cache(maxsize=1024)
def _swatch(layer: str, icon: str | None, colour: str | None) -> str:
    return f'<span class="calmap-pin calmap-pin-{layer}">{pin_html(icon, colour)}</span>'


def _labels(index: Mapping[tuple[str, str], Entry], vocabulary: str, codes: object,
            language: str) -> str | None:
    if _missing(codes) or not isinstance(codes, (list, tuple)) or not codes:
        return None
    labels = [_entry(index, vocabulary, str(code)).label(language) for code in codes]
    return html.escape(", ".join(labels))


def _rows_table(rows: Iterable[tuple[str, str | None]]) -> str:
    cells = [f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows if value]
    return f"<table>{''.join(cells)}</table>" if cells else ""


def _links(urls: Sequence[object]) -> list[str | None]:
    """``_link`` of each value, for a whole column at once."""
    out: list[str | None] = []
    for text in _texts(urls):
        # The escaped text is the escaped address: html.escape quotes by default.
        if text is not None and _HTTP.match(text):
            text = f'<a href="{text}" target="_blank" rel="noopener noreferrer">{text}</a>'
        out.append(text)
    return out


_HTTP = re.compile(r"^https?://", re.IGNORECASE)


def _link(url: object) -> str | None:
    """A clickable link for http(s) addresses only; anything else is shown as text."""
    text = _text(url)
    if text is None:
        return None
    raw = str(url).strip()
    if re.match(r"^https?://", raw, flags=re.IGNORECASE):
        href = html.escape(raw, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return text


def _has_point(frame: gpd.GeoDataFrame) -> pd.Series:
    """True for the rows that have a point (a need of a whole area has none)."""
    # On the geometry array itself: geopandas' Series methods cost about a
    # millisecond each, and a map asks this of every layer several times.
    geometry = frame.geometry.values
    return pd.Series(
        ~(shapely.is_missing(geometry) | shapely.is_empty(geometry)), index=frame.index
    )
