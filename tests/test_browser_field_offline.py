"""Offline capture is whole: every choice, the tapped point and the drafts, with no server.

Real server (stopped and started again on the same port), real PostgreSQL,
Debian's Chromium with touch at a tablet's size. With the server gone,
Streamlit locks its selects; the page puts plain ones in their place, so the
worker still chooses the category and the target groups. A tap on the map
while the server is away is marked there and goes with the entry kept on the
device. A second form typed offline survives a reload made while still
offline and is offered back when the page loads again.
"""

from __future__ import annotations

import json
import re

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from mapping.db.models import Resource, Team
from tests import browser
from tests.browser import offline_tab, screenshot
from tests.conftest import app_env
from tests.editing_fixtures import build_world
from tests.streamlit_server import free_port, running_app
from tests.test_browser_field_sync import (
    OUTBOX,
    TABLET,
    english_dialog_visible,
    field_sync_ready,
    sign_in,
    the_form,
    wait_pending,
)

pytestmark = pytest.mark.browser

CATEGORY = "Biblioteka (Instytucja publiczna)"
# A tap lands on a screen pixel: the point it marks is within a few metres of the aim.
NEAR = 0.0005


@pytest.fixture()
def world(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        built = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    env = {**app_env(fresh_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "password"}
    yield built, engine, env
    engine.dispose()


def tap_map(tab, lon, lat):
    """Tap the map where (lon, lat) is drawn, as a finger does."""
    inner = browser.map_frame(tab, ".leaflet-container")
    frame = tab.locator('iframe[title="streamlit_folium.st_folium"]').first
    frame.scroll_into_view_if_needed()
    spot = inner.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = frame.bounding_box()
    tab.touchscreen.tap(box["x"] + spot[0], box["y"] + spot[1])
    return inner


def stored(tab, key):
    return json.loads(tab.evaluate(f"() => localStorage.getItem('{key}')") or "null")


def test_choices_and_a_map_tap_made_offline_reach_the_outbox_and_the_saved_pin(world):
    built, engine, env = world
    lon, lat = built.point_a
    port = free_port()
    draft_key = f"calmap.field.ewa.draft.{built.area_a}.new.resource"
    with offline_tab(**TABLET) as tab:
        with running_app(env, port=port) as base:
            sign_in(tab, base, "ewa")
            browser.map_frame(tab, ".leaflet-container")
            tab.wait_for_timeout(1000)  # the view fits the area first
            form = the_form(tab)
        tab.get_by_test_id("calmap-offline-banner").wait_for(state="visible", timeout=60_000)

        # Streamlit's own select is hidden; a plain one holds the choice instead.
        category = tab.get_by_test_id("calmap-offline-category")
        category.wait_for(timeout=30_000)
        assert form.locator("input[aria-label=Kategoria]").is_visible() is False
        category.select_option(label=CATEGORY)
        groups = tab.get_by_test_id("calmap-offline-target_groups")
        group_label = groups.locator("label").first.inner_text().strip()
        groups.get_by_role("checkbox").first.check()
        form.get_by_label("Nazwa").fill("Punkt z mapy bez zasięgu")
        form.get_by_label("Opis").fill("Zaznaczony palcem na mapie")
        # Radios too: a plain group of ours in place of the locked one.
        tab.get_by_test_id("calmap-offline-visibility").get_by_label("tylko zespół").check()

        # A tap on the map is marked there and named above the form.
        inner = tap_map(tab, lon, lat)
        inner.wait_for_selector(".calmap-offline-point", timeout=10_000)
        where = tab.get_by_test_id("calmap-offline-point")
        where.wait_for(timeout=10_000)
        assert where.inner_text().startswith("Punkt zaznaczony bez połączenia: ")
        # Written as the editor writes a point online in Polish: "54,404770; 18,633920".
        assert re.match(r"Punkt zaznaczony bez połączenia: \d+,\d{6}; \d+,\d{6}",
                        where.inner_text()), where.inner_text()
        # The form's "Położenie" box says the same, not "Nie zaznaczono jeszcze punktu".
        here = tab.get_by_test_id("calmap-offline-where")
        assert here.inner_text() == where.inner_text().split("\n")[0]

        form.get_by_role("button", name="Zapisz nowy wpis").click()
        wait_pending(tab, 1, ["pending"])
        (entry,) = stored(tab, OUTBOX)
        assert entry["values"]["category"] == "library"
        assert len(entry["values"]["target_groups"]) == 1
        assert entry["values"]["visibility"] == "team"
        tapped = entry["point"]
        assert entry["accuracy"] is None  # a finger's point: no GPS accuracy
        assert abs(tapped[0] - lon) < NEAR and abs(tapped[1] - lat) < NEAR
        screenshot(tab, "field-offline-saved-tablet.png")
        tab.get_by_test_id("calmap-toast").wait_for(state="hidden", timeout=30_000)
        # Streamlit's English dialog has come up by now, and stays hidden.
        assert tab.get_by_text("Connection error").count() == 1
        assert not english_dialog_visible(tab)
        screenshot(tab, "field-offline-pending-tablet.png")

        # A second entry typed offline, then a reload while still offline.
        form.get_by_label("Nazwa").fill("Szkic bez zasięgu")
        category.select_option(label=CATEGORY)
        tab.wait_for_timeout(3500)  # typed text reaches the browser's storage within 3 s
        draft = stored(tab, draft_key)
        assert draft["values"]["name"] == "Szkic bez zasięgu"
        assert draft["values"]["category"] == "library"
        with pytest.raises(Exception):  # noqa: B017 - no server: the reload itself fails
            tab.reload(wait_until="domcontentloaded", timeout=15_000)

        with running_app(env, port=port) as base:
            tab.context.clear_cookies()  # whatever the browser kept, a fresh sign-in
            sign_in(tab, base, "ewa")
            wait_pending(tab, 0, [])
            with Session(engine) as session:
                (row,) = session.scalars(select(Resource)).all()
                point = to_shape(row.geom)
                assert (row.name, row.category, row.area_id) == (
                    "Punkt z mapy bez zasięgu", "library", built.area_a)
                assert len(row.target_groups) == 1 and row.visibility == "team"
                assert abs(point.x - tapped[0]) < 1e-9 and abs(point.y - tapped[1]) < 1e-9
                assert not row.source  # no GPS fix, so no accuracy noted
            assert stored(tab, OUTBOX) == []

            # The draft typed offline is offered back, with its chosen category.
            tab.get_by_test_id("calmap-draft-offer").wait_for(timeout=30_000)
            tab.get_by_test_id("calmap-draft-restore").click()
            for _ in range(60):
                form = the_form(tab)
                if form.get_by_label("Nazwa").input_value() == "Szkic bez zasięgu":
                    break
                tab.wait_for_timeout(500)
            assert form.get_by_label("Nazwa").input_value() == "Szkic bez zasięgu"
            chosen = form.get_by_role("combobox", name="Kategoria").first.input_value()
            assert chosen == CATEGORY
            # Back online, Streamlit's own select is in use again.
            assert tab.get_by_test_id("calmap-offline-category").count() == 0
            assert group_label
            field_sync_ready(tab)
