"""A partner without an account opens a read-only share link in Chromium: PIN, map, revoked."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine

from mapping import db
from mapping.services import accounts, share_links
from mapping.services.share_links import Scope
from tests.browser import map_frame, offline_tab, screenshot
from tests.conftest import app_env
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser
_names = itertools.count()


@pytest.fixture(scope="module")
def app_url(demo_db_url):
    # Sign-in required: the link must open without an account all the same.
    env = {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "password"}
    with running_app(env) as url:
        yield url


@pytest.fixture(scope="module")
def owner(demo_db_url):
    engine = create_engine(demo_db_url)
    yield engine
    engine.dispose()


def _link(owner, scope, pin=None):
    with db.session_scope(owner) as session:
        admin = accounts.add_user(session, f"share-admin-{next(_names)}",
                                  "correct horse battery", "admin")
        created = share_links.create(session, admin, scope, 30, pin, "Spotkanie")
    return created


def test_a_link_opens_the_presenter_map_with_no_account_and_no_sidebar(app_url, owner):
    created = _link(owner, Scope("city", city="Gdańsk"))
    with offline_tab(f"{app_url}/?share={created.token}",
                     viewport={"width": 1920, "height": 1080}) as tab:
        inner = map_frame(tab, ready=".calmap-sequence")
        assert inner.locator(".calmap-step-name").inner_text() == "Całość: Gdańsk"
        assert inner.locator(".calmap-pin-resource").count() > 0
        assert not tab.locator('[data-testid="stSidebar"]').is_visible()
        assert tab.get_by_text("Zaloguj").count() == 0
        screenshot(tab, "share-link-1920x1080.png")
        assert tab.blocked == [] and tab.page_errors == []


def test_a_pin_is_asked_for_and_a_wrong_one_is_refused(app_url, owner):
    created = _link(owner, Scope("city", city="Gdańsk"), pin="2468")
    with offline_tab(f"{app_url}/?share={created.token}",
                     viewport={"width": 1280, "height": 800}) as tab:
        field = tab.get_by_label("PIN do tej mapy")
        field.wait_for(timeout=60_000)
        field.fill("1111")
        tab.get_by_role("button", name="Otwórz mapę").click()
        tab.get_by_text("Nieprawidłowy PIN", exact=False).wait_for(timeout=30_000)
        field = tab.get_by_label("PIN do tej mapy")
        field.fill("2468")
        tab.get_by_role("button", name="Otwórz mapę").click()
        inner = map_frame(tab, ready=".calmap-sequence")
        assert "1 / " in inner.locator(".calmap-step-count").inner_text()


def test_a_revoked_link_opens_nothing(app_url, owner):
    created = _link(owner, Scope("city", city="Gdańsk"))
    with db.session_scope(owner) as session:
        admin = accounts.add_user(session, f"share-admin-{next(_names)}",
                                  "correct horse battery", "admin")
        share_links.revoke(session, admin, created.link.id)
    with offline_tab(f"{app_url}/?share={created.token}",
                     viewport={"width": 1280, "height": 800}) as tab:
        tab.get_by_text("Ten link został wycofany", exact=False).wait_for(timeout=60_000)
        assert tab.locator('iframe[title="streamlit_folium.st_folium"]').count() == 0
