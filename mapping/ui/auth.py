"""Who is using the app: sign-in form, OpenID Connect, single-user mode, idle timeout.

Only the username and the time of the last activity live in the session
state; the account is read again on every run, so disabling an account or
changing its teams takes effect at once.
"""

from __future__ import annotations

import time

import streamlit as st
from sqlalchemy.orm import Session

from mapping import accounts, db
from mapping.accounts import Actor
from mapping.config import Config
from mapping.errors import NotFound
from mapping.i18n import t

USERNAME = "calmap.username"
LAST_ACTIVITY = "calmap.last_activity"
TIMED_OUT = "calmap.timed_out"


def _engine(url: str):  # noqa: ANN202 - an Engine
    return db.engine_for_url(url)


def current_actor(url: str, cfg: Config, lang: str) -> Actor | None:
    """The signed-in user, or None after drawing the sign-in form (the page must stop)."""
    if cfg.auth == "none":
        with Session(_engine(url)) as session, session.begin():
            actor = accounts.local_admin(session)
        st.sidebar.warning(t("auth.no_login_mode", lang))
        return actor
    username = st.session_state.get(USERNAME)
    if username and _idle_for(cfg):
        sign_out()
        st.session_state[TIMED_OUT] = True
        if cfg.auth == "oidc":
            st.logout()
        username = None
    if cfg.auth == "oidc" and username is None:
        username = _oidc_username()
    if username:
        try:
            with Session(_engine(url)) as session:
                actor = accounts.actor_for(session, username)
        except NotFound:
            sign_out()
            st.error(t("auth.account_unknown", lang))
            return None
        st.session_state[USERNAME] = actor.username
        st.session_state[LAST_ACTIVITY] = time.time()
        return actor
    if cfg.auth == "oidc":
        _oidc_button(lang)
    else:
        _password_form(url, lang)
    return None


def _idle_for(cfg: Config) -> bool:
    last = st.session_state.get(LAST_ACTIVITY)
    return last is not None and time.time() - last > cfg.idle_timeout_minutes * 60


def _password_form(url: str, lang: str) -> None:
    st.title(t("auth.title", lang))
    if st.session_state.pop(TIMED_OUT, False):
        st.info(t("auth.timed_out", lang))
    with st.form("calmap-login"):
        username = st.text_input(t("auth.username", lang), key="calmap.login.username")
        password = st.text_input(
            t("auth.password", lang), type="password", key="calmap.login.password"
        )
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if submitted:
        with Session(_engine(url)) as session, session.begin():
            actor = accounts.authenticate(session, username, password)
        if actor is None:
            st.error(t("auth.wrong_password", lang))
            return
        st.session_state[USERNAME] = actor.username
        st.session_state[LAST_ACTIVITY] = time.time()
        st.rerun()


def _oidc_username() -> str | None:
    """The e-mail the city's identity provider vouches for, if the user signed in there."""
    user = getattr(st, "user", None)
    if user is None or not user.get("is_logged_in"):
        return None
    email = user.get("email")
    return str(email).lower() if email else None


def _oidc_button(lang: str) -> None:
    st.title(t("auth.title", lang))
    if st.session_state.pop(TIMED_OUT, False):
        st.info(t("auth.timed_out", lang))
    if st.button(t("auth.sign_in_oidc", lang)):
        st.login()


def sign_out() -> None:
    """Forget the signed-in user in this browser session."""
    st.session_state.pop(USERNAME, None)
    st.session_state.pop(LAST_ACTIVITY, None)


def logout_button(actor: Actor, cfg: Config, lang: str) -> None:
    """Show who is signed in, with their role, and a sign-out button."""
    if cfg.auth == "none":
        return
    st.sidebar.caption(
        t(
            "auth.signed_in_as",
            lang,
            name=actor.display_name or actor.username,
            role=t(f"role.{actor.role}", lang),
        )
    )
    if st.sidebar.button(t("auth.sign_out", lang), key="calmap.logout"):
        sign_out()
        if cfg.auth == "oidc":
            st.logout()
        st.rerun()
