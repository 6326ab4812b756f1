"""The teams page and the import previews on the mounted map; no public pin file outlives publicity.

A copy of the demo city gets 1,200 public resources in one district (so its
public pins travel as files, ``mapping/maps/pin_store.py``) and one more
public resource with a marked description that the test then makes team-only
through the service the CLI uses. The app runs against it in Debian's
Chromium, offline, single-user (an administrator).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

from mapping.maps import pin_store
from tests import browser
from tests.browser import map_frame, offline_tab
from tests.streamlit_server import PROJECT_ROOT

pytestmark = pytest.mark.browser

MARK = "jawny-dzis-ZQX-8812"
XSS = "<img src=x onerror=\"window.__pwned=1\">Świetlica"
MANY = 1_200
CITY = "Gdańsk"
STATIC = PROJECT_ROOT / "static"
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def world(admin_url, template_url):
    """Database URL, the crowded district, a point inside it, a category label, the marked pin."""
    with browser.demo_copy(admin_url, "calmap_moved") as (url, entry):
        engine = create_engine(url)
        with engine.begin() as conn:
            crowded = browser.districts(conn, CITY)[0]
            browser.add_resources(conn, entry, crowded.id, MANY, 11)
            marked = browser.add_resources(conn, entry, crowded.id, 1, 11, name="'Zasób jawny'",
                                   description=":mark", mark=MARK)[0]
        engine.dispose()
        yield {"url": url, "area": crowded.id, "lat": crowded.lat, "lon": crowded.lon,
               "label": entry.label("pl"), "marked": marked}


@pytest.fixture(scope="module")
def app_url(world):
    with browser.single_user_app(world["url"]) as url:
        yield url


def click_first_pin(frame) -> str:
    """Click one pin of the map's pin layers (zoomed to if clustered); return the popup's text."""
    frame.evaluate("""() => new Promise(done => {
        let marker = null, group = null;
        window.map.eachLayer(l => {
            if (!marker && l.calmapLayer && l.getLayers().length) {
                group = l; marker = l.getLayers()[0];
            }
        });
        const mark = () => { marker.getElement().id = 'calmap-target'; done(); };
        if (group.zoomToShowLayer) { group.zoomToShowLayer(marker, mark); } else { mark(); }
    })""")
    frame.locator("#calmap-target").click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=15_000)
    return popup.inner_text()


def mark_same_map(tab, frame):
    """Remember the map's iframe and document, to tell later whether a rerun rebuilt them."""
    frame.evaluate("window.__same_document = true")
    return tab.locator(IFRAME).element_handle()


def same_map(tab, frame, iframe) -> bool:
    """Whether the page still shows one map, in the iframe and document marked before."""
    return (frame.evaluate("window.__same_document === true")
            and iframe.evaluate("el => el.isConnected") and tab.locator(IFRAME).count() == 1)


def test_the_teams_page_shows_partners_on_the_mounted_map_and_a_rerun_keeps_it(app_url):
    with offline_tab(viewport={"width": 1366, "height": 800}) as tab:
        tab.goto(f"{app_url}/teams?city={quote('Wrocław')}")
        frame = map_frame(tab, ".leaflet-marker-pane .calmap-pin, .leaflet-marker-pane > *")
        frame.wait_for_function("window.CalmapPins && window.CalmapPins.pending === 0",
                                timeout=60_000)
        popup = click_first_pin(frame)
        iframe = mark_same_map(tab, frame)
        box = tab.get_by_role("combobox", name="Partnerstwo")
        other = tab.get_by_role("option", name="Partnerstwo dla Leśnicy")
        for _ in range(5):
            # A late rerun may close the list under the click: open it again.
            box.click()
            try:
                other.wait_for(timeout=5_000)
                break
            except Exception:  # noqa: BLE001 - the list did not open, try again
                continue
        other.click()
        frame.wait_for_function("window.CalmapPins.built >= 2", timeout=60_000)
        kept = same_map(tab, frame, iframe)
        errors = tab.page_errors
    assert popup.strip()
    assert kept and not errors


