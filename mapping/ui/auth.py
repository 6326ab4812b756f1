"""Who is using the app: sign-in form, OpenID Connect, single-user mode, idle timeout.

The database keeps the sessions (``mapping.db.sessions``): the session state
holds only the session's token, and every run hands it to the database
(``db.set_session_token``), which finds the user from it, keeps it open for
the idle timeout and forgets it on sign-out. A signed cookie carries the token
across reloads, new tabs and ``?area=`` links; it is never in the URL.
"""

from __future__ import annotations

import json

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mapping import db
from mapping.config import Config
from mapping.db import sessions
from mapping.i18n import t
from mapping.services import accounts
from mapping.services.accounts import Actor
from mapping.ui import cached_reads, state
from mapping.ui.safe_text import md_t

COOKIE = "calmap_session"
# The cookie outlives the idle timeout only by what a browser keeps; the database
# decides whether the session is still open.
COOKIE_MAX_AGE = 24 * 60 * 60


def _token_of_this_browser_session() -> str | None:
    """The session token kept in this browser session's state (None outside a script run)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return state.get(state.SESSION_TOKEN)


# Widget callbacks run before the router signs the person in on a run; they
# act for the token kept in the browser session too.
db.set_token_provider(_token_of_this_browser_session)


def _engine(url: str):  # noqa: ANN202 - an Engine
    return db.engine_for_url(url)


def client_address() -> str:
    """The client address for throttling and the sign-in log."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a browser session (AppTest) there is none
        address = None
    # Streamlit gives None for localhost (and a stand-in object under AppTest).
    return address if isinstance(address, str) and address else "localhost"


def current_actor(url: str, cfg: Config, lang: str) -> Actor | None:
    """The signed-in user, or None after drawing the sign-in form (the page must stop)."""
    engine = _engine(url)
    key = cached_reads.session_key(cfg)
    token = state.get(state.SESSION_TOKEN)
    from_cookie = False
    if token is None and cfg.auth == "password":
        token = sessions.token_from_cookie(key, _cookie())
        from_cookie = token is not None
    actor = _resume(engine, token, cfg) if token else None
    if token and actor is None:
        # Ended elsewhere, idle too long, or the account was disabled.
        forget()
        if not from_cookie:
            state.put(state.TIMED_OUT, True)
        if cfg.auth == "password":
            _write_cookie(None)
        token = None
    if actor is None and cfg.auth != "password":
        username = accounts.LOCAL_ADMIN if cfg.auth == "none" else _oidc_username()
        if username:
            with Session(engine) as session, session.begin():
                token = sessions.open_trusted(
                    session, key, username, client_address(), cfg.idle_timeout_minutes
                )
            actor = _resume(engine, token, cfg) if token else None
            if actor is None:
                st.error(t("auth.account_unknown", lang))
                return None
    if actor is None or token is None:  # an actor always comes with its token
        if cfg.auth == "oidc":
            _oidc_button(lang)
        else:
            _password_form(engine, cfg, lang)
        return None
    state.put(state.SESSION_TOKEN, token)
    db.set_session_token(token)
    if cfg.auth == "none":
        st.sidebar.warning(t("auth.no_login_mode", lang))
    if state.pop(state.COOKIE_PENDING, False):
        _write_cookie(sessions.sign_cookie(key, token))
    return actor


def signed_in_actor(url: str) -> Actor | None:
    """The actor of this run's session, read again (the router signed them in; nothing drawn)."""
    token = state.get(state.SESSION_TOKEN)
    if not token:
        return None
    with db.acting_for(token), Session(_engine(url)) as session:
        return accounts.current_actor(session)


def resumed(session: Session, cfg: Config) -> Actor | None:
    """Keep the transaction's session open for the idle timeout; its actor, or None if over.

    A whole run does this in the router (``current_actor``); a fragment's rerun
    (the editor's map and forms) does not pass through the router, so it asks
    in its own transaction (``Page.run_signed_in``): a tapping worker stays
    signed in, and a session ended elsewhere, idle too long or of a disabled
    account is noticed at the next tap, not at Save.
    """
    if sessions.touch(session, cfg.idle_timeout_minutes) is None:
        return None
    return accounts.current_actor(session)


