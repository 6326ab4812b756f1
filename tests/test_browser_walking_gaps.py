"""Walking areas and the meeting's gap view in Debian's Chromium, on a grid of streets.

A district with a generated street network, a public club, six public needs
and three team-only ones: the gaps page draws the club's three walking areas
on request; the presenter's gap view and a share link's show the unmet needs
an audience may count (six, never nine).
"""

from __future__ import annotations

import itertools
import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping import db
from mapping.services import share_links
from mapping.services.share_links import Scope
from tests.browser import map_frame, offline_tab, screenshot
from tests.conftest import TEMPLATE, _create_database, _drop_database, app_env
from tests.coverage_fixtures import add_resource, offset, save_grid
from tests.editing_fixtures import build_world
from tests.streamlit_server import running_app
from tests.test_coverage import ORIGIN, STEP, add_need

pytestmark = pytest.mark.browser
_names = itertools.count()
CLUB = "Klub <b>Seniora</b>"


@pytest.fixture(scope="module")
def walk_world(admin_url, template_url):
    name = f"calmap_walk_{os.getpid()}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=8, step=STEP)
        add_resource(session, CLUB, "senior_club", offset(ORIGIN, 2 * STEP, 2 * STEP),
                     world.area_a)
        for k in range(9):
            add_need(session, world, offset(ORIGIN, STEP * (k % 3), STEP * (k // 3)),
                     "team" if k >= 6 else "public", category="youth_leisure")
    yield url, world, engine
    engine.dispose()
    _drop_database(admin_url, name)


@pytest.fixture(scope="module")
def app_url(walk_world):
    url = walk_world[0]
    with running_app({**app_env(url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}) as base:
        yield base


def test_a_resources_three_walking_areas_are_drawn_after_the_request(app_url):
    with offline_tab(f"{app_url}/gaps", viewport={"width": 1366, "height": 800}) as tab:
        map_frame(tab)
        box = tab.get_by_role("combobox", name="Zasób", exact=True)
        box.click()
        tab.keyboard.type("Klub")  # the list is long: narrow it as a person would
        tab.get_by_role("option", name=CLUB, exact=True).click()
        tab.get_by_role("button", name="Pokaż zasięg pieszy").click()
        tab.get_by_role("button", name="Ukryj zasięg pieszy").wait_for(timeout=60_000)
        inner = map_frame(tab, ready="path.calmap-walk")
        assert inner.locator("path.calmap-walk").count() == 3
        for minutes in (5, 10, 15):
            assert inner.locator(f"path.calmap-walk-{minutes}").count() == 1
        legend = inner.locator(".calmap-legend").inner_text()
        assert f"Dojście pieszo: {CLUB}" in legend
        assert "15 min pieszo (1125 m)" in legend and "Po ulicach, 4,5 km/h" in legend
        tab.wait_for_timeout(400)
        screenshot(tab, "gaps-walking-1366x800.png")
        assert tab.blocked == [] and tab.page_errors == []


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_the_presenters_gap_view_shows_the_unmet_needs_an_audience_may_count(
    app_url, width, height
):
    with offline_tab(f"{app_url}/presenter?present=1&gaps=1",
                     viewport={"width": width, "height": height}) as tab:
        inner = map_frame(tab, ready=".calmap-gap-switch")
        switch = inner.locator(".calmap-gap-button")
        assert switch.get_attribute("aria-pressed") == "true"
        # Its classes head the movable legend, which the sequence keeps off the areas.
        assert "Niezaspokojone potrzeby w obszarze" in inner.locator(
            ".calmap-legend .calmap-gap-legend").inner_text()
        # Projector-sized: the switch's type is at least 22 px.
        size = switch.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 22
        tab.wait_for_timeout(400)
        screenshot(tab, f"presenter-gaps-{width}x{height}.png")
        tip = _area_tip(inner)
        assert "Niezaspokojone potrzeby: 6" in tip and ": 9" not in tip
        switch.click()
        assert switch.get_attribute("aria-pressed") == "false"
        assert inner.locator(".calmap-gap-legend").is_hidden()
        assert tab.blocked == [] and tab.page_errors == []


def _area_tip(inner):
    """The gap tooltip of Brzeźno (the area with the needs), read by pointing at it."""
    paths = inner.locator("path.calmap-gap-area")
    paths.first.wait_for(timeout=30_000)
    # The clicker's next view is Brzeźno, fitted clear of the legend.
    step = inner.locator(".calmap-step-name")
    while "Brzeźno" not in step.inner_text():
        inner.locator(".calmap-sequence button").last.click()
    inner.page.wait_for_timeout(1200)
    for k in range(paths.count()):
        # Pointed at in the page itself: the pins in the middle would take a real pointer.
        paths.nth(k).evaluate(
            "e => { const r = e.getBoundingClientRect();"
            " for (const kind of ['mouseover', 'mousemove']) {"
            "  e.dispatchEvent(new MouseEvent(kind, {bubbles: true,"
            "   clientX: r.left + r.width / 2, clientY: r.top + r.height / 2})); } }")
        tip = inner.locator(".calmap-gap-tip")
        if tip.count() and "Brzeźno" in tip.first.inner_text():
            return tip.first.inner_text()
    return ""


def test_a_share_links_gap_view_counts_no_team_only_need(app_url, walk_world):
    url, world, engine = walk_world
    with db.session_scope(engine) as session:
        from mapping.services import accounts

        admin = accounts.add_user(session, f"walk-admin-{next(_names)}",
                                  "correct horse battery", "admin")
        created = share_links.create(session, admin, Scope("area", world.area_a), 30, None,
                                     "Spotkanie")
    with offline_tab(f"{app_url}/?share={created.token}&gaps=1",
                     viewport={"width": 1920, "height": 1080}) as tab:
        inner = map_frame(tab, ready=".calmap-gap-switch")
        tip = _area_tip(inner)
        assert "Niezaspokojone potrzeby: 6" in tip
        page = inner.content()
        assert "Niezaspokojone potrzeby: 9" not in page
        screenshot(tab, "share-link-gaps-1920x1080.png")
        assert tab.blocked == [] and tab.page_errors == []


@pytest.mark.parametrize(("width", "height", "touch"), [(1366, 800, False), (820, 1180, True)])
def test_a_click_on_a_resource_on_the_gaps_map_draws_its_three_walking_areas(
    app_url, width, height, touch
):
    with offline_tab(f"{app_url}/gaps", viewport={"width": width, "height": height},
                     **({"has_touch": True, "is_mobile": True} if touch else {})) as tab:
        inner = map_frame(tab, ready=".leaflet-marker-icon.calmap-walk-resource")
        assert inner.locator("path.calmap-walk").count() == 0
        marker = inner.locator(".leaflet-marker-icon.calmap-walk-resource")
        # One marker, named as typed (a DOM attribute: never parsed as HTML).
        assert marker.count() == 1 and marker.get_attribute("title") == CLUB
        if touch:
            marker.tap()
        else:
            marker.click()
        tab.get_by_role("button", name="Ukryj zasięg pieszy").wait_for(timeout=60_000)
        inner = map_frame(tab, ready="path.calmap-walk")
        for minutes in (5, 10, 15):
            assert inner.locator(f"path.calmap-walk-{minutes}").count() == 1
        assert f"Dojście pieszo: {CLUB}" in inner.locator(".calmap-legend").inner_text()
        # The clicked resource stands out, and the picker (for the keyboard) names it.
        assert inner.locator(".calmap-walk-resource.calmap-walk-shown").count() == 1
        assert CLUB in tab.get_by_role("combobox", name="Zasób", exact=True).evaluate(
            "e => (e.value || '') + ' ' + e.closest('[data-testid=stSelectbox]').innerText")
        tab.wait_for_timeout(400)
        screenshot(tab, f"gaps-walking-click-{width}x{height}.png")
        assert tab.blocked == [] and tab.page_errors == []
