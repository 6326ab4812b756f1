"""The web app: settings, database, shared sidebar and the router (st.navigation).

Run with ``calmap serve`` (or ``streamlit run streamlit_app.py``). Pages are
thin adapters in ``app_pages/`` (not ``pages/``: Streamlit would also serve a
``pages/`` folder directly by URL, bypassing this router and its sign-in);
everything else lives in ``mapping``.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import ProgrammingError

from mapping.cluster import ClusterError
from mapping.config import ConfigError
from mapping.db import DatabaseError
from mapping.i18n import t
from mapping.schema import SchemaMissing
from mapping.ui import auth, data, sidebar, state

try:
    cfg = data.settings()
except ConfigError as exc:
    cfg = None
    config_error: ConfigError | None = exc
else:
    config_error = None

state.init(cfg.language if cfg else "pl")
lang = state.language()
st.set_page_config(page_title=t("app.title", lang), page_icon="🗺️", layout="wide")
st.sidebar.title(t("app.title", lang))
st.sidebar.caption(t("app.subtitle", lang))
sidebar.language_switch()

if config_error is not None or cfg is None:
    st.error(t("error.config", lang, message=config_error))
    st.stop()
try:
    url = data.database_url(cfg)
except SchemaMissing:
    st.error(t("error.schema", lang))
    st.stop()
except (DatabaseError, ClusterError) as exc:
    st.error(t("error.database", lang, message=exc))
    st.stop()
try:
    data.install_static_files()
except OSError as exc:
    st.error(t("error.static", lang, path=data.STATIC_DIR, message=exc))
    st.stop()
try:
    actor = auth.current_actor(url, cfg, lang)
except ProgrammingError:
    st.error(t("error.schema", lang))
    st.stop()
if actor is None:
    st.stop()
auth.logout_button(actor, cfg, lang)
try:
    sidebar.selectors(url, lang)
except ProgrammingError:
    # Tables missing: the database was never upgraded (or is another app's).
    st.error(t("error.schema", lang))
    st.stop()

page = st.navigation(
    [
        st.Page("app_pages/overview.py", title=t("nav.overview", lang), icon="🗺️", default=True),
        # Editors and admins only: a viewer is never offered the import.
        *(
            [st.Page("app_pages/bulk_import.py", title=t("nav.bulk_import", lang), icon="📥")]
            if actor.can_edit
            else []
        ),
        # Editors and admins only: a viewer gets the overview and nothing to edit.
        *(
            [st.Page("app_pages/editor.py", title=t("nav.editor", lang),
                     icon=":material/edit_location_alt:")]
            if actor.can_edit
            else []
        ),
        # Administrators only: areas shape every team's map.
        *(
            [st.Page("app_pages/import_areas.py", title=t("nav.import_areas", lang), icon="🗂️")]
            if actor.is_admin
            else []
        ),
        st.Page("app_pages/teams.py", title=t("nav.teams", lang), icon="🤝"),
        *([st.Page("app_pages/areas.py", title=t("nav.areas", lang), icon="📐")] * actor.can_edit),
        st.Page("app_pages/export.py", title=t("nav.export", lang), icon="📤"),
        # Editors and admins only: answers are their team's; viewers see published needs.
        *(
            [st.Page("app_pages/surveys.py", title=t("nav.surveys", lang), icon="📋")]
            * actor.can_edit
        ),
    ]
)
page.run()
