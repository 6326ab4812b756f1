"""Issue 15's map figures in one run: the server build of a pin map and the browser's "ready".

Usage::

    .venv/bin/python bench/bench_map.py                       # all three parts, ~10 min
    .venv/bin/python bench/bench_map.py --parts server --reps 9 --elsewhere 100
    .venv/bin/python bench/bench_map.py --parts browser app --reps 2

Three parts, each interleaving what it compares, on databases made here in one
embedded cluster (``bench_pin_save.load_world``: Śródmieście owned by a team,
5 : 2 : 3 resources, partners, needs, one in ten team-only, one in ten for the
partnership):

- **server**: the overview page's server work for one district of 10,000 pins
  (``--pins``): *read* ``layers.overview`` (public and partnership pins, as
  ``cached_reads.overview``), *build* ``overview_map`` with a pin store (the
  payload cache emptied each time: a first viewer), *send* ``live.split`` and
  what st_folium renders for the mounted map and its content. The same pins
  built by the one-marker-per-pin builder of commit ``BASELINE`` beside it.
  Timed in two databases in turns: **alone** (just that district) and
  **crowded** (the same district plus ``--elsewhere`` times as many pins in
  another city's 35 districts, each written through the history trigger).
  Target: p50 ≤ 100 ms, crowded / alone ≤ 1.5.
- **browser**: the overview map's self-contained HTML (as the offline file) for
  1,000, 10,000 and 50,000 pins, one marker per pin (``BASELINE``) against now,
  opened from disk in Debian's Chromium (``bench_map_scale.measure_page``).
- **app**: the running app's overview (``?area=`` a district of the largest
  ``--sizes``, 50,000 pins by default) in a fresh browser context: from
  navigation until every pin layer is loaded and painted (``map_live``), the
  bytes received. Target: ≤ 3 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A worker for another checkout (--before) imports that checkout's code.
_ROOT = Path(os.environ.get("CALMAP_BENCH_ROOT", PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))
sys.path.insert(0, str(_ROOT))

import bench_map_scale  # noqa: E402
import bench_pin_save  # noqa: E402
import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
import streamlit_folium as sf  # noqa: E402
from geoalchemy2.shape import from_shape  # noqa: E402
from shapely.geometry import MultiPolygon  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from mapping import catalog  # noqa: E402
from mapping.db import schema  # noqa: E402
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import Area, Team  # noqa: E402
from mapping.maps import assets, live, pin_columns, pin_payload  # noqa: E402
from mapping.maps.overview import overview_map  # noqa: E402
from mapping.maps.pin_store import PinStore  # noqa: E402
from mapping.services import layers  # noqa: E402

OTHER_CITY = "Inne Miasto"
# The other city's districts: Gdańsk's, moved this many degrees east (no overlap).
OTHER_CITY_SHIFT = 3.0


# --- setup ------------------------------------------------------------------------------


def new_database(cluster: Cluster, name: str, pins: int) -> tuple[str, int]:
    """A database ``name`` with the schema and the bench district of ``pins`` pins."""
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = cluster.url(name)
    engine = create_engine(url)
    schema.upgrade(engine)
    scale = pins / 10_000
    sizes = {"resource": 5_000, "partner": 2_000, "need": 3_000}
    bench_pin_save.LAYER_SIZES = {layer: round(n * scale) for layer, n in sizes.items()}
    area_id, _, _ = bench_pin_save.load_world(engine)
    engine.dispose()
    return url, area_id


class _NoAnalyze:
    """A session whose ``execute`` skips a bare ``ANALYZE`` (run once after the bulk load)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        """The session's ``execute``, except for ``ANALYZE``."""
        if str(statement).strip() == "ANALYZE":
            return None
        return self.session.execute(statement, *args, **kwargs)


