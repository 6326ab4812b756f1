"""Importing areas (estates, districts, a whole city) from a boundary file, all or nothing.

Two steps, usable from the page, the CLI and tests:

1. ``plan`` checks every feature of a file (read by ``mapping.io.feature_files``) and
   decides what it becomes: a name, a valid MultiPolygon in EPSG:4326
   (invalid polygons repaired, keeping their polygonal parts), a kind, a
   parent, a team and a population. Every feature gets its messages: what
   was repaired, and what is wrong (no name, empty or non-polygonal
   geometry, outside Poland or with latitude and longitude swapped, a
   duplicate in the file or of an area already stored). A feature that
   covers most of the others (a whole-city outline among its districts)
   becomes their parent, of kind ``city``; the others go under the stored
   area they overlap most (an estate under its district), and under the
   chosen team, or their parent's.
2. ``commit`` inserts the planned areas in the caller's transaction with one
   multi-row INSERT per level (outlines first, for their ids), or raises
   ``AreaImportError`` when any feature has an error, so nothing is written.

Only administrators add areas; the database's row-level security agrees.
One feature's checks live in ``mapping.io.area_features``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geodata import boundaries
from geodata.features import WGS84, Features
from mapping import geometry as boundary
from mapping.db import set_app_user
from mapping.db.models import SRID, Area, Team
from mapping.errors import PermissionDenied, UserError
from mapping.io.area_features import (
    OTHER_NAME_SHARE,
    PARENT_SHARE,
    SAME_AREA_SHARE,
    AreaOptions,
    Message,
    PlannedArea,
    _feature,
)
from mapping.services.accounts import Actor

# What a file may hold; a city comes from an outline found among the features.
KINDS = ("estate", "district")
# Where each kind of area may sit, most specific first.
PARENT_KINDS = {"estate": ("district", "city"), "district": ("city",), "city": ()}
# Attribute names that usually hold an area's name or population (compared
# case-insensitively), tried in order when the user names no field.
NAME_FIELDS = (
    "name", "nazwa", "osiedle", "dzielnica", "dzielnicy", "nazwa_osiedla", "nazwa_dzielnicy",
    "jpt_nazwa_", "nazwa_jedn",
)  # fmt: skip
POPULATION_FIELDS = (
    "population", "ludnosc", "ludność", "l_mieszk", "liczba_mieszkancow",
    "liczba_mieszkańców", "mieszkancy", "mieszkańcy",
)  # fmt: skip
_HYPHEN = re.compile(r"\s*[-‐‑–—]\s*")


class AreaImportError(UserError):
    """At least one feature has an error, so no area was saved; ``plan`` says which and why."""

    def __init__(self, plan: AreaPlan) -> None:
        """Keep the plan for the page and the CLI to show."""
        super().__init__("area_import.nothing_saved", count=len(plan.failed))
        self.plan = plan


@dataclass
class AreaPlan:
    """Every feature of a file checked and placed: what ``commit`` would insert."""

    filename: str
    file_format: str
    source_crs: str
    encoding: str | None
    name_field: str
    population_field: str | None
    kind: str
    team_id: int | None
    team_name: str | None
    areas: list[PlannedArea]
    notes: list[Message] = field(default_factory=list)

    @property
    def failed(self) -> list[PlannedArea]:
        """The features with at least one error, in file order."""
        return [area for area in self.areas if not area.ok]

    @property
    def ok(self) -> bool:
        """True when there is something to import and no feature has an error."""
        return bool(self.areas) and not self.failed and not any(
            m.level == "error" for m in self.notes
        )

    def frame(self) -> gpd.GeoDataFrame:
        """The planned areas shaped like ``layers.areas`` for the ``maps`` builders.

        ``id`` is the feature's row in the file; ``parent_id`` the row of its
        parent when that parent is in the file too. Features without a usable
        geometry are left out.
        """
        shown = [a for a in self.areas if a.geometry is not None]
        return gpd.GeoDataFrame(
            {
                "id": [a.row for a in shown],
                "name": [a.name for a in shown],
                "kind": [a.kind for a in shown],
                "parent_id": [a.parent_row for a in shown],
                "team_id": [a.team_id for a in shown],
                "team_name": [self.team_name if a.team_id == self.team_id else None
                              for a in shown],
                "population": [a.population for a in shown],
                "streets": [None] * len(shown),
                "city": [None] * len(shown),
            },
            geometry=gpd.GeoSeries([a.geometry for a in shown], crs=SRID),
            crs=SRID,
        )


def require_admin(actor: Actor) -> None:
    """Refuse anyone but an administrator: areas shape every team's map."""
    if not actor.is_admin:
        raise PermissionDenied("area_import.admin_only")


