"""The editor's panel of an open need: who addresses it (links by hand) and its action plan.

Candidates come from ``addressing.candidates`` (the catalogue's rules, nearest
first, straight-line distances, so labelled so); the links are saved with
``addressing.set_need_links`` against the links the form was opened with, so
a change someone made meanwhile is shown as a conflict, not overwritten.
Actions are added here with ``actions.create_action``; the action plan page
lists, edits and exports them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from mapping.errors import ConflictError, UserError
from mapping.i18n import t
from mapping.services import actions, addressing
from mapping.services.accounts import Actor
from mapping.services.actions import ActionInfo
from mapping.services.addressing import Candidates, NeedLinks
from mapping.ui import state
from mapping.ui.page import message, run, show_error

PREFIX = state.EDITOR + "plan."


def distance_label(metres: float | None, kind: str, lang: str) -> str:
    """A distance as people read it, saying it is a straight line when it is one."""
    if metres is None:
        return ""
    text = f"{round(metres):,} m".replace(",", " ")
    if kind == addressing.STRAIGHT_LINE:
        return f"{text} {t('plan.straight_line', lang)}"
    return text


def _read(session: Any, actor: Actor, need_id: int) -> dict[str, Any]:
    found: Candidates | None
    try:
        found = addressing.candidates(session, actor, need_id)
    except UserError:
        found = None
    return {
        "candidates": found,
        "links": addressing.need_links(session, actor, need_id),
        "history": addressing.link_history(session, actor, need_id),
        "actions": actions.for_need(session, actor, need_id),
    }


def panel(
    url: str, actor: Actor, need_id: int, lang: str, may_edit: bool,
    resources: dict[int, str], partners: dict[int, str],
) -> None:
    """The need's hand links and action plan, under its form in the editor.

    ``resources`` and ``partners``: id → name of those the editor shows
    (the area's resources, the city's partners), offered besides the candidates.
    """
    outcome = run(url, actor, lambda s: _read(s, actor, need_id))
    if outcome.error is not None:
        show_error(outcome.error, lang)
        return
    read = outcome.value
    # The links as this opening of the need showed them: opening it again (the
    # editor's generation moves on) starts from what is stored then.
    opened = (need_id, int(state.get(state.EDITOR_GENERATION, 0)))
    seen_all = state.keep(state.PLAN_LINKS_SEEN)
    seen: NeedLinks = seen_all.setdefault(opened, read["links"])
    _links(url, actor, opened, lang, may_edit, read, seen, resources, partners)
    _actions(url, actor, need_id, lang, may_edit, read["actions"], partners)


def _links(
    url: str, actor: Actor, opened: tuple[int, int], lang: str, may_edit: bool,
    read: dict[str, Any], seen: NeedLinks, resources: dict[int, str], partners: dict[int, str],
) -> None:
    need_id, generation = opened
    st.subheader(t("plan.links_heading", lang), anchor=False)
    if state.pop(state.PLAN_LINKS_SAVED) == need_id:
        st.success(t("plan.links_saved", lang))
    found: Candidates | None = read["candidates"]
    names = {"resource": dict(resources), "partner": dict(partners)}
    distance: dict[tuple[str, int], str] = {}
    if found is None or not found.has_rule:
        st.caption(t("plan.no_rule", lang))
    else:
        st.caption(t("plan.limit_note", lang, limit=found.limit_m))
        rows = []
        for item in found.items:
            names[item.layer].setdefault(item.id, item.name)
            # An area-wide need measures from its area: what lies inside it is 0 m away.
            far = distance_label(item.distance_m, found.distance_kind, lang)
            if item.same_area:
                far = f"{far}, {t('plan.in_area', lang)}" if far else t("plan.in_area", lang)
            distance[(item.layer, item.id)] = far
            rows.append({
                t("plan.col_name", lang): item.name,
                t("plan.col_kind", lang): t(f"layer.{item.layer}", lang),
                t("plan.col_distance", lang): distance[(item.layer, item.id)],
                t("plan.col_linked", lang): t("plan.yes", lang) if item.linked else "",
            })
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        else:
            st.info(t("plan.no_candidates", lang, limit=found.limit_m))

    def label(layer: str) -> Any:
        def shown(pin_id: int) -> str:
            far = distance.get((layer, pin_id))
            name = names[layer].get(pin_id, f"#{pin_id}")
            return f"{name} ({far})" if far else name
        return shown

    # Candidates (nearest first), then the rest by name; the linked ones always offered.
    def options(layer: str, linked: tuple[int, ...]) -> list[int]:
        near = [i.id for i in (found.items if found else []) if i.layer == layer]
        rest = sorted(set(names[layer]) - set(near), key=lambda i: names[layer][i].casefold())
        return near + rest + [i for i in linked if i not in names[layer]]

    with st.form(f"{PREFIX}links.{need_id}.{generation}"):
        chosen_resources = st.multiselect(
            t("plan.linked_resources", lang), options("resource", seen.resource_ids),
            default=list(seen.resource_ids), format_func=label("resource"),
            disabled=not may_edit, key=f"{PREFIX}resources.{need_id}.{generation}",
            placeholder=t("plan.pick_some", lang),
        )
        chosen_partners = st.multiselect(
            t("plan.linked_partners", lang), options("partner", seen.partner_ids),
            default=list(seen.partner_ids), format_func=label("partner"),
            disabled=not may_edit, key=f"{PREFIX}partners.{need_id}.{generation}",
            placeholder=t("plan.pick_some", lang) if names["partner"] else t(
                "plan.no_partners", lang),
        )
        submitted = st.form_submit_button(
            t("plan.save_links", lang), disabled=not may_edit, width="stretch"
        )
    if submitted:
        saved = run(url, actor, lambda s: addressing.set_need_links(
            s, actor, need_id, chosen_resources, chosen_partners, seen
        ))
        if saved.error is None:
            state.keep(state.PLAN_LINKS_SEEN)[opened] = saved.value
            # Drawn again, so the candidates' "linked" column shows the saved links.
            state.put(state.PLAN_LINKS_SAVED, need_id)
            st.rerun()
        else:
            _show_conflict(saved.error, lang, names)
            if isinstance(saved.error, ConflictError):
                st.button(
                    t("plan.reload", lang), key=f"{PREFIX}reload.{need_id}",
                    on_click=_reload_links, args=(opened,),
                )
    with st.expander(t("plan.links_history", lang, count=len(read["history"]))):
        if not read["history"]:
            st.caption(t("plan.no_history", lang))
        else:
            st.dataframe(pd.DataFrame([
                {
                    t("editor.col_when", lang): v.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
                    t("editor.col_who", lang): v.changed_by,
                    t("plan.col_change", lang): t(f"plan.op_{v.operation.lower()}", lang),
                    t("plan.col_name", lang): _link_name(names, v.data),
                }
                for v in read["history"]
            ]), hide_index=True, width="stretch")


def _link_name(names: dict[str, dict[int, str]], data: dict[str, Any]) -> str:
    """The name of the partner or resource a link version names (``#id`` once it is gone)."""
    layer = "resource" if "resource_id" in data else "partner"
    ident = data.get(f"{layer}_id")
    return names[layer].get(int(ident or 0), f"#{ident}")


def _reload_links(opened: tuple[int, int]) -> None:
    """Forget the links the form was opened with and its choices: the next draw reads them."""
    state.keep(state.PLAN_LINKS_SEEN).pop(opened, None)
    need_id, generation = opened
    for name in ("resources", "partners"):
        state.pop(f"{PREFIX}{name}.{need_id}.{generation}")


def _show_conflict(error: UserError, lang: str, names: dict[str, dict[int, str]]) -> None:
    st.error(message(error, lang))
    if not isinstance(error, ConflictError):
        return
    layer_of = {"resource_ids": "resource", "partner_ids": "partner"}
    rows = []
    for field, (yours, now) in error.changes.items():
        layer = layer_of.get(field, "")
        def named(ids: Any, layer: str = layer) -> str:
            return "; ".join(names.get(layer, {}).get(int(i), f"#{i}") for i in ids or ())
        rows.append({
            t("editor.col_field", lang): t(f"plan.field_{field}", lang),
            t("editor.col_seen", lang): named(yours),
            t("editor.col_now", lang): named(now),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def action_rows(found: list[ActionInfo], lang: str) -> pd.DataFrame:
    """Actions as a table: title, status, due date, need, area, partners, last change."""
    return pd.DataFrame([
        {
            t("actions.col_title", lang): a.title,
            t("actions.col_status", lang): t(f"actions.status_{a.status}", lang),
            t("actions.col_due_on", lang): a.due_on.isoformat() if a.due_on else "",
            t("actions.col_need", lang): a.need_name,
            t("actions.col_area", lang): a.area_name or "",
            t("actions.col_partners", lang): "; ".join(a.partner_names),
            t("actions.col_updated_by", lang): a.updated_by or "",
        }
        for a in found
    ])


def _actions(
    url: str, actor: Actor, need_id: int, lang: str, may_edit: bool,
    found: list[ActionInfo], partners: dict[int, str],
) -> None:
    st.subheader(t("plan.actions_heading", lang), anchor=False)
    added = state.pop(state.PLAN_NOTE)
    if added:
        st.success(t("plan.action_added", lang, title=added))
    if found:
        st.dataframe(action_rows(found, lang), hide_index=True, width="stretch")
    else:
        st.caption(t("plan.no_actions", lang))
    st.caption(t("plan.open_page", lang))
    if not may_edit:
        return
    generation = state.get(state.PLAN_FORM, 0)
    with st.form(f"{PREFIX}add.{need_id}.{generation}"):
        title = st.text_input(t("actions.col_title", lang), max_chars=300)
        description = st.text_area(t("actions.col_description", lang), height=80)
        chosen = st.multiselect(
            t("actions.col_partners", lang), sorted(partners, key=lambda i: partners[i].casefold()),
            format_func=lambda i: partners.get(i, f"#{i}"),
            placeholder=t("plan.pick_some", lang) if partners else t("plan.no_partners", lang),
        )
        due, status = st.columns(2)
        due_on = due.date_input(
            t("actions.col_due_on", lang), value=None, min_value=dt.date(2000, 1, 1),
            format="YYYY-MM-DD",
        )
        status_code = status.selectbox(
            t("actions.col_status", lang), list(actions.ACTION_STATUSES),
            format_func=lambda s: t(f"actions.status_{s}", lang),
        )
        submitted = st.form_submit_button(t("plan.add_action", lang), type="primary",
                                          width="stretch")
    if not submitted:
        return
    added = run(url, actor, lambda s: actions.create_action(
        s, actor, need_id, title, description=description or None, partner_ids=chosen,
        due_on=due_on, status=status_code,
    ))
    if added.error is not None:
        show_error(added.error, lang)
        return
    state.bump(state.PLAN_FORM)
    state.put(state.PLAN_NOTE, title.strip())
    st.rerun()
