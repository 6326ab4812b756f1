"""Import 48 real estates, and 10,000 points from a CSV: calmap's import against a naive one.

Run from the project root (public tools only, nothing to install beyond the project):

    .venv/bin/python bench/bench_import.py               # 5 repetitions of each
    .venv/bin/python bench/bench_import.py --reps 3 --points 10000 --profile
    .venv/bin/python bench/bench_import.py --with-bulk   # also bulk.commit, row by row

It starts a throwaway PostgreSQL + PostGIS cluster in a temporary directory
under /tmp, migrates a template database (schema, catalogue, Gdańsk as one
area owned by a team, an admin and an editor of that team) and gives every
timed run a fresh copy of it, made untimed, so every run starts from the same
state. Measured in the same run, from the file's bytes to the commit:

areas  Wrocław's 48 estates (../shared/data, or geodata/files), 17 of them invalid,
       into a database that holds Wrocław and its 5 former districts.
       ours:  import_files.open_features + area_import.plan (repair, Poland,
              duplicates, outlines, parents) + area_import.commit, one transaction,
              as the admin under row-level security (as the page does).
       naive: the same checks written row by row: geopandas.read_file, then per
              feature repair (boundaries.repair), the Poland check, one ORM query
              for a stored duplicate, one ORM query for the district it overlaps
              most, an ORM Area + flush.
points 10,000 generated rows inside Gdańsk in a Polish-Excel CSV (CP1250,
       semicolons, decimal commas).
       ours:  point_import.read + point_import.commit (every row through the pin
              rules, one query for "inside the area", multi-row INSERTs), as the
              editor under row-level security.
       naive: csv + per row an ORM Resource + flush (no checks at all).
       bulk (--with-bulk): mapping.io.bulk.commit, the spreadsheet import's
              row-by-row create_pin in savepoints, once, for reference, on as
              many rows as it accepts (bulk.MAX_ROWS).

Everything is server side; timings in seconds. See bench/README.md for figures.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import case, create_engine, func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from geodata.boundaries import dissolve, read_boundaries, repair, share_inside  # noqa: E402
from mapping import catalog, db  # noqa: E402  # noqa: E402
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import Area, Resource, Team  # noqa: E402
from mapping.io import area_features, area_import, bulk, point_import
from mapping.io.area_import import AreaOptions  # noqa: E402
from mapping.io.feature_files import open_features  # noqa: E402
from mapping.services import accounts, validation

SHARED = PROJECT_ROOT.parent / "shared" / "data" / "boundaries"
SHIPPED = PROJECT_ROOT / "geodata" / "files"
ESTATES = next(p for p in (SHARED / "wroclaw_osiedla_48.geojson",
                           SHIPPED / "wroclaw_osiedla_48.geojson") if p.exists())
DISTRICTS = SHIPPED / "gdansk_dzielnice.geojson"
WROCLAW_DISTRICTS = SHIPPED / "wroclaw_osiedla_to_dzielnice.csv"
TEMPLATE = "calmap_bench_template"
TARGETS = {"areas": 2.0, "points": 10.0}
TARGET_RATIO = 5
# Categories as an organiser types them (labels, not codes), to exercise the lookup.
CATEGORIES = ("Biblioteka", "Świetlica", "Klub seniora", "Dom kultury", "Plac zabaw")


def make_template(admin_url: str) -> None:
    """Schema, catalogue, Gdańsk as one area of a team, and the two people who import."""
    admin_engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    admin_engine.dispose()
    engine = create_engine(database(admin_url, TEMPLATE))
    schema.upgrade(engine)
    districts = gpd.read_file(DISTRICTS)
    with Session(engine) as session, session.begin():
        catalog.install_defaults(session)
        team = Team(code="bench", name="Zespół testowy", city="Gdańsk")
        session.add(team)
        session.flush()
        session.add(Area(name="Gdańsk", kind="city", team_id=team.id,
                         geom=from_shape(dissolve(districts.geometry, 50_000), srid=4326)))
        accounts.add_user(session, "bench-admin", None, "admin")
        accounts.add_user(session, "bench-editor", None, "editor", ["bench"])
        add_wroclaw(session)
    engine.dispose()


def add_wroclaw(session: Session) -> None:
    """Wrocław and its 5 former districts (unions of the estates), where the estates go."""
    team = Team(code="wro", name="Wrocław – zespół", city="Wrocław")
    session.add(team)
    session.flush()
    frame, _ = read_boundaries(ESTATES, "osiedle")
    with WROCLAW_DISTRICTS.open(encoding="utf-8") as handle:
        district_of = {int(r["id_sip"]): r["former_dzielnica"] for r in csv.DictReader(handle)}
    estates = {int(i): g for i, g in zip(frame["id"], frame.geometry, strict=True)}
    city = Area(name="Wrocław", kind="city", team_id=team.id,
                geom=from_shape(dissolve(estates.values()), srid=4326))
    session.add(city)
    session.flush()
    for district in sorted(set(district_of.values())):
        members = [g for i, g in estates.items() if district_of[i] == district]
        session.add(Area(name=district, kind="district", parent_id=city.id, team_id=team.id,
                         geom=from_shape(dissolve(members), srid=4326)))
    session.flush()


def database(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def fresh(admin_url: str, name: str) -> str:
    """A copy of the template (untimed): every run starts from the same state."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    engine.dispose()
    return database(admin_url, name)