def test_the_bulk_import_preview_shows_the_rows_on_the_mounted_map_escaped(
    app_url, world, tmp_path
):
    rows = [
        "Nazwa;Kategoria;Adres;Szerokość;Długość\r\n",
        f"{XSS};{world['label']};ul. Długa 1;{world['lat']};{world['lon']}\r\n",
        f"Bez kategorii;nie-ma-takiej;ul. Długa 2;{world['lat'] + 0.0005};{world['lon']}\r\n",
    ]
    path = tmp_path / "zasoby.csv"
    path.write_text("".join(rows), encoding="utf-8")
    with offline_tab(viewport={"width": 1366, "height": 800}) as tab:
        tab.goto(f"{app_url}/bulk_import?city={quote(CITY)}&area={world['area']}")
        tab.locator('input[type="file"]').set_input_files(str(path))
        frame = map_frame(tab, ".leaflet-marker-pane > *")
        frame.wait_for_function("window.CalmapPins && window.CalmapPins.pending === 0",
                                timeout=60_000)
        pins = frame.evaluate("""() => {
            let n = 0;
            window.map.eachLayer(l => { if (l.calmapLayer) n += l.getLayers().length; });
            return n;
        }""")
        popup = click_first_pin(frame)
        disabled = tab.locator("button:disabled", has_text="Zapisz").count() == 1
        iframe = mark_same_map(tab, frame)
        # A rerun: another language, the preview's content swapped in place.
        tab.get_by_test_id("stSidebar").get_by_text("English").click()
        tab.get_by_role("heading", name="Import from a file").wait_for(timeout=60_000)
        frame.wait_for_function("window.CalmapPins.built >= 2 && window.CalmapPins.pending === 0",
                                timeout=60_000)
        kept = same_map(tab, frame, iframe)
        pwned = frame.evaluate("window.__pwned === undefined")
        errors = tab.page_errors
    assert pins == 2  # both rows, the one with an error too (a grey pin)
    assert "Świetlica" in popup or "Bez kategorii" in popup
    assert pwned and kept and disabled and not errors


def test_the_area_import_preview_is_on_the_mounted_map(app_url, tmp_path):
    square = [[18.60, 54.40], [18.61, 54.40], [18.61, 54.41], [18.60, 54.41], [18.60, 54.40]]
    features = [
        {"type": "Feature", "properties": {"nazwa": n, "opis": o},
         "geometry": {"type": "Polygon", "coordinates": [[[x + d, y] for x, y in square]]}}
        for n, o, d in (("Osiedle <b>A</b>", "x", 0.0), ("Osiedle B", "y", 0.02))
    ]
    path = tmp_path / "osiedla.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    with offline_tab(viewport={"width": 1366, "height": 800}) as tab:
        tab.goto(f"{app_url}/import_areas?city={quote(CITY)}")
        tab.locator('input[type="file"]').set_input_files(str(path))
        frame = map_frame(tab)
        areas = frame.locator("path.leaflet-interactive").count()
        iframe = mark_same_map(tab, frame)
        # A rerun: another field holds the names.
        tab.get_by_role("combobox", name="Pole z nazwą").click()
        tab.get_by_role("option", name="opis").click()
        tab.wait_for_timeout(500)
        frame.wait_for_function("window.CalmapPins.pending === 0", timeout=60_000)
        kept = same_map(tab, frame, iframe)
        errors = tab.page_errors
    assert areas >= 2 and kept and not errors


def test_a_pin_made_team_only_is_in_no_pin_file_and_not_served(app_url, world):
    from mapping import db
    from mapping.cli.common import cli_actor
    from mapping.services import pins

    def pins_ready(frame):
        frame.wait_for_function(
            "() => window.CalmapPins && window.CalmapPins.pending === 0 && "
            "document.querySelector('.leaflet-marker-pane .calmap-cluster')", timeout=60_000)

    store = pin_store.static_store(STATIC, "/app/static")
    overview = f"{app_url}/?city={quote(CITY)}&area={world['area']}"
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        fetched = []
        tab.on("request", lambda r: fetched.append(r.url) if "/cache/pins/" in r.url else None)
        tab.goto(overview)
        pins_ready(map_frame(tab))
    # Positions and popup-text blocks are written when the map is built.
    written = [p for p in store.files() if MARK in p.read_text(encoding="utf-8")]
    served = [u for u in fetched if u.endswith(".json")]
    assert written, "the public pin's text was written to a file"

    engine = db.engine_for_url(world["url"])
    with db.session_scope(engine) as session:
        row = pins.get_pin(session, cli_actor(), "resource", world["marked"])
        pins.update_pin(session, cli_actor(), pins.PinRef("resource", row.id, row.version),
                        {"visibility": "team"})

    still = [p for p in store.files() if MARK in p.read_text(encoding="utf-8")]
    gone = []
    for path in written:
        try:
            urllib.request.urlopen(f"{app_url}/app/static/{pin_store.CACHE_PATH}/{path.name}")
        except urllib.error.HTTPError as exc:
            gone.append(exc.code)
    # A viewer now (the app's cached reads are dropped) writes the layer again without it.
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        tab.goto(overview)
        pins_ready(map_frame(tab))
    rewritten = [p for p in store.files() if MARK in p.read_text(encoding="utf-8")]
    assert served and still == [] and gone == [404] * len(written)
    assert store.files() and rewritten == []
