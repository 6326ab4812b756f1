"""What the deck's and the offline map's tables and change lists say, as plain text.

Pure functions on a ``MapContent``: the rows of the resources, partners and
needs tables, the lines of the evidence of change and the dates as the
reader expects them. Nothing here is escaped or laid out; each renderer does
that for its own format (a PPTX cell takes text as it is, HTML escapes it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mapping.analysis import changes as changes_module
from mapping.catalog import Entry
from mapping.i18n import t
from mapping.reports.content import MapContent
from mapping.services.layers import CATEGORY_VOCABULARY

# The kinds of change in the order they are listed; taken from mapping.analysis.changes
# when it names them, so a kind added there shows up here too.
CHANGE_KINDS: tuple[str, ...] = getattr(
    changes_module,
    "KINDS",
    ("new_resources", "closed_resources", "new_partners", "departed_partners",
     "needs_identified", "needs_being_addressed", "needs_met", "needs_still_open"),
)
# The action plan's evidence: listed after CHANGE_KINDS where there is a plan to speak of.
PLAN_KINDS: tuple[str, ...] = getattr(changes_module, "PLAN_KINDS", ())
# Need priorities as stored (1..3) and the words for them, as the editor's form shows them.
PRIORITY_KEYS = {1: "priority.low", 2: "priority.medium", 3: "priority.high"}
# Characters XML 1.0 cannot hold (a PPTX is XML); a name pasted from a
# spreadsheet may carry one, and python-pptx would refuse the whole deck.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"(\d+)")
# What a table row is made of, across the layers.
RECORD_COLUMNS = ("id", "name", "category", "address", "target_groups", "partnerships",
                  "status", "priority", "geometry")


@dataclass(frozen=True)
class Table:
    """A table as plain text: headers, rows and the relative width of each column."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    # Rows in the layer, also those beyond a limit that were not formatted.
    total: int = 0


