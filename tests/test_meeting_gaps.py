"""The gap view of a partnership meeting: counted as an audience, drawn behind a switch."""

from __future__ import annotations

from sqlalchemy import text

from mapping.maps import presenter
from mapping.services import coverage, meeting_gaps, presentation
from tests.coverage_fixtures import offset
from tests.editing_fixtures import build_world
from tests.test_coverage import ORIGIN, STEP, add_need, cell


def needs(session, world, count, visibility):
    for k in range(count):
        add_need(session, world, offset(ORIGIN, STEP * (k % 4), STEP * (k // 4)), visibility)


def test_the_meeting_counts_no_team_only_need_and_a_share_link_public_needs_only(session):
    world = build_world(session)
    needs(session, world, 5, "public")
    needs(session, world, 2, "partnership")
    needs(session, world, 3, "team")
    everything = cell(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                      world.area_a)
    assert everything.unmet == 10
    meeting = meeting_gaps.meeting_gaps(session, [world.area_a])
    assert meeting is not None and cell(meeting, world.area_a).unmet == 7
    shared = meeting_gaps.meeting_gaps(session, [world.area_a], public_only=True)
    assert shared is not None and cell(shared, world.area_a).unmet == 5
    # The labels are the catalogue's, in the language asked for.
    assert meeting.labels["seniors_loneliness"]
    assert meeting_gaps.meeting_gaps(session, [world.area_a], "en").labels != meeting.labels


def test_fewer_needs_than_the_disclosure_threshold_are_withheld_at_the_meeting(session):
    world = build_world(session)
    needs(session, world, 2, "public")
    meeting = meeting_gaps.meeting_gaps(session, [world.area_a])
    assert meeting is not None
    seniors = cell(meeting, world.area_a)
    assert seniors.needs is None and seniors.unmet is None and seniors.unmet_ids == ()


def test_a_meeting_without_areas_has_no_gap_view(session):
    build_world(session)
    assert meeting_gaps.meeting_gaps(session, []) is None


def test_the_presenters_map_carries_the_gap_switch_and_its_escaped_areas(session):
    world = build_world(session)
    needs(session, world, 6, "public")
    session.execute(
        text("UPDATE area SET name = '<i>Zaspa</i>' WHERE id = :a"),
        {"a": world.area_a},
    )
    show = presentation.presentation(session, area_id=world.area_a)
    gaps = meeting_gaps.meeting_gaps(session, list(show.areas["id"]))
    page = presenter.presenter_map(show, "pl", gaps=gaps, gaps_on=True).get_root().render()
    assert "calmap-gap-switch" in page and '"label":"Luki w zasięgu"' in page
    assert "var on = true;" in page
    assert "<i>Zaspa</i>" not in page and "&lt;i&gt;Zaspa&lt;/i&gt;" in page
    off = presenter.presenter_map(show, "pl", gaps=gaps).get_root().render()
    assert "var on = false;" in off
    assert "calmap-gap-switch" not in presenter.presenter_map(show, "pl").get_root().render()
