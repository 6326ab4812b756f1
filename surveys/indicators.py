"""Indicators of a survey wave per area, district and city, after disclosure control.

For every area with respondents, and every district and city above it: the
number of respondents, and for each category the form maps to (needs,
resources residents value, target groups of households) how many named it,
the share of respondents, the rank among the area's categories of the same
layer, and the change in percentage points against the previous wave of the
same form (same ``form_id``, an earlier wave of the same team).

Nothing leaves this module unprotected: ``build_table`` writes the counts as
a table for ``surveys.disclosure`` (the hierarchy sums, the respondents
assigned to a district directly, single-choice partitions, count ≤
respondents), and every hidden number comes out as None, which every output
shows as ``SUPPRESSED`` ("x"). Shares and changes follow rules (a) and (c)
of ``surveys.disclosure``. The ranking is over shown counts only, so a rank
never hints at a hidden one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db.models import Area, SurveyForm, SurveyWave
from mapping.errors import NotFound
from mapping.i18n import t
from mapping.io import spreadsheet_safe
from surveys import store
from surveys.disclosure import (
    AtMost,
    Cell,
    Relation,
    Thresholds,
    change_shown,
    protect,
    share_shown,
)
from surveys.xlsform import LAYER_VOCABULARY, FormDefinition, split_category

SUPPRESSED = "x"
TOTAL = "total"
_MISSING = object()


@dataclass(frozen=True)
class Indicator:
    """One category in one area of a wave, as a viewer may see it (None = suppressed)."""

    area_id: int | None
    area_name: str
    area_kind: str
    parent_id: int | None
    depth: int
    layer: str
    category: str
    label_pl: str
    label_en: str
    sensitive: bool
    threshold: int
    respondents: int | None
    count: int | None
    share: float | None
    rank: int | None
    previous_share: float | None
    change: float | None

    @property
    def key(self) -> str:
        """The category as the form maps it: ``layer:code``."""
        return f"{self.layer}:{self.category}"

    def label(self, language: str) -> str:
        """The category's label in ``language``."""
        return self.label_en if language == "en" else self.label_pl

    @property
    def publishable(self) -> bool:
        """A need shown with its share, in a real area: it may become a need on the map."""
        return (
            self.layer == "need"
            and self.area_id is not None
            and self.count is not None
            and self.count > 0
            and self.share is not None
        )


@dataclass
class WaveIndicators:
    """Every indicator of one wave, in area tree order, with the wave they compare against."""

    wave: store.WaveInfo
    previous: store.WaveInfo | None
    thresholds: Thresholds
    rows: list[Indicator]

    def areas(self) -> list[tuple[int | None, str, str, int]]:
        """(area id, name, kind, depth) of every area in the table, in order."""
        seen: dict[int | None, tuple[int | None, str, str, int]] = {}
        for row in self.rows:
            seen.setdefault(row.area_id, (row.area_id, row.area_name, row.area_kind, row.depth))
        return list(seen.values())

    def for_area(self, area_id: int | None) -> list[Indicator]:
        """The rows of one area."""
        return [row for row in self.rows if row.area_id == area_id]

    def for_category(self, key: str) -> list[Indicator]:
        """The rows of one category (``layer:code``) across areas."""
        return [row for row in self.rows if row.key == key]


# --- the table for disclosure control -------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """An area of the table: one with respondents, or a district or city above one."""

    key: Hashable
    area_id: int | None
    name: str
    kind: str
    parent: Hashable | None


@dataclass
class Table:
    """Cells, relations and bounds of one wave, ready for ``disclosure.protect``."""

    nodes: list[Node]
    depth: dict[Hashable, int]
    cells: dict[Hashable, Cell]
    relations: list[Relation]
    bounds: list[AtMost]


