"""Teams and partnerships: partnerships as a list and on the map, their members; district teams."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mapping import catalog
from mapping.i18n import t
from mapping.maps.overview import overview_map
from mapping.services import layers, partnerships, teams
from mapping.ui import cached_reads, live_map, state
from mapping.ui.page import open_page
from mapping.ui.safe_text import md, md_t

PREFIX = state.TEAMS
CHOSEN = state.TEAMS_CHOSEN
EARLIEST = dt.date(1990, 1, 1)

page = open_page("teams")
lang, cfg = page.lang, page.cfg
actor = page.require_actor()
act = page.act

st.title(t("teams.heading", lang), anchor=False)
page.show_flash()


def day(value: dt.date | None) -> str:
    """A date as the lists show it."""
    return value.isoformat() if value else "—"


def _read(session):  # the runner's session → what both tabs show
    summaries = partnerships.list_partnerships(session, actor, state.city(), state.team_id())
    area_choices = layers.area_choices(session, state.city())
    city_partners = layers.pins(
        session, "partner", [a.id for a in area_choices], ("public", "partnership", "team")
    )
    return (summaries, teams.list_teams(session), area_choices, catalog.entries(session),
            city_partners)


summaries, team_list, area_choices, catalogue, city_partners = page.run(_read).unwrap()
team_names = {team.id: team.name for team in team_list}
area_names = {a.id: a.name for a in area_choices}
my_teams = [team.id for team in team_list if actor.may_edit_team(team.id)]

partnership_tab, team_tab = st.tabs([t("teams.tab_partnerships", lang), t("teams.tab_teams", lang)])

with partnership_tab:
    if not summaries:
        st.info(t("teams.no_partnerships", lang))
    else:
        st.dataframe(
            [
                {
                    t("teams.col_name", lang): s.name,
                    t("teams.col_formed_on", lang): day(s.formed_on),
                    t("teams.col_team", lang): s.team_name or "—",
                    t("teams.col_areas", lang): ", ".join(s.area_names) or "—",
                    t("teams.col_members", lang): s.members,
                }
                for s in summaries
            ],
            hide_index=True,
            width="stretch",
        )
        by_id = {s.id: s for s in summaries}
        if state.get(CHOSEN) not in by_id:
            state.put(CHOSEN, summaries[0].id)
        chosen = st.selectbox(
            t("teams.choose_partnership", lang), list(by_id),
            format_func=lambda i: by_id[i].name, key=CHOSEN,
        )
        view = page.run(lambda s: partnerships.partnership_view(s, actor, chosen)).unwrap()
        st.subheader(md(view.summary.name), anchor=False)
        st.caption(
            md_t("teams.partnership_caption", lang, formed_on=day(view.summary.formed_on),
                 team=view.summary.team_name or "—")
        )
        if view.description:
            # Plain text: what the team typed, line breaks and all, never Markdown.
            st.text(view.description)
        leaflet = cached_reads.leaflet_links()
        folium_map = overview_map(
            view.areas, {"partner": view.partners}, catalogue, lang,
            tiles_url=cfg.tiles_url, tiles_attribution=cfg.tiles_attribution,
            leaflet=leaflet, store=cached_reads.pin_store_here(),
        )
        # Mounted once (one key for every partnership): another partnership
        # or a rerun swaps the areas and pins in place, the map stays.
        live_map.show(folium_map, key=PREFIX + "map", height=460, leaflet=leaflet)
        if view.partners.empty:
            st.caption(t("teams.no_placed_members", lang))
        st.dataframe(
            [
                {
                    t("teams.col_partner", lang): m.partner_name,
                    t("teams.col_role", lang): m.role or "—",
                    t("teams.col_joined_on", lang): day(m.joined_on),
                    t("teams.col_left_on", lang): day(m.left_on),
                }
                for m in view.members
            ],
            hide_index=True,
            width="stretch",
        )
        if view.may_manage:
            ref = partnerships.PartnershipRef(view.summary.id, view.summary.version)
            with st.expander(t("teams.add_member", lang)):
                member_ids = {m.partner_id for m in view.members}
                candidates = {
                    int(i): str(n)
                    for i, n in zip(city_partners["id"], city_partners["name"], strict=True)
                    if int(i) not in member_ids
                }
                with st.form(PREFIX + "add_member"):
                    partner_id = st.selectbox(t("teams.col_partner", lang), list(candidates),
                                              format_func=lambda i: candidates[i])
                    role = st.text_input(t("teams.col_role", lang))
                    joined = st.date_input(t("teams.col_joined_on", lang), value=None,
                                           min_value=EARLIEST, format="YYYY-MM-DD")
                    if st.form_submit_button(t("teams.add_member", lang)) and partner_id:
                        act(lambda s: partnerships.add_member(
                            s, actor, view.summary.id, partner_id, role=role, joined_on=joined
                        ), "teams.member_added")
            if view.members:
                with st.expander(t("teams.edit_member", lang)):
                    members = {m.id: m for m in view.members}
                    member_id = st.selectbox(
                        t("teams.col_partner", lang), list(members),
                        format_func=lambda i: members[i].partner_name,
                        key=PREFIX + "member",
                    )
                    member = members[member_id]
                    with st.form(f"{PREFIX}edit_member.{member.id}.{member.version}"):
                        role = st.text_input(t("teams.col_role", lang), value=member.role or "")
                        joined = st.date_input(t("teams.col_joined_on", lang),
                                               value=member.joined_on, min_value=EARLIEST,
                                               format="YYYY-MM-DD")
                        left = st.date_input(t("teams.col_left_on", lang), value=member.left_on,
                                             min_value=EARLIEST, format="YYYY-MM-DD")
                        member_ref = partnerships.MemberRef(member.id, member.version)
                        save_col, remove_col = st.columns(2)
                        if save_col.form_submit_button(t("teams.save", lang)):
                            act(lambda s: partnerships.update_member(
                                s, actor, member_ref,
                                {"role": role, "joined_on": joined, "left_on": left},
                            ), "teams.member_saved")
                        if remove_col.form_submit_button(t("teams.remove_member", lang)):
                            act(lambda s: partnerships.remove_member(s, actor, member_ref),
                                "teams.member_removed")
            with st.expander(t("teams.edit_partnership", lang)):
                with st.form(f"{PREFIX}edit.{ref.id}.{ref.version}"):
                    name = st.text_input(t("teams.col_name", lang), value=view.summary.name)
                    formed = st.date_input(t("teams.col_formed_on", lang),
                                           value=view.summary.formed_on, min_value=EARLIEST,
                                           format="YYYY-MM-DD")
                    description = st.text_area(t("teams.description", lang),
                                               value=view.description or "")
                    covered = st.multiselect(
                        t("teams.col_areas", lang), list(area_names),
                        default=[i for i in view.area_ids if i in area_names],
                        format_func=lambda i: area_names[i],
                    )
                    if st.form_submit_button(t("teams.save", lang)):
                        # Areas of other cities stay: the list shows this city's only.
                        others = [i for i in view.area_ids if i not in area_names]

                        def save_partnership(s) -> None:  # the runner's session
                            partnerships.update_partnership(
                                s, actor, ref,
                                {"name": name, "formed_on": formed, "description": description},
                            )
                            partnerships.set_areas(s, actor, ref.id, [*covered, *others])

                        act(save_partnership, "teams.partnership_saved")
    if actor.can_edit and my_teams:
        with st.expander(t("teams.new_partnership", lang)):
            with st.form(PREFIX + "new_partnership"):
                name = st.text_input(t("teams.col_name", lang))
                formed = st.date_input(t("teams.col_formed_on", lang), value=None,
                                       min_value=EARLIEST, format="YYYY-MM-DD")
                owner = st.selectbox(t("teams.col_team", lang), my_teams,
                                     format_func=lambda i: team_names[i])
                covered = st.multiselect(t("teams.col_areas", lang), list(area_names),
                                         format_func=lambda i: area_names[i])
                if st.form_submit_button(t("teams.create", lang)):
                    act(lambda s: partnerships.create_partnership(
                        s, actor, name=name, formed_on=formed, team_id=owner, area_ids=covered
                    ), "teams.partnership_created")

with team_tab:
    st.dataframe(
        [
            {
                t("teams.col_code", lang): team.code,
                t("teams.col_name", lang): team.name,
                t("teams.col_city", lang): team.city or "—",
                t("teams.col_members", lang): ", ".join(team.members) or "—",
                t("teams.col_areas", lang): ", ".join(
                    area_names.get(i, str(i)) for i in team.area_ids if i in area_names
                ) or "—",
            }
            for team in team_list
            if state.city() is None or team.city in (None, state.city())
            or any(i in area_names for i in team.area_ids)
        ],
        hide_index=True,
        width="stretch",
    )
    if actor.is_admin:
        with st.expander(t("teams.new_team", lang)):
            with st.form(PREFIX + "new_team"):
                code = st.text_input(t("teams.col_code", lang))
                name = st.text_input(t("teams.col_name", lang))
                city = st.text_input(t("teams.col_city", lang), value=state.city() or "")
                if st.form_submit_button(t("teams.create", lang)):
                    act(lambda s: teams.create_team(s, actor, code=code, name=name, city=city),
                        "teams.team_created")
        if team_list:
            by_team = {team.id: team for team in team_list}
            team_id = st.selectbox(t("teams.choose_team", lang), list(by_team),
                                   format_func=lambda i: by_team[i].name, key=PREFIX + "team")
            team = by_team[team_id]
            with st.expander(t("teams.rename_team", lang)):
                with st.form(f"{PREFIX}rename.{team.id}.{team.version}"):
                    name = st.text_input(t("teams.col_name", lang), value=team.name)
                    city = st.text_input(t("teams.col_city", lang), value=team.city or "")
                    description = st.text_area(t("teams.description", lang),
                                               value=team.description or "")
                    if st.form_submit_button(t("teams.save", lang)):
                        team_ref = teams.TeamRef(team.id, team.version)
                        act(lambda s: teams.update_team(
                            s, actor, team_ref,
                            {"name": name, "city": city, "description": description},
                        ), "teams.team_saved")
            with st.expander(t("teams.team_members", lang)):
                users = page.run(teams.usernames).unwrap()
                username = st.selectbox(t("teams.user", lang), users, key=PREFIX + "user")
                add_col, remove_col = st.columns(2)
                if add_col.button(t("teams.add_to_team", lang), key=PREFIX + "add_user"):
                    act(lambda s: teams.add_member(s, actor, team.id, username),
                        "teams.team_saved")
                if remove_col.button(t("teams.remove_from_team", lang),
                                     key=PREFIX + "remove_user"):
                    act(lambda s: teams.remove_member(s, actor, team.id, username),
                        "teams.team_saved")
            with st.expander(t("teams.assign_areas", lang)):
                with st.form(f"{PREFIX}assign.{team.id}"):
                    chosen_areas = st.multiselect(
                        t("teams.col_areas", lang), list(area_names),
                        format_func=lambda i: area_names[i],
                    )
                    if st.form_submit_button(t("teams.assign", lang)):

                        def assign(s) -> None:  # the runner's session
                            for area in chosen_areas:
                                teams.assign_area(s, actor, area, team.id)

                        act(assign, "teams.team_saved")
