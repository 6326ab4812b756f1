"""The import page's second kind of file: the field form's export, all three layers at once.

A KoboToolbox or ODK Central export of the form from ``calmap field template``
goes through ``field_capture.check_file`` (the preview: every row checked,
nothing written) and ``field_capture.import_file`` (all or nothing), the very
functions ``calmap field import`` calls, so the page and the command give
the same checks and the same report: each bad row with its number, points
with a weak GPS fix flagged, submissions imported before skipped.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from mapping.i18n import t
from mapping.io import bulk, field_capture, field_form
from mapping.io.bulk import RowError
from mapping.io.field_capture import FieldReport
from mapping.ui import state
from mapping.ui.page import Page
from mapping.ui.safe_text import md_t
from mapping.ui.uploader import file_upload

FIELD = state.BULK + "field."  # the widgets' keys


def _rows(problems: list[RowError], lang: str) -> list[dict[str, object]]:
    return [
        {
            t("bulk.col_row", lang): problem.row,
            t("bulk.col_column", lang): problem.column or "",
            t("bulk.col_value", lang): problem.value or "",
            t("bulk.col_problem", lang): problem.message(lang),
        }
        for problem in problems
    ]


def show_report(report: FieldReport, lang: str) -> None:
    """The report as the command prints it: errors, weak GPS fixes, skipped submissions."""
    if report.errors:
        st.subheader(t("bulk.errors_heading", lang, rows=len(report.failed_rows)), anchor=False)
        st.dataframe(_rows(report.errors, lang), hide_index=True)
        st.warning(t("bulk.fix_and_reupload", lang))
    if report.low_accuracy:
        st.subheader(t("bulk.field_flagged", lang, rows=len(report.low_accuracy)), anchor=False)
        st.dataframe(_rows(report.low_accuracy, lang), hide_index=True)
    if report.skipped:
        with st.expander(t("bulk.field_skipped", lang, rows=len(report.skipped))):
            st.dataframe(_rows(report.skipped, lang), hide_index=True)


def _counts(report: FieldReport) -> dict[str, int]:
    return {**report.counts(), "skipped": len(report.skipped), "flagged": len(report.low_accuracy)}


def _template(page: Page, team_id: int | None) -> bytes | None:
    """The field form (XLSForm) with the catalogue and, for a chosen team, its areas."""

    def work(session: Any) -> bytes:
        areas = field_form.team_area_names(session, team_id) if team_id else []
        sheets = field_form.form_sheets(
            field_form.form_entries(session), areas, language=page.lang
        )
        return field_form.form_xlsx(sheets)

    outcome = page.run(work)
    return outcome.value if outcome.ok else None


def show(page: Page, area_id: int, area_name: str, team_id: int | None) -> None:
    """The field export's import: template, upload, where the rows go, preview, save."""
    lang = page.lang
    st.write(t("bulk.field_intro", lang))
    form = _template(page, team_id)
    if form is not None:
        st.download_button(
            t("bulk.field_template", lang), form, file_name="calmap_field_pins.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=FIELD + "template",
        )
    targets = ["area", "team"] if team_id is not None else ["area"]
    target = st.radio(
        t("bulk.field_target", lang), targets, horizontal=True, key=FIELD + "target",
        format_func=lambda code: md_t(f"bulk_target.{code}", lang, area=area_name),
    )
    to_area, to_team = (area_id, None) if target == "area" else (None, team_id)
    actor = page.require_actor()
    uploaded = file_upload(
        t("bulk.field_upload", lang), lang, types=["csv", "xlsx", "zip"], key=FIELD + "file"
    )
    if uploaded is None:
        return
    content = uploaded.getvalue()
    with st.spinner(t("bulk.checking", lang)):
        checked = page.run(
            lambda s: field_capture.check_file(
                s, actor, content, uploaded.name, area_id=to_area, team_id=to_team
            )
        )
    if checked.error is not None:
        page.show_error(checked.error)
        return
    report: FieldReport = checked.value
    st.write(t("bulk.field_summary", lang, total=report.total, **_counts(report)))
    show_report(report, lang)
    if report.errors:
        st.button(t("bulk.commit", lang, count=len(report.ready)), disabled=True,
                  key=FIELD + "commit_disabled")
        return
    digest = hashlib.sha256(content).hexdigest()[:32]
    token = f"field-{digest}:{target}:{area_id}:{team_id}"
    saved = state.keep(state.BULK_SAVED)
    if token in saved:
        st.success(t("field_capture.saved", lang, **saved[token]))
        return
    if not st.button(t("bulk.commit", lang, count=len(report.ready)), type="primary",
                     key=FIELD + "commit", disabled=not report.ready):
        return
    with st.spinner(t("bulk.saving", lang)):
        outcome = page.run(
            lambda s: field_capture.import_file(
                s, actor, content, uploaded.name, area_id=to_area, team_id=to_team
            )
        )
    if outcome.error is not None:
        page.show_error(outcome.error)
        failed = getattr(outcome.error, "report", None)
        if isinstance(outcome.error, bulk.BulkImportError) and isinstance(failed, FieldReport):
            show_report(failed, lang)
        return
    _refs, final = outcome.value
    saved[token] = _counts(final)
    st.success(t("field_capture.saved", lang, **saved[token]))

