"""The editor in the field: an iPad in portrait, a Galaxy Tab in landscape and a phone, by touch.

What the issue measured, measured again by bounding boxes: the sidebar folded
and never over the map, the map near the top, every touch target at least
44 px, the legend folded; and the device's GPS: a fix inside the area is
marked with its accuracy circle, a fix outside is refused at once, naming
the area it lies in.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from mapping.db.models import Team
from tests import browser
from tests.browser import offline_tab, screenshot
from tests.conftest import app_env
from tests.editing_fixtures import PASSWORD, build_world
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

DEVICES = {
    "ipad-portrait": {"viewport": {"width": 820, "height": 1180}, "has_touch": True,
                      "is_mobile": True},
    "galaxy-tab-landscape": {"viewport": {"width": 1138, "height": 712}, "has_touch": True},
    "phone": {"viewport": {"width": 393, "height": 851}, "has_touch": True, "is_mobile": True},
}
TOUCH_PX = 44
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture()
def world_app(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    with running_app(
        {**app_env(fresh_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "password"}
    ) as url:
        yield url, world
    engine.dispose()


def sign_in_and_open_the_editor(tab):
    tab.get_by_role("heading", name="Zaloguj się").wait_for(timeout=60_000)
    tab.get_by_label("Login").fill("ewa")
    tab.get_by_label("Hasło").fill(PASSWORD)
    tab.get_by_role("button", name="Zaloguj").click()
    tab.get_by_role("heading", name="Mapa zasobów i potrzeb").first.wait_for(timeout=60_000)
    browser.sidebar_folded(tab)
    browser.tap_in_sidebar(tab, "link", "Edytor mapy")
    tab.get_by_role("heading", name="Edytor mapy").first.wait_for(timeout=30_000)
    # Navigating folds it again: it must not stay open over the page.
    browser.sidebar_folded(tab)
    browser.tap_in_sidebar(tab, "combobox", "Obszar")
    tab.keyboard.type("Brzeźno")
    tab.get_by_role("option", name="Brzeźno (dzielnica)", exact=True).click()
    tab.get_by_role("heading", name="Edytor mapy: Brzeźno").wait_for(timeout=30_000)
    browser.sidebar_folded(tab)


def too_small(boxes):
    """The boxes (name → bounding box) narrower or lower than a finger."""
    return {
        name: None if b is None else (round(b["width"]), round(b["height"]))
        for name, b in boxes.items()
        if b is None or b["width"] < TOUCH_PX - 0.5 or b["height"] < TOUCH_PX - 0.5
    }


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_editor_fits_a_tablet_or_phone_held_in_the_field(world_app, device):
    url, _ = world_app
    options = DEVICES[device]
    with offline_tab(url, **options) as tab:
        sign_in_and_open_the_editor(tab)
        inner = browser.map_frame(tab, ".calmap-legend summary")
        tab.wait_for_timeout(600)
        screenshot(tab, f"field-{device}.png")
        frame_box = tab.locator(MAP_FRAME).bounding_box()
        width = options["viewport"]["width"]

        # The sidebar is folded: nothing of it over the map.
        sidebar_box = tab.get_by_test_id("stSidebar").bounding_box()
        assert sidebar_box is None or sidebar_box["x"] + sidebar_box["width"] <= frame_box["x"] + 1
        # The map near the top, and most of the screen's width.
        assert frame_box["y"] < 300, frame_box
        assert frame_box["width"] > 0.85 * width - 40, frame_box

        # The legend starts folded.
        assert inner.locator(".calmap-legend details[open]").count() == 0
        # Every target on the map is at least 44 px.
        map_targets = {
            "zoom in": inner.locator(".leaflet-control-zoom-in").bounding_box(),
            "zoom out": inner.locator(".leaflet-control-zoom-out").bounding_box(),
            "legend": inner.locator(".calmap-legend summary").bounding_box(),
            "locate": inner.locator(".calmap-locate-button").bounding_box(),
        }
        for i, label in enumerate(inner.locator(".leaflet-control-layers label").all()):
            map_targets[f"layer toggle {i}"] = label.bounding_box()
        assert too_small(map_targets) == {}

        # … and on the page: the position buttons, the form's Save, the help "?".
        page_targets = {
            "my location": tab.get_by_role("button", name="Moja lokalizacja").bounding_box(),
            "save": tab.get_by_role("button", name="Zapisz nowy wpis").bounding_box(),
        }
        helps = [icon for icon in tab.get_by_test_id("stTooltipHoverTarget").all()
                 if icon.is_visible()]
        assert helps
        for i, icon in enumerate(helps[:4]):
            page_targets[f"help {i}"] = icon.bounding_box()
        assert too_small(page_targets) == {}
        # The label is whole, not cut to "Moja lokaliz…".
        assert tab.get_by_role("button", name="Moja lokalizacja").evaluate(
            "b => [...b.querySelectorAll('p, div')].every(e => e.scrollWidth <= e.clientWidth + 1)"
        )
        assert tab.blocked == []
        assert tab.page_errors == []


def test_a_gps_fix_is_marked_with_its_accuracy_and_one_outside_is_refused_at_once(world_app):
    url, world = world_app
    lon, lat = world.point_a
    inside = {"latitude": lat, "longitude": lon, "accuracy": 12}
    with offline_tab(url, **DEVICES["ipad-portrait"], geolocation=inside,
                     permissions=["geolocation"]) as tab:
        sign_in_and_open_the_editor(tab)
        inner = browser.map_frame(tab, ".calmap-legend summary")

        # The map's own button follows the position: a dot, its accuracy circle, the metres.
        inner.locator(".calmap-locate-button").click()
        inner.wait_for_selector("path.calmap-position", timeout=30_000)
        inner.wait_for_selector("path.calmap-accuracy")
        assert "±12 m" in inner.locator(".calmap-locate-note").inner_text()

        # "My location" marks the fix, with its accuracy shown and drawn.
        tab.get_by_role("button", name="Moja lokalizacja").click()
        tab.get_by_text("Dokładność GPS: ±12 m").wait_for(timeout=30_000)
        inner = browser.map_frame(tab, ".calmap-marked-point")
        assert inner.locator(".calmap-accuracy").count() >= 2  # ours and the follow circle
        screenshot(tab, "field-gps-inside.png")

        # Walking into Oliwa: the next fix is refused at once, naming where it is.
        other_lon, other_lat = world.point_b
        tab.context.set_geolocation({"latitude": other_lat, "longitude": other_lon,
                                     "accuracy": 8})
        tab.get_by_role("button", name="Moja lokalizacja").click()
        tab.get_by_text("w obszarze Oliwa", exact=False).first.wait_for(timeout=30_000)
        assert tab.get_by_text("Zaznaczony punkt:").count() == 0
        inner = browser.map_frame(tab, ".calmap-legend summary")
        tab.wait_for_timeout(500)
        assert inner.locator(".calmap-marked-point").count() == 0
        screenshot(tab, "field-gps-outside.png")
        assert tab.blocked == []
        assert tab.page_errors == []
