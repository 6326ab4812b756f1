"""The demo data set: real boundaries and venues, illustrative work, loaded idempotently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select, text
from sqlalchemy.orm import Session, aliased

from mapping import demo
from mapping.db.models import (
    Area,
    Category,
    Need,
    NeedResource,
    Partner,
    Partnership,
    PartnershipArea,
    PartnershipMember,
    Resource,
    Team,
)
from mapping.demo import (
    APPROXIMATE,
    ILLUSTRATIVE,
    NEED_SOURCE,
    SEED_SOCHACZEW,
    SEED_WROCLAW,
    VENUES_SOURCE,
    DemoError,
    load_demo,
)

# Each layer and the DemoReport field that counts its demo rows.
LAYERS = {
    Team: "teams",
    Area: "areas",
    Resource: "resources",
    Partner: "partners",
    Partnership: "partnerships",
    PartnershipMember: "partnership_members",
    PartnershipArea: "partnership_areas",
    Need: "needs",
    NeedResource: "need_resources",
}


@pytest.fixture()
def report(session: Session) -> demo.DemoReport:
    """The demo loaded into this test's rolled-back transaction."""
    return load_demo(session)


@pytest.fixture(scope="module")
def demo_engine(demo_db_url: str) -> Iterator[Engine]:
    engine = create_engine(demo_db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def loaded(demo_engine: Engine) -> Iterator[Session]:
    """A session on the database the demo was loaded into once; changes are rolled back."""
    with demo_engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as sess:
            yield sess
        outer.rollback()


def _counts(session: Session) -> dict[str, int]:
    return {
        field: session.scalar(select(func.count()).select_from(model))
        for model, field in LAYERS.items()
    }


def _scalar(session: Session, sql: str, **params: object) -> object:
    return session.execute(text(sql), params).scalar_one()


def test_the_demo_holds_two_cities_forty_districts_and_forty_eight_estates(loaded):
    kinds = dict(loaded.execute(select(Area.kind, func.count()).group_by(Area.kind)).all())
    assert kinds == {"city": 2, "district": 35 + 5, "estate": 48}
    cities = set(loaded.scalars(select(Area.name).where(Area.kind == "city")))
    assert cities == {"Gdańsk", "Wrocław"}


def test_every_area_is_a_valid_multipolygon_in_wgs84(loaded):
    broken = _scalar(
        loaded,
        "SELECT count(*) FROM area WHERE NOT ST_IsValid(geom) "
        "OR GeometryType(geom) <> 'MULTIPOLYGON' OR ST_SRID(geom) <> 4326",
    )
    assert broken == 0


def test_city_outlines_have_no_slivers_left_between_their_districts(loaded):
    holes = _scalar(
        loaded,
        "SELECT sum(ST_NumInteriorRings(part.geom)) FROM area, "
        "LATERAL ST_Dump(area.geom) AS part WHERE area.kind = 'city'",
    )
    assert holes == 0


def test_loading_twice_adds_nothing(session, report):
    before = _counts(session)
    again = load_demo(session)
    assert again.added == 0
    assert _counts(session) == before
    assert again == demo.DemoReport(**{**report.__dict__, "added": 0})


def test_the_first_load_reports_what_it_added(session, report):
    assert report == demo.DemoReport(**_counts(session), added=report.added)
    assert report.added == sum(_counts(session).values())
    assert "areas 90" in str(report)
    assert f"{report.added} rows added" in str(report)


def test_estates_sit_under_former_districts_and_districts_under_their_city(loaded):
    mismatched = _scalar(
        loaded,
        "SELECT count(*) FROM area child LEFT JOIN area parent ON parent.id = child.parent_id "
        "WHERE (child.kind = 'estate' AND parent.kind IS DISTINCT FROM 'district') "
        "OR (child.kind = 'district' AND parent.kind IS DISTINCT FROM 'city') "
        "OR (child.kind = 'city' AND child.parent_id IS NOT NULL)",
    )
    assert mismatched == 0
    district = aliased(Area)
    fabryczna = loaded.scalars(
        select(Area.name)
        .join(district, district.id == Area.parent_id)
        .where(Area.kind == "estate", district.name == "Fabryczna")
    ).all()
    assert len(fabryczna) == 14
    assert "Gądów-Popowice Płd." in fabryczna


def test_estates_carry_their_official_names_not_the_file_typos(loaded):
    estates = set(loaded.scalars(select(Area.name).where(Area.kind == "estate")))
    assert "Przedmieście Oławskie" in estates
    assert "Przedmiescie Oławskie" not in estates
    assert "Polanowice-Poświętne-Ligota" in estates
    source = loaded.scalar(select(Area.source).where(Area.name == "Przedmieście Oławskie"))
    assert "Przedmiescie Oławskie" in source


def test_repaired_estates_say_so_in_their_source(loaded):
    repaired = _scalar(
        loaded, "SELECT count(*) FROM area WHERE kind = 'estate' AND source LIKE '%repaired%'"
    )
    assert repaired == 17


def test_a_district_outline_is_the_union_of_its_estates(loaded):
    gap = _scalar(
        loaded,
        "SELECT max(ST_Area(ST_SymDifference(d.geom, u.geom)::geography)) FROM area d "
        "JOIN (SELECT parent_id, ST_Union(geom) AS geom FROM area WHERE kind = 'estate' "
        "GROUP BY parent_id) u ON u.parent_id = d.id",
    )
    assert gap < 1.0  # square metres


def test_gdansk_districts_carry_population_and_unknown_stays_unknown(loaded):
    gdansk = loaded.scalar(select(Area.id).where(Area.name == "Gdańsk", Area.kind == "city"))
    rows = dict(
        loaded.execute(
            select(Area.name, Area.population).where(
                Area.parent_id == gdansk, Area.name.in_(["Śródmieście", "Chełm"])
            )
        ).all()
    )
    # Chełm has L_MIESZK = 0 in the source: a data gap, not an empty district.
    assert rows == {"Śródmieście": 27888, "Chełm": None}


def test_every_gdansk_venue_becomes_a_public_resource(loaded):
    venues = loaded.scalars(select(Resource).where(Resource.source.startswith(VENUES_SOURCE)))
    venues = list(venues)
    assert len(venues) == 74
    assert {v.visibility for v in venues} == {"public"}
    by_category: dict[str, int] = {}
    for venue in venues:
        by_category[venue.category] = by_category.get(venue.category, 0) + 1
    # 24 museums plus the gallery whose type slipped into RODZAJ; "other" are culture centres.
    assert by_category == {"library": 30, "museum": 25, "culture_centre": 19}
    assert {v.kind for v in venues} == {"institution_public"}


def test_library_branches_are_told_apart_by_their_short_name(loaded):
    names = loaded.scalars(select(Resource.name).where(Resource.category == "library")).all()
    assert len(set(names)) == len(names) == 30
    assert any(name.endswith("– Filia nr 6") for name in names)


def test_each_venue_lies_in_the_district_assigned_to_it(loaded):
    outside = _scalar(
        loaded,
        "SELECT count(*) FROM resource r LEFT JOIN area a ON a.id = r.area_id "
        "WHERE r.source LIKE :venues AND (a.id IS NULL OR NOT ST_Contains(a.geom, r.geom))",
        venues=f"{VENUES_SOURCE}%",
    )
    assert outside == 0


def test_the_containing_polygon_wins_over_the_district_written_in_the_file(loaded):
    # Opera Bałtycka's record says "Wrzeszcz Górny"; its point lies in Aniołki.
    district = loaded.scalar(
        select(Area.name)
        .join(Resource, Resource.area_id == Area.id)
        .where(Resource.name == "Opera Bałtycka w Gdańsku")
    )
    assert district == "Aniołki"


def test_venue_descriptions_carry_accessibility(loaded):
    description = loaded.scalar(select(Resource.description).where(Resource.name == "Klub Żak"))
    assert "Dostępność" in description
    assert "p,w,t" in description


def test_every_district_and_estate_belongs_to_a_team_and_every_team_area_is_one_piece(loaded):
    unowned = _scalar(
        loaded,
        "SELECT count(*) FROM area WHERE team_id IS NULL AND (kind = 'estate' OR "
        "(kind = 'district' AND parent_id = (SELECT id FROM area WHERE name = 'Gdańsk')))",
    )
    assert unowned == 0
    pieces = loaded.execute(
        text(
            "SELECT t.code, ST_NumGeometries(ST_Union(a.geom)) FROM team t "
            "JOIN area a ON a.team_id = t.id GROUP BY t.code"
        )
    ).all()
    assert len(pieces) == 15
    assert {code: n for code, n in pieces if n != 1} == {}


def test_wroclaw_teams_are_the_ten_ztps_with_their_programmes(loaded):
    teams = loaded.scalars(select(Team).where(Team.city == "Wrocław").order_by(Team.code)).all()
    assert [t.code for t in teams] == [f"WRO-ZTPS-{n:02d}" for n in range(1, 11)]
    assert teams[6].name == "ZTPS 7 – Nadodrze"
    assert "Aktywne Nadodrze" in teams[6].description
    assert "Aktywna Polanka" in teams[9].description
    assert "Aktywny Zakrzów" in teams[9].description
    nadodrze = loaded.scalar(select(Area.team_id).where(Area.name == "Nadodrze"))
    assert nadodrze == teams[6].id


def test_the_five_wroclaw_partnerships_carry_their_dates_and_estates(loaded):
    rows = loaded.execute(
        text(
            "SELECT p.name, p.formed_on::text, array_agg(a.name ORDER BY a.name) "
            "FROM partnership p JOIN partnership_area pa ON pa.partnership_id = p.id "
            "JOIN area a ON a.id = pa.area_id GROUP BY p.name, p.formed_on"
        )
    ).all()
    assert {name: (day, estates) for name, day, estates in rows} == {
        "Partnerstwo Polanka": ("2008-03-27", ["Polanowice-Poświętne-Ligota"]),
        "Partnerstwo „Razem dla Nadodrza”": ("2010-04-26", ["Nadodrze"]),
        "Partnerstwo Gądów & Kosmonautów": ("2010-06-10", ["Gądów-Popowice Płd."]),
        "Partnerstwo dla Leśnicy": ("2010-10-27", ["Leśnica"]),
        "Partnerstwo 8 Scen": (
            "2011-03-16",
            [
                "Biskupin-Sępolno-Dąbie-Bartoszowice",
                "Plac Grunwaldzki",
                "Zacisze-Zalesie-Szczytniki",
            ],
        ),
    }


def test_partners_have_sectors_roles_and_join_dates(loaded):
    members = loaded.execute(
        select(Partnership.formed_on, PartnershipMember.joined_on, PartnershipMember.role)
        .join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
        .where(Partnership.name == "Partnerstwo „Razem dla Nadodrza”")
    ).all()
    assert len(members) == 7
    assert all(role for _formed, _joined, role in members)
    assert all(joined >= formed for formed, joined, _role in members)
    assert any(joined > formed for formed, joined, _role in members)
    sectors = set(loaded.scalars(select(Partner.sector)))
    assert sectors == {"public", "ngo", "church", "business", "informal", "council"}


def test_teraz_sochaczew_has_its_twelve_member_bodies_without_places(loaded):
    partnership = loaded.scalar(
        select(Partnership).where(Partnership.name == "Partnerstwo „Teraz Sochaczew”")
    )
    partners = loaded.scalars(
        select(Partner)
        .join(PartnershipMember, PartnershipMember.partner_id == Partner.id)
        .where(PartnershipMember.partnership_id == partnership.id)
    ).all()
    assert len(partners) == 12
    assert all(p.geom is None and p.area_id is None for p in partners)
    assert any("Caritas" in p.name for p in partners)
    covered = loaded.scalar(
        select(func.count())
        .select_from(PartnershipArea)
        .where(PartnershipArea.partnership_id == partnership.id)
    )
    assert covered == 0


def test_pasz_points_and_the_support_centre_say_their_place_is_approximate(loaded):
    pins = loaded.execute(
        text(
            "SELECT r.name, r.source, ST_Contains(a.geom, r.geom) FROM resource r "
            "JOIN area a ON a.id = r.area_id "
            "WHERE r.category IN ('activation_point', 'support_centre')"
        )
    ).all()
    assert len(pins) == 6
    assert all(APPROXIMATE in source and inside for _name, source, inside in pins)
    centre = loaded.scalar(
        select(Resource).where(Resource.name == "Nadodrzańskie Centrum Wsparcia")
    )
    assert centre.address == "ul. Rydygiera 43–45, Wrocław"
    assert "17 maja 2013" in centre.description


def test_every_illustrative_row_says_so_in_its_source(loaded):
    for need in loaded.scalars(select(Need)):
        assert need.source.startswith(NEED_SOURCE)
    for team in loaded.scalars(select(Team)):
        assert ILLUSTRATIVE in team.source
    for partner in loaded.scalars(select(Partner)):
        assert partner.source.startswith((ILLUSTRATIVE, SEED_SOCHACZEW))
    for resource in loaded.scalars(select(Resource)):
        assert resource.source.startswith((VENUES_SOURCE, SEED_WROCLAW, ILLUSTRATIVE))
        if not resource.source.startswith(VENUES_SOURCE):
            assert "illustrative" in resource.source
    for partnership in loaded.scalars(select(Partnership)):
        assert partnership.source.startswith((SEED_WROCLAW, SEED_SOCHACZEW))
    assert _scalar(loaded, "SELECT count(*) FROM area WHERE coalesce(source, '') = ''") == 0


def test_needs_mix_points_and_whole_areas_statuses_and_methods(loaded):
    needs = loaded.scalars(select(Need)).all()
    assert len(needs) >= 12
    assert any(n.geom is None for n in needs) and any(n.geom is not None for n in needs)
    assert all(n.area_id is not None for n in needs)
    assert {n.status for n in needs} == {"identified", "being_addressed", "met", "archived"}
    assert len({n.source_method for n in needs}) >= 5
    assert loaded.scalar(select(func.count()).select_from(NeedResource)) > 0


def test_pinned_needs_lie_inside_their_area(loaded):
    outside = _scalar(
        loaded,
        "SELECT count(*) FROM need n JOIN area a ON a.id = n.area_id "
        "WHERE n.geom IS NOT NULL AND NOT ST_Contains(a.geom, n.geom)",
    )
    assert outside == 0


def test_needs_in_sensitive_categories_are_never_pinned_at_a_point(loaded):
    sensitive = loaded.execute(
        select(Need.geom, Need.visibility)
        .join(Category, Category.code == Need.category)
        .where(Category.vocabulary == "need_category", Category.sensitive)
    ).all()
    assert sensitive
    assert all(geom is None and visibility == "team" for geom, visibility in sensitive)


def test_team_only_pins_exist_for_privacy_filtering_to_hide(loaded):
    team_only = _scalar(
        loaded,
        "SELECT (SELECT count(*) FROM resource WHERE visibility = 'team' AND geom IS NOT NULL)"
        " + (SELECT count(*) FROM need WHERE visibility = 'team' AND geom IS NOT NULL)",
    )
    assert team_only >= 2
    partnership_only = _scalar(
        loaded,
        "SELECT (SELECT count(*) FROM resource WHERE visibility = 'partnership')"
        " + (SELECT count(*) FROM need WHERE visibility = 'partnership')",
    )
    assert partnership_only >= 1


def test_pins_land_on_the_same_place_on_every_load(fresh_db_url, session, report):
    engine = create_engine(fresh_db_url)
    try:
        with Session(engine) as other:
            load_demo(other)
            places = {
                row.source: row.geom_text
                for row in other.execute(
                    text("SELECT source, ST_AsText(geom) AS geom_text FROM need")
                )
            }
            other.rollback()
    finally:
        engine.dispose()
    here = {
        row.source: row.geom_text
        for row in session.execute(text("SELECT source, ST_AsText(geom) AS geom_text FROM need"))
    }
    assert here == places


def test_the_demo_never_commits(fresh_db_url):
    engine = create_engine(fresh_db_url)
    try:
        with Session(engine) as session:
            load_demo(session)
            session.rollback()
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Area)) == 0
            assert session.scalar(select(func.count()).select_from(Team)) == 0
    finally:
        engine.dispose()


def test_a_missing_catalogue_entry_is_named(session):
    session.execute(
        delete(Category).where(
            Category.vocabulary == "resource_category", Category.code == "museum"
        )
    )
    with pytest.raises(DemoError, match="resource_category.museum"):
        load_demo(session)
