"""Local accounts: argon2 passwords, roles, teams, and the `calmap user` commands."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from mapping import db
from mapping.db import sessions
from mapping.db.models import AppUser, Team
from mapping.errors import UserError
from mapping.services import accounts
from tests.test_cli import calmap

PASSWORD = "correct horse battery"
_clients = itertools.count()


def signs_in(session, username, password):
    """The role of the account a sign-in opens a session for, else None (the database checks)."""
    result = sessions.sign_in(session, username, password, f"test-{next(_clients)}", 30)
    if result.outcome != "ok":
        return None
    with db.acting_for(result.token):
        db.use_session(session, result.token)
        actor = accounts.current_actor(session)
        db.use_session(session, None)
    return actor


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(session):
    accounts.add_user(session, "anna", PASSWORD, "viewer")
    stored = session.scalar(select(AppUser.password_hash).where(AppUser.username == "anna"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert signs_in(session, "anna", PASSWORD).role == "viewer"
    assert signs_in(session, "Anna ", PASSWORD) is not None
    assert signs_in(session, "anna", "wrong password!") is None
    assert signs_in(session, "nobody", PASSWORD) is None


def test_a_disabled_account_cannot_sign_in(session):
    accounts.add_user(session, "bob", PASSWORD, "editor")
    accounts.set_active(session, "bob", False)
    assert signs_in(session, "bob", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "password", "role", "key"),
    [
        ("x", PASSWORD, "viewer", "account.bad_username"),
        ("<script>", PASSWORD, "viewer", "account.bad_username"),
        ("celina", "short", "viewer", "account.short_password"),
        ("celina", PASSWORD, "superuser", "account.bad_role"),
    ],
)
def test_bad_account_details_are_refused(session, name, password, role, key):
    with pytest.raises(UserError) as info:
        accounts.add_user(session, name, password, role)
    assert info.value.key == key


def test_an_editor_belongs_to_teams(session):
    session.add(Team(code="ztps7", name="ZTPS 7 – Nadodrze"))
    session.flush()
    actor = accounts.add_user(session, "dorota", PASSWORD, "editor", ["ztps7"])
    team_id = session.scalar(select(Team.id).where(Team.code == "ztps7"))
    assert actor.team_ids == {team_id}
    assert actor.may_edit_team(team_id) and not actor.may_edit_team(team_id + 1)
    with pytest.raises(UserError) as info:
        accounts.add_user(session, "edek", PASSWORD, "editor", ["no-such-team"])
    assert info.value.key == "account.unknown_team"


def test_the_user_commands_read_the_password_from_stdin(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO team (code, name) VALUES ('ztps10', 'ZTPS 10')"))
    added = calmap(
        fresh_db_url,
        "user",
        "add",
        "jan",
        "--role",
        "editor",
        "--team",
        "ztps10",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert calmap(fresh_db_url, "user", "list").stdout.splitlines() == [
        "jan\teditor\tactive\tztps10"
    ]
    assert calmap(fresh_db_url, "user", "passwd", "jan", stdin="another long one\n").returncode == 0
    with Session(engine) as session, session.begin():
        assert signs_in(session, "jan", "another long one") is not None
    assert calmap(fresh_db_url, "user", "disable", "jan").returncode == 0
    assert calmap(fresh_db_url, "user", "list").stdout.splitlines() == [
        "jan\teditor\tdisabled\tztps10"
    ]
    short = calmap(fresh_db_url, "user", "add", "kasia", stdin="short\n")
    assert short.returncode == 1
    assert short.stderr.strip() == "calmap: The password must have at least 10 characters."
    engine.dispose()


def test_an_account_for_the_citys_identity_provider_has_no_password(fresh_db_url):
    added = calmap(fresh_db_url, "user", "add", "anna@mops.example.pl", "--no-password")
    assert added.returncode == 0, added.stderr
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        assert accounts.actor_for(session, "anna@mops.example.pl").role == "viewer"
        assert signs_in(session, "anna@mops.example.pl", "") is None
    engine.dispose()