def build_table(
    areas: Mapping[int, tuple[int | None, str, str]],
    respondents: Mapping[int, int],
    counts: Mapping[tuple[int, str], int],
    categories: Sequence[str],
    thresholds: Mapping[str, int],
    default_threshold: int,
    partitions: Sequence[tuple[Sequence[str], bool]] = (),
) -> Table:
    """The wave's counts as a protected-table problem.

    ``areas`` maps an area id to (parent id, name, kind) for every area
    (respondents may sit at any level); ``respondents`` and ``counts`` are the
    respondents assigned to each area directly. Nodes are the areas with
    respondents and every area above them; with more than one top area, a
    total (``TOTAL``) sits above them all.
    """
    nodes: dict[Hashable, Node] = {}
    for area_id in sorted(respondents):
        current: int | None = area_id
        while current is not None and current not in nodes and len(nodes) < 10_000:
            parent, name, kind = areas[current]
            parent = parent if parent in areas else None
            nodes[current] = Node(current, current, name, kind, parent)
            current = parent
    roots = [n for n in nodes.values() if n.parent is None]
    if len(roots) > 1:
        nodes[TOTAL] = Node(TOTAL, None, "", TOTAL, None)
        for root in roots:
            nodes[root.key] = Node(root.key, root.area_id, root.name, root.kind, TOTAL)
    children: dict[Hashable, list[Hashable]] = {}
    for node in nodes.values():
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node.key)
    order = _tree_order(nodes, children)
    depth: dict[Hashable, int] = {}
    for key in order:
        above = nodes[key].parent
        depth[key] = depth[above] + 1 if above is not None else 0

    def direct(key: Hashable, category: str | None) -> int:
        if not isinstance(key, int):
            return 0
        if category is None:
            return respondents.get(key, 0)
        return counts.get((key, category), 0)

    totals: dict[tuple[Hashable, str | None], int] = {}
    for key in reversed(order):
        for category in (None, *categories):
            totals[(key, category)] = direct(key, category) + sum(
                totals[(child, category)] for child in children.get(key, [])
            )

    cells: dict[Hashable, Cell] = {}
    relations: list[Relation] = []
    bounds: list[AtMost] = []
    for key in order:
        cells[("R", key)] = Cell(totals[(key, None)], default_threshold)
        for category in categories:
            cells[("C", key, category)] = Cell(totals[(key, category)], thresholds[category])
            bounds.append(AtMost(("C", key, category), ("R", key)))
    for key in order:
        kids = children.get(key, [])
        if not kids:
            continue
        rest = direct(key, None) > 0
        if rest:
            # Respondents placed in the district itself (outside every estate):
            # never shown, but a count of people like any other.
            cells[("R+", key)] = Cell(direct(key, None), default_threshold, shown=False)
        relations.append(
            Relation(("R", key), (*(("R", k) for k in kids), *((("R+", key),) if rest else ())))
        )
        for category in categories:
            if rest:
                cells[("C+", key, category)] = Cell(
                    direct(key, category), thresholds[category], shown=False
                )
                bounds.append(AtMost(("C+", key, category), ("R+", key)))
            members: tuple[Hashable, ...] = tuple(("C", k, category) for k in kids)
            if rest:
                members = (*members, ("C+", key, category))
            relations.append(Relation(("C", key, category), members))
    for number, (group, required) in enumerate(partitions):
        present = [c for c in group if c in categories]
        for key in order:
            parts: tuple[Hashable, ...] = tuple(("C", key, c) for c in present)
            skipped = totals[(key, None)] - sum(totals[(key, c)] for c in present)
            if not required or skipped:
                # How many skipped the question: nobody sees it; an outsider
                # can take it as 0 only when the form requires an answer.
                cells[("skip", key, number)] = Cell(skipped, None, shown=False)
                parts = (*parts, ("skip", key, number))
            relations.append(Relation(("R", key), parts))
    return Table([nodes[k] for k in order], depth, cells, relations, bounds)


def _tree_order(
    nodes: Mapping[Hashable, Node], children: Mapping[Hashable, list[Hashable]]
) -> list[Hashable]:
    """Depth first, siblings by kind (city, district, estate) and name."""
    kinds = {TOTAL: -1, "city": 0, "district": 1, "estate": 2}

    def sort_key(key: Hashable) -> tuple[int, str]:
        return (kinds.get(nodes[key].kind, 3), nodes[key].name.casefold())

    roots = sorted((k for k, n in nodes.items() if n.parent is None), key=sort_key)
    ordered: list[Hashable] = []
    stack = list(reversed(roots))
    while stack:
        key = stack.pop()
        ordered.append(key)
        stack.extend(reversed(sorted(children.get(key, []), key=sort_key)))
    return ordered


