"""The live part of bench_map_scale.py: the running app, before (main) and now, in Chromium.

``bench_map_scale.py --live`` sets up two real districts of 10,000 pins each
(``--live-pins``: 50,000 for issue 15's large city; ``bench_pin_save.insert_pins``:
80 % public, 10 % partnership, 10 % team), then for each repetition starts the
app twice, interleaved: *before* is ``main``'s tree (``git archive``, with this
checkout's .npm-vendor beside it so it clusters too), *now* the working tree. In
a fresh browser context each time (empty HTTP cache) it measures, in the
st_folium frame:

- **open**: the overview of district A (all its pins) from navigation until its
  pins are painted (``CalmapPins.pending`` 0, pins in the page), and the bytes
  the websocket brought (Playwright ``framereceived``, as the page receives them,
  i.e. after permessage-deflate) plus the pin files fetched over HTTP;
- **area**: choosing district B in the sidebar until B's pins are painted (in the
  same frame, or a new one), and the bytes that took;
- **tap**: in the editor on district A, a tap on the map until a red mark stands
  where it was tapped (*mark shown*: drawn by the browser at once, or by the
  server's rerun before), until the coordinates box shows the point (*form has
  the point*: written by the browser at once since 7 December 2026, by the
  server's rerun before), until the server's rerun has drawn its note of the
  point under the box (*server's answer*: since the editor's map and forms are
  a fragment, of that part alone, and the map reports the tap at once rather
  than after streamlit-folium's 250 ms pause), and the bytes the tap brought.
  The tap's times are the page's own (``Date.now()`` from the pointer going down
  in the map to the first animation frame showing each), not Playwright's waits,
  whose round trips grow with the machine's load.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import select
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import bench_pin_save  # noqa: E402

from mapping import catalog  # noqa: E402
from mapping.db.models import Area, Team  # noqa: E402
from tests.conftest import app_env  # noqa: E402
from tests.map_points import FREE_POINT_JS  # noqa: E402
from tests.streamlit_server import free_port  # noqa: E402

SECOND_DISTRICT = "Wrzeszcz Górny"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]

# In a frame: are this frame's pins painted, and (when marked before a change)
# is it showing new content? Before: a new frame; now: CalmapPins.built grew.
PAINTED_JS = """() => {
    const P = window.CalmapPins;
    const pane = document.querySelector('.leaflet-marker-pane');
    if (!P || P.pending > 0 || !pane || pane.children.length === 0) return false;
    if (window.__mark === undefined) return true;
    return (P.built || 0) > window.__mark;
}"""
MARK_JS = "() => { window.__mark = (window.CalmapPins && window.CalmapPins.built) || 0; }"
# The map's [lat, lng] at a point of the frame's page.
LATLNG_JS = """([x, y]) => {
    const box = window.map.getContainer().getBoundingClientRect();
    const at = window.map.containerPointToLatLng([x - box.left, y - box.top]);
    return [at.lat, at.lng];
}"""
# How many red marks are on the map when one stands at [lat, lng] (else 0).
MARK_AT_JS = """([lat, lng]) => {
    let marks = 0, here = false;
    window.map.eachLayer(l => {
        if (((l.options && l.options.className) || '').includes('calmap-marked-point')) {
            marks += 1;
            const p = l.getLatLng();
            if (Math.abs(p.lat - lat) < 1e-6 && Math.abs(p.lng - lng) < 1e-6) here = true;
        }
    });
    return here ? marks : 0;
}"""
# In the page: the coordinates box shows a latitude beginning with this (written with a
# dot; the box writes a Polish decimal comma since 7 December 2026, a dot before).
COORDS_JS = """(lat) => [...document.querySelectorAll('input')]
    .some(i => i.value && i.value.replace(',', '.').startsWith(lat))"""
# In the page: the server's note under the box names the point (in Polish, "54,3491…").
NOTE_JS = """(lat) => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .some(c => c.innerText.startsWith('Zaznaczony punkt: ' + lat.replace('.', ',')))"""
# A tap's moments in the page's own clock (Date.now(), shared by the page and its frames),
# free of Playwright's round trips under load: when the pointer went down in the map (set
# up in the map's frame), and the first animation frame in which each test holds.
CLICK_JS = """() => {
    top.__calmapSeen = {};
    document.addEventListener('pointerdown', () => { top.__calmapSeen.click = Date.now(); },
                              {capture: true, once: true});
}"""
WATCH_JS = """([name, test, arg]) => {
    const seen = top.__calmapSeen, check = new Function('return ' + test)();
    const until = Date.now() + 120000;
    const tick = () => {
        if (check(arg)) { seen[name] = Date.now(); return; }
        if (Date.now() < until) requestAnimationFrame(tick);
    };
    tick();
}"""


def add_second_district(engine: Any) -> tuple[int, int, str]:
    """District B beside the bench's district A, with as many pins as A; ids of A, B, B's name."""
    frame = gpd.read_file(bench_pin_save.DISTRICTS).set_index("DZIELNICY")
    geom = shapely.make_valid(frame.loc[SECOND_DISTRICT].geometry)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    with Session(engine) as session, session.begin():
        team = session.scalars(select(Team).where(Team.code == "bench")).one()
        first = session.scalars(select(Area).where(Area.team_id == team.id)).one()
        area = Area(name=SECOND_DISTRICT, kind="district", team_id=team.id,
                    geom=from_shape(geom, srid=4326), population=30_000)
        session.add(area)
        session.flush()
        entries = catalog.entries(session)
        codes = {v: [e for e in entries if e.vocabulary == v] for v in
                 ("resource_category", "partner_sector", "need_category", "source_method",
                  "target_group")}
        bench_pin_save.insert_pins(session, area.id, codes)
        return first.id, area.id, SECOND_DISTRICT


@contextmanager
def main_tree(ref: str = "main") -> Any:
    """``ref``'s files in a temporary folder, with this checkout's npm packages beside them."""
    folder = Path(tempfile.mkdtemp(prefix="calmap-main-", dir="/tmp"))
    try:
        archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        os.symlink(PROJECT_ROOT / ".npm-vendor", folder / ".npm-vendor")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def running_app(env: dict[str, str], root: Path, timeout: float = 120.0,
                script: str = "streamlit_app.py") -> Any:
    """``script`` of ``root`` until the block ends (as tests/streamlit_server.py)."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    environment.update(env)
    environment["PYTHONPATH"] = str(root)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port",
             str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"streamlit exited early:\n{log.read().decode()}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {base}")
                time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


