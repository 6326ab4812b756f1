"""The attack suite below the UI: the runtime role, forged identities, cross-team writes.

Everything here runs as the app's own login role (``calmap_runtime``) against
a real PostGIS, doing what an attacker with a SQL prompt on the app's
connection would try: stepping out of the role, naming another user,
shadowing the policies' tables, reading password hashes and other teams'
history, and writing into every table that holds user data.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from mapping import db
from mapping.db import sessions
from mapping.services import accounts
from tests.conftest import _create_database, _drop_database, runtime_url

PASSWORD = "correct horse battery"
_names = itertools.count()


@dataclass
class World:
    """Two teams with an area each, four accounts, and pins of every visibility."""

    owner: Engine
    runtime: Engine
    team_a: int
    team_b: int
    area_a: int
    area_b: int
    partnership_b: int
    tokens: dict[str, str]
    team_only_names: tuple[str, ...]


def _owner_sql(engine: Engine, sql: str, **params: object) -> object:
    with engine.begin() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="module")
def world(admin_url: str, template_url: str) -> Iterator[World]:
    name = f"calmap_trust_{os.getpid()}_{next(_names)}"
    url = _create_database(admin_url, name, template="calmap_test_template")
    owner = create_engine(url)
    ids: dict[str, int] = {}
    with owner.begin() as conn:
        for code in ("A", "B"):
            ids[f"team_{code}"] = conn.execute(
                text("INSERT INTO team (code, name) VALUES (:c, :n) RETURNING id"),
                {"c": f"T-{code}", "n": f"Zespół {code}"},
            ).scalar_one()
            x = 18.60 if code == "A" else 18.70
            ids[f"area_{code}"] = conn.execute(
                text(
                    "INSERT INTO area (name, kind, team_id, geom) VALUES (:n, 'estate', :t, "
                    "ST_Multi(ST_MakeEnvelope(:x, 54.30, :x + 0.05, 54.35, 4326))) RETURNING id"
                ),
                {"n": f"Osiedle {code}", "t": ids[f"team_{code}"], "x": x},
            ).scalar_one()
    with db.session_scope(owner) as session:
        accounts.add_user(session, "admin1", PASSWORD, "admin")
        accounts.add_user(session, "edit-a", PASSWORD, "editor", ["T-A"])
        accounts.add_user(session, "edit-b", PASSWORD, "editor", ["T-B"])
        accounts.add_user(session, "viewer1", PASSWORD, "viewer")
    team_only = []
    with owner.begin() as conn:
        for code in ("A", "B"):
            for visibility in ("public", "partnership", "team"):
                pin = f"{visibility} {code}"
                if visibility == "team":
                    pin = f"Przemoc w rodzinie {code}"
                    team_only.append(pin)
                conn.execute(
                    text(
                        "INSERT INTO need (name, category, source_method, visibility, area_id, "
                        "geom, description) VALUES (:n, 'violence', 'interview', :v, :a, "
                        "ST_SetSRID(ST_MakePoint(:x, 54.32), 4326), 'Jan Kowalski, ul. Długa 1')"
                    ),
                    {"n": pin, "v": visibility, "a": ids[f"area_{code}"],
                     "x": 18.61 if code == "A" else 18.71},
                )
                conn.execute(
                    text(
                        "INSERT INTO resource (name, kind, category, visibility, area_id, geom) "
                        "VALUES (:n, 'ngo', 'ngo_organisation', :v, :a, "
                        "ST_SetSRID(ST_MakePoint(:x, 54.32), 4326))"
                    ),
                    {"n": f"Zasób {pin}", "v": visibility, "a": ids[f"area_{code}"],
                     "x": 18.61 if code == "A" else 18.71},
                )
        ids["partnership_B"] = conn.execute(
            text("INSERT INTO partnership (name, team_id) VALUES ('Partnerstwo B', :t) "
                 "RETURNING id"),
            {"t": ids["team_B"]},
        ).scalar_one()
        tokens = {
            user: conn.execute(
                text("SELECT calmap_session_for(:u, 60)"), {"u": user}
            ).scalar_one()
            for user in ("admin1", "edit-a", "edit-b", "viewer1")
        }
    runtime = create_engine(runtime_url(url))
    yield World(
        owner, runtime, ids["team_A"], ids["team_B"], ids["area_A"], ids["area_B"],
        ids["partnership_B"], tokens, tuple(team_only),
    )
    runtime.dispose()
    owner.dispose()
    _drop_database(admin_url, name)


def _as(conn: Connection, token: str | None) -> None:
    db.use_session(conn, token)


def _team_only_seen(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM need WHERE visibility = 'team'")).scalar_one()


# --- the runtime role itself ---------------------------------------------------------------


def test_the_runtime_role_is_no_superuser_bypasses_nothing_owns_nothing(world):
    with world.runtime.connect() as conn:
        row = conn.execute(
            text(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
                "EXISTS (SELECT 1 FROM pg_class WHERE relowner = r.oid) AS owns, "
                "ARRAY(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b "
                "ON b.oid = m.roleid WHERE m.member = r.oid) AS member_of "
                "FROM pg_roles r WHERE rolname = current_user"
            )
        ).one()
    assert not (row.rolsuper or row.rolbypassrls or row.rolcreaterole or row.rolcreatedb)
    assert not row.owns
    assert row.member_of == [db.APP_ROLE]


def test_the_app_refuses_to_connect_as_a_superuser(world):
    with pytest.raises(db.DatabaseError, match="superuser"):
        db.check_runtime_role(world.owner)
    db.check_runtime_role(world.runtime)


@pytest.mark.parametrize(
    "escape",
    [
        "RESET ROLE",
        f"SET ROLE {db.APP_ROLE}",
        "SELECT set_config('calmap.app_user', 'admin1', false)",
        "SELECT set_config('calmap.app_user', 'admin1', true)",
        "SELECT set_config('calmap.session', 'admin1', true)",
        "SELECT set_config('calmap.session', repeat('0', 64), true)",
        "SET calmap.app_user = 'admin1'",
        "SET SESSION AUTHORIZATION DEFAULT",
    ],
)
def test_nothing_the_session_sets_gives_a_viewer_an_extra_row(world, escape):
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, world.tokens["viewer1"])
        before = conn.execute(text("SELECT count(*) FROM need")).scalar_one()
        assert _team_only_seen(conn) == 0
        try:
            with conn.begin_nested():
                conn.execute(text(escape))
        except DBAPIError:
            pass
        after = conn.execute(text("SELECT count(*) FROM need")).scalar_one()
        assert after <= before
        assert _team_only_seen(conn) == 0


@pytest.mark.parametrize("target", ["calmap", "postgres", "pg_read_all_data", "calmap_runtime"])
def test_the_runtime_role_cannot_become_another_role(world, target):
    with world.runtime.connect() as conn, conn.begin():
        with pytest.raises(DBAPIError, match="permission denied|does not exist"):
            conn.execute(text(f'SET ROLE "{target}"' if target != "calmap_runtime"
                              else "SET SESSION AUTHORIZATION calmap"))


def test_a_temporary_table_cannot_stand_in_for_the_accounts(world):
    # The migration revokes TEMPORARY on the database it upgrades; a database
    # copied from a template gets the default rights back, so the real defence
    # is that every SECURITY DEFINER function searches pg_temp last.
    with world.runtime.connect() as conn:
        trans = conn.begin()  # rolled back: a pooled connection must not keep the shadows
        _as(conn, world.tokens["viewer1"])
        conn.execute(text("CREATE TEMP TABLE app_user (id int, username text, role text, "
                          "active bool, password_hash text)"))
        conn.execute(text("INSERT INTO pg_temp.app_user SELECT id, 'viewer1', 'admin', true, "
                          "NULL FROM public.app_user"))
        conn.execute(text("CREATE TEMP TABLE app_session AS SELECT * FROM "
                          "(VALUES (1)) v(user_id)"))
        assert _team_only_seen(conn) == 0
        assert conn.execute(text("SELECT calmap_user_role()")).scalar_one() == "viewer"
        trans.rollback()


def test_every_security_definer_function_searches_pg_temp_last(world):
    with world.owner.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT proname, array_to_string(proconfig, ',') FROM pg_proc "
                "WHERE prosecdef AND proname LIKE 'calmap%'"
            )
        ).all()
    assert len(rows) >= 15
    for name, config in rows:
        assert config == "search_path=public, pg_temp", name


def test_the_upgraded_database_refuses_temporary_tables(world):
    with world.owner.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC'))
        conn.commit()
    with world.runtime.connect() as conn, conn.begin():
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text("CREATE TEMP TABLE x (id int)"))


def test_the_owners_functions_and_tables_are_out_of_reach(world):
    _all_denied(world, (
        "SELECT calmap_session_for('admin1', 60)",
        "SELECT calmap_session_key()",
        "SELECT calmap_new_session(1, 'x', 60)",
        "SELECT * FROM calmap_secret",
        "SELECT * FROM app_session",
        "SELECT * FROM sign_in_attempt",
        "SELECT password_hash FROM app_user",
        "SELECT * FROM app_user",
    ))


def _all_denied(world: World, statements: tuple[str, ...]) -> None:
    """Each statement, even with an administrator's session, is refused by privileges."""
    for sql in statements:
        with world.runtime.connect() as conn, conn.begin():
            _as(conn, world.tokens["admin1"])
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text(sql))


