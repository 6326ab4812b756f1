"""Read-only share links, through the app's runtime role: who makes them, what opening gives.

Everything that matters runs as ``calmap_runtime`` against a real PostGIS, as
``tests/test_trust_database.py`` does: the token kept only as a hash, the
expiry limits, PIN throttling and the log, revocation, and a share session
that sees the public pins of its scope and nothing else, and writes nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping import db
from mapping.errors import PermissionDenied, UserError
from mapping.services import accounts, share_links
from mapping.services.accounts import Actor
from mapping.services.share_links import Scope
from tests.conftest import _create_database, _drop_database, app_env, runtime_url
from tests.test_trust_database import CROSS_TEAM_WRITES, DISGUISES, _fingerprint

PASSWORD = "correct horse battery"
CITY = "Testowo"
_names = itertools.count()
_clients = itertools.count(1)


@dataclass
class World:
    """Two teams of one city; team A has an estate inside its district; pins of every kind."""

    url: str
    owner: Engine
    runtime: Engine
    team_a: int
    team_b: int
    area_a: int
    estate_a: int
    area_b: int
    partnership_a: int
    partnership_b: int
    tokens: dict[str, str]


def _client() -> str:
    """A client address of its own, so that one test's guesses throttle no other test."""
    return f"10.20.{next(_clients)}.1"


@pytest.fixture(scope="module")
def world(admin_url: str, template_url: str) -> Iterator[World]:
    name = f"calmap_share_{os.getpid()}_{next(_names)}"
    url = _create_database(admin_url, name, template="calmap_test_template")
    owner = create_engine(url)
    ids: dict[str, int] = {}
    with owner.begin() as conn:

        def area(label: str, team: int | None, x: float, parent: int | None = None) -> int:
            return conn.execute(
                text(
                    "INSERT INTO area (name, kind, team_id, parent_id, geom) VALUES (:n, "
                    ":k, :t, :p, ST_Multi(ST_MakeEnvelope(:x, 54.30, :x + 0.05, 54.35, 4326))) "
                    "RETURNING id"
                ),
                {"n": label, "k": "estate" if parent else "district", "t": team, "p": parent,
                 "x": x},
            ).scalar_one()

        for code in ("A", "B"):
            ids[f"team_{code}"] = conn.execute(
                text("INSERT INTO team (code, name, city) VALUES (:c, :n, :city) RETURNING id"),
                {"c": f"T-{code}", "n": f"Zespół {code}", "city": CITY},
            ).scalar_one()
        ids["area_A"] = area("Dzielnica A", ids["team_A"], 18.60)
        # An estate inside A's district with no team of its own: still team A's map.
        ids["estate_A"] = area("Osiedle A2", None, 18.80, parent=ids["area_A"])
        ids["area_B"] = area("Dzielnica B", ids["team_B"], 18.70)
        for key, x in (("area_A", 18.61), ("estate_A", 18.81), ("area_B", 18.71)):
            for visibility in ("public", "partnership", "team"):
                conn.execute(
                    text(
                        "INSERT INTO need (name, category, source_method, visibility, area_id, "
                        "geom) VALUES (:n, 'violence', 'interview', :v, :a, "
                        "ST_SetSRID(ST_MakePoint(:x, 54.32), 4326))"
                    ),
                    {"n": f"{visibility} {key}", "v": visibility, "a": ids[key], "x": x},
                )
                conn.execute(
                    text(
                        "INSERT INTO resource (name, kind, category, visibility, area_id, geom) "
                        "VALUES (:n, 'ngo', 'ngo_organisation', :v, :a, "
                        "ST_SetSRID(ST_MakePoint(:x, 54.32), 4326))"
                    ),
                    {"n": f"{visibility} {key}", "v": visibility, "a": ids[key], "x": x},
                )
        for code in ("A", "B"):
            ids[f"partnership_{code}"] = conn.execute(
                text("INSERT INTO partnership (name, team_id) VALUES (:n, :t) RETURNING id"),
                {"n": f"Partnerstwo {code}", "t": ids[f"team_{code}"]},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO partnership_area (partnership_id, area_id) VALUES (:p, :a)"),
                {"p": ids[f"partnership_{code}"], "a": ids[f"area_{code}"]},
            )
    with db.session_scope(owner) as session:
        accounts.add_user(session, "admin1", PASSWORD, "admin", display_name="Anna Admin")
        accounts.add_user(session, "edit-a", PASSWORD, "editor", ["T-A"])
        accounts.add_user(session, "edit-b", PASSWORD, "editor", ["T-B"])
        accounts.add_user(session, "viewer1", PASSWORD, "viewer")
    with owner.begin() as conn:
        tokens = {
            user: conn.execute(text("SELECT calmap_session_for(:u, 600)"), {"u": user}).scalar_one()
            for user in ("admin1", "edit-a", "edit-b", "viewer1")
        }
    runtime = create_engine(runtime_url(url))
    yield World(
        url, owner, runtime, ids["team_A"], ids["team_B"], ids["area_A"], ids["estate_A"],
        ids["area_B"], ids["partnership_A"], ids["partnership_B"], tokens,
    )
    runtime.dispose()
    owner.dispose()
    _drop_database(admin_url, name)


