"""Save a pin → the pin is in the map payload: calmap's path against a naive baseline.

Run from the project root (public tools only, nothing to install beyond the project):

    .venv/bin/python bench/bench_pin_save.py            # 40 repetitions of each
    .venv/bin/python bench/bench_pin_save.py --reps 10 --profile
    .venv/bin/python bench/bench_pin_save.py --reps 20 --naive-reps 2 --before /work/main

It starts a throwaway PostgreSQL + PostGIS cluster in a temporary directory
under /tmp, migrates it, installs the catalogue, loads one real Gdańsk
district and 10,000 pins spread over its three layers, then measures, in the
same run:

editor the editor's own path, as one save and the rerun after it run in the
       app, connected as the app is (the runtime role, acting for a signed-in
       session's token; ``--connect owner``: the schema owner, which opens a
       session for the user in every transaction, as the CLI and the tests
       do): pins.create_pin in a restricted transaction + commit, then the
       editor's read (editor_view.read_view: versions, the kept layers, the
       rest read again) and its map (live_map.show: kept content, or
       overview_map + for_the_field + split, and st_folium's render of the
       base and the content); checks the new pin is in what st_folium sends.
       With ``--before DIR`` the same path of another checkout (main) runs in
       a worker process, interleaved with this one's: before and after in one
       run, under the same load. That checkout migrates and fills a database
       of its own in the same server (``--before-database shared``: this one).
ours   pins.create_pin + commit, then layers.overview for the chosen area, the
       maps.overview builder and the HTML/JS payload st_folium would send,
       nothing kept (the overview page's path before anything is cached).
naive  ORM insert + commit, then session.query(...).all() for every layer, one
       folium.Marker with a Popup per pin, the whole HTML rendered; checks the
       new pin is in it.

Everything is server side (no browser). See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import gc
import html
import inspect
import io
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import folium
import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A worker for another checkout (--before) imports that checkout's code.
_ROOT = Path(os.environ.get("CALMAP_BENCH_ROOT", PROJECT_ROOT))
sys.path.insert(0, str(_ROOT))

from mapping import catalog, db  # noqa: E402
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import Area, Need, Partner, Resource, Team  # noqa: E402
from mapping.maps import assets
from mapping.maps.overview import overview_map
from mapping.services import accounts, layers, pins

DISTRICTS = PROJECT_ROOT / "geodata" / "files" / "gdansk_dzielnice.geojson"
DISTRICT = "Śródmieście"
CITY = "Gdańsk"
LAYER_SIZES = {"resource": 5_000, "partner": 2_000, "need": 3_000}
TARGET_P95_MS = 150
TARGET_RATIO = 5


def st_folium_payload(m: folium.Map) -> str:
    """What st_folium sends to the browser for ``m``: its html, header and Leaflet script.

    The same calls, in the same order, as streamlit_folium.st_folium (0.27),
    without the Streamlit component around them.
    """
    import streamlit_folium as sf

    m.get_root().render()
    m.render()
    body = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    return "\n".join((body, header, script))


# --- setup ------------------------------------------------------------------------------


def load_world(engine) -> tuple[int, accounts.Actor, list[tuple[float, float]]]:
    """One real district owned by a team, an editor of that team, and 10,000 pins."""
    frame = gpd.read_file(DISTRICTS).set_index("DZIELNICY")
    geom = shapely.make_valid(frame.loc[DISTRICT].geometry)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    with Session(engine) as session, session.begin():
        catalog.install_defaults(session)
        team = Team(code="bench", name="Zespół testowy", city=CITY)
        session.add(team)
        session.flush()
        area = Area(name=DISTRICT, kind="district", team_id=team.id,
                    geom=from_shape(geom, srid=4326), population=30_000)
        session.add(area)
        session.flush()
        actor = accounts.add_user(session, "bench-editor", None, "editor", ["bench"])
        entries = catalog.entries(session)
        codes = {v: [e for e in entries if e.vocabulary == v] for v in
                 ("resource_category", "partner_sector", "need_category", "source_method",
                  "target_group")}
        area_id = area.id
        insert_pins(session, area_id, codes)
        points = session.execute(
            text("SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 200, 7)))"
                 ".geom AS g FROM area WHERE id = :id) p"),
            {"id": area_id},
        ).all()
    return area_id, actor, [(x, y) for x, y in points]


def insert_pins(session: Session, area_id: int, codes: dict[str, list[catalog.Entry]]) -> None:
    """INSERT … SELECT with points generated inside the polygon: seconds, not minutes."""
    common = """
        WITH p AS (
            SELECT row_number() OVER () AS i, d.geom
            FROM area, ST_Dump(ST_GeneratePoints(area.geom, :n, :seed)) AS d
            WHERE area.id = :area
        )
    """
    visibility = ("CASE WHEN i % 10 = 0 THEN 'team' WHEN i % 10 = 1 THEN 'partnership' "
                  "ELSE 'public' END")
    description = ("'Opis wpisu ' || i || ': zajęcia dla dzieci, seniorów i rodzin, "
                   "spotkania w każdy wtorek i czwartek.'")
    categories = [e.code for e in codes["resource_category"]]
    kinds = [e.parent_code for e in codes["resource_category"]]
    groups = [e.code for e in codes["target_group"]]
    session.execute(
        text(common + f"""
        INSERT INTO resource (name, kind, category, description, address, phone, email, www,
                              visibility, target_groups, area_id, geom, source)
        SELECT 'Zasób nr ' || i, (CAST(:kinds AS text[]))[1 + i % :k],
               (CAST(:cats AS text[]))[1 + i % :k], {description},
               'ul. Długa ' || (i % 120 + 1) || ', Gdańsk', '58 301 ' || lpad((i % 10000)::text,
               4, '0'), 'kontakt' || i || '@example.pl', 'https://example.pl/' || i,
               {visibility}, ARRAY[(CAST(:groups AS text[]))[1 + i % :g]], :area, p.geom,
               'bench'
        FROM p"""),
        {"n": LAYER_SIZES["resource"], "seed": 1, "area": area_id, "kinds": kinds,
         "cats": categories, "k": len(categories), "groups": groups, "g": len(groups)},
    )
    sectors = [e.code for e in codes["partner_sector"]]
    session.execute(
        text(common + f"""
        INSERT INTO partner (name, sector, description, address, visibility, area_id, geom, source)
        SELECT 'Partner nr ' || i, (CAST(:sectors AS text[]))[1 + i % :k], {description},
               'ul. Ogarna ' || (i % 90 + 1), {visibility}, :area, p.geom, 'bench'
        FROM p"""),
        {"n": LAYER_SIZES["partner"], "seed": 2, "area": area_id, "sectors": sectors,
         "k": len(sectors)},
    )
    needs = [e.code for e in codes["need_category"]]
    methods = [e.code for e in codes["source_method"]]
    session.execute(
        text(common + f"""
        INSERT INTO need (name, category, priority, status, source_method, evidence, visibility,
                          target_groups, area_id, geom, source)
        SELECT 'Potrzeba nr ' || i, (CAST(:needs AS text[]))[1 + i % :k], 1 + i % 3,
               (ARRAY['identified', 'being_addressed', 'met'])[1 + i % 3],
               (CAST(:methods AS text[]))[1 + i % :m], 'Ankieta mieszkańców, ' || i,
               {visibility}, ARRAY[(CAST(:groups AS text[]))[1 + i % :g]], :area,
               -- One need in fifty covers the whole area: no point.
               CASE WHEN i % 50 = 0 THEN NULL ELSE p.geom END, 'bench'
        FROM p"""),
        {"n": LAYER_SIZES["need"], "seed": 3, "area": area_id, "needs": needs,
         "k": len(needs), "methods": methods, "m": len(methods), "groups": groups,
         "g": len(groups)},
    )
    session.execute(text("ANALYZE"))


# --- the two paths ------------------------------------------------------------------------


def ours(engine, area_id: int, actor: accounts.Actor, point: tuple[float, float],
         marker: str, parts: dict[str, list[float]]) -> None:
    """Save with the editing service, then read and build the map as the page does."""
    t0 = time.perf_counter()
    with db.session_scope(engine, actor.username, restricted=True) as session:
        ref = pins.create_pin(
            session, actor, "resource", area_id,
            {"name": marker, "category": "library", "visibility": "public",
             "address": "ul. Długa 1, Gdańsk"},
            point,
        )
    t1 = time.perf_counter()
    with Session(engine) as session:
        view = layers.overview(session, CITY, None, area_id)
    t2 = time.perf_counter()
    m = overview_map(
        view.areas, view.pins, view.catalogue, "pl", selected_area_id=view.selected_area_id,
        tiles_url=None, leaflet=assets.leaflet_links(),
    )
    t3 = time.perf_counter()
    payload = st_folium_payload(m)
    t4 = time.perf_counter()
    # The pin layers send one list per property: the id is in the list of ids.
    if marker not in payload or not re.search(rf"[\[,]{ref.id}[,\]]", payload):
        raise AssertionError(f"ours: the new pin {ref.id} is not in the payload")
    for name, start, end in (("save", t0, t1), ("read", t1, t2), ("build", t2, t3),
                             ("payload", t3, t4)):
        parts[name].append((end - start) * 1000)


def naive(engine, area_id: int, point: tuple[float, float], marker: str) -> None:
    """ORM insert, then every row of every layer as one folium Marker with a Popup."""
    with Session(engine) as session, session.begin():
        session.add(
            Resource(name=marker, kind="institution_public", category="library",
                     visibility="public", address="ul. Długa 1, Gdańsk", area_id=area_id,
                     geom=from_shape(Point(point), srid=4326))
        )
    with Session(engine) as session:
        area = session.get(Area, area_id)
        outline = to_shape(area.geom)
        m = folium.Map(location=[outline.centroid.y, outline.centroid.x], zoom_start=14)
        folium.GeoJson(outline.__geo_interface__, name=area.name).add_to(m)
        for model in (Resource, Partner, Need):
            for row in session.query(model).all():
                if row.geom is None:
                    continue
                spot = to_shape(row.geom)
                folium.Marker(
                    [spot.y, spot.x],
                    popup=folium.Popup(html.escape(row.name)),
                    tooltip=html.escape(row.name),
                ).add_to(m)
        page = m.get_root().render()
    if marker not in page:
        raise AssertionError("naive: the new pin is not in the page")


class EditorPath:
    """The editor's save and the rerun after it, as the page runs them (see the module doc)."""

    def __init__(self, url: str, area_id: int, actor: accounts.Actor) -> None:
        """Save into ``area_id`` as ``actor`` in the database at ``url``; files to a temp folder."""
        import streamlit.logger

        from mapping.maps import pin_store

        # Streamlit called outside a running app: its bare-mode warnings are noise here.
        streamlit.logger.set_log_level("error")
        self.url, self.area_id, self.actor = url, area_id, actor
        # The saved pins' visibility (--visibility; the worker reads it from its environment).
        self.visibility = os.environ.get("CALMAP_BENCH_VISIBILITY", "public")
        folder = Path(tempfile.mkdtemp(prefix="calmap-bench-pins-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the worker's too
        self.store = pin_store.PinStore(folder, "/app/static/cache/pins")
        self.leaflet = assets.leaflet_links()
        from mapping.maps.field import for_the_field

        # The field's scripts are linked beside Leaflet since issue 15's house-keeping;
        # a --before checkout older than that inlines them (no ``leaflet`` argument).
        self.field_links = {"leaflet": self.leaflet} if (
            "leaflet" in inspect.signature(for_the_field).parameters) else {}

    def run(
        self, point: tuple[float, float], marker: str, parts: dict[str, list[float]]
    ) -> tuple[float, float]:
        """One save and the rerun that shows the map again: its wall and CPU ms.

        Then (not timed) checks the pin is in what was sent.
        """
        import streamlit_folium

        from mapping.maps.field import for_the_field
        from mapping.ui import editor_view, live_map

        sent: list[str] = []
        real = streamlit_folium._get_feature_group_string

        def spy(group, map, idx=0):  # noqa: A002 - streamlit_folium's own argument name
            text = real(group, map=map, idx=idx)
            sent.append(text)
            return text

        t0, cpu0 = time.perf_counter(), time.process_time()
        with db.session_scope(db.engine_for_url(self.url), self.actor.username,
                              restricted=True) as session:
            ref = pins.create_pin(
                session, self.actor, "resource", self.area_id,
                {"name": marker, "category": "library", "visibility": self.visibility,
                 "address": "ul. Długa 1, Gdańsk"},
                point,
            )
        t1 = time.perf_counter()
        view = editor_view.read_view(self.url, self.actor, CITY, None, self.area_id)
        assert view is not None
        t2 = time.perf_counter()
        streamlit_folium._get_feature_group_string = spy
        try:
            live_map.show(
                lambda: for_the_field(
                    overview_map(
                        view.areas, view.map_pins(), view.catalogue, "pl",
                        selected_area_id=view.area_id, tiles_url=None, leaflet=self.leaflet,
                        clickable_areas=False, store=self.store,
                    ),
                    "pl", locate=True, **self.field_links,
                ),
                cache_key=("editor", view.key, "pl", None, "", self.leaflet,
                           self.store.url_prefix),
                key="bench-editor-map", height=430, leaflet=self.leaflet,
                returned_objects=["last_clicked", "last_object_clicked"],
            )
        finally:
            streamlit_folium._get_feature_group_string = real
        t3, cpu3 = time.perf_counter(), time.process_time()
        # The new pin is public: it is in a file of the store the content names.
        files = "".join(path.read_text() for path in self.store.files()
                        if path.stat().st_mtime >= time.time() - 600)
        if not sent or (marker not in sent[0] and marker not in files):
            raise AssertionError(f"editor: the new pin {ref.id} is not in what is sent")
        for name, start, end in (("save", t0, t1), ("read", t1, t2), ("map", t2, t3)):
            parts[name].append((end - start) * 1000)
        return (t3 - t0) * 1000, (cpu3 - cpu0) * 1000


def connect(owner_url: str, app_url: str, username: str, how: str) -> str:
    """The URL the editor path uses; for ``app``, this thread acts for a new session of the user.

    The app connects as the runtime role and names the signed-in browser
    session's token at the start of each transaction; the owner's connection
    instead opens a session for the user in every restricted transaction.
    """
    if how == "owner":
        return owner_url
    with create_engine(owner_url).begin() as conn:
        token = db.open_session_as_owner(conn, username)
    db.set_session_token(token)
    return app_url


def worker(url: str, area_id: int, username: str) -> int:
    """Serve ``run <x> <y> <marker>`` lines on stdin with the editor path; reply its ms.

    With ``CALMAP_BENCH_OWN_WORLD`` the database at ``url`` is empty: this
    checkout migrates it with its own schema and loads the same world first.
    """
    import json

    if os.environ.get("CALMAP_BENCH_OWN_WORLD"):
        engine = create_engine(url)
        schema.upgrade(engine)
        area_id, own_actor, _ = load_world(engine)
        username = own_actor.username
        engine.dispose()
        print(json.dumps({"ready": area_id}), flush=True)
    with Session(create_engine(url)) as session:
        actor = accounts.actor_for(session, username)
    app_url = os.environ.get("CALMAP_BENCH_APP_URL")
    if app_url:
        url = connect(url, app_url, username, "app")
    path = EditorPath(url, area_id, actor)
    parts: dict[str, list[float]] = {k: [] for k in ("save", "read", "map")}
    cpu: list[float] = []
    for number, line in enumerate(sys.stdin):
        _, x, y, marker = line.split()
        ms, cpu_ms = path.run((float(x), float(y)), marker, parts)
        cpu.append(cpu_ms)
        if number == 0 and os.environ.get("CALMAP_BENCH_GC_FREEZE"):
            gc.collect()  # after the warm-up, as the driver with --gc-freeze
            gc.freeze()
        print(json.dumps({"ms": ms, "cpu": cpu[-1], **{k: v[-1] for k, v in parts.items()}}),
              flush=True)
    return 0


class Before:
    """The editor path of another checkout (``--before``), in a worker process."""

    def __init__(self, root: Path, url: str, area_id: int, username: str,
                 gc_freeze: bool = False, app_url: str | None = None,
                 own_world: bool = False) -> None:
        """Start the worker with ``root``'s code (and this file's driver).

        ``url`` is the owner's; with ``app_url`` the worker connects as the app;
        with ``own_world`` the database at ``url`` is empty, for the worker to
        migrate with its own schema and fill.
        """
        import json
        import subprocess

        env = {**os.environ, "CALMAP_BENCH_ROOT": str(root), "PYTHONPATH": str(root)}
        if app_url:
            env["CALMAP_BENCH_APP_URL"] = app_url
        if own_world:
            env["CALMAP_BENCH_OWN_WORLD"] = "1"
        if gc_freeze:
            env["CALMAP_BENCH_GC_FREEZE"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(area_id), username],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )
        if own_world:
            assert self.proc.stdout is not None
            if "ready" not in json.loads(self.proc.stdout.readline() or "{}"):
                raise RuntimeError("the --before worker could not load its world")

    def run(self, point: tuple[float, float], marker: str) -> dict[str, float]:
        """One save and rerun in the worker; its own timings."""
        import json

        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"run {point[0]} {point[1]} {marker}\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the --before worker stopped")
        return json.loads(reply)

    def close(self) -> None:
        """Let the worker end."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# --- measuring --------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed(run: Callable[[], None], cpu: list[float]) -> float:
    """Wall-clock ms of ``run``; its CPU ms in this process go to ``cpu``.

    On a machine shared with other work the wall clock also counts waiting
    for a core; the CPU time of the app's process does not (the database
    server's share is not in it, and is small here).
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    run()
    cpu.append((time.process_time() - start_cpu) * 1000)
    return (time.perf_counter() - start) * 1000