def _placeholders(world: World) -> dict[str, int]:
    """The ids the cross-team writes name: {A}/{B} areas, {TA}/{TB} teams, {PB} B's partnership."""
    return {"A": world.area_a, "B": world.area_b, "TA": world.team_a, "TB": world.team_b,
            "PB": world.partnership_b}


def test_without_a_session_the_runtime_role_sees_nothing(world):
    with world.runtime.connect() as conn:
        for table in ("need", "resource", "area", "team", "layer_history", "partnership",
                      "category", "snapshot"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0


def test_an_ended_session_gives_nothing(world):
    with world.owner.begin() as conn:
        token = conn.execute(text("SELECT calmap_session_for('viewer1', 60)")).scalar_one()
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, token)
        assert conn.execute(text("SELECT count(*) FROM area")).scalar_one() > 0
        conn.execute(text("SELECT calmap_end_session()"))
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, token)
        assert conn.execute(text("SELECT count(*) FROM area")).scalar_one() == 0


# --- history ---------------------------------------------------------------------------------


def test_history_of_team_only_versions_is_hidden_from_other_teams_and_viewers(world):
    with world.owner.begin() as conn:
        # Team A's team-only need, later made public: its earlier versions stay team-only.
        need = conn.execute(
            text(
                "INSERT INTO need (name, category, source_method, visibility, area_id, geom, "
                "description) VALUES ('Uzależnienia A', 'addiction', 'interview', 'team', :a, "
                "ST_SetSRID(ST_MakePoint(18.62, 54.32), 4326), 'Anna Nowak, ul. Krótka 5') "
                "RETURNING id"
            ),
            {"a": world.area_a},
        ).scalar_one()
        conn.execute(
            text("UPDATE need SET visibility = 'public', description = 'Grupa wsparcia' "
                 "WHERE id = :id"),
            {"id": need},
        )
    query = text(
        "SELECT row_data->>'description' FROM layer_history "
        "WHERE table_name = 'need' AND row_id = :id ORDER BY id"
    )
    seen = {}
    for user in ("viewer1", "edit-b", "edit-a", "admin1"):
        with world.runtime.connect() as conn, conn.begin():
            _as(conn, world.tokens[user])
            seen[user] = conn.execute(query, {"id": need}).scalars().all()
            leaked = conn.execute(
                text("SELECT count(*) FROM layer_history WHERE table_name IN "
                     "('need', 'resource', 'partner') AND row_data->>'visibility' = 'team'")
            ).scalar_one()
            if user in ("viewer1",):
                assert leaked == 0
    assert seen["viewer1"] == ["Grupa wsparcia"]
    assert seen["edit-b"] == ["Grupa wsparcia"]
    assert seen["edit-a"] == ["Anna Nowak, ul. Krótka 5", "Grupa wsparcia"]
    assert seen["admin1"] == seen["edit-a"]


