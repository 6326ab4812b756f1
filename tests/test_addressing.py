"""What addresses what: shipped rules, walking limits by target group, candidates by distance."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select, text

from mapping import catalog, catalog_rules
from mapping.db.models import Partner, Resource
from mapping.db.plan_models import AddressingRule, WalkingLimit
from mapping.errors import ConflictError, PermissionDenied, UserError
from mapping.services import addressing, pins
from tests.editing_fixtures import build_world

# Metres per degree of latitude near Gdańsk (54.4° N), for placing points at known distances.
METRES_PER_DEGREE = 111_340


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + metres / METRES_PER_DEGREE


def add_resource(session, name, category, point, area_id, **extra):
    kind = catalog.by_code(session, "resource_category")[category].parent_code
    row = Resource(
        name=name, kind=kind, category=category, area_id=area_id,
        geom=from_shape(Point(*point), srid=4326), **extra,
    )
    session.add(row)
    session.flush()
    return row.id


def add_need(session, world, category, groups, point=None, visibility="public"):
    return pins.create_pin(
        session, world.admin, "need", world.area_a,
        {"name": "Potrzeba", "category": category, "source_method": "interview",
         "target_groups": groups, "visibility": visibility, "status": "identified",
         "priority": 2},
        point if point is not None else world.point_a,
    ).id


# --- the shipped defaults ----------------------------------------------------------------


def test_the_shipped_rules_cover_every_need_category_of_the_default_catalogue():
    shipped = catalog.default_entries()
    needs = {e.code for e in shipped if e.vocabulary == "need_category"}
    assert {rule.need_category for rule in catalog_rules.default_rules()} == needs


def test_every_shipped_rule_names_codes_the_default_catalogue_has():
    codes = {(e.vocabulary, e.code) for e in catalog.default_entries()}
    for rule in catalog_rules.default_rules():
        assert ("need_category", rule.need_category) in codes, rule
        assert (rule.vocabulary, rule.code) in codes, rule
        for group in rule.target_groups:
            assert ("target_group", group) in codes, rule
    for group in catalog_rules.default_limits():
        assert group == "*" or ("target_group", group) in codes


def test_every_need_category_is_addressed_by_a_resource_category_and_a_partner_sector():
    shipped = catalog_rules.default_rules()
    for need in {r.need_category for r in shipped}:
        vocabularies = {r.vocabulary for r in shipped if r.need_category == need}
        assert vocabularies == {"resource_category", "partner_sector"}, need


def test_upgrading_installs_the_defaults_and_installing_again_keeps_an_admins_changes(session):
    assert len(addressing.rules(session)) == len(catalog_rules.default_rules())
    rule = session.scalar(select(AddressingRule).where(AddressingRule.addresser_code == "u3a"))
    rule.active = False
    session.get(WalkingLimit, "seniors").metres = 400
    session.flush()
    assert catalog.install_defaults(session) == 0
    assert "u3a" not in addressing.addressers(session, "seniors_loneliness")["resource_category"]
    assert addressing.walking_limits(session)["seniors"] == 400


def test_seniors_loneliness_is_addressed_by_senior_clubs_day_care_and_the_third_age(session):
    found = addressing.addressers(session, "seniors_loneliness", ["seniors"])
    assert {"senior_club", "day_care_home", "u3a", "volunteer"} <= set(found["resource_category"])
    assert "church" in found["partner_sector"]


def test_a_rule_for_some_target_groups_holds_only_for_needs_of_those_groups(session):
    for_seniors = addressing.addressers(session, "meeting_place", ["seniors"])
    for_families = addressing.addressers(session, "meeting_place", ["families"])
    assert "senior_club" in for_seniors["resource_category"]
    assert "senior_club" not in for_families["resource_category"]
    assert "youth_club" not in for_seniors["resource_category"]
    # A need that names no group: every rule of its category holds.
    assert "senior_club" in addressing.addressers(session, "meeting_place")["resource_category"]


# --- walking limits -------------------------------------------------------------------


def test_walking_limits_default_to_500_800_and_1500_metres_by_target_group(session):
    assert addressing.limit_for(session, ["seniors"]) == 500
    assert addressing.limit_for(session, ["disabled"]) == 500
    assert addressing.limit_for(session, ["families"]) == 800
    assert addressing.limit_for(session, ["children_youth"]) == 800
    assert addressing.limit_for(session, ["unemployed"]) == 1500
    assert addressing.limit_for(session, []) == 1500


def test_a_need_of_several_groups_takes_the_smallest_limit(session):
    assert addressing.limit_for(session, ["unemployed", "families", "seniors"]) == 500


def test_an_admin_edits_a_limit_and_an_editor_may_not(session):
    world = build_world(session)
    addressing.set_walking_limit(session, world.admin, "families", 650)
    addressing.set_walking_limit(session, world.admin, "*", 1200)
    assert addressing.limit_for(session, ["families"]) == 650
    assert addressing.limit_for(session, ["unemployed"]) == 1200
    with pytest.raises(PermissionDenied):
        addressing.set_walking_limit(session, world.editor_a, "families", 900)


@pytest.mark.parametrize("metres", [0, 100_000])
def test_a_walking_limit_of_zero_or_100_km_is_refused_with_a_clear_message(session, metres):
    world = build_world(session)
    with pytest.raises(UserError) as refused:
        addressing.set_walking_limit(session, world.admin, "seniors", metres)
    assert "between 50 and 10000 m" in str(refused.value)
    assert addressing.limit_for(session, ["seniors"]) == 500


def test_an_admin_adds_a_rule_and_switches_it_off(session):
    world = build_world(session)
    rule = addressing.add_rule(
        session, world.admin,
        addressing.Rule("unemployment", "resource_category", "library", ("unemployed",)),
    )
    assert "library" in addressing.addressers(session, "unemployment", ["unemployed"])[
        "resource_category"
    ]
    assert rule.id is not None
    addressing.set_rule_active(session, world.admin, rule.id, False)
    assert "library" not in addressing.addressers(session, "unemployment")["resource_category"]
    with pytest.raises(PermissionDenied):
        addressing.set_rule_active(session, world.editor_a, rule.id, True)


# --- candidates --------------------------------------------------------------------------


def test_candidates_within_the_limit_are_ranked_by_straight_line_distance(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    here = world.point_a
    # Other area than the need's: only the walking limit (500 m for seniors) lets them in.
    near = add_resource(session, "Klub seniora blisko", "senior_club", north(here, 200),
                        world.area_b)
    middle = add_resource(session, "UTW", "u3a", north(here, 420), world.area_b)
    add_resource(session, "Klub seniora daleko", "senior_club", north(here, 700), world.area_b)
    add_resource(session, "Komisariat", "police", north(here, 100), world.area_b)
    session.add(Partner(name="Parafia", sector="church", area_id=world.area_b,
                        geom=from_shape(Point(*north(here, 300)), srid=4326)))
    session.flush()

    found = addressing.candidates(session, world.admin, need)

    assert found.distance_kind == "straight_line"
    assert found.limit_m == 500
    assert found.has_rule
    assert [c.name for c in found.items] == ["Klub seniora blisko", "Parafia", "UTW"]
    by_name = {c.name: c for c in found.items}
    assert by_name["Klub seniora blisko"].distance_m == pytest.approx(200, abs=5)
    assert by_name["UTW"].distance_m == pytest.approx(420, abs=5)
    assert by_name["Parafia"].layer == "partner"
    assert {c.id for c in found.items} >= {near, middle}


def test_retired_resources_are_no_candidates(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    retired = add_resource(session, "Zamknięty klub", "senior_club", north(world.point_a, 50),
                           world.area_b)
    session.get(Resource, retired).retired_at = session.scalar(select(func.now()))
    session.flush()
    found = addressing.candidates(session, world.admin, need)
    assert retired not in {c.id for c in found.items}


def test_a_resource_in_the_needs_own_area_is_a_candidate_however_far(session):
    world = build_world(session)
    need = add_need(session, world, "after_school", ["children_youth"])
    far = add_resource(session, "Szkoła", "school", north(world.point_a, 3000), world.area_a)
    found = addressing.candidates(session, world.admin, need)
    (school,) = [c for c in found.items if c.id == far]
    assert school.same_area
    assert school.distance_m == pytest.approx(3000, abs=30)


def test_a_wider_limit_for_families_lets_a_farther_resource_in(session):
    world = build_world(session)
    seniors = add_need(session, world, "meeting_place", ["seniors"])
    families = add_need(session, world, "meeting_place", ["families"])
    room = add_resource(session, "Świetlica", "meeting_room", north(world.point_a, 650),
                        world.area_b)
    assert room not in {c.id for c in addressing.candidates(session, world.admin, seniors).items}
    assert room in {c.id for c in addressing.candidates(session, world.admin, families).items}
    assert addressing.need_limit(session, world.admin, families) == 800


def test_a_resource_for_other_target_groups_is_no_candidate(session):
    world = build_world(session)
    need = add_need(session, world, "meeting_place", ["children_youth"])
    for_seniors_only = add_resource(
        session, "Sala seniorów", "meeting_room", north(world.point_a, 100), world.area_b,
        target_groups=["seniors"],
    )
    for_everyone = add_resource(
        session, "Sala wszystkich", "meeting_room", north(world.point_a, 120), world.area_b,
        target_groups=["all_residents"],
    )
    ids = {c.id for c in addressing.candidates(session, world.admin, need).items}
    assert for_everyone in ids
    assert for_seniors_only not in ids


def test_another_teams_team_only_resource_is_no_candidate_for_an_editor(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    hidden = add_resource(session, "Klub zespołu B", "senior_club", north(world.point_a, 150),
                          world.area_b, visibility="team")
    assert hidden not in {c.id for c in addressing.candidates(session, world.editor_a, need).items}
    assert hidden in {c.id for c in addressing.candidates(session, world.editor_b, need).items}
    assert hidden in {c.id for c in addressing.candidates(session, world.admin, need).items}


def test_a_need_category_without_rules_says_so_instead_of_looking_covered(session):
    world = build_world(session)
    catalog.add_entry(session, catalog.Entry(
        "need_category", "graffiti", None, "Graffiti", "Graffiti", "●", "#555555"
    ))
    need = add_need(session, world, "graffiti", [])
    found = addressing.candidates(session, world.admin, need)
    assert not found.has_rule
    assert found.items == []
    assert found.limit_m == 1500


def test_a_given_limit_of_zero_is_refused(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    with pytest.raises(UserError):
        addressing.candidates(session, world.admin, need, limit_m=0)


# --- partners linked by hand ------------------------------------------------------------


def test_an_editor_links_partners_to_a_need_and_candidates_show_the_link(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    parish = Partner(name="Parafia", sector="church", area_id=world.area_a,
                     geom=from_shape(Point(*north(world.point_a, 100)), srid=4326))
    club = Partner(name="Klub", sector="ngo", area_id=world.area_a)
    session.add_all([parish, club])
    session.flush()
    assert addressing.link_need_to_partners(
        session, world.editor_a, need, [parish.id, club.id], seen=[]
    ) == sorted([parish.id, club.id])
    assert addressing.linked_partners(session, world.viewer, need) == sorted([parish.id, club.id])
    by_id = {c.id: c for c in addressing.candidates(session, world.admin, need).items
             if c.layer == "partner"}
    assert by_id[parish.id].linked
    # A partner without a point but in the need's area: a candidate at no known distance, last.
    assert by_id[club.id].distance_m is None
    history = session.execute(
        text("SELECT operation, app_user FROM layer_history WHERE table_name = 'need_partner' "
             "AND (row_data->>'need_id')::integer = :n"), {"n": need}
    ).all()
    assert sorted(tuple(h) for h in history) == [("INSERT", "ewa"), ("INSERT", "ewa")]


def test_a_stale_list_of_linked_partners_is_refused_and_nothing_changes(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    partner = Partner(name="Parafia", sector="church", area_id=world.area_a)
    session.add(partner)
    session.flush()
    addressing.link_need_to_partners(session, world.admin, need, [partner.id], seen=[])
    with pytest.raises(ConflictError) as stale:
        addressing.link_need_to_partners(session, world.editor_a, need, [], seen=[])
    assert stale.value.changed_by == "ada"
    assert addressing.linked_partners(session, world.admin, need) == [partner.id]


def test_another_teams_editor_may_not_link_partners_to_a_need(session):
    world = build_world(session)
    need = add_need(session, world, "seniors_loneliness", ["seniors"])
    with pytest.raises(PermissionDenied):
        addressing.link_need_to_partners(session, world.editor_b, need, [])
