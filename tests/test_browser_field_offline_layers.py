"""With no signal, a worker with one layer's form open still records another layer's entry.

Real server (stopped and started again on the same port), real PostgreSQL,
Debian's Chromium with touch and a GPS position at a tablet's size. The server
draws each layer's form, so offline the page offers the layer chooser's plain
stand-in and a short form of the chosen layer built from the catalogue sent
with the page. Its entry waits in the outbox and arrives as that layer's pin,
through the normal checks. The GPS fix's accuracy goes with it into the pin's
source, and the "Położenie" box says where the point is instead of "Nie
zaznaczono jeszcze punktu". What is typed in a short form and not saved comes
back online as that layer's draft.
"""

from __future__ import annotations

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.db.models import Need, Resource
from tests import browser
from tests.browser import offline_tab, screenshot
from tests.streamlit_server import free_port, running_app
from tests.test_browser_field_offline import stored, world  # noqa: F401
from tests.test_browser_field_sync import OUTBOX, TABLET, sign_in, the_form, wait_pending

pytestmark = pytest.mark.browser


def test_a_need_recorded_offline_from_the_resource_form_arrives_as_a_need_with_its_gps_accuracy(
    world,  # noqa: F811
):
    built, engine, env = world
    lon, lat = built.point_a
    port = free_port()
    fix = {"longitude": lon, "latitude": lat, "accuracy": 8}
    with offline_tab(**TABLET, geolocation=fix, permissions=["geolocation"]) as tab:
        with running_app(env, port=port) as base:
            sign_in(tab, base, "ewa")
            browser.map_frame(tab, ".leaflet-container")
            form = the_form(tab)
            assert tab.get_by_text("Nie zaznaczono jeszcze punktu").first.is_visible()
        tab.get_by_test_id("calmap-offline-banner").wait_for(state="visible", timeout=60_000)

        # The "Położenie" box no longer says no point can be had: it says how, offline.
        where = tab.get_by_test_id("calmap-offline-where")
        where.wait_for(timeout=30_000)
        assert where.inner_text().startswith("Bez połączenia: zaznacz punkt na mapie")
        assert not tab.get_by_text("Nie zaznaczono jeszcze punktu").first.is_visible()

        # The layer chooser works offline: "Potrzeby" swaps the resource form for a short
        # need form.
        chooser = tab.get_by_test_id("calmap-offline-layer")
        chooser.get_by_label("Potrzeby").check()
        mini = tab.get_by_test_id("calmap-mini")
        mini.wait_for(timeout=10_000)
        assert mini.get_attribute("data-layer") == "need"
        assert not form.is_visible()
        assert "Nowy wpis bez połączenia: Potrzeby" in mini.inner_text()
        # The resource form's heading is hidden with it: the screen names one layer.
        assert not tab.get_by_role("heading", name="Nowy wpis: Zasoby").is_visible()

        # What the service would refuse is named before anything is kept.
        mini.get_by_test_id("calmap-mini-save").click()
        problem = mini.get_by_test_id("calmap-mini-problem")
        problem.wait_for(timeout=10_000)
        for missing in ("Nazwa", "Kategoria", "Źródło rozpoznania", "zaznacz punkt"):
            assert missing in problem.inner_text()
        assert stored(tab, OUTBOX) in (None, [])

        mini.get_by_test_id("calmap-mini-category").select_option(label="Bezdomność")
        mini.get_by_test_id("calmap-mini-name").fill("Pustostan przy torach")
        mini.get_by_test_id("calmap-mini-source_method").select_option(
            label="Spacer diagnostyczny")
        mini.get_by_test_id("calmap-mini-priority").get_by_label("3 – wysoki").check()
        mini.get_by_test_id("calmap-mini-description").fill("Śpią tam dwie osoby")
        mini.get_by_test_id("calmap-mini-target_groups").get_by_role("checkbox").first.check()
        mini.get_by_test_id("calmap-mini-visibility").get_by_label("tylko zespół").check()

        # The device's GPS places it; the "Położenie" box shows that very point.
        tab.get_by_test_id("calmap-offline-gps").click()
        where.filter(has_text="Punkt zaznaczony bez połączenia").wait_for(timeout=30_000)
        assert "GPS ±8 m" in where.inner_text()
        box = tab.get_by_role("textbox", name="Położenie (szerokość, długość)")
        assert box.input_value() == browser.position_text(lat, lon)
        screenshot(tab, "field-offline-need-from-resource-tablet.png")
        mini.scroll_into_view_if_needed()
        screenshot(tab, "field-offline-need-form-tablet.png")

        mini.get_by_test_id("calmap-mini-save").click()
        wait_pending(tab, 1, ["pending"])
        (entry,) = stored(tab, OUTBOX)
        assert (entry["layer"], entry["is_new"], entry["accuracy"]) == ("need", True, 8)
        assert entry["values"]["name"] == "Pustostan przy torach"
        # A fresh short form for the next entry; the resource form is one tap away.
        assert tab.get_by_test_id("calmap-mini-name").input_value() == ""
        # A partner begun offline and not saved is kept as the partner form's draft.
        chooser.get_by_label("Partnerzy").check()
        tab.get_by_test_id("calmap-mini").and_(
            tab.locator("[data-layer=partner]")).wait_for(timeout=10_000)
        tab.get_by_test_id("calmap-mini-name").fill("Rada osiedla, szkic")
        partner_draft = f"calmap.field.ewa.draft.{built.area_a}.new.partner"
        assert stored(tab, partner_draft)["values"]["name"] == "Rada osiedla, szkic"
        chooser.get_by_label("Zasoby").check()
        form.wait_for(state="visible", timeout=10_000)
        assert tab.get_by_role("heading", name="Nowy wpis: Zasoby").is_visible()
        assert tab.get_by_test_id("calmap-mini").count() == 0

        with running_app(env, port=port) as base:
            tab.context.clear_cookies()
            sign_in(tab, base, "ewa")
            wait_pending(tab, 0, [])
            assert tab.get_by_test_id("calmap-offline-layer").count() == 0
            assert tab.get_by_test_id("calmap-offline-where").count() == 0
            with Session(engine) as session:
                assert session.scalars(select(Resource)).all() == []
                (need,) = session.scalars(select(Need)).all()
                point = to_shape(need.geom)
                assert (need.name, need.category, need.source_method, need.priority) == (
                    "Pustostan przy torach", "homelessness", "diagnostic_walk", 3)
                assert (need.description, need.visibility, need.status) == (
                    "Śpią tam dwie osoby", "team", "identified")
                assert len(need.target_groups) == 1 and need.area_id == built.area_a
                assert (point.x, point.y) == pytest.approx((lon, lat), abs=1e-9)
                assert need.source == "GPS ±8 m"

            # Online, the partner's full form offers back what was typed in its short form.
            tab.get_by_role("radiogroup", name="Warstwa").get_by_text("Partnerzy").click()
            tab.get_by_test_id("calmap-draft-offer").wait_for(timeout=60_000)
            tab.get_by_test_id("calmap-draft-restore").click()
            for _ in range(60):
                # While a rerun replaces the form, the old one may still be on the page.
                names = the_form(tab).get_by_label("Nazwa")
                if names.count() == 1 and names.input_value() == "Rada osiedla, szkic":
                    break
                tab.wait_for_timeout(500)
            assert names.input_value() == "Rada osiedla, szkic"
