"""The `calmap` command against a shared PostGIS server given by CALMAP_DATABASE_URL."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, func, select, text

from mapping.db.models import Area, Category, Resource


def calmap(url: str | None, *args: str, stdin: str = "",
           language: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    if language is not None:
        env["CALMAP_LANGUAGE"] = language
    if url is not None:
        env["CALMAP_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "mapping.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=600, check=False, input=stdin,
    )


def test_db_url_prints_the_shared_server_url(fresh_db_url):
    assert calmap(fresh_db_url, "db", "url").stdout.strip() == fresh_db_url


def test_db_upgrade_on_a_migrated_database_is_a_no_op(fresh_db_url):
    result = calmap(fresh_db_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "schema up to date; 0 catalogue entries added"


def test_demo_loads_the_city_and_a_second_run_changes_nothing(fresh_db_url):
    first = calmap(fresh_db_url, "demo")
    assert first.returncode == 0, first.stderr
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        counts = (
            conn.scalar(select(func.count()).select_from(Area)),
            conn.scalar(select(func.count()).select_from(Resource)),
            conn.scalar(text("SELECT count(*) FROM layer_history")),
        )
    second = calmap(fresh_db_url, "demo")
    assert second.returncode == 0, second.stderr
    with engine.connect() as conn:
        again = (
            conn.scalar(select(func.count()).select_from(Area)),
            conn.scalar(select(func.count()).select_from(Resource)),
            conn.scalar(text("SELECT count(*) FROM layer_history")),
        )
        demo_user = conn.scalar(text("SELECT DISTINCT app_user FROM layer_history"))
    engine.dispose()
    assert counts[0] > 0 and counts[1] > 0
    # Not one row written again: history would show any rewrite.
    assert again == counts
    assert demo_user == "calmap-demo"


def test_an_unreachable_server_is_one_line_and_exit_code_1():
    result = calmap("postgresql+psycopg://nobody@127.0.0.1:9/none", "db", "upgrade",
                    language="en")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("calmap: CALMAP_DATABASE_URL: cannot connect to")


def test_a_bad_catalogue_entry_is_refused_and_nothing_is_written(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(Category))
    result = calmap(
        fresh_db_url, "catalog", "add", "need_category", "noise",
        "--pl", "Hałas", "--en", "Noise", "--colour", "red",
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "calmap: colour: expected #RRGGBB"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Category)) == before
    engine.dispose()


def test_an_admin_adds_a_category_from_the_command_line(fresh_db_url):
    result = calmap(
        fresh_db_url, "catalog", "add", "need_category", "noise",
        "--pl", "Hałas", "--en", "Noise", "--colour", "#aa0000",
    )
    assert result.returncode == 0, result.stderr
    listed = calmap(fresh_db_url, "catalog", "list", "--vocabulary", "need_category")
    assert "need_category\tnoise\t●\t#aa0000\tHałas" in listed.stdout.splitlines()
