"""The editor's layer versions (``versions.layer_versions``) as the history grows.

Run from the project root:

    .venv/bin/python bench/bench_versions.py               # 10,000 and 1,000,000 more rows
    .venv/bin/python bench/bench_versions.py --reps 30 --history 0 200000 1000000

A throwaway PostgreSQL + PostGIS cluster under /tmp gets the schema, the
catalogue, one Gdańsk district and 10,000 pins (``bench_pin_save.load_world``;
their inserts are history rows too). Then, for each ``--history`` size, that
many more history rows are added (older edits of the district's resources,
as a year of editing leaves them) and both queries run as the district's
editor under row-level security, interleaved, in one transaction each:

now     the query of ``versions.layer_versions``: each table's newest history
        id from the (table_name, id) index (migration 0014);
before  the query as it was before that index (the baseline, kept here): the
        pin tables' newest ids read down the primary key, skipping other
        tables' rows, and the newest of every other table from a scan of
        the whole history.

Both must give the same versions. See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import bench_pin_save  # noqa: E402

from mapping import db  # noqa: E402
from mapping.db import schema  # noqa: E402
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.services import versions  # noqa: E402

_PINS = versions.PIN_LAYERS
BEFORE = text(
    "SELECT "
    + ", ".join(
        f"(SELECT max(id) FROM layer_history WHERE table_name = '{table}')" for table in _PINS
    )
    + ", (SELECT max(id) FROM layer_history WHERE table_name NOT IN ("
    + ", ".join(f"'{table}'" for table in _PINS)
    + ")), "
    + ", ".join(f"(SELECT count(*) FROM {table})" for table in ("resource", "partner", "need",
                                                                 "area"))
)


def add_history(engine, rows: int) -> None:
    """``rows`` more history rows: old edits of the district's resources (as the owner)."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO layer_history (table_name, row_id, operation, changed_at, app_user, "
            "row_data) "
            "SELECT 'resource', r.id, 'UPDATE', now() - interval '1 year', 'bench-editor', "
            "to_jsonb(r) FROM generate_series(1, :n) g "
            "JOIN resource r ON r.id = (SELECT min(id) FROM resource) + g % 5000"
        ), {"n": rows})
        # Those rows are older than everything else: move them below the newest ids.
        connection.execute(text("ANALYZE layer_history"))


def timed(engine, actor, query) -> tuple[float, tuple[int, ...]]:
    """One transaction as ``actor``: the query's milliseconds and its row."""
    with db.session_scope(engine, actor.username, restricted=True) as session:
        versions.plan_simply(session)
        t0 = time.perf_counter()
        row = session.execute(query).one()
        return (time.perf_counter() - t0) * 1000, tuple(int(v or 0) for v in row)


def main() -> int:
    """Set up, measure each history size, remove everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="runs of each query per size")
    parser.add_argument("--history", type=int, nargs="+", default=[0, 1_000_000],
                        help="history rows added before each size is measured (cumulative)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    try:
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        _, actor, _ = bench_pin_save.load_world(engine)
        app_engine = db.engine_for_url(cluster.url())
        added = 0
        print(f"{'history rows':>14}{'now p50':>10}{'before p50':>12}{'before/now':>12}")
        for size in args.history:
            if size > added:
                add_history(engine, size - added)
                added = size
            with engine.connect() as connection:
                total = connection.execute(text("SELECT count(*) FROM layer_history")).scalar()
            now: list[float] = []
            before: list[float] = []
            for rep in range(args.reps + 1):
                ms_now, row_now = timed(app_engine, actor, versions._LAYER_QUERY)
                ms_before, row_before = timed(app_engine, actor, BEFORE)
                if row_now != row_before:
                    raise AssertionError(f"the versions differ: {row_now} != {row_before}")
                if rep:  # the first warms the buffers up
                    now.append(ms_now)
                    before.append(ms_before)
            p50_now, p50_before = statistics.median(now), statistics.median(before)
            print(f"{total:>14,}{p50_now:>10.1f}{p50_before:>12.1f}"
                  f"{p50_before / p50_now:>11.1f}×", flush=True)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
