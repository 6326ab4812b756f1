"""The evidence of change between two maps: what appeared, closed and moved on, per unit.

``compare(before, after)`` takes two exports of the layers (usually two
snapshots read by ``mapping.services.snapshots``) and says, for the whole city, for
every area and for every team:

- resources: new (on the map after, not before) and closed (on the map
  before, retired or removed after);
- partners: new (on the map after, not before; or on both maps and a
  member of a partnership after, of none before) and departed (on the map
  before and gone after; or still on the map, a member of a partnership
  before and of none after: it left the partnership);
- needs: newly identified (on the map after, not before), now being
  addressed and met (that status after, another status or no need before),
  and still open (``identified`` at both dates);
- the action plan (``PLAN_KINDS``, apart from ``KINDS`` so the counts of a
  map stay what they were): actions done since (done after, not before, of a
  need in the unit) and needs that became covered
  (``mapping.analysis.action_plan.covered_need_ids``).

A row is the same row at both dates when it has the same id; its name is
the name it has on the map that shows it (after for what is new or changed,
before for what closed). "New" and "closed" mean the row came onto or went
off the map as a whole: a pin moved from one area to another is neither
(it is not new in one and closed in the other). An area's figures hold the
area and every area under it (an estate's pins count for its district
too), as an area's map does; a team's hold the areas it owns and those under
them. Which area a pin belongs to is ``mapping.analysis.map_units.pin_area_ids``, on
the map that shows it.

Pure functions on the frames: no database. Visibility was applied when the
exports were read; a renderer that must show public and partnership rows
only reads the exports for such an actor (or filters them) first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from mapping.analysis import action_plan, map_units
from mapping.analysis.export_data import LOCAL_TIMEZONE, ExportData
from mapping.errors import UserError

# Every kind of change, in the order tables and slides show them.
KINDS = (
    "new_resources",
    "closed_resources",
    "new_partners",
    "departed_partners",
    "needs_identified",
    "needs_being_addressed",
    "needs_met",
    "needs_still_open",
)
# The action plan's evidence, listed after ``KINDS``.
PLAN_KINDS = ("actions_done", "needs_covered")
CITY = "city"
AREA = "area"
TEAM = "team"


@dataclass(frozen=True)
class UnitChanges:
    """What changed in one unit (the city, an area or a team): names, sorted, per kind.

    >>> u = UnitChanges(CITY, None, "Gdańsk", new_resources=("Biblioteka",))
    >>> u.counts()["new_resources"], u.total(), u.is_empty
    (1, 1, False)
    """

    level: str
    id: int | None
    name: str
    new_resources: tuple[str, ...] = ()
    closed_resources: tuple[str, ...] = ()
    new_partners: tuple[str, ...] = ()
    departed_partners: tuple[str, ...] = ()
    needs_identified: tuple[str, ...] = ()
    needs_being_addressed: tuple[str, ...] = ()
    needs_met: tuple[str, ...] = ()
    needs_still_open: tuple[str, ...] = ()
    actions_done: tuple[str, ...] = ()
    needs_covered: tuple[str, ...] = ()

    def names(self, kind: str) -> tuple[str, ...]:
        """The names of one kind of change (one of ``KINDS`` or ``PLAN_KINDS``)."""
        if kind not in KINDS + PLAN_KINDS:
            raise KeyError(kind)
        return getattr(self, kind)

    def counts(self) -> dict[str, int]:
        """How many of each kind, in the order of ``KINDS``."""
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def plan_counts(self) -> dict[str, int]:
        """How many actions were done and needs became covered, in the order of ``PLAN_KINDS``."""
        return {kind: len(getattr(self, kind)) for kind in PLAN_KINDS}

    def total(self) -> int:
        """How many changes of every kind together (still-open needs included)."""
        return sum(self.counts().values())

    @property
    def is_empty(self) -> bool:
        """True when nothing at all is listed for this unit."""
        return self.total() == 0


@dataclass(frozen=True)
class ChangeReport:
    """The evidence of change between two maps: the city (or the selection), areas, teams."""

    city: UnitChanges
    by_area: dict[int, UnitChanges] = field(default_factory=dict)
    by_team: dict[int, UnitChanges] = field(default_factory=dict)
    before_as_of: dt.datetime | None = None
    after_as_of: dt.datetime | None = None
    before_label: str = ""
    after_label: str = ""

    def units(self, level: str) -> list[UnitChanges]:
        """The units of one level (``city``, ``area``, ``team``), sorted by name."""
        if level == CITY:
            return [self.city]
        source = {AREA: self.by_area, TEAM: self.by_team}[level]
        return sorted(source.values(), key=lambda u: (u.name.casefold(), u.id or 0))

    def rows(self, level: str) -> list[dict[str, object]]:
        """One flat row of counts per unit of ``level``: for tables, CSV and slides."""
        return [
            {"level": u.level, "id": u.id, "name": u.name, **u.counts()}
            for u in self.units(level)
        ]

    def to_dict(self) -> dict[str, object]:
        """Everything as plain JSON-ready values (names and counts per unit)."""

        def unit(u: UnitChanges) -> dict[str, object]:
            return {
                "level": u.level, "id": u.id, "name": u.name, "counts": u.counts(),
                "plan_counts": u.plan_counts(),
                **{kind: list(u.names(kind)) for kind in KINDS + PLAN_KINDS},
            }

        return {
            "before": {"label": self.before_label, "as_of": _iso(self.before_as_of)},
            "after": {"label": self.after_label, "as_of": _iso(self.after_as_of)},
            "city": unit(self.city),
            "areas": [unit(u) for u in self.units(AREA)],
            "teams": [unit(u) for u in self.units(TEAM)],
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class _Pins:
    """One pin layer of one map: id, name, area and (needs) status, one row per pin."""

    frame: pd.DataFrame

    @classmethod
    def of(cls, data: ExportData, layer: str, areas: pd.Series) -> _Pins:
        source = data.frames[layer]
        frame = pd.DataFrame({
            "id": source["id"].astype("int64"),
            "name": source["name"].astype(object),
            "area": areas.astype("Int64"),
            "status": source["status"] if "status" in source else None,
        })
        return cls(frame.reset_index(drop=True))

    @property
    def ids(self) -> set[int]:
        return set(self.frame["id"])

    def status(self) -> dict[int, str]:
        return dict(zip(self.frame["id"], self.frame["status"], strict=True))

    def within(self, area_ids: set[int] | None) -> pd.DataFrame:
        """The pins of a unit (``None``: every pin, also those in no area)."""
        if area_ids is None:
            return self.frame
        return self.frame[self.frame["area"].isin(area_ids).fillna(False).astype(bool)]


def _names(frame: pd.DataFrame, mask: Iterable[bool] | pd.Series) -> tuple[str, ...]:
    picked = frame.loc[pd.Series(mask, index=frame.index).astype(bool), "name"]
    return _sorted(str(n) for n in picked)


def _sorted(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda n: (n.casefold(), n)))


def _members(data: ExportData) -> set[int]:
    """The partners that are current members of a partnership on the day of ``data``'s map.

    Current: joined by that day (or no date) and not left by it. The rows are
    those the map holds, so a departure recorded later with an earlier date
    counts when the later map is compared.
    """
    members = data.frames["partnership_member"]
    moment = data.selection.as_of or dt.datetime.now(dt.UTC)
    # Membership dates are days in Poland, and a map as of a date ends at
    # midnight after it: the day is the one just before, there.
    day = (moment.astimezone(LOCAL_TIMEZONE) - dt.timedelta(microseconds=1)).date()
    return {
        int(partner)
        for partner, joined, left in zip(
            members["partner_id"], members["joined_on"], members["left_on"], strict=True
        )
        if (pd.isna(joined) or joined <= day) and (pd.isna(left) or left > day)
    }


class _Maps:
    """Both maps read once: pins with their areas, and what each id was before and after."""

    def __init__(self, before: ExportData, after: ExportData) -> None:
        before_areas = map_units.pin_area_ids(before)
        after_areas = map_units.pin_area_ids(after)
        self.before = {
            layer: _Pins.of(before, layer, before_areas[layer]) for layer in map_units.PIN_LAYERS
        }
        self.after = {
            layer: _Pins.of(after, layer, after_areas[layer]) for layer in map_units.PIN_LAYERS
        }
        self.before_ids = {layer: pins.ids for layer, pins in self.before.items()}
        self.after_ids = {layer: pins.ids for layer, pins in self.after.items()}
        self.before_status = self.before["need"].status()
        # Partners on both maps that joined or left every partnership in between.
        members_then, members_now = _members(before), _members(after)
        staying = self.before_ids["partner"] & self.after_ids["partner"]
        self.joined = (staying & members_now) - members_then
        self.left = (staying & members_then) - members_now
        self.newly_covered = (
            action_plan.covered_need_ids(after) - action_plan.covered_need_ids(before)
        )
        # Done actions of the later map, each with its need (for the unit it counts in).
        done = action_plan.done_action_ids(after) - action_plan.done_action_ids(before)
        actions = after.frames.get("action")
        self.done_actions = (
            actions.loc[actions["id"].isin(done), ["need_id", "title"]]
            if actions is not None else pd.DataFrame({"need_id": [], "title": []})
        )

    def unit(
        self, level: str, unit_id: int | None, name: str,
        before_areas: set[int] | None, after_areas: set[int] | None,
    ) -> UnitChanges:
        """The changes of one unit, given the areas it covers on each map (None: everything)."""
        found: dict[str, tuple[str, ...]] = {}
        for layer, new_kind, gone_kind in (
            ("resource", "new_resources", "closed_resources"),
            ("partner", "new_partners", "departed_partners"),
        ):
            now = self.after[layer].within(after_areas)
            then = self.before[layer].within(before_areas)
            found[new_kind] = _names(now, ~now["id"].isin(self.before_ids[layer]))
            found[gone_kind] = _names(then, ~then["id"].isin(self.after_ids[layer]))
        # Joining or leaving a partnership is named where the partner is now.
        partners = self.after["partner"].within(after_areas)
        found["new_partners"] = _sorted(
            found["new_partners"] + _names(partners, partners["id"].isin(self.joined)))
        found["departed_partners"] = _sorted(
            found["departed_partners"] + _names(partners, partners["id"].isin(self.left)))
        needs = self.after["need"].within(after_areas)
        was = needs["id"].map(self.before_status)
        found["needs_identified"] = _names(needs, was.isna())
        for status, kind in (("being_addressed", "needs_being_addressed"), ("met", "needs_met")):
            found[kind] = _names(needs, (needs["status"] == status) & (was != status))
        found["needs_still_open"] = _names(
            needs, (needs["status"] == "identified") & (was == "identified")
        )
        found["needs_covered"] = _names(needs, needs["id"].isin(self.newly_covered))
        titles = self.done_actions.loc[self.done_actions["need_id"].isin(set(needs["id"]))]
        found["actions_done"] = _sorted(str(title) for title in titles["title"])
        return UnitChanges(level, unit_id, name, **found)


def _by_id(frames: Iterable[pd.DataFrame], column: str = "name") -> dict[int, str]:
    """Id → ``column`` over several frames; a later frame (the newer map) wins."""
    found: dict[int, str] = {}
    for frame in frames:
        found.update({int(i): str(v) for i, v in zip(frame["id"], frame[column], strict=True)})
    return found


def compare(
    before: ExportData,
    after: ExportData,
    *,
    team_id: int | None = None,
    area_id: int | None = None,
    city_name: str = "",
    before_label: str = "",
    after_label: str = "",
) -> ChangeReport:
    """What changed from ``before`` to ``after``: for the city, every area and every team.

    Give both maps whole (not cut to a team or an area), so that a pin moved
    between areas is not taken for a new one. ``team_id`` and ``area_id``
    narrow the report: ``city`` then holds the selection's totals and only
    the selection's areas and teams are listed. ``city_name`` names the
    whole (e.g. "Gdańsk"); the labels name the two maps (snapshot names).
    """
    maps = _Maps(before, after)
    areas_then, areas_now = before.frames["area"], after.frames["area"]
    area_names = _by_id([areas_then, areas_now])
    area_ids = set(area_names)
    team_names = _by_id([before.frames["team"], after.frames["team"]])
    teams = set(team_names)
    teams |= {int(t) for t in areas_then["team_id"].dropna()}
    teams |= {int(t) for t in areas_now["team_id"].dropna()}

    def chosen(areas: pd.DataFrame) -> set[int] | None:
        if team_id is None and area_id is None:
            return None
        wanted = {int(a) for a in areas["id"]}
        if team_id is not None:
            wanted &= map_units.team_area_ids(areas, team_id)
        if area_id is not None:
            wanted &= map_units.subtree(areas, [area_id])
        return wanted

    if area_id is not None and area_id not in area_ids:
        raise UserError("export.unknown_area")
    scope_then, scope_now = chosen(areas_then), chosen(areas_now)
    if area_id is not None:
        area_ids &= {area_id} | (scope_then or set()) | (scope_now or set())
        teams = {
            int(t) for frame in (areas_then, areas_now)
            for t in frame.loc[frame["id"].isin(area_ids), "team_id"].dropna()
        }
    if team_id is not None:
        area_ids &= (scope_then or set()) | (scope_now or set())
        teams &= {team_id}

    if team_id is not None or area_id is not None:
        parts = [team_names.get(team_id, str(team_id))] if team_id is not None else []
        parts += [area_names.get(area_id, str(area_id))] if area_id is not None else []
        city_name = " – ".join(parts)
    city = maps.unit(CITY, None, city_name, scope_then, scope_now)
    by_area = {
        a: maps.unit(
            AREA, a, area_names[a],
            map_units.subtree(areas_then, [a]), map_units.subtree(areas_now, [a]),
        )
        for a in sorted(area_ids)
    }
    by_team = {
        t: maps.unit(
            TEAM, t, team_names.get(t, str(t)),
            map_units.team_area_ids(areas_then, t), map_units.team_area_ids(areas_now, t),
        )
        for t in sorted(teams)
    }
    return ChangeReport(
        city=city,
        by_area=by_area,
        by_team=by_team,
        before_as_of=before.selection.as_of,
        after_as_of=after.selection.as_of,
        before_label=before_label,
        after_label=after_label,
    )
