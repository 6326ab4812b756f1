"""The embedded PostgreSQL cluster, driven through the `calmap db` commands as a user would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mapping.db.embedded_postgres import Cluster, ClusterError, find_binaries

try:
    find_binaries()
except ClusterError as exc:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise
    pytest.skip(str(exc), allow_module_level=True)


def calmap(data_dir: Path, *args: str, timeout: float = 180,
           language: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    if language is not None:
        env["CALMAP_LANGUAGE"] = language
    env["CALMAP_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "mapping.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture()
def data_dir():
    path = Path(tempfile.mkdtemp(prefix="calmap-cluster-"))
    path.chmod(0o755)
    yield path
    Cluster(path).stop()
    shutil.rmtree(path, ignore_errors=True)


def test_db_start_creates_a_cluster_that_listens_on_a_unix_socket_only(data_dir):
    result = calmap(data_dir, "db", "start")
    assert result.returncode == 0, result.stderr
    url = calmap(data_dir, "db", "url").stdout.strip()
    assert url == f"postgresql+psycopg://calmap@/calmap?host={data_dir / 'socket'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW listen_addresses")).scalar_one() == ""
        assert conn.execute(text("SELECT current_database()")).scalar_one() == "calmap"
    engine.dispose()
    if os.geteuid() == 0:
        # PostgreSQL refuses root: the server must run as the postgres system user.
        assert (data_dir / "postgres").stat().st_uid != 0


def test_a_second_db_start_says_it_is_already_running_and_fails(data_dir):
    assert calmap(data_dir, "db", "start").returncode == 0
    second = calmap(data_dir, "db", "start", language="en")
    assert second.returncode == 1
    assert (
        second.stderr.strip()
        == f"calmap: the embedded database is already running ({data_dir / 'socket'})"
    )


def test_status_and_stop_report_the_state(data_dir):
    assert calmap(data_dir, "db", "status").returncode == 3
    calmap(data_dir, "db", "start")
    status = calmap(data_dir, "db", "status")
    assert status.returncode == 0 and status.stdout.startswith("running:")
    assert calmap(data_dir, "db", "stop").stdout.strip() == "stopped"
    assert calmap(data_dir, "db", "status").returncode == 3
    assert calmap(data_dir, "db", "stop").stdout.strip() == "not running"


def test_after_sigkill_the_next_start_recovers_committed_data(data_dir):
    assert calmap(data_dir, "db", "upgrade").returncode == 0
    cluster = Cluster(data_dir)
    engine = create_engine(cluster.url())
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO team (code, name) VALUES ('kill', 'Zespół po awarii')"))
    engine.dispose()
    pid = cluster.postmaster_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    # The stale postmaster.pid is still there, as after a power cut.
    assert (data_dir / "postgres" / "postmaster.pid").exists()
    result = calmap(data_dir, "db", "start")
    assert result.returncode == 0, result.stderr
    engine = create_engine(cluster.url())
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM team WHERE code = 'kill'")).scalars().all()
    engine.dispose()
    assert names == ["Zespół po awarii"]


def test_a_data_dir_that_cannot_be_written_gets_a_one_line_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = calmap(blocker / "calmap", "db", "start", language="en")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("calmap: CALMAP_DATA_DIR: cannot")
    assert not (blocker.parent / "calmap").exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours would still answer; the postmaster is not our child.
    return True
