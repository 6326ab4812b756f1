"""``calmap import points`` killed with SIGKILL mid-write: the import is all there or not at all.

Twenty kills in all. Ten times the importing process itself is killed, ten
times the PostgreSQL server under it (a cluster of this test's own, restarted
afterwards with ``Cluster.start``, which replays the WAL). Each kill lands a
random moment after the import's transaction began writing: early enough that
it is still open, late enough that it has committed, or in between.
Whatever the moment, the database afterwards holds every row of the file with
its history row, or none of them; never a part.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from mapping import catalog
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster, ClusterError
from tests.conftest import TEMPLATE, _create_database, _drop_database, db_url

pytestmark = pytest.mark.slow

# Rows in the imported file: enough that writing them takes most of a second.
ROWS = 5000
# Kills of each kind (importing process, database server): twenty in all.
RUNS = 10
# Kills land between 0 and SPAN times the calibrated time from the first write to the
# import's end: the earlier ones mid-INSERT, the later ones after COMMIT.
SPAN = 1.4
SEED = 20240602
# How the test finds the import's connection in pg_stat_activity.
APP_NAME = "calmap-kill-test"
# Generous bounds for one import and for a server restart on two busy cores;
# they only stop a hung run, nothing is measured against them.
IMPORT_TIMEOUT = 180
GONE_TIMEOUT = 60


@dataclass(frozen=True)
class Run:
    """One kill: how long after the first write it came, and what the database held after."""

    delay: float
    returncode: int
    rows: int
    took: float
    restart: float | None = None


@pytest.fixture(scope="module")
def points_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV of ROWS libraries inside the test area, named 'Biblioteka 0'…."""
    path = tmp_path_factory.mktemp("kill-import") / "biblioteki.csv"
    rng = random.Random(SEED)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nazwa", "kategoria", "opis", "szerokość", "długość"])
        for i in range(ROWS):
            writer.writerow([
                f"Biblioteka {i}", "library", f"Filia nr {i}, wypożyczalnia i czytelnia",
                f"{rng.uniform(54.401, 54.419):.6f}", f"{rng.uniform(18.601, 18.649):.6f}",
            ])
    return path


def names() -> set[str]:
    """The names the file gives its rows."""
    return {f"Biblioteka {i}" for i in range(ROWS)}


# --- databases ---------------------------------------------------------------------


