"""Nothing typed in the editor is lost: drafts in the browser, an outbox, an honest banner.

Real server (stopped and started again on the same port), real PostgreSQL,
Debian's Chromium with touch at tablet and phone sizes. A worker types in a
form and reloads: the draft is offered back and restored. The server goes
away: a Polish banner says so (never Streamlit's English dialog), Save keeps
the entry on the device, and when the server is back the entry is saved once.
An edit kept on the device after someone else changed the pin comes back as
a conflict with both versions; nothing is overwritten. One user's drafts are
never offered to the next user of a shared tablet.
"""

from __future__ import annotations

import json

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from mapping.db.models import LayerHistory, Resource, Team
from tests import browser
from tests.browser import offline_tab, point_text, screenshot
from tests.conftest import app_env
from tests.editing_fixtures import PASSWORD, build_world
from tests.streamlit_server import free_port, running_app

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 820, "height": 1180}, "has_touch": True}
PHONE = {"viewport": {"width": 393, "height": 851}, "has_touch": True, "is_mobile": True}
OUTBOX = "calmap.field.ewa.outbox"


@pytest.fixture()
def world(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        built = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    env = {**app_env(fresh_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "password"}
    yield built, engine, env
    engine.dispose()


def sign_in(tab, base, username):
    """Sign in and open the editor on Brzeźno, chosen in the sidebar as a person does."""
    tab.goto(base, wait_until="domcontentloaded")
    # A first start under load (a shared CI machine) may take more than a minute.
    tab.get_by_role("heading", name="Zaloguj się").wait_for(timeout=120_000)
    tab.get_by_label("Login").fill(username)
    tab.get_by_label("Hasło").fill(PASSWORD)
    tab.get_by_role("button", name="Zaloguj").click()
    # On a touch device the app folds the sidebar on each new page: open it
    # as a person does (tests/browser.py).
    browser.tap_in_sidebar(tab, "link", "Edytor mapy")
    tab.get_by_role("heading", name="Edytor mapy").first.wait_for(timeout=60_000)
    browser.choose_in_sidebar(tab, "Obszar", "Brzeźno", "Brzeźno (dzielnica)")
    tab.get_by_role("heading", name="Edytor mapy: Brzeźno").wait_for(timeout=60_000)
    # A new area folds the sidebar on a touch device (mapping/ui/field_layout).
    browser.sidebar_folded(tab)
    field_sync_ready(tab)


def field_sync_ready(tab):
    """The drafts-and-outbox script runs and knows the form on screen."""
    tab.wait_for_function(
        "() => window.__calmapField && window.__calmapField.data"
        " && window.__calmapField.data.form && document.querySelector('[data-testid=stForm]')",
        timeout=90_000,
    )
    tab.wait_for_timeout(2500)  # the form's starting values are read once it is drawn


def the_form(tab):
    """The pin form, once a rerun has replaced any form it drew before."""
    forms = tab.get_by_test_id("stForm")
    for _ in range(60):
        if forms.count() == 1 and forms.get_by_label("Nazwa").count() == 1:
            break
        tab.wait_for_timeout(500)
    return forms


def form_value(tab, field):
    """A field's value in the pin form, read again if a rerun drew a second form meanwhile.

    Restoring a draft reruns the page; for a moment the old and the new form are
    both on it, and a read that lands then matches two inputs.
    """
    for attempt in range(10):
        try:
            return field(the_form(tab)).input_value(timeout=5_000)
        except Exception:  # noqa: BLE001 - two forms for a moment: read again
            if attempt == 9:
                raise
            tab.wait_for_timeout(500)
    return None


def choose_category(tab, form, typed, option):
    box = form.get_by_role("combobox", name="Kategoria").first
    box.scroll_into_view_if_needed()
    box.click()
    tab.keyboard.type(typed)
    tab.get_by_role("option", name=option, exact=True).dispatch_event("click")


def mark_point(tab, lon, lat):
    position = tab.get_by_role("textbox", name="Położenie (szerokość, długość)")
    position.fill(f"{lat:.5f} {lon:.5f}".replace(".", ","))
    position.press("Enter")
    tab.get_by_text(point_text(lat, decimals=5)).wait_for(timeout=30_000)


def pending(tab):
    """The outbox as the page shows it: the count and each entry's state."""
    count = tab.get_by_test_id("calmap-pending").get_attribute("data-count")
    # All entries read in one go: one sent meanwhile leaves the list, and a
    # locator of it taken before would wait for it in vain.
    states = tab.get_by_test_id("calmap-entry").evaluate_all(
        "entries => entries.map(e => e.getAttribute('data-state'))")
    return int(count or 0), states


def wait_pending(tab, count, states=None, timeout_s=120):
    for _ in range(timeout_s):
        now = pending(tab)
        if now[0] == count and (states is None or now[1] == states):
            return now
        tab.wait_for_timeout(1000)
    raise AssertionError(f"outbox shows {pending(tab)}, expected {count} {states}")


def english_dialog_visible(tab):
    return tab.evaluate(
        "() => [...document.querySelectorAll('.stDialog')].some(d =>"
        " getComputedStyle(d).display !== 'none' && d.innerText.includes('Connection error'))"
    )


def test_a_draft_survives_a_reload_and_is_never_offered_to_the_next_user(world):
    built, _engine, env = world
    port = free_port()
    with offline_tab(**TABLET) as tab, running_app(env, port=port) as base:
        sign_in(tab, base, "ewa")
        form = the_form(tab)
        choose_category(tab, form, "Bibl", "Biblioteka (Instytucja publiczna)")
        form.get_by_label("Nazwa").fill("Czytelnia przy plaży")
        form.get_by_label("Opis").fill("Otwarta latem, wejście od promenady")
        tab.wait_for_timeout(3500)  # typed text reaches the browser's storage within 3 s

        tab.reload(wait_until="domcontentloaded")
        field_sync_ready(tab)
        offer = tab.get_by_test_id("calmap-draft-offer")
        offer.wait_for(timeout=30_000)
        assert "niezapisany szkic" in offer.inner_text()
        assert the_form(tab).get_by_label("Nazwa").input_value() == ""
        screenshot(tab, "field-sync-draft-offer-tablet.png")
        tab.get_by_test_id("calmap-draft-restore").click()

        for _ in range(60):
            if form_value(tab, lambda f: f.get_by_label("Nazwa")) == "Czytelnia przy plaży":
                break
            tab.wait_for_timeout(500)
        assert form_value(tab, lambda f: f.get_by_label("Opis")) == (
            "Otwarta latem, wejście od promenady"
        )
        category = form_value(tab, lambda f: f.get_by_role("combobox", name="Kategoria").first)
        assert category == "Biblioteka (Instytucja publiczna)"

        # Saving shows "Zapisywanie…" under Save, then the confirmation at the top of the
        # screen, and the draft leaves the device.
        tab.evaluate(
            "() => { window.sawSaving = false; new MutationObserver(() => {"
            " if (document.querySelector('[data-testid=calmap-saving]')) window.sawSaving = true;"
            " }).observe(document.body, {childList: true, subtree: true}); }"
        )
        mark_point(tab, *built.point_a)
        the_form(tab).get_by_role("button", name="Zapisz nowy wpis").click()
        toast = tab.get_by_test_id("calmap-toast")
        toast.wait_for(state="visible", timeout=60_000)
        assert toast.inner_text() == "Zapisano nowy wpis „Czytelnia przy plaży”."
        box = toast.bounding_box()
        assert box is not None and 0 <= box["y"] < TABLET["viewport"]["height"]
        assert tab.evaluate("() => window.sawSaving")
        screenshot(tab, "field-sync-saved-toast-tablet.png")
        drafts = "() => Object.keys(localStorage).filter(k => k.includes('.draft.'))"
        for _ in range(20):
            if not tab.evaluate(drafts):
                break
            tab.wait_for_timeout(500)
        assert tab.evaluate(drafts) == []

        # A second draft, then Ewa signs out of the shared tablet: it leaves with her.
        field_sync_ready(tab)
        the_form(tab).get_by_label("Nazwa").fill("Drugi szkic Ewy")
        tab.wait_for_timeout(3500)
        assert tab.evaluate(drafts) == [f"calmap.field.ewa.draft.{built.area_a}.new.resource"]
        browser.tap_in_sidebar(tab, "button", "Wyloguj")
        sign_in(tab, base, "ada")
        tab.wait_for_timeout(3000)
        assert tab.get_by_test_id("calmap-draft-offer").count() == 0
        assert the_form(tab).get_by_label("Nazwa").input_value() == ""
        stored = tab.evaluate("() => Object.keys(localStorage)")
        assert not [k for k in stored if k.startswith("calmap.field.ewa.draft.")]


def test_a_save_without_a_connection_waits_on_the_device_and_is_saved_once(world):
    built, engine, env = world
    lon, lat = built.point_a
    port = free_port()
    with offline_tab(**TABLET) as tab:
        with running_app(env, port=port) as base:
            sign_in(tab, base, "ewa")
            mark_point(tab, lon, lat)
            form = the_form(tab)
            choose_category(tab, form, "Bibl", "Biblioteka (Instytucja publiczna)")
            form.get_by_label("Nazwa").fill("Punkt z ulicy")
        # The server is gone. The worker is told so in Polish, and keeps typing.
        banner = tab.get_by_test_id("calmap-offline-banner")
        banner.wait_for(state="visible", timeout=60_000)
        assert banner.inner_text() == "Brak połączenia — wpis zostaje na tym urządzeniu"
        form.get_by_label("Opis").fill("Wpisane bez zasięgu")
        assert not english_dialog_visible(tab)
        form.get_by_role("button", name="Zapisz nowy wpis").click()
        assert wait_pending(tab, 1, ["pending"]) == (1, ["pending"])
        toast = tab.get_by_test_id("calmap-toast")
        assert "Zapisano na tym urządzeniu" in toast.inner_text()
        screenshot(tab, "field-sync-offline-tablet.png")
        with Session(engine) as session:
            assert session.scalars(select(Resource)).all() == []

        with running_app(env, port=port):
            wait_pending(tab, 0, [])
            banner.wait_for(state="hidden", timeout=60_000)
            with Session(engine) as session:
                rows = session.scalars(select(Resource)).all()
                assert [(r.name, r.description, r.area_id) for r in rows] == [
                    ("Punkt z ulicy", "Wpisane bez zasięgu", built.area_a)
                ]
                history = session.scalars(
                    select(LayerHistory.operation).where(
                        LayerHistory.table_name == "resource", LayerHistory.row_id == rows[0].id
                    )
                ).all()
                assert history == ["INSERT"]
            assert tab.evaluate(f"() => localStorage.getItem('{OUTBOX}')") == "[]"


def test_a_stale_edit_from_the_outbox_is_a_conflict_and_overwrites_nothing(world):
    built, engine, env = world
    lon, lat = built.point_a
    port = free_port()
    with Session(engine) as session, session.begin():
        session.add(Resource(
            name="Świetlica Brzeźno", category="library", kind="institution_public",
            area_id=built.area_a,
            visibility="public", description="Stary opis",
            geom=from_shape(Point(lon, lat), srid=4326),
        ))
    with offline_tab(**PHONE) as tab:
        with running_app(env, port=port) as base:
            # Signed in with the sidebar in view, then used at the phone's size.
            tab.set_viewport_size(TABLET["viewport"])
            sign_in(tab, base, "ewa")
            tab.set_viewport_size(PHONE["viewport"])
            inner = browser.map_frame(tab, ".calmap-pin-resource")
            inner.locator(".calmap-pin-resource").first.dispatch_event("click")
            tab.get_by_role("heading", name="Świetlica Brzeźno").wait_for(timeout=60_000)
            field_sync_ready(tab)
            form = the_form(tab)
            form.get_by_label("Opis").fill("Opis Ewy z terenu")
        tab.get_by_test_id("calmap-offline-banner").wait_for(state="visible", timeout=60_000)
        form.get_by_role("button", name="Zapisz").click()
        wait_pending(tab, 1, ["pending"])
        screenshot(tab, "field-sync-offline-phone.png")
        # Meanwhile someone at the office changes the same pin.
        with Session(engine) as session, session.begin():
            session.execute(update(Resource).values(description="Opis z biura"))

        with running_app(env, port=port):
            wait_pending(tab, 1, ["conflict"])
            conflict = tab.get_by_test_id("calmap-conflict")
            table = conflict.inner_text()
            assert "Opis z biura" in table and "Opis Ewy z terenu" in table
            assert "Stary opis" in table
            screenshot(tab, "field-sync-conflict-phone.png")
            with Session(engine) as session:
                assert session.scalars(select(Resource.description)).all() == ["Opis z biura"]
            stored = json.loads(tab.evaluate(f"() => localStorage.getItem('{OUTBOX}')"))
            assert [e["state"] for e in stored] == ["conflict"]
            tab.get_by_test_id("calmap-discard-entry").click()
            wait_pending(tab, 0, [])
