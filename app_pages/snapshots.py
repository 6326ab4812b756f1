"""Snapshots: list the named dates, save one (admins, editors), compare two, delete (admins)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from mapping.analysis import changes
from mapping.analysis.export_data import LOCAL_TIMEZONE
from mapping.i18n import t
from mapping.services import snapshots
from mapping.services.accounts import Actor
from mapping.ui import cached_reads, sidebar, state
from mapping.ui.page import open_page, run
from mapping.ui.safe_text import md_t

PREFIX = state.SNAPSHOTS

page = open_page("snapshots")
lang, url = page.lang, page.url
actor = page.require_actor()


@st.cache_data(ttl=600, show_spinner=False)
def _report(
    url: str, who: tuple[str, str, tuple[int, ...]], _actor: Actor, before: str, after: str,
    taken: tuple[dt.datetime, dt.datetime], team_id: int | None, area_id: int | None,
) -> changes.ChangeReport | dict:
    """The comparison of two snapshots as ``_actor`` sees them, or the error to show.

    Cached values are shared by every user: ``who`` (username, role, teams)
    puts the actor in the key. ``taken`` keys it on the snapshots' moments,
    so a snapshot deleted and saved again under its name is compared afresh.
    """
    outcome = run(
        url, _actor,
        lambda s: snapshots.compare_snapshots(
            s, _actor, before, after, team_id=team_id, area_id=area_id
        ),
    )
    if outcome.error is not None:
        return {"key": outcome.error.key, "params": outcome.error.params}
    return outcome.value


def _counts_table(units: list[changes.UnitChanges]) -> pd.DataFrame:
    """One row per unit, one column per kind of change, Polish (or English) headings."""
    return pd.DataFrame(
        [{t("snapshots.col_unit", lang): u.name,
          **{t(f"change.{k}", lang): n for k, n in u.counts().items()}} for u in units]
    )


def _details(unit: changes.UnitChanges) -> None:
    """The names behind one unit's counts."""
    if unit.is_empty:
        st.caption(t("snapshots.nothing", lang))
        return
    for kind in changes.KINDS:
        names = unit.names(kind)
        if names:
            st.markdown(f"**{t(f'change.{kind}', lang)}** ({len(names)})")
            st.text("\n".join(names))


st.title(t("snapshots.heading", lang), anchor=False)
st.caption(t("snapshots.intro", lang))

page.show_flash()

listed = page.run(snapshots.list_snapshots)
if listed.error is not None:
    page.show_error(listed.error)
    st.stop()
known: list = listed.value

st.subheader(t("snapshots.list_heading", lang), anchor=False)
if known:
    st.dataframe(
        pd.DataFrame(
            {
                t("snapshots.col_name", lang): [s.name for s in known],
                t("snapshots.col_date", lang): [s.on_date.isoformat() for s in known],
                t("snapshots.col_created_by", lang): [s.created_by or "" for s in known],
            }
        ),
        hide_index=True,
        key=PREFIX + "list",
    )
else:
    st.info(t("snapshots.none", lang))

if actor.can_edit:
    st.subheader(t("snapshots.create_heading", lang), anchor=False)
    today = dt.datetime.now(LOCAL_TIMEZONE).date()
    with st.form(PREFIX + "create_form", clear_on_submit=False, border=False):
        name = st.text_input(t("snapshots.name", lang), key=PREFIX + "name", max_chars=200)
        on_date = st.date_input(
            t("snapshots.date", lang), value=today, max_value=today,
            min_value=dt.date(2000, 1, 1), key=PREFIX + "date", format="YYYY-MM-DD",
            help=t("snapshots.date_help", lang),
        )
        submitted = st.form_submit_button(t("snapshots.create", lang), type="primary")
    if submitted:
        # Today, left as it is, means "now": the snapshot freezes the moment of the click.
        moment = None if on_date == today else on_date
        made = page.run(lambda s: snapshots.create_snapshot(s, actor, name, moment))
        if made.error is not None:
            page.show_error(made.error)
        else:
            page.flash("snapshots.created", name=made.value.name,
                       date=made.value.on_date.isoformat())
            st.rerun()

st.subheader(t("snapshots.compare_heading", lang), anchor=False)
if len(known) < 2:
    st.info(t("snapshots.need_two", lang))
else:
    names = [s.name for s in known]
    left, right = st.columns(2)
    before = left.selectbox(
        t("snapshots.before", lang), names, index=len(names) - 2, key=PREFIX + "before"
    )
    after = right.selectbox(
        t("snapshots.after", lang), names, index=len(names) - 1, key=PREFIX + "after"
    )
    # The sidebar's choice narrows the comparison: an area, else a team, else the city
    # (when the city is one area tree with a single top).
    team_id, area_id = state.team_id(), state.area_id()
    if team_id is None and area_id is None:
        tops = [c for c in cached_reads.area_choices(url, state.city(), None) if c.depth == 0]
        area_id = tops[0].id if len(tops) == 1 else None
    st.caption(md_t("snapshots.scope", lang, place=sidebar.current_place(url, lang)))
    if before == after:
        st.warning(t("snapshots.same", lang))
    else:
        moments = {s.name: s.taken_at for s in known}
        who = (actor.username, actor.role, tuple(sorted(actor.team_ids)))
        report = _report(
            url, who, actor, before, after, (moments[before], moments[after]), team_id, area_id
        )
        if isinstance(report, dict):
            st.error(md_t(report["key"], lang, **report["params"]))
        else:
            st.markdown(
                "#### " + md_t("snapshots.city_totals", lang,
                               before=report.before_label, after=report.after_label)
            )
            totals = report.city.counts()
            columns = st.columns(4)
            for i, kind in enumerate(changes.KINDS):
                columns[i % 4].metric(t(f"change.{kind}", lang), totals[kind])
            _details(report.city)
            for level, heading in ((changes.TEAM, "snapshots.by_team"),
                                   (changes.AREA, "snapshots.by_area")):
                units = report.units(level)
                if not units:
                    continue
                st.markdown("#### " + t(heading, lang))
                st.dataframe(_counts_table(units), hide_index=True, key=PREFIX + level)
                for unit in units:
                    if not unit.is_empty:
                        with st.expander(md_t("snapshots.details", lang, name=unit.name)):
                            _details(unit)

if actor.is_admin and known:
    st.subheader(t("snapshots.delete_heading", lang), anchor=False)
    doomed = st.selectbox(
        t("snapshots.delete_choice", lang), [s.name for s in known], index=None,
        key=PREFIX + "doomed",
    )
    if (st.button(t("snapshots.delete", lang), key=PREFIX + "delete", disabled=doomed is None)
            and doomed is not None):
        chosen_snapshot = doomed  # the button is disabled until a snapshot is chosen
        gone = page.run(lambda s: snapshots.delete_snapshot(s, actor, chosen_snapshot))
        if gone.error is not None:
            page.show_error(gone.error)
        else:
            page.flash("snapshots.deleted", name=doomed)
            st.rerun()