def _frames_painted(tab: Any) -> Any:
    for frame in tab.frames:
        try:
            if frame.evaluate(PAINTED_JS):
                return frame
        except Exception:  # a frame being replaced
            continue
    return None


def _wait_painted(tab: Any, limit_s: float) -> Any:
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        frame = _frames_painted(tab)
        if frame is not None:
            return frame
        time.sleep(0.02)
    raise TimeoutError(f"pins not painted within {limit_s} s")


class _Bytes:
    """Bytes the page received over the websocket, and pin files over HTTP, since ``reset``."""

    def __init__(self, tab: Any, pin_dir: Path | None = None) -> None:
        self.ws = 0
        self.http = 0
        self.files = 0
        self.pin_dir = pin_dir
        tab.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        tab.on("requestfinished", self._finished)

    def _frame(self, payload: Any) -> None:
        self.ws += len(payload.encode("utf-8") if isinstance(payload, str) else payload)

    def _finished(self, request: Any) -> None:
        if "/cache/pins/" not in request.url:
            return
        self.files += 1
        self.http += self._size(request)

    def _size(self, request: Any) -> int:
        """The file's bytes: Chromium's count of the body is often 0 for a static file.

        The largest of the body size Chromium saw, the response's
        Content-Length and the file on disk (files are named by their
        content, so the one on disk is the one sent).
        """
        sizes = [int(request.sizes().get("responseBodySize") or 0)]
        response = request.response()
        if response is not None:
            length = response.headers.get("content-length")
            if length and length.isdigit():
                sizes.append(int(length))
        if self.pin_dir is not None:
            name = request.url.split("?", 1)[0].rsplit("/", 1)[-1]
            try:
                sizes.append((self.pin_dir / name).stat().st_size)
            except OSError:
                pass
        return max(sizes)

    def reset(self) -> None:
        self.ws = self.http = self.files = 0

    def mb(self) -> float:
        return (self.ws + self.http) / 1e6

    def http_mb(self) -> float:
        return self.http / 1e6