def test_the_issue_query_lists_no_team_only_need_to_a_viewer(world):
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, world.tokens["viewer1"])
        names = conn.execute(
            text("SELECT row_data->>'name' FROM layer_history "
                 "WHERE row_data->>'visibility' = 'team'")
        ).scalars().all()
    assert names == []


def test_the_runtime_role_cannot_write_history(world):
    _all_denied(world, (
        "INSERT INTO layer_history (table_name, row_id, operation, db_user, row_data) "
        "VALUES ('need', 1, 'INSERT', 'x', '{}')",
        "UPDATE layer_history SET app_user = 'x'",
        "DELETE FROM layer_history",
    ))


def test_history_names_the_session_user_whatever_the_setting_says(world):
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, world.tokens["edit-a"])
        conn.execute(text("SELECT set_config('calmap.app_user', 'admin1', true)"))
        pin = conn.execute(
            text(
                "INSERT INTO resource (name, kind, category, area_id, geom) VALUES "
                "('Świetlica', 'ngo', 'ngo_organisation', :a, "
                "ST_SetSRID(ST_MakePoint(18.62, 54.33), 4326)) RETURNING id"
            ),
            {"a": world.area_a},
        ).scalar_one()
    author = _owner_sql(
        world.owner,
        "SELECT app_user FROM layer_history WHERE table_name = 'resource' AND row_id = :id",
        id=pin,
    )
    assert author == "edit-a"