# --- reading a wave -------------------------------------------------------------------------


def wave_indicators(
    session: Session,
    wave_id: int,
    thresholds: Thresholds | None = None,
    *,
    with_previous: bool = True,
) -> WaveIndicators:
    """The protected indicators of a wave (the session's rights decide which waves it may read)."""
    thresholds = thresholds or Thresholds()
    wave = session.get(SurveyWave, wave_id)
    if wave is None:
        raise NotFound("survey.unknown_wave", wave=wave_id)
    form_row = session.get(SurveyForm, wave.form_pk)
    assert form_row is not None
    form = store.definition(form_row)
    info = store.wave_info(session, wave_id)
    wave_counts = store.counts(session, wave_id)
    rows = _rows(session, form, wave_counts, thresholds)
    previous = _previous_wave(session, wave, form_row) if with_previous else None
    if previous is not None:
        before = wave_indicators(session, previous.id, thresholds, with_previous=False)
        rows = _with_changes(rows, before.rows)
    return WaveIndicators(info, previous, thresholds, rows)


def _rows(
    session: Session, form: FormDefinition, wave_counts: store.WaveCounts, thresholds: Thresholds
) -> list[Indicator]:
    areas = {
        int(area_id): (parent_id, name, kind)
        for area_id, parent_id, name, kind in session.execute(
            select(Area.id, Area.parent_id, Area.name, Area.kind)
        )
    }
    entries = {
        layer: catalog.by_code(session, vocabulary)
        for layer, vocabulary in LAYER_VOCABULARY.items()
    }
    categories = form.categories()
    shipped = catalog.shipped_sensitive()
    sensitive = {}
    labels = {}
    for key in categories:
        layer, code = split_category(key)
        entry = entries.get(layer, {}).get(code)
        # Any layer counts: a household "with a person with an addiction" is
        # as sensitive as the need "addiction"; the shipped flags are a floor.
        sensitive[key] = bool(entry and entry.sensitive) or (
            (LAYER_VOCABULARY.get(layer, layer), code) in shipped
        )
        labels[key] = (entry.label_pl, entry.label_en) if entry else (code, code)
    limits = {key: thresholds.for_category(sensitive[key]) for key in categories}
    table = build_table(
        areas,
        wave_counts.respondents,
        wave_counts.categories,
        categories,
        limits,
        thresholds.default,
        form.partitions(),
    )
    hidden = protect(table.cells, table.relations, table.bounds).hidden
    rows: list[Indicator] = []
    for node in table.nodes:
        respondents_cell = table.cells[("R", node.key)]
        r_hidden = ("R", node.key) in hidden
        area_rows = []
        for key in categories:
            cell = table.cells[("C", node.key, key)]
            c_hidden = ("C", node.key, key) in hidden
            layer, code = split_category(key)
            share = None
            if share_shown(c_hidden, r_hidden) and respondents_cell.value:
                share = round(100.0 * cell.value / respondents_cell.value, 1)
            parent = node.parent if isinstance(node.parent, int) else None
            area_rows.append(
                Indicator(
                    area_id=node.area_id,
                    area_name=node.name,
                    area_kind=node.kind,
                    parent_id=parent,
                    depth=table.depth[node.key],
                    layer=layer,
                    category=code,
                    label_pl=labels[key][0],
                    label_en=labels[key][1],
                    sensitive=sensitive[key],
                    threshold=limits[key],
                    respondents=None if r_hidden else respondents_cell.value,
                    count=None if c_hidden else cell.value,
                    share=share,
                    rank=None,
                    previous_share=None,
                    change=None,
                )
            )
        rows.extend(_ranked(area_rows))
    return rows


def _ranked(rows: list[Indicator]) -> list[Indicator]:
    """Competition ranking (1, 2, 2, 4) per layer over the shown, non-zero counts."""
    ranks: dict[int, int] = {}
    for layer in dict.fromkeys(row.layer for row in rows):
        shown = [
            (i, row.count) for i, row in enumerate(rows)
            if row.layer == layer and row.count is not None and row.count > 0
        ]
        shown.sort(key=lambda item: -item[1])
        for position, (i, count) in enumerate(shown):
            previous = shown[position - 1] if position else None
            ranks[i] = ranks[previous[0]] if previous and previous[1] == count else position + 1
    return [
        Indicator(**{**asdict(row), "rank": ranks.get(i)}) for i, row in enumerate(rows)
    ]


