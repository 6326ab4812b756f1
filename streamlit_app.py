"""The web app: settings, database, shared sidebar and the router (st.navigation).

Run with ``calmap serve`` (or ``streamlit run streamlit_app.py``). Pages are
thin adapters in ``app_pages/`` (not ``pages/``: Streamlit would also serve a
``pages/`` folder directly by URL, bypassing this router and its sign-in);
everything else lives in ``mapping``.
"""

from __future__ import annotations

import gc
from pathlib import Path

import streamlit as st

from mapping.config import Config, ConfigError
from mapping.i18n import reasons, t
from mapping.ui import auth, cached_reads, page, shared_link, sidebar, state
from mapping.ui.safe_text import md_t

FAVICON = Path(__file__).parent / "mapping" / "data" / "favicon.png"

try:
    cfg: Config | None = cached_reads.settings()
except ConfigError as exc:
    cfg = None
    config_error: ConfigError | None = exc
else:
    config_error = None

state.init(cfg.language if cfg else "pl")
lang = state.language()
# The tab's icon is a file of ours: an emoji needs a colour-emoji font, and without an
# icon here the page's ":material/…:" icon becomes the favicon, fetched from Google.
st.set_page_config(page_title=t("app.title", lang), page_icon=str(FAVICON), layout="wide")
st.sidebar.title(t("app.title", lang))
st.sidebar.caption(t("app.subtitle", lang))
sidebar.language_switch()

if config_error is not None or cfg is None:
    st.error(md_t("error.config", lang,
                  message=reasons.of(config_error) if config_error else None))
    st.stop()
url = page.database_or_stop(cfg, lang)
try:
    cached_reads.install_static_files()
except OSError as exc:
    st.error(md_t("error.static", lang, path=cached_reads.STATIC_DIR, message=reasons.of(exc)))
    st.stop()


@st.cache_resource(show_spinner=False)
def _freeze_start_up_objects() -> bool:
    """Once per server process, after start-up: see the comment below."""
    # A full garbage collection scans every object the process holds: the
    # modules of Streamlit, pandas, folium… (some 200,000 objects
    # that live as long as the server). Building a map of thousands of pins
    # allocates enough to trigger one about once per save, 0.1–0.4 s each.
    # gc.freeze() moves what exists now out of every later scan; collecting
    # first keeps today's garbage from being frozen with it.
    gc.collect()
    gc.freeze()
    return True


_freeze_start_up_objects()
# A read-only share link needs no account: its map, full screen, and nothing else.
share_token = shared_link.requested_token()
if share_token is not None:
    shared_link.show(url, cfg, lang, share_token)
    st.stop()
with page.schema_guard(lang):
    actor = auth.current_actor(url, cfg, lang)
if actor is None:
    st.stop()
auth.logout_button(actor, url, cfg, lang)
# Tables missing: the database was never upgraded (or is another app's).
with page.schema_guard(lang):
    sidebar.selectors(url, lang)


def _page(path: str, key: str, icon: str, *, default: bool = False) -> st.Page:
    # Material icons ship with Streamlit; emoji need a colour-emoji font the
    # centre's machines (and Debian's headless Chromium) often lack.
    return st.Page(f"app_pages/{path}", title=t(f"nav.{key}", lang), icon=f":material/{icon}:",
                   default=default)


presenter_page = _page("presenter.py", "presenter", "slideshow")
# Grouped by what people come to do; a section a role has no page in is left out.
# ``expanded=True``: otherwise Streamlit folds a long list behind an English "View more".
sections = {
    t("navsection.map", lang): [
        _page("overview.py", "overview", "map", default=True),
        presenter_page,
        _page("gaps.py", "gaps", "travel_explore"),
        _page("actions.py", "actions", "checklist"),
    ],
    # Editors and admins only: a viewer is never offered an import or an editor;
    # answers to surveys are their team's (viewers see published needs).
    t("navsection.editing", lang): [
        *([_page("editor.py", "editor", "edit_location_alt")] if actor.can_edit else []),
        *([_page("areas.py", "areas", "draw")] if actor.can_edit else []),
        *([_page("bulk_import.py", "bulk_import", "upload_file")] if actor.can_edit else []),
        *([_page("surveys.py", "surveys", "assignment")] if actor.can_edit else []),
    ],
    t("navsection.reports", lang): [
        _page("teams.py", "teams", "groups"),
        _page("snapshots.py", "snapshots", "history"),
        _page("june.py", "june", "print"),
        _page("export.py", "export", "download"),
    ],
    # Administrators only: areas shape every team's map, and one street network
    # serves every team's distances.
    t("navsection.admin", lang): [
        *([_page("import_areas.py", "import_areas", "layers")] if actor.is_admin else []),
        *([_page("streets.py", "streets", "route")] if actor.is_admin else []),
        *([_page("population.py", "population", "groups_3")] if actor.is_admin else []),
    ],
}
chosen_page = st.navigation({name: pages for name, pages in sections.items() if pages},
                            expanded=True)
# ``?present=1`` on any map's address opens that map on the projector. Streamlit
# runs only the page its navigation chose, so another page's address switches
# to the presenter's, keeping the query (city, area, step).
if st.query_params.get("present") == "1" and chosen_page.url_path != presenter_page.url_path:
    st.switch_page(presenter_page, query_params=st.query_params.to_dict())
chosen_page.run()