# --- 200 cross-team writes ----------------------------------------------------------------

# Writes an editor of team A (or a viewer) must never get through. {B} is
# team B's area, {TB} team B, {PB} team B's partnership, {TA} team A.
CROSS_TEAM_WRITES = (
    "INSERT INTO need (name, category, source_method, area_id, geom) VALUES ('x', 'violence', "
    "'interview', {B}, ST_SetSRID(ST_MakePoint(18.71, 54.32), 4326))",
    "INSERT INTO resource (name, kind, category, area_id, geom) VALUES ('x', 'ngo', "
    "'ngo_organisation', {B}, ST_SetSRID(ST_MakePoint(18.71, 54.32), 4326))",
    "INSERT INTO partner (name, sector, area_id) VALUES ('x', 'ngo', {B})",
    "UPDATE need SET name = 'x' WHERE area_id = {B}",
    "UPDATE resource SET name = 'x' WHERE area_id = {B}",
    "UPDATE need SET area_id = {B} WHERE area_id = {A}",
    "UPDATE resource SET area_id = {B} WHERE area_id = {A}",
    "DELETE FROM need WHERE area_id = {B}",
    "DELETE FROM resource WHERE area_id = {B}",
    "UPDATE area SET name = 'x' WHERE id = {B}",
    "UPDATE area SET team_id = {TB} WHERE id = {A}",
    "DELETE FROM area WHERE id = {B}",
    "INSERT INTO area (name, kind, geom) VALUES ('x', 'estate', "
    "ST_Multi(ST_MakeEnvelope(18.8, 54.3, 18.85, 54.35, 4326)))",
    "UPDATE team SET name = 'x'",
    "INSERT INTO team (code, name) VALUES ('X', 'x')",
    "DELETE FROM team WHERE id = {TB}",
    "INSERT INTO team_member (team_id, user_id) SELECT {TB}, id FROM app_user "
    "WHERE username = 'edit-a'",
    "DELETE FROM team_member WHERE team_id = {TB}",
    "UPDATE partnership SET name = 'x'",
    "INSERT INTO partnership (name, team_id) VALUES ('x', {TB})",
    "DELETE FROM partnership WHERE id = {PB}",
    "INSERT INTO partnership_area (partnership_id, area_id) VALUES ({PB}, {A})",
    "INSERT INTO partnership_member (partnership_id, partner_id) "
    "SELECT {PB}, id FROM partner LIMIT 1",
    "INSERT INTO need_resource (need_id, resource_id) SELECT n.id, r.id FROM need n, "
    "resource r WHERE n.area_id = {B} AND r.area_id = {B} LIMIT 1",
    "UPDATE category SET label_pl = 'x'",
    "INSERT INTO category (vocabulary, code, label_pl, label_en) "
    "VALUES ('need_category', 'x', 'x', 'x')",
    "DELETE FROM category",
    "UPDATE app_user SET role = 'admin'",
    "UPDATE app_user SET password_hash = 'x'",
    "INSERT INTO app_user (username, role) VALUES ('x', 'admin')",
    "DELETE FROM snapshot",
    "INSERT INTO layer_history (table_name, row_id, operation, db_user) "
    "VALUES ('need', 1, 'DELETE', 'x')",
    "DELETE FROM layer_history",
    "UPDATE app_session SET user_id = 1",
    "INSERT INTO calmap_secret (name, value) VALUES ('x', 'x')",
    "DELETE FROM survey_wave",
    "UPDATE survey_response SET area_id = {B}",
)
# How an attacker dresses each write up.
DISGUISES = (
    "",
    "SELECT set_config('calmap.app_user', 'admin1', true)",
    "RESET ROLE",
    "SELECT set_config('calmap.session', 'forged', true)",
    "SET LOCAL ROLE calmap_app",
)


