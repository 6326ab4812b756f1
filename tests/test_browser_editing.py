"""An organiser pins a resource on a 10-inch tablet, in Debian's Chromium, offline.

The journey a person makes: sign in, open the editor, choose the district,
tap the map, type the coordinates instead, fill the form, save, and find the
new pin on the map, in its legend and in the table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session

from mapping.db.models import Resource, Team
from tests import browser
from tests.browser import ARTIFACTS, offline_tab, point_text, position_text
from tests.conftest import app_env
from tests.editing_fixtures import PASSWORD, build_world
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}


@pytest.fixture()
def world_app(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    with running_app(
        {**app_env(fresh_db_url), "CALMAP_TILES_URL": "none",
         "CALMAP_AUTH": "password"}
    ) as url:
        yield url, world, engine
    engine.dispose()


@pytest.fixture()
def tablet(world_app):
    _, world, _ = world_app
    lon, lat = world.point_a
    # The tablet's GPS puts the organiser in the middle of Brzeźno.
    here = {"latitude": lat + 0.001, "longitude": lon + 0.001}
    url, _, _ = world_app
    with offline_tab(
        url, viewport=TABLET, has_touch=True, geolocation=here, permissions=["geolocation"]
    ) as tab:
        yield tab


def map_frame(tab):
    inner = browser.map_frame(tab, "path.leaflet-interactive, .calmap-legend")
    return tab.query_selector('iframe[title="streamlit_folium.st_folium"]'), inner


def choose(page, within, label, option):
    """Pick an option of a Streamlit selectbox: open it, narrow the list, tap the option."""
    box = within.get_by_role("combobox", name=label).first
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(option.split(" (")[0])
    page.get_by_role("option", name=option, exact=True).click()


def test_an_organiser_pins_a_resource_on_a_tablet(tablet, world_app):
    _, world, engine = world_app
    lon, lat = world.point_a

    tablet.get_by_role("heading", name="Zaloguj się").wait_for(timeout=60_000)
    tablet.get_by_label("Login").fill("ewa")
    tablet.get_by_label("Hasło").fill(PASSWORD)
    tablet.get_by_role("button", name="Zaloguj").click()
    # A touch screen: the sidebar is folded away from the map until asked for.
    tablet.get_by_role("heading", name="Mapa zasobów i potrzeb").first.wait_for(timeout=60_000)
    browser.sidebar_folded(tablet)
    # tap_in_sidebar opens it again should a late rerun fold it under the tap.
    browser.tap_in_sidebar(tablet, "link", "Edytor mapy")
    tablet.get_by_role("heading", name="Edytor mapy").first.wait_for(timeout=30_000)
    browser.sidebar_folded(tablet)
    for attempt in range(3):
        try:
            choose(tablet, browser.open_sidebar(tablet), "Obszar", "Brzeźno (dzielnica)")
            break
        except Exception:  # noqa: BLE001 - folded under the tap: open it and choose again
            if attempt == 2:
                raise
    tablet.get_by_role("heading", name="Edytor mapy: Brzeźno").wait_for(timeout=30_000)

    # A tap on the map marks the point (drawn at once, and shown in the box).
    frame, inner = map_frame(tablet)
    tablet.wait_for_timeout(500)  # the view fits the district first
    spot = inner.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = frame.bounding_box()
    tablet.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
    tablet.get_by_text("Zaznaczony punkt:").wait_for(timeout=30_000)
    inner.wait_for_selector(".calmap-marked-point", timeout=10_000)

    # "My location" asks the browser (allowed here: localhost is a secure origin).
    tablet.get_by_role("button", name="Moja lokalizacja").click()
    tablet.get_by_text(point_text(lat + 0.001, lon + 0.001)).wait_for(timeout=30_000)
    # The box shows that point as the note does: in Polish, with decimal commas.
    position = tablet.get_by_role("textbox", name="Położenie (szerokość, długość)")
    assert position.input_value() == position_text(lat + 0.001, lon + 0.001)

    # Typing coordinates (Polish decimal commas) replaces that point.
    typed = f"{lat:.5f} {lon:.5f}".replace(".", ",")
    position.fill(typed)
    position.press("Enter")
    tablet.get_by_text(point_text(lat, decimals=5)).wait_for(timeout=30_000)

    form = tablet.get_by_test_id("stForm")
    choose(tablet, form, "Kategoria", "Biblioteka (Instytucja publiczna)")
    form.get_by_label("Nazwa").fill("Biblioteka Brzeźno")
    # On a touch screen the optional fields wait under one fold: a tap opens it.
    form.get_by_text("Więcej szczegółów (opcjonalne)").click()
    form.get_by_label("Telefon").fill("58 123 45 67")
    form.get_by_role("button", name="Zapisz nowy wpis").click()
    # Said twice: on the page and in the field toast at the top (mapping/ui/field_sync.js).
    tablet.get_by_text("Zapisano nowy wpis „Biblioteka Brzeźno”.").first.wait_for(timeout=30_000)

    with Session(engine) as session:
        row = session.scalars(select(Resource)).one()
        x, y = session.execute(select(func.ST_X(Resource.geom), func.ST_Y(Resource.geom))).one()
    assert (row.name, row.phone, row.area_id) == ("Biblioteka Brzeźno", "58 123 45 67",
                                                  world.area_a)
    assert (y, x) == pytest.approx((round(lat, 5), round(lon, 5)), abs=1e-9)

    # The new pin is on the map and counted in the legend.
    _, inner = map_frame(tablet)
    inner.wait_for_selector(".calmap-pin-resource", timeout=30_000)
    # On a touch screen the legend starts folded (its text is there all the
    # same); the content after the save may arrive a moment after the pin.
    legend = ""
    for _ in range(30):
        legend = inner.locator(".calmap-legend").first.text_content() or ""
        if "Zasoby (1)" in legend:
            break
        tablet.wait_for_timeout(1000)
    assert "Zasoby (1)" in legend and "Biblioteka" in legend

    # … and in the table.
    tablet.get_by_role("tab", name="Tabela").click()
    grid = tablet.get_by_test_id("stDataFrame").first
    grid.wait_for(timeout=30_000)
    # The grid draws on a canvas; its cells are also in the page for screen readers.
    grid.locator("td[role=gridcell]", has_text="Biblioteka Brzeźno").first.wait_for(
        state="attached", timeout=30_000
    )

    tablet.get_by_role("tab", name="Wpis").click()
    # What the tablet shows: the top of the page …
    tablet.get_by_role("heading", name="Edytor mapy: Brzeźno").scroll_into_view_if_needed()
    tablet.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    tablet.screenshot(path=str(ARTIFACTS / "editor.png"))
    # … and the whole page (Streamlit scrolls its main area, not the document).
    height = tablet.get_by_test_id("stMain").evaluate("e => e.scrollHeight")
    tablet.set_viewport_size({"width": TABLET["width"], "height": max(TABLET["height"], height)})
    tablet.wait_for_timeout(800)
    tablet.screenshot(path=str(ARTIFACTS / "editor-full.png"))
    tablet.set_viewport_size(TABLET)

    # Tapping the pin opens it for editing.
    inner.locator(".calmap-pin-resource").first.dispatch_event("click")
    tablet.get_by_role("heading", name="Zasoby: Biblioteka Brzeźno").wait_for(timeout=30_000)
    tablet.get_by_role("button", name="Wycofaj z mapy").scroll_into_view_if_needed()
    tablet.wait_for_timeout(800)
    tablet.screenshot(path=str(ARTIFACTS / "editor-open.png"))

    # Its history names who created it; the table offers the bulk action.
    tablet.get_by_role("tab", name="Historia").click()
    tablet.get_by_role("heading", name="Historia zmian: Biblioteka Brzeźno").wait_for()
    tablet.get_by_role("tab", name="Historia").scroll_into_view_if_needed()
    tablet.wait_for_timeout(800)
    tablet.screenshot(path=str(ARTIFACTS / "editor-history.png"))
    tablet.get_by_role("tab", name="Tabela").click()
    tablet.get_by_role("button", name="Sprawdzone dzisiaj (0)").wait_for()
    tablet.get_by_role("tab", name="Tabela").scroll_into_view_if_needed()
    tablet.wait_for_timeout(800)
    tablet.screenshot(path=str(ARTIFACTS / "editor-table.png"))

    assert tablet.blocked == []
    assert tablet.page_errors == []


def test_taps_keep_the_sign_in_open_and_a_tap_after_it_ended_asks_to_sign_in_again(world_app):
    """A tap reruns only the map and forms, yet keeps the session alive and notices its end."""
    url, world, engine = world_app
    lon, lat = world.point_a
    with offline_tab(url, viewport={"width": 1366, "height": 800}) as tab:
        tab.get_by_role("heading", name="Zaloguj się").wait_for(timeout=60_000)
        tab.get_by_label("Login").fill("ewa")
        tab.get_by_label("Hasło").fill(PASSWORD)
        tab.get_by_role("button", name="Zaloguj").click()
        tab.get_by_role("heading", name="Mapa zasobów i potrzeb").first.wait_for(timeout=60_000)
        # The page writes the sign-in cookie a moment after signing in; then a link opens.
        for _ in range(60):
            if any(c["name"] == "calmap_session" for c in tab.context.cookies()):
                break
            tab.wait_for_timeout(500)
        tab.goto(f"{url}/editor?city=Gda%C5%84sk&area={world.area_a}")
        tab.get_by_role("heading", name="Edytor mapy: Brzeźno").wait_for(timeout=60_000)
        frame, inner = map_frame(tab)
        tab.wait_for_timeout(2_000)  # the view fits the district; late reruns settle
        spot = inner.evaluate(
            "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
            " return [p.x, p.y]; }",
            [lat, lon],
        )
        box = frame.bounding_box()
        open_sessions = "FROM app_session WHERE ended_at IS NULL"

        # Nearly idle for too long: a tap keeps the worker signed in (as a whole run would).
        with engine.begin() as conn:
            conn.execute(text("UPDATE app_session SET expires_at = now() + interval '1 minute' "
                              "WHERE ended_at IS NULL"))
        tab.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
        tab.get_by_text("Zaznaczony punkt:").wait_for(timeout=30_000)
        with engine.connect() as conn:
            left = conn.execute(text(
                f"SELECT min(expires_at - now()) {open_sessions}")).scalar_one()
        assert left.total_seconds() > 5 * 60

        # Signed out on another device (or by an administrator) meanwhile: the next tap
        # brings the sign-in page, with the reason.
        with engine.begin() as conn:
            assert conn.execute(text("UPDATE app_session SET ended_at = now() "
                                     "WHERE ended_at IS NULL")).rowcount >= 1
        tab.mouse.click(box["x"] + spot[0] + 15, box["y"] + spot[1] + 15)
        tab.get_by_role("heading", name="Zaloguj się").wait_for(timeout=30_000)
        tab.get_by_text("Wylogowano po okresie bezczynności").wait_for(timeout=10_000)
        assert tab.get_by_role("heading", name="Edytor mapy: Brzeźno").count() == 0
        assert not tab.page_errors
