"""The action plan end to end: hand links, the plan page, exports and the June pack.

Real PostGIS, the real pages under AppTest and the real June pack builder:
an action added for a need, listed, marked done on the page, then in the
pack's plan table and its evidence of change; a stale change refused; a
viewer never sees a team-only need's actions; hand links with history.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, update
from streamlit.testing.v1 import AppTest

from mapping import db
from mapping.analysis import action_plan
from mapping.db.models import Team
from mapping.errors import ConflictError
from mapping.reports import build, offline_html
from mapping.services import actions, addressing, export_rows, pins, snapshots
from mapping.services.accounts import Actor
from tests.editing_fixtures import build_world
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401
from tests.test_team_area_export_pages import sign_in, start_env

PAGE = "app_pages/actions.py"


def _need(session, world, area, point, name, visibility="public"):
    return pins.create_pin(
        session, world.admin, "need", area,
        {"name": name, "category": "seniors_loneliness", "source_method": "interview",
         "target_groups": ["seniors"], "visibility": visibility, "status": "identified",
         "priority": 2},
        point,
    ).id


def _partner(session, world, name):
    return pins.create_pin(
        session, world.admin, "partner", world.area_a,
        {"name": name, "sector": "ngo", "visibility": "public"}, world.point_a,
    ).id


@pytest.fixture()
def plan_db(fresh_db_url):
    """Brzeźno (team A) with a public need, a team-only need with an action, and a partner."""
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as s:
        world = build_world(s)
        # The sidebar offers cities; the test teams work in Gdańsk.
        s.execute(update(Team).values(city="Gdańsk"))
        public = _need(s, world, world.area_a, world.point_a, "Samotność seniorów")
        hidden = _need(s, world, world.area_a, world.point_a, "Przemoc w rodzinie", "team")
        partner = _partner(s, world, "Stowarzyszenie „Brzeźno”")
        actions.create_action(s, world.admin, hidden, "Interwencja zespołu",
                              partner_ids=[partner])
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, world.admin, "Maj 2026", dt.datetime.now(dt.UTC))
    engine.dispose()
    return fresh_db_url, world, public, hidden, partner


def _run(url, work):
    engine = create_engine(url)
    try:
        with db.session_scope(engine, "calmap-cli") as s:
            return work(s)
    finally:
        engine.dispose()


def open_plan_page(monkeypatch, url):
    start_env(monkeypatch, url, "none")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at = at.switch_page(PAGE).run()
    return at.radio(key="calmap.plan.scope").set_value("all").run()


def test_an_action_goes_from_the_need_to_the_page_to_done_and_into_the_june_pack(
    monkeypatch, plan_db, tmp_path
):
    url, world, public, _hidden, partner = plan_db
    _run(url, lambda s: actions.create_action(
        s, world.editor_a, public, "Klub seniora we wtorki", partner_ids=[partner],
        due_on="2026-09-30",
    ))
    at = open_plan_page(monkeypatch, url)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert "Klub seniora we wtorki" in list(table["Działanie"])
    by_title = {a.title: a for a in _run(url, lambda s: actions.all_actions(s, world.admin))}
    action = by_title["Klub seniora we wtorki"]
    at.selectbox(key="calmap.plan.pick").select(action.id).run()
    status_box = next(b for b in at.selectbox if b.label == "Stan" and b.key != "calmap.plan.pick")
    status_box.select("done")
    next(b for b in at.button if b.label == "Zapisz zmiany").click().run()
    assert not at.exception and not at.error
    assert "Zapisano działanie „Klub seniora we wtorki”." in [s.value for s in at.success]
    assert _run(url, lambda s: actions.get_action(s, world.admin, action.id)).status == "done"
    history = _run(url, lambda s: actions.versions(s, world.admin, action.id))
    assert [v.data["status"] for v in history] == ["done", "planned"]

    def pack(s):
        snapshots.create_snapshot(s, world.admin, "Czerwiec 2026", dt.datetime.now(dt.UTC))
        return build.plan_pack(s, build.PackRequest("Czerwiec 2026", compare="Maj 2026",
                                                    area="Brzeźno"))

    plan = _run(url, pack)
    (area,) = plan.contents
    assert [(r.title, r.need, r.partners, r.status) for r in area.action_plan] == [
        ("Klub seniora we wtorki", "Samotność seniorów", ("Stowarzyszenie „Brzeźno”",), "done"),
    ]
    assert area.changes is not None
    assert area.changes.actions_done == ("Klub seniora we wtorki",)
    assert area.changes.needs_covered == ("Samotność seniorów",)
    # The team-only need's action is never at a partnership meeting.
    assert all(r.title != "Interwencja zespołu" for c in plan.maps() for r in c.action_plan)
    page = offline_html.offline_html(area)
    assert "Plan działań (1)" in page and "Klub seniora we wtorki" in page
    assert "Działania zrealizowane" in page


def test_a_change_made_meanwhile_is_shown_as_a_conflict_and_nothing_is_saved(
    monkeypatch, plan_db
):
    url, world, public, _hidden, _partner_id = plan_db
    ref = _run(url, lambda s: actions.create_action(s, world.editor_a, public, "Spotkanie"))
    at = open_plan_page(monkeypatch, url)
    at.selectbox(key="calmap.plan.pick").select(ref.id).run()
    # Someone else drops the action while the form is open.
    _run(url, lambda s: actions.set_status(s, world.editor_a, ref, "dropped"))
    status_box = next(b for b in at.selectbox if b.label == "Stan" and b.key != "calmap.plan.pick")
    status_box.select("done")
    next(b for b in at.button if b.label == "Zapisz zmiany").click().run()
    assert not at.exception
    assert any("ewa" in e.value for e in at.error)
    assert _run(url, lambda s: actions.get_action(s, world.admin, ref.id)).status == "dropped"
    conflict = at.dataframe[1].value
    assert list(conflict.iloc[0]) == ["Stan", "zaplanowane", "zaniechane"]


def test_a_viewer_sees_no_team_only_needs_actions_on_the_page_or_in_exports(
    monkeypatch, plan_db
):
    url, world, public, _hidden, _partner_id = plan_db
    _run(url, lambda s: actions.create_action(s, world.editor_a, public, "Spacer sąsiedzki"))
    at = sign_in(monkeypatch, url, "wiktor")
    at = at.switch_page(PAGE).run()
    at = at.radio(key="calmap.plan.scope").set_value("all").run()
    assert not at.exception and not at.error
    titles = list(at.dataframe[0].value["Działanie"])
    assert titles == ["Spacer sąsiedzki"]
    viewer = Actor(id=world.viewer.id, username="wiktor", role="viewer")
    found = _run(url, lambda s: export_rows.read_export(s, viewer))
    assert list(found.frames["action"]["title"]) == ["Spacer sąsiedzki"]
    assert found.frames["action_partner"].empty
    admin = _run(url, lambda s: export_rows.read_export(s, world.admin))
    assert sorted(admin.frames["action"]["title"]) == ["Interwencja zespołu", "Spacer sąsiedzki"]
    assert len(admin.frames["action_partner"]) == 1
    # As of the earlier snapshot the later action did not exist yet.
    then = _run(url, lambda s: export_rows.read_export(s, world.admin, as_of=dt.datetime.now(
        dt.UTC) - dt.timedelta(days=1)))
    assert then.frames["action"].empty


def test_a_hand_link_round_trip_keeps_history_and_refuses_a_stale_form(plan_db):
    url, world, public, _hidden, partner = plan_db
    editor = world.editor_a
    seen = _run(url, lambda s: addressing.need_links(s, editor, public))
    assert seen.partner_ids == () and seen.resource_ids == ()
    saved = _run(url, lambda s: addressing.set_need_links(s, editor, public, [], [partner], seen))
    assert saved.partner_ids == (partner,)
    with pytest.raises(ConflictError) as stale:
        _run(url, lambda s: addressing.set_need_links(s, world.admin, public, [], [], seen))
    assert stale.value.changed_by == "ewa"
    assert stale.value.changes["partner_ids"] == ([], [partner])
    _run(url, lambda s: addressing.set_need_links(s, world.admin, public, [], [], saved))
    history = _run(url, lambda s: addressing.link_history(s, world.admin, public))
    assert [(v.operation, v.changed_by) for v in history] == [("DELETE", "ada"), ("INSERT", "ewa")]
    covered = _run(url, lambda s: action_plan.covered_need_ids(export_rows.read_export(
        s, world.admin)))
    assert public not in covered


def open_need_in_editor(monkeypatch, url, world, name):
    """Ewa's editor on Brzeźno with the need ``name`` open."""
    from mapping.ui import state
    from tests.test_editor_page import select_rows, show_tab

    at = sign_in(monkeypatch, url, "ewa")
    at.switch_page("app_pages/editor.py").run()
    at.sidebar.selectbox(key=state.AREA_ID).set_value(world.area_a).run()
    at.radio(key=state.EDITOR_LAYER).set_value("need").run()
    # Only the tab shown is drawn: the table to pick the need, then its entry.
    show_tab(at, "Tabela")
    names = list(at.dataframe[0].value["Nazwa"])
    select_rows(at, "need", [names.index(name)])
    at.button(key="calmap.editor.open.need").click().run()
    show_tab(at, "Wpis")
    assert not at.exception and not at.error
    return at


