"""The editor on a tablet over poor mobile data (issue 18 item 5), measured in Chromium.

Usage::

    .venv/bin/python bench/bench_field_network.py               # 3 repetitions, ~15 min
    .venv/bin/python bench/bench_field_network.py --reps 1 --area Brzeźno
    .venv/bin/python bench/bench_field_network.py --only 400k   # one variant

Setup: an embedded cluster in a temporary directory, the schema, the default
catalogue and the demo city (``demo.load_demo``, as ``calmap demo`` does); the
app (this checkout) started by ``map_live.running_app`` without sign-in and
without tiles. The area is the Gdańsk district with the most pins, or
``--area``.

Each repetition runs three variants, interleaved, each in a fresh browser
context (an empty HTTP cache) of Debian's Chromium with a tablet profile
(820×1180, touch, mobile):

- **400k**: CDP ``Network.emulateNetworkConditions`` with 400 ms latency and
  400 kbit/s (50,000 bytes/s) down and up;
- **400k-nocache**: the same, the return visit with ``Network.setCacheDisabled``;
- **full**: no throttling;
- **400k-gzip** (and **full-gzip** on request): as 400k, the app served by
  ``serve_compressed.py`` (a second app process, the same database): every
  HTTP response gzip-compressed, Streamlit's own bundles included, and the
  map component's content-hashed script cached for a year.

In each: (a) *first visit*: ``/editor?city=…&area=…`` from navigation until
usable: the map's pins painted (``CalmapPins.pending`` 0, markers in the
pane) and the form's Save button visible; (b) *return visit*: a new tab in
the same context (warm HTTP cache), the same page until usable; (c) *save*:
in that tab a tap on a free spot of the area, the category and a name
typed, then from the press of Save until the "saved" message shows. Bytes
received per visit come from CDP: ``Network.loadingFinished``
``encodedDataLength`` (what came over the wire, headers included) by resource
type, pin files (``/cache/pins/``) apart, and websocket frames
(``Network.webSocketFrameReceived``, the payload after permessage-deflate
is undone: an upper bound of the wire; an estimate of the wire apart, deflated
again as the server does). ``--before DIR`` runs another checkout (main) the
same way, interleaved, reported as ``<variant>@before``. Reported: medians per variant, the
ratio to full speed, the verdict against the targets (first ≤ 15 s, return
≤ 3 s, save ≤ 2 s, at 400k), and the ten largest responses of a first visit.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import gzip
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import map_live  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from mapping import catalog, db, demo  # noqa: E402
from mapping.db import schema  # noqa: E402
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import Area, Need, Partner, Resource  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.conftest import app_env  # noqa: E402
from tests.map_points import FREE_POINT_JS  # noqa: E402

CITY = "Gdańsk"
TABLET = {"viewport": {"width": 820, "height": 1180}, "has_touch": True, "is_mobile": True,
          "device_scale_factor": 2}
POOR = {"offline": False, "latency": 400, "downloadThroughput": 50_000,
        "uploadThroughput": 50_000}
VARIANTS = ("400k", "400k-nocache", "full", "400k-gzip", "full-gzip")
DEFAULT_VARIANTS = ("400k", "400k-nocache", "full", "400k-gzip")
COMPRESSED_ENTRY = "serve_compressed.py"
TARGETS = {"first_s": 15.0, "return_s": 3.0, "save_s": 2.0}
SAVE_BUTTON = "Zapisz nowy wpis"
CATEGORY = "Biblioteka (Instytucja publiczna)"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def load_demo(engine: Any) -> None:
    """The demo city, as ``calmap demo`` loads it (without the street network and plan)."""
    with db.session_scope(engine, app_user="calmap-demo") as session:
        catalog.install_defaults(session)
        demo.load_demo(session)


def pick_area(engine: Any, name: str | None) -> tuple[int, str, int]:
    """The area's id, name and pin count: ``name``, or the Gdańsk district with the most pins."""
    with Session(engine) as session:
        counts: dict[int, int] = defaultdict(int)
        for model in (Resource, Partner, Need):
            rows = session.execute(
                select(model.area_id, func.count()).where(model.area_id.is_not(None))
                .group_by(model.area_id)
            ).all()
            for area_id, n in rows:
                counts[area_id] += n
        areas = session.execute(select(Area.id, Area.name, Area.kind)).all()
        chosen = [a for a in areas if (a.name == name if name else a.kind == "district")]
        if not chosen:
            raise SystemExit(f"no area named {name!r}")
        best = max(chosen, key=lambda a: counts.get(a.id, 0))
        return best.id, best.name, counts.get(best.id, 0)