@contextmanager
def acting(world: World, token: str | None) -> Iterator[tuple[Session, Actor | None]]:
    """One committed transaction on the runtime role, acting for the session ``token``."""
    with world.runtime.connect() as conn, conn.begin():
        db.use_session(conn, token)
        with Session(bind=conn) as session:
            yield session, accounts.current_actor(session)


def make_link(world: World, user: str, scope: Scope, **kwargs: object) -> share_links.CreatedLink:
    """A link made by ``user`` through the runtime role, committed."""
    with acting(world, world.tokens[user]) as (session, actor):
        assert actor is not None
        return share_links.create(session, actor, scope, **kwargs)  # type: ignore[arg-type]


def owner_sql(world: World, sql: str, **params: object) -> object:
    with world.owner.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.scalar() if result.returns_rows else None


def opening_log(world: World, link_id: int) -> list[str]:
    with world.owner.connect() as conn:
        return list(conn.execute(
            text("SELECT outcome FROM share_link_opening WHERE link_id = :l ORDER BY id"),
            {"l": link_id},
        ).scalars())


def refusal(world: World, token: str, pin: str | None = None, client: str | None = None) -> str:
    """The message key an opening is refused with (fails when it opens)."""
    with pytest.raises(UserError) as caught:
        share_links.open_link(world.runtime, token, pin, client or _client())
    return caught.value.key


# --- making links ----------------------------------------------------------------------------


def test_the_token_is_long_and_random_and_only_its_hash_is_stored(world):
    made = make_link(world, "admin1", Scope("area", world.area_a), pin="4711")
    other = make_link(world, "admin1", Scope("area", world.area_a))
    assert len(made.token) >= 43 and made.token != other.token  # 256 bits, URL-safe
    stored = owner_sql(world, "SELECT token_hash FROM share_link WHERE id = :i", i=made.link.id)
    assert bytes(stored) == hashlib.sha256(made.token.encode()).digest()
    row_text = owner_sql(world, "SELECT row_to_json(l)::text FROM share_link l WHERE id = :i",
                         i=made.link.id)
    assert made.token not in row_text and "4711" not in row_text
    assert owner_sql(world, "SELECT pin_hash LIKE '$2%' FROM share_link WHERE id = :i",
                     i=made.link.id)
    # Not even an administrator's session reads the hashes.
    for column in ("token_hash", "pin_hash", "*"):
        with acting(world, world.tokens["admin1"]) as (session, _):
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(f"SELECT {column} FROM share_link"))


def test_a_link_lasts_thirty_days_unless_told_and_never_more_than_a_year(world):
    made = make_link(world, "admin1", Scope("team", world.team_a))
    assert (made.link.expires_at - made.link.created_at).days == 30
    longest = make_link(world, "admin1", Scope("team", world.team_a), expires_in_days=365)
    assert (longest.link.expires_at - longest.link.created_at).days == 365
    for days in (366, 0, -1):
        with pytest.raises(UserError) as caught:
            make_link(world, "admin1", Scope("team", world.team_a), expires_in_days=days)
        assert caught.value.key == "share.bad_expiry"
    # The database holds the limit whatever the code does, even for the owner.
    with pytest.raises(DBAPIError, match="ck_share_link_expiry"):
        owner_sql(world, "UPDATE share_link SET expires_at = created_at + interval '366 days' "
                  "WHERE id = :i", i=made.link.id)
    with pytest.raises(DBAPIError, match="ck_share_link_expiry"):
        owner_sql(world, "INSERT INTO share_link (token_hash, scope_kind, scope_id, expires_at) "
                  "VALUES (sha256('x'), 'team', :t, now() + interval '2 years')", t=world.team_a)


