"""Export: the layers the signed-in user may see, as GeoPackage, GeoJSON, CSV, Shapefile or HSDS."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mapping.errors import UserError
from mapping.i18n import t
from mapping.io import export
from mapping.services import export_rows
from mapping.ui import sidebar, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t

PREFIX = state.EXPORT

page = open_page("export")
lang, url = page.lang, page.url
actor = page.require_actor()

st.title(t("export.heading", lang), anchor=False)
st.caption(t("export.intro", lang))

fmt = st.radio(
    t("export.format", lang),
    list(export.FORMATS),
    format_func=lambda code: t(f"export_format.{code}", lang),
    key=PREFIX + "format",
)
scopes = ["all"]
if state.team_id() is not None:
    scopes.append("team")
if state.area_id() is not None:
    scopes.append("area")
scope = st.radio(
    t("export.scope", lang),
    scopes,
    # Radio options are Markdown: the place is a name someone typed.
    format_func=lambda code: md_t(
        f"export_scope.{code}", lang, place=sidebar.current_place(url, lang)
    ),
    key=PREFIX + "scope",
    horizontal=True,
)
past = st.checkbox(t("export.use_as_of", lang), key=PREFIX + "past")
as_of = (
    st.date_input(
        t("export.as_of", lang), value=dt.date.today(), max_value=dt.date.today(),
        key=PREFIX + "as_of", format="YYYY-MM-DD",
    )
    if past
    else None
)
if not actor.is_admin:
    st.info(t("export.visibility_note", lang))

if st.button(t("export.prepare", lang), type="primary", key=PREFIX + "prepare"):
    try:
        with st.spinner(t("export.preparing", lang)):
            found = page.run(
                lambda s: export_rows.read_export(
                    s,
                    actor,
                    team_id=state.team_id() if scope == "team" else None,
                    area_id=state.area_id() if scope == "area" else None,
                    as_of=as_of,
                )
            ).unwrap()
            content = export.export_bytes(found, fmt, lang)
    except UserError as exc:
        page.show_error(exc)
    else:
        counts = export.summary(found)
        st.success(
            t(
                "export.ready", lang,
                resources=counts["resource"], partners=counts["partner"], needs=counts["need"],
                areas=counts["area"],
            )
        )
        st.download_button(
            md_t("export.download", lang, name=export.file_name(found, fmt)),
            data=content,
            file_name=export.file_name(found, fmt),
            mime=export.MEDIA_TYPES[fmt],
            key=PREFIX + "download",
            on_click="ignore",
        )
st.caption(t(f"export_help.{fmt}", lang))
