"""An editor's tap on a map of many team pins: the mark shows and the pins do not travel again.

A copy of the demo city gets 1,500 team-only resources in one district: team
pins never go to static files, so they are inline in the map's content (a few
hundred kB). The app (single-user mode: an administrator, who sees them)
runs against it in Debian's Chromium, offline; the bytes the websocket
brings during a tap are counted as the page receives them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

from mapping.maps import field
from tests import browser
from tests.browser import POSITION_SHOWN_JS, map_frame, offline_tab, position_start
from tests.map_points import FREE_POINT_JS

pytestmark = pytest.mark.browser

MANY = 1_500
CITY = "Gdańsk"


@pytest.fixture(scope="module")
def world(admin_url, template_url):
    """Database URL and the crowded district's id."""
    with browser.demo_copy(admin_url, "calmap_tap") as (url, entry):
        engine = create_engine(url)
        with engine.begin() as conn:
            crowded = browser.districts(conn, CITY)[0].id
            browser.add_resources(conn, entry, crowded, MANY, 11, name="'Zasób zespołu ' || i",
                          description="'Opis zasobu numer ' || i || ' (wtorki)'",
                          visibility="'team'")
        engine.dispose()
        yield {"url": url, "crowded": crowded}


@pytest.fixture(scope="module")
def app_url(world):
    with browser.single_user_app(world["url"]) as url:
        yield url


def test_a_tap_in_the_editor_shows_the_mark_and_sends_the_map_content_by_its_digest_only(
    app_url, world
):
    with offline_tab(viewport={"width": 1366, "height": 900}) as tab:
        received = browser.websocket_frames(tab)
        frame = browser.clustered_editor(tab, app_url, CITY, world["crowded"])
        opening = b"".join(received)
        x, y = frame.evaluate(FREE_POINT_JS)
        box = tab.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        received.clear()
        tab.mouse.click(box["x"] + x, box["y"] + y)
        frame.locator(".calmap-marked-point").first.wait_for(timeout=60_000)
        tab.get_by_text("Zaznaczony punkt").first.wait_for(timeout=60_000)
        tab.wait_for_timeout(1_000)
        tap = b"".join(received)
        built = frame.evaluate("window.CalmapPins.built")
        missing = frame.evaluate("window.CalmapPins.missing")
        # The linked files did their work: the position button is there, laid out by
        # the touch rules, and the legend has the map's own style.
        locate_display = frame.evaluate(
            "getComputedStyle(document.querySelector('.calmap-locate')).display")
        legend_background = frame.evaluate(
            "getComputedStyle(document.querySelector('.calmap-legend')).backgroundColor")

        # A page that lost the field-sync data it holds by digest asks, and gets it again:
        # back on the resources' form (held), after the partners' (new, sent whole).
        tab.evaluate("() => { window.__calmapField.fixed = {}; }")
        layers = tab.get_by_role("radiogroup", name="Warstwa")
        layers.get_by_text("Partnerzy").click()
        tab.get_by_role("heading", name="Nowy wpis: Partnerzy").wait_for(timeout=60_000)
        layers.get_by_text("Zasoby").click()
        tab.get_by_role("heading", name="Nowy wpis: Zasoby").wait_for(timeout=60_000)
        tab.wait_for_function(
            "() => Object.keys(window.__calmapField.fixed).length === 2"
            " && window.__calmapField.data.form.layer === 'resource'"
            " && window.__calmapField.data.form.fields.length > 5", timeout=60_000)
        errors = tab.page_errors
    # The opening carried the 1,500 team pins inline (their popup texts with them); the
    # tap carried the mark and the page (its table lists the pins' names), never the pins,
    # nor the field-sync component's catalogue (sent once, then by its digest).
    assert opening.count(b"zasobu numer") >= 1_000
    assert b"zasobu numer" not in tap
    assert b"offline_layers" in opening and b"offline_layers" not in tap
    assert len(tap) < 0.7 * len(opening), (len(tap), len(opening))
    # Nor the map's constant styles and scripts: static files named by their digest,
    # linked (mapping/maps/field.py, elements.MAP_STYLE), never text in the run.
    for constant in (b"window.calmapLocate = function", b".leaflet-control-layers-selector {",
                     b".calmap-legend details[open]", b".calmap-popup th"):
        assert constant not in tap and constant not in opening, constant
    assert field.LOCATE_SCRIPT.name.encode() in tap
    assert locate_display == "flex"
    assert legend_background == "rgba(255, 255, 255, 0.95)"
    assert built == 1 and missing == 0
    assert not errors


# How many red marks the map shows when one stands at [lat, lng] (0 when none does).
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
MARKS_JS = """() => document.querySelectorAll('.calmap-marked-point').length"""
LATLNG_JS = """([x, y]) => {
    const box = window.map.getContainer().getBoundingClientRect();
    const at = window.map.containerPointToLatLng([x - box.left, y - box.top]);
    return [at.lat, at.lng];
}"""
# A point inside the map's bounds but outside every drawn area outline, with nothing on it.
OUTSIDE_POINT_JS = FREE_POINT_JS.replace(
    "if (inside(map.containerPointToLatLng([cx, cy])))",
    "if (!inside(map.containerPointToLatLng([cx, cy])))",
)


