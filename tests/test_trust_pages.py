"""Every page × role × action: a viewer, and an editor looking at another team's area,
press every button of every page; the database must come out unchanged where they may
not write.

The pages run under Streamlit's AppTest against a real PostGIS with the demo
city, signed in through a real database session (the runtime role, password
mode). A button that needs typed input is pressed as it is: what matters is
that no press of any button writes where the role may not.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping import db, demo
from mapping.services import accounts
from mapping.ui import state
from tests.conftest import _create_database, _drop_database, point_app_at
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

PAGES = sorted(
    f"app_pages/{name}" for name in os.listdir(os.path.join(os.path.dirname(APP), "app_pages"))
    if name.endswith(".py")
)
# Pressing these changes the person's own view, not the data.
HARMLESS_KEYS = {"calmap.logout"}
MAX_PRESSES_PER_PAGE = 25
PASSWORD = "correct horse battery"
tally = {"pages": 0, "presses": 0, "unauthorised": 0}


@pytest.fixture(scope="module")
def city(admin_url, template_url):
    name = f"calmap_trust_pages_{os.getpid()}"
    url = _create_database(admin_url, name, template="calmap_test_template")
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        demo.load_demo(session)
    with db.session_scope(engine) as session:
        teams = session.execute(text("SELECT id, code FROM team ORDER BY id")).all()
        own, other = teams[0], teams[1]
        accounts.add_user(session, "viewer1", PASSWORD, "viewer")
        accounts.add_user(session, "edit-own", PASSWORD, "editor", [own.code])
        areas = {
            which: session.execute(
                text("SELECT id, name FROM area WHERE team_id = :t ORDER BY id LIMIT 1"),
                {"t": team.id},
            ).one()
            for which, team in (("own", own), ("other", other))
        }
    yield url, engine, own.id, other.id, areas
    engine.dispose()
    _drop_database(admin_url, name)
    print(
        f"\npages×roles opened: {tally['pages']} (not offered: {tally.get('not offered', 0)}), "
        f"buttons pressed: {tally['presses']}, "
        f"unauthorised writes: {tally['unauthorised']}"
    )


def _fingerprint(engine, other_team: int, role: str) -> dict[str, str]:
    """What the role must not change: everything for a viewer; another team's rows and the
    shared tables for an editor."""
    scoped = {
        "resource": "area_id IN (SELECT id FROM area WHERE team_id = {t})",
        "partner": "area_id IN (SELECT id FROM area WHERE team_id = {t})",
        "need": "area_id IN (SELECT id FROM area WHERE team_id = {t})",
        "area": "team_id = {t}",
        "partnership": "team_id = {t}",
    }
    shared = ("team", "team_member", "category", "app_user")
    everything = (*scoped, *shared, "partnership_member", "partnership_area", "need_resource",
                  "snapshot", "survey_wave", "survey_response", "layer_history")
    tables = everything if role == "viewer1" else (*scoped, *shared)
    out = {}
    with engine.connect() as conn:
        for table in tables:
            where = ""
            if role != "viewer1" and table in scoped:
                where = "WHERE " + scoped[table].format(t=other_team)
            out[table] = conn.execute(
                text(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                     f"FROM {table} t {where}")
            ).scalar_one()
    return out


def _signed_in_app(monkeypatch, url: str, engine, username: str, area) -> AppTest:
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", "password")
    with db.session_scope(engine) as session:
        token = db.open_session_as_owner(session, username)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[state.SESSION_TOKEN] = token
    at.query_params["area"] = str(area.id)
    return at.run()


# An editor on their own team's area may write there: what they press must still
# leave every other team's rows and the shared tables alone.
VISITS = [("viewer1", "other"), ("edit-own", "other"), ("edit-own", "own")]


@pytest.mark.parametrize(("role", "where"), VISITS)
@pytest.mark.parametrize("page", PAGES)
def test_no_button_on_any_page_writes_where_the_role_may_not(
    monkeypatch, city, page, role, where
):
    url, engine, _own, other, areas = city
    area = areas[where]
    before = _fingerprint(engine, other, role)
    at = _signed_in_app(monkeypatch, url, engine, role, area)
    assert not at.exception
    assert at.session_state[state.AREA_ID] == area.id
    try:
        at.switch_page(page)
    except ValueError:
        # The router does not offer this page to the role at all.
        tally["not offered"] = tally.get("not offered", 0) + 1
        return
    at.run()
    tally["pages"] += 1
    pressed = 0
    for index in range(MAX_PRESSES_PER_PAGE):
        buttons = [b for b in at.button if b.key not in HARMLESS_KEYS and not b.disabled]
        if index >= len(buttons):
            break
        try:
            buttons[index].click().run()
        except Exception as exc:  # noqa: BLE001 - a press that fails is not a write
            print(f"{page} as {role}: pressing {buttons[index].label!r} raised {exc!r}")
        pressed += 1
        if at.session_state[state.AREA_ID] != area.id:
            at.session_state[state.AREA_ID] = area.id
    tally["presses"] += pressed
    changed = [t for t, v in _fingerprint(engine, other, role).items() if before[t] != v]
    tally["unauthorised"] += len(changed)
    assert changed == [], f"{role} changed {changed} from {page}"