def test_in_the_editor_a_need_is_linked_by_hand_and_gets_an_action(monkeypatch, plan_db):
    from mapping.ui import state

    url, world, public, _hidden, partner = plan_db
    _run(url, lambda s: pins.create_pin(
        s, world.admin, "resource", world.area_a,
        {"name": "Biblioteka Brzeźno", "category": "library", "visibility": "public"},
        world.point_a,
    ))
    at = open_need_in_editor(monkeypatch, url, world, "Samotność seniorów")
    assert "Kto odpowiada na tę potrzebę" in [s.value for s in at.subheader]
    candidates = at.dataframe[0].value
    library = candidates.loc[candidates["Nazwa"] == "Biblioteka Brzeźno"].iloc[0]
    assert library["Odległość"] == "0 m w linii prostej, w obszarze potrzeby"
    generation = at.session_state[state.EDITOR_GENERATION]
    at.multiselect(key=f"calmap.editor.plan.partners.{public}.{generation}").set_value([partner])
    next(b for b in at.button if b.label == "Zapisz powiązania").click().run()
    assert not at.exception and not at.error
    assert "Zapisano powiązania potrzeby." in [s.value for s in at.success]
    links = _run(url, lambda s: addressing.need_links(s, world.admin, public))
    assert links.partner_ids == (partner,)
    history = _run(url, lambda s: addressing.link_history(s, world.admin, public))
    assert [(v.operation, v.changed_by) for v in history] == [("INSERT", "ewa")]
    next(i for i in at.text_input if i.label == "Działanie").input("Klub seniora")
    next(b for b in at.button if b.label == "Dodaj działanie").click().run()
    assert not at.exception and not at.error
    assert "Dodano działanie „Klub seniora”." in [s.value for s in at.success]
    (added,) = _run(url, lambda s: actions.for_need(s, world.admin, public))
    assert (added.title, added.status, added.created_by) == ("Klub seniora", "planned", "ewa")


