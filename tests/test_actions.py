"""The action plan: actions of a need, their partners, conflicts, exports, rights and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from geoalchemy2.shape import from_shape
from openpyxl import load_workbook
from shapely.geometry import Point
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from mapping import db
from mapping.db.models import Area, Partner, Partnership, PartnershipArea, PartnershipMember
from mapping.db.plan_models import Action
from mapping.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from mapping.services import accounts, actions, pins
from tests.conftest import _create_database, _drop_database, app_env, runtime_url
from tests.editing_fixtures import build_world

PASSWORD = "correct horse battery"
_names = itertools.count()


def add_need(session, world, area, point, visibility="public", actor=None):
    return pins.create_pin(
        session, actor or world.admin, "need", area,
        {"name": f"Samotność ({visibility})", "category": "seniors_loneliness",
         "source_method": "interview", "target_groups": ["seniors"], "visibility": visibility,
         "status": "identified", "priority": 2},
        point,
    ).id


def add_partner(session, name, area_id, point, visibility="public"):
    row = Partner(name=name, sector="ngo", area_id=area_id, visibility=visibility,
                  geom=from_shape(Point(*point), srid=4326))
    session.add(row)
    session.flush()
    return row.id


# --- the service ----------------------------------------------------------------------------


def test_an_editor_plans_an_action_for_a_need_of_their_team(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    partner = add_partner(session, "Stowarzyszenie Brzeźno", world.area_a, world.point_a)
    ref = actions.create_action(
        session, world.editor_a, need, "Klub seniora we wtorki",
        partner_ids=[partner], due_on="2027-03-31",
    )
    (action,) = actions.for_need(session, world.editor_a, need)
    assert action.id == ref.id and action.version == 1
    assert action.title == "Klub seniora we wtorki"
    assert action.due_on == dt.date(2027, 3, 31)
    assert action.status == "planned"
    assert action.partner_names == ("Stowarzyszenie Brzeźno",)
    assert action.created_by == "ewa" and action.updated_by == "ewa"
    assert action.team_id == session.get(Area, world.area_a).team_id
    assert [a.id for a in actions.for_team(session, world.admin, action.team_id)] == [ref.id]


def test_a_status_change_makes_a_new_version_recorded_in_history(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    ref = actions.create_action(session, world.editor_a, need, "Spotkanie")
    ref = actions.set_status(session, world.editor_a, ref, "in_progress")
    ref = actions.set_status(session, world.admin, ref, "done")
    assert ref.version == 3
    history = session.execute(
        text("SELECT app_user, row_data->>'status' FROM layer_history "
             "WHERE table_name = 'action' AND row_id = :id ORDER BY id"),
        {"id": ref.id},
    ).all()
    assert [tuple(row) for row in history] == [
        ("ewa", "planned"), ("ewa", "in_progress"), ("ada", "done"),
    ]
    assert actions.get_action(session, world.admin, ref.id).updated_by == "ada"
    shown = actions.versions(session, world.editor_a, ref.id)
    assert [(v.changed_by, v.data["status"]) for v in shown] == [
        ("ada", "done"), ("ewa", "in_progress"), ("ewa", "planned"),
    ]


def test_a_stale_update_is_refused_and_says_who_changed_what(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    opened = actions.create_action(session, world.editor_a, need, "Spotkanie")
    actions.update_action(session, world.admin, opened, {"status": "dropped"})
    with pytest.raises(ConflictError) as stale:
        actions.update_action(session, world.editor_a, opened, {"title": "Inny tytuł"})
    assert stale.value.changed_by == "ada"
    assert stale.value.changes["status"] == ("planned", "dropped")
    assert actions.get_action(session, world.admin, opened.id).title == "Spotkanie"


def test_changing_only_the_partners_makes_a_new_version(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    partner = add_partner(session, "Fundacja", world.area_a, world.point_a)
    ref = actions.create_action(session, world.editor_a, need, "Spotkanie")
    changed = actions.update_action(session, world.editor_a, ref, {"partner_ids": [partner]})
    assert changed.version == ref.version + 1
    with pytest.raises(ConflictError):
        actions.update_action(session, world.editor_a, ref, {"status": "done"})
    partner_history = session.scalar(
        text("SELECT count(*) FROM layer_history WHERE table_name = 'action_partner' "
             "AND (row_data->>'action_id')::integer = :id"),
        {"id": ref.id},
    )
    assert partner_history == 1


def test_an_action_needs_a_title_a_known_status_and_a_real_date(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    with pytest.raises(ValidationError) as empty:
        actions.create_action(session, world.editor_a, need, "   ")
    assert empty.value.fields == {"title": "error.required"}
    with pytest.raises(ValidationError) as bad:
        actions.create_action(session, world.editor_a, need, "X", status="finished",
                              due_on="31.03.2027")
    assert bad.value.fields == {"status": "error.unknown_choice", "due_on": "actions.bad_date"}
    assert actions.for_need(session, world.admin, need) == []


def test_an_editor_of_team_b_neither_sees_nor_changes_team_as_team_only_plan(session):
    world = build_world(session)
    hidden = add_need(session, world, world.area_a, world.point_a, visibility="team")
    public = add_need(session, world, world.area_a, world.point_a)
    secret = actions.create_action(session, world.editor_a, hidden, "Interwencja u p. X")
    open_ = actions.create_action(session, world.editor_a, public, "Klub seniora")
    team_a = session.get(Area, world.area_a).team_id
    assert [a.id for a in actions.for_team(session, world.editor_b, team_a)] == [open_.id]
    assert [a.id for a in actions.all_actions(session, world.viewer)] == [open_.id]
    with pytest.raises(NotFound):
        actions.get_action(session, world.editor_b, secret.id)
    with pytest.raises(NotFound):
        actions.versions(session, world.editor_b, secret.id)
    with pytest.raises(NotFound):
        actions.for_need(session, world.editor_b, hidden)
    with pytest.raises(NotFound):
        actions.set_status(session, world.editor_b, secret, "done")
    with pytest.raises(PermissionDenied):
        actions.set_status(session, world.editor_b, open_, "done")
    with pytest.raises(PermissionDenied):
        actions.create_action(session, world.editor_b, public, "Obce działanie")
    with pytest.raises(PermissionDenied):
        actions.create_action(session, world.viewer, public, "Widz nie planuje")


def test_a_partnership_follows_actions_in_its_areas_and_those_its_members_carry(session):
    world = build_world(session)
    in_area = add_need(session, world, world.area_a, world.point_a)
    elsewhere = add_need(session, world, world.area_b, world.point_b)
    member = add_partner(session, "Członek", world.area_b, world.point_b)
    partnership = Partnership(name="Partnerstwo Brzeźno")
    session.add(partnership)
    session.flush()
    session.add_all([
        PartnershipArea(partnership_id=partnership.id, area_id=world.area_a),
        PartnershipMember(partnership_id=partnership.id, partner_id=member),
    ])
    session.flush()
    here = actions.create_action(session, world.admin, in_area, "W obszarze")
    carried = actions.create_action(session, world.admin, elsewhere, "Niesie członek",
                                    partner_ids=[member])
    actions.create_action(session, world.admin, elsewhere, "Nie nasze")
    found = actions.for_partnership(session, world.admin, partnership.id)
    assert {a.id for a in found} == {here.id, carried.id}
    with pytest.raises(NotFound):
        actions.for_partnership(session, world.admin, partnership.id + 1000)


def test_moving_a_need_to_another_teams_area_moves_its_actions_to_that_team(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    ref = actions.create_action(session, world.admin, need, "Spotkanie")
    session.execute(text("UPDATE need SET area_id = :b WHERE id = :n"),
                    {"b": world.area_b, "n": need})
    session.expire_all()
    assert session.get(Action, ref.id).team_id == session.get(Area, world.area_b).team_id


def test_the_csv_and_xlsx_exports_do_not_run_formulas(session):
    world = build_world(session)
    need = add_need(session, world, world.area_a, world.point_a)
    actions.create_action(session, world.admin, need, '=HYPERLINK("http://x","klik")',
                          description="@SUM(1)", due_on="2027-06-01")
    plan = actions.for_need(session, world.admin, need)
    rows = list(csv.reader(io.StringIO(actions.to_csv(plan, "en"))))
    assert rows[0][:5] == ["No.", "Need", "Area", "Team", "Action"]
    assert rows[1][4] == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert rows[1][5] == "'@SUM(1)"
    assert rows[1][7] == "2027-06-01"
    assert rows[1][8] == "planned"
    sheet = load_workbook(io.BytesIO(actions.to_xlsx(plan, "pl"))).active
    values = [cell.value for cell in sheet[2]]
    assert values[4].startswith("'=")
    assert values[8] == "zaplanowane"
    assert sheet.cell(1, 5).data_type == "s"


# --- the database's own rules, as the runtime role ------------------------------------------------


@dataclass
class World:
    owner: Engine
    runtime: Engine
    url: str
    hidden_need: int
    public_need: int
    hidden_action: int
    public_action: int
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(admin_url: str, template_url: str) -> Iterator[World]:
    name = f"calmap_actions_{os.getpid()}_{next(_names)}"
    url = _create_database(admin_url, name, template="calmap_test_template")
    owner = create_engine(url)
    with owner.begin() as conn:
        areas = {}
        for code, x in (("A", 18.60), ("B", 18.70)):
            team = conn.execute(
                text("INSERT INTO team (code, name) VALUES (:c, :n) RETURNING id"),
                {"c": f"T-{code}", "n": f"Zespół {code}"},
            ).scalar_one()
            areas[code] = conn.execute(
                text("INSERT INTO area (name, kind, team_id, geom) VALUES (:n, 'estate', :t, "
                     "ST_Multi(ST_MakeEnvelope(:x, 54.30, :x + 0.05, 54.35, 4326))) RETURNING id"),
                {"n": f"Osiedle {code}", "t": team, "x": x},
            ).scalar_one()
        needs = {}
        for visibility in ("team", "public"):
            needs[visibility] = conn.execute(
                text("INSERT INTO need (name, category, source_method, visibility, area_id, geom) "
                     "VALUES (:n, 'domestic_violence', 'interview', :v, :a, "
                     "ST_SetSRID(ST_MakePoint(18.61, 54.32), 4326)) RETURNING id"),
                {"n": f"Potrzeba {visibility}", "v": visibility, "a": areas["A"]},
            ).scalar_one()
        actions_ = {
            visibility: conn.execute(
                text("INSERT INTO action (need_id, title) VALUES (:n, :t) RETURNING id"),
                {"n": needs[visibility], "t": f"Działanie {visibility}"},
            ).scalar_one()
            for visibility in ("team", "public")
        }
        conn.execute(text("UPDATE action SET status = 'in_progress'"))
        partner = conn.execute(
            text("INSERT INTO partner (name, sector, area_id) VALUES ('Fundacja', 'ngo', :a) "
                 "RETURNING id"), {"a": areas["A"]},
        ).scalar_one()
        for visibility in ("team", "public"):
            conn.execute(text("INSERT INTO need_partner (need_id, partner_id) VALUES (:n, :p)"),
                         {"n": needs[visibility], "p": partner})
            conn.execute(text("INSERT INTO action_partner (action_id, partner_id) "
                              "VALUES (:a, :p)"), {"a": actions_[visibility], "p": partner})
    with db.session_scope(owner) as session:
        accounts.add_user(session, "edit-a", PASSWORD, "editor", ["T-A"])
        accounts.add_user(session, "edit-b", PASSWORD, "editor", ["T-B"])
        accounts.add_user(session, "viewer1", PASSWORD, "viewer")
    with owner.begin() as conn:
        tokens = {
            user: conn.execute(text("SELECT calmap_session_for(:u, 60)"), {"u": user}).scalar_one()
            for user in ("edit-a", "edit-b", "viewer1")
        }
    runtime = create_engine(runtime_url(url))
    yield World(owner, runtime, url, needs["team"], needs["public"], actions_["team"],
                actions_["public"], tokens)
    runtime.dispose()
    owner.dispose()
    _drop_database(admin_url, name)


def _seen(world: World, user: str, sql: str, **params: object) -> list:
    with world.runtime.connect() as conn:
        db.use_session(conn, world.tokens[user])
        found = list(conn.execute(text(sql), params).scalars())
        conn.rollback()
    return found


def test_the_database_hides_a_team_only_needs_actions_from_another_team_even_in_history(world):
    listed = "SELECT id FROM action ORDER BY id"
    versions = ("SELECT DISTINCT row_id FROM layer_history WHERE table_name = 'action' "
                "ORDER BY row_id")
    both = sorted([world.hidden_action, world.public_action])
    assert _seen(world, "edit-a", listed) == both
    assert _seen(world, "edit-a", versions) == both
    assert _seen(world, "edit-b", listed) == [world.public_action]
    assert _seen(world, "edit-b", versions) == [world.public_action]
    assert _seen(world, "viewer1", versions) == [world.public_action]
    # The partner links of the team-only need and of its action stay hidden too.
    for table, column in (("need_partner", "need_id"), ("action_partner", "action_id")):
        links = (f"SELECT (row_data->>'{column}')::integer FROM layer_history "
                 f"WHERE table_name = '{table}' ORDER BY 1")
        visible = f"SELECT {column} FROM {table} ORDER BY 1"
        hidden = world.hidden_need if table == "need_partner" else world.hidden_action
        public = world.public_need if table == "need_partner" else world.public_action
        assert _seen(world, "edit-a", links) == sorted([hidden, public])
        assert _seen(world, "edit-b", links) == [public]
        assert _seen(world, "edit-b", visible) == [public]


def test_the_database_refuses_another_teams_editor_and_viewers_every_write(world):
    for user in ("edit-b", "viewer1"):
        assert _seen(world, user, "UPDATE action SET status = 'done' RETURNING id") == []
        assert _seen(world, user, "DELETE FROM action RETURNING id") == []
        with pytest.raises(DBAPIError, match="row-level security"):
            _seen(world, user, "INSERT INTO action (need_id, title) VALUES (:n, 'X') RETURNING id",
                  n=world.public_need)


def test_the_database_writes_team_and_authors_itself_whatever_the_statement_says(world):
    (row,) = _seen(
        world, "edit-a",
        "INSERT INTO action (need_id, title, team_id, created_by, updated_by) "
        "VALUES (:n, 'Własne', NULL, 'someone-else', 'someone-else') "
        "RETURNING json_build_object('team', team_id, 'by', created_by, 'upd', updated_by)",
        n=world.hidden_need,
    )
    assert row["by"] == "edit-a" and row["upd"] == "edit-a"
    assert row["team"] is not None


def test_walking_limits_and_rules_are_read_by_everyone_and_written_by_admins_only(world):
    assert _seen(world, "viewer1", "SELECT metres FROM walking_limit WHERE target_group = 'seniors'"
                 ) == [500]
    assert _seen(world, "edit-a", "UPDATE walking_limit SET metres = 900 RETURNING metres") == []
    assert _seen(world, "edit-a", "UPDATE addressing_rule SET active = false RETURNING id") == []


# --- the command line ------------------------------------------------------------------------


def test_the_cli_adds_lists_and_updates_an_action_as_an_editor(world):
    env = {**app_env(world.url), "CALMAP_DATA_DIR": "/nonexistent"}
    runner = CliRunner()
    from mapping.cli.main import app

    added = runner.invoke(app, ["actions", "add", "--need", str(world.public_need), "--title",
                                "=Plan", "--due", "2027-05-01", "--user", "edit-a"], env=env)
    assert added.exit_code == 0, added.output
    new_id = int(added.output.split()[2])
    listed = runner.invoke(app, ["actions", "list", "--need", str(world.public_need),
                                 "--format", "json", "--user", "edit-a"], env=env)
    assert listed.exit_code == 0, listed.output
    mine = {a["id"]: a for a in json.loads(listed.output)}[new_id]
    assert mine["created_by"] == "edit-a" and mine["due_on"] == "2027-05-01"
    refused = runner.invoke(app, ["actions", "update", str(new_id), "--status", "done",
                                  "--user", "edit-b"], env=env)
    assert refused.exit_code == 1
    updated = runner.invoke(app, ["actions", "update", str(new_id), "--status", "done",
                                  "--user", "edit-a"], env=env)
    assert updated.exit_code == 0, updated.output
    assert "version 2" in updated.output
    stale = runner.invoke(app, ["actions", "update", str(new_id), "--title", "X", "--version", "1",
                                "--user", "edit-a"], env=env)
    assert stale.exit_code == 1
    assert "edit-a" in stale.output
    exported = runner.invoke(app, ["actions", "list", "--team", "T-A", "--format", "csv",
                                   "--language", "en"], env=env)
    assert exported.exit_code == 0, exported.output
    rows = {row[0]: row for row in csv.reader(io.StringIO(exported.output))}
    assert rows[str(new_id)][4] == "'=Plan" and rows[str(new_id)][8] == "done"
    hidden = runner.invoke(app, ["actions", "list", "--team", "T-A", "--user", "edit-b"], env=env)
    assert "Działanie team" not in hidden.output and "Działanie public" in hidden.output


def test_the_cli_lists_a_needs_candidates_and_only_admins_set_walking_limits(world):
    env = {**app_env(world.url), "CALMAP_DATA_DIR": "/nonexistent"}
    runner = CliRunner()
    from mapping.cli.main import app

    shown = runner.invoke(app, ["addressing", "candidates", "--need", str(world.public_need),
                                "--format", "json", "--user", "viewer1"], env=env)
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)
    assert found["distance_kind"] == "straight_line"
    assert found["limit_m"] == 1500
    (fundacja,) = [c for c in found["candidates"] if c["name"] == "Fundacja"]
    assert fundacja["linked"] and fundacja["same_area"] and fundacja["distance_m"] is None
    text_form = runner.invoke(app, ["addressing", "candidates", "--need", str(world.public_need)],
                              env=env)
    assert "straight line" in text_form.output
    refused = runner.invoke(app, ["addressing", "set-limit", "seniors", "300", "--user", "edit-a"],
                            env=env)
    assert refused.exit_code == 1
    assert "Only administrators" in refused.output
    too_far = runner.invoke(app, ["addressing", "set-limit", "seniors", "100000"], env=env)
    assert too_far.exit_code == 1
    assert "between 50 and 10000 m" in too_far.output
    assert runner.invoke(app, ["addressing", "set-limit", "seniors", "450"], env=env).exit_code == 0
    limits = runner.invoke(app, ["addressing", "limits", "--user", "viewer1"], env=env).output
    assert "seniors\t450" in limits