class Wire:
    """What one tab received, from CDP's Network events: bytes by kind and each response."""

    def __init__(self, cdp: Any) -> None:
        self.kinds: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.cached: set[str] = set()
        self.bytes: dict[str, int] = defaultdict(int)
        self.responses: list[tuple[int, str, str]] = []
        self.at_usable: tuple[dict[str, int], list[tuple[int, str, str]]] = ({}, [])
        self.ws_wire = 0
        self.ws_wire_at_usable = 0
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -12, 5)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _response(self, event: dict) -> None:
        url = event["response"]["url"]
        kind = event.get("type", "Other").lower()
        if "/cache/pins/" in url:
            kind = "pins"
        elif kind in ("image", "media"):
            kind = "images/tiles"
        if event["response"].get("fromDiskCache") or event["response"].get("fromMemoryCache"):
            self.cached.add(event["requestId"])
        self.kinds[event["requestId"]] = kind
        self.urls[event["requestId"]] = url

    def _finished(self, event: dict) -> None:
        rid = event["requestId"]
        size = int(event.get("encodedDataLength") or 0)
        kind = self.kinds.get(rid, "other")
        self.bytes[kind] += size
        self.responses.append((size, kind, self.urls.get(rid, "?")))

    def _frame(self, event: dict) -> None:
        response = event["response"]
        data = response.get("payloadData", "")
        raw = base64.b64decode(data) if response.get("opcode") == 2 else data.encode()
        self.bytes["websocket"] += len(raw)
        # What the wire carried: the server's permessage-deflate (uvicorn's websockets:
        # 12-bit window, memLevel 5, context kept between messages), redone here on the
        # payload CDP shows decompressed. Reported apart, never added to the totals.
        packed = self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
        # The 00 00 ff ff tail is dropped on the wire; a frame header of ~4 bytes is added.
        self.ws_wire += len(packed)

    def total(self) -> int:
        """Every byte counted so far."""
        return sum(self.bytes.values())

    def from_cache(self) -> int:
        """How many responses the browser took from its cache."""
        return len(self.cached)


def open_tab(context: Any, throttled: bool, cache_disabled: bool) -> tuple[Any, Wire]:
    """A new tab with CDP network conditions set and its bytes counted."""
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    wire = Wire(cdp)
    cdp.send("Network.enable")
    if throttled:
        cdp.send("Network.emulateNetworkConditions", POOR)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": cache_disabled})
    return tab, wire


def _painted_frame(tab: Any) -> Any:
    for frame in tab.frames:
        try:
            if frame.evaluate(map_live.PAINTED_JS):
                return frame
        except Exception:  # noqa: BLE001 - a frame being replaced
            continue
    return None


def wait_usable(tab: Any, t0: float, limit_s: float) -> tuple[float, Any]:
    """Seconds since ``t0`` until the pins are painted and Save is visible; the map frame."""
    save = tab.get_by_role("button", name=SAVE_BUTTON)
    deadline = t0 + limit_s
    while time.perf_counter() < deadline:
        frame = _painted_frame(tab)
        if frame is not None and save.count() > 0 and save.first.is_visible():
            return time.perf_counter() - t0, frame
        time.sleep(0.05)
    raise TimeoutError(f"the editor was not usable within {limit_s} s")