def test_the_csv_export_holds_the_plan_and_runs_no_formula(plan_db, tmp_path):
    import zipfile

    from mapping.io import export

    url, world, public, _hidden, partner = plan_db
    _run(url, lambda s: actions.create_action(
        s, world.editor_a, public, "=HYPERLINK(\"http://zło.example\")", partner_ids=[partner],
    ))
    _run(url, lambda s: addressing.set_need_links(
        s, world.editor_a, public, [], [partner], addressing.need_links(s, world.editor_a, public)
    ))
    data = _run(url, lambda s: export_rows.read_export(s, world.viewer))
    path = export.write_export(data, "csv", tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        plan = archive.read("action.csv").decode("utf-8-sig")
        links = archive.read("need_partner.csv").decode("utf-8-sig")
        assert "action_partner.csv" in archive.namelist()
    assert "'=HYPERLINK" in plan and "Interwencja zespołu" not in plan
    assert links.splitlines()[0] == "id,need_id,partner_id"
    assert len(links.splitlines()) == 2


def test_in_the_editor_links_changed_meanwhile_are_shown_and_not_overwritten(
    monkeypatch, plan_db
):
    from mapping.ui import state

    url, world, public, _hidden, partner = plan_db
    at = open_need_in_editor(monkeypatch, url, world, "Samotność seniorów")
    # Ada links the partner while Ewa's form is open.
    _run(url, lambda s: addressing.set_need_links(
        s, world.admin, public, [], [partner], addressing.need_links(s, world.admin, public)
    ))
    generation = at.session_state[state.EDITOR_GENERATION]
    at.multiselect(key=f"calmap.editor.plan.resources.{public}.{generation}").set_value([])
    next(b for b in at.button if b.label == "Zapisz powiązania").click().run()
    assert not at.exception
    assert any("ada" in e.value for e in at.error)
    shown = next(d.value for d in at.dataframe if "Co jest zapisane teraz" in d.value.columns)
    assert list(shown.iloc[0]) == ["Powiązani partnerzy", "", "Stowarzyszenie „Brzeźno”"]
    assert _run(url, lambda s: addressing.need_links(s, world.admin, public)).partner_ids == (
        partner,
    )