def test_an_editor_shares_their_own_teams_scopes_only(world):
    allowed = (
        Scope("team", world.team_a),
        Scope("area", world.area_a),
        Scope("area", world.estate_a),  # inside team A's district
        Scope("partnership", world.partnership_a),
    )
    for scope in allowed:
        made = make_link(world, "edit-a", scope)
        assert made.link.created_by == "edit-a"
    refused = (
        Scope("team", world.team_b),
        Scope("area", world.area_b),
        Scope("partnership", world.partnership_b),
        Scope("city", city=CITY),
    )
    for scope in refused:
        with pytest.raises(PermissionDenied):
            make_link(world, "edit-a", scope)


def test_the_database_refuses_an_editors_link_to_another_team_or_in_someone_elses_name(world):
    admin_id = owner_sql(world, "SELECT id FROM app_user WHERE username = 'admin1'")
    writes = (
        f"INSERT INTO share_link (token_hash, scope_kind, scope_id) VALUES "
        f"(sha256('a'), 'area', {world.area_b})",
        f"INSERT INTO share_link (token_hash, scope_kind, scope_id) VALUES "
        f"(sha256('b'), 'team', {world.team_b})",
        f"INSERT INTO share_link (token_hash, scope_kind, scope_id) VALUES "
        f"(sha256('c'), 'partnership', {world.partnership_b})",
        "INSERT INTO share_link (token_hash, scope_kind, scope_city) VALUES "
        f"(sha256('d'), 'city', '{CITY}')",
        f"INSERT INTO share_link (token_hash, scope_kind, scope_id, created_by) VALUES "
        f"(sha256('e'), 'area', {world.area_a}, {admin_id})",
    )
    for user in ("edit-a", "viewer1"):
        for sql in writes:
            with world.runtime.connect() as conn, conn.begin():
                db.use_session(conn, world.tokens[user])
                with pytest.raises(DBAPIError, match="row-level security"):
                    conn.execute(text(sql))


def test_a_scope_that_does_not_exist_cannot_be_shared(world):
    for scope in (Scope("area", 999_999), Scope("city", city="Atlantyda")):
        with pytest.raises(UserError) as caught:
            make_link(world, "admin1", scope)
        assert caught.value.key == "share.unknown_scope"
    for bad in ((lambda: Scope("city", 1)), (lambda: Scope("area")), (lambda: Scope("x", 1))):
        with pytest.raises(UserError, match="share"):
            bad()


# --- listing and revoking ----------------------------------------------------------------------


def test_links_are_listed_with_scope_creator_expiry_and_last_use(world):
    made = make_link(world, "admin1", Scope("area", world.area_a), label="Spotkanie 12.06")
    share_links.open_link(world.runtime, made.token, None, _client())
    with acting(world, world.tokens["admin1"]) as (session, actor):
        listed = {link.id: link for link in share_links.list_links(session, actor)}
    link = listed[made.link.id]
    assert link.scope == Scope("area", world.area_a)
    assert link.scope_name == "Dzielnica A"
    assert link.created_by == "Anna Admin"
    assert link.label == "Spotkanie 12.06"
    assert link.last_used_at is not None and link.expires_at > link.last_used_at
    assert link.status() == "active" and not link.has_pin


def test_an_editor_lists_and_revokes_only_their_teams_links(world):
    own = make_link(world, "admin1", Scope("area", world.estate_a))
    foreign = make_link(world, "admin1", Scope("area", world.area_b))
    with acting(world, world.tokens["edit-a"]) as (session, actor):
        listed = {link.id for link in share_links.list_links(session, actor)}
        raw = set(session.execute(text("SELECT id FROM share_link")).scalars())
        assert own.link.id in listed and foreign.link.id not in listed
        assert own.link.id in raw and foreign.link.id not in raw
        with pytest.raises(UserError):
            share_links.revoke(session, actor, foreign.link.id)
        changed = session.execute(
            text("UPDATE share_link SET revoked_at = now() WHERE id = :i"), {"i": foreign.link.id}
        ).rowcount
        assert changed == 0
        revoked = share_links.revoke(session, actor, own.link.id)
    assert revoked.status() == "revoked"
    assert owner_sql(world, "SELECT revoked_at IS NULL FROM share_link WHERE id = :i",
                     i=foreign.link.id)
    # Revoking is for good: not even an administrator's session takes it back.
    with acting(world, world.tokens["admin1"]) as (session, _):
        assert session.execute(
            text("UPDATE share_link SET revoked_at = NULL WHERE id = :i"), {"i": own.link.id}
        ).rowcount == 0