def add_elsewhere(url: str, pins: int) -> int:
    """``pins`` more pins in another city's 35 districts (another team); how many areas."""
    frame = gpd.read_file(bench_pin_save.DISTRICTS)
    engine = create_engine(url)
    per_area = pins / len(frame)
    with Session(engine) as session, session.begin():
        team = Team(code="elsewhere", name="Zespół gdzie indziej", city=OTHER_CITY)
        session.add(team)
        session.flush()
        entries = catalog.entries(session)
        codes = {v: [e for e in entries if e.vocabulary == v] for v in
                 ("resource_category", "partner_sector", "need_category", "source_method",
                  "target_group")}
        bench_pin_save.LAYER_SIZES = {"resource": round(per_area * 0.5),
                                      "partner": round(per_area * 0.2),
                                      "need": round(per_area * 0.3)}
        # A bulk load: no history rows (the pin reads never touch them) and one
        # ANALYZE at the end, not one per area as insert_pins does.
        session.execute(text("SET LOCAL session_replication_role = replica"))
        quiet = _NoAnalyze(session)
        for name, geom in zip(frame["DZIELNICY"], frame.geometry, strict=True):
            shape = shapely.affinity.translate(shapely.make_valid(geom), xoff=OTHER_CITY_SHIFT)
            if shape.geom_type == "Polygon":
                shape = MultiPolygon([shape])
            area = Area(name=f"{name} (inne)", kind="district", team_id=team.id,
                        geom=from_shape(shape, srid=4326), population=10_000)
            session.add(area)
            session.flush()
            bench_pin_save.insert_pins(quiet, area.id, codes)  # type: ignore[arg-type]
    engine.dispose()
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    vacuum.dispose()
    return len(frame)


# --- server -----------------------------------------------------------------------------


def or_filter(model: Any, area_ids: Any, visibilities: Any, need_statuses: Any) -> list[Any]:
    """``layers._pin_filter`` as it was before this round: ``area_id IN … OR id IN (…)``."""
    from sqlalchemy import or_
    from sqlalchemy.orm import aliased

    from mapping.db.models import Need

    clauses = [model.retired_at.is_(None),
               model.visibility.in_(layers._check_visibilities(visibilities))]
    if model is Need:
        clauses.append(Need.status.in_(tuple(need_statuses)))
    if area_ids is not None:
        ids = sorted({int(i) for i in area_ids})
        inner = aliased(model)
        inside = (select(inner.id).join(Area, func.ST_Intersects(Area.geom, inner.geom))
                  .where(Area.id.in_(ids), Area.retired_at.is_(None)))
        clauses.append(or_(model.area_id.in_(ids), model.id.in_(inside)))
    return clauses


NOW_FILTER = layers._pin_filter


def read_once(engine: Any, area_id: int, before: bool) -> tuple[float, layers.Overview]:
    """The overview's read (ms), with the pin filter of before this round or of now."""
    layers._pin_filter = or_filter if before else NOW_FILTER  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        with Session(engine) as session:
            view = layers.overview(session, bench_pin_save.CITY, None, area_id)
        return (time.perf_counter() - t0) * 1000, view
    finally:
        layers._pin_filter = NOW_FILTER


def first_viewer(engine: Any, area_id: int, store: PinStore) -> tuple[dict[str, float], Any]:
    """One first viewer's read, build and send (ms; ``build_cpu``: this process's CPU ms)."""
    leaflet = assets.leaflet_links()
    pin_payload.PAYLOADS.clear()
    pin_columns.clear()  # a first viewer: no layer's columns kept either
    if hasattr(pin_payload, "forget_texts"):  # nor any pin file's text
        pin_payload.forget_texts()
    read_ms, view = read_once(engine, area_id, before=False)
    t1, c1 = time.perf_counter(), time.process_time()
    m = overview_map(view.areas, view.pins, view.catalogue, "pl",
                     selected_area_id=view.selected_area_id, tiles_url=None,
                     leaflet=leaflet, store=store)
    t2, c2 = time.perf_counter(), time.process_time()
    base, content = live.split(m, assets.pin_script_links_beside(leaflet))
    sent = bench_pin_save.st_folium_payload(base) + sf._get_feature_group_string(content, base)
    live.forget_groups(base, [content])
    t3 = time.perf_counter()
    if len(sent) < 1000:
        raise AssertionError("an empty map")
    return {"read": read_ms, "build": (t2 - t1) * 1000, "send": (t3 - t2) * 1000,
            "total": read_ms + (t3 - t1) * 1000, "build_cpu": (c2 - c1) * 1000,
            "sent_kb": len(sent) / 1000,
            "pins": sum(len(f) for f in view.pins.values())}, view


