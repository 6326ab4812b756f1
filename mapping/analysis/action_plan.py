"""The action plan in an export: its rows per unit, done actions and needs that are covered.

Pure functions on the frames of an ``ExportData`` (``action``,
``action_partner``, ``need_partner``, ``need_resource``), so the June pack
and the evidence of change read the plan from the same snapshot as the map.
Visibility was applied when the export was read: an action goes with its need.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from mapping.analysis.export_data import ExportData

# The statuses in the order a plan lists them; ``done`` and ``dropped`` last.
STATUS_ORDER = {"in_progress": 0, "planned": 1, "done": 2, "dropped": 3}


@dataclass(frozen=True)
class PlanRow:
    """One action as the June pack's plan table shows it."""

    action_id: int
    title: str
    need: str
    partners: tuple[str, ...]
    due_on: dt.date | None
    status: str


def _frame(data: ExportData, name: str) -> pd.DataFrame | None:
    """A frame of the export, or None when it was read without the action plan."""
    return data.frames.get(name)


def done_action_ids(data: ExportData) -> set[int]:
    """The actions marked done on the map of ``data``."""
    actions = _frame(data, "action")
    if actions is None:
        return set()
    return {int(i) for i in actions.loc[actions["status"] == "done", "id"]}


def covered_need_ids(data: ExportData) -> set[int]:
    """The needs someone addresses: a resource or partner linked by hand, or a done action.

    The one place that says "covered" for the evidence of change; it can
    later also count a resource within walking reach (coverage), keeping its name.
    """
    covered: set[int] = set()
    for name in ("need_resource", "need_partner"):
        links = _frame(data, name)
        if links is not None:
            covered |= {int(i) for i in links["need_id"]}
    actions = _frame(data, "action")
    if actions is not None:
        covered |= {int(i) for i in actions.loc[actions["status"] == "done", "need_id"]}
    return covered


def plan_rows(data: ExportData, need_names: dict[int, str] | None = None) -> list[PlanRow]:
    """The actions about the needs on the map of ``data``: open ones first, soonest due first.

    ``need_names``: the needs the map shows (id → name); an action of a need
    not among them is left out. None: every need of ``data``.
    """
    actions = _frame(data, "action")
    if actions is None or actions.empty:
        return []
    if need_names is None:
        needs = data.frames["need"]
        need_names = {int(i): str(n) for i, n in zip(needs["id"], needs["name"], strict=True)}
    partners = data.frames["partner"]
    partner_names = {int(i): str(n) for i, n in zip(partners["id"], partners["name"], strict=True)}
    responsible: dict[int, list[str]] = {}
    links = _frame(data, "action_partner")
    if links is not None:
        for action_id, partner_id in zip(links["action_id"], links["partner_id"], strict=True):
            if int(partner_id) in partner_names:
                responsible.setdefault(int(action_id), []).append(partner_names[int(partner_id)])
    rows = []
    for record in actions.itertuples():
        need_id = int(record.need_id)
        if need_id not in need_names:
            continue
        due = None if pd.isna(record.due_on) else record.due_on
        rows.append(PlanRow(
            action_id=int(record.id),
            title=str(record.title),
            need=need_names[need_id],
            partners=tuple(sorted(responsible.get(int(record.id), []), key=str.casefold)),
            due_on=due,
            status=str(record.status),
        ))
    return sorted(rows, key=lambda r: (
        STATUS_ORDER.get(r.status, 9), r.due_on or dt.date.max, r.title.casefold(), r.action_id,
    ))