def test_a_viewer_cannot_list_make_or_revoke_links(world):
    made = make_link(world, "admin1", Scope("team", world.team_a))
    with acting(world, world.tokens["viewer1"]) as (session, actor):
        assert actor is not None
        with pytest.raises(PermissionDenied):
            share_links.list_links(session, actor)
        with pytest.raises(PermissionDenied):
            share_links.revoke(session, actor, made.link.id)
        with pytest.raises(PermissionDenied):
            share_links.create(session, actor, Scope("team", world.team_a))
        assert session.execute(text("SELECT count(*) FROM share_link")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM share_link_opening")).scalar_one() == 0


# --- opening -----------------------------------------------------------------------------------


def test_a_wrong_pin_is_throttled_and_every_guess_is_logged(world):
    made = make_link(world, "admin1", Scope("area", world.area_a), pin="4711")
    assert refusal(world, made.token) == "share.pin_needed"
    # Twenty guesses from twenty addresses: the link itself is throttled.
    keys = [refusal(world, made.token, f"{i:04d}") for i in range(20)]
    assert keys[:3] == ["share.wrong_pin"] * 3
    assert set(keys[3:]) == {"share.throttled"}
    with pytest.raises(UserError) as caught:
        share_links.open_link(world.runtime, made.token, "4711", _client())
    assert caught.value.key == "share.throttled" and caught.value.params["seconds"] > 0
    assert opening_log(world, made.link.id) == (
        ["pin_needed"] + ["wrong_pin"] * 3 + ["throttled"] * 18
    )


def test_the_right_pin_opens_the_link(world):
    made = make_link(world, "admin1", Scope("area", world.area_a), pin="4711")
    assert refusal(world, made.token, "0000") == "share.wrong_pin"
    opened = share_links.open_link(world.runtime, made.token, "4711", _client())
    assert opened.scope == Scope("area", world.area_a)
    assert opening_log(world, made.link.id) == ["wrong_pin", "opened"]


def test_guessing_tokens_is_throttled_per_client(world):
    client = _client()
    keys = [refusal(world, f"guess-{i}", None, client) for i in range(12)]
    assert keys[:10] == ["share.unknown"] * 10
    assert keys[10:] == ["share.throttled"] * 2
    logged = owner_sql(world, "SELECT string_agg(outcome, ',' ORDER BY id) FROM "
                       "share_link_opening WHERE client = :c", c=client)
    assert logged == ",".join(["unknown"] * 10 + ["throttled"] * 2)


def test_revoked_and_expired_links_refuse_at_once_and_end_their_views(world):
    made = make_link(world, "admin1", Scope("area", world.area_a))
    opened = share_links.open_link(world.runtime, made.token, None, _client())
    with acting(world, opened.session_token) as (session, _):
        assert share_links.current_scope(session) == Scope("area", world.area_a)
    with acting(world, world.tokens["admin1"]) as (session, actor):
        share_links.revoke(session, actor, made.link.id)
    assert refusal(world, made.token) == "share.revoked"
    # The view opened before sees nothing from the moment of revocation.
    with acting(world, opened.session_token) as (session, _):
        assert share_links.current_scope(session) is None
        assert session.execute(text("SELECT count(*) FROM area")).scalar_one() == 0
        with pytest.raises(UserError) as caught:
            share_links.shared_area_ids(session)
        assert caught.value.key == "share.session_over"

    old = make_link(world, "admin1", Scope("area", world.area_a))
    view = share_links.open_link(world.runtime, old.token, None, _client())
    owner_sql(world, "UPDATE share_link SET created_at = now() - interval '40 days', "
              "expires_at = now() - interval '10 days' WHERE id = :i", i=old.link.id)
    assert refusal(world, old.token) == "share.expired"
    with acting(world, view.session_token) as (session, _):
        assert session.execute(text("SELECT count(*) FROM need")).scalar_one() == 0
    assert opening_log(world, made.link.id) == ["opened", "revoked"]
    assert opening_log(world, old.link.id) == ["opened", "expired"]


def test_every_opening_is_logged_with_its_client(world):
    made = make_link(world, "admin1", Scope("team", world.team_b))
    client = _client()
    share_links.open_link(world.runtime, made.token, None, client)
    share_links.open_link(world.runtime, made.token, None, client)
    with world.owner.connect() as conn:
        rows = conn.execute(
            text("SELECT client, outcome FROM share_link_opening WHERE link_id = :l ORDER BY id"),
            {"l": made.link.id},
        ).all()
        used = conn.execute(
            text("SELECT last_used_at FROM share_link WHERE id = :i"), {"i": made.link.id}
        ).scalar_one()
    assert [tuple(row) for row in rows] == [(client, "opened"), (client, "opened")]
    assert used is not None
    # Admins see the log through the runtime role; an editor of the other team does not.
    with acting(world, world.tokens["admin1"]) as (session, _):
        assert session.execute(text("SELECT count(*) FROM share_link_opening WHERE link_id = :l"),
                               {"l": made.link.id}).scalar_one() == 2
    with acting(world, world.tokens["edit-a"]) as (session, _):
        assert session.execute(text("SELECT count(*) FROM share_link_opening WHERE link_id = :l"),
                               {"l": made.link.id}).scalar_one() == 0


# --- what a share session sees and does ------------------------------------------------------


def _open(world: World, scope: Scope) -> str:
    made = make_link(world, "admin1", scope)
    return share_links.open_link(world.runtime, made.token, None, _client()).session_token


def test_a_share_session_is_a_viewer_with_no_account_and_no_team(world):
    token = _open(world, Scope("team", world.team_a))
    with acting(world, token) as (session, actor):
        assert actor is None
        row = session.execute(text(
            "SELECT calmap_user_role(), calmap_user_id(), calmap_username(), calmap_team_ids(), "
            "calmap_team_area_ids()"
        )).one()
    assert tuple(row) == ("viewer", None, None, [], [])


def test_a_share_session_sees_public_pins_only_even_in_its_own_scope(world):
    token = _open(world, Scope("area", world.area_a))
    with acting(world, token) as (session, _):
        for table in ("need", "resource"):
            seen = set(session.execute(text(f"SELECT DISTINCT visibility FROM {table}")).scalars())
            assert seen == {"public"}, table
        for table in ("app_user", "team_member", "layer_history", "share_link",
                      "share_link_opening", "survey_wave", "survey_response", "submitted_form"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
        overview = share_links.shared_overview(session)
    names = {layer: set(frame["name"]) for layer, frame in overview.pins.items()}
    assert names["need"] == {"public area_A", "public estate_A"}
    assert names["resource"] == {"public area_A", "public estate_A"}
    assert set(overview.areas["id"]) == {world.area_a, world.estate_a}
    # A viewer with an account still sees partnership pins: the narrowing is the link's.
    with acting(world, world.tokens["viewer1"]) as (session, _):
        seen = set(session.execute(text("SELECT DISTINCT visibility FROM need")).scalars())
    assert seen == {"public", "partnership"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("team", {"area_a", "estate_a"}),
        ("area", {"area_a", "estate_a"}),
        ("partnership", {"area_b"}),
        ("city", {"area_a", "estate_a", "area_b"}),
    ],
)
def test_the_scope_functions_show_the_links_scope_and_nothing_else(world, kind, expected):
    scope = {
        "team": Scope("team", world.team_a),
        "area": Scope("area", world.area_a),
        "partnership": Scope("partnership", world.partnership_b),
        "city": Scope("city", city=CITY),
    }[kind]
    token = _open(world, scope)
    with acting(world, token) as (session, _):
        assert share_links.current_scope(session) == scope
        ids = share_links.shared_area_ids(session)
        overview = share_links.shared_overview(session)
    assert set(ids) == {getattr(world, name) for name in expected}
    assert set(overview.pin_area_ids) == set(ids)
    pinned = {int(a) for frame in overview.pins.values() for a in frame["area_id"].dropna()}
    assert pinned <= set(ids)


def test_a_share_session_is_kept_open_only_while_its_link_is(world):
    made = make_link(world, "admin1", Scope("partnership", world.partnership_a))
    opened = share_links.open_link(world.runtime, made.token, None, _client(), minutes=5)
    with acting(world, opened.session_token) as (session, _):
        assert share_links.keep_open(session, 60) == Scope("partnership", world.partnership_a)
    ends = owner_sql(world, "SELECT expires_at - now() FROM app_session WHERE share_link_id = :l",
                     l=made.link.id)
    assert 59 * 60 < ends.total_seconds() <= 3600
    # Never past the link's own expiry.
    owner_sql(world, "UPDATE share_link SET expires_at = now() + interval '10 minutes' "
              "WHERE id = :i", i=made.link.id)
    with acting(world, opened.session_token) as (session, _):
        assert share_links.keep_open(session, 600) is not None
    ends = owner_sql(world, "SELECT expires_at - now() FROM app_session WHERE share_link_id = :l",
                     l=made.link.id)
    assert ends.total_seconds() <= 600
    with acting(world, world.tokens["admin1"]) as (session, actor):
        share_links.revoke(session, actor, made.link.id)
    with acting(world, opened.session_token) as (session, _):
        assert share_links.keep_open(session, 60) is None


def test_the_log_and_the_throttle_are_out_of_the_runtime_roles_reach(world):
    for sql in (
        "SELECT calmap_share_wait(1, 'x')",
        "INSERT INTO share_link_opening (link_id, client, outcome) VALUES (NULL, 'x', 'opened')",
        "DELETE FROM share_link_opening",
        "UPDATE share_link_opening SET outcome = 'opened'",
        "DELETE FROM share_link",
        "UPDATE share_link SET expires_at = now() + interval '1 day'",
        "UPDATE share_link SET scope_id = 1",
        "INSERT INTO app_session (token_hash, share_link_id, expires_at) "
        "SELECT sha256('x'), id, now() + interval '1 day' FROM share_link LIMIT 1",
    ):
        with acting(world, world.tokens["admin1"]) as (session, _):
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(sql))