def server_once(engine: Any, area_id: int, store: PinStore, before: Any) -> dict[str, float]:
    """``first_viewer``; then the one-marker builder on the same read, and the old filter."""
    figures, view = first_viewer(engine, area_id, store)
    t3 = time.perf_counter()
    page = bench_map_scale.build(before, view, view.pins)
    t4 = time.perf_counter()
    if len(page) < 1000:
        raise AssertionError("an empty map")
    return {**figures, "one_marker": (t4 - t3) * 1000,
            "read_before": read_once(engine, area_id, before=True)[0]}


def worker(url: str, area_id: int, pins_dir: str) -> int:
    """Serve ``run`` lines on stdin with ``first_viewer`` of this checkout; reply its figures."""
    engine = create_engine(url)
    store = PinStore(Path(pins_dir), "/app/static/cache/pins", max_files=100_000)
    first_viewer(engine, area_id, store)  # warm-up, as the driver's
    gc.collect()
    gc.freeze()
    for _ in sys.stdin:
        print(json.dumps(first_viewer(engine, area_id, store)[0]), flush=True)
    engine.dispose()
    return 0


class Before:
    """``first_viewer`` of a checkout (``--before``'s, or this one), in a worker process."""

    def __init__(self, root: Path, url: str, area_id: int, pins_dir: Path) -> None:
        """Start the worker with ``root``'s code (and this file's driver)."""
        env = {**os.environ, "CALMAP_BENCH_ROOT": str(root), "PYTHONPATH": str(root)}
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(area_id), str(pins_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )

    def run(self) -> dict[str, float]:
        """One first viewer in the worker; its figures."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the --before worker stopped")
        return dict(json.loads(reply))

    def close(self) -> None:
        """Let the worker end."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def server(cluster: Cluster, pins: int, elsewhere: int, reps: int, workdir: Path,
           show_plans: bool = False, before_root: Path | None = None) -> None:
    """Alone and crowded databases, repetitions in turns; p50 / p95 and the ratio.

    ``before_root``: another checkout's first viewer of *alone*, interleaved.
    """
    started = time.perf_counter()
    alone_url, alone_area = new_database(cluster, "alone", pins)
    crowded_url, crowded_area = new_database(cluster, "crowded", pins)
    areas = add_elsewhere(crowded_url, pins * elsewhere) if elsewhere else 0
    engines = {"alone": create_engine(alone_url), "crowded": create_engine(crowded_url)}
    with engines["crowded"].connect() as connection:
        rows = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("resource", "partner", "need", "area", "layer_history")}
    print(f"setup: {pins:,} pins alone; crowded adds {pins * elsewhere:,} in {areas} areas of "
          f"{OTHER_CITY} ({rows}) in {time.perf_counter() - started:.0f} s", flush=True)
    ids = {"alone": alone_area, "crowded": crowded_area}
    if show_plans:
        for name, url in (("alone", alone_url), ("crowded", crowded_url)):
            print(f"--- plans of the pin reads, {name}")
            explain(url, ids[name])
    store = PinStore(workdir / "pins", "/app/static/cache/pins", max_files=100_000)
    before = bench_map_scale.baseline_builder()
    # Before and now alike in a worker of their own: the driver's heap (the one-marker
    # maps, the crowded runs) would slow its collector down, and so its build.
    other = Before(before_root, alone_url, ids["alone"], workdir / "pins-before") if (
        before_root is not None) else None
    this = Before(PROJECT_ROOT, alone_url, ids["alone"], workdir / "pins-now") if (
        before_root is not None) else None
    for name in engines:  # warm-up: imports, buffers, the store's files
        server_once(engines[name], ids[name], store, before)
    gc.collect()
    gc.freeze()  # as streamlit_app.py does once after start-up
    results: dict[str, list[dict[str, float]]] = {"alone": [], "crowded": []}
    earlier: list[dict[str, float]] = []
    now: list[dict[str, float]] = []
    for rep in range(reps):
        order = ("alone", "crowded") if rep % 2 == 0 else ("crowded", "alone")
        for name in order:
            results[name].append(server_once(engines[name], ids[name], store, before))
            if other is not None and this is not None and name == "alone":
                pair = (other, this) if rep % 2 == 0 else (this, other)
                figures = {id(w): w.run() for w in pair}
                earlier.append(figures[id(other)])
                now.append(figures[id(this)])
        print(f"  run {rep + 1}: " + ", ".join(
            f"{n} {results[n][-1]['total']:.0f} ms" for n in results), flush=True)
    for process in (other, this):
        if process is not None:
            process.close()
    for engine in engines.values():
        engine.dispose()
    shown = results["alone"][0]["pins"]
    print(f"\nserver, one district of {shown:,} public+partnership pins; ms, {reps} runs each")
    print(f"{'':<34}{'p50':>8}{'p95':>8}{'max':>8}")
    table = {name: results[name] for name in results}
    if earlier:
        table["now, a worker"] = now
        table[f"before ({before_root.name}), a worker"] = earlier
    for name, rows in table.items():
        for key in ("total", "read", "build", "build_cpu", "send", "one_marker", "read_before"):
            if key not in rows[0]:
                continue
            values = [r[key] for r in rows]
            label = {"total": f"{name}: read+build+send"[:33],
                     "build_cpu": "  build, CPU of the process",
                     "one_marker": "  one marker per pin (build only)",
                     "read_before": "  read with the filter of before"}.get(
                         key, f"  of which {key}")
            print(f"{label:<34}{statistics.median(values):>8.0f}"
                  f"{bench_pin_save.percentile(values, 95):>8.0f}{max(values):>8.0f}")
    if earlier:
        for key in ("build", "build_cpu", "total"):
            ratios = [b[key] / a[key] for a, b in zip(now, earlier, strict=True)]
            now_p50 = statistics.median(a[key] for a in now)
            before_p50 = statistics.median(b[key] for b in earlier)
            print(f"before / now (workers), alone, {key}: p50 {before_p50 / now_p50:.2f}×, "
                  f"median of paired runs {statistics.median(ratios):.2f}×")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    p50 = {n: statistics.median(r["total"] for r in results[n]) for n in results}
    paired = [c["total"] / a["total"] for a, c in zip(results["alone"], results["crowded"],
                                                      strict=True)]
    print(f"sent to the browser: {statistics.median(r['sent_kb'] for r in results['alone']):,.0f}"
          f" kB (public pins as files in the store)")
    print(f"crowded / alone: p50 {p50['crowded'] / p50['alone']:.2f}×, "
          f"median of paired runs {statistics.median(paired):.2f}×")
    for key in ("read", "read_before"):
        ratios = [c[key] / a[key] for a, c in zip(results["alone"], results["crowded"],
                                                  strict=True)]
        print(f"crowded / alone, {key}: median of paired runs {statistics.median(ratios):.2f}×")


