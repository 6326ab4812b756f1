"""Script and Markdown injection, tried for real: hostile text in every field, every page opened.

The payloads of tests/injection_fixtures.py (over a hundred, in the style of
OWASP's XSS filter evasion cheat sheet) are written through the services
into every text field of a fresh database. Then Debian's Chromium opens
every page (popups and tooltips of every map opened, the editor with a pin
and its history, a snapshot saved under a hostile name, uploads with
hostile file names, columns and cells, the June pack prepared) and the
offline maps of that pack.

Two things are counted. Requests to any host but the app's own origin are
refused and counted: a Markdown image or an HTML tag that got through would
make one. Script executions are counted: ``alert``, ``confirm``, ``prompt``
and ``print`` are replaced in every frame before any page script runs, and
so is ``window.__xss``, which payloads set. Both must stay at zero. Links
with a ``javascript:``, ``data:`` or ``vbscript:`` address are counted too.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
import time
import zipfile
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _need_chromium
from tests.conftest import app_env
from tests.injection_fixtures import (
    AREA_FILE_NAME,
    EMAILS,
    FILE_NAME,
    NEW_SNAPSHOT,
    PAYLOADS,
    SNAPSHOT_NAMES,
    WWW,
    areas_file,
    build,
    bulk_csv,
    rotate,
)
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

HOOKS = """
(() => {
  const report = (how) => { try { window.__calmapReport(how); } catch (e) {} };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function () { report(name); return null; };
  }
  Object.defineProperty(window, "__xss", {
    configurable: false, get() { return undefined; }, set(v) { report("__xss"); },
  });
})();
"""
# Every Leaflet map of a frame: open every popup and tooltip at once (popups that do
# not close each other), so that whatever their HTML holds is parsed. With ``false``,
# only count them.
OPEN_POPUPS = """
(open) => {
  let found = 0;
  const maps = [];
  for (const key of Object.keys(window)) {
    try { if (window[key] instanceof L.Map) maps.push(window[key]); } catch (e) {}
  }
  for (const map of maps) {
    // Pins bind their popup and tooltip on first use (calmap-pins.js): bind them now.
    map.eachLayer((layer) => {
      if (open && layer.options && layer.options.calmapBind) layer.options.calmapBind(layer);
    });
    map.eachLayer((layer) => {
      const popup = layer.getPopup && layer.getPopup();
      if (popup) {
        found++;
        // Open together (none closes another), and without panning the map to each.
        Object.assign(popup.options, {autoClose: false, closeOnClick: false, autoPan: false});
        if (open) layer.openPopup();
      }
      const tip = layer.getTooltip && layer.getTooltip();
      if (tip) { found++; if (open) layer.openTooltip(); }
    });
  }
  return found;
}
"""
# Links a click would run or open as a page, and frames or plug-ins Streamlit did not make.
DANGEROUS_LINKS = """
() => {
  const scheme = /^\\s*(javascript|data|vbscript):/i;
  const address = (e) =>
    e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("data") || "";
  // Streamlit's own frames: its components (the maps, the browser's position).
  const own = (e) => e.matches(
    ".stCustomComponentV1, iframe[title='streamlit_folium.st_folium']");
  return [...document.querySelectorAll("a[href], area[href], iframe, embed, object")]
    .filter((e) => scheme.test(address(e)) || (!["A", "AREA"].includes(e.tagName) && !own(e)))
    .map((e) => e.outerHTML.slice(0, 200));
}
"""


# A page that does what a payload would: the counting must see exactly this much.
CANARY = """<!doctype html><html><head><title>canary</title></head><body>
<img src="data:," onerror="alert(1)"><img src="data:," onerror="window.__xss = 1">
<img src="http://x.example/canary.png">
<iframe srcdoc="<img src='data:,' onerror='alert(2)'>"></iframe>
</body></html>"""


class Watch:
    """One browser context that refuses other hosts and counts what payloads manage to do."""

    def __init__(self, playwright: Any, origin: str) -> None:
        self.origin = origin
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(viewport={"width": 1400, "height": 1000},
                                                accept_downloads=True)
        self.blocked: list[str] = []
        self.executions: list[str] = []
        self.dangerous: list[str] = []
        self.pages: list[str] = []
        self.popups: dict[str, int] = {}
        self.where = "start"
        self.seconds: dict[str, float] = {}
        self._since = time.monotonic()
        self.files: set[str] = set()
        self.context.expose_binding(
            "__calmapReport",
            lambda source, how: self.executions.append(f"{how} in {source['frame'].url}"),
        )
        self.context.add_init_script(HOOKS)
        self.context.route("**/*", self._route)
        self.tab = self.context.new_page()
        self.errors: list[str] = []
        self.tab.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        own = url.startswith(self.origin + "/") or url == self.origin
        if own or url.startswith(("data:", "blob:", "about:")) or url in self.files:
            route.continue_()
        else:
            self.blocked.append(f"{self.where}: {url}")
            route.abort()

    def close(self) -> None:
        self.browser.close()

    def canary(self, folder: Any) -> None:
        """Prove the counting works (a page, a frame in it): then start from zero."""
        page = folder / "canary.html"
        page.write_text(CANARY, encoding="utf-8")
        self.files.add(page.as_uri())
        self.tab.goto(page.as_uri(), wait_until="load")
        self.tab.wait_for_timeout(500)
        assert sorted(self.executions) == sorted(
            [f"alert in {page.as_uri()}", f"__xss in {page.as_uri()}", "alert in about:srcdoc"]
        ), self.executions
        assert self.blocked == ["start: http://x.example/canary.png"], self.blocked
        self.executions.clear()
        self.blocked.clear()

    def step(self, label: str) -> None:
        """From here on, requests and times are ``label``'s; the page before it is counted."""
        now = time.monotonic()
        self.seconds[self.where] = round(now - self._since, 1)
        if self.where != "start":
            self.pages.append(self.where)
        self.where, self._since = label, now

    def idle(self, timeout: float = 60_000) -> None:
        """Wait until the script run Streamlit started is over."""
        self.tab.wait_for_timeout(300)
        self.tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                   timeout=timeout)

    def visit(self, path: str, heading: str, maps: int = 0) -> None:
        """Open ``path`` of the app, wait for ``heading`` and the run to end, look everywhere."""
        self.step(path or "/")
        self.tab.goto(f"{self.origin}/{path}", wait_until="domcontentloaded")
        self.tab.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
        self.idle()
        self.inspect(maps)

    def inspect(self, maps: int = 0) -> None:
        """Open the popups and tooltips of the page's ``maps`` maps; count dangerous links."""
        frames = self.tab.locator('iframe[title="streamlit_folium.st_folium"]')
        if maps:
            # A component's frame comes a moment after the run that asked for it.
            frames.nth(maps - 1).wait_for(timeout=30_000)
        for i in range(maps):
            inner = frames.nth(i).content_frame
            inner.locator(".leaflet-container").first.wait_for(timeout=30_000)
            root = inner.locator(":root")
            # The map is built by a script, and built again when Streamlit sends it
            # new arguments: open the popups once their number has settled.
            counted = -1
            for _ in range(40):
                self.tab.wait_for_timeout(250)
                now = root.evaluate(f"() => ({OPEN_POPUPS})(false)")
                if now == counted:
                    break
                counted = now
            opened = root.evaluate(f"() => ({OPEN_POPUPS})(true)")
            self.popups[self.where] = self.popups.get(self.where, 0) + opened
        self.tab.wait_for_timeout(800)  # images in the popups start loading
        for frame in self.tab.frames:
            try:
                self.dangerous += [f"{self.where}: {link}"
                                   for link in frame.evaluate(DANGEROUS_LINKS)]
            except Exception:  # noqa: BLE001 - a frame that went away meanwhile
                pass

    def body_text(self) -> str:
        """Everything the main page shows as text."""
        return self.tab.locator("body").inner_text()