def _fingerprint(engine: Engine) -> dict[str, str]:
    """A digest of every table with user data, read by the owner."""
    tables = (
        "need", "resource", "partner", "area", "team", "team_member", "partnership",
        "partnership_area", "partnership_member", "need_resource", "category", "app_user",
        "snapshot", "layer_history", "calmap_secret", "survey_wave", "survey_response",
    )
    with engine.connect() as conn:
        return {
            table: conn.execute(
                text(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                     f"FROM {table} t")
            ).scalar_one()
            for table in tables
        }


def test_two_hundred_cross_team_writes_are_all_refused_by_the_database(world):
    before = _fingerprint(world.owner)
    attempts = succeeded = 0
    fill = _placeholders(world)
    for user in ("edit-a", "viewer1"):
        for write in CROSS_TEAM_WRITES:
            for disguise in DISGUISES:
                attempts += 1
                with world.runtime.connect() as conn:
                    trans = conn.begin()
                    _as(conn, world.tokens[user])
                    try:
                        if disguise:
                            conn.execute(text(disguise))
                        result = conn.execute(text(write.format(**fill)))
                        if result.rowcount and result.rowcount > 0:
                            succeeded += 1
                            print("GOT THROUGH:", user, disguise, write)
                    except DBAPIError:
                        pass
                    finally:
                        trans.rollback()
    print(f"cross-team writes attempted: {attempts}, got through: {succeeded}")
    assert attempts >= 200
    assert succeeded == 0
    assert _fingerprint(world.owner) == before


def test_an_editor_still_writes_in_their_own_team(world):
    own = _owner_sql(world.owner, "SELECT count(*) FROM need WHERE area_id = :a", a=world.area_a)
    with world.runtime.connect() as conn:
        trans = conn.begin()
        _as(conn, world.tokens["edit-a"])
        changed = conn.execute(
            text("UPDATE need SET name = name WHERE area_id = :a"), {"a": world.area_a}
        ).rowcount
        trans.rollback()
    assert changed == own > 0