def explain(url: str, area_id: int) -> None:
    """EXPLAIN ANALYZE of each statement the overview's read runs (captured as it runs them)."""
    from sqlalchemy import event

    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, params, _ctx, _many: seen.append((statement, params)))
    for before in (True, False):
        read_once(engine, area_id, before)
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for statement, params in seen:
            if "FROM resource" not in statement and "FROM need" not in statement \
                    and "FROM partner" not in statement:
                continue
            if "FROM resource" not in statement:
                continue  # the resource layer is enough: the three reads are alike
            print("filter of before:" if "OR resource.id IN" in statement else "filter of now:")
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, params)
            plan = [row[0] for row in cursor.fetchall()]
            print("\n".join(plan[:40]) + ("\n…" if len(plan) > 40 else ""))
            print()
    engine.dispose()


# --- browser and app ----------------------------------------------------------------------


def browser(url: str, area_id: int, sizes: list[int], reps: int, limit: float,
            workdir: Path) -> None:
    """bench_map_scale's static comparison for each size (one marker per pin against now)."""
    engine = create_engine(url)
    view = bench_map_scale.read_world(engine, area_id)
    engine.dispose()
    before = bench_map_scale.baseline_builder()
    from mapping.maps import overview

    for size in sizes:
        pins = bench_map_scale.sample(view.pins, size)
        results: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
        for rep in range(reps):
            for variant, module in (("before", before), ("now", overview)):
                pin_payload.PAYLOADS.clear()
                t0 = time.perf_counter()
                page = bench_map_scale.build(module, view, pins)
                figures: dict[str, float] = {"build_ms": (time.perf_counter() - t0) * 1000}
                path = workdir / f"{variant}-{size}-{rep}.html"
                path.write_text(page, encoding="utf-8")
                figures["mb"] = path.stat().st_size / 1e6
                figures.update(bench_map_scale.open_in_chromium(path, limit))
                results[variant].append(figures)
                print(f"  {size:,} {variant} run {rep + 1}: loaded "
                      f"{figures.get('loaded', float('nan')):.0f} ms", flush=True)
        bench_map_scale.report(size, results)