# --- the test -----------------------------------------------------------------------------


def test_hostile_text_everywhere_fetches_nothing_and_runs_nothing(fresh_db_url, tmp_path):
    started = time.monotonic()
    world = build(fresh_db_url)
    built = time.monotonic() - started
    sync_api = _need_chromium()
    area, team = world["area_a"], world["team_ids"][0]
    env = {**app_env(fresh_db_url), "CALMAP_TILES_URL": "none",
           "CALMAP_AUTH": "none"}
    with running_app(env) as origin, sync_api.sync_playwright() as playwright:
        watch = Watch(playwright, origin)
        try:
            tab = watch.tab
            watch.canary(tmp_path)
            # The city's overview, then one area's.
            watch.visit("", "Mapa zasobów i potrzeb", maps=1)
            watch.visit(f"?area={area}", "Mapa zasobów i potrzeb", maps=1)

            # The editor: a pin opened by a tap on the map, its form, history and table.
            watch.visit(f"editor?area={area}", "Edytor mapy", maps=1)
            watch.step("editor: a pin opened, its history, the table")
            inner = tab.locator('iframe[title="streamlit_folium.st_folium"]').first.content_frame
            inner.locator(".calmap-pin-resource").first.dispatch_event("click")
            tab.get_by_role("button", name="Wycofaj z mapy").wait_for(timeout=60_000)
            watch.idle()
            tab.get_by_role("tab", name="Historia").click()
            tab.get_by_role("heading", name="Historia zmian").first.wait_for(timeout=30_000)
            tab.get_by_role("tab", name="Tabela").click()
            watch.idle()
            watch.inspect()

            watch.visit(f"areas?area={area}", "Granice obszaru", maps=1)
            watch.visit(f"teams?team={team}", "Zespoły i partnerstwa", maps=1)

            # Snapshots: the comparison, and one more saved with a hostile name.
            watch.visit("snapshots", "Migawki i dowody zmian")
            watch.step("snapshots: details opened, one saved")
            for expander in tab.get_by_test_id("stExpander").all():
                expander.locator("summary").click()
            tab.get_by_label("Nazwa migawki").fill(NEW_SNAPSHOT)
            tab.get_by_role("button", name="Zapisz migawkę").click()
            tab.get_by_test_id("stAlertContentSuccess").wait_for(timeout=30_000)
            watch.idle()
            watch.inspect()
            saved_note = tab.get_by_test_id("stAlertContentSuccess").inner_text()
            snapshot_text = watch.body_text()

            watch.visit(f"export?area={area}", "Eksport danych")
            watch.step("export: a file prepared")
            tab.get_by_role("button", name="Przygotuj plik").click()
            tab.get_by_test_id("stAlertContentSuccess").wait_for(timeout=60_000)
            watch.idle()
            watch.inspect()

            watch.visit(f"surveys?team={team}", "Ankiety mieszkańców")

            # Uploads with a hostile file name, hostile columns and values.
            watch.visit(f"bulk_import?area={area}", "Import z pliku")
            watch.step("bulk import: a file uploaded")
            tab.locator('input[type="file"]').first.set_input_files(
                {"name": FILE_NAME + ".csv", "mimeType": "text/csv",
                 "buffer": bulk_csv(world["spots"])})
            tab.get_by_text("Podgląd na mapie").first.wait_for(timeout=60_000)
            watch.idle()
            watch.inspect(maps=1)
            content, _ = areas_file(rotate(3), [rotate(i, 9) for i in range(4)])
            watch.visit("import_areas", "Import obszarów")
            watch.step("import areas: a file uploaded")
            tab.locator('input[type="file"]').first.set_input_files(
                {"name": AREA_FILE_NAME + ".geojson", "mimeType": "application/geo+json",
                 "buffer": content})
            tab.get_by_text("Podgląd na mapie").first.wait_for(timeout=60_000)
            watch.idle()
            watch.inspect(maps=1)

            # The June pack of the area, offline maps only (the PDF and slides take minutes).
            watch.visit(f"june?area={area}", "Pakiet map")
            watch.step("june: a pack prepared")
            tab.get_by_test_id("stRadio").get_by_text("Obszar:").click()
            watch.idle()
            # Only the offline map: every format out of the list, then the map back in.
            tab.get_by_test_id("stMultiSelect").first.locator("input").click()
            for _ in range(3):
                tab.keyboard.press("Backspace")
            tab.keyboard.type("HTML")
            tab.keyboard.press("Enter")
            tab.keyboard.press("Escape")
            watch.idle()
            tab.get_by_role("button", name="Przygotuj pakiet").click()
            download = tab.get_by_role("button", name="Pobierz")
            download.wait_for(timeout=180_000)
            watch.idle()
            watch.inspect()
            with tab.expect_download() as caught:
                download.click()
            pack = tmp_path / "pakiet.zip"
            caught.value.save_as(pack)
            with zipfile.ZipFile(pack) as archive:
                archive.extractall(tmp_path / "pack")
            # The list of the maps first, so that a map is what the tab shows at the end.
            offline = sorted((tmp_path / "pack").rglob("*.html"),
                             key=lambda p: p.name != "index.html")
            assert len(offline) >= 2, "the pack holds no offline map"
            for page in offline:
                watch.step(f"offline: {page.name}")
                address = page.as_uri()
                watch.files.add(address)
                tab.goto(address, wait_until="load")
                if page.name != "index.html":  # the list of the maps
                    tab.locator(".leaflet-container").first.wait_for(timeout=30_000)
                    watch.popups[watch.where] = tab.evaluate(f"({OPEN_POPUPS})(true)")
                tab.wait_for_timeout(500)
                watch.dangerous += [f"{watch.where}: {a}" for a in tab.evaluate(DANGEROUS_LINKS)]
            offline_text = tab.locator("body").inner_text()
            offline_html = "".join(p.read_text(encoding="utf-8") for p in offline)
            tab.wait_for_timeout(1000)  # the last images asked for
            watch.step("end")
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            watch.tab.screenshot(path=str(ARTIFACTS / "injection-failed.png"), full_page=True)
            raise
        finally:
            watch.close()
    elapsed = time.monotonic() - started
    print(
        f"\ninjection: {len(PAYLOADS)} payloads (+{len(WWW) + len(EMAILS)} addresses, "
        f"{len(SNAPSHOT_NAMES) + 1} snapshot names, 2 file names) in every text field; "
        f"{len(watch.pages)} pages opened ({', '.join(watch.pages)}); "
        f"{sum(watch.popups.values())} popups and tooltips opened ({watch.popups}); "
        f"{len(watch.blocked)} requests to other hosts blocked; "
        f"{len(watch.executions)} script executions; {len(watch.dangerous)} dangerous links; "
        f"data built in {built:.0f} s, {elapsed:.0f} s in all; seconds per page: {watch.seconds}"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "injection.json").write_text(json.dumps({
        "pages": watch.pages, "seconds": watch.seconds, "popups": watch.popups,
        "blocked": watch.blocked,
        "executions": watch.executions, "dangerous": watch.dangerous, "page_errors": watch.errors,
    }, indent=1, ensure_ascii=False), encoding="utf-8")
    assert watch.blocked == []
    assert watch.executions == []
    assert watch.dangerous == []
    # What was typed is shown as typed, not taken apart by Markdown.
    assert NEW_SNAPSHOT in saved_note
    assert f"od „{SNAPSHOT_NAMES[1]}” do „{SNAPSHOT_NAMES[2]}”" in snapshot_text
    assert "{{7*7}}" in offline_html and "{{7*7}}" in offline_text
    assert urlparse(origin).hostname == "127.0.0.1"
