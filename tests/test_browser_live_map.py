"""The live map in the running app: public pins from files, popups on click, one mounted map.

A copy of the demo city gets 1,200 public resources in one district (so the
layer is clustered and its public pins travel as files of the app's static
folder, ``mapping/maps/pin_store.py``), one of them with a hostile name, and
one team-only resource whose text must never be written to a static file nor
reach the overview. The app runs against it in Debian's Chromium, offline.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

from mapping.maps import pin_store
from tests import browser
from tests.browser import map_frame, offline_tab
from tests.map_points import FREE_POINT_JS
from tests.streamlit_server import PROJECT_ROOT

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>"
SECRET = "tajne-ZXQ-team-only-7431"
MANY = 1_200
CITY = "Gdańsk"
STATIC = PROJECT_ROOT / "static"


@pytest.fixture(scope="module")
def world(admin_url, template_url):
    """Database URL, the crowded district's id, another district's id and name, pin ids."""
    with browser.demo_copy(admin_url, "calmap_live") as (url, entry):
        engine = create_engine(url)
        with engine.begin() as conn:
            areas = browser.districts(conn, CITY)
            names = [a.name for a in areas]
            # Districts whose name is no part of another name: typed, each is the one match.
            unique = [a for a in areas if sum(a.name.lower() in n.lower() for n in names) == 1]
            crowded, other = unique[0], unique[1]
            browser.add_resources(conn, entry, crowded.id, MANY, 7)
            hostile = browser.add_resources(conn, entry, crowded.id, 1, 7, name=":xss",
                                    description="'Opis & <b>pogrubiony</b>'", xss=XSS)[0]
            secret = browser.add_resources(conn, entry, crowded.id, 1, 7, name="'Zasób zespołu'",
                                   description=":secret", visibility="'team'",
                                   secret=SECRET)[0]
        engine.dispose()
        yield {"url": url, "crowded": crowded.id, "crowded_name": crowded.name,
               "other": other.id, "other_name": other.name,
               "hostile": hostile, "secret": secret, "entry": entry}


@pytest.fixture(scope="module")
def app_url(world):
    with browser.single_user_app(world["url"]) as url:
        yield url


def pins_ready(frame):
    frame.wait_for_function(
        "() => window.CalmapPins && window.CalmapPins.pending === 0 && "
        "document.querySelector('.leaflet-marker-pane .calmap-cluster')", timeout=60_000)


def test_a_popup_of_one_of_many_public_pins_opens_on_click_with_its_escaped_text(
    app_url, world
):
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        fetched = []
        tab.on("request", lambda r: fetched.append(r.url) if "/cache/pins/" in r.url else None)
        tab.goto(f"{app_url}/?city={quote(CITY)}&area={world['crowded']}")
        frame = map_frame(tab)
        pins_ready(frame)
        frame.evaluate("""(id) => new Promise(done => {
            let group = null;
            window.map.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) group = l; });
            const marker = group.getLayers().find(m => m.options.calmapId === id);
            group.zoomToShowLayer(marker, () => {
                marker.getElement().id = 'calmap-target';
                done();
            });
        })""", world["hostile"])
        frame.locator("#calmap-target").click()
        popup = frame.locator(".leaflet-popup-content .calmap-popup")
        popup.wait_for(timeout=15_000)
        heading = popup.locator("h4").inner_text()
        body = popup.inner_text()
        popup_html = popup.inner_html()
        pwned = frame.evaluate("window.__pwned === undefined")
        errors = tab.page_errors
        blocked = tab.blocked
    # The public pins came as files: positions first, then the block of popup texts.
    assert len(fetched) >= 2
    assert heading == XSS
    assert "Opis & <b>pogrubiony</b>" in body
    assert "<script" not in popup_html and "<img" not in popup_html
    assert pwned and not errors and not blocked


def test_a_team_only_pin_is_never_in_a_static_file_nor_sent_to_the_overview(app_url, world):
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        received = browser.websocket_frames(tab)
        tab.goto(f"{app_url}/?city={quote(CITY)}&area={world['crowded']}")
        pins_ready(map_frame(tab))
        overview_text = browser.frames_text(received)
        # The editor (one user, an admin: every visibility) shows the team's pin inline.
        tab.goto(f"{app_url}/editor?city={quote(CITY)}&area={world['crowded']}")
        # The editor's areas take no taps (not interactive): wait for the pins.
        frame = map_frame(tab, ".leaflet-marker-pane .calmap-cluster")
        pins_ready(frame)
        in_editor = frame.evaluate("""(id) => {
            let found = false;
            window.map.eachLayer(l => {
                if (l.calmapLayer && l.getLayers().some(m => m.options.calmapId === id)) {
                    found = true;
                }
            });
            return found;
        }""", world["secret"])
    files = pin_store.static_store(STATIC, "/app/static").files()
    assert files, "the public pins were written as files"
    assert in_editor
    assert str(world["hostile"]) and SECRET not in overview_text
    for path in files:
        assert SECRET not in path.read_text(encoding="utf-8"), path


def test_choosing_another_area_keeps_the_map_and_does_not_send_its_pins_again(app_url, world):
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        received = browser.websocket_frames(tab)
        fetched = []
        tab.on("request", lambda r: fetched.append(r.url) if "/cache/pins/" in r.url else None)
        tab.goto(f"{app_url}/?city={quote(CITY)}&area={world['crowded']}")
        frame = map_frame(tab)
        pins_ready(frame)
        first_fetched = len(fetched)
        iframe = tab.locator('iframe[title="streamlit_folium.st_folium"]').element_handle()
        frame.evaluate("window.__same_document = true")
        area_box = tab.get_by_test_id("stSidebar").get_by_role("combobox", name="Obszar").first

        def choose(name):
            area_box.click()
            tab.keyboard.type(name)
            tab.get_by_role("option", name=f"{name} (dzielnica)").first.click()

        received.clear()
        choose(world["other_name"])
        frame.wait_for_function("window.CalmapPins.built === 2 && window.CalmapPins.pending === 0",
                                timeout=60_000)
        other_bytes = sum(len(m) for m in received)
        # And back: the first area's content is put back, its pins not sent nor fetched again.
        received.clear()
        choose(world["crowded_name"])
        frame.wait_for_function("window.CalmapPins.reused >= 1", timeout=60_000)
        back_bytes = sum(len(m) for m in received)
        same = frame.evaluate("window.__same_document === true")
        connected = iframe.evaluate("el => el.isConnected")
        frames = tab.locator('iframe[title="streamlit_folium.st_folium"]').count()
        built = frame.evaluate("window.CalmapPins.built")
        errors = tab.page_errors
    assert same and connected and frames == 1
    assert built == 2  # the crowded district's pins were built once
    assert len(fetched) == first_fetched  # and fetched once
    # Only the map's small content travelled, never its 1,200 pins (about 250 kB inline).
    assert other_bytes < 120_000 and back_bytes < 120_000, (other_bytes, back_bytes)
    assert not errors



# How many pins the map's clustered layers hold (shown, or gathered in a cluster).
CLUSTERED_PINS_JS = """() => {
    let n = 0;
    window.map.eachLayer(l => {
        if (l instanceof L.MarkerClusterGroup) n += l.getLayers().length;
    });
    return n;
}"""


def test_an_editors_team_pins_travel_once_while_other_saves_come_in(app_url, world):
    """Runs last in this module: it adds a public pin to the crowded district."""
    with offline_tab(viewport={"width": 1366, "height": 900}) as tab:
        received = browser.websocket_frames(tab)
        frame = browser.clustered_editor(tab, app_url, CITY, world["crowded"])
        opening = browser.frames_text(received)
        pins_before = frame.evaluate(CLUSTERED_PINS_JS)
        built_before = frame.evaluate("window.CalmapPins.built")
        # Another organiser saves a public pin in the district meanwhile.
        engine = create_engine(world["url"])
        with engine.begin() as conn:
            browser.add_resources(conn, world["entry"], world["crowded"], 1, 99)
        engine.dispose()
        # This editor's next rerun (a tap) reads the new version: a new content.
        x, y = frame.evaluate(FREE_POINT_JS)
        box = tab.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        received.clear()
        tab.mouse.click(box["x"] + x, box["y"] + y)
        frame.wait_for_function(
            f"window.CalmapPins.built > {built_before} && window.CalmapPins.pending === 0",
            timeout=60_000)
        tab.wait_for_timeout(1_000)
        after_save = browser.frames_text(received)
        pins_after = frame.evaluate(CLUSTERED_PINS_JS)
        missing = frame.evaluate("window.CalmapPins.missing")
        kept = tab.evaluate("window.calmapParts.order.length")
        errors = tab.page_errors
    # The team-only pin (administrator's view) came inline with the first content ...
    assert SECRET in opening
    # ... and the new content named that part by its digest only: the new public pin
    # is in the files, the team pin is drawn from what the page kept.
    assert "calmapPart" in after_save and SECRET not in after_save
    assert pins_after == pins_before + 1, (pins_before, pins_after)
    assert missing == 0 and kept >= 1
    assert not errors