def test_the_same_writes_go_through_for_an_administrator(world):
    """The refusals above are the policies' doing, not broken statements."""
    fill = _placeholders(world)
    through = 0
    for write in CROSS_TEAM_WRITES[:27]:
        with world.runtime.connect() as conn:
            trans = conn.begin()
            _as(conn, world.tokens["admin1"])
            try:
                through += bool(conn.execute(text(write.format(**fill))).rowcount)
            except DBAPIError as exc:
                print("admin refused:", write, str(exc.orig).splitlines()[0])
            finally:
                trans.rollback()
    assert through >= 24


# --- sign-in ---------------------------------------------------------------------------------


def _sign_in(world: World, username: str, password: str, client: str) -> sessions.SignIn:
    with world.runtime.connect() as conn, conn.begin():
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            return sessions.sign_in(session, username, password, client, 30)


def test_sign_in_opens_a_session_only_for_the_right_password(world):
    client = f"10.0.0.{next(_names)}"
    assert _sign_in(world, "viewer1", "wrong password", client).outcome == "wrong"
    ok = _sign_in(world, "Viewer1 ", PASSWORD, client)
    assert ok.outcome == "ok" and ok.token
    with world.runtime.connect() as conn, conn.begin():
        _as(conn, ok.token)
        assert conn.execute(text("SELECT calmap_username()")).scalar_one() == "viewer1"


def test_guessing_is_throttled_per_account_with_growing_delays(world):
    with world.owner.begin() as conn:
        accounts.add_user(_session(conn), "guessme", PASSWORD, "viewer")
    outcomes = [_sign_in(world, "guessme", f"guess {i}", f"10.1.{i}.1") for i in range(5)]
    assert [o.outcome for o in outcomes[:3]] == ["wrong"] * 3
    assert outcomes[3].outcome == "throttled" and outcomes[3].retry_after > 0
    # The right password right after the guesses waits too.
    right = _sign_in(world, "guessme", PASSWORD, "10.2.0.1")
    assert right.outcome == "throttled" and right.token is None
    logged = _owner_sql(
        world.owner,
        "SELECT string_agg(outcome, ',' ORDER BY id) FROM sign_in_attempt "
        "WHERE username = 'guessme'",
    )
    assert logged == "wrong,wrong,wrong,throttled,throttled,throttled"


def test_guessing_is_throttled_per_client_across_accounts(world):
    client = "10.9.9.9"
    outcomes = [_sign_in(world, f"nobody{i}", "guess", client).outcome for i in range(12)]
    assert outcomes[:10] == ["wrong"] * 10
    assert outcomes[10:] == ["throttled", "throttled"]


def test_an_unknown_account_looks_like_a_known_one(world):
    with world.runtime.connect() as conn:
        known = conn.execute(text("SELECT calmap_sign_in_salt('viewer1')")).scalar_one()
        unknown = conn.execute(text("SELECT calmap_sign_in_salt('nie-ma-takiego')")).scalar_one()
        again = conn.execute(text("SELECT calmap_sign_in_salt('nie-ma-takiego')")).scalar_one()
    params = known.rsplit("$", 1)[0]
    assert unknown.rsplit("$", 1)[0] == params
    assert unknown == again  # the same salt every time: no tell-tale randomness
    assert len(unknown.rsplit("$", 1)[1]) == len(known.rsplit("$", 1)[1])


def test_a_trusted_session_needs_the_key_and_a_fresh_proof(world):
    key = db.read_session_key(world.owner)
    with world.runtime.connect() as conn, conn.begin():
        from sqlalchemy.orm import Session

        session = Session(bind=conn)
        assert sessions.open_trusted(session, key, "admin1", "x", 30)
        assert sessions.open_trusted(session, b"wrong key" * 4, "admin1", "x", 30) is None
        stale = int(time.time()) - 600
        assert conn.execute(
            text("SELECT calmap_open_trusted_session('admin1', :t, :p, 'x', 30)"),
            {"t": stale, "p": sessions.trusted_proof(key, "admin1", stale)},
        ).scalar() is None


def _session(conn: Connection):  # noqa: ANN202 - a Session on the owner's connection
    from sqlalchemy.orm import Session

    return Session(bind=conn)
