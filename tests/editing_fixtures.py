"""A small real world for editing tests: two Gdańsk districts owned by two teams, and users.

The districts are real boundaries (geodata/files/gdansk_dzielnice.geojson,
Miasto Gdańsk); the teams and users are made up for the tests.
``team_area_world`` is a smaller one: one team's made-up area that each test
crowds with its own pins, an editor of that team and one of another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.db.models import Area, Team
from mapping.services import accounts
from mapping.services.accounts import Actor
from tests.conftest import app_env

DISTRICTS = (
    Path(__file__).resolve().parent.parent / "geodata" / "files" / "gdansk_dzielnice.geojson"
)
PASSWORD = "correct horse battery"
T = TypeVar("T")


@dataclass
class World:
    """Ids and actors the editing tests share."""

    area_a: int
    area_b: int
    point_a: tuple[float, float]
    point_b: tuple[float, float]
    admin: Actor
    editor_a: Actor
    editor_b: Actor
    viewer: Actor


def build_world(session: Session) -> World:
    """Insert two teams, their districts and four users; nothing is committed."""
    frame = gpd.read_file(DISTRICTS).set_index("DZIELNICY")
    team_a = Team(code="test-a", name="Zespół A")
    team_b = Team(code="test-b", name="Zespół B")
    session.add_all([team_a, team_b])
    session.flush()
    areas = []
    for name, team in (("Brzeźno", team_a), ("Oliwa", team_b)):
        geom = shapely.make_valid(frame.loc[name].geometry)
        if geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        area = Area(name=name, kind="district", team_id=team.id, geom=from_shape(geom, srid=4326))
        session.add(area)
        areas.append((area, geom))
    session.flush()
    (area_a, geom_a), (area_b, geom_b) = areas
    point_a = geom_a.representative_point()
    point_b = geom_b.representative_point()
    return World(
        area_a=area_a.id,
        area_b=area_b.id,
        point_a=(point_a.x, point_a.y),
        point_b=(point_b.x, point_b.y),
        admin=accounts.add_user(session, "ada", PASSWORD, "admin"),
        editor_a=accounts.add_user(session, "ewa", PASSWORD, "editor", ["test-a"]),
        editor_b=accounts.add_user(session, "bartek", PASSWORD, "editor", ["test-b"]),
        viewer=accounts.add_user(session, "wiktor", PASSWORD, "viewer"),
    )


def open_editor_world(url: str) -> tuple[dict[str, str], World]:
    """The editing world committed in Gdańsk, and the app's environment for it.

    The environment signs nobody in and draws no tiles: what a browser test of
    the editor starts the app with.
    """
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    engine.dispose()
    return {**app_env(url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}, world


@dataclass
class TeamArea:
    """One area owned by a team in Gdańsk, an editor of that team and one of another."""

    area_id: int
    member: Actor
    stranger: Actor


def team_area_world(
    url: str,
    bounds: tuple[float, float, float, float],
    fill: Callable[[Session, Area, list[catalog.Entry]], None],
) -> TeamArea:
    """Commit the default catalogue, two teams, the first's area over ``bounds`` and two editors.

    ``fill`` adds the area's pins (given the session, the area and the catalogue's
    entries) before the editors are made: each test's crowd is its own.
    """
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        catalog.install_defaults(session)
        owners = Team(code="wlasciciele", name="Zespół obszaru", city="Gdańsk")
        others = Team(code="inni", name="Inny zespół", city="Gdańsk")
        session.add_all([owners, others])
        session.flush()
        area = Area(name="Obszar próbny", kind="district", team_id=owners.id,
                    geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326))
        session.add(area)
        session.flush()
        fill(session, area, catalog.entries(session))
        world = TeamArea(
            area_id=area.id,
            member=accounts.add_user(session, "czlonek", None, "editor", ["wlasciciele"]),
            stranger=accounts.add_user(session, "obcy", None, "editor", ["inni"]),
        )
    engine.dispose()
    return world


def as_editor(url: str, actor: Actor, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a session of ``actor`` under row-level security; return its result."""
    with db.session_scope(create_engine(url), actor.username, restricted=True) as session:
        return work(session)
