"""The live map in the running app: public pins from files, popups on click, one mounted map.

A copy of the demo city gets 1,200 public resources in one district (so the
layer is clustered and its public pins travel as files of the app's static
folder, ``mapping/maps/pin_store.py``), one of them with a hostile name, and
one team-only resource whose text must never be written to a static file nor
reach the overview. The app runs against it in Debian's Chromium, offline.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from mapping.maps import pin_store
from tests.browser import map_frame, offline_tab
from tests.conftest import TEMPLATE, _create_database, _drop_database, app_env
from tests.streamlit_server import PROJECT_ROOT, running_app

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>"
SECRET = "tajne-ZXQ-team-only-7431"
MANY = 1_200
CITY = "Gdańsk"
STATIC = PROJECT_ROOT / "static"


@pytest.fixture(scope="module")
def world(admin_url, template_url):
    """Database URL, the crowded district's id, another district's id and name, pin ids."""
    from sqlalchemy.orm import Session

    from mapping import catalog, demo

    name = f"calmap_live_{os.getpid()}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        demo.load_demo(session)
        entry = next(e for e in catalog.entries(session) if e.vocabulary == "resource_category")
    kind, category = entry.parent_code, entry.code
    with engine.begin() as conn:
        areas = conn.execute(text(
            "SELECT area.id, area.name FROM area JOIN team ON team.id = area.team_id "
            "WHERE team.city = :city AND area.kind = 'district' ORDER BY area.id"),
            {"city": CITY}).all()
        names = [n for _, n in areas]
        # Districts whose name is no part of another name: typed, each is the one match.
        unique = [a for a in areas if sum(a.name.lower() in n.lower() for n in names) == 1]
        crowded, other = unique[0], unique[1]
        common = """
            INSERT INTO resource (name, kind, category, description, address, visibility,
                                  target_groups, area_id, geom, source)
            SELECT {name}, :kind, :category, {description}, 'ul. Długa ' || i, {visibility},
                   ARRAY[]::text[], :area, d.geom, 'test'
            FROM (SELECT row_number() OVER () AS i, d.geom
                  FROM area, ST_Dump(ST_GeneratePoints(area.geom, :n, 7)) AS d
                  WHERE area.id = :area) AS d
            RETURNING id
        """
        values = {"kind": kind, "category": category, "area": crowded.id}
        conn.execute(text(common.format(name="'Zasób ' || i", description="'opis ' || i",
                                        visibility="'public'")), {**values, "n": MANY})
        hostile = conn.execute(text(common.format(
            name=":xss", description="'Opis & <b>pogrubiony</b>'", visibility="'public'")),
            {**values, "n": 1, "xss": XSS}).scalar_one()
        secret = conn.execute(text(common.format(
            name="'Zasób zespołu'", description=":secret", visibility="'team'")),
            {**values, "n": 1, "secret": SECRET}).scalar_one()
    engine.dispose()
    yield {"url": url, "crowded": crowded.id, "crowded_name": crowded.name,
           "other": other.id, "other_name": other.name,
           "hostile": hostile, "secret": secret}
    _drop_database(admin_url, name)


@pytest.fixture(scope="module")
def app_url(world):
    env = {**app_env(world["url"]), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    with running_app(env) as url:
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
        received = []
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(
            p if isinstance(p, str) else p.decode("utf-8", "replace"))))
        tab.goto(f"{app_url}/?city={quote(CITY)}&area={world['crowded']}")
        pins_ready(map_frame(tab))
        overview_text = "".join(received)
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
        received = []
        fetched = []
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(len(p))))
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
        other_bytes = sum(received)
        # And back: the first area's content is put back, its pins not sent nor fetched again.
        received.clear()
        choose(world["crowded_name"])
        frame.wait_for_function("window.CalmapPins.reused >= 1", timeout=60_000)
        back_bytes = sum(received)
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