def guess_fields(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """The attributes that most likely hold the name and the population, by their usual names.

    >>> guess_fields(["OBJECTID", "DZIELNICY", "L_MIESZK"])
    ('DZIELNICY', 'L_MIESZK')
    """
    return _usual(columns, NAME_FIELDS), _usual(columns, POPULATION_FIELDS)


def plan(
    session: Session,
    actor: Actor,
    features: Features,
    options: AreaOptions | None = None,
    filename: str = "",
) -> AreaPlan:
    """Check and place every feature of ``features``; write nothing.

    Raises ``UserError`` for a problem with the whole import (not an admin,
    an unknown kind or team, no name field); everything about single
    features is in the plan's messages.
    """
    options = options or AreaOptions()
    require_admin(actor)
    if options.kind not in KINDS:
        raise UserError("area_import.bad_kind", kinds=", ".join(KINDS))
    team = _team(session, options.team)
    columns = features.attribute_columns
    name_field = _field(options.name_field, columns, NAME_FIELDS, "area_import.no_name_field")
    if name_field is None:
        raise UserError("area_import.name_field_needed", fields=", ".join(columns) or "-")
    population_field = _field(
        options.population_field, columns, POPULATION_FIELDS, "area_import.no_population_field"
    )
    areas = [
        _feature(features, position, name_field, population_field, options, filename)
        for position in range(len(features.frame))
    ]
    _mark_duplicates(areas)
    _outlines(areas)
    stored = _stored(session, [a.geometry for a in areas if a.ok and a.geometry is not None])
    _mark_stored(areas, stored)
    _place(areas, stored)
    _teams(areas, team, stored)
    notes = [Message("note", f"import_file.{note.code}", dict(note.params))
             for note in features.notes]
    if features.source_crs != WGS84:
        notes.append(Message("note", "area_import.reprojected", {"crs": features.source_crs}))
    swapped = [a for a in areas if any(m.key.startswith("area_import.swapped") for m in a.messages)]
    if areas and len(swapped) * 2 >= len(areas):
        notes.append(Message("error", "area_import.all_swapped", {"count": len(swapped)}))
    return AreaPlan(
        filename=filename,
        file_format=features.file_format,
        source_crs=features.source_crs,
        encoding=features.encoding,
        name_field=name_field,
        population_field=population_field,
        kind=options.kind,
        team_id=team.id if team is not None else None,
        team_name=team.name if team is not None else None,
        areas=areas,
        notes=notes,
    )


def commit(session: Session, actor: Actor, planned: AreaPlan) -> list[int]:
    """Insert every planned area in the caller's transaction; return their ids in file order.

    Raises ``AreaImportError`` (nothing written) when any feature has an
    error. The caller's transaction must roll back on any error, as
    ``db.session_scope`` does.
    """
    require_admin(actor)
    if not planned.ok:
        raise AreaImportError(planned)
    set_app_user(session, actor.username)
    ids: dict[int, int] = {}
    # Outlines (and areas without a parent in the file) first: their
    # children need their ids.
    levels = (
        [a for a in planned.areas if a.parent_row is None],
        [a for a in planned.areas if a.parent_row is not None],
    )
    try:
        for level in levels:
            if not level:
                continue
            rows = [
                {
                    "name": area.name,
                    "kind": area.kind,
                    "parent_id": ids[area.parent_row] if area.parent_row else area.parent_id,
                    "team_id": area.team_id,
                    "population": area.population,
                    "source": area.source,
                    # Never None here: an area without a geometry has an error.
                    "geom": boundary.to_database(area.geometry),
                }
                for area in level
            ]
            # One statement for the whole level: SQLAlchemy sends it as
            # multi-row INSERTs and gives the ids back in the rows' order.
            new = session.scalars(
                insert(Area).returning(Area.id, sort_by_parameter_order=True), rows
            ).all()
            ids.update(zip((a.row for a in level), new, strict=True))
    except IntegrityError:
        # A parent or team removed since the plan was made.
        raise UserError("area_import.changed") from None
    return [ids[area.row] for area in planned.areas]


# --- the file as a whole --------------------------------------------------------------------


def _field(
    chosen: str | None, columns: Sequence[str], usual: Sequence[str], missing: str
) -> str | None:
    if chosen:
        if chosen in columns:
            return chosen
        raise UserError(missing, field=chosen, fields=", ".join(columns) or "-")
    return _usual(columns, usual)


def _usual(columns: Sequence[str], usual: Sequence[str]) -> str | None:
    by_folded = {c.casefold(): c for c in reversed(columns)}
    for name in usual:
        if name.casefold() in by_folded:
            return by_folded[name.casefold()]
    return None


def _team(session: Session, code: str | None) -> Team | None:
    if not code:
        return None
    team = session.scalar(select(Team).where(Team.code == code))
    if team is None:
        raise UserError("account.unknown_team", team=code)
    return team


def folded(name: str) -> str:
    """A name reduced for comparison: no case, diacritics, extra spaces or spaced hyphens.

    Files spell the same estate "Przedmiescie Oławskie" and "Przedmieście
    Oławskie", or "Polanowice - Poświętne" and "Polanowice-Poświętne".

    >>> folded("Przedmiescie  Oławskie") == folded("Przedmieście Oławskie")
    True
    """
    text = _HYPHEN.sub("-", " ".join(name.split())).replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _mark_duplicates(areas: list[PlannedArea]) -> None:
    """A second feature with the same name, or the very same boundary, is an error."""
    names: dict[str, int] = {}
    shapes: dict[bytes, int] = {}
    for area in areas:
        if area.name:
            first = names.setdefault(folded(area.name), area.row)
            if first != area.row:
                area.add("error", "area_import.duplicate_name", row=first)
        if area.geometry is not None:
            key = shapely.normalize(area.geometry).wkb
            first = shapes.setdefault(key, area.row)
            if first != area.row:
                area.add("error", "area_import.duplicate_geometry", row=first)


def _outlines(areas: list[PlannedArea]) -> None:
    """A feature that covers most of the others is their city, and their parent."""
    usable = [a for a in areas if a.ok and a.geometry is not None]
    found = boundaries.find_outlines(gpd.GeoSeries([a.geometry for a in usable], crs=SRID))
    for outer, members in found.items():
        city = usable[outer]
        city.kind = "city"
        city.add("note", "area_import.outline", count=len(members))
        for member in members:
            child = usable[member]
            child.parent_row, child.parent_name = city.row, city.name
            child.add("note", "area_import.placed_in_file", parent=city.name)


def _stored(session: Session, geometries: list[BaseGeometry]) -> gpd.GeoDataFrame:
    """Current stored areas near the file's features: possible parents and duplicates."""
    columns = ["id", "name", "kind", "team_id", "team_name"]
    if not geometries:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=SRID)
    west, south, east, north = shapely.total_bounds(np.asarray(geometries, dtype=object))
    rows = session.execute(
        select(
            Area.id, Area.name, Area.kind, Area.team_id, Team.name.label("team_name"),
            func.ST_AsBinary(Area.geom).label("geom"),
        )
        .outerjoin(Team, Team.id == Area.team_id)
        .where(
            Area.retired_at.is_(None),
            Area.geom.op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID)),
        )
        .order_by(Area.id)
    ).all()
    return gpd.GeoDataFrame(
        {c: [getattr(r, c) for r in rows] for c in columns},
        geometry=boundary.from_wkb([r.geom for r in rows]) if rows else [],
        crs=SRID,
    )


