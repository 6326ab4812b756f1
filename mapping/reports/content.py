"""What one map of the June pack shows: the data every renderer (poster, deck, HTML) draws.

A ``MapContent`` is built once per area, per team and for the city by
``mapping.reports.pack`` from one read of the snapshot's layers, and holds
only what may be shown at a partnership meeting: public and partnership
pins (never team-only ones), already cut to the unit. Renderers take it as
it is and never query the database, so they can run in worker processes
and be tested with hand-made content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import geopandas as gpd

from mapping.catalog import Entry
from mapping.maps.legend import LegendSection

if TYPE_CHECKING:
    from mapping.analysis.action_plan import PlanRow
    from mapping.analysis.changes import UnitChanges

Unit = Literal["area", "team", "city"]
PIN_LAYERS = ("resource", "partner", "need")


@dataclass(frozen=True)
class Member:
    """One member of a partnership as the pack lists it."""

    partner: str
    role: str | None
    joined_on: dt.date | None


@dataclass(frozen=True)
class PartnershipSummary:
    """A partnership covering the unit: its name, date formed and members."""

    name: str
    formed_on: dt.date | None
    members: tuple[Member, ...]


@dataclass
class MapContent:
    """Everything one poster, slide deck or offline map of one unit shows.

    ``areas`` (EPSG:4326; columns id, name, kind, parent_id, team_id,
    population, streets, geometry) are the unit's areas: for an area itself
    and the areas under it, for a team the areas it owns and those under
    them. ``focus_area_ids`` are the outlines the map is drawn around.
    ``pins`` maps ``resource``/``partner``/``need`` to frames shaped like
    ``mapping.services.layers.pins`` (``category`` for every layer, a partner's sector
    included; ``target_groups`` as lists; a need for the whole area has no
    geometry). ``title`` may be long (names up to 200 characters): renderers
    wrap or shorten it. ``notes`` say, in the user's language, what was left
    out and why; renderers print them.
    """

    unit: Unit
    unit_id: int | None
    slug: str
    title: str
    team_name: str | None
    city: str | None
    snapshot_name: str
    snapshot_date: dt.date
    language: str
    areas: gpd.GeoDataFrame
    focus_area_ids: list[int]
    pins: dict[str, gpd.GeoDataFrame]
    catalogue: list[Entry]
    legend: list[LegendSection]
    partnerships: list[PartnershipSummary] = field(default_factory=list)
    compare_name: str | None = None
    compare_date: dt.date | None = None
    changes: UnitChanges | None = None
    survey_highlights: list[str] = field(default_factory=list)
    # The actions about the unit's needs (``mapping.analysis.action_plan.plan_rows``).
    action_plan: list[PlanRow] = field(default_factory=list)
    online_url: str | None = None
    attribution: str = ""
    notes: list[str] = field(default_factory=list)

    def count(self, layer: str) -> int:
        """How many entries ``layer`` holds (pinned or for the whole area)."""
        frame = self.pins.get(layer)
        return 0 if frame is None else len(frame)

    @property
    def is_empty(self) -> bool:
        """True when the unit has no resources, partners or needs to show."""
        return all(self.count(layer) == 0 for layer in PIN_LAYERS)
