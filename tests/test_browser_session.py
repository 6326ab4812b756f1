"""Signing in, in Debian's Chromium: a reload, a new tab and a link keep the person signed in;
signing out ends the session in every tab; guessing is throttled with a message."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from mapping import db
from mapping.services import accounts
from tests.browser import ARTIFACTS, offline_tab
from tests.conftest import app_env
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SIGN_IN = "Zaloguj się"


@pytest.fixture(scope="module")
def demo_with_account(demo_db_url):
    engine = create_engine(demo_db_url)
    with db.session_scope(engine) as session:
        if not any(u.username == "halina" for u, _ in accounts.list_users(session)):
            accounts.add_user(session, "halina", PASSWORD, "editor", display_name="Halina")
        if not any(u.username == "ada" for u, _ in accounts.list_users(session)):
            accounts.add_user(session, "ada", PASSWORD, "admin", display_name="Ada")
        if not any(u.username == "zenon" for u, _ in accounts.list_users(session)):
            accounts.add_user(session, "zenon", PASSWORD, "viewer", display_name="Zenon")
    engine.dispose()
    with running_app(
        {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "password"}
    ) as base:
        yield base, demo_db_url


def _sign_in(tab, username: str, password: str) -> None:
    tab.get_by_role("heading", name=SIGN_IN).wait_for(timeout=60_000)
    tab.get_by_label("Login").fill(username)
    tab.get_by_label("Hasło").fill(password)
    tab.get_by_role("button", name="Zaloguj").click()


def _signed_in(tab) -> None:
    tab.get_by_text("Zalogowano: Halina").wait_for(timeout=60_000)


def _area_id(url: str, name: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM area WHERE name = :n"), {"n": name}).scalar()
    engine.dispose()
    return int(found)


def test_a_reload_a_new_tab_and_a_link_keep_the_person_signed_in(demo_with_account):
    base, url = demo_with_account
    area = _area_id(url, "Nadodrze")
    with offline_tab(base, viewport={"width": 1400, "height": 1000}) as tab:
        _sign_in(tab, "halina", PASSWORD)
        _signed_in(tab)
        tab.wait_for_timeout(1500)  # the cookie is written by the page after sign-in
        cookies = {c["name"]: c for c in tab.context.cookies()}
        assert "calmap_session" in cookies
        assert cookies["calmap_session"]["sameSite"] == "Strict"
        token = cookies["calmap_session"]["value"].rsplit(".", 1)[0]
        tab.reload()
        _signed_in(tab)
        assert token not in tab.url
        # A poster's link, in a new tab of the same browser.
        second = tab.context.new_page()
        second.goto(f"{base}/?area={area}", wait_until="domcontentloaded")
        second.get_by_text("Zalogowano: Halina").wait_for(timeout=60_000)
        second.get_by_role("heading", name="Nadodrze").first.wait_for(timeout=60_000)
        # The choice is in the address, so a reload keeps it.
        assert f"area={area}" in second.url
        second.reload()
        second.get_by_role("heading", name="Nadodrze").first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        second.screenshot(path=str(ARTIFACTS / "signed-in-after-reload.png"))
        # Signing out in one tab ends the session in the other.
        second.get_by_role("button", name="Wyloguj").click()
        second.get_by_role("heading", name=SIGN_IN).wait_for(timeout=60_000)
        tab.reload()
        tab.get_by_role("heading", name=SIGN_IN).wait_for(timeout=60_000)
        assert tab.blocked == []


def test_guessing_passwords_is_throttled_with_a_message(demo_with_account):
    base, url = demo_with_account
    with offline_tab(base, viewport={"width": 1400, "height": 1000}) as tab:
        for attempt in range(3):
            _sign_in(tab, "halina", f"wrong guess {attempt}")
            tab.get_by_text("Nieprawidłowy login lub hasło").wait_for(timeout=30_000)
        _sign_in(tab, "halina", "wrong guess 3")
        tab.get_by_text("Zbyt wiele nieudanych prób").wait_for(timeout=30_000)
        # The right password right away waits too: nothing tells a guesser it was right.
        tab.wait_for_timeout(500)
        _sign_in(tab, "halina", PASSWORD)
        tab.wait_for_timeout(2000)
        tab.get_by_text("Zbyt wiele nieudanych prób").wait_for(timeout=30_000)
        assert tab.get_by_role("heading", name=SIGN_IN).is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "sign-in-throttled.png"))
    engine = create_engine(url)
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT outcome, client FROM sign_in_attempt WHERE username = 'halina' "
                 "ORDER BY id")
        ).all()
    engine.dispose()
    assert [o for o, _ in logged][-5:] == ["wrong", "wrong", "wrong", "throttled", "throttled"]
    assert all(client for _, client in logged)


def _navigation(tab) -> str:
    nav = tab.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Przegląd mapy").wait_for(timeout=60_000)
    return nav.inner_text()


def test_the_navigation_lists_every_page_of_a_role_in_sections_in_polish(demo_with_account):
    base, _ = demo_with_account
    with offline_tab(base, viewport={"width": 1366, "height": 800}) as tab:
        _sign_in(tab, "ada", PASSWORD)
        tab.get_by_text("Zalogowano: Ada").wait_for(timeout=60_000)
        shown = _navigation(tab)
        for heading in ("Mapa", "Edycja", "Zespoły i sprawozdania", "Administracja"):
            assert heading in shown
        for page in ("Spotkanie partnerstwa", "Luki w zasięgu", "Plan działań", "Edytor mapy",
                     "Ankiety mieszkańców", "Pakiet czerwcowy", "Eksport danych",
                     "Import obszarów", "Sieć ulic"):
            assert page in shown
        # Streamlit folds a long list behind "View N more", in English.
        assert "View" not in shown and "more" not in shown
    with offline_tab(base, viewport={"width": 1366, "height": 800}) as tab:
        _sign_in(tab, "zenon", PASSWORD)
        tab.get_by_text("Zalogowano: Zenon").wait_for(timeout=60_000)
        shown = _navigation(tab)
        assert "Plan działań" in shown and "Eksport danych" in shown
        # A viewer is offered nothing to edit, not even an empty section.
        assert "Edycja" not in shown and "Edytor mapy" not in shown