def visit(context: Any, url: str, throttled: bool, cache_disabled: bool,
          limit_s: float) -> tuple[float, Wire, Any, Any]:
    """Open ``url`` in a new tab until usable: seconds, bytes, the tab and its map frame."""
    tab, wire = open_tab(context, throttled, cache_disabled)
    t0 = time.perf_counter()
    tab.goto(url, wait_until="commit", timeout=limit_s * 1000)
    seconds, frame = wait_usable(tab, t0, limit_s)
    # What the page had received by then: later bytes belong to what the tab does next.
    wire.at_usable = (dict(wire.bytes), list(wire.responses))
    wire.ws_wire_at_usable = wire.ws_wire
    return seconds, wire, tab, frame


def save_pin(tab: Any, frame: Any, limit_s: float) -> float:
    """Mark a free point, choose the category, type a name; seconds from Save to "saved"."""
    x, y = frame.evaluate(FREE_POINT_JS)
    box = tab.locator(MAP_FRAME).bounding_box()
    tab.mouse.click(box["x"] + x, box["y"] + y)
    tab.get_by_text("Zaznaczony punkt:").first.wait_for(timeout=limit_s * 1000)
    form = tab.get_by_test_id("stForm")
    category = form.get_by_role("combobox", name="Kategoria").first
    category.scroll_into_view_if_needed()
    category.click()
    tab.keyboard.type(CATEGORY.split(" (")[0])
    tab.get_by_role("option", name=CATEGORY, exact=True).click(timeout=limit_s * 1000)
    name = f"Punkt {uuid.uuid4().hex[:8]}"
    form.get_by_label("Nazwa").fill(name)
    button = form.get_by_role("button", name=SAVE_BUTTON)
    button.scroll_into_view_if_needed()
    # Let the typed values reach the page (a form sends them with the press).
    tab.wait_for_timeout(300)
    t0 = time.perf_counter()
    button.click()
    tab.get_by_text(f"Zapisano nowy wpis „{name}”.").first.wait_for(timeout=limit_s * 1000)
    return time.perf_counter() - t0


@functools.cache
def _gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def gzip_estimate(responses: list[tuple[int, str, str]]) -> tuple[int, int]:
    """Bytes of Streamlit's own ``/static/`` files as sent, and as gzip -6 would send them.

    Streamlit (1.67, Starlette) serves its frontend bundles uncompressed on
    purpose (``starlette_gzip_middleware._should_bypass_gzip``); this is what a
    compressing proxy in front would save. Fonts (woff2) are compressed
    already and count the same both ways.
    """
    import streamlit

    root = Path(streamlit.__file__).parent / "static"
    sent = zipped = 0
    for size, _, url in responses:
        path = urlparse(url).path
        if not path.startswith("/static/"):
            continue
        local = root / path.lstrip("/")
        sent += size
        if local.suffix in (".js", ".css", ".json", ".svg", ".ttf") and local.exists():
            zipped += min(size, _gzipped_size(local) + 300)  # + the response's headers
        else:
            zipped += size
    return sent, zipped