def _resume(engine, token: str | None, cfg: Config) -> Actor | None:  # noqa: ANN001
    """Keep ``token``'s session open for the idle timeout; its actor, or None if it is over."""
    with db.acting_for(token), Session(engine) as session, session.begin():
        return resumed(session, cfg)


def _password_form(engine, cfg: Config, lang: str) -> None:  # noqa: ANN001
    st.title(t("auth.title", lang))
    if state.pop(state.TIMED_OUT, False):
        st.info(t("auth.timed_out", lang))
    with st.form("calmap-login"):
        username = st.text_input(t("auth.username", lang), key=state.LOGIN_USERNAME)
        password = st.text_input(
            t("auth.password", lang), type="password", key=state.LOGIN_PASSWORD
        )
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if not submitted:
        return
    with db.acting_for(None), Session(engine) as session, session.begin():
        result = sessions.sign_in(
            session, username, password, client_address(), cfg.idle_timeout_minutes
        )
    if result.outcome == "throttled":
        st.error(t("auth.throttled", lang, seconds=result.retry_after))
        return
    if result.outcome != "ok" or not result.token:
        st.error(t("auth.wrong_password", lang))
        return
    state.put(state.SESSION_TOKEN, result.token)
    state.put(state.COOKIE_PENDING, True)
    st.rerun()


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser connection (AppTest): no cookies
        return None
    return value if isinstance(value, str) else None


def _write_cookie(value: str | None) -> None:
    """Set (or, with None, delete) the session cookie in this browser.

    Streamlit has no API to set a cookie, so a zero-height component does it in
    the page's own origin; SameSite=Strict keeps other sites from sending it.
    """
    attributes = "path=/; SameSite=Strict"
    if value is None:
        cookie = f"{COOKIE}=; {attributes}; max-age=0"
    else:
        cookie = f"{COOKIE}={value}; {attributes}; max-age={COOKIE_MAX_AGE}"
    script = (
        "<script>(function(){var c=" + json.dumps(cookie) + ";"
        "if (window.parent.location.protocol === 'https:') { c += '; Secure'; }"
        "window.parent.document.cookie = c;})();</script>"
    )
    st.iframe(script, height=1)


def _oidc_username() -> str | None:
    """The e-mail the city's identity provider vouches for, if the user signed in there."""
    user = getattr(st, "user", None)
    if user is None or not user.get("is_logged_in"):
        return None
    email = user.get("email")
    return str(email).lower() if email else None


def _oidc_button(lang: str) -> None:
    st.title(t("auth.title", lang))
    if state.pop(state.TIMED_OUT, False):
        st.info(t("auth.timed_out", lang))
    if st.button(t("auth.sign_in_oidc", lang)):
        st.login()


def forget() -> None:
    """Forget the session in this browser tab (the database session is untouched)."""
    state.pop(state.SESSION_TOKEN)
    db.set_session_token(None)


def sign_out(url: str) -> None:
    """End the session in the database (every tab with its token) and in this browser."""
    token = state.get(state.SESSION_TOKEN)
    if token:
        with db.acting_for(token), Session(_engine(url)) as session, session.begin():
            sessions.end(session)
    # The cookie is deleted on the next run: it names an ended session now.
    forget()


def logout_button(actor: Actor, url: str, cfg: Config, lang: str) -> None:
    """Show who is signed in, with their role, and a sign-out button."""
    if cfg.auth == "none":
        return
    st.sidebar.caption(
        md_t(
            "auth.signed_in_as",
            lang,
            name=actor.display_name or actor.username,
            role=t(f"role.{actor.role}", lang),
        )
    )
    if st.sidebar.button(t("auth.sign_out", lang), key=state.LOGOUT):
        sign_out(url)
        if cfg.auth == "oidc":
            st.logout()
        st.rerun()
