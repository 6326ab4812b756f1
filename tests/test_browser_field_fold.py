"""The pin form in one short column on a tablet or phone, its optional fields folded.

Debian's Chromium with touch, real server and PostgreSQL. The optional fields
(phone, e-mail, website, opening hours, last checked…) wait under one 44 px
"Więcej szczegółów (opcjonalne)" fold; what identifies a pin stays in view.
Save, stuck to the bottom of the screen, never covers the first field's label
of a form whose top has just scrolled into view. Text typed into a folded
field is kept as a draft: after a reload it is restored, and the fold counts
it. With the server gone, the fold still opens and its choices are our own.
"""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mapping.db.models import Resource
from tests import browser
from tests.browser import offline_tab, screenshot
from tests.editing_fixtures import PASSWORD
from tests.streamlit_server import free_port, running_app
from tests.test_browser_field_layout import DEVICES, TOUCH_PX, sign_in_and_open_the_editor
from tests.test_browser_field_layout import world_app as world_app  # a fixture
from tests.test_browser_field_offline import stored
from tests.test_browser_field_offline import world as world  # a fixture
from tests.test_browser_field_reach import SAVE_BAR, on_screen, overlap
from tests.test_browser_field_sync import (
    TABLET,
    field_sync_ready,
    sign_in,
    the_form,
)

pytestmark = pytest.mark.browser

FOLD = '[class*="calmap_fold"]'
IN_VIEW = ("Kategoria", "Nazwa", "Adres", "Opis", "Skąd ta informacja")
FOLDED = ("Telefon", "E-mail", "Strona WWW", "Godziny otwarcia", "Ostatnio sprawdzono (data)",
          "Sprawdził(a)")


def scroll_form_top_to(tab, y):
    """Scroll the page so that the form's top edge is ``y`` px below the screen's top."""
    tab.get_by_test_id("stForm").evaluate(
        """(f, y) => {
             f.scrollIntoView({block: 'start'});
             let box = f.parentElement;
             while (box && !(box.scrollHeight > box.clientHeight
                             && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
               box = box.parentElement;
             }
             (box || document.scrollingElement).scrollBy(0, f.getBoundingClientRect().top - y);
           }""",
        y,
    )
    tab.wait_for_timeout(400)


def fold_label(summary):
    """The fold's words (without its arrow icon's name)."""
    return summary.get_by_test_id("stMarkdownContainer").inner_text().strip()


def first_label(form):
    """The first field's label: the form's top row."""
    return form.get_by_test_id("stWidgetLabel").first


@pytest.mark.parametrize("device", ["ipad-portrait", "phone"])
def test_a_touch_form_folds_its_optional_fields_and_save_never_covers_the_first_label(
    world_app, fresh_db_url, device
):
    url, world = world_app
    options = DEVICES[device]
    viewport = options["viewport"]
    lon, lat = world.point_a
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        session.add(Resource(
            name="Świetlica Brzeźno", category="library", kind="institution_public",
            area_id=world.area_a, visibility="public", description="Zajęcia dla dzieci",
            phone="58 111 22 33", email="swietlica@example.org", opening_hours="pon.–pt.",
            geom=from_shape(Point(lon, lat), srid=4326),
        ))
    with offline_tab(url, **options) as tab:
        sign_in_and_open_the_editor(tab)
        # An existing pin opened from the map: its form starts near the screen's bottom.
        inner = browser.map_frame(tab, ".calmap-pin-resource")
        inner.locator(".calmap-pin-resource").first.dispatch_event("click")
        tab.get_by_role("heading", name="Świetlica Brzeźno").wait_for(timeout=60_000)
        form = the_form(tab)
        summary = form.locator(FOLD).locator("summary")
        summary.wait_for(timeout=30_000)

        # One fold, 44 px or more to tap, saying what it holds; the pin's identity in view.
        assert fold_label(summary) == "Więcej szczegółów: 3 wypełnione"
        assert summary.bounding_box()["height"] >= TOUCH_PX - 0.5
        for name in IN_VIEW:
            assert form.get_by_label(name).first.is_visible(), name
        for name in FOLDED:
            assert not form.get_by_label(name).first.is_visible(), name

        # The form's top has just come into view at the bottom of the screen, its first
        # label 40 px above the screen's edge: the label shows, Save is not stuck over it.
        scroll_form_top_to(tab, 300)
        below_top = first_label(form).bounding_box()["y"] - form.bounding_box()["y"]
        scroll_form_top_to(tab, viewport["height"] - 40 - below_top)
        label_box = first_label(form).bounding_box()
        assert on_screen(label_box, viewport), label_box
        bar_box = tab.locator(SAVE_BAR).bounding_box()
        assert not overlap(label_box, bar_box), (label_box, bar_box)
        # As it was before: a bar stuck here would have covered it.
        stuck = form.evaluate(
            """f => { f.classList.add('calmap-save-stick');
                      const bar = f.querySelector('[data-testid=stFormSubmitButton]')
                        .closest('[data-testid=stElementContainer]').getBoundingClientRect();
                      f.classList.remove('calmap-save-stick');
                      return {x: bar.x, y: bar.y, width: bar.width, height: bar.height}; }"""
        )
        assert overlap(label_box, stuck), (label_box, stuck)
        screenshot(tab, f"field-fold-top-{device}.png")

        # Scrolled up to the form: Save sticks at the bottom, still clear of the first label.
        scroll_form_top_to(tab, 80)
        save = form.get_by_role("button", name="Zapisz")
        save_box, bar_box = save.bounding_box(), tab.locator(SAVE_BAR).bounding_box()
        assert on_screen(save_box, viewport), save_box
        assert save_box["y"] > viewport["height"] / 2, save_box
        assert not overlap(first_label(form).bounding_box(), bar_box)
        screenshot(tab, f"field-fold-{device}.png")

        # A tap opens the fold: the stored values are there, and a change is saved.
        summary.click()
        phone = form.get_by_label("Telefon")
        phone.wait_for(state="visible", timeout=10_000)
        assert phone.input_value() == "58 111 22 33"
        assert form.get_by_label("Godziny otwarcia").input_value() == "pon.–pt."
        phone.fill("58 555 11 22")
        screenshot(tab, f"field-fold-open-{device}.png")
        save.click()
        tab.get_by_test_id("calmap-toast").wait_for(state="visible", timeout=60_000)
        assert tab.blocked == []
        assert tab.page_errors == []
    with Session(engine) as session:
        assert session.scalars(select(Resource.phone)).all() == ["58 555 11 22"]
    engine.dispose()


