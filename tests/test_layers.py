"""Reads of the layers against a real PostGIS, each test in a rolled-back transaction.

The little world (made up for these tests):

    city "Testowo" (kind city)
    ├── district "Północ"   owned by team N   ← estate "Port" (no team of its own)
    └── district "Południe" owned by team S
    team W has city "Wrocław" and no areas; a retired district "Stara" in Testowo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy.orm import Session

from mapping.db.models import (
    Area,
    Need,
    Partner,
    Partnership,
    PartnershipMember,
    Resource,
    Team,
)
from mapping.services import layers

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _area(name, kind, shape, parent=None, team=None, retired=False):
    return Area(
        name=name, kind=kind, parent_id=parent.id if parent else None,
        team_id=team.id if team else None, geom=from_shape(MultiPolygon([shape]), srid=4326),
        retired_at=NOW if retired else None,
    )


def _point(x, y):
    return from_shape(Point(x, y), srid=4326)


@dataclass
class World:
    city: int
    north: int
    south: int
    port: int
    old: int
    team_n: int
    team_s: int


@pytest.fixture()
def world(session: Session) -> World:
    team_n = Team(code="t-n", name="Zespół Północ", city="Testowo")
    team_s = Team(code="t-s", name="Zespół Południe")
    team_w = Team(code="t-w", name="Zespół 10", city="Wrocław")
    session.add_all([team_n, team_s, team_w])
    session.flush()
    city = _area("Testowo", "city", box(0, 0, 2, 2))
    session.add(city)
    session.flush()
    north = _area("Północ", "district", box(0, 1, 2, 2), city, team_n)
    south = _area("Południe", "district", box(0, 0, 2, 1), city, team_s)
    old = _area("Stara", "district", box(5, 5, 6, 6), city, retired=True)
    session.add_all([north, south, old])
    session.flush()
    port = _area("Port", "estate", box(0, 1.5, 0.5, 2), north)
    session.add(port)
    session.flush()

    def resource(name, x, y, area=None, **values):
        values.setdefault("visibility", "public")
        values.setdefault("category", "school")
        session.add(Resource(name=name, kind="institution_public", geom=_point(x, y),
                             area_id=area.id if area else None, **values))

    resource("Szkoła publiczna", 1.0, 1.2, north)
    resource("Świetlica partnerska", 1.2, 1.4, north, visibility="partnership",
             category="youth_club")
    resource("Lider (tylko zespół)", 1.4, 1.4, north, visibility="team", category="local_leader")
    resource("Zamknięta biblioteka", 1.6, 1.6, north, retired_at=NOW, category="library")
    resource("Port bez przypisania", 0.2, 1.8)  # inside Port, no area_id
    resource("Szkoła na południu", 1.0, 0.5, south)

    fund = Partner(name="Fundacja", sector="ngo", area_id=north.id, geom=_point(0.3, 1.7))
    gone = Partner(name="Dawny partner", sector="business", area_id=north.id,
                   geom=_point(0.4, 1.6))
    session.add_all([fund, gone])
    session.flush()
    current = Partnership(name="Partnerstwo Północ", formed_on=dt.date(2010, 6, 10))
    ended = Partnership(name="Stara koalicja", retired_at=NOW)
    session.add_all([current, ended])
    session.flush()
    session.add_all([
        PartnershipMember(partnership_id=current.id, partner_id=fund.id),
        PartnershipMember(partnership_id=ended.id, partner_id=fund.id),
        PartnershipMember(partnership_id=current.id, partner_id=gone.id,
                          left_on=dt.date(2012, 1, 1)),
    ])

    def need(name, area, geom=None, **values):
        values.setdefault("category", "seniors_loneliness")
        values.setdefault("source_method", "survey")
        session.add(Need(name=name, area_id=area.id, geom=geom, **values))

    need("Samotni seniorzy", north, _point(1.1, 1.1))
    need("Bezrobocie w całej dzielnicy", north, None, category="unemployment")
    need("Załatwione", north, _point(1.3, 1.3), status="met")
    need("Zarchiwizowane", north, _point(1.5, 1.5), status="archived")
    need("Przemoc (tylko zespół)", south, _point(1.0, 0.4), visibility="team",
         category="domestic_violence")
    session.flush()
    return World(city.id, north.id, south.id, port.id, old.id, team_n.id, team_s.id)


def names(frame):
    return sorted(frame["name"])


def test_team_only_pins_are_never_returned_unless_asked(session, world):
    assert "Lider (tylko zespół)" not in names(layers.pins(session, "resource"))
    assert "Przemoc (tylko zespół)" not in names(layers.pins(session, "need"))
    everything = layers.pins(session, "resource", visibilities=("public", "partnership", "team"))
    assert "Lider (tylko zespół)" in names(everything)


def test_public_only_leaves_partnership_pins_out(session, world):
    public = names(layers.pins(session, "resource", visibilities=("public",)))
    assert "Świetlica partnerska" not in public and "Szkoła publiczna" in public


def test_retired_pins_areas_and_partnerships_are_left_out(session, world):
    assert "Zamknięta biblioteka" not in names(layers.pins(session, "resource"))
    assert world.old not in set(layers.areas(session)["id"])
    fund = layers.pins(session, "partner").set_index("name").loc["Fundacja"]
    assert fund["partnerships"] == ["Partnerstwo Północ"]


def test_a_partner_that_left_lists_no_partnership(session, world):
    gone = layers.pins(session, "partner").set_index("name").loc["Dawny partner"]
    assert gone["partnerships"] == []


def test_archived_needs_are_history_not_todays_map(session, world):
    current = names(layers.pins(session, "need"))
    assert "Zarchiwizowane" not in current and "Załatwione" in current
    archived = layers.pins(session, "need", need_statuses=("archived",))
    assert names(archived) == ["Zarchiwizowane"]


def test_pins_come_back_in_wgs84_and_a_whole_area_need_has_no_geometry(session, world):
    needs = layers.pins(session, "need").set_index("name")
    assert needs.crs.to_epsg() == 4326
    assert needs.loc["Samotni seniorzy"].geometry.equals(Point(1.1, 1.1))
    assert needs.loc["Bezrobocie w całej dzielnicy"].geometry is None
    assert needs.loc["Samotni seniorzy", "status"] == "identified"


def test_partners_category_is_their_sector(session, world):
    partners = layers.pins(session, "partner").set_index("name")
    assert partners.loc["Fundacja", "category"] == "ngo"


def test_a_pin_inside_an_area_belongs_to_it_even_without_an_area_id(session, world):
    in_port = names(layers.pins(session, "resource", [world.port]))
    assert in_port == ["Port bez przypisania"]
    in_north = names(layers.pins(session, "resource", [world.north]))
    assert in_north == ["Port bez przypisania", "Szkoła publiczna", "Świetlica partnerska"]


def test_no_areas_means_no_pins(session, world):
    assert layers.pins(session, "resource", []).empty


def test_counts_by_category_agree_with_the_pins(session, world):
    for layer in layers.LAYERS:
        frame = layers.pins(session, layer, [world.north, world.port])
        counts = layers.counts_by_category(session, layer, [world.north, world.port])
        assert counts["total"].sum() == len(frame)
        assert counts["pinned"].sum() == frame.geometry.notna().sum()
    needs = layers.counts_by_category(session, "need", [world.north]).set_index("category")
    assert needs.loc["unemployment"].tolist() == [1, 0]
    assert needs.loc["seniors_loneliness"].tolist() == [2, 2]


def test_cities_come_from_city_areas_and_owning_teams(session, world):
    assert "Testowo" in layers.cities(session)
    # A team's city alone does not make a city: there is nothing to draw.
    assert "Wrocław" not in layers.cities(session)


def test_teams_of_a_city_include_those_owning_an_area_there(session, world):
    codes = [team.code for team in layers.teams(session, "Testowo")]
    assert codes == ["t-s", "t-n"]  # natural order of names: Południe, Północ


def test_a_teams_areas_include_the_estates_inside_its_districts(session, world):
    frame = layers.areas(session, team_id=world.team_n)
    assert list(frame["name"]) == ["Północ", "Port"]
    assert set(frame["city"]) == {"Testowo"}
    assert frame.crs.to_epsg() == 4326


def test_a_citys_areas_come_in_tree_order_with_depths(session, world):
    choices = layers.area_choices(session, "Testowo")
    assert [(c.name, c.depth) for c in choices] == [
        ("Testowo", 0), ("Południe", 1), ("Północ", 1), ("Port", 2),
    ]
    assert list(layers.areas(session, "Testowo")["id"]) == [c.id for c in choices]


def test_an_overview_of_one_area_shows_its_pins_and_those_of_its_estates(session, world):
    view = layers.overview(session, "Testowo", None, world.north)
    assert view.selected_area_id == world.north
    assert sorted(view.pin_area_ids) == sorted([world.north, world.port])
    assert "Szkoła na południu" not in names(view.pins["resource"])
    assert "Port bez przypisania" in names(view.pins["resource"])
    assert {e.vocabulary for e in view.catalogue} >= {"resource_category", "need_category"}


def test_an_overview_ignores_an_area_outside_the_choice(session, world):
    view = layers.overview(session, "Testowo", world.team_s, world.port)
    assert view.selected_area_id is None
    assert names(view.pins["resource"]) == ["Szkoła na południu"]


def test_descendant_ids_walk_the_frame(session, world):
    frame = layers.areas(session, "Testowo")
    assert layers.descendant_ids(frame, world.north) == sorted([world.north, world.port])
    assert layers.descendant_ids(frame, world.port) == [world.port]


def test_an_unknown_layer_or_visibility_is_refused(session, world):
    with pytest.raises(ValueError, match="layer"):
        layers.pins(session, "volunteer")
    with pytest.raises(ValueError, match="visibilities"):
        layers.pins(session, "need", visibilities=("secret",))