def points_csv(count: int) -> bytes:
    """``count`` rows inside Gdańsk as Polish Excel saves them: CP1250, ;, decimal commas."""
    # About 50 m inside the outline: a point rounded to 6 decimals must not
    # cross it (the import rightly refuses a point outside the area).
    city = dissolve(gpd.read_file(DISTRICTS).geometry, 50_000).buffer(-0.0005)
    shapely.prepare(city)
    west, south, east, north = city.bounds
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Nazwa", "Kategoria", "Adres", "Szerokość", "Długość", "Opis"])
    made = 0
    while made < count:
        point = Point(rng.uniform(west, east), rng.uniform(south, north))
        if not city.contains(point):
            continue
        made += 1
        writer.writerow([
            f"Zasób nr {made} – „Przykład”", CATEGORIES[made % len(CATEGORIES)],
            f"ul. Długa {made % 120 + 1}, Gdańsk",
            f"{point.y:.6f}".replace(".", ","), f"{point.x:.6f}".replace(".", ","),
            "Zajęcia dla dzieci, seniorów i rodzin; spotkania we wtorki i czwartki.",
        ])  # fmt: skip
    return out.getvalue().encode("cp1250")


# --- the contenders -------------------------------------------------------------------------


def ours_areas(url: str) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            admin = accounts.actor_for(session, "bench-admin")
        features = open_features(ESTATES.read_bytes(), ESTATES.name)
        with db.session_scope(engine, admin.username, restricted=True) as session:
            planned = area_import.plan(session, admin, features, AreaOptions(kind="estate"),
                                       ESTATES.name)
            return len(area_import.commit(session, admin, planned))
    finally:
        engine.dispose()


def naive_areas(url: str) -> int:
    """The same checks as ours, one feature at a time, through the ORM."""
    engine = create_engine(url)
    try:
        frame = gpd.read_file(ESTATES)
        poland = validation.poland()
        errors = 0
        with Session(engine) as session, session.begin():
            for record in frame.to_dict("records"):
                name = " ".join(str(record["osiedle"] or "").split())
                shape = record["geometry"]
                if not name or shape is None or shape.is_empty:
                    errors += 1
                    continue
                multi, _note = repair(shape, name)  # valid, polygonal parts only
                if share_inside(multi, poland) < area_features.IN_POLAND_SHARE:
                    errors += 1
                    continue
                geom = from_shape(multi, srid=4326)
                duplicate = session.scalars(
                    select(Area).where(
                        Area.kind == "estate", Area.retired_at.is_(None),
                        or_(func.lower(Area.name) == name.lower(),
                            func.ST_Equals(Area.geom, geom)),
                    )
                ).first()
                if duplicate is not None:
                    errors += 1
                    continue
                parent = session.scalars(
                    select(Area)
                    .where(Area.kind.in_(("district", "city")), Area.retired_at.is_(None),
                           func.ST_Intersects(Area.geom, geom))
                    .order_by(case((Area.kind == "district", 0), else_=1),
                              func.ST_Area(func.ST_Intersection(Area.geom, geom)).desc())
                ).first()
                session.add(Area(name=name, kind="estate", geom=geom,
                                 parent_id=parent.id if parent else None,
                                 team_id=parent.team_id if parent else None))
                session.flush()
            if errors:
                session.rollback()
                return 0
        return len(frame)
    finally:
        engine.dispose()


