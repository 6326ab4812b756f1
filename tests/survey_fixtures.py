"""A real city for survey tests: Wrocław's 48 estates under its 5 former districts.

The boundaries are real (geodata/files/wroclaw_osiedla_48.geojson, SIP
Wrocławia, repaired where self-intersecting); the teams, users and answers
are made up for the tests. ``Nadodrze`` and ``Kleczków`` belong to team
``ztps-7``, ``Plac Grunwaldzki`` to ``ztps-9``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy.orm import Session

from geodata.boundaries import as_multipolygon, read_boundaries
from mapping.db.models import Area, Team
from mapping.services import accounts
from mapping.services.accounts import Actor
from surveys import templates, xlsform

FILES = Path(__file__).resolve().parent.parent / "geodata" / "files"
PASSWORD = "correct horse battery"
TEAM_7 = ("Nadodrze", "Kleczków")
TEAM_9 = ("Plac Grunwaldzki",)


@lru_cache(maxsize=1)
def estate_shapes() -> dict[str, MultiPolygon]:
    """Official estate name → its (repaired) boundary."""
    frame, _ = read_boundaries(FILES / "wroclaw_osiedla_48.geojson", "osiedle")
    with (FILES / "wroclaw_osiedla_to_dzielnice.csv").open(encoding="utf-8") as handle:
        official = {int(r["id_sip"]): r["osiedle_official_name"] for r in csv.DictReader(handle)}
    return {
        official[int(i)]: as_multipolygon(shapely.make_valid(g))
        for i, g in zip(frame["id"], frame.geometry, strict=True)
    }


@lru_cache(maxsize=1)
def districts() -> dict[str, str]:
    """Estate → former district."""
    with (FILES / "wroclaw_osiedla_to_dzielnice.csv").open(encoding="utf-8") as handle:
        return {r["osiedle_official_name"]: r["former_dzielnica"] for r in csv.DictReader(handle)}


@lru_cache(maxsize=2)
def estate_form(version: str = "2026") -> xlsform.FormDefinition:
    """The shipped estate questionnaire (Wrocław's estates), parsed."""
    return xlsform.load_xlsform(templates.template_xlsx("estate", version), "estate.xlsx")


@dataclass
class SurveyWorld:
    """Ids and actors the survey tests share."""

    city: int
    districts: dict[str, int]
    estates: dict[str, int]
    team_7: int
    team_9: int
    admin: Actor
    editor_7: Actor
    editor_9: Actor
    viewer: Actor
    shapes: dict[str, MultiPolygon] = field(default_factory=dict)


def build_wroclaw(session: Session) -> SurveyWorld:
    """Insert Wrocław (city, districts, estates), two teams and four users; no commit."""
    shapes = estate_shapes()
    team_7 = Team(code="ztps-7", name="ZTPS 7 – Nadodrze", city="Wrocław")
    team_9 = Team(code="ztps-9", name="ZTPS 9 – Plac Grunwaldzki", city="Wrocław")
    session.add_all([team_7, team_9])
    session.flush()
    city_shape = as_multipolygon(shapely.union_all(list(shapes.values())))
    city = Area(name="Wrocław", kind="city", geom=from_shape(city_shape, srid=4326))
    session.add(city)
    session.flush()
    district_ids = {}
    for district in sorted(set(districts().values())):
        members = [shapes[e] for e, d in districts().items() if d == district]
        area = Area(
            name=district, kind="district", parent_id=city.id,
            geom=from_shape(as_multipolygon(shapely.union_all(members)), srid=4326),
        )
        session.add(area)
        session.flush()
        district_ids[district] = area.id
    estate_ids = {}
    for name, shape in shapes.items():
        team = team_7.id if name in TEAM_7 else team_9.id if name in TEAM_9 else None
        area = Area(
            name=name, kind="estate", parent_id=district_ids[districts()[name]], team_id=team,
            geom=from_shape(shape, srid=4326),
        )
        session.add(area)
        session.flush()
        estate_ids[name] = area.id
    return SurveyWorld(
        city=city.id,
        districts=district_ids,
        estates=estate_ids,
        team_7=team_7.id,
        team_9=team_9.id,
        admin=accounts.add_user(session, "ada", PASSWORD, "admin"),
        editor_7=accounts.add_user(session, "ewa", PASSWORD, "editor", ["ztps-7"]),
        editor_9=accounts.add_user(session, "bartek", PASSWORD, "editor", ["ztps-9"]),
        viewer=accounts.add_user(session, "wiktor", PASSWORD, "viewer", ["ztps-7"]),
        shapes=dict(shapes),
    )
