"""Action plan: what the partnerships agreed to do about needs, by partnership or team.

Lists the actions the signed-in user may see (the database shows an action
only with its need), filters them, changes an action's status or due date
against the version the form was opened at (a change made meanwhile is
shown as a conflict), shows each action's history and downloads the list as
CSV or XLSX. Actions are added from a need in the editor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from mapping.errors import ConflictError
from mapping.i18n import t
from mapping.services import actions, partnerships, teams
from mapping.services.actions import ActionInfo, ActionRef
from mapping.ui import need_plan, state
from mapping.ui.page import open_page

PREFIX = state.PLAN

page = open_page("actions")
lang = page.lang
actor = page.require_actor()

st.title(t("plan.page_heading", lang), anchor=False)
st.caption(t("plan.page_intro", lang))
page.show_flash()

lists = page.run(lambda s: (
    partnerships.list_partnerships(s, actor, city=state.city()),
    teams.list_teams(s, state.city()),
)).unwrap()
partnership_names = {p.id: p.name for p in lists[0]}
team_names = {tm.id: f"{tm.name} ({tm.code})" for tm in lists[1]}

scopes = ["partnership", "team", "all"]
scope_column, pick_column = st.columns([2, 3], vertical_alignment="bottom")
scope = scope_column.radio(
    t("plan.scope", lang), scopes, format_func=lambda s: t(f"plan.scope_{s}", lang),
    key=PREFIX + "scope", horizontal=True,
)
chosen: int | None = None
if scope == "partnership":
    chosen = pick_column.selectbox(
        t("plan.partnership", lang), list(partnership_names),
        format_func=lambda i: partnership_names[i], key=PREFIX + "partnership",
        placeholder=t("plan.no_partnerships", lang), index=0 if partnership_names else None,
    )
elif scope == "team":
    default = state.team_id()
    options = list(team_names)
    chosen = pick_column.selectbox(
        t("plan.team", lang), options, format_func=lambda i: team_names[i],
        key=PREFIX + "team",
        index=options.index(default) if default in options else (0 if options else None),
    )


def read(session: Any) -> list[ActionInfo]:
    """The actions of the chosen partnership, team or all, as the user may see them."""
    if scope == "partnership":
        return [] if chosen is None else actions.for_partnership(session, actor, chosen)
    if scope == "team":
        return [] if chosen is None else actions.for_team(session, actor, chosen)
    found = actions.all_actions(session, actor)
    if state.city() is None:
        return found
    # The city chosen in the sidebar: its teams' actions (and those of no team).
    return [a for a in found if a.team_id is None or a.team_id in team_names]


found = page.run(read)
if found.error is not None:
    page.show_error(found.error)
    st.stop()
everything: list[ActionInfo] = found.value

text_column, status_column = st.columns([3, 2])
text = text_column.text_input(
    t("plan.filter_text", lang), key=PREFIX + "text", placeholder=t("plan.filter_hint", lang)
)
statuses = status_column.multiselect(
    t("actions.col_status", lang), list(actions.ACTION_STATUSES),
    format_func=lambda s: t(f"actions.status_{s}", lang), key=PREFIX + "statuses",
    placeholder=t("editor.all", lang),
)
needle = text.strip().casefold()
shown = [
    a for a in everything
    if (not statuses or a.status in statuses)
    and (not needle or any(needle in (v or "").casefold() for v in (
        a.title, a.need_name, a.area_name, a.description, *a.partner_names)))
]
st.caption(t("plan.count", lang, count=len(shown), total=len(everything)))

if not shown:
    st.info(t("plan.none", lang))
else:
    st.dataframe(need_plan.action_rows(shown, lang), hide_index=True, width="stretch")
    download_csv, download_xlsx = st.columns(2)
    stamp = dt.date.today().isoformat()
    download_csv.download_button(
        t("plan.download_csv", lang), actions.to_csv(shown, lang).encode("utf-8-sig"),
        file_name=f"plan-dzialan-{stamp}.csv", mime="text/csv", width="stretch",
        key=PREFIX + "csv", icon=":material/download:",
    )
    download_xlsx.download_button(
        t("plan.download_xlsx", lang), actions.to_xlsx(shown, lang),
        file_name=f"plan-dzialan-{stamp}.xlsx", width="stretch", key=PREFIX + "xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    by_id = {a.id: a for a in shown}
    picked = st.selectbox(
        t("plan.pick", lang), list(by_id), index=None, key=PREFIX + "pick",
        format_func=lambda i: f"{by_id[i].title} – {by_id[i].need_name}",
        placeholder=t("plan.pick_hint", lang),
    )
    if picked is not None:
        action = by_id[picked]
        # The version the form was opened at: a save checks it against the stored one.
        seen = state.keep(state.PLAN_SEEN)
        version = seen.setdefault(action.id, action.version)
        st.subheader(t("plan.edit_heading", lang, title=action.title), anchor=False)
        may_edit = actor.can_edit and actor.may_edit_team(action.team_id)
        if not may_edit:
            st.info(t("plan.read_only", lang))
        with st.form(f"{PREFIX}edit.{action.id}"):
            status_box, due_box = st.columns(2)
            status = status_box.selectbox(
                t("actions.col_status", lang), list(actions.ACTION_STATUSES),
                index=list(actions.ACTION_STATUSES).index(action.status),
                format_func=lambda s: t(f"actions.status_{s}", lang), disabled=not may_edit,
            )
            due_on = due_box.date_input(
                t("actions.col_due_on", lang), value=action.due_on, format="YYYY-MM-DD",
                min_value=dt.date(2000, 1, 1), disabled=not may_edit,
            )
            submitted = st.form_submit_button(
                t("plan.save", lang), type="primary", disabled=not may_edit, width="stretch"
            )
        if submitted:
            outcome = page.run(lambda s: actions.update_action(
                s, actor, ActionRef(action.id, version), {"status": status, "due_on": due_on}
            ))
            if outcome.error is None:
                seen.pop(action.id, None)
                page.flash("plan.saved", title=action.title)
                st.rerun()
            page.show_error(outcome.error)
            if isinstance(outcome.error, ConflictError):
                def shown_value(field: str, value: Any) -> str:
                    if value is None:
                        return ""
                    if field == "status":
                        return t(f"actions.status_{value}", lang)
                    return str(value)

                st.dataframe(pd.DataFrame([
                    {
                        t("editor.col_field", lang): t(f"actions.col_{field}", lang),
                        t("editor.col_seen", lang): shown_value(field, before),
                        t("editor.col_now", lang): shown_value(field, now),
                    }
                    for field, (before, now) in outcome.error.changes.items()
                ]), hide_index=True, width="stretch")
                st.button(
                    t("plan.reload_action", lang), key=PREFIX + "reload",
                    on_click=lambda: state.keep(state.PLAN_SEEN).pop(action.id, None),
                )
        history = page.run(lambda s: actions.versions(s, actor, action.id))
        with st.expander(t("plan.history", lang), expanded=False):
            if history.error is not None:
                page.show_error(history.error)
            else:
                st.dataframe(pd.DataFrame([
                    {
                        t("editor.col_when", lang): v.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
                        t("editor.col_who", lang): v.changed_by,
                        t("editor.col_operation", lang): t(f"plan.op_{v.operation.lower()}", lang),
                        t("actions.col_title", lang): v.data.get("title") or "",
                        t("actions.col_due_on", lang): v.data.get("due_on") or "",
                        t("actions.col_status", lang): t(
                            f"actions.status_{v.data.get('status')}", lang
                        ) if v.data.get("status") else "",
                    }
                    for v in history.value
                ]), hide_index=True, width="stretch")
