"""Coverage of Gdańsk's 35 districts × every need category on the whole walking network.

Run from the project root:

    .venv/bin/python bench/bench_gaps.py                      # 2,000 resources, 7 rounds
    .venv/bin/python bench/bench_gaps.py --resources 4000 --pairs 400

It starts a throwaway embedded PostgreSQL (with pgRouting) under /tmp, loads the
35 districts (geodata/files/gdansk_dzielnice.geojson, with their population),
the whole shared walking network (../shared/data/streets/gdansk_walk_ways_osm.geojson,
"© OpenStreetMap contributors", ODbL; about 100,000 edges once noded) and
``--resources`` generated resources (random addressing categories, on random
street vertices, a fifth of them 0–60 m off the street) and ``--needs`` needs with
random target groups. Then, as the owner (the CLI's rights):

cold        ``coverage.compute`` for every district, nothing cached (every cache
            table emptied before each computation: ``CACHES``);
one pin     one resource moved 100 m, then computed again: only its category's
            run changes, patched from the one stored before where the pin
            reaches (``mapping.services.coverage_patch``), and only the
            questions combining that run are answered again
            (``mapping.services.coverage_answers``);
warm        nothing changed: every answer from the cache.
naive       networkx: the graph built in Python from the same edges, then one
            Dijkstra shortest path per district × resource pair (from the
            district's most central vertex to the resource's nearest vertex).
            ``--pairs`` random pairs are timed and the mean is multiplied by
            35 × resources (timing all 70,000 would take hours); the graph
            build is timed whole.

``--compare /work/main`` times another checkout (the code before a change)
against the same database, interleaved with this one round by round (cold,
one pin and warm each run by both, in a subprocess per computation; neither
finds in the caches what the other just computed, and before one pin and warm
each answers the unchanged question once untimed, so that its own caches are
as its last answer left them), and
prints this / other as ratios: the machine is noisy, the ratio less so.
``--keep DIR`` keeps the database in DIR between runs (setup once).

networkx is not a dependency of calmap: install it anywhere on ``PYTHONPATH``
(``pip install --target /tmp/nx networkx``; ``--nx-path /tmp/nx``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from mapping import catalog, db  # noqa: E402
from mapping.cli.common import cli_actor  # noqa: E402
from mapping.db import schema  # noqa: E402
from mapping.db.embedded_postgres import Cluster  # noqa: E402

STREETS = PROJECT_ROOT.parent / "shared" / "data" / "streets" / "gdansk_walk_ways_osm.geojson"
DISTRICTS = PROJECT_ROOT / "geodata" / "files" / "gdansk_dzielnice.geojson"
GROUPS = ["seniors", "families", "children_youth", "disabled", "unemployed"]


def setup(url: str, resources: int, needs: int, seed: int) -> None:
    import geopandas as gpd
    import shapely

    from mapping.io.street_files import read_streets
    from mapping.services import streets

    engine = create_engine(url)
    schema.upgrade(engine)
    with db.session_scope(engine) as session:
        catalog.install_defaults(session)
    frame = gpd.read_file(DISTRICTS)
    with engine.begin() as conn:
        team = conn.execute(text(
            "INSERT INTO team (code, name, city) VALUES ('gda', 'Gdańsk', 'Gdańsk') RETURNING id"
        )).scalar_one()
        for name, people, geom in zip(frame["DZIELNICY"], frame["L_MIESZK"], frame.geometry,
                                      strict=True):
            conn.execute(
                text("INSERT INTO area (name, kind, team_id, population, geom) VALUES "
                     "(:n, 'district', :t, :p, ST_Multi(ST_GeomFromText(:g, 4326)))"),
                {"n": name, "t": team, "p": int(people) or None,
                 "g": shapely.make_valid(geom).wkt},
            )
    t0 = time.perf_counter()
    network = read_streets(STREETS)
    with db.session_scope(engine) as session:
        saved = streets.save_network(session, cli_actor(), network, STREETS.name, "Gdańsk")
    print(f"network: {saved.edge_count} edges, {saved.vertex_count} vertices, "
          f"{saved.component_count} components (largest {100 * saved.largest_share:.1f}%), "
          f"{saved.length_km} km; read + noded + saved in {time.perf_counter() - t0:.1f} s")
    with engine.begin() as conn:
        codes = conn.execute(text(
            "SELECT DISTINCT r.addresser_code, c.parent_code FROM addressing_rule r "
            "JOIN category c ON c.vocabulary = 'resource_category' AND c.code = r.addresser_code "
            "WHERE r.addresser_vocabulary = 'resource_category'"
        )).all()
        need_codes = conn.execute(text(
            "SELECT code FROM category WHERE vocabulary = 'need_category'")).scalars().all()
        conn.execute(text("SELECT setseed(:s)"), {"s": seed / 1000})
        conn.execute(
            text(
                """
                INSERT INTO resource (name, kind, category, area_id, geom)
                SELECT 'Zasób ' || g, (CAST(:kinds AS text[]))[1 + (g % :n)],
                       (CAST(:cats AS text[]))[1 + (g % :n)], a.id,
                       ST_Translate(v.geom, CASE WHEN g % 5 = 0 THEN 0.0008 * random() ELSE 0 END,
                                    0)
                FROM generate_series(1, :count) g
                CROSS JOIN LATERAL (SELECT geom FROM street_vertex
                                    OFFSET floor(random() * :vertices + g * 0) LIMIT 1) v
                LEFT JOIN LATERAL (SELECT id FROM area WHERE ST_Intersects(geom, v.geom)
                                   LIMIT 1) a ON true
                """
            ),
            {"kinds": [c.parent_code for c in codes], "cats": [c.addresser_code for c in codes],
             "n": len(codes), "count": resources, "vertices": saved.vertex_count},
        )
        rng = random.Random(seed)
        areas = conn.execute(text("SELECT id FROM area")).scalars().all()
        for i in range(needs):
            conn.execute(
                text("INSERT INTO need (name, category, source_method, target_groups, area_id) "
                     "VALUES (:n, :c, 'interview', :g, :a)"),
                {"n": f"Potrzeba {i}", "c": rng.choice(need_codes),
                 "g": rng.sample(GROUPS, rng.choice([0, 1, 1, 2])), "a": rng.choice(areas)},
            )
        conn.execute(text("ANALYZE"))
    engine.dispose()


# Every table coverage caches in (those a checkout lacks are skipped); the first three
# say when each row was made.
CACHES = ("coverage_run", "coverage_answer", "coverage_flat", "coverage_snap",
          "coverage_area_vertex")


def forget(conn, since=None) -> None:
    """Empty coverage's caches, or drop only the rows made since ``since`` (a database time)."""
    for table in CACHES:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            continue
        if since is None:
            conn.execute(text(f"DELETE FROM {table}"))
        elif table in CACHES[:3]:
            conn.execute(text(f"DELETE FROM {table} WHERE created_at >= :t"), {"t": since})


