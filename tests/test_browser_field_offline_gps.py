"""With no signal, the device's GPS places the entry: the page's own button, since
Streamlit's "Moja lokalizacja" is locked while the server is away.

Real server (stopped and started again on the same port), real PostgreSQL,
Debian's Chromium with touch and a GPS position at a tablet's size. A coarse fix
is said to be one, as the editor and the imports flag it, in the offline panel and
the form's "Położenie" box alike, and its accuracy is stored in the pin's source.
"""

from __future__ import annotations

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.db.models import Resource
from tests import browser
from tests.browser import offline_tab, screenshot
from tests.streamlit_server import free_port, running_app
from tests.test_browser_field_offline import CATEGORY, stored, world  # noqa: F401
from tests.test_browser_field_sync import OUTBOX, TABLET, sign_in, the_form, wait_pending

pytestmark = pytest.mark.browser


def test_a_gps_fix_taken_offline_places_the_entry_and_a_coarse_one_is_flagged(world):  # noqa: F811
    built, engine, env = world
    lon, lat = built.point_a
    port = free_port()
    fix = {"longitude": lon, "latitude": lat, "accuracy": 120}
    with offline_tab(**TABLET, geolocation=fix, permissions=["geolocation"]) as tab:
        with running_app(env, port=port) as base:
            sign_in(tab, base, "ewa")
            browser.map_frame(tab, ".leaflet-container")
            form = the_form(tab)
        tab.get_by_test_id("calmap-offline-banner").wait_for(state="visible", timeout=60_000)
        where = tab.get_by_test_id("calmap-offline-point")
        where.wait_for(timeout=30_000)
        assert where.inner_text().startswith("Bez połączenia: zaznacz punkt na mapie")

        tab.get_by_test_id("calmap-offline-gps").click()
        where.filter(has_text="Punkt zaznaczony bez połączenia").wait_for(timeout=30_000)
        text = where.inner_text()
        assert "słaba dokładność GPS ±120 m" in text
        browser.map_frame(tab, ".calmap-offline-point")
        # The form's "Położenie" box agrees: the same point, the same warning.
        here = tab.get_by_test_id("calmap-offline-where")
        assert "słaba dokładność GPS ±120 m" in here.inner_text()
        position = tab.get_by_role("textbox", name="Położenie (szerokość, długość)")
        assert position.input_value() == browser.position_text(lat, lon)
        assert not tab.get_by_text("Nie zaznaczono jeszcze punktu").first.is_visible()

        tab.get_by_test_id("calmap-offline-category").select_option(label=CATEGORY)
        form.get_by_label("Nazwa").fill("Punkt z GPS bez zasięgu")
        form.get_by_role("button", name="Zapisz nowy wpis").click()
        wait_pending(tab, 1, ["pending"])
        (entry,) = stored(tab, OUTBOX)
        assert entry["point"] == pytest.approx([lon, lat], abs=1e-9)
        assert entry["accuracy"] == 120
        screenshot(tab, "field-offline-gps-tablet.png")
        # Streamlit's English "CONNECTING" status is hidden: the banner says it in Polish.
        status = tab.get_by_test_id("stStatusWidget")
        assert status.count() == 0 or not status.first.is_visible()

        with running_app(env, port=port) as base:
            tab.context.clear_cookies()
            sign_in(tab, base, "ewa")
            wait_pending(tab, 0, [])
            with Session(engine) as session:
                (row,) = session.scalars(select(Resource)).all()
                point = to_shape(row.geom)
                assert (row.name, row.category) == ("Punkt z GPS bez zasięgu", "library")
                assert (point.x, point.y) == pytest.approx((lon, lat), abs=1e-9)
                # Stored as the editor stores a coarse fix online: in the pin's source.
                assert row.source == "GPS ±120 m (low accuracy, check on the map)"