def placed_estates(url: str) -> int:
    """Estates stored under a district (checked after each run, untimed)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(
                "SELECT count(*) FROM area e JOIN area d ON d.id = e.parent_id "
                "WHERE e.kind = 'estate' AND d.kind = 'district' AND e.team_id IS NOT NULL"
            ))
    finally:
        engine.dispose()


def ours_points(url: str, content: bytes) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            editor = accounts.actor_for(session, "bench-editor")
            area_id = session.scalar(text("SELECT id FROM area WHERE name = 'Gdańsk'"))
        points = point_import.read(content, "zasoby.csv")
        with db.session_scope(engine, editor.username, restricted=True) as session:
            return len(point_import.commit(session, editor, points, area_id))
    finally:
        engine.dispose()


def naive_points(url: str, content: bytes) -> int:
    engine = create_engine(url)
    try:
        rows = list(csv.DictReader(io.StringIO(content.decode("cp1250")), delimiter=";"))
        with Session(engine) as session, session.begin():
            area_id = session.scalar(text("SELECT id FROM area WHERE name = 'Gdańsk'"))
            for row in rows:
                point = Point(float(row["Długość"].replace(",", ".")),
                              float(row["Szerokość"].replace(",", ".")))
                session.add(Resource(name=row["Nazwa"], kind="institution_public",
                                     category="library", address=row["Adres"],
                                     description=row["Opis"], area_id=area_id,
                                     geom=from_shape(point, srid=4326)))
                session.flush()
        return len(rows)
    finally:
        engine.dispose()


def bulk_points(url: str, content: bytes) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            editor = accounts.actor_for(session, "bench-editor")
            area_id = session.scalar(text("SELECT id FROM area WHERE name = 'Gdańsk'"))
        parsed = bulk.parse(content, "zasoby.csv")
        with db.session_scope(engine, editor.username, restricted=True) as session:
            return len(bulk.commit(session, editor, "resource", area_id, parsed))
    finally:
        engine.dispose()


# --- running --------------------------------------------------------------------------------


def timed(admin_url: str, name: str, run: Callable[[str], int], expected: int) -> float:
    url = fresh(admin_url, name)
    started = time.perf_counter()
    saved = run(url)
    elapsed = time.perf_counter() - started
    if saved != expected:
        raise SystemExit(f"{name}: saved {saved}, expected {expected}")
    if "_areas_" in name and placed_estates(url) != expected:
        raise SystemExit(f"{name}: not every estate was placed under a district")
    return elapsed


def line(label: str, values: list[float]) -> str:
    return (f"{label:<34}{statistics.median(values):>9.3f}{min(values):>9.3f}"
            f"{max(values):>9.3f}{len(values):>5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each (default 5)")
    parser.add_argument("--points", type=int, default=10_000, help="rows in the CSV")
    parser.add_argument("--with-bulk", action="store_true",
                        help="also time mapping.io.bulk.commit (row by row), once")
    parser.add_argument("--profile", action="store_true",
                        help="profile one more run of ours for each case")
    parser.add_argument("--only", choices=("areas", "points"),
                        help="time one case only (default: both)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)  # run as root, the server runs as `postgres`
    cluster = Cluster(workdir)
    try:
        started = time.perf_counter()
        cluster.start()
        admin_url = cluster.url("postgres")
        make_template(admin_url)
        content = points_csv(args.points)
        print(f"setup: cluster, template, {args.points:,}-row CSV ({len(content) // 1024} KB) "
              f"in {time.perf_counter() - started:.1f} s")

        cases = {
            "areas": [("ours", ours_areas, 48), ("naive", naive_areas, 48)],
            "points": [("ours", lambda url: ours_points(url, content), args.points),
                       ("naive", lambda url: naive_points(url, content), args.points)],
        }
        if args.only:
            cases = {args.only: cases[args.only]}
        # One untimed run each: imports, caches and the server's buffers warm up.
        for name, entries in cases.items():
            for label, run, expected in entries:
                timed(admin_url, f"warm_{name}_{label}", run, expected)
        results: dict[tuple[str, str], list[float]] = {}
        # Interleaved, so both see the same machine load.
        for i in range(args.reps):
            for name, entries in cases.items():
                for label, run, expected in entries:
                    results.setdefault((name, label), []).append(
                        timed(admin_url, f"run_{name}_{label}_{i}", run, expected))
            print(f"  {i + 1}/{args.reps}", end="\r", flush=True)
        if args.with_bulk:
            # The spreadsheet import takes at most bulk.MAX_ROWS rows: timed on as many.
            rows = min(args.points, bulk.MAX_ROWS)
            small = points_csv(rows)
            label = f"bulk.commit, {rows:,} rows, row by row"
            results[("points", label)] = [timed(
                admin_url, "run_points_bulk", lambda url: bulk_points(url, small), rows)]

        print(f"\n{'seconds, file bytes → committed':<34}{'median':>9}{'min':>9}{'max':>9}"
              f"{'n':>5}")
        for name, size in (("areas", "48 Wrocław estates"), ("points", f"{args.points:,} points")):
            if name not in cases:
                continue
            print(f"{name}: {size}")
            for (case, label), values in results.items():
                if case == name:
                    print(line(f"  {label}", values))
            ours = statistics.median(results[(name, "ours")])
            ratio = statistics.median(results[(name, "naive")]) / ours
            verdict = "met" if ours < TARGETS[name] else "MISSED"
            ratio_verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
            print(f"  naive/ours {ratio:.1f}×; target < {TARGETS[name]:g} s: {verdict}; "
                  f"≥ {TARGET_RATIO}× faster than naive: {ratio_verdict}")

        if args.profile:
            for name, run in (("areas", ours_areas),
                              ("points", lambda url: ours_points(url, content))):
                if name not in cases:
                    continue
                url = fresh(admin_url, f"profile_{name}")
                profiler = cProfile.Profile()
                profiler.enable()
                run(url)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
                print(f"--- profile: {name}\n{out.getvalue()}")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
