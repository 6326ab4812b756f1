"""The June pack's plan: which maps, what they hold, read once from the demo city's history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping.errors import UserError
from mapping.i18n import t
from mapping.reports import build
from mapping.services import snapshots
from mapping.services.accounts import Actor

ADMIN = Actor(id=0, username="test-admin", role="admin")


@pytest.fixture()
def demo(demo_db_url: str) -> Iterator[Session]:
    """A session on the demo city with snapshot "Czerwiec 2026" (today); rolled back."""
    engine = create_engine(demo_db_url)
    with Session(engine) as session:
        snapshots.create_snapshot(session, ADMIN, "Czerwiec 2026")
        yield session
        session.rollback()
    engine.dispose()


def test_slug_is_ascii_and_short() -> None:
    assert build.slug("Przedmieście Świdnickie", "obszar-7") == "obszar-7-przedmiescie-swidnickie"
    assert build.slug("Łężyca ŻÓŁW", "x") == "x-lezyca-zolw"
    assert build.slug("<script>", "obszar") == "obszar-script"
    assert build.slug("!!!", "zespol") == "zespol"
    assert len(build.slug("a" * 200, "obszar-1")) <= len("obszar-1-") + build.SLUG_LENGTH


def test_wroclaw_pack_has_every_estate_and_team(demo: Session) -> None:
    plan = build.plan_pack(demo, build.PackRequest(snapshot="Czerwiec 2026", city="Wrocław"))
    estates = demo.execute(text(
        "SELECT a.name FROM area a JOIN team t ON t.id = a.team_id "
        "WHERE t.city = 'Wrocław' AND a.kind = 'estate' AND a.retired_at IS NULL")).scalars()
    areas = sorted(c.title for c in plan.contents if c.unit == "area")
    assert areas == sorted(estates)
    assert len(areas) == 48
    teams = [c for c in plan.contents if c.unit == "team"]
    assert len(teams) == 10
    assert all(c.title.startswith("ZTPS") for c in teams)
    assert plan.city.title == "Wrocław"
    assert len({c.slug for c in plan.contents}) == len(plan.contents)  # file names never clash


def test_pack_never_holds_team_only_pins(demo: Session) -> None:
    hidden = demo.execute(text(
        "SELECT count(*) FROM resource WHERE visibility = 'team' AND retired_at IS NULL")).scalar()
    assert hidden > 0  # the demo has team-only pins, so this test can fail
    plan = build.plan_pack(demo, build.PackRequest(snapshot="Czerwiec 2026"))
    for content in [*plan.contents, plan.city]:
        for layer, frame in content.pins.items():
            assert set(frame["visibility"]) <= {"public", "partnership"}, (content.title, layer)
    assert t("june.note_team_only", "pl") in plan.notes


def test_team_map_holds_its_estates_pins_and_partnerships(demo: Session) -> None:
    plan = build.plan_pack(
        demo, build.PackRequest(snapshot="Czerwiec 2026", city="Wrocław", team="WRO-ZTPS-07")
    )
    team = next(c for c in plan.contents if c.unit == "team")
    areas = [c for c in plan.contents if c.unit == "area"]
    assert team.title.startswith("ZTPS 7")
    assert areas and all(c.team_name == team.title for c in areas)
    area_pins = sum(c.count("resource") for c in areas)
    assert team.count("resource") >= area_pins > 0
    # Partner frames carry their sector as the category the legend counts.
    assert (team.pins["partner"]["category"] == team.pins["partner"]["sector"]).all()
    assert all(isinstance(v, list) for v in team.pins["need"]["target_groups"])
    assert sum(row.count for s in team.legend for row in s.rows) == sum(
        team.count(layer) for layer in build.PIN_LAYERS
    )


def test_online_link_and_attribution(demo: Session) -> None:
    plan = build.plan_pack(
        demo, build.PackRequest(snapshot="Czerwiec 2026", area="Nadodrze"),
        public_url="https://mapa.mops.example.pl",
    )
    [area] = plan.contents
    assert area.online_url == f"https://mapa.mops.example.pl/?area={area.unit_id}"
    assert "SIP Wrocławia" in area.attribution
    without = build.plan_pack(demo, build.PackRequest(snapshot="Czerwiec 2026", area="Nadodrze"))
    assert without.contents[0].online_url is None


@pytest.mark.parametrize(
    ("request_", "key"),
    [
        (build.PackRequest(snapshot="Czerwiec 2026", team="ZTPS 99"), "june.unknown_team"),
        (build.PackRequest(snapshot="Czerwiec 2026", area="Atlantyda"), "june.unknown_area"),
        (build.PackRequest(snapshot="Czerwiec 2026", city="Poznań"), "june.unknown_city"),
        (build.PackRequest(snapshot="Lipiec 1999"), "snapshot.unknown"),
    ],
)
def test_unknown_names_are_user_errors(demo: Session, request_: build.PackRequest,
                                       key: str) -> None:
    with pytest.raises(UserError) as caught:
        build.plan_pack(demo, request_)
    assert caught.value.key == key
    assert str(caught.value)  # a message, not a bare key


def test_compare_must_be_earlier(demo: Session) -> None:
    snapshots.create_snapshot(demo, ADMIN, "Też dziś")
    with pytest.raises(UserError) as caught:
        build.plan_pack(demo, build.PackRequest(snapshot="Czerwiec 2026", compare="Też dziś"))
    assert caught.value.key == "june.compare_not_earlier"