def test_a_draft_typed_in_a_folded_field_is_restored_after_a_reload_and_counted_on_the_fold(
    world,
):
    built, _engine, env = world
    port = free_port()
    draft_key = f"calmap.field.ewa.draft.{built.area_a}.new.resource"
    with offline_tab(**TABLET) as tab:
        with running_app(env, port=port) as base:
            sign_in(tab, base, "ewa")
            form = the_form(tab)
            form.locator(FOLD).locator("summary").click()
            phone = form.get_by_label("Telefon")
            phone.wait_for(state="visible", timeout=10_000)
            form.get_by_label("Nazwa").fill("Punkt porad prawnych")
            phone.fill("58 600 70 80")
            form.get_by_label("Godziny otwarcia").fill("pon.–pt. 9–15")
            tab.wait_for_timeout(3500)  # typed text reaches the browser's storage within 3 s
            assert stored(tab, draft_key)["values"]["phone"] == "58 600 70 80"

            tab.reload(wait_until="domcontentloaded")
            field_sync_ready(tab)
            tab.get_by_test_id("calmap-draft-offer").wait_for(timeout=30_000)
            tab.get_by_test_id("calmap-draft-restore").click()
            for _ in range(60):
                form = the_form(tab)
                if form.get_by_label("Nazwa").input_value() == "Punkt porad prawnych":
                    break
                tab.wait_for_timeout(500)
            # Folded again, and saying what it holds; a tap shows the restored fields.
            summary = form.locator(FOLD).locator("summary")
            assert fold_label(summary) == "Więcej szczegółów: 2 wypełnione"
            assert not form.get_by_label("Telefon").is_visible()
            screenshot(tab, "field-fold-restored-tablet.png")
            summary.click()
            form.get_by_label("Telefon").wait_for(state="visible", timeout=10_000)
            assert form.get_by_label("Telefon").input_value() == "58 600 70 80"
            assert form.get_by_label("Godziny otwarcia").input_value() == "pon.–pt. 9–15"
            field_sync_ready(tab)

        # The server is gone: the fold still opens and closes, its choice is our own
        # stand-in, and what is typed in it goes on into the draft.
        tab.get_by_test_id("calmap-offline-banner").wait_for(state="visible", timeout=60_000)
        provider = tab.get_by_test_id("calmap-offline-provider_partner_id")
        provider.wait_for(timeout=30_000)
        summary = form.locator(FOLD).locator("summary")
        summary.click()
        provider.wait_for(state="hidden", timeout=10_000)
        summary.click()
        provider.wait_for(state="visible", timeout=10_000)
        assert form.locator(FOLD).get_by_test_id(
            "calmap-offline-provider_partner_id").count() == 1
        form.get_by_label("E-mail").fill("porady@example.org")
        tab.wait_for_timeout(3500)
        kept = stored(tab, draft_key)["values"]
        assert (kept["phone"], kept["email"]) == ("58 600 70 80", "porady@example.org")
        screenshot(tab, "field-fold-offline-tablet.png")
        assert tab.blocked == []


def test_a_computer_shows_every_field_of_the_form_with_no_fold(world_app):
    url, _ = world_app
    with offline_tab(url, viewport={"width": 1366, "height": 800}) as tab:
        tab.get_by_role("heading", name="Zaloguj się").wait_for(timeout=60_000)
        tab.get_by_label("Login").fill("ewa")
        tab.get_by_label("Hasło").fill(PASSWORD)
        tab.get_by_role("button", name="Zaloguj").click()
        bar = tab.get_by_test_id("stSidebar")
        bar.get_by_role("link", name="Edytor mapy").click()
        tab.get_by_role("heading", name="Edytor mapy").first.wait_for(timeout=60_000)
        bar.get_by_role("combobox", name="Obszar").click()
        tab.keyboard.type("Brzeźno")
        tab.get_by_role("option", name="Brzeźno (dzielnica)", exact=True).click()
        tab.get_by_role("heading", name="Edytor mapy: Brzeźno").wait_for(timeout=60_000)
        form = the_form(tab)
        # Opened by the page's script, drawn flat: every field in view, as before.
        phone = form.get_by_label("Telefon")
        phone.wait_for(state="visible", timeout=30_000)
        for name in (*IN_VIEW, *FOLDED):
            # A late rerun may be drawing the form again: wait, then look.
            form.get_by_label(name).first.wait_for(state="visible", timeout=15_000)
        assert not form.locator(FOLD).locator("summary").is_visible()
        phone.fill("58 000 11 22")
        assert phone.input_value() == "58 000 11 22"
        screenshot(tab, "field-fold-laptop.png")
        assert tab.page_errors == []
