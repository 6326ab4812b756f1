"""Making, listing and revoking read-only share links for the map a presenter shows.

For admins and editors (the service and the database decide which scopes each
may share). A new link's address is shown once; the database keeps only its hash.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from mapping.config import Config
from mapping.i18n import t
from mapping.services import share_links
from mapping.services.accounts import Actor
from mapping.services.share_links import Scope
from mapping.ui import state
from mapping.ui.page import Page
from mapping.ui.safe_text import md_t


def _base_url(cfg: Config) -> str:
    """The app's public address: the setting, else the address this browser used."""
    if cfg.public_url:
        return cfg.public_url
    parts = urlsplit(str(st.context.url or ""))
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    root = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "http://localhost:8501"
    return f"{root}/{base}" if base else root


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"  # type: ignore[attr-defined]


def panel(page: Page, actor: Actor, scope: Scope, place: str) -> None:
    """The share section: a form for a new link to ``scope`` and the actor's links."""
    if not actor.can_edit:
        return
    lang, cfg = page.lang, page.cfg
    with st.expander(t("share.panel", lang), icon=":material/share:"):
        st.caption(md_t("share.panel_help", lang, place=place))
        with st.form("calmap-share-new", clear_on_submit=True):
            label = st.text_input(t("share.label", lang), max_chars=200)
            days = st.number_input(t("share.days", lang), min_value=1,
                                   max_value=share_links.MAX_DAYS, value=share_links.DEFAULT_DAYS)
            pin = st.text_input(t("share.pin_optional", lang), type="password",
                                max_chars=share_links.MAX_PIN)
            if st.form_submit_button(t("share.create", lang), icon=":material/add_link:"):
                outcome = page.run(lambda s: share_links.create(
                    s, actor, scope, int(days), pin or None, label or None))
                if outcome.error is not None:
                    page.show_error(outcome.error)
                else:
                    address = share_links.link_url(_base_url(cfg), outcome.value.token)
                    state.put(state.SHARE_NEW_LINK, address)
        new_link = state.pop(state.SHARE_NEW_LINK)
        if new_link:
            st.success(t("share.created", lang))
            st.code(new_link, language=None)
        links = page.run(lambda s: share_links.list_links(s, actor)).value or []
        if not links:
            st.caption(t("share.none", lang))
            return
        st.dataframe(
            [
                {
                    t("share.col_scope", lang): f"{t(f'share.scope_{link.scope.kind}', lang)}: "
                    f"{link.scope_name or '—'}",
                    t("share.label", lang): link.label or "",
                    t("share.col_creator", lang): link.created_by or "—",
                    t("share.col_expires", lang): _when(link.expires_at),
                    t("share.col_last_used", lang): _when(link.last_used_at),
                    t("share.col_pin", lang): "✓" if link.has_pin else "",
                    t("share.col_status", lang): t(f"share.status_{link.status()}", lang),
                }
                for link in links
            ],
            hide_index=True,
        )
        active = {link.id: link for link in links if link.status() == "active"}
        if not active:
            return
        chosen = st.selectbox(
            t("share.revoke_which", lang), list(active),
            format_func=lambda i: f"#{i} · {active[i].scope_name or ''} · {active[i].label or ''}",
        )
        if st.button(t("share.revoke", lang), icon=":material/link_off:"):
            revoked = page.run(lambda s: share_links.revoke(s, actor, chosen))
            if revoked.error is not None:
                page.show_error(revoked.error)
            else:
                st.rerun()
