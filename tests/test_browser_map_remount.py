"""A live map remounted in a new frame: another page and back, and a reload, rebuild it whole.

The overview's map is mounted once per page; going to the editor and back
gives the overview a new iframe, and the server then sends the content the
browser already held by its digest only: the new frame builds it from the
script the page kept (``CalmapPins.content``), its public pins from the
files in the HTTP cache. A reload starts a new session and gets everything
again. Either way every pin must be there, a popup must open, and the
editor's team-only pin (the editor is an administrator here) must not be on
the overview, the map every viewer is shown.

A copy of the demo city gets 1,200 public resources in one district (a
clustered layer whose public pins travel as static files) and one team-only
resource with a marked description. Debian's Chromium, offline.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from tests import browser
from tests.browser import map_frame, offline_tab

pytestmark = pytest.mark.browser

SECRET = "tajne-REM-team-only-5521"
MANY = 1_200
CITY = "Gdańsk"
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

# Every pin on the map's pin layers, whether in a cluster or on its own.
PINS_JS = """() => {
    const ids = [];
    window.map.eachLayer(l => {
        if (l.calmapLayer && l.getLayers) {
            l.getLayers().forEach(m => ids.push(l.calmapLayer + ':' + m.options.calmapId));
        }
    });
    return ids;
}"""
# Zoom to one pin of the pin layers, mark its element for a click.
SHOW_PIN_JS = """(id) => new Promise(done => {
    let group = null;
    window.map.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) group = l; });
    const marker = group.getLayers().find(m => m.options.calmapId === id);
    group.zoomToShowLayer(marker, () => {
        marker.getElement().id = 'calmap-target';
        done();
    });
})"""


@pytest.fixture(scope="module")
def world(admin_url, template_url):
    """Database URL, the crowded district's id, the ids of its public pins and the secret pin."""
    with browser.demo_copy(admin_url, "calmap_remount") as (url, entry):
        engine = create_engine(url)
        with engine.begin() as conn:
            crowded = browser.districts(conn, CITY)[0].id
            made = browser.add_resources(conn, entry, crowded, MANY, 5)
            secret = browser.add_resources(conn, entry, crowded, 1, 5, name="'Zasób zespołu'",
                                   description=":secret", visibility="'team'",
                                   secret=SECRET)[0]
            shown = overview_pins(conn, crowded)
        engine.dispose()
        yield {"url": url, "area": crowded, "secret": secret, "shown": shown,
               "made": sorted(made)}


def overview_pins(conn, area):
    """What the overview shows of ``area``: its public and partnership pins, every layer."""
    return {
        (layer, row_id) for layer in ("resource", "partner", "need")
        for (row_id,) in conn.execute(text(
            f"SELECT p.id FROM {layer} p WHERE p.retired_at IS NULL "  # noqa: S608
            "AND p.visibility IN ('public', 'partnership') AND p.geom IS NOT NULL "
            + ("AND p.status <> 'archived' " if layer == "need"
               else "")
            + "AND (p.area_id = :area OR EXISTS (SELECT 1 FROM area a WHERE a.id = :area "
            "AND ST_Intersects(a.geom, p.geom)))"), {"area": area})
    }


@pytest.fixture(scope="module")
def app_url(world):
    with browser.single_user_app(world["url"]) as url:
        yield url


def ready_frame(tab):
    """The map's frame once every pin layer is loaded and some pins are drawn."""
    frame = map_frame(tab, ".leaflet-marker-pane .calmap-cluster")
    frame.wait_for_function(
        "() => window.CalmapPins && window.CalmapPins.pending === 0 && "
        "document.querySelector('.leaflet-marker-pane .calmap-cluster')", timeout=60_000)
    return frame


def popup_of(frame, pin_id):
    """Click pin ``pin_id`` (zoomed into view) and return its popup's heading.

    A map just mounted may still settle (its frame resized, the view fitted to
    the area) after the zoom to the pin, which draws the pin's element anew:
    then zoom to it and click again, as a person would.
    """
    for attempt in range(3):
        frame.evaluate(SHOW_PIN_JS, pin_id)
        try:
            frame.locator("#calmap-target").click(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - redrawn under the click: show it again
            if attempt == 2:
                raise
    popup = frame.locator(".leaflet-popup-content .calmap-popup h4")
    popup.wait_for(timeout=15_000)
    return popup.inner_text()


def go_to(tab, page):
    """Follow the sidebar's link to ``page`` (same session, as a person clicks it)."""
    tab.get_by_test_id("stSidebarNav").get_by_role("link", name=page).click(timeout=60_000)


def test_the_overview_rebuilds_every_pin_after_the_editor_and_after_a_reload(app_url, world):
    pin_ids = world["made"]
    secret = f"resource:{world['secret']}"
    with offline_tab(viewport={"width": 1400, "height": 1000}) as tab:
        received = browser.websocket_frames(tab)
        tab.goto(f"{app_url}/?city={quote(CITY)}&area={world['area']}")
        first = sorted(ready_frame(tab).evaluate(PINS_JS))
        first_bytes = len(browser.frames_text(received))
        first_popup = popup_of(map_frame(tab), pin_ids[0])

        # To the editor (an administrator: the team-only pin is on its map) and back.
        go_to(tab, "Edytor mapy")
        tab.wait_for_url("**/editor**", timeout=60_000)
        in_editor = ready_frame(tab).evaluate(PINS_JS)
        received.clear()
        go_to(tab, "Przegląd mapy")
        tab.wait_for_function("() => !location.pathname.includes('editor')", timeout=60_000)
        frame = ready_frame(tab)
        back = sorted(frame.evaluate(PINS_JS))
        back_missing = frame.evaluate("window.CalmapPins.missing")
        back_popup = popup_of(frame, pin_ids[-1])
        back_text = browser.frames_text(received)

        # A reload: a new session, the content sent whole again.
        received.clear()
        tab.reload()
        frame = ready_frame(tab)
        reloaded = sorted(frame.evaluate(PINS_JS))
        reloaded_popup = popup_of(frame, pin_ids[len(pin_ids) // 2])
        reloaded_text = browser.frames_text(received)
        frames = tab.locator(IFRAME).count()
        errors = tab.page_errors
        blocked = tab.blocked
    everything = len(world["shown"])
    assert first == sorted(f"{layer}:{i}" for layer, i in world["shown"])
    assert len(set(first)) == everything
    assert secret in in_editor
    assert back == first and reloaded == first
    # Back from the editor, the content came by its digest only and was built from
    # the script the page kept (the remount path), not sent whole again.
    assert re.search(r"CalmapPins\.content\([^()]*null\)", back_text)
    assert len(back_text) < first_bytes / 2, (len(back_text), first_bytes)
    assert back_missing == 0
    assert secret not in first and secret not in back
    assert first_popup.startswith("Zasób") and back_popup.startswith("Zasób")
    assert reloaded_popup.startswith("Zasób")
    assert SECRET not in back_text and SECRET not in reloaded_text
    assert frames == 1
    assert not errors and not blocked
