"""`calmap db backup` and `calmap db restore`: every row, the history, the policies and grants back.

A database with the demo city and some edits is backed up from the test
server, restored into an empty database and into a fresh embedded data
directory, and compared table by table, row by row (geometries as EWKB).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from mapping import db
from mapping.cli.common import CLI_ACTOR
from mapping.cli.main import app
from mapping.db import backup
from mapping.db.embedded_postgres import Cluster
from mapping.services import accounts, snapshots
from tests.conftest import DEMO, _create_database, _drop_database


@dataclass(frozen=True)
class Ran:
    """How one ``calmap`` command ended."""

    returncode: int
    stdout: str
    stderr: str


def run(env: dict[str, str], *args: str) -> Ran:
    """``calmap ARGS`` in this process with only the given CALMAP_ settings, English messages."""
    settings: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CALMAP_")}
    settings.update({"CALMAP_LANGUAGE": "en", **env})
    result = CliRunner().invoke(app, list(args), env=settings)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def run_process(env: dict[str, str], *args: str) -> Ran:
    """``calmap ARGS`` as its own process, as an administrator runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    done = subprocess.run(
        [sys.executable, "-m", "mapping.cli.main", *args], capture_output=True, text=True,
        env={**clean, "CALMAP_LANGUAGE": "en", **env}, timeout=600, check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def on(url: str) -> dict[str, str]:
    return {"CALMAP_DATABASE_URL": url}


def snapshot_of(url: str) -> dict[str, object]:
    """Everything a restore must bring back: rows, sequences, policies, grants, RLS, triggers."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, object] = {}
            for table in backup.own_tables(conn):
                columns = conn.execute(text(
                    "SELECT column_name, udt_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = :t ORDER BY ordinal_position"
                ), {"t": table}).all()
                picked = ", ".join(
                    f'ST_AsEWKB("{name}")' if kind == "geometry" else f'"{name}"'
                    for name, kind in columns
                )
                rows = conn.execute(text(f'SELECT {picked} FROM "{table}"')).all()
                found[table] = sorted((tuple(row) for row in rows), key=repr)
            found["sequences"] = conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
            )).all()
            found["policies"] = conn.execute(text(
                "SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check "
                "FROM pg_policies ORDER BY 1, 2"
            )).all()
            found["grants"] = conn.execute(text(
                "SELECT grantor, grantee, table_name, privilege_type, is_grantable "
                "FROM information_schema.role_table_grants WHERE table_schema = 'public' "
                "ORDER BY 1, 2, 3, 4"
            )).all()
            found["row_security"] = conn.execute(text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1"
            )).all()
            found["triggers"] = conn.execute(text(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
                "ORDER BY 1, 2"
            )).all()
    finally:
        engine.dispose()
    return found


def visible_to_the_viewer(url: str) -> int:
    """How many resources the viewer added to the source sees, signed in."""
    engine = create_engine(url)
    try:
        with db.session_scope(engine, "anna.kowalska", restricted=True) as session:
            return session.scalar(text("SELECT count(*) FROM resource"))
    finally:
        engine.dispose()


def assert_same(restored: dict[str, object], original: dict[str, object]) -> None:
    assert sorted(restored) == sorted(original)
    for key in original:
        assert restored[key] == original[key], key


def empty_database(admin_url: str, name: str) -> str:
    """A new database made from template1: no PostGIS, no tables."""
    return _create_database(admin_url, name)


@pytest.fixture(scope="module")
def source(admin_url, demo_db_url, tmp_path_factory):
    """The demo city plus edits (renamed, retired, a snapshot, an account), and its backup."""
    name = "calmap_test_backup_source"
    url = _create_database(admin_url, name, template=DEMO)
    engine = create_engine(url)
    with db.session_scope(engine, "calmap-cli") as session:
        session.execute(text(
            "UPDATE resource SET name = name || ' – zmieniono', version = version + 1 "
            "WHERE id IN (SELECT id FROM resource ORDER BY id LIMIT 3)"
        ))
        session.execute(text(
            "UPDATE partner SET retired_at = now() WHERE id = (SELECT min(id) FROM partner)"
        ))
        session.execute(text("DELETE FROM need_resource WHERE need_id = "
                             "(SELECT min(need_id) FROM need_resource)"))
        snapshots.create_snapshot(session, CLI_ACTOR, "Czerwiec 2026")
        accounts.add_user(session, "anna.kowalska", "correct horse battery", "viewer")
    engine.dispose()
    folder = tmp_path_factory.mktemp("backup")
    path = folder / "calmap.backup"
    made = run_process(on(url), "db", "backup", str(path))
    assert made.returncode == 0, made.stderr
    yield url, path, snapshot_of(url)
    _drop_database(admin_url, name)


def test_the_source_has_history_and_every_layer(source):
    _, _, original = source
    edits = [row for row in original["layer_history"] if "zmieniono" in repr(row)]
    assert len(edits) == 3
    assert len(original["area"]) > 50 and len(original["resource"]) > 50
    assert original["policies"] and original["grants"]


def test_the_backup_is_readable_by_its_owner_only(source):
    _, path, _ = source
    info = path.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_uid == os.geteuid()
    assert path.read_bytes()[:5] == b"PGDMP"
    assert [p.name for p in path.parent.iterdir()] == ["calmap.backup"]


def test_a_restore_into_an_empty_database_gives_every_row_policy_and_grant_back(
    admin_url, source
):
    _, path, original = source
    url = empty_database(admin_url, "calmap_test_backup_target")
    try:
        done = run(on(url), "db", "restore", str(path))
        assert done.returncode == 0, done.stderr
        assert f"{len(original['layer_history'])} history entries" in done.stdout
        assert_same(snapshot_of(url), original)
        # The app works on it: a signed-in viewer sees what row-level security lets through.
        seen = [visible_to_the_viewer(u) for u in (url, source[0])]
        assert seen[0] == seen[1] and 0 < seen[0] < len(original["resource"])
    finally:
        _drop_database(admin_url, "calmap_test_backup_target")


def test_a_backup_over_an_old_file_makes_it_private_and_a_failed_one_keeps_it(tmp_path, source):
    url, _, _ = source
    path = tmp_path / "old.backup"
    path.write_bytes(b"old")
    path.chmod(0o644)
    failed = run(on("postgresql+psycopg://nobody:secret@127.0.0.1:9/none"), "db", "backup",
                 str(path))
    assert failed.returncode == 1
    assert failed.stderr.startswith("calmap: pg_dump failed and no file was written:")
    assert "secret" not in failed.stderr
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["old.backup"]
    made = run(on(url), "db", "backup", str(path))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes()[:5] == b"PGDMP"


def test_a_restore_onto_a_fresh_embedded_data_directory_and_back(admin_url, source):
    _, path, original = source
    # Under /tmp and open to `postgres`, who runs the embedded server when we are root.
    data_dir = Path(tempfile.mkdtemp(prefix="calmap-restore-"))
    data_dir.chmod(0o755)
    embedded = {"CALMAP_DATA_DIR": str(data_dir)}
    target = "calmap_test_backup_from_embedded"
    try:
        done = run(embedded, "db", "restore", str(path))
        assert done.returncode == 0, done.stderr
        restored = Cluster(data_dir).url()
        assert_same(snapshot_of(restored), original)
        # A new cluster has no calmap_app: the restore made it, without a login.
        engine = create_engine(restored)
        with engine.connect() as conn:
            assert conn.scalar(text(
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'calmap_app'"
            )) is False
        engine.dispose()
        # And a backup of the embedded cluster (pg_dump run as `postgres`) restores elsewhere.
        again = data_dir / "again.backup"
        made = run(embedded, "db", "backup", str(again))
        assert made.returncode == 0, made.stderr
        assert stat.S_IMODE(again.stat().st_mode) == 0o600
        assert again.stat().st_uid == os.geteuid()
        url = empty_database(admin_url, target)
        back = run(on(url), "db", "restore", str(again))
        assert back.returncode == 0, back.stderr
        assert_same(snapshot_of(url), original)
    finally:
        run(embedded, "db", "stop")
        _drop_database(admin_url, target)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_a_database_with_tables_is_not_overwritten_unless_forced(fresh_db_url, source):
    _, path, original = source
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO team (code, name) VALUES ('tylko-tu', 'Zespół docelowy')"))
    refused = run(on(fresh_db_url), "db", "restore", str(path))
    assert refused.returncode == 1
    assert refused.stderr.startswith("calmap: the database already holds tables (")
    assert "--force" in refused.stderr
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM area")) == 0
        assert conn.scalar(text("SELECT code FROM team")) == "tylko-tu"
    in_polish = run({**on(fresh_db_url), "CALMAP_LANGUAGE": "pl"}, "db", "restore", str(path))
    assert in_polish.returncode == 1
    assert in_polish.stderr.startswith("calmap: baza danych zawiera już tabele (")
    engine.dispose()

    forced = run(on(fresh_db_url), "db", "restore", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert_same(snapshot_of(fresh_db_url), original)


@pytest.mark.parametrize("damage", ["truncated", "cut_short", "garbage", "empty"])
def test_a_damaged_backup_is_refused_clearly_and_leaves_the_target_empty(
    admin_url, source, tmp_path, damage
):
    _, path, _ = source
    whole = path.read_bytes()
    content = {
        # The table of contents is whole; the data stops in the middle.
        "truncated": whole[: len(whole) * 2 // 3],
        "cut_short": whole[:2000],
        "garbage": os.urandom(4096),
        "empty": b"",
    }[damage]
    broken = tmp_path / "broken.backup"
    broken.write_bytes(content)
    name = f"calmap_test_backup_{damage}"
    url = empty_database(admin_url, name)
    try:
        result = run(on(url), "db", "restore", str(broken))
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        if damage == "truncated":
            assert lines[0].startswith(f"calmap: restoring {broken} failed and the database "
                                       "was not changed: ")
        else:
            assert lines[0].startswith(f"calmap: {broken} is not a calmap backup (pg_restore: ")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert backup.own_tables(conn) == []
            postgis = "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
            assert conn.scalar(text(postgis)) == 0
        engine.dispose()
    finally:
        _drop_database(admin_url, name)


def test_a_missing_file_is_named():
    result = run({"CALMAP_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"},
                 "db", "restore", "/nonexistent/calmap.backup")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "calmap: there is no file /nonexistent/calmap.backup: give a file written by "
        "'calmap db backup'"
    )


def test_roles_are_created_nologin_once_and_the_list_can_grow(admin_url):
    extra = backup.Role(f"calmap_test_role_{os.getpid()}")
    engine = create_engine(admin_url)
    try:
        with engine.begin() as conn:
            assert backup.ensure_roles(conn, (*backup.ROLES, extra)) == [extra.name]
        with engine.begin() as conn:
            assert backup.ensure_roles(conn, (*backup.ROLES, extra)) == []
            login = conn.scalar(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                                {"r": extra.name})
        assert login is False
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{extra.name}"'))
        engine.dispose()


def test_the_connection_string_keeps_the_password_apart():
    string, password = backup.conninfo(
        "postgresql+psycopg://anna:p%40ss'word@gis.local:5433/calmap?sslmode=require"
    )
    assert password == "p@ss'word"
    assert "p@ss" not in string
    assert string == "host='gis.local' port='5433' user='anna' dbname='calmap' sslmode='require'"
    socket, none = backup.conninfo("postgresql+psycopg://calmap@/calmap?host=/tmp/x/socket")
    assert (socket, none) == ("host='/tmp/x/socket' user='calmap' dbname='calmap'", None)
