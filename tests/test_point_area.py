"""A point marked outside the chosen area is refused at once, naming where it is."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mapping.errors import UserError, ValidationError
from mapping.services import point_area
from tests.editing_fixtures import build_world


def test_a_point_inside_the_chosen_area_passes(session: Session) -> None:
    world = build_world(session)
    point_area.check_marked(session, "resource", world.area_a, world.point_a)


def test_a_point_in_another_area_is_refused_naming_that_area(session: Session) -> None:
    world = build_world(session)
    with pytest.raises(UserError) as refused:
        point_area.check_marked(session, "resource", world.area_a, world.point_b)
    assert refused.value.key == "error.point_in_other_area"
    assert refused.value.params["area"] == "Oliwa"


def test_a_point_in_no_area_is_refused_naming_the_nearest_and_how_far(session: Session) -> None:
    world = build_world(session)
    # Kraków: in Poland, far from both districts of Gdańsk.
    with pytest.raises(UserError) as refused:
        point_area.check_marked(session, "need", world.area_b, (19.94, 50.06))
    assert refused.value.key == "error.point_outside_nearest"
    assert refused.value.params["area"] == "Brzeźno"
    assert refused.value.params["metres"] > 400_000


def test_a_point_outside_poland_keeps_the_saves_own_reason(session: Session) -> None:
    world = build_world(session)
    with pytest.raises(ValidationError) as refused:
        point_area.check_marked(session, "resource", world.area_a, (13.40, 52.52))
    assert refused.value.fields["point"] != "error.point_outside_area"


def test_the_nearest_area_of_a_covered_point_is_the_area_it_lies_in(session: Session) -> None:
    world = build_world(session)
    nearest = point_area.nearest_area(session, world.point_b)
    assert nearest is not None
    assert (nearest.id, nearest.metres) == (world.area_b, 0.0)
