"""Resident surveys: import a wave's answers, see its indicators, publish needs, delete a wave.

Widgets in → ``surveys`` services (in a transaction as the signed-in user,
under row-level security) → render out. Only editors and admins get here;
answers are visible to the owning team only, and everything shown from a
wave has passed disclosure control (``surveys.disclosure``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapping.errors import UserError
from mapping.i18n import t
from mapping.services import layers
from mapping.services.layers import VISIBILITIES
from mapping.ui import cached_reads, sidebar, state
from mapping.ui.page import message, open_page
from mapping.ui.safe_text import md, md_t
from mapping.ui.uploader import file_upload
from surveys import answers, choropleth, indicators, publish, store, templates, xlsform

PREFIX = state.SURVEY
# Long enough for a file someone is fixing, short enough to forget it soon.
PREVIEW_TTL = 300


def _run(work: Any) -> Any:
    """``work`` through the page's runner; a user error comes back as the value."""
    outcome = page.run(work)
    return outcome.error if outcome.error is not None else outcome.value


@st.cache_data(ttl=PREVIEW_TTL, max_entries=8, show_spinner=False)
def _parse(
    username: str, digest: str, form_json: str, overrides: tuple[tuple[str, str], ...],
    _content: bytes, _filename: str,
) -> answers.ParsedAnswers | UserError:
    # Keyed by the user, the file's digest, the form and the chosen columns;
    # the file's bytes are not hashed again. A rerun (a click anywhere) does
    # not read 100,000 rows again.
    form = xlsform.FormDefinition.from_json(json.loads(form_json))
    try:
        table = answers.read_export(_content, _filename)
        mapping = answers.map_columns(form, table, dict(overrides))
    except UserError as exc:
        return exc
    return answers.parse_answers(form, table, mapping)


def _errors_frame(errors: list[answers.RowError], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("bulk.col_row", lang): e.row,
                t("bulk.col_column", lang): e.column or "",
                t("bulk.col_value", lang): e.value or "",
                t("bulk.col_problem", lang): e.message(lang),
            }
            for e in errors[:2000]
        ]
    )


def _teams() -> dict[int, str]:
    """The teams whose surveys the actor may manage."""
    found = page.run(layers.teams).unwrap()
    return {team.id: team.name for team in found if actor.may_edit_team(team.id)}


def _estates(url: str) -> list[str] | None:
    """The chosen city's estates (for the template), or None to use the default list."""
    choices = cached_reads.area_choices(url, state.city(), None)
    names = [c.name for c in choices if c.kind == "estate"]
    return sorted(names, key=str.casefold) or None


# --- the page ---------------------------------------------------------------------------

page = open_page("surveys")
lang, cfg, url = page.lang, page.cfg, page.url
st.title(md_t("survey.heading", lang, place=sidebar.current_place(url, lang)), anchor=False)
actor = page.require_editor()
teams = _teams()
if not teams:
    st.info(t("survey.no_team", lang))
    st.stop()

tab_import, tab_results, tab_delete = st.tabs(
    [t("survey.tab_import", lang), t("survey.tab_results", lang), t("survey.tab_delete", lang)]
)

# --- import -----------------------------------------------------------------------------


