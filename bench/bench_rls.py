"""What row-level security costs a read, and what reading the user once per statement saves.

Setup: an embedded cluster in /tmp, the schema, two teams with an area each,
an editor of team A, a viewer and ``--pins`` needs (a third team-only) in the
two areas, plus one UPDATE each so history holds two versions a pin.

Timed, interleaved, each through the runtime role with the editor's session
(``calmap.session``), then as the owner with no RLS at all:
- **ours**: the 0006 policies, which read the user once per statement
  (uncorrelated sub-selects become init plans);
- **naive**: the 0002-style policies, which call ``calmap_may_see(visibility,
  area_id)`` for every row (the user looked up again per row);
- **owner**: the same query with no RLS (the floor).

Queries: every need (what the overview reads) and every version of every need
in ``layer_history`` (what a snapshot reads). Prints min / median / max per
query and the ratios naive / ours and ours / owner.

    .venv/bin/python bench/bench_rls.py --pins 20000 --rounds 7
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from mapping import catalog, db
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster
from mapping.services import accounts

NAIVE = {
    "need": "USING (calmap_may_see(visibility, area_id))",
    "layer_history": (
        "USING (CASE WHEN CAST(table_name AS text) IN ('resource', 'partner', 'need') "
        "THEN calmap_may_see(row_data->>'visibility', (row_data->>'area_id')::integer) "
        "ELSE calmap_user_role() IS NOT NULL END)"
    ),
}
QUERIES = {
    "needs": "SELECT count(*), max(length(name)) FROM need",
    "history": "SELECT count(*), max(length(row_data->>'name')) FROM layer_history "
    "WHERE table_name = 'need'",
}


def setup(url: str, pins: int) -> None:
    engine = create_engine(url)
    schema.upgrade(engine)
    with db.session_scope(engine) as session:
        catalog.install_defaults(session)
        for code, x in (("A", 18.60), ("B", 18.70)):
            team = session.execute(
                text("INSERT INTO team (code, name) VALUES (:c, :c) RETURNING id"), {"c": code}
            ).scalar_one()
            session.execute(
                text("INSERT INTO area (name, kind, team_id, geom) VALUES (:n, 'estate', :t, "
                     "ST_Multi(ST_MakeEnvelope(:x, 54.30, :x + 0.05, 54.35, 4326)))"),
                {"n": f"Osiedle {code}", "t": team, "x": x},
            )
        accounts.add_user(session, "edit-a", "correct horse battery", "editor", ["A"])
        session.execute(
            text(
                "INSERT INTO need (name, category, source_method, visibility, area_id, geom) "
                "SELECT 'Potrzeba ' || g, 'violence', 'interview', "
                "(ARRAY['public', 'partnership', 'team'])[1 + g % 3], "
                "(SELECT id FROM area ORDER BY id LIMIT 1 OFFSET g % 2), "
                "ST_SetSRID(ST_MakePoint(18.61 + (g % 2) * 0.1, 54.32), 4326) "
                "FROM generate_series(1, :n) g"
            ),
            {"n": pins},
        )
        session.execute(text("UPDATE need SET priority = 3"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def use_policies(owner_url: str, naive: bool) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        for table in ("need", "layer_history"):
            conn.execute(text(f"DROP POLICY IF EXISTS bench_naive ON {table}"))
            conn.execute(text(f"DROP POLICY IF EXISTS {table}_select ON {table}"))
            if naive:
                conn.execute(text(f"CREATE POLICY bench_naive ON {table} FOR SELECT "
                                  f"TO calmap_app {NAIVE[table]}"))
    engine.dispose()
    if not naive:
        # Back to the migration's own policies.
        from importlib import import_module

        trust = import_module("mapping.db.migrations.versions.0006_trust")
        engine = create_engine(owner_url)
        with engine.begin() as conn:
            for stmt in trust._policies():
                if stmt.startswith(("CREATE POLICY need_select", "CREATE POLICY layer_history_")):
                    conn.execute(text(stmt))
        engine.dispose()


def timed(url: str, token: str | None, sql: str) -> tuple[float, tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        with conn.begin():
            if token:
                db.use_session(conn, token)
            start = time.perf_counter()
            row = tuple(conn.execute(text(sql)).one())
            elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pins", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-rls-"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    cluster.start()
    try:
        owner_url, runtime_url = cluster.url(), cluster.runtime_url()
        t0 = time.perf_counter()
        setup(owner_url, args.pins)
        print(f"setup: {args.pins} needs, {time.perf_counter() - t0:.1f} s")
        owner = create_engine(owner_url)
        with owner.begin() as conn:
            token = conn.execute(text("SELECT calmap_session_for('edit-a', 60)")).scalar_one()
        owner.dispose()
        times: dict[tuple[str, str], list[float]] = {}
        seen: dict[tuple[str, str], tuple] = {}
        for _ in range(args.rounds):
            for variant in ("ours", "naive", "owner"):
                if variant != "owner":
                    use_policies(owner_url, naive=variant == "naive")
                for name, sql in QUERIES.items():
                    url = owner_url if variant == "owner" else runtime_url
                    elapsed, row = timed(url, None if variant == "owner" else token, sql)
                    times.setdefault((variant, name), []).append(elapsed)
                    seen[(variant, name)] = row
        for name in QUERIES:
            assert seen[("ours", name)] == seen[("naive", name)], (name, seen)
            print(f"\n{name}: rows ours/naive {seen[('ours', name)][0]}, "
                  f"owner (no RLS) {seen[('owner', name)][0]}")
            for variant in ("ours", "naive", "owner"):
                values = [v * 1000 for v in times[(variant, name)]]
                print(f"  {variant:6} min {min(values):8.1f}  median "
                      f"{statistics.median(values):8.1f}  max {max(values):8.1f} ms")
            ours = statistics.median(times[("ours", name)])
            print(f"  naive / ours: {statistics.median(times[('naive', name)]) / ours:.1f}×;"
                  f"  ours / owner: {ours / statistics.median(times[('owner', name)]):.1f}×")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