def run_variant(browser: Any, url: str, variant: str, limit_s: float,
                shots: Path | None = None) -> dict[str, Any]:
    """First visit, return visit and a save in one fresh context; seconds, bytes, responses.

    With ``shots``, a picture of the page when the first visit became usable and
    one after the save, for a person to check what "usable" looked like.
    """
    throttled = variant.startswith("400k")
    context = browser.new_context(**TABLET)
    try:
        first_s, first, first_tab, _ = visit(context, url, throttled, False, limit_s)
        if shots is not None:
            first_tab.screenshot(path=str(shots / f"{variant}-first-usable.png"))
        time.sleep(2.0)  # let late requests (fonts, images) reach the cache before leaving
        first_tab.close()
        nocache = variant.startswith("400k-nocache")
        return_s, again, tab, frame = visit(context, url, throttled, nocache, limit_s)
        time.sleep(1.0)
        before_save, before_wire = again.total(), again.ws_wire
        save_s = save_pin(tab, frame, limit_s)
        # Everything the tab received from the tap to the "saved" message, over the websocket
        # mostly: the tap's run, the category's, the name's and the save's.
        save_kb = (again.total() - before_save) / 1e3
        save_ws_wire_kb = (again.ws_wire - before_wire) / 1e3
        if shots is not None:
            tab.screenshot(path=str(shots / f"{variant}-saved.png"))
        first_bytes, first_responses = first.at_usable
        return_bytes, return_responses = again.at_usable
        static, gzipped = gzip_estimate(first_responses)
        return {"first_s": first_s, "return_s": return_s, "save_s": save_s, "save_kb": save_kb,
                "save_ws_wire_kb": save_ws_wire_kb,
                "first_ws_wire_kb": first.ws_wire_at_usable / 1e3,
                "return_ws_wire_kb": again.ws_wire_at_usable / 1e3,
                "first_bytes": first_bytes, "return_bytes": return_bytes,
                "first_kb": sum(first_bytes.values()) / 1e3,
                "return_kb": sum(return_bytes.values()) / 1e3,
                "return_cached": again.from_cache(),
                "static_kb": static / 1e3, "static_gzip_kb": gzipped / 1e3,
                "responses": sorted(first_responses, reverse=True)[:10],
                "return_responses": sorted(return_responses, reverse=True)[:10]}
    finally:
        context.close()


def report(results: dict[str, list[dict[str, Any]]], area: str, pins: int, reps: int) -> None:
    """Medians per variant, ratios to full speed, bytes by kind, verdicts, largest responses."""
    med = {v: {k: statistics.median(r[k] for r in rs) for k in
               ("first_s", "return_s", "save_s", "save_kb", "first_kb", "return_kb",
                "return_cached", "static_kb", "static_gzip_kb", "first_ws_wire_kb",
                "return_ws_wire_kb", "save_ws_wire_kb")}
           for v, rs in results.items() if rs}
    print(f"\nthe editor of {area} ({pins} pins), tablet 820×1180, medians of {reps} runs")
    print(f"{'':<22}" + "".join(f"{v:>17}" for v in med))
    for key, label in (("first_s", "first visit s"), ("return_s", "return visit s"),
                       ("save_s", "save round trip s"), ("save_kb", "tap→saved kB"),
                       ("first_kb", "first visit kB"),
                       ("return_kb", "return visit kB"), ("return_cached", "return from cache"),
                       ("static_kb", "first: /static/ kB"),
                       ("static_gzip_kb", "  same gzipped kB"),
                       ("first_ws_wire_kb", "first: ws deflated kB"),
                       ("return_ws_wire_kb", "return: ws defl. kB"),
                       ("save_ws_wire_kb", "save: ws defl. kB")):
        print(f"{label:<22}" + "".join(f"{m[key]:>17.2f}" for m in med.values()))
    for v in med:
        full = "full" + v.partition("@")[1] + v.partition("@")[2]
        if v != full and full in med:
            ratios = ", ".join(f"{k} {med[v][k] / med[full][k]:.1f}×"
                               for k in ("first_s", "return_s", "save_s") if med[full][k])
            print(f"{v} / {full}: {ratios}")
    for v in med:
        if v.endswith("@before") and v.removesuffix("@before") in med:
            now = med[v.removesuffix("@before")]
            ratios = ", ".join(f"{k} {now[k] / med[v][k]:.2f}×"
                               for k in ("first_s", "return_s", "save_s", "save_kb", "first_kb",
                                         "return_kb") if med[v][k])
            print(f"{v.removesuffix('@before')} after / before: {ratios}")
    for v, rs in results.items():
        for visit_key in ("first_bytes", "return_bytes"):
            kinds = sorted({k for r in rs for k in r[visit_key]})
            parts = ", ".join(
                f"{k} {statistics.median(r[visit_key].get(k, 0) for r in rs) / 1e3:.1f}"
                for k in kinds)
            print(f"{v} {visit_key.split('_')[0]} visit kB by kind: {parts}")
    if "400k" in med:
        print("\nverdict at 400 kbit/s, 400 ms:")
        for key, target in TARGETS.items():
            got = med["400k"][key]
            print(f"  {key:<10} {got:6.2f} s  target ≤ {target:.0f} s  "
                  f"{'met' if got <= target else 'NOT met'}")
        saved_s = (med["400k"]["static_kb"] - med["400k"]["static_gzip_kb"]) * 1e3 / (
            POOR["downloadThroughput"])
        print(f"  Streamlit's /static/ files gzipped would send "
              f"{med['400k']['static_kb'] - med['400k']['static_gzip_kb']:.0f} kB less: "
              f"about {saved_s:.0f} s of the first visit at 50,000 bytes/s (an estimate)")
    some = next(iter(results.values()))[0]
    for key, label in (("responses", "first"), ("return_responses", "return")):
        print(f"\nlargest responses of a {label} visit (bytes on the wire, kind, URL):")
        for size, kind, url in some[key]:
            print(f"  {size:>9,}  {kind:<12} {url[:110]}")