def row(label: str, values: list[float]) -> str:
    return (f"{label:<28}{statistics.median(values):>9.0f}{percentile(values, 95):>9.0f}"
            f"{max(values):>9.0f}{len(values):>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40,
                        help="repetitions of the editor path (default 40)")
    parser.add_argument("--ours-reps", type=int, default=None,
                        help="repetitions of the uncached overview path (default: as --reps)")
    parser.add_argument("--naive-reps", type=int, default=None,
                        help="repetitions of the naive baseline (default: as --reps)")
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout (e.g. /work/main): its editor path, interleaved")
    parser.add_argument("--visibility", choices=("public", "team"), default="public",
                        help="the saved pins' visibility: public (their files change) or team "
                             "(the content's inline pins change)")
    parser.add_argument("--before-database", choices=("own", "shared"), default="own",
                        help="the --before checkout's database: its own, migrated by its own "
                             "schema in the same server (default), or this one's")
    parser.add_argument("--profile", action="store_true",
                        help="profile one more repetition of the editor path with cProfile")
    parser.add_argument("--connect", choices=("app", "owner"), default="app",
                        help="the editor path's connection: as the app (runtime role and a "
                             "session token, default) or as the schema owner")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after the warm-up, as streamlit_app.py does once "
                             "after start-up (shows what the garbage collector costs)")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "AREA", "USER"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], int(args.worker[1]), args.worker[2])
    os.environ["CALMAP_BENCH_VISIBILITY"] = args.visibility  # this process and the worker
    naive_reps = args.naive_reps if args.naive_reps is not None else args.reps
    ours_reps = args.ours_reps if args.ours_reps is not None else args.reps

    # Under /tmp, readable by all: run as root, the server runs as `postgres`.
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    before: Before | None = None
    try:
        started = time.perf_counter()
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        area_id, actor, points = load_world(engine)
        print(f"setup: cluster, schema, catalogue, {DISTRICT} and "
              f"{sum(LAYER_SIZES.values()):,} pins in {time.perf_counter() - started:.1f} s")
        app_url = cluster.runtime_url() if args.connect == "app" else None
        editor = EditorPath(
            connect(cluster.url(), cluster.runtime_url(), actor.username, args.connect),
            area_id, actor,
        )
        if args.before is not None:
            own = args.before_database == "own"
            before_url, before_app_url = cluster.url(), app_url
            if own:
                # The same server, a database of its own: its schema, functions and policies.
                with create_engine(cluster.url(), isolation_level="AUTOCOMMIT").connect() as c:
                    c.execute(text('CREATE DATABASE "calmap_before"'))
                before_url = cluster.url("calmap_before")
                before_app_url = cluster.runtime_url("calmap_before") if app_url else None
            before = Before(args.before, before_url, area_id, actor.username, args.gc_freeze,
                            before_app_url, own_world=own)

        # One untimed round each: imports, caches and the database's buffers warm up
        # (the editor's map is read and built once, as when the editor was opened).
        parts: dict[str, list[float]] = {k: [] for k in ("save", "read", "build", "payload")}
        editor_parts: dict[str, list[float]] = {k: [] for k in ("save", "read", "map")}
        before_parts: dict[str, list[float]] = {k: [] for k in ("save", "read", "map")}
        editor.run(points[0], f"bench-warm-{uuid.uuid4().hex}", editor_parts)
        if before is not None:
            before.run(points[0], f"bench-warm-{uuid.uuid4().hex}")
        if ours_reps:
            ours(engine, area_id, actor, points[0], f"bench-warm-{uuid.uuid4().hex}", parts)
        if naive_reps:
            naive(engine, area_id, points[1], f"bench-warm-{uuid.uuid4().hex}")
        parts = {k: [] for k in parts}
        editor_parts = {k: [] for k in editor_parts}
        if args.gc_freeze:
            # Everything alive now (modules, caches) leaves the collector's
            # scans; a full collection then only looks at what a request made.
            gc.collect()
            gc.freeze()

        editor_ms, before_ms, ours_ms, naive_ms = [], [], [], []
        editor_cpu, before_cpu, ours_cpu, naive_cpu = [], [], [], []
        # The editor's path and main's, interleaved, so both see the same growing
        # tables and the same machine load; one save after another, as an editor
        # placing pins does (the slow baselines between them would let every kept
        # layer expire). Then the uncached path and the naive one, interleaved.
        for i in range(args.reps):
            point = points[(2 + i) % len(points)]
            name = f"bench-editor-{i}-{uuid.uuid4().hex[:8]}"
            ms, cpu_ms = editor.run(point, name, editor_parts)
            editor_ms.append(ms)
            editor_cpu.append(cpu_ms)
            if before is not None:
                reply = before.run(point, f"bench-before-{i}-{uuid.uuid4().hex[:8]}")
                before_ms.append(reply["ms"])
                before_cpu.append(reply["cpu"])
                for key in before_parts:
                    before_parts[key].append(reply[key])
            print(f"  editor {i + 1}/{args.reps}", end="\r", flush=True)
        for i in range(max(ours_reps, naive_reps)):
            point = points[(2 + args.reps + i) % len(points)]
            if i < ours_reps:
                name = f"bench-ours-{i}-{uuid.uuid4().hex[:8]}"
                run = partial(ours, engine, area_id, actor, point, name, parts)
                ours_ms.append(timed(run, ours_cpu))
            if i < naive_reps:
                name = f"bench-naive-{i}-{uuid.uuid4().hex[:8]}"
                naive_ms.append(timed(partial(naive, engine, area_id, point, name), naive_cpu))
            print(f"  baselines {i + 1}/{max(ours_reps, naive_reps)}", end="\r", flush=True)

        print(f"\nsave a pin → the pin is in the map payload ({DISTRICT}, "
              f"{sum(LAYER_SIZES.values()):,} pins; ms)")
        print(f"{'':<28}{'p50':>9}{'p95':>9}{'max':>9}{'n':>6}")
        print(row("editor (save + rerun)", editor_ms))
        for name in editor_parts:
            print(row(f"  of which {name}", editor_parts[name]))
        if before_ms:
            print(row(f"before ({args.before.name})", before_ms))
            for name in before_parts:
                print(row(f"  of which {name}", before_parts[name]))
            print(f"ratio before/editor: p50 "
                  f"{statistics.median(before_ms) / statistics.median(editor_ms):.1f}×, p95 "
                  f"{percentile(before_ms, 95) / percentile(editor_ms, 95):.1f}×")
        if ours_ms:
            print(row("uncached (save+read+build)", ours_ms))
            for name in ("save", "read", "build", "payload"):
                print(row(f"  of which {name}", parts[name]))
        if naive_ms:
            print(row("naive (ORM + Marker/Popup)", naive_ms))
            ratio50 = statistics.median(naive_ms) / statistics.median(editor_ms)
            ratio95 = percentile(naive_ms, 95) / percentile(editor_ms, 95)
            print(f"ratio naive/editor: p50 {ratio50:.1f}×, p95 {ratio95:.1f}×")
        print(f"CPU time of this process (ms; the wall clock above also counts waiting "
              f"for a core, load average now {os.getloadavg()[0]:.1f})")
        print(row("editor", editor_cpu))
        if before_cpu:
            print(row(f"before ({args.before.name})", before_cpu))
            print(f"ratio before/editor (CPU): p50 "
                  f"{statistics.median(before_cpu) / statistics.median(editor_cpu):.2f}×, p95 "
                  f"{percentile(before_cpu, 95) / percentile(editor_cpu, 95):.2f}×")
        if ours_cpu:
            print(row("uncached", ours_cpu))
        if naive_cpu:
            print(row("naive", naive_cpu))
        p95 = percentile(editor_ms, 95)
        print(f"target p95 ≤ {TARGET_P95_MS} ms: {'met' if p95 <= TARGET_P95_MS else 'MISSED'}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            editor.run(points[-1], f"bench-profile-{uuid.uuid4().hex}", editor_parts)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(out.getvalue())
        engine.dispose()
    finally:
        if before is not None:
            before.close()
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
