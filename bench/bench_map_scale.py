"""Map scale: the same pins drawn today (clusters, popups on click) and the way before, in Chromium.

Usage::

    .venv/bin/python bench/bench_map_scale.py                 # 10,000 and 50,000 pins, ~4 min
    .venv/bin/python bench/bench_map_scale.py --sizes 10000 --reps 3
    .venv/bin/python bench/bench_map_scale.py --limit 900     # wait for the old 50,000 map
    .venv/bin/python bench/bench_map_scale.py --live --reps 3 --before-ref main   # the app
    .venv/bin/python bench/bench_map_scale.py --live --live-pins 50000 --reps 2   # the app, 50k

Setup: an embedded cluster in a temporary directory, the schema, the default
catalogue and one real district with the largest size's pins in it, made by
``bench_pin_save.load_world`` (``INSERT … SELECT`` over ``ST_GeneratePoints``;
5 : 2 : 3 resources, partners, needs, one need in fifty without a point).
The frames are read once with ``layers.overview`` (every visibility); a
smaller size takes every k-th row of each layer.

For each size, each repetition builds the overview map's self-contained HTML
(Leaflet inline, as the June pack's offline file) twice, interleaved:

- **before**: ``mapping/maps/builder.py`` as of commit ``BASELINE`` (read with
  ``git show``): one ``L.marker`` with a divIcon per pin, every popup
  assembled and bound when the page loads;
- **now**: the working tree's maps (``mapping.maps.overview``): the compact payload and
  calmap-pins.js (Leaflet.markercluster above 300 pins, popups built on click).

Each file is opened as a static file in headless Chromium (Debian's, driven by
Playwright, as ``tests/browser.py``) at 1280×800, and the script reports: HTML
bytes; server build time (map + render; for "now" also with the payload cache
warm, i.e. what a second viewer costs); time from navigation until the first
pins are elements of the page, and until every pin layer is loaded and two
frames are painted; DOM elements then; JS heap after a garbage collection; a
pan and a zoom (without animation) until two frames have been painted.
Medians over the repetitions, and the ratio before/now.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import bench_pin_save  # noqa: E402
import geopandas as gpd  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from mapping.db import schema  # noqa: E402
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import VISIBILITIES  # noqa: E402
from mapping.maps import assets, overview, pin_payload  # noqa: E402
from mapping.services import layers  # noqa: E402

# The last commit whose builder drew one marker per pin with every popup bound.
BASELINE = "c37d423"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1280, "height": 800}

# Run in the page: when the first pins are elements of it (polled every frame);
# then every layer loaded, DOM size, a pan and a zoom.
PAINTED_JS = """() => {
    const pane = document.querySelector('.leaflet-marker-pane');
    if (!pane || pane.children.length === 0) return false;
    window.__painted = window.__painted || performance.now();
    return true;
}"""
MEASURE_JS = """async () => {
    const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const pane = () => document.querySelector('.leaflet-marker-pane');
    const inPage = window.__painted;
    while (window.CalmapPins && window.CalmapPins.pending > 0) {
        await new Promise(r => setTimeout(r, 10));
    }
    await frames();
    const loaded = performance.now();
    const elements = document.getElementsByTagName('*').length;
    const markers = pane().children.length;
    const map = Object.values(window).find(v => v instanceof L.Map);
    const timed = async (act) => {
        const t0 = performance.now();
        act();
        await frames();
        return performance.now() - t0;
    };
    const pan = await timed(() => map.panBy([320, 180], {animate: false}));
    const zoom = await timed(() => map.setZoom(map.getZoom() + 1, {animate: false}));
    const zoomOut = await timed(() => map.setZoom(map.getZoom() - 1, {animate: false}));
    return {painted: inPage, loaded, pan, zoom: (zoom + zoomOut) / 2, elements, markers};
}"""


def baseline_builder() -> types.ModuleType:
    """``mapping/maps/builder.py`` as of ``BASELINE``, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE}:mapping/maps/builder.py"], cwd=PROJECT_ROOT,
        check=True, capture_output=True, text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("builder_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["builder_before"] = module  # dataclasses look their module up here
    exec(compile(source, "builder_before.py", "exec"), module.__dict__)  # noqa: S102
    return module


def read_world(engine: Any, area_id: int) -> layers.Overview:
    """The district's areas, every pin (every visibility) and the catalogue."""
    with Session(engine) as session:
        return layers.overview(session, bench_pin_save.CITY, None, area_id,
                               visibilities=VISIBILITIES)


def sample(pins: dict[str, gpd.GeoDataFrame], size: int) -> dict[str, gpd.GeoDataFrame]:
    """Every k-th row of each layer, so that about ``size`` pins remain."""
    total = sum(len(f) for f in pins.values())
    step = max(1, round(total / size))
    return {layer: frame.iloc[::step].reset_index(drop=True) for layer, frame in pins.items()}


def build(module: Any, view: layers.Overview, pins: dict[str, gpd.GeoDataFrame]) -> str:
    """The self-contained HTML of the overview map made by ``module``'s builder."""
    m = module.overview_map(view.areas, pins, view.catalogue, "pl",
                            selected_area_id=view.selected_area_id, tiles_url=None,
                            leaflet=assets.leaflet_inline())
    return m.get_root().render()


def measure_page(path: Path) -> dict[str, float]:
    """Open ``path`` in a fresh Chromium; the page's timings, DOM size and JS heap."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_context(viewport=VIEWPORT).new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(path.as_uri(), wait_until="commit", timeout=0)
        tab.wait_for_function(PAINTED_JS, polling="raf", timeout=0)
        figures = tab.evaluate(MEASURE_JS)
        cdp = tab.context.new_cdp_session(tab)
        cdp.send("HeapProfiler.collectGarbage")
        figures["heap_mb"] = cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
        browser.close()
    if errors:
        raise RuntimeError(f"{path.name}: {errors[:3]}")
    return figures


def open_in_chromium(path: Path, limit_s: float) -> dict[str, float]:
    """``measure_page`` in a process of its own, given up after ``limit_s`` seconds.

    A page whose script runs for minutes (the old map of 50,000 markers) does
    not answer Playwright until it is done; the whole process group, browser
    included, is killed instead, and only the lower bound is reported.
    """
    command = [sys.executable, __file__, "--measure", str(path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as child:
        try:
            out, _ = child.communicate(timeout=limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return {"painted": limit_s * 1000, "given_up": 1}
    if child.returncode != 0:
        raise RuntimeError(f"measuring {path.name} failed")
    return json.loads(out.strip().splitlines()[-1])


ROWS = [
    ("HTML (MB)", "mb", 2),
    ("server build + render (ms)", "build_ms", 0),
    ("  again, payload cached (ms)", "cached_ms", 0),
    ("first pins in the page (ms)", "painted", 0),
    ("all loaded and painted (ms)", "loaded", 0),
    ("DOM elements", "elements", 0),
    ("marker elements", "markers", 0),
    ("JS heap (MB)", "heap_mb", 1),
    ("pan, repainted (ms)", "pan", 0),
    ("zoom, repainted (ms)", "zoom", 0),
]


def report(size: int, results: dict[str, list[dict[str, float]]]) -> None:
    """One table per size: medians of before and now, and before/now."""
    print(f"\n{size:,} pins (medians of {len(results['now'])} runs)")
    print(f"{'':<30}{'before':>12}{'now':>12}{'before/now':>12}")
    for label, key, digits in ROWS:
        values = {}
        for variant in ("before", "now"):
            found = [r[key] for r in results[variant] if key in r]
            values[variant] = statistics.median(found) if found else None
        before, now = values["before"], values["now"]
        given_up = key == "painted" and any(r.get("given_up") for r in results["before"])
        ratio = f"{'> ' if given_up else ''}{before / now:.1f}×" if before and now else "–"
        cells = [f"{v:,.{digits}f}" if v is not None else "–" for v in (before, now)]
        if given_up:
            cells[0] = "> " + cells[0]
        print(f"{label:<30}{cells[0]:>12}{cells[1]:>12}{ratio:>12}")


LIVE_ROWS = (
    ("open: pins painted (s)", "open_s", 2),
    ("open: MB to the browser", "open_mb", 2),
    ("  of which pin files (HTTP)", "open_http_mb", 2),
    ("another area: painted (s)", "area_s", 2),
    ("another area: MB", "area_mb", 2),
    ("  of which pin files (HTTP)", "area_http_mb", 2),
    ("editor tap: mark shown (s)", "tap_s", 2),
    ("editor tap: form has the point (s)", "tap_form_s", 2),
    ("editor tap: server's answer (s)", "tap_server_s", 2),
    ("editor tap: MB", "tap_mb", 3),
)


def scale_world(pins: int) -> None:
    """Make ``bench_pin_save.load_world`` (and each further district) hold ``pins`` pins."""
    scale = pins / sum(bench_pin_save.LAYER_SIZES.values())
    bench_pin_save.LAYER_SIZES = {
        layer: round(n * scale) for layer, n in bench_pin_save.LAYER_SIZES.items()
    }


def live(reps: int, before_ref: str, limit_s: float, pins: int = 10_000) -> int:
    """The running app, ``before_ref``'s tree and this one interleaved; medians and ratios.

    ``pins``: how many pins each of the two districts holds.
    """
    import map_live

    scale_world(pins)
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir / "db")
    try:
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        bench_pin_save.load_world(engine)
        area_a, _, b_name = map_live.add_second_district(engine)
        engine.dispose()
        results: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
        with map_live.main_tree(before_ref) as before_root:
            for rep in range(reps):
                for variant, root in (("before", before_root), ("now", PROJECT_ROOT)):
                    figures = map_live.measure_app(root, cluster.url(), area_a, b_name, limit_s)
                    results[variant].append(figures)
                    print(f"  {variant} run {rep + 1}: "
                          + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)
        print(f"\nthe running app, two districts of {pins:,} pins (medians of {reps} runs)")
        print(f"{'':<36}{'before':>12}{'now':>12}{'before/now':>12}")
        for label, key, digits in LIVE_ROWS:
            before = statistics.median(r[key] for r in results["before"])
            now = statistics.median(r[key] for r in results["now"])
            ratio = f"{before / now:.1f}×" if now and before else "–"
            print(f"{label:<36}{before:>12.{digits}f}{now:>12.{digits}f}{ratio:>12}")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> int:
    """Set up the world, then measure each size, before and now interleaved."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--reps", type=int, default=1, help="repetitions per size (default 1)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one page, as JSON
    parser.add_argument("--limit", type=float, default=60.0,
                        help="give a page up when its pins are not painted within this many "
                             "seconds (default 60; the old map of 50,000 pins takes minutes)")
    parser.add_argument("--live", action="store_true",
                        help="measure the running app instead (bench/map_live.py): bytes, "
                             "paint, area change and editor tap, main vs now")
    parser.add_argument("--before-ref", default="main", help="git ref of 'before' for --live")
    parser.add_argument("--live-pins", type=int, default=10_000,
                        help="pins in each district for --live (default 10,000; 50,000 is "
                             "issue 15's large city)")
    args = parser.parse_args()
    if args.live:
        return live(args.reps, args.before_ref, args.limit, args.live_pins)
    if args.measure:
        print(json.dumps(measure_page(args.measure)))
        return 0

    scale_world(max(args.sizes))
    before_module = baseline_builder()
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir / "db")
    try:
        started = time.perf_counter()
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        area_id, _, _ = bench_pin_save.load_world(engine)
        view = read_world(engine, area_id)
        engine.dispose()
        print(f"setup: {sum(len(f) for f in view.pins.values()):,} pins in "
              f"{time.perf_counter() - started:.1f} s")
        for size in args.sizes:
            pins = sample(view.pins, size)
            pinned = sum(int(f.geometry.notna().sum()) for f in pins.values())
            results: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
            for rep in range(args.reps):
                for variant, module in (("before", before_module), ("now", overview)):
                    if variant == "now":
                        pin_payload.PAYLOADS.clear()
                    t0 = time.perf_counter()
                    page = build(module, view, pins)
                    built = (time.perf_counter() - t0) * 1000
                    figures: dict[str, float] = {"build_ms": built}
                    if variant == "now":
                        t0 = time.perf_counter()
                        build(module, view, pins)
                        figures["cached_ms"] = (time.perf_counter() - t0) * 1000
                    path = workdir / f"{variant}-{size}-{rep}.html"
                    path.write_text(page, encoding="utf-8")
                    figures["mb"] = path.stat().st_size / 1e6
                    figures.update(open_in_chromium(path, args.limit))
                    results[variant].append(figures)
                    painted = (f"not painted within {args.limit:.0f} s"
                               if figures.get("given_up") else
                               f"in the page {figures['painted']:.0f} ms, "
                               f"{figures['elements']:,.0f} elements")
                    print(f"  {size:,} ({pinned:,} with a point) {variant} run {rep + 1}: "
                          f"{painted}", flush=True)
            report(size, results)
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