def test_a_persons_session_has_no_share_scope(world):
    with acting(world, world.tokens["admin1"]) as (session, _):
        assert share_links.current_scope(session) is None
        with pytest.raises(UserError):
            share_links.shared_overview(session)


def test_a_share_session_writes_nothing(world):
    token = _open(world, Scope("area", world.area_a))
    fill = {"A": world.area_a, "B": world.area_b, "TA": world.team_a, "TB": world.team_b,
            "PB": world.partnership_b}
    own_scope = (
        "UPDATE need SET name = 'x' WHERE area_id = {A}",
        "DELETE FROM resource WHERE area_id = {A}",
        "INSERT INTO share_link (token_hash, scope_kind, scope_id) VALUES (sha256('s'), "
        "'area', {A})",
        "UPDATE share_link SET revoked_at = now()",
        "INSERT INTO snapshot (name, on_date, taken_at) VALUES ('x', now(), now())",
    )
    before = _fingerprint(world.owner)
    through = attempts = 0
    for write in (*CROSS_TEAM_WRITES, *own_scope):
        for disguise in DISGUISES:
            attempts += 1
            with world.runtime.connect() as conn:
                trans = conn.begin()
                db.use_session(conn, token)
                try:
                    if disguise:
                        conn.execute(text(disguise))
                    result = conn.execute(text(write.format(**fill)))
                    through += bool(result.rowcount and result.rowcount > 0)
                except DBAPIError:
                    pass
                finally:
                    trans.rollback()
    assert attempts >= 200
    assert through == 0
    assert _fingerprint(world.owner) == before