def _previous_wave(
    session: Session, wave: SurveyWave, form_row: SurveyForm
) -> store.WaveInfo | None:
    """The latest earlier wave of the same questionnaire (any version) of the same team."""
    candidates = [
        info for info in store.list_waves(session, [wave.team_id])
        if info.form_id == form_row.form_id and info.id != wave.id
    ]
    current = _when(wave.collected_from, wave.collected_to, wave.id)
    earlier = [
        info for info in candidates
        if _when(info.collected_from, info.collected_to, info.id) < current
    ]
    return max(earlier, key=lambda i: _when(i.collected_from, i.collected_to, i.id), default=None)


def _when(start: Any, end: Any, wave_id: int) -> tuple[str, int]:
    # Waves without dates are ordered by when they were created (their id).
    date = start or end
    return (date.isoformat() if date else "", wave_id)


def _with_changes(rows: list[Indicator], before: list[Indicator]) -> list[Indicator]:
    previous = {(row.area_id, row.key): row.share for row in before}
    updated = []
    for row in rows:
        earlier = previous.get((row.area_id, row.key), _MISSING)
        hidden_before = None if earlier is _MISSING else earlier is None
        shown = change_shown(row.share is None, hidden_before)
        earlier_share = earlier if isinstance(earlier, float) else None
        updated.append(
            Indicator(
                **{
                    **asdict(row),
                    "previous_share": earlier_share,
                    "change": round(row.share - earlier_share, 1)  # type: ignore[operator]
                    if shown
                    else None,
                }
            )
        )
    return updated


# --- output ---------------------------------------------------------------------------------

COLUMNS = (
    "area_id", "area", "kind", "layer", "category", "label", "respondents", "count", "share",
    "rank", "previous_share", "change",
)  # fmt: skip


def records(indicators: WaveIndicators, language: str = "pl") -> list[dict[str, Any]]:
    """One plain record per indicator, hidden numbers as ``SUPPRESSED``."""
    out = []
    for row in indicators.rows:
        out.append(
            {
                "area_id": row.area_id,
                "area": row.area_name or t("survey.all_areas", language),
                "kind": row.area_kind,
                "layer": row.layer,
                "category": row.category,
                "label": row.label(language),
                "respondents": _shown(row.respondents),
                "count": _shown(row.count),
                "share": _shown(row.share),
                "rank": row.rank,
                "previous_share": row.previous_share,
                "change": row.change,
            }
        )
    return out


def _shown(value: int | float | None) -> int | float | str:
    return SUPPRESSED if value is None else value


def to_csv(indicators: WaveIndicators, language: str = "pl") -> str:
    """The indicators as CSV (comma-separated, UTF-8), hidden numbers as ``x``.

    An area name that would start a spreadsheet formula gets a leading ``'``
    (OWASP, ``mapping.io.spreadsheet_safe``); shares and changes stay numbers.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records(indicators, language):
        writer.writerow(
            spreadsheet_safe.record({k: "" if v is None else v for k, v in record.items()})
        )
    return buffer.getvalue()


def to_json(indicators: WaveIndicators, language: str = "pl") -> str:
    """The indicators as JSON: the wave, the thresholds, and the records."""
    document = {
        "wave": indicators.wave.name,
        "team": indicators.wave.team_code,
        "form": indicators.wave.form_id,
        "version": indicators.wave.version,
        "previous_wave": indicators.previous.name if indicators.previous else None,
        "thresholds": asdict(indicators.thresholds),
        "suppressed": SUPPRESSED,
        "indicators": records(indicators, language),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def filter_area(indicators: WaveIndicators, area: str) -> WaveIndicators:
    """Only the rows of one area, given by id or by name (case and accents ignored)."""
    from surveys.answers import fold

    wanted = [
        row for row in indicators.rows
        if (area.isdigit() and row.area_id == int(area)) or fold(row.area_name) == fold(area)
    ]
    if not wanted:
        raise NotFound("survey.area_not_in_wave", area=area)
    return WaveIndicators(indicators.wave, indicators.previous, indicators.thresholds, wanted)