def measure_app(root: Path, db_url: str, area_a: int, b_name: str, limit_s: float) -> dict:
    """Open, area change and editor tap in the app run from ``root``; seconds and MB."""
    from playwright.sync_api import sync_playwright

    env = {**app_env(db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    figures: dict[str, float] = {}
    with running_app(env, root=root) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=bench_pin_save_chromium(),
                                             args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            tab = context.new_page()
            received = _Bytes(tab, root / "static" / "cache" / "pins")
            t0 = time.perf_counter()
            tab.goto(f"{base}/?city={quote('Gdańsk')}&area={area_a}", wait_until="commit")
            frame = _wait_painted(tab, limit_s)
            figures["open_s"] = time.perf_counter() - t0
            figures["open_mb"] = received.mb()
            figures["open_http_mb"] = received.http_mb()
            time.sleep(1.0)
            frame.evaluate(MARK_JS)
            received.reset()
            area_box = tab.get_by_test_id("stSidebar").get_by_role("combobox", name="Obszar")
            area_box.first.click()
            tab.keyboard.type(b_name)
            option = tab.get_by_role("option", name=f"{b_name} (dzielnica)").first
            option.wait_for()
            t0 = time.perf_counter()
            option.click()
            _wait_painted(tab, limit_s)
            figures["area_s"] = time.perf_counter() - t0
            figures["area_mb"] = received.mb()
            figures["area_http_mb"] = received.http_mb()

            tab.goto(f"{base}/editor?city={quote('Gdańsk')}&area={area_a}", wait_until="commit")
            frame = _wait_painted(tab, limit_s)
            time.sleep(1.5)
            x, y = frame.evaluate(FREE_POINT_JS)
            at = frame.evaluate(LATLNG_JS, [x, y])
            box = tab.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
            lat = f"{int(at[0] * 1e4) / 1e4:.4f}"
            frame.evaluate(CLICK_JS)
            frame.evaluate(WATCH_JS, ["tap_s", MARK_AT_JS, at])
            tab.evaluate(WATCH_JS, ["tap_form_s", COORDS_JS, lat])
            tab.evaluate(WATCH_JS, ["tap_server_s", NOTE_JS, lat])
            received.reset()
            t0 = time.perf_counter()
            tab.mouse.click(box["x"] + x, box["y"] + y)
            # Shown: a red mark stands where the tap was (drawn by the browser or the server).
            frame.wait_for_function(MARK_AT_JS, arg=at, polling="raf", timeout=limit_s * 1000)
            figures["tap_s"] = time.perf_counter() - t0
            # The form has it: the coordinates box shows the tapped point (written by the
            # browser at once, or by the server's rerun).
            tab.wait_for_function(COORDS_JS, arg=lat, polling="raf", timeout=limit_s * 1000)
            figures["tap_form_s"] = time.perf_counter() - t0
            # The server's rerun is over: its note under the box names the point.
            tab.wait_for_function(NOTE_JS, arg=lat, polling="raf", timeout=limit_s * 1000)
            figures["tap_server_s"] = time.perf_counter() - t0
            # The page's own clock, where it saw each (the waits above add their round trips).
            seen = tab.evaluate("() => top.__calmapSeen")
            for name in ("tap_s", "tap_form_s", "tap_server_s"):
                if "click" in seen and name in seen:
                    figures[name] = (seen[name] - seen["click"]) / 1000
            time.sleep(1.0)  # what the rerun still sends after its note shows
            figures["tap_mb"] = received.mb()
            figures["tap_marks"] = frame.evaluate(MARK_AT_JS, at)
        finally:
            browser.close()
    return figures


def bench_pin_save_chromium() -> str:
    """Debian's Chromium, as the tests use it."""
    return "/usr/bin/chromium"
