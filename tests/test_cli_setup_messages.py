"""The CLI's set-up errors (the database down, a data folder it cannot use) speak its language.

The real ``calmap`` command runs in a child process; its language is
CALMAP_LANGUAGE (Polish when unset), as for every other CLI message.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import calmap
from tests.test_cluster import calmap as calmap_embedded

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/none"


def test_a_database_that_is_down_is_named_in_polish_by_default():
    result = calmap(NOWHERE, "db", "upgrade")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "calmap: CALMAP_DATABASE_URL: nie można połączyć się z "
        "postgresql+psycopg://nobody@127.0.0.1:9/none (serwer nie przyjmuje połączeń "
        "(czy PostgreSQL działa pod tym adresem?))"
    ]


def test_a_database_that_is_down_is_named_in_english_when_the_cli_speaks_english():
    result = calmap(NOWHERE, "db", "upgrade", language="en")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "calmap: CALMAP_DATABASE_URL: cannot connect to "
        "postgresql+psycopg://nobody@127.0.0.1:9/none (the server refuses connections "
        "(is PostgreSQL running at that address?))"
    ]


def test_a_data_folder_that_cannot_be_made_is_named_in_polish(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = calmap_embedded(blocker / "calmap", "db", "start")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"calmap: CALMAP_DATA_DIR: nie można zapisywać w {blocker}/calmap (")
    assert "podaj folder, w którym ten użytkownik ma prawo zapisu" in lines[0]
    assert not (blocker.parent / "calmap").exists()


def test_db_start_on_a_shared_server_says_why_not_in_the_cli_language():
    polish = calmap(NOWHERE, "db", "start")
    assert polish.returncode == 1
    assert polish.stderr.strip() == (
        "calmap: Ustawiono CALMAP_DATABASE_URL: wspólnym serwerem calmap nie zarządza"
    )
    english = calmap(NOWHERE, "db", "stop", language="en")
    assert english.stderr.strip() == (
        "calmap: CALMAP_DATABASE_URL is set: the shared server is not managed by calmap"
    )