def compute(url: str):
    from mapping.services import coverage

    engine = create_engine(url)
    try:
        t0 = time.perf_counter()
        with db.session_scope(engine) as session:
            found = coverage.compute(session, cli_actor(), city="Gdańsk")
        return time.perf_counter() - t0, found
    finally:
        engine.dispose()


_TIMED = """
import json, sys, time
from sqlalchemy import create_engine
from mapping import db
from mapping.cli.common import cli_actor
from mapping.services import coverage
engine = create_engine(sys.argv[1])
t0 = time.perf_counter()
with db.session_scope(engine) as session:
    found = coverage.compute(session, cli_actor(), city="Gdańsk")
elapsed = time.perf_counter() - t0
print(json.dumps({"s": elapsed, "computed": found.computed,
                  "patched": getattr(found, "patched", 0), "cells": sorted(
    (c.area_id, c.need_category, c.status, c.share_within, c.unmet,
     c.nearest.metres if c.nearest else None) for c in found.cells)}))
"""


def timed(url: str, tree: Path) -> dict:
    """Coverage computed by the checkout at ``tree``, in a fresh process: seconds and cells."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _TIMED, url], cwd=tree, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{tree}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(url: str, other: Path, rounds: int) -> None:
    """This checkout against ``other``, interleaved: medians and this / other ratios."""
    engine = create_engine(url)
    here = PROJECT_ROOT
    times: dict[tuple[str, str], list[float]] = {}
    same = True
    for round_ in range(rounds):
        steps = []
        for step in ("cold", "one pin", "warm"):
            if step != "cold":
                # Each checkout first answers the unchanged question once, untimed: its own
                # caches as its last answer left them (the other's cold run emptied them).
                for tree in (here, other):
                    timed(url, tree)
            with engine.begin() as conn:
                since = conn.execute(text("SELECT now()")).scalar()
            if step == "one pin":
                with engine.begin() as conn:
                    conn.execute(text(
                        "UPDATE resource SET geom = ST_Translate(geom, 0, 0.0009) "
                        "WHERE id = (SELECT min(id) + :k FROM resource)"), {"k": round_})
            # Who goes first alternates, so that neither always meets a cooler cache.
            order = [here, other] if round_ % 2 == 0 else [other, here]
            got = {}
            for tree in order:
                # Neither finds what the other just computed: cold empties every cache,
                # one pin drops what was made since the pin moved.
                if step != "warm":
                    with engine.begin() as conn:
                        forget(conn, None if step == "cold" else since)
                got[tree] = timed(url, tree)
            differ = sum(1 for a, b in zip(got[here]["cells"], got[other]["cells"], strict=True)
                         if a != b)
            same = same and not differ
            for tree in order:
                times.setdefault((step, str(tree)), []).append(got[tree]["s"])
            patched = f", {got[here]['patched']} patched" if got[here].get("patched") else ""
            steps.append(f"{step} {got[here]['s']:.2f} / {got[other]['s']:.2f} s"
                         f" ({differ} of {len(got[here]['cells'])} cells differ{patched})")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"round {round_ + 1} (this / other; load {load}): " + ";  ".join(steps), flush=True)
    engine.dispose()
    print(f"\nsame cells (status, share, unmet, nearest metres) every time: {same}")
    for step in ("cold", "one pin", "warm"):
        mine, theirs = times[(step, str(here))], times[(step, str(other))]
        ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
        print(f"  {step:8} this median {statistics.median(mine):6.2f} s, other "
              f"{statistics.median(theirs):6.2f} s; this / other median "
              f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


def naive(url: str, pairs: int, seed: int) -> tuple[float, float, int, int]:
    """Seconds to build the networkx graph, mean seconds per pair, pairs in all, edges."""
    import networkx as nx

    engine = create_engine(url)
    with engine.connect() as conn:
        edges = conn.execute(text("SELECT source, target, length_m FROM street_edge")).all()
        t0 = time.perf_counter()
        graph = nx.Graph()
        graph.add_weighted_edges_from(edges)
        build = time.perf_counter() - t0
        starts = conn.execute(text(
            "SELECT (SELECT v.id FROM street_vertex v ORDER BY v.geom <-> ST_PointOnSurface(a.geom)"
            " LIMIT 1) FROM area a")).scalars().all()
        ends = conn.execute(text(
            "SELECT (SELECT v.id FROM street_vertex v ORDER BY v.geom <-> r.geom LIMIT 1) "
            "FROM resource r")).scalars().all()
    engine.dispose()
    rng = random.Random(seed)
    sample = [(rng.choice(starts), rng.choice(ends)) for _ in range(pairs)]
    t0 = time.perf_counter()
    for a, b in sample:
        try:
            nx.shortest_path_length(graph, a, b, weight="weight")
        except nx.NetworkXNoPath:
            pass
    return build, (time.perf_counter() - t0) / pairs, len(starts) * len(ends), len(edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--nx-path", default=None)
    parser.add_argument("--compare", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    if args.nx_path:
        sys.path.insert(0, args.nx_path)
    fresh = args.keep is None or not args.keep.exists()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="calmap-bench-gaps-"))
    workdir.mkdir(exist_ok=True)
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    cluster.start(already_running_ok=True)
    try:
        url = cluster.url()
        if fresh:
            setup(url, args.resources, args.needs, args.seed)
        else:
            # A database kept from before a migration: brought up to date (idempotent).
            schema.upgrade(create_engine(url))
        if args.compare:
            compare(url, args.compare.resolve(), args.rounds)
            return
        engine = create_engine(url)
        times: dict[str, list[float]] = {"cold": [], "one pin": [], "warm": []}
        found = None
        for round_ in range(args.rounds):
            with engine.begin() as conn:
                forget(conn)
            elapsed, found = compute(url)
            times["cold"].append(elapsed)
            with engine.begin() as conn:
                conn.execute(text(
                    "UPDATE resource SET geom = ST_Translate(geom, 0, 0.0009) "
                    "WHERE id = (SELECT min(id) + :k FROM resource)"), {"k": round_})
            elapsed, moved = compute(url)
            times["one pin"].append(elapsed)
            print(f"round {round_ + 1}: cold {times['cold'][-1]:.2f} s "
                  f"({found.computed} questions), one pin {elapsed:.2f} s "
                  f"({moved.computed} recomputed, {getattr(moved, 'patched', 0)} of them "
                  f"patched, {moved.reused} from cache; load "
                  f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
            times["warm"].append(compute(url)[0])
        engine.dispose()
        assert found is not None
        cells = len(found.cells)
        gaps = sum(1 for c in found.cells if c.status != "covered")
        print(f"\n{cells} cells (35 districts × need categories), {gaps} not covered or no rule; "
              f"distances: {found.distance_kind}; {len(found.straight_sources)} resources "
              f"measured in a straight line (islands / off the streets)")
        for name, values in times.items():
            print(f"  {name:8} min {min(values):6.2f}  median {statistics.median(values):6.2f}  "
                  f"max {max(values):6.2f} s")
        try:
            build, per_pair, all_pairs, edges = naive(url, args.pairs, args.seed)
        except ImportError:
            print("naive: networkx is not installed (see --nx-path)")
            return
        total = build + per_pair * all_pairs
        cold = statistics.median(times["cold"])
        print(f"  naive    graph of {edges} edges built in {build:.2f} s; "
              f"{per_pair * 1000:.1f} ms per pair × {all_pairs} pairs = {total:.0f} s "
              f"(extrapolated from {args.pairs} pairs)")
        print(f"  naive / cold: {total / cold:.0f}×;  naive / one pin: "
              f"{total / statistics.median(times['one pin']):.0f}×")
    finally:
        cluster.stop()
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
