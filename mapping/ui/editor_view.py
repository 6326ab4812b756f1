"""What the map editor reads: the chosen area with its pins, one pin's values, its history.

Every read runs through the page kit's runner (``mapping.ui.page.run``): one
transaction as the signed-in user under row-level security.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.catalog import Entry
from mapping.maps.kept import Kept
from mapping.services import layers, pins, versions
from mapping.services.accounts import Actor
from mapping.services.layers import NEED_STATUSES, VISIBILITIES
from mapping.ui.page import Outcome, run


def on_map(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """The pins of a layer the map shows: archived needs are history, not today's map."""
    if layer == "need" and len(frame):
        return frame[frame["status"] != "archived"]
    return frame


@dataclass(frozen=True)
class RetiredPin:
    """A retired pin as the restore list shows it."""

    layer: str
    id: int
    version: int
    name: str
    retired_at: dt.datetime


@dataclass
class EditorView:
    """What one run of the editor shows, read in one restricted transaction."""

    area_id: int
    area_name: str
    may_edit: bool
    areas: gpd.GeoDataFrame
    area_ids: list[int]
    pins: dict[str, gpd.GeoDataFrame]
    catalogue: list[Entry]
    partners: dict[int, str]
    retired: list[RetiredPin] = field(default_factory=list)
    # Names everything this view was read from (data version, rights, area):
    # what is built from it (the map's content) is kept under this key.
    key: tuple[Any, ...] = ()

    def map_pins(self) -> dict[str, gpd.GeoDataFrame]:
        """The pins the map shows (archived needs left out)."""
        return {layer: on_map(frame, layer) for layer, frame in self.pins.items()}

    def names(self, layer: str) -> dict[int, str]:
        """Id → name of a layer's pins in the area."""
        frame = self.pins[layer]
        return {int(i): str(n) for i, n in zip(frame["id"], frame["name"], strict=True)}


# A few areas' views, shared by everyone with the same rights, kept while the data is unchanged.
# The time limit covers a transaction that commits an older history id late.
_KEPT: Kept[EditorView | None] = Kept(size=8, ttl=120)


def _rights(actor: Actor) -> tuple[Any, ...]:
    """What decides which pins a user sees (row-level security and the page's own rule)."""
    return (actor.role, tuple(sorted(actor.team_ids)))


def _view(
    session: Session, url: str, actor: Actor, city: str | None, team_id: int | None,
    area_id: int,
) -> EditorView | None:
    entries = catalog.entries(session)
    key = (
        url, _rights(actor), city, team_id, area_id,
        versions.map_version(session), hash(tuple(entries)),
    )
    return _KEPT.get(key, lambda: _read(session, actor, city, team_id, area_id, key, entries))


def _read(
    session: Session, actor: Actor, city: str | None, team_id: int | None, area_id: int,
    key: tuple[Any, ...], entries: list[Entry],
) -> EditorView | None:
    frame = layers.areas(session, city=city, team_id=team_id)
    if area_id not in {int(i) for i in frame["id"]}:
        return None
    area_ids = layers.descendant_ids(frame, area_id)
    row = frame[frame["id"] == area_id].iloc[0]
    team = None if pd.isna(row["team_id"]) else int(row["team_id"])
    own = actor.is_admin or (team is not None and team in actor.team_ids)
    visibilities = VISIBILITIES if own else actor.visibilities()
    frames = {
        layer: layers.pins(
            session, layer, area_ids, visibilities,
            need_statuses=NEED_STATUSES, with_version=True,
        )
        for layer in layers.LAYERS
    }
    city_area_ids = [choice.id for choice in layers.area_choices(session, city)]
    partner_frame = layers.pins(session, "partner", city_area_ids, visibilities)
    retired = [
        RetiredPin(layer, r.id, r.version, r.name, r.retired_at)
        for layer in layers.LAYERS
        for r in pins.retired_pins(session, actor, layer, area_ids)
    ]
    return EditorView(
        area_id=area_id,
        area_name=str(row["name"]),
        may_edit=actor.may_edit_team(team),
        areas=frame[frame["id"].isin(area_ids)],
        area_ids=area_ids,
        pins=frames,
        catalogue=entries,
        partners={
            int(i): str(n)
            for i, n in zip(partner_frame["id"], partner_frame["name"], strict=True)
        },
        retired=sorted(retired, key=lambda r: r.retired_at, reverse=True),
        key=key,
    )


def read_view(
    url: str, actor: Actor, city: str | None, team_id: int | None, area_id: int
) -> EditorView | None:
    """The chosen area with its pins (every visibility the actor may see), or None if gone.

    Team-only pins are asked for when the area belongs to one of the actor's
    teams (or the actor is an admin); the database's row-level security
    applies the same rule again. A view read before is used again while
    the data's version (``versions.map_version``, read under the user's
    row-level security) and the user's role and teams are the same.
    """
    return run(url, actor, lambda s: _view(s, url, actor, city, team_id, area_id)).unwrap()


def load_values(session: Session, actor: Actor, layer: str, pin_id: int) -> dict[str, Any]:
    """A pin's editable values, position, version and (needs) the resources linked to it."""
    row = pins.get_pin(session, actor, layer, pin_id)
    values = pins.pin_values(row, layer)
    values["layer"] = layer
    if layer == "need":
        values["resource_ids"] = layers.need_resources(session, pin_id)
    return values


def pin_history(url: str, actor: Actor, ref: pins.PinRef) -> Outcome[list[pins.Version]]:
    """Every recorded version of the open pin, newest first (with its author's display name)."""
    return run(url, actor, lambda s: pins.versions(s, actor, ref.layer, ref.id))