def _mark_stored(areas: list[PlannedArea], stored: gpd.GeoDataFrame) -> None:
    """An area stored already (same kind, place and name, give or take spelling) is an error."""
    for kind in {a.kind for a in areas}:
        mine = [a for a in areas if a.ok and a.geometry is not None and a.kind == kind]
        theirs = stored[stored["kind"] == kind].reset_index(drop=True)
        if not mine or not len(theirs):
            continue
        series = gpd.GeoSeries([a.geometry for a in mine], crs=SRID)
        for area, (best, share) in zip(
            mine, boundaries.largest_overlaps(series, theirs.geometry, SAME_AREA_SHARE),
            strict=True,
        ):
            if best is None:
                continue
            other = theirs.iloc[best]
            if folded(other["name"]) == folded(area.name):
                area.add("error", "area_import.exists", name=other["name"], id=int(other["id"]))
            elif share >= OTHER_NAME_SHARE:
                area.add("warning", "area_import.same_place", name=other["name"],
                         id=int(other["id"]))


def _place(areas: list[PlannedArea], stored: gpd.GeoDataFrame) -> None:
    """Each feature without a parent in the file goes under the stored area it overlaps most."""
    waiting = [a for a in areas if a.ok and a.geometry is not None and a.parent_row is None]
    for kind in ("estate", "district"):
        children = [a for a in waiting if a.kind == kind]
        for parent_kind in PARENT_KINDS[kind]:
            hosts = stored[stored["kind"] == parent_kind].reset_index(drop=True)
            if not children or not len(hosts):
                continue
            series = gpd.GeoSeries([a.geometry for a in children], crs=SRID)
            placed = boundaries.largest_overlaps(series, hosts.geometry, PARENT_SHARE)
            for child, (best, share) in zip(children, placed, strict=True):
                if best is not None:
                    host = hosts.iloc[best]
                    child.parent_id, child.parent_name = int(host["id"]), host["name"]
                    child.add("note", "area_import.placed", parent=host["name"],
                              share=round(100 * share))
            children = [c for c in children if c.parent_id is None]
        for child in children:
            child.add("note", "area_import.no_parent",
                      kinds=", ".join(PARENT_KINDS[kind]))


def _teams(areas: list[PlannedArea], team: Team | None, stored: gpd.GeoDataFrame) -> None:
    """The chosen team owns every area but a city outline; without one, the parent's team."""
    owners = {
        int(area_id): (int(team_id), name)
        for area_id, team_id, name in zip(
            stored["id"], stored["team_id"], stored["team_name"], strict=True
        )
        if not pd.isna(team_id)
    }
    for area in areas:
        if area.kind == "city":
            continue
        if team is not None:
            area.team_id = team.id
        elif area.parent_id in owners:
            area.team_id, name = owners[area.parent_id]
            area.add("note", "area_import.team_from_parent", team=name)
