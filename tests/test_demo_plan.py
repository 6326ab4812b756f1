"""The demo's street network and action plan: loaded by ``calmap demo`` beside ``load_demo``."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping import demo
from mapping.db.models import Area
from mapping.db.plan_models import Action
from mapping.demo.plan import ACTIONS, load_plan
from mapping.demo.streets import DEMO_ACTOR, DEMO_STREETS, load_streets
from mapping.services import coverage, streets


def test_the_demo_streets_are_small_and_carry_their_odbl_notice():
    assert DEMO_STREETS.stat().st_size < 1024 * 1024
    notice = DEMO_STREETS.with_name("gdansk_demo_streets.NOTICE.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in notice and "ODbL 1.0" in notice
    assert "M1A5TO/15MC-Algorithm" in notice


def test_the_demo_gets_gdansk_streets_and_a_plan_once_and_its_gaps_are_walked(session: Session):
    demo.load_demo(session)
    network = load_streets(session)
    assert network is not None
    assert (network.city, network.attribution) == ("Gdańsk", "© OpenStreetMap contributors (ODbL)")
    assert network.edge_count > 30_000 and network.largest_share > 0.95
    assert load_plan(session) == len(ACTIONS)

    assert load_streets(session) is None
    assert load_plan(session) == 0
    assert [s.city for s in streets.layers(session)] == ["Gdańsk"]
    statuses = Counter(session.scalars(select(Action.status)))
    assert set(statuses) == {"planned", "in_progress", "done", "dropped"}

    chelm = session.scalars(select(Area.id).where(Area.name == "Chełm")).one()
    found = coverage.compute(session, DEMO_ACTOR, area_ids=[chelm])
    assert found.distance_kind == coverage.STREET
    assert found.attribution == "© OpenStreetMap contributors (ODbL)"