def add_area(url: str) -> int:
    """The estate the imported points lie in; its id."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        area = conn.execute(
            text(
                "INSERT INTO area (name, kind, geom) VALUES ('Brzeźno (import)', 'estate', "
                "ST_Multi(ST_MakeEnvelope(18.60, 54.40, 18.65, 54.42, 4326))) RETURNING id"
            )
        ).scalar_one()
    engine.dispose()
    return int(area)


def imported(url: str) -> int:
    """How many of the file's rows are stored; fails unless that is all of them or none.

    The resource table and its history must agree row for row: each stored row
    has its one INSERT in layer_history, and history has no row of a resource
    that is not stored.
    """
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT name FROM resource")).scalars())
        history = conn.execute(
            text(
                "SELECT h.operation, h.row_id, r.id FROM layer_history h "
                "LEFT JOIN resource r ON r.id = h.row_id WHERE h.table_name = 'resource'"
            )
        ).all()
        unrecorded = conn.execute(
            text(
                "SELECT count(*) FROM resource r WHERE NOT EXISTS (SELECT 1 FROM layer_history h "
                "WHERE h.table_name = 'resource' AND h.row_id = r.id)"
            )
        ).scalar_one()
    engine.dispose()
    assert stored in (set(), names()), f"{len(stored)} of {ROWS} rows stored"
    assert len(history) == len(stored), f"{len(history)} history rows for {len(stored)} rows"
    assert all(op == "INSERT" and row_id == rid for op, row_id, rid in history)
    assert unrecorded == 0
    return len(stored)


# --- the import --------------------------------------------------------------------


def start_import(url: str, area_id: int, points: Path, log: Path) -> subprocess.Popen[bytes]:
    """``calmap import points`` against ``url``, in a process group of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    env["CALMAP_DATABASE_URL"] = (
        make_url(url).update_query_dict({"application_name": APP_NAME})
        .render_as_string(hide_password=False)
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mapping.cli.main", "import", "points", str(points),
             "--area", str(area_id)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def wait_for_writes(admin: str, proc: subprocess.Popen[bytes], log: Path) -> float:
    """Block until the import's transaction has begun writing; the moment it was seen.

    PostgreSQL gives a transaction its id at its first write and shows it in
    pg_stat_activity until the transaction ends, so a backend_xid seen there
    is a transaction that has written and not yet committed.
    """
    engine = create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    deadline = time.monotonic() + IMPORT_TIMEOUT
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                writing = conn.execute(
                    text(
                        "SELECT backend_xid IS NOT NULL FROM pg_stat_activity "
                        "WHERE application_name = :app"
                    ),
                    {"app": APP_NAME},
                ).scalar()
                if writing:
                    return time.monotonic()
                assert proc.poll() is None, f"the import ended before writing: {log.read_text()}"
                time.sleep(0.002)
    finally:
        engine.dispose()
    raise AssertionError("the import never began writing")


def finish(proc: subprocess.Popen[bytes]) -> int:
    """Wait for the import to end; kill its whole group if it will not."""
    try:
        return proc.wait(timeout=IMPORT_TIMEOUT)
    finally:
        reap(proc)


def reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill the import's process group if anything of it is left, and collect it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=GONE_TIMEOUT)


def calibrate(admin: str, url: str, area_id: int, points: Path, log: Path) -> float:
    """Seconds from the import's first write to its end, from one import left alone.

    Also proves the file imports cleanly, so that a run with nothing stored
    is the kill's doing and not a file the import refuses.
    """
    proc = start_import(url, area_id, points, log)
    try:
        seen = wait_for_writes(admin, proc, log)
        code = finish(proc)
    finally:
        reap(proc)
    took = time.monotonic() - seen
    assert code == 0, log.read_text()
    assert imported(url) == ROWS
    return took


def delays(window: float) -> list[float]:
    """RUNS random delays spread over [0, SPAN × window]: one in each equal slice."""
    rng = random.Random(SEED)
    return [SPAN * window * (k + rng.random()) / RUNS for k in range(RUNS)]


def report(kind: str, window: float, runs: list[Run]) -> None:
    """Print what the kills found, for ``pytest -s``."""
    present = sum(r.rows == ROWS for r in runs)
    succeeded = sum(r.returncode == 0 for r in runs)
    print(f"\n{kind}: {ROWS} rows, first write to exit {window:.2f} s; {len(runs)} kills: "
          f"{present} wholly present ({succeeded} of them with the import reporting success), "
          f"{len(runs) - present} wholly absent")
    for r in runs:
        state = "present" if r.rows else "absent"
        restart = "" if r.restart is None else f", server back in {r.restart:.1f} s"
        print(f"  kill {r.delay:.3f} s after the first write: exit {r.returncode}, {state} "
              f"(run {r.took:.1f} s{restart})")


# --- killing the importing process -------------------------------------------------


def test_killing_the_import_leaves_all_of_it_or_none(admin_url, template_url, points_file,
                                                     tmp_path):
    base = f"calmap_kill_{os.getpid()}"
    _create_database(admin_url, base, template=TEMPLATE)
    made = [base]
    try:
        area_id = add_area(db_url(admin_url, base))
        made.append(f"{base}_calibration")
        url = _create_database(admin_url, made[-1], template=base)
        window = calibrate(admin_url, url, area_id, points_file, tmp_path / "calibration.log")
        runs = []
        for k, delay in enumerate(delays(window)):
            made.append(f"{base}_{k}")
            url = _create_database(admin_url, made[-1], template=base)
            log = tmp_path / f"run{k}.log"
            began = time.monotonic()
            proc = start_import(url, area_id, points_file, log)
            try:
                wait_for_writes(admin_url, proc, log)
                time.sleep(delay)
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                code = finish(proc)
            finally:
                reap(proc)
            assert code in (0, -signal.SIGKILL), log.read_text()
            runs.append(Run(delay, code, imported(url), time.monotonic() - began))
            _drop_database(admin_url, made.pop())
    finally:
        for name in reversed(made):
            _drop_database(admin_url, name)
    report("killing the import", window, runs)
    # Some kill landed before the COMMIT and left nothing. (Not always the
    # earliest: on a loaded machine the import can outrun the calibration.)
    assert any(r.rows == 0 for r in runs)
    assert all(r.rows == ROWS for r in runs if r.returncode == 0)


# --- killing the database server ---------------------------------------------------


@pytest.fixture()
def own_cluster() -> Iterator[Cluster]:
    """A running cluster of this test's own, migrated, with the area in database 'calmap'."""
    workdir = Path(tempfile.mkdtemp(prefix="calmap-kill-"))
    # When run as root the server runs as `postgres`, who must be able to enter it.
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    try:
        try:
            cluster.start()
        except ClusterError as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(str(exc))
        engine = create_engine(cluster.url(), poolclass=NullPool)
        schema.upgrade(engine)
        with Session(engine) as session, session.begin():
            catalog.install_defaults(session)
        engine.dispose()
        yield cluster
    finally:
        pid = cluster.postmaster_pid()
        try:
            cluster.stop()
        finally:
            # Only when stopping failed: a postmaster still running on this data directory.
            if pid is not None and str(cluster.pgdata) in _cmdline(pid):
                kill_server(pid, whole=True)
            shutil.rmtree(workdir, ignore_errors=True)


def _cmdline(pid: int) -> str:
    """The command line of a running process ('' when there is none)."""
    if not alive(pid):
        return ""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the postmaster's backends and helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Fields after the command name, which is in parentheses and may hold spaces.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie nobody has reaped yet is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_server(postmaster: int, *, whole: bool) -> list[int]:
    """SIGKILL the postmaster, and when ``whole`` every backend at once, as a power cut.

    Otherwise the backends live on briefly, orphaned, until they notice the
    postmaster has gone (``Cluster.start`` waits for them to let go of the
    shared memory). Returns the processes killed or orphaned.
    """
    backends = children(postmaster)
    victims = [postmaster, *backends] if whole else [postmaster]
    for pid in victims:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return [postmaster, *backends]


def wait_gone(pids: list[int], *, reaped: bool = False) -> None:
    """Wait until none of ``pids`` runs any more; with ``reaped``, until not even a zombie is left.

    A new postmaster refuses to start while the old one's pid still answers
    signals, which a zombie does; whoever adopted it (init) must reap it first.
    """
    def left() -> list[int]:
        return [p for p in pids if (Path(f"/proc/{p}").exists() if reaped else alive(p))]

    deadline = time.monotonic() + GONE_TIMEOUT
    while left():
        assert time.monotonic() < deadline, f"still there: {left()} (is nothing reaping zombies?)"
        time.sleep(0.05)


def test_killing_the_database_server_leaves_all_of_the_import_or_none(own_cluster, points_file,
                                                                      tmp_path):
    admin = own_cluster.url("postgres")
    area_id = add_area(own_cluster.url())
    url = _create_database(admin, "calibration", template="calmap")
    window = calibrate(admin, url, area_id, points_file, tmp_path / "calibration.log")
    _drop_database(admin, "calibration")
    runs = []
    for k, delay in enumerate(delays(window)):
        url = _create_database(admin, f"run{k}", template="calmap")
        log = tmp_path / f"run{k}.log"
        began = time.monotonic()
        proc = start_import(url, area_id, points_file, log)
        try:
            wait_for_writes(admin, proc, log)
            time.sleep(delay)
            postmaster = own_cluster.postmaster_pid()
            assert postmaster is not None
            # Every other kill takes the postmaster alone, the rest the whole server.
            victims = kill_server(postmaster, whole=k % 2 == 1)
            code = finish(proc)
            wait_gone([postmaster], reaped=True)
        finally:
            reap(proc)
        # The server comes back, replaying its WAL (after waiting for orphaned backends).
        restarting = time.monotonic()
        own_cluster.start()
        restart = time.monotonic() - restarting
        assert own_cluster.status()
        wait_gone(victims)
        assert code in (0, 1), log.read_text()
        runs.append(Run(delay, code, imported(url), time.monotonic() - began, restart))
        _drop_database(admin, f"run{k}")
    report("killing the database server", window, runs)
    # Some kill landed before the COMMIT and left nothing. (Not always the
    # earliest: on a loaded machine the import can outrun the calibration.)
    assert any(r.rows == 0 for r in runs)
    # An import told its COMMIT succeeded finds its rows after the crash and recovery.
    assert all(r.rows == ROWS for r in runs if r.returncode == 0)
