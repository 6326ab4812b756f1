"""The coverage-gaps page under AppTest: the ranked gaps of the demo city, one area's
missing categories, and a viewer who never sees a team-only resource.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from tests.conftest import point_app_at
from tests.coverage_fixtures import add_resource, offset, save_grid
from tests.editing_fixtures import PASSWORD, build_world
from tests.test_coverage import ORIGIN, STEP, add_need
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

PAGE = "app_pages/gaps.py"
KEY = "calmap.gaps."


def start(monkeypatch, url, auth="none"):
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)
    return AppTest.from_file(APP, default_timeout=180).run()


def sign_in(at, username):
    at.text_input(key="calmap.login.username").input(username)
    at.text_input(key="calmap.login.password").input(PASSWORD)
    return at.button[0].click().run()


def captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_the_demo_city_shows_its_gaps_ranked_and_says_distances_are_straight_lines(
    monkeypatch, demo_db_url
):
    at = start(monkeypatch, demo_db_url).switch_page(PAGE).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.main.title[0].value == "Luki w zasięgu"
    assert "Odległości w linii prostej" in captions(at)
    assert "Kolejność: najpierw kategorie bez pokrycia" in captions(at)
    ranking = at.dataframe[0].value
    assert len(ranking) > 0
    statuses = list(ranking["Stan"])
    # Not covered first, then no rule yet: the ranking rule the page states.
    assert statuses == sorted(statuses, key=lambda s: {"bez pokrycia": 0}.get(s, 1))
    # Only gaps where a need is unmet, until the toggle shows the empty categories too.
    assert "0" not in set(ranking["Niezaspokojone potrzeby"])
    at = at.toggle(key=KEY + "every_gap").set_value(True).run()
    assert len(at.dataframe[0].value) > len(ranking)


def test_choosing_an_area_shows_what_is_missing_there_and_what_is_closest(
    monkeypatch, demo_db_url
):
    at = start(monkeypatch, demo_db_url).switch_page(PAGE).run()
    first_area = at.dataframe[0].value.iloc[0]["Obszar"]
    box = at.selectbox(key=KEY + "area")
    at = box.select_index(box.options.index(first_area)).run()
    assert not at.exception and not at.error
    assert at.main.subheader[-1].value == f"Czego brakuje: {first_area}"
    detail = at.dataframe[1].value
    assert set(detail["Obszar"]) == {first_area}
    assert detail.iloc[0]["Stan"] == "bez pokrycia"
    # The nearest addresser, when there is one, is measured in a straight line (no streets).
    distances = [d for d in detail["Odległość"] if d != "nic w zasięgu"]
    assert distances and all("w linii prostej" in d for d in distances)


@pytest.fixture()
def team_only_world(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=4, step=STEP)
        add_resource(session, "Klub zespołu", "senior_club", ORIGIN, world.area_a,
                     visibility="team")
        add_need(session, world, offset(ORIGIN, STEP, 0))
    engine.dispose()
    return fresh_db_url, world


def area_detail(at, area_name):
    box = at.selectbox(key=KEY + "area")
    at = box.select_index(box.options.index(area_name)).run()
    assert not at.exception and not at.error
    return at, at.dataframe[-1].value


def test_a_viewer_never_sees_a_team_only_resource_and_small_counts_stay_withheld(
    monkeypatch, team_only_world
):
    url, world = team_only_world
    editor = sign_in(start(monkeypatch, url, auth="password"), "ewa").switch_page(PAGE).run()
    assert not editor.exception
    # Distances on the streets of an OpenStreetMap network: said, with its licence.
    assert "Odległości pieszo po ulicach · © OpenStreetMap contributors" in captions(editor)
    area_name = editor.selectbox(key=KEY + "area").options[0]
    editor, shown = area_detail(editor, area_name)
    seniors = shown[shown["Najbliżej"] == "Klub zespołu"]
    # The team's own club covers its categories for the team (seniors among them).
    assert len(seniors) >= 1 and set(seniors["Stan"]) == {"pokryta"}

    viewer = sign_in(start(monkeypatch, url, auth="password"), "wiktor").switch_page(PAGE).run()
    assert not viewer.exception
    everything = "\n".join(str(d.value.to_dict()) for d in viewer.dataframe)
    assert "Klub zespołu" not in everything
    viewer, shown = area_detail(viewer, area_name)
    assert "Klub zespołu" not in str(shown.to_dict())
    withheld = shown[shown["Niezaspokojone potrzeby"] == "ukryte (mniej niż 5)"]
    assert "bez pokrycia" in set(withheld["Stan"])


def test_an_editor_opens_the_action_plan_of_an_unmet_need_from_its_area(
    monkeypatch, demo_db_url
):
    at = start(monkeypatch, demo_db_url).switch_page(PAGE).run()
    first_area = at.dataframe[0].value.iloc[0]["Obszar"]
    box = at.selectbox(key=KEY + "area")
    at = box.select_index(box.options.index(first_area)).run()
    need = at.selectbox(key=KEY + "need")
    assert need.options
    at = need.select_index(0).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # The need's plan, as under its form in the editor: its actions and a form to add one.
    headings = [h.value for h in at.main.subheader]
    assert "Kto odpowiada na tę potrzebę" in headings
    assert "Plan działań dla tej potrzeby" in headings
    assert "Dodaj działanie" in [b.label for b in at.main.button]


def test_walking_areas_are_drawn_on_request_and_a_viewer_cannot_pick_a_team_only_resource(
    monkeypatch, team_only_world
):
    url, world = team_only_world
    editor = sign_in(start(monkeypatch, url, auth="password"), "ewa").switch_page(PAGE).run()
    picker = editor.selectbox(key=KEY + "walk_pick")
    assert picker.options == ["Klub zespołu"]
    editor = picker.select_index(0).run()
    editor = editor.button(key=KEY + "walk_show").click().run()
    assert not editor.exception and not editor.error, [e.value for e in editor.error]
    assert editor.session_state[KEY + "walk"] is not None
    # Asked for: the button beside the picker now hides them; on streets, no circles note.
    assert editor.button(key=KEY + "walk_hide").label == "Ukryj zasięg pieszy"
    assert "okręgi w linii prostej" not in captions(editor)
    editor = editor.button(key=KEY + "walk_hide").click().run()
    assert editor.session_state[KEY + "walk"] is None

    viewer = sign_in(start(monkeypatch, url, auth="password"), "wiktor").switch_page(PAGE).run()
    assert not viewer.exception
    # The viewer sees no resource in the area at all: the picker is not even offered.
    assert "Klub zespołu" not in str([s.options for s in viewer.selectbox])
    assert "W tym zakresie nie ma zasobów z położeniem na mapie." in captions(viewer)


def test_with_every_reported_need_in_reach_the_page_says_so_and_the_switch_shows_the_rest(
    monkeypatch, team_only_world
):
    url, _world = team_only_world
    editor = sign_in(start(monkeypatch, url, auth="password"), "ewa").switch_page(PAGE).run()
    assert not editor.exception
    # The one reported need (seniors' loneliness) has the team's club in reach.
    said = [str(s.value) for s in editor.success]
    assert any(s.startswith("Brak luk wśród zgłoszonych potrzeb") for s in said), said
    # Not "every category is covered": the categories nobody named are still open.
    assert not any("każda kategoria potrzeb jest pokryta" in s for s in said)
    tables = len(editor.dataframe)
    editor = editor.toggle(key=KEY + "every_gap").set_value(True).run()
    assert len(editor.dataframe) == tables + 1
    assert "bez pokrycia" in set(editor.dataframe[0].value["Stan"])
