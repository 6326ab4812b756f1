"""Opening a read-only share link: the PIN if one is set, then the presenter's map, no account.

``streamlit_app.py`` hands over to ``show`` before any sign-in when the address
carries ``?share=TOKEN``. The database opens the link (``share_links.open_link``:
unknown, revoked and expired links refused, wrong PINs throttled, every
opening logged) and gives a share session, kept in this browser session only.
Every read then runs as that session, which the policies let see public pins
of the link's scope and nothing else.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit_folium import st_folium

from mapping import db
from mapping.config import LANGUAGES, Config
from mapping.errors import NotFound, UserError
from mapping.i18n import t
from mapping.maps import presenter
from mapping.services import presentation, share_links
from mapping.ui import cached_reads, state
from mapping.ui.auth import client_address
from mapping.ui.safe_text import md_t

FULL_SCREEN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
    padding: 0 !important; max-width: 100% !important; }
[data-testid="stMain"] { overflow: hidden; }
iframe[title="streamlit_folium.st_folium"] { height: 100vh !important; display: block; }
</style>
"""


def full_screen() -> None:
    """Hide the sidebar, header and margins and let the map fill the window (projector views)."""
    st.html(FULL_SCREEN_CSS)


def requested_token() -> str | None:
    """The share token in the address, if any."""
    value = st.query_params.get(share_links.URL_PARAMETER)
    return str(value) if value else None


def _link_key(token: str) -> str:
    # Only a digest is kept to tell links apart, never the token itself.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _opened(engine, token: str, lang: str) -> str | None:  # noqa: ANN001 - an Engine
    """The share session for ``token``: kept, opened now, or None after showing why not."""
    kept = state.get(state.SHARE_SESSION)
    if kept and kept[0] == _link_key(token):
        return str(kept[1])
    pin = state.get(state.SHARE_PIN) or None
    try:
        opened = share_links.open_link(engine, token, pin, client_address())
    except UserError as exc:
        st.title(t("share.heading", lang), anchor=False)
        if exc.key != "share.pin_needed" or pin:
            st.error(md_t(exc.key, lang, **exc.params))
        if exc.key in ("share.pin_needed", "share.wrong_pin", "share.throttled"):
            with st.form("calmap-share-pin"):
                st.text_input(t("share.pin_label", lang), type="password",
                              key=state.SHARE_PIN, max_chars=share_links.MAX_PIN)
                st.form_submit_button(t("share.open", lang), type="primary")
        return None
    state.pop(state.SHARE_PIN)
    state.put(state.SHARE_SESSION, (_link_key(token), opened.session_token))
    return opened.session_token


def show(url: str, cfg: Config, lang: str, token: str) -> None:
    """The shared map, full screen; or the PIN form, or why the link does not open.

    ``?lang=en`` in the address shows it in English (the sidebar's switch is hidden).
    """
    wanted = str(st.query_params.get("lang", ""))
    lang = wanted if wanted in LANGUAGES else lang
    engine = db.engine_for_url(url)
    session_token = _opened(engine, token, lang)
    if session_token is None:
        return
    try:
        with db.acting_for(session_token), db.session_scope(engine) as session:
            if share_links.keep_open(session) is None:
                raise NotFound("share.session_over")
            show_map = presentation.shared_presentation(session)
    except NotFound as exc:
        # The link was revoked or expired while open: the next opening says which.
        state.pop(state.SHARE_SESSION)
        st.error(md_t(exc.key, lang, **exc.params))
        return
    full_screen()
    # The link's areas, counted as its audience sees them: read as the share
    # session (public pins of its scope only), with no team.
    with db.acting_for(session_token):
        gaps = cached_reads.meeting_gaps(
            url, tuple(int(i) for i in show_map.areas["id"]), lang, True)
    folium_map = presenter.presenter_map(
        show_map, lang, tiles_url=cfg.tiles_url, tiles_attribution=cfg.tiles_attribution,
        leaflet=cached_reads.leaflet_links(), store=cached_reads.pin_store_here(),
        gaps=gaps, gaps_on=st.query_params.get("gaps") == "1",
    )
    st_folium(folium_map, key="shared_map", height=700, use_container_width=True,
              returned_objects=[])