def main() -> int:
    """Set up the demo city, start the app, run the variants interleaved, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--area", help="the area's name (default: the Gdańsk district "
                                       "with the most pins)")
    parser.add_argument("--only", choices=VARIANTS, nargs="+",
                        help=f"run only these variants (default: {' '.join(DEFAULT_VARIANTS)})")
    parser.add_argument("--shots", type=Path,
                        help="save pictures of the first repetition's pages in this folder")
    parser.add_argument("--before", type=Path,
                        help="another checkout (e.g. /work/main) run the same way, interleaved: "
                             "its variants are reported as <variant>@before")
    parser.add_argument("--limit", type=float, default=300.0,
                        help="give a step up after this many seconds (default 300)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    variants = args.only or list(DEFAULT_VARIANTS)
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir / "db")
    try:
        started = time.perf_counter()
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        load_demo(engine)
        area_id, area, pins = pick_area(engine, args.area)
        engine.dispose()
        print(f"setup: demo city, {area} ({pins} pins) in {time.perf_counter() - started:.1f} s",
              flush=True)
        env = {**app_env(cluster.url()), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
        results: dict[str, list[dict[str, Any]]] = {}
        with contextlib.ExitStack() as stack:
            roots = {"": PROJECT_ROOT}
            if args.before is not None:
                roots["@before"] = args.before.resolve()
            bases: dict[str, str] = {}
            for tag, root in roots.items():
                bases[tag] = stack.enter_context(map_live.running_app(env, root=root))
                if any(v.endswith("-gzip") for v in variants):
                    bases[tag + "gzip"] = stack.enter_context(
                        map_live.running_app(env, root=root, script=COMPRESSED_ENTRY))
            playwright = stack.enter_context(sync_playwright())
            path = f"/editor?city={quote(CITY)}&area={area_id}"
            urls = {v + tag: bases[tag + ("gzip" if v.endswith("-gzip") else "")] + path
                    for v in variants for tag in roots}
            results = {name: [] for name in urls}
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for rep in range(args.reps):
                    for name, url in urls.items():
                        shots = args.shots if rep == 0 else None
                        if shots is not None:
                            shots.mkdir(parents=True, exist_ok=True)
                        figures = run_variant(browser, url, name, args.limit, shots)
                        results[name].append(figures)
                        print(f"  {name} run {rep + 1}: first {figures['first_s']:.2f} s "
                              f"{figures['first_kb']:.0f} kB, return {figures['return_s']:.2f} s "
                              f"{figures['return_kb']:.0f} kB "
                              f"({figures['return_cached']} from cache), "
                              f"save {figures['save_s']:.2f} s "
                              f"{figures['save_kb']:.1f} kB", flush=True)
            finally:
                browser.close()
        report(results, area, pins, args.reps)
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
