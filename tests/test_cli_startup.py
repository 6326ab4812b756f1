"""`calmap --help`, `db url` and `db status` load no heavy library (they must answer at once).

Each case runs the command in a fresh interpreter, as `calmap` runs it, and
lists the modules it loaded. Timings are not asserted here (a loaded machine
would make that flaky): `bench/bench_cli.py` measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Each takes longer to import than these commands may take to run.
HEAVY = ("pandas", "geopandas", "shapely", "matplotlib", "streamlit", "pyproj")
# Runs `python -m mapping.cli.main ARGS`, then prints the top-level packages loaded.
PROBE = """
import json, runpy, sys
sys.argv = ["calmap", *sys.argv[1:]]
try:
    runpy.run_module("mapping.cli.main", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "loaded": loaded}))
"""


def probe(env_extra: dict[str, str], *args: str) -> tuple[str, int, set[str]]:
    """The command's output (without the probe's line), its exit code, the packages loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    env.update(env_extra, COLUMNS="120")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
        cwd=PROJECT_ROOT, timeout=120, check=False,
    )
    *output, last = result.stdout.splitlines()
    report = json.loads(last)
    return "\n".join(output), report["code"], set(report["loaded"])


@pytest.mark.parametrize(
    ("args", "code"),
    [(("--help",), 0), (("db", "url"), 0), (("db", "status"), 3), (("db", "--help"), 0)],
)
def test_light_commands_load_no_heavy_library(tmp_path, args, code):
    output, exit_code, loaded = probe({"CALMAP_DATA_DIR": str(tmp_path)}, *args)
    assert exit_code == code, output
    assert not loaded & set(HEAVY), f"calmap {' '.join(args)} loaded {sorted(loaded & set(HEAVY))}"
    # With the embedded database not even SQLAlchemy is needed: its import alone
    # takes longer than the whole command.
    assert "sqlalchemy" not in loaded


def test_db_url_on_a_shared_server_loads_no_heavy_library():
    url = "postgresql+psycopg://calmap:secret@db.example.pl:5432/calmap"
    output, exit_code, loaded = probe({"CALMAP_DATABASE_URL": url}, "db", "url")
    assert (exit_code, output) == (0, url)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # mapping.config checks the URL's shape itself: SQLAlchemy's import alone
    # took longer than the command may (0.67 s in all before).
    assert "sqlalchemy" not in loaded


def test_db_url_and_status_still_answer_for_the_embedded_database(tmp_path):
    output, _, _ = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "db", "url")
    assert output == f"postgresql+psycopg://calmap@/calmap?host={tmp_path / 'socket'}"
    output, _, _ = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "db", "status")
    assert output == f"stopped: {tmp_path / 'postgres'}"


def test_help_still_lists_every_command_group_and_command(tmp_path):
    output, _, _ = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "--help")
    for name in ("db", "catalog", "user", "survey", "import", "export", "snapshot", "june",
                 "demo", "serve", "share", "actions",
                 "addressing"):
        assert f" {name} " in output, name
    assert "Load the demo city" in output
    output, _, _ = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "db", "--help")
    for name in ("start", "stop", "status", "url", "session-key", "upgrade", "backup",
                 "restore"):
        assert f" {name} " in output, name
    assert "Print the SQLAlchemy URL of the database in use" in output