def import_tab() -> None:
    """Choose the team, form and wave; upload answers; check every row; import whole."""
    st.write(t("survey.import_intro", lang))
    with st.expander(t("survey.templates", lang)):
        st.caption(t("survey.templates_note", lang))
        estates = _estates(url)
        left, right = st.columns(2)
        for column, kind in zip((left, right), templates.TEMPLATES, strict=True):
            column.download_button(
                t(f"survey_template.{kind}", lang),
                templates.template_xlsx(kind, estates=estates),
                file_name=f"{templates.FORM_IDS[kind]}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"{PREFIX}template.{kind}",
            )
    chosen_team = state.team_id()
    default_team = chosen_team if chosen_team in teams else next(iter(teams))
    team_id = st.selectbox(
        t("survey.team", lang), list(teams), format_func=lambda team: teams[team],
        index=list(teams).index(default_team), key=f"{PREFIX}team",
    )
    source = st.radio(
        t("survey.form_source", lang), ["estate", "seniors", "upload"],
        format_func=lambda code: t(f"survey_form.{code}", lang), horizontal=True,
        key=f"{PREFIX}form_source",
    )
    form_bytes: bytes | None = None
    form_name = f"{source}.xlsx"
    if source == "upload":
        uploaded_form = file_upload(
            t("survey.form_upload", lang), lang, types=["xlsx", "xls"], key=f"{PREFIX}form_file"
        )
        if uploaded_form is not None:
            form_bytes, form_name = uploaded_form.getvalue(), uploaded_form.name
    else:
        version = st.text_input(
            t("survey.form_version", lang), value=str(dt.date.today().year),
            key=f"{PREFIX}version",
        )
        form_bytes = templates.template_xlsx(source, version.strip() or None, _estates(url))
    if form_bytes is None:
        return
    try:
        form = xlsform.load_xlsform(form_bytes, form_name)
        form.check_usable()
    except UserError as exc:
        st.error(message(exc, lang))
        return
    st.caption(
        md_t("survey.form_summary", lang, title=form.title, form=form.form_id,
             version=form.version, questions=len(form.mapped_questions),
             categories=len(form.categories()))
    )
    left, mid, right = st.columns(3)
    wave_name = left.text_input(
        t("survey.wave_name", lang), value=form.version, key=f"{PREFIX}wave_name"
    )
    collected_from = mid.date_input(t("survey.collected_from", lang), value=None,
                                    key=f"{PREFIX}from")
    collected_to = right.date_input(t("survey.collected_to", lang), value=None,
                                    key=f"{PREFIX}to")
    upload = file_upload(
        t("survey.answers_upload", lang), lang, types=["csv", "txt", "tsv", "xlsx"],
        key=f"{PREFIX}answers_file",
    )
    if upload is None:
        return
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    form_json = json.dumps(form.to_json(), sort_keys=True)
    overrides = tuple(sorted((state.get(state.SURVEY_OVERRIDES) or {}).items()))
    parsed = _parse(actor.username, digest, form_json, overrides, content, upload.name)
    if isinstance(parsed, UserError):
        st.error(message(parsed, lang))
        return
    table = parsed.table
    if table.file_format == "xlsx":
        st.caption(md_t("survey.read_xlsx", lang, filename=table.filename, rows=len(table.rows)))
    else:
        delimiter = {";": "semicolon", ",": "comma", "\t": "tab"}.get(table.delimiter or ",")
        st.caption(
            md_t("bulk.read_csv", lang, filename=table.filename, encoding=table.encoding,
                 delimiter=t(f"bulk_delimiter.{delimiter}", lang), rows=len(table.rows))
        )
    st.caption(t("survey.detected_source", lang,
                 source=t(f"survey_source.{parsed.mapping.source}", lang)))

    st.subheader(t("survey.mapping_heading", lang))
    questions = {q.xpath: q for q in (*form.mapped_questions,)}
    if form.area_question is not None:
        questions[form.area_question.xpath] = form.area_question
    used = parsed.mapping.used()
    st.dataframe(
        [
            {
                t("survey.col_question", lang): (
                    t("survey.field_id", lang) if path == "_id"
                    else t("survey.field_point", lang) if path == "_point"
                    else questions[path].label(lang)
                ),
                t("survey.col_columns", lang): ", ".join(headings[:6])
                + (f" (+{len(headings) - 6})" if len(headings) > 6 else ""),
            }
            for path, headings in used.items()
        ],
        hide_index=True, width="stretch",
    )
    with st.expander(t("survey.change_mapping", lang)):
        choices = ["", *table.headings]
        chosen: dict[str, str] = {}
        for path, question in questions.items():
            current = used.get(path, [""])
            pick = st.selectbox(
                md(question.label(lang)), choices,  # a label is Markdown; the form is a file
                index=choices.index(current[0]) if len(current) == 1 and current[0] in choices
                else 0,
                key=f"{PREFIX}map.{path}",
            )
            if pick and (len(current) != 1 or pick != current[0]):
                chosen[path] = pick
        if st.button(t("survey.apply_mapping", lang), key=f"{PREFIX}apply_mapping"):
            state.put(state.SURVEY_OVERRIDES, chosen)
            st.rerun()
    if parsed.mapping.personal:
        st.warning(md_t("survey.personal_columns", lang,
                        columns=", ".join(parsed.mapping.personal)))
    if parsed.mapping.ignored:
        st.caption(md_t("bulk.ignored_columns", lang,
                        columns=", ".join(parsed.mapping.ignored)))

    def check(session: Any) -> store.ImportReport:
        wave = store.existing_wave(session, wave_name, int(team_id))
        return store.check_answers(session, form, int(team_id), parsed, wave).report

    report = _run(check)
    if isinstance(report, UserError):
        st.error(message(report, lang))
        return
    st.write(t("survey.summary", lang, ready=report.ready, total=report.total,
               estate=report.by_estate, point=report.by_point, areas=len(report.areas)))
    if report.errors:
        st.subheader(t("bulk.errors_heading", lang, rows=len(report.failed_rows)))
        st.dataframe(_errors_frame(report.errors, lang), hide_index=True,
                     width="stretch")
        st.warning(t("survey.fix_and_reupload", lang))
        st.button(t("survey.import", lang, count=report.ready), disabled=True,
                  key=f"{PREFIX}import_disabled")
        return
    done = state.keep(state.SURVEY_IMPORTED)
    token = f"{digest}:{team_id}:{wave_name}:{form.form_id}:{form.version}"
    if token in done:
        st.success(md_t("survey.imported", lang, count=done[token], wave=wave_name))
        return
    if st.button(t("survey.import", lang, count=report.ready), type="primary",
                 key=f"{PREFIX}import"):

        def do_import(session: Any) -> store.ImportReport:
            form_row = store.register_form(session, form, form_bytes, actor)
            wave = store.wave_for_import(
                session, actor, form_row, wave_name, int(team_id),
                collected_from or None, collected_to or None,
            )
            return store.import_answers(session, actor, wave, form, parsed)

        with st.spinner(t("survey.importing", lang)):
            outcome = _run(do_import)
        if isinstance(outcome, store.SurveyImportError):
            st.error(message(outcome, lang))
            st.dataframe(_errors_frame(outcome.report.errors, lang), hide_index=True)
        elif isinstance(outcome, UserError):
            st.error(message(outcome, lang))
        else:
            done[token] = outcome.ready
            st.success(md_t("survey.imported", lang, count=outcome.ready, wave=wave_name))


