"""Pin values as people read them: display values, field labels, history and conflict rows.

Labels come from ``mapping.i18n`` (fields, statuses, visibility) and from the
catalogue in the chosen language (categories, sectors, target groups,
source methods). Plain functions, tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from mapping.catalog import Entry
from mapping.i18n import MESSAGES, t
from mapping.services.layers import CATEGORY_VOCABULARY, NEED_STATUSES, VISIBILITIES
from mapping.services.pins import FIELDS, Version
from mapping.ui.safe_text import md_t

LOCAL_TIME = ZoneInfo("Europe/Warsaw")
EMPTY = "—"
PRIORITY_KEYS = {1: "priority.low", 2: "priority.medium", 3: "priority.high"}
# Fields that show up in history and conflicts besides the editable ones.
TRACKED_EXTRA = ("geom", "retired_at")
_VOCABULARY_OF_FIELD = {
    "sector": "partner_sector",
    "source_method": "source_method",
    "target_groups": "target_group",
    "kind": "resource_kind",
}
_TEXT_LIMIT = 60


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
