"""A partnership meeting steps through the map on a projector: the sequence and focus mode."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from mapping.maps import presenter
from mapping.services import partnerships, pins, presentation
from tests.editing_fixtures import build_world


@pytest.fixture()
def world(session):
    return build_world(session)


def _pin(session, world, layer, name, visibility="public", area="a", category=None):
    area_id, point = (
        (world.area_a, world.point_a) if area == "a" else (world.area_b, world.point_b)
    )
    field = {"resource": "category", "partner": "sector", "need": "category"}[layer]
    defaults = {"resource": "library", "partner": "council", "need": "seniors_loneliness"}
    code = category or defaults[layer]
    values = {"name": name, field: code, "visibility": visibility}
    if layer == "need":
        values.update(priority=2, status="identified", source_method="diagnostic_walk")
    return pins.create_pin(session, world.admin, layer, area_id, values, point)


def _partnership(session, world):
    ref = partnerships.create_partnership(
        session, world.admin, name="Partnerstwo dla Brzeźna", formed_on=dt.date(2010, 4, 26),
        team_id=None, area_ids=[world.area_a],
    )
    return ref


def test_the_sequence_starts_with_the_whole_view_then_visits_each_area(session, world):
    show = presentation.presentation(session)
    kinds = [step.kind for step in show.steps]
    assert kinds[0] == "city"
    names = [step.name for step in show.steps if step.kind == "area"]
    assert "Brzeźno" in names and "Oliwa" in names
    for step in show.steps:
        west, south, east, north = step.bounds
        assert west <= east and south <= north
        assert 14 < west < 25 and 49 < south < 55  # Poland, in (lon, lat) order


def test_focus_mode_shows_the_partnerships_areas_members_and_needs_there_only(session, world):
    ref = _partnership(session, world)
    member = _pin(session, world, "partner", "Rada Osiedla Brzeźno")
    outsider = _pin(session, world, "partner", "Rada Osiedla Oliwa", area="b")
    partnerships.add_member(session, world.admin, ref.id, member.id, role="członek",
                            joined_on=dt.date(2011, 1, 1))
    partnerships.add_member(session, world.admin, ref.id, outsider.id, role="gość",
                            joined_on=dt.date(2012, 1, 1))
    need_here = _pin(session, world, "need", "Samotność seniorów przy Dworskiej")
    need_elsewhere = _pin(session, world, "need", "Samotność w Oliwie", area="b")
    _pin(session, world, "resource", "Biblioteka Brzeźno")

    show = presentation.presentation(session, partnership_id=ref.id)

    assert show.partnership is not None and show.partnership.name == "Partnerstwo dla Brzeźna"
    assert list(show.areas["name"]) == ["Brzeźno"]
    assert set(show.pins["partner"]["id"]) == {member.id, outsider.id}
    assert need_here.id in set(show.pins["need"]["id"])
    assert need_elsewhere.id not in set(show.pins["need"]["id"])
    assert show.pins["resource"].empty
    members = [(s.name, s.pin_id) for s in show.steps if s.kind == "member"]
    assert members == [("Rada Osiedla Brzeźno", member.id), ("Rada Osiedla Oliwa", outsider.id)]
    assert [s.kind for s in show.steps] == ["city", "area", "member", "member"]


def test_nothing_team_only_reaches_the_projector_whoever_asks(session, world):
    ref = _partnership(session, world)
    secret_member = _pin(session, world, "partner", "Kurator rodziny K.", visibility="team")
    partnerships.add_member(session, world.admin, ref.id, secret_member.id)
    secret_need = _pin(session, world, "need", "Przemoc w rodzinie pod nr 5", visibility="team")
    _pin(session, world, "resource", "Punkt interwencji (zespół)", visibility="team")

    for show in (presentation.presentation(session),
                 presentation.presentation(session, partnership_id=ref.id)):
        for frame in show.pins.values():
            assert set(frame["visibility"]) <= {"public", "partnership"}
        assert secret_need.id not in set(show.pins["need"]["id"])
        assert secret_member.id not in set(show.pins["partner"]["id"])
        assert all(step.pin_id != secret_member.id for step in show.steps)


def test_a_retired_or_unknown_partnership_cannot_be_presented(session, world):
    from mapping.errors import NotFound

    with pytest.raises(NotFound):
        presentation.presentation(session, partnership_id=999_999)


def _steps_json(html: str) -> list[dict]:
    match = re.search(r"var steps = (\[.*?\]);\n", html)
    assert match, "the sequence is in the map"
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_the_presenter_map_carries_the_sequence_as_data_never_as_markup(session, world):
    hostile = "</script><script>alert(1)</script>"
    ref = partnerships.create_partnership(
        session, world.admin, name=hostile, team_id=None, area_ids=[world.area_a]
    )
    show = presentation.presentation(session, partnership_id=ref.id)
    html = presenter.presenter_map(show, "pl").get_root().render()
    # Inside a script only "</" can end it, and that is escaped.
    assert hostile not in html
    steps = _steps_json(html)
    assert steps[0]["label"] == f"Całość: {hostile}"
    assert steps[1]["label"] == "Obszar: Brzeźno"
    # Names go in with textContent, never innerHTML.
    assert "name.textContent = step.label" in html
    # Leaflet's [[south, west], [north, east]].
    (south, west), (north, east) = steps[1]["bounds"]
    assert south < north and west < east and 54 < south < 55 and 18 < west < 19


def test_the_presenter_speaks_english_too(session, world):
    show = presentation.presentation(session)
    html = presenter.presenter_map(show, "en").get_root().render()
    assert _steps_json(html)[1]["label"].startswith("Area: ")
    assert "Next view (PageDown" in html
