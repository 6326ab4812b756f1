"""Signing in: the login page, wrong passwords, the no-login mode banner and signing out."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.services import accounts
from tests.conftest import point_app_at
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

PASSWORD = "correct horse battery"


@pytest.fixture()
def app_with_account(monkeypatch, demo_db_url):
    engine = create_engine(demo_db_url)
    with Session(engine) as session, session.begin():
        if not any(u.username == "zofia" for u, _ in accounts.list_users(session)):
            accounts.add_user(session, "zofia", PASSWORD, "viewer")
    engine.dispose()
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, demo_db_url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", "password")
    return AppTest.from_file(APP, default_timeout=120).run()


def sign_in(at, username, password):
    at.text_input(key="calmap.login.username").input(username)
    at.text_input(key="calmap.login.password").input(password)
    return at.button[0].click().run()


def test_with_login_switched_on_the_app_shows_only_the_sign_in_form(app_with_account):
    at = app_with_account
    assert not at.exception
    assert at.main.title[0].value == "Zaloguj się"
    assert len(at.sidebar.selectbox) == 0  # no map data before signing in


def test_a_wrong_password_is_refused_in_polish(app_with_account):
    at = sign_in(app_with_account, "zofia", "not the password")
    assert at.error[0].value.startswith("Nieprawidłowy login lub hasło")
    assert at.main.title[0].value == "Zaloguj się"


def test_a_viewer_signs_in_sees_the_map_and_signs_out(app_with_account):
    at = sign_in(app_with_account, "zofia", PASSWORD)
    assert not at.exception
    assert at.main.title[0].value.startswith("Mapa zasobów i potrzeb")
    assert "Zalogowano: zofia (przeglądający)" in [c.value for c in at.sidebar.caption]
    at = at.sidebar.button(key="calmap.logout").click().run()
    assert at.main.title[0].value == "Zaloguj się"


def test_the_no_login_mode_says_so_on_screen(monkeypatch, demo_db_url):
    point_app_at(monkeypatch, demo_db_url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", "none")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert any("bez logowania" in w.value for w in at.sidebar.warning)


def test_after_the_idle_timeout_the_user_must_sign_in_again(
    app_with_account, monkeypatch, demo_db_url
):
    from mapping.ui import state

    monkeypatch.setenv("CALMAP_IDLE_TIMEOUT_MINUTES", "1")
    at = sign_in(app_with_account, "zofia", PASSWORD)
    assert at.main.title[0].value.startswith("Mapa zasobów i potrzeb")
    # The database keeps the session open for the idle timeout after each run;
    # a minute without a run is the same as this:
    engine = create_engine(demo_db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE app_session SET expires_at = clock_timestamp() - interval '1 second' "
                "WHERE token_hash = sha256(convert_to(:token, 'UTF8'))"
            ),
            {"token": at.session_state[state.SESSION_TOKEN]},
        )
    engine.dispose()
    at = at.run()
    assert at.main.title[0].value == "Zaloguj się"
    assert at.info[0].value.startswith("Wylogowano po okresie bezczynności")