# --- the command line ----------------------------------------------------------------------


def calmap(world: World, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    env.update(app_env(world.url), CALMAP_PUBLIC_URL="https://mapa.example.pl")
    return subprocess.run(
        [sys.executable, "-m", "mapping.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False, input=stdin,
    )


def test_the_command_line_creates_lists_and_revokes_links(world):
    made = calmap(world, "share", "create", "--area", "Dzielnica A", "--days", "7", "--pin",
                  "--label", "Rada osiedla", stdin="2468\n")
    assert made.returncode == 0, made.stderr
    first, token_line, url = made.stdout.splitlines()
    link_id = int(first.split()[2].rstrip(":"))
    token = token_line.split(": ")[1]
    assert url == f"https://mapa.example.pl/?share={token}"
    assert "with a PIN" in first
    assert share_links.open_link(world.runtime, token, "2468", _client()).link_id == link_id

    listed = calmap(world, "share", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if row.startswith(f"{link_id}\t"))
    assert "\tactive\tarea " in line and "Rada osiedla" in line and line.endswith("\tyes")
    assert token not in listed.stdout

    # As an editor of the other team, through the runtime role: refused.
    refused = calmap(world, "share", "revoke", str(link_id), "--user", "edit-b")
    assert refused.returncode == 1 and refused.stderr.startswith("calmap: ")
    foreign = calmap(world, "share", "create", "--team", "T-A", "--user", "edit-b")
    assert foreign.returncode == 1, foreign.stdout
    revoked = calmap(world, "share", "revoke", str(link_id), "--user", "edit-a")
    assert revoked.returncode == 0, revoked.stderr
    assert refusal(world, token, "2468") == "share.revoked"