with tab_import:
    import_tab()

# --- indicators, map, chart, publishing ---------------------------------------------------
waves = _run(store.list_waves)
if isinstance(waves, UserError):
    waves = []
wave_labels = {
    w.id: f"{w.name} – {w.team_name} ({w.form_id} v{w.version}, {w.respondents})" for w in waves
}

with tab_results:
    if not waves:
        st.info(t("survey.no_waves", lang))
    else:
        wave_id = st.selectbox(t("survey.wave", lang), list(wave_labels),
                               format_func=lambda wave: wave_labels[wave], key=f"{PREFIX}wave")
        result = _run(lambda s: indicators.wave_indicators(s, int(wave_id)))
        if isinstance(result, UserError):
            st.error(message(result, lang))
        else:
            table_data: indicators.WaveIndicators = result
            st.caption(
                t("survey.thresholds_note", lang, default=table_data.thresholds.default,
                  sensitive=table_data.thresholds.sensitive, mark=indicators.SUPPRESSED)
            )
            if table_data.previous is not None:
                st.caption(md_t("survey.compared_with", lang, wave=table_data.previous.name))
            keys = list(dict.fromkeys(row.key for row in table_data.rows))
            labels = {row.key: row.label(lang) for row in table_data.rows}
            layer_names = {
                "need": t("layer.need", lang), "resource": t("layer.resource", lang),
                "target_group": t("field.target_groups", lang),
            }
            key = st.selectbox(
                t("survey.map_category", lang), keys,
                format_func=lambda k: f"{layer_names[k.split(':')[0]]}: {labels[k]}",
                key=f"{PREFIX}map_category",
            )
            rows = table_data.for_category(key)
            kind = choropleth.level_of(rows)
            area_frame = page.run(layers.areas).unwrap()
            st.subheader(md_t("survey.map_heading", lang, category=labels[key]))
            folium_map = choropleth.choropleth_map(
                area_frame, rows, lang, kind=kind, tiles_url=cfg.tiles_url,
                tiles_attribution=cfg.tiles_attribution, leaflet=cached_reads.leaflet_links(),
            )
            st_folium(folium_map, key=f"{PREFIX}choropleth", height=480,
                      use_container_width=True, returned_objects=[])

            areas_in_table = table_data.areas()
            area_names = {a[0]: a[1] or t("survey.all_areas", lang) for a in areas_in_table}
            chart_area = st.selectbox(
                t("survey.chart_area", lang), list(area_names),
                format_func=lambda a: area_names[a], key=f"{PREFIX}chart_area",
            )
            area_rows = table_data.for_area(chart_area)
            shown = [r for r in area_rows if r.share is not None and r.layer == "need"]
            hidden_count = sum(1 for r in area_rows if r.layer == "need" and r.share is None)
            if shown:
                chart_frame = pd.DataFrame(
                    {"label": [r.label(lang) for r in shown], "share": [r.share for r in shown]}
                )
                chart = (
                    alt.Chart(chart_frame)
                    .mark_bar(color="#de2d26")
                    .encode(
                        x=alt.X("share:Q", title=t("survey.col_share", lang),
                                scale=alt.Scale(domain=[0, 100])),
                        y=alt.Y("label:N", sort="-x", title=None),
                        tooltip=["label", "share"],
                    )
                )
                st.altair_chart(chart, width="stretch")
            if hidden_count:
                st.caption(t("survey.chart_hidden", lang, count=hidden_count))

            records = indicators.records(table_data, lang)
            frame = pd.DataFrame(records)[
                ["area", "label", "respondents", "count", "share", "rank", "change"]
            ].rename(columns={
                "area": t("survey.col_area", lang), "label": t("survey.col_category", lang),
                "respondents": t("survey.col_respondents", lang),
                "count": t("survey.col_count", lang), "share": t("survey.col_share", lang),
                "rank": t("survey.col_rank", lang), "change": t("survey.col_change", lang),
            })
            st.subheader(t("survey.table_heading", lang))
            st.dataframe(frame.astype(str).replace({"None": "", "nan": ""}), hide_index=True,
                         width="stretch")
            st.download_button(
                t("survey.download_csv", lang), indicators.to_csv(table_data, lang),
                file_name=f"wskazniki_{table_data.wave.name}.csv", mime="text/csv",
                key=f"{PREFIX}download",
            )

            st.subheader(t("survey.publish_heading", lang))
            st.caption(t("survey.publish_note", lang))
            candidates = {
                f"{r.area_id}:{r.category}": r for r in table_data.rows if r.publishable
            }
            picked = st.multiselect(
                t("survey.publish_choose", lang), list(candidates),
                format_func=lambda c: f"{candidates[c].area_name} – {candidates[c].label(lang)} "
                f"({candidates[c].share}%)",
                key=f"{PREFIX}publish_choice",
            )
            visibility = st.selectbox(
                t("field.visibility", lang), VISIBILITIES, index=VISIBILITIES.index("partnership"),
                format_func=lambda v: t(f"visibility.{v}", lang), key=f"{PREFIX}visibility",
            )
            if st.button(t("survey.publish", lang, count=len(picked)), disabled=not picked,
                         key=f"{PREFIX}publish"):
                choices_made = [
                    publish.Choice(int(candidates[c].area_id or 0), candidates[c].category)
                    for c in picked
                ]
                outcome = _run(
                    lambda s: publish.publish_needs(s, actor, int(wave_id), choices_made,
                                                    visibility=visibility),
                )
                if isinstance(outcome, UserError):
                    st.error(message(outcome, lang))
                else:
                    cached_reads.overview.clear()
                    st.success(t("survey.published", lang, count=len(outcome)))

# --- deleting a wave -----------------------------------------------------------------------
with tab_delete:
    if not waves:
        st.info(t("survey.no_waves", lang))
    else:
        st.write(t("survey.delete_intro", lang))
        doomed = st.selectbox(t("survey.wave", lang), list(wave_labels),
                              format_func=lambda wave: wave_labels[wave],
                              key=f"{PREFIX}delete_wave")
        sure = st.checkbox(t("survey.delete_confirm", lang), key=f"{PREFIX}delete_sure")
        if st.button(t("survey.delete", lang), disabled=not sure, type="primary",
                     key=f"{PREFIX}delete"):

            outcome = _run(lambda s: store.delete_wave_by_id(s, actor, int(doomed)))
            if isinstance(outcome, UserError):
                st.error(message(outcome, lang))
            else:
                st.success(md_t("survey.deleted", lang, wave=wave_labels[doomed], count=outcome))
