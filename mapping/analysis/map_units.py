"""Which area and team each row of an export belongs to, and one team's or area's part of it.

An export of everything (``mapping.services.export_rows.read_export`` without a filter,
now or as of a date) is read once; the map of one team or one area is then
cut out of it here, in memory. The June pack cuts 58 maps out of one read
this way, and ``read_export``'s own ``team_id``/``area_id`` filter is this
same cut, so an export and a poster of the same area show the same rows.

The rule: an area's map holds the area and every area under it; a pin goes
with its ``area_id``, or, when it has none, with the areas its point lies
in; a partnership goes with the areas it covers (and with its team), and
brings its member partners along, even those pinned elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from mapping.analysis.export_data import ExportData
from mapping.errors import UserError

PIN_LAYERS = ("resource", "partner", "need")


def subtree(areas: pd.DataFrame, roots: Iterable[int]) -> set[int]:
    """``roots`` and every area under them (by ``parent_id``); a parent loop cannot hang it."""
    children: dict[int, list[int]] = {}
    for area_id, parent_id in zip(areas["id"], areas["parent_id"], strict=True):
        if not pd.isna(parent_id):
            children.setdefault(int(parent_id), []).append(int(area_id))
    found: set[int] = set()
    stack = [int(r) for r in roots]
    while stack:
        area_id = stack.pop()
        if area_id not in found:
            found.add(area_id)
            stack.extend(children.get(area_id, []))
    return found


def team_area_ids(areas: pd.DataFrame, team_id: int) -> set[int]:
    """The areas ``team_id`` owns and every area under them."""
    owned = areas.loc[areas["team_id"] == team_id, "id"]
    return subtree(areas, (int(a) for a in owned))


def pin_area_ids(data: ExportData) -> dict[str, pd.Series]:
    """Per pin layer, aligned with its frame: the area each pin belongs to, <NA> when none.

    A pin's own ``area_id`` wins; a pin without one belongs to the smallest
    area its point lies in (an estate rather than its district).
    """
    areas = data.frames["area"]
    result: dict[str, pd.Series] = {}
    for layer in PIN_LAYERS:
        frame = data.frames[layer]
        assigned = pd.Series(frame["area_id"].astype("Int64"), index=frame.index)
        loose = assigned.isna() & frame.geometry.notna() & ~frame.geometry.is_empty
        if loose.any() and len(areas):
            # Sizes in square degrees: only compared between areas that overlap, where
            # the distortion is the same for all of them.
            outlines = gpd.GeoDataFrame(
                {"area": areas["id"].astype("int64"),
                 "size": shapely.area(areas.geometry.values)},
                geometry=areas.geometry, crs=areas.crs,
            )
            points = gpd.GeoDataFrame(geometry=frame.geometry[loose], crs=frame.crs)
            hits = points.sjoin(outlines, predicate="within", how="inner")
            if len(hits):
                smallest = hits.sort_values("size").groupby(level=0)["area"].first()
                assigned.loc[smallest.index] = smallest.astype("Int64")
        result[layer] = assigned
    return result


def _in_outline(frame: gpd.GeoDataFrame, outline: shapely.Geometry | None) -> pd.Series:
    """Which rows' points lie in ``outline`` (none when there is no outline)."""
    if outline is None or frame.empty:
        return pd.Series(False, index=frame.index)
    shapely.prepare(outline)
    geometries = frame.geometry.values
    hits = shapely.intersects(outline, geometries)
    return pd.Series(hits, index=frame.index).fillna(False).astype(bool)


def select(
    data: ExportData, *, team_id: int | None = None, area_id: int | None = None
) -> ExportData:
    """The part of ``data`` that is one team's or one area's map (both may be given).

    Without either, ``data`` itself. An unknown ``area_id`` is a user error.
    """
    if team_id is None and area_id is None:
        return data
    frames = data.frames
    areas = frames["area"]
    wanted = {int(a) for a in areas["id"]}
    if team_id is not None:
        wanted &= team_area_ids(areas, team_id)
    if area_id is not None:
        if area_id not in set(areas["id"].astype(int)):
            raise UserError("export.unknown_area")
        wanted &= subtree(areas, [area_id])
    area_mask = areas["id"].isin(wanted)
    chosen_areas = areas.loc[area_mask]
    shapes = [g for g in chosen_areas.geometry if g is not None and not g.is_empty]
    outline = shapely.union_all(shapes) if shapes else None

    def in_selection(frame: gpd.GeoDataFrame) -> pd.Series:
        has_area = frame["area_id"].notna()
        by_area = frame["area_id"].isin(wanted) & has_area
        return by_area | (~has_area & _in_outline(frame, outline))

    partnerships = frames["partnership"]
    links = frames["partnership_area"]
    covering = set(links.loc[links["area_id"].isin(wanted), "partnership_id"].astype(int))
    partnership_mask = partnerships["id"].isin(covering)
    if team_id is not None:
        partnership_mask |= partnerships["team_id"] == team_id
    chosen_partnerships = partnerships.loc[partnership_mask.fillna(False).astype(bool)]
    partnership_ids = set(chosen_partnerships["id"].astype(int))
    members = frames["partnership_member"]
    members = members.loc[members["partnership_id"].isin(partnership_ids)]
    member_partners = set(members["partner_id"].astype(int))

    resources = frames["resource"].loc[in_selection(frames["resource"])]
    needs = frames["need"].loc[in_selection(frames["need"])]
    partners = frames["partner"]
    partners = partners.loc[in_selection(partners) | partners["id"].isin(member_partners)]
    # A membership of a partner the actor may not see would betray that it exists.
    members = members.loc[members["partner_id"].isin(set(partners["id"].astype(int)))]
    need_resource = frames["need_resource"]
    need_resource = need_resource.loc[
        need_resource["need_id"].isin(set(needs["id"].astype(int)))
        & need_resource["resource_id"].isin(set(resources["id"].astype(int)))
    ]
    links = links.loc[links["partnership_id"].isin(partnership_ids) & links["area_id"].isin(wanted)]
    plan = _plan(frames, set(needs["id"].astype(int)), set(partners["id"].astype(int)))
    teams = frames["team"]
    used = set(chosen_areas["team_id"].dropna().astype(int))
    used |= set(chosen_partnerships["team_id"].dropna().astype(int))
    teams = teams.loc[teams["id"].isin(used)]

    selected = {
        **frames,
        "area": chosen_areas,
        "resource": resources,
        "partner": partners,
        "need": needs,
        "team": teams,
        "partnership": chosen_partnerships,
        "partnership_member": members,
        "partnership_area": links,
        "need_resource": need_resource,
        **plan,
    }
    return dataclasses.replace(
        data,
        frames={name: frame.reset_index(drop=True) for name, frame in selected.items()},
        selection=dataclasses.replace(data.selection, team_id=team_id, area_id=area_id),
    )


def _plan(
    frames: dict[str, pd.DataFrame], need_ids: set[int], partner_ids: set[int]
) -> dict[str, pd.DataFrame]:
    """The actions and hand links of the chosen needs (and partners); none when not read."""
    if "action" not in frames:
        return {}
    actions = frames["action"].loc[frames["action"]["need_id"].isin(need_ids)]
    action_partner = frames["action_partner"]
    need_partner = frames["need_partner"]
    return {
        "action": actions,
        "action_partner": action_partner.loc[
            action_partner["action_id"].isin(set(actions["id"].astype(int)))
            & action_partner["partner_id"].isin(partner_ids)
        ],
        "need_partner": need_partner.loc[
            need_partner["need_id"].isin(need_ids) & need_partner["partner_id"].isin(partner_ids)
        ],
    }
