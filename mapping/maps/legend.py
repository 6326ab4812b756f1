"""The legend and the counts of each layer: one count, shown the same everywhere."""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.markup import _colour, _entry, _has_point, _index, _swatch
from mapping.services.layers import CATEGORY_VOCABULARY, LAYERS


@dataclass(frozen=True)
class LegendRow:
    """One category of one layer as the legend lists it."""

    code: str
    label: str
    icon: str
    colour: str
    count: int
    pinned: int


@dataclass(frozen=True)
class LegendSection:
    """The categories present in one layer, with the layer's totals."""

    layer: str
    title: str
    rows: tuple[LegendRow, ...]
    total: int
    area_wide: int


@dataclass(frozen=True)
class LayerCount:
    """How many entries a layer has, and how many of them are pinned at a point."""

    layer: str
    total: int
    pinned: int

    @property
    def area_wide(self) -> int:
        """Entries that cover a whole area instead of a point (needs only, in practice)."""
        return self.total - self.pinned




def layer_title(layer: str, total: int, language: str = "pl") -> str:
    """A layer's name with its count, as both the legend and the layer control show it.

    The count is every entry of the layer, those pinned at a point and those
    that cover a whole area alike: at a meeting people ask how many needs
    were found, and the posters and decks give the total too. The legend's
    note says how many of them have no pin.

    >>> layer_title("need", 7)
    'Potrzeby (7)'
    """
    return f"{t(f'layer.{layer}', language)} ({total})"


def layer_counts(pins: Mapping[str, gpd.GeoDataFrame]) -> list[LayerCount]:
    """Entries per layer: total and pinned at a point, in the usual layer order."""
    counts = []
    for layer in LAYERS:
        frame = pins.get(layer)
        if frame is None:
            continue
        counts.append(LayerCount(layer, len(frame), int(_has_point(frame).sum())))
    return counts


def legend_sections(
    pins: Mapping[str, gpd.GeoDataFrame], catalogue: Iterable[Entry], language: str = "pl"
) -> list[LegendSection]:
    """For each layer with entries: every category present, with its count, in catalogue order."""
    entries = list(catalogue)
    index = _index(entries)
    order = {(e.vocabulary, e.code): (e.sort_order, i) for i, e in enumerate(entries)}
    sections = []
    for layer in LAYERS:
        frame = pins.get(layer)
        if frame is None or frame.empty:
            continue
        vocabulary = CATEGORY_VOCABULARY[layer]
        pinned = _has_point(frame)
        # Counted on the array (a layer has thousands of pins, a few categories).
        codes = frame["category"].astype(str)
        present = codes.notna().to_numpy()  # as value_counts, a missing code is not counted
        category = codes.to_numpy()
        totals = Counter(category[present].tolist())
        pinned_totals = Counter(category[present & pinned.to_numpy()].tolist())
        codes = sorted(
            totals, key=lambda c: order.get((vocabulary, c), (math.inf, math.inf))
        )
        rows = []
        for code in codes:
            entry = _entry(index, vocabulary, code)
            rows.append(
                LegendRow(
                    code=code,
                    label=entry.label(language),
                    icon=entry.icon,
                    colour=_colour(entry.colour),
                    count=totals[code],
                    pinned=pinned_totals.get(code, 0),
                )
            )
        sections.append(
            LegendSection(
                layer=layer,
                title=t(f"layer.{layer}", language),
                rows=tuple(rows),
                total=len(frame),
                area_wide=int((~pinned).sum()),
            )
        )
    return sections


def legend_html(sections: Sequence[LegendSection], language: str = "pl") -> str:
    """The legend as HTML: per layer, a swatch, label and count for each category."""
    parts = [f'<details open><summary>{html.escape(t("legend.title", language))}</summary>']
    if not sections:
        parts.append(f"<p>{html.escape(t('legend.empty', language))}</p>")
    for section in sections:
        parts.append(
            f"<h4>{html.escape(layer_title(section.layer, section.total, language))}</h4><ul>"
        )
        for row in section.rows:
            parts.append(
                f'<li data-category="{html.escape(row.code, quote=True)}">'
                f"{_swatch(section.layer, row.icon, row.colour)}"
                f"<span>{html.escape(row.label)}</span>"
                f'<span class="calmap-count">{row.count}</span></li>'
            )
        parts.append("</ul>")
        if section.area_wide:
            key = "legend.area_wide" if section.layer == "need" else "legend.unpinned"
            note = t(key, language, count=section.area_wide)
            parts.append(f'<p class="calmap-note">{html.escape(note)}</p>')
    parts.append("</details>")
    return "".join(parts)