def app(url: str, area_id: int, pins: int, reps: int, limit: float) -> None:
    """The overview in the running app: navigation → every pin layer painted; bytes."""
    import map_live
    from playwright.sync_api import sync_playwright

    from tests.conftest import app_env

    env = {**app_env(url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    figures: list[dict[str, float]] = []
    with map_live.running_app(env, root=PROJECT_ROOT) as base, sync_playwright() as pw:
        browser_ = pw.chromium.launch(executable_path=bench_map_scale.CHROMIUM,
                                      args=bench_map_scale.CHROMIUM_ARGS)
        try:
            for rep in range(reps + 1):  # the first warms the server's caches up: not counted
                context = browser_.new_context(viewport={"width": 1366, "height": 900})
                tab = context.new_page()
                received = map_live._Bytes(tab, PROJECT_ROOT / "static" / "cache" / "pins")
                t0 = time.perf_counter()
                tab.goto(f"{base}/?city={quote(bench_pin_save.CITY)}&area={area_id}",
                         wait_until="commit")
                frame = map_live._wait_painted(tab, limit)
                ready = time.perf_counter() - t0
                markers = frame.evaluate(
                    "() => document.querySelector('.leaflet-marker-pane').children.length")
                row = {"ready_s": ready, "mb": received.mb(), "markers": markers}
                context.close()
                print(f"  app run {rep}{' (warm-up)' if rep == 0 else ''}: ready {ready:.2f} s, "
                      f"{row['mb']:.2f} MB, {markers} markers and clusters", flush=True)
                if rep:
                    figures.append(row)
        finally:
            browser_.close()
    print(f"\napp overview, {pins:,}-pin district: ready p50 "
          f"{statistics.median(f['ready_s'] for f in figures):.2f} s (max "
          f"{max(f['ready_s'] for f in figures):.2f} s), "
          f"{statistics.median(f['mb'] for f in figures):.2f} MB received")


def main() -> int:
    """Set up the cluster, run the chosen parts, remove everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=("server", "browser", "app"),
                        default=["server", "browser", "app"])
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--pins", type=int, default=10_000, help="the server's district")
    parser.add_argument("--elsewhere", type=int, default=100,
                        help="crowded: this many times --pins more pins in another city")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--limit", type=float, default=60.0,
                        help="give a page up after this many seconds (default 60)")
    parser.add_argument("--explain", action="store_true",
                        help="server: EXPLAIN ANALYZE the pin reads in both databases first")
    parser.add_argument("--before", type=Path, default=None,
                        help="server: another checkout (e.g. a git archive of main): its first "
                             "viewer of the district alone, interleaved with this one's")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "AREA", "PINS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], int(args.worker[1]), args.worker[2])
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir / "db")
    try:
        cluster.start()
        if "server" in args.parts:
            server(cluster, args.pins, args.elsewhere, args.reps, workdir, args.explain,
                   args.before)
        if {"browser", "app"} & set(args.parts):
            url, area_id = new_database(cluster, "large", max(args.sizes))
            if "browser" in args.parts:
                browser(url, area_id, args.sizes, args.reps, args.limit, workdir)
            if "app" in args.parts:
                app(url, area_id, max(args.sizes), args.reps, args.limit)
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