@dataclass(frozen=True)
class ChangeLine:
    """One kind of change in a unit: its label, how many and the names."""

    kind: str
    label: str
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many entries changed this way."""
        return len(self.names)


def clean(value: object) -> str:
    r"""``value`` as one line of plain text: missing is empty, whitespace runs are one space.

    >>> clean("  Klub\nSeniora\x0b "), clean(None), clean(float("nan"))
    ('Klub Seniora', '', '')
    """
    # Most values are already one clean line: printable (no control character
    # and no whitespace but the plain space), no double or edge space.
    if type(value) is str and value.isprintable() and "  " not in value and (
            not value or (value[0] != " " and value[-1] != " ")):
        return value
    if _missing(value):
        return ""
    return _SPACE.sub(" ", _CONTROL.sub(" ", str(value))).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with an ellipsis when cut.

    >>> shorten("Osiedle Kozanów i okolice", 16)
    'Osiedle Kozanów…'
    """
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts "Filia nr 2" before "Filia nr 12", ignoring case.

    >>> sorted(["Filia nr 12", "filia nr 2", "Biblioteka"], key=natural_key)
    ['Biblioteka', 'filia nr 2', 'Filia nr 12']
    """
    folded = text.casefold()
    if _DIGITS.search(folded) is None:  # most names: one part, no number
        return ((1, folded),) if folded else ()
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in _DIGITS.split(folded) if part
    )


def format_date(value: dt.date | None, language: str) -> str:
    """A date as a Polish reader writes it (15.06.2026), or ISO in English; empty for None.

    >>> format_date(dt.date(2026, 6, 5), "pl"), format_date(dt.date(2026, 6, 5), "en")
    ('05.06.2026', '2026-06-05')
    """
    if value is None or _missing(value):
        return ""
    return value.isoformat() if language == "en" else f"{value:%d.%m.%Y}"


def snapshot_label(name: str | None, date: dt.date | None, language: str) -> str:
    """A snapshot as "Czerwiec 2026 (15.06.2026)"; the date alone when the name is empty."""
    when = format_date(date, language)
    name = clean(name)
    if name and when:
        return f"{name} ({when})"
    return name or when


def pin_table(content: MapContent, layer: str, limit: int | None = None) -> Table:
    """The table of one layer (``resource``, ``partner`` or ``need``), in name order.

    With ``limit``, only the first ``limit`` rows are formatted (``total``
    still counts them all): a deck shows a few slides of a layer, and
    formatting thousands of rows it never shows would make a big area slow.
    """
    language = content.language
    index = {(e.vocabulary, e.code): e for e in content.catalogue}
    frame = content.pins.get(layer)
    records: list[dict[str, Any]] = []
    total = 0 if frame is None else len(frame)
    if total:
        # Sorted on name and id; only the rows shown become records. Every
        # use of a value below reads a missing one (None, NaN, NA) as empty.
        columns = column_lists(frame, RECORD_COLUMNS)
        names = [clean(v) for v in columns.get("name", [""] * total)]
        ids = [(0, v) if type(v) is int else (1, clean(v)) for v in columns.get("id", [""] * total)]
        order = sorted(range(total), key=lambda i: (natural_key(names[i]), ids[i]))
        records = [{c: values[i] for c, values in columns.items()} for i in order[:limit]]

    def category(record: Mapping[str, Any]) -> str:
        return _label(index, CATEGORY_VOCABULARY[layer], record.get("category"), language)

    def groups(record: Mapping[str, Any]) -> str:
        return ", ".join(
            _label(index, "target_group", code, language) for code in _codes(record)
        )

    name = t("deck.col_name", language)
    headers: tuple[str, ...]
    if layer == "resource":
        headers = (name, t("popup.category", language), t("popup.address", language),
                   t("popup.target_groups", language))
        rows: list[tuple[str, ...]] = [
            (clean(r.get("name")), category(r), clean(r.get("address")), groups(r))
            for r in records
        ]
        widths: tuple[float, ...] = (3.4, 2.2, 2.4, 2.4)
    elif layer == "partner":
        headers = (name, t("popup.sector", language), t("popup.address", language),
                   t("popup.partnerships", language))
        rows = [(clean(r.get("name")), category(r), clean(r.get("address")),
                 "; ".join(clean(p) for p in _list(r.get("partnerships"))))
                for r in records]
        widths = (3.4, 1.8, 2.4, 2.8)
    elif layer == "need":
        headers = (name, t("popup.category", language), t("popup.status", language),
                   t("popup.priority", language), t("deck.col_place", language))
        rows = [(clean(r.get("name")), category(r), _status(r.get("status"), language),
                 _priority(r.get("priority"), language), _place(r, language))
                for r in records]
        widths = (3.4, 2.2, 1.8, 1.1, 2.4)
    else:
        raise KeyError(layer)
    return Table(headers=headers, rows=tuple(rows), widths=widths, total=total)


def plan_table(content: MapContent, limit: int | None = None) -> Table:
    """The action plan of the unit: action, need, responsible partners, due date, status."""
    language = content.language
    headers = tuple(t(f"actions.col_{c}", language)
                    for c in ("title", "need", "partners", "due_on", "status"))
    rows = tuple(
        (clean(r.title), clean(r.need), "; ".join(clean(p) for p in r.partners),
         format_date(r.due_on, language), t(f"actions.status_{r.status}", language))
        for r in content.action_plan[:limit]
    )
    return Table(headers=headers, rows=rows, widths=(3.2, 2.6, 2.6, 1.4, 1.4),
                 total=len(content.action_plan))


def column_lists(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[Any]]:
    """Those of ``columns`` that ``frame`` has, each as a list of its values as stored.

    A missing value stays what pandas holds (None, NaN, NA): read values
    through ``clean`` or a check like ``_missing``. One ``tolist`` a column:
    selecting rows in pandas and boxing every value (``to_dict("records")``,
    ``astype(object)``) cost more than the tables made of them.
    """
    return {c: frame[c].tolist() for c in columns if c in frame.columns}


def has_comparison(content: MapContent) -> bool:
    """True when the unit is compared with an earlier snapshot and the changes are there."""
    return content.compare_name is not None and content.changes is not None


def change_lines(content: MapContent) -> list[ChangeLine]:
    """Every kind of change against the earlier snapshot, empty kinds included; [] without one."""
    if not has_comparison(content):
        return []
    language = content.language
    lines = []
    for kind in CHANGE_KINDS + (PLAN_KINDS if shows_plan(content) else ()):
        # getattr: the changes may come from an older or newer mapping.analysis.changes.
        names = tuple(clean(n) for n in getattr(content.changes, kind, ()) or ())
        lines.append(ChangeLine(kind=kind, label=_change_label(kind, language), names=names))
    return lines


def shows_plan(content: MapContent) -> bool:
    """True when the unit has an action plan, or its evidence of change counts one."""
    return bool(content.action_plan) or any(
        getattr(content.changes, kind, ()) for kind in PLAN_KINDS
    )


def _change_label(kind: str, language: str) -> str:
    try:
        return t(f"change.{kind}", language)
    except KeyError:
        return kind.replace("_", " ")


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict, str)) else False
    except (TypeError, ValueError):
        return False


def _list(value: object) -> list[Any]:
    if _missing(value) or isinstance(value, str):
        return [] if _missing(value) else [value]
    try:
        return list(value)  # type: ignore[call-overload]
    except TypeError:
        return []


def _codes(record: Mapping[str, Any]) -> list[str]:
    return [str(code) for code in _list(record.get("target_groups")) if not _missing(code)]


def _label(
    index: Mapping[tuple[str, str], Entry], vocabulary: str, code: object, language: str
) -> str:
    if _missing(code):
        return ""
    entry = index.get((vocabulary, str(code)))
    # A code the catalogue no longer knows is still shown, as the map shows it.
    return entry.label(language) if entry else clean(code)


def _status(value: object, language: str) -> str:
    if _missing(value):
        return ""
    try:
        return t(f"status.{value}", language)
    except KeyError:
        return clean(value)


def _priority(value: object, language: str) -> str:
    if _missing(value):
        return ""
    try:
        return t(PRIORITY_KEYS[int(value)], language)  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        return clean(value)


def _place(record: Mapping[str, Any], language: str) -> str:
    geometry = record.get("geometry")
    if geometry is None or getattr(geometry, "is_empty", False):
        return t("deck.whole_area", language)
    return clean(record.get("address"))


def names_text(names: Iterable[str], language: str, limit: int) -> str:
    """Names joined with commas, at most about ``limit`` characters, then "i jeszcze N".

    Never drops a name silently: what does not fit is counted.

    >>> names_text(["Klub", "Świetlica", "Biblioteka"], "pl", 18)
    'Klub, Świetlica i jeszcze 1'
    """
    names = [n for n in names if n]
    shown: list[str] = []
    used = 0
    for i, name in enumerate(names):
        piece = shorten(name, max(limit // 2, 20))
        if shown and used + len(piece) + 2 > limit:
            return ", ".join(shown) + " " + t("deck.and_more", language, count=len(names) - i)
        shown.append(piece)
        used += len(piece) + 2
    return ", ".join(shown)