def test_a_tap_shows_its_mark_and_point_before_the_server_answers_and_the_rerun_keeps_them(
    app_url, world
):
    held: list = []
    holding = {"on": False}

    def stream(ws):
        # Messages to the server are held while the test says so; the server's go through.
        server = ws.connect_to_server()

        def to_server(message):
            if holding["on"]:
                held.append((server, message))
            else:
                server.send(message)

        ws.on_message(to_server)

    with offline_tab(viewport={"width": 1366, "height": 900}) as tab:
        tab.route_web_socket(re.compile(r".*/_stcore/stream"), stream)
        tab.goto(f"{app_url}/editor?city={quote(CITY)}&area={world['crowded']}")
        frame = map_frame(tab, ".leaflet-marker-pane .calmap-cluster")
        frame.wait_for_function("window.CalmapPins && window.CalmapPins.pending === 0",
                                timeout=60_000)
        tab.wait_for_timeout(2_000)
        coords = tab.get_by_role("textbox", name="Położenie (szerokość, długość)")
        assert coords.input_value() == ""
        x, y = frame.evaluate(FREE_POINT_JS)
        at = frame.evaluate(LATLNG_JS, [x, y])
        box = tab.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()

        # The server hears nothing of the tap, yet its mark is on the map, where it was
        # tapped, and the "Położenie" box shows the point (in Polish), not yet the server's.
        holding["on"] = True
        tab.mouse.click(box["x"] + x, box["y"] + y)
        frame.wait_for_function(MARK_AT_JS, arg=at, timeout=10_000)
        tab.wait_for_function(POSITION_SHOWN_JS, arg=position_start(at[0]), timeout=10_000)
        tab.wait_for_timeout(1_000)
        assert held, "the tap was reported to the server (held here)"
        assert frame.evaluate(MARK_AT_JS, at) == 1
        assert coords.input_value() == browser.position_text(at[0], at[1])
        assert tab.get_by_text("Zaznaczony punkt").count() == 0

        # The server answers: the same one mark, and the form has the point.
        holding["on"] = False
        for server, message in held:
            server.send(message)
        held.clear()
        tab.wait_for_function(POSITION_SHOWN_JS, arg=position_start(at[0]), timeout=60_000)
        tab.get_by_text("Zaznaczony punkt").first.wait_for(timeout=60_000)
        tab.wait_for_timeout(1_000)
        assert frame.evaluate(MARK_AT_JS, at) == 1
        assert frame.evaluate(MARKS_JS) == 1

        # A tap outside the area's outline draws nothing and is refused, naming an area.
        ox, oy = frame.evaluate(OUTSIDE_POINT_JS)
        tab.mouse.click(box["x"] + ox, box["y"] + oy)
        refusal = tab.get_by_text("Ten punkt leży poza wybranym obszarem").first
        refusal.wait_for(timeout=60_000)
        assert frame.evaluate(MARKS_JS) == 0
        # The box is the server's again: no point (the refused tap cleared the marked one).
        assert coords.input_value() == ""
        assert frame.evaluate("window.CalmapPins.tapsShown") == 1
        errors = tab.page_errors
    assert not errors


def _messages(frames: list[bytes]) -> list:
    """The websocket's frames as Streamlit's messages (each frame is one ForwardMsg)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return [ForwardMsg.FromString(frame) for frame in frames]


def test_a_tap_reruns_only_the_map_and_forms_and_the_form_has_the_point_with_one_mark(
    app_url, world
):
    with offline_tab(viewport={"width": 1366, "height": 900}) as tab:
        received: list[bytes] = []
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(
            p if isinstance(p, bytes) else p.encode("utf-8"))))
        tab.goto(f"{app_url}/editor?city={quote(CITY)}&area={world['crowded']}")
        frame = map_frame(tab, ".leaflet-marker-pane .calmap-cluster")
        frame.wait_for_function("window.CalmapPins && window.CalmapPins.pending === 0",
                                timeout=60_000)
        tab.wait_for_timeout(2_000)
        opening = _messages(received)
        x, y = frame.evaluate(FREE_POINT_JS)
        at = frame.evaluate(LATLNG_JS, [x, y])
        box = tab.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        received.clear()
        tab.mouse.click(box["x"] + x, box["y"] + y)
        tab.wait_for_function(POSITION_SHOWN_JS, arg=position_start(at[0]), timeout=60_000)
        tab.wait_for_timeout(1_500)  # anything the tap still brings
        tap = _messages(received)
        reported = frame.evaluate("window.CalmapPins.tapsReported")
        marks = frame.evaluate(MARK_AT_JS, at)
        errors = tab.page_errors
    # The opening ran the whole page: the sidebar (delta path 1) was drawn.
    opened = [m for m in opening if m.HasField("delta")]
    assert any(m.metadata.delta_path[0] == 1 for m in opened)
    # The tap ran the map and forms alone: every run it started was a fragment's (a whole
    # run names none), and every element it sent lies in that one block of the main
    # body: nothing of the sidebar (path 1), the title or the page's other parts.
    runs = [m for m in tap if m.HasField("new_session")]
    assert runs and all(m.metadata.run.fragment_ids for m in runs)
    drawn = [m for m in tap if m.HasField("delta")]
    assert drawn, "the tap sent no element"
    blocks = {tuple(m.metadata.delta_path[:2]) for m in drawn}
    assert len(blocks) == 1 and next(iter(blocks))[0] == 0, blocks
    assert len(drawn) < len(opened), (len(drawn), len(opened))
    # The map told the server itself, at once (not after streamlit-folium's pause), once.
    assert reported == 1
    assert marks == 1
    assert not errors
