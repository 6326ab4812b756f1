"""The editor's table of pins: one layer's pins filtered, sorted and labelled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.ui.pin_display import display_value, field_label


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
