"""What the map editor reads: the chosen area with its pins, one pin's values, its history.

Every read runs through the page kit's runner (``mapping.ui.page.run``): one
transaction as the signed-in user under row-level security.
"""

from __future__ import annotations

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
from mapping.services.layers import VISIBILITIES
from mapping.ui import layer_rows
from mapping.ui.layer_rows import RetiredPin
from mapping.ui.page import Outcome, run

__all__ = [
    "EditorView", "RetiredPin", "load_values", "on_map", "pin_history", "read_view", "view_in",
]


def on_map(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """The pins of a layer the map shows: archived needs are history, not today's map."""
    if layer == "need" and len(frame):
        return frame[frame["status"] != "archived"]
    return frame


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

    # The frames the map shows, made once per layer's version (``_layer_pins``).
    shown: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def map_pins(self) -> dict[str, gpd.GeoDataFrame]:
        """The pins the map shows (archived needs left out)."""
        return {
            layer: self.shown[layer] if layer in self.shown else on_map(frame, layer)
            for layer, frame in self.pins.items()
        }

    def names(self, layer: str) -> dict[int, str]:
        """Id → name of a layer's pins in the area."""
        frame = self.pins[layer]
        return {int(i): str(n) for i, n in zip(frame["id"], frame["name"], strict=True)}


# A few areas' views, shared by everyone with the same rights, kept while the data is unchanged.
# The time limit covers a transaction that commits an older history id late.
_KEPT: Kept[EditorView | None] = Kept(size=8, ttl=120)
# The areas and the city's partners as read for a view, by their versions and the reader's rights.
_LAYERS: Kept[Any] = Kept(size=16, ttl=120)


def _rights(actor: Actor) -> tuple[Any, ...]:
    """What decides which pins a user sees (row-level security and the page's own rule)."""
    return (actor.role, tuple(sorted(actor.team_ids)))


def view_in(
    session: Session, url: str, actor: Actor, city: str | None, team_id: int | None,
    area_id: int,
) -> EditorView | None:
    """``read_view`` inside the caller's transaction (``session``, restricted to ``actor``)."""
    entries = catalog.entries(session)
    versions.plan_simply(session)
    layer_versions = versions.layer_versions(session)
    key = (
        url, _rights(actor), city, team_id, area_id,
        tuple(sorted(layer_versions.items())), hash(tuple(entries)),
    )
    return _KEPT.get(
        key,
        lambda: _read(session, url, actor, city, team_id, area_id, key, entries, layer_versions),
    )


def _read(
    session: Session, url: str, actor: Actor, city: str | None, team_id: int | None,
    area_id: int, key: tuple[Any, ...], entries: list[Entry],
    layer_versions: dict[str, tuple[int, ...]],
) -> EditorView | None:
    # Every kept read is keyed by the reader's rights (row-level security
    # decides the rows): one team's team-only pins never reach another team.
    rights = (url, _rights(actor))
    frame = _LAYERS.get(
        (rights, "areas", city, team_id, layer_versions["area"]),
        lambda: layers.areas(session, city=city, team_id=team_id),
    )
    if area_id not in {int(i) for i in frame["id"]}:
        return None
    area_ids = layers.descendant_ids(frame, area_id)
    row = frame[frame["id"] == area_id].iloc[0]
    team = None if pd.isna(row["team_id"]) else int(row["team_id"])
    own = actor.is_admin or (team is not None and team in actor.team_ids)
    visibilities = tuple(VISIBILITIES if own else actor.visibilities())
    rows = {
        layer: layer_rows.layer_rows(
            session, rights, actor, layer, area_ids, visibilities, layer_versions[layer]
        )
        for layer in layers.LAYERS
    }
    frames = {layer: rows[layer].frame for layer in layers.LAYERS}
    partner_frame = _LAYERS.get(
        (rights, "partners", city, visibilities, layer_versions["partner"]),
        lambda: layers.pins(
            session, "partner", [c.id for c in layers.area_choices(session, city)],
            visibilities,
        ),
    )
    retired = [r for layer in layers.LAYERS for r in rows[layer].retired]
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
        shown={layer: rows[layer].shown for layer in layers.LAYERS},
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
    return run(url, actor, lambda s: view_in(s, url, actor, city, team_id, area_id)).unwrap()


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
