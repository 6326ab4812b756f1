"""``calmap field``: pins captured offline in KoboCollect / ODK Collect.

``calmap field template --out pins.xlsx`` writes the XLSForm of field pins
from the catalogue in use (and, with ``--team``, the team's areas);
``calmap field import EXPORT`` reads its KoboToolbox or ODK Central export
into resources, partners and needs: every row checked with the editor's
rules, all saved or none, points with a weak GPS fix listed. Both run as
the database owner on behalf of the administrator at the terminal;
``--dry-run`` checks and inserts, then rolls back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config
from mapping.cli.common import (
    area_id,
    cli_actor,
    fail,
    in_transaction,
    ready_engine,
    setup_message,
    team_id,
)
from mapping.cli.imports import SETUP_ERRORS
from mapping.errors import UserError
from mapping.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping.io.bulk import RowError
    from mapping.io.field_capture import FieldReport

field_app = typer.Typer(
    help="Field capture offline with KoboCollect / ODK Collect: the form and its export.",
    no_args_is_help=True,
)
# The threshold's default, repeated here so that --help loads no heavy module
# (tests/test_field_capture.py checks it equals field_form.ACCURACY_LIMIT_M).
DEFAULT_ACCURACY_LIMIT_M = 50.0


def _language(given: str | None = None) -> str:
    if given:
        return given
    try:
        return config.load().language
    except SETUP_ERRORS:
        return "pl"


@field_app.command("template")
def field_template(
    out: Annotated[Path, typer.Option(help="where to write the XLSForm (.xlsx)")],
    team: Annotated[
        str | None, typer.Option(help="code of the team: its areas become a question")
    ] = None,
    language: Annotated[str, typer.Option(help="the form's default language: pl or en")] = "pl",
    version: Annotated[
        str | None, typer.Option(help="form version (default: today, YYYYMMDD)")
    ] = None,
    accuracy_limit: Annotated[
        float, typer.Option(help="Collect warns beyond this GPS accuracy (metres)")
    ] = DEFAULT_ACCURACY_LIMIT_M,
) -> None:
    """Write the XLSForm for field pins (KoboToolbox / ODK Central, filled offline in Collect)."""
    from mapping.io import field_form

    lang = _language()
    if language not in field_form.LANGUAGES:
        fail(f"--language: expected one of {', '.join(field_form.LANGUAGES)}")

    def work(session: Session) -> dict[str, list[tuple[str, ...]]]:
        team_number = team_id(session, team)
        areas = field_form.team_area_names(session, team_number) if team_number else []
        return field_form.form_sheets(
            field_form.form_entries(session), areas, language=language, version=version,
            team=team, accuracy_limit=accuracy_limit,
        )

    try:
        sheets = in_transaction(config.load(), work)
        out.write_bytes(field_form.form_xlsx(sheets))
    except UserError as exc:
        fail(t(exc.key, lang, **exc.params))
    except SETUP_ERRORS as exc:
        fail(setup_message(exc, lang))
    categories = sum(1 for row in sheets["choices"][1:] if row[0] == "category")
    areas = sum(1 for row in sheets["choices"][1:] if row[0] == "area")
    typer.echo(t("field_capture.template_written", lang, path=out, categories=categories,
                 areas=areas))


@field_app.command("import")
def field_import(
    file: Annotated[
        Path, typer.Argument(help="KoboToolbox or ODK Central export: CSV, XLSX or Central's ZIP")
    ],
    area: Annotated[
        str | None, typer.Option(help="id or name of the area every row goes to")
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(help="code of the team: each row goes to the area it names or lies in"),
    ] = None,
    accuracy_limit: Annotated[
        float, typer.Option(help="flag points whose GPS accuracy is worse (metres)")
    ] = DEFAULT_ACCURACY_LIMIT_M,
    language: Annotated[str | None, typer.Option(help="pl or en (default: the setting)")] = None,
    dry_run: Annotated[bool, typer.Option(help="check and insert, then roll back")] = False,
) -> None:
    """Import a field export into resources, partners and needs: every row checked; all or none."""
    from sqlalchemy.orm import Session

    from mapping.io import field_capture

    lang = _language(language)
    try:
        _check_size(file)
        content = file.read_bytes()
        engine = ready_engine(config.load())
    except UserError as exc:
        fail(t(exc.key, lang, **exc.params))
    except SETUP_ERRORS as exc:
        fail(setup_message(exc, lang))
    try:
        with Session(engine) as session:
            transaction = session.begin()
            try:
                chosen_team = team_id(session, team)
                chosen_area = area_id(session, area)
                # The import page calls the same function.
                _refs, report = field_capture.import_file(
                    session, cli_actor(), content, file.name, area_id=chosen_area,
                    team_id=chosen_team, accuracy_limit=accuracy_limit,
                )
            except UserError as exc:
                transaction.rollback()
                failed = getattr(exc, "report", None)
                if failed is not None:
                    _print_report(failed, lang)
                fail(t(exc.key, lang, **exc.params))
            _print_report(report, lang)
            counts = {**report.counts(), "skipped": len(report.skipped),
                      "flagged": len(report.low_accuracy)}
            if dry_run:
                transaction.rollback()
                typer.echo(t("field_capture.dry_run", lang, **counts))
                return
            transaction.commit()
    finally:
        engine.dispose()
    typer.echo(t("field_capture.saved", lang, **counts))


def _check_size(file: Path) -> None:
    """Refuse a file too big by its size on disk, before reading it.

    A table has the spreadsheet import's limit; ODK Central's ZIP carries the
    photos too, so it has the GIS files' limit and only its CSV is read.
    """
    from geodata import formats
    from mapping.io import bulk_reading
    from mapping.io.feature_files import file_error

    try:
        size = file.stat().st_size
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
    if file.suffix.lower() != ".zip":
        bulk_reading.check_table_size(size)
        return
    try:
        formats.check_size(size, formats.DEFAULT_LIMITS)
    except formats.FormatError as exc:
        raise file_error(exc) from None


def _print_report(report: FieldReport, lang: str) -> None:
    for error in report.errors:
        typer.echo(_line(t("field_capture.mark_error", lang), error, lang))
    for flag in report.low_accuracy:
        typer.echo(_line(t("field_capture.mark_warning", lang), flag, lang))
    for skipped in report.skipped:
        typer.echo(_line(t("field_capture.mark_note", lang), skipped, lang))


def _line(mark: str, error: RowError, lang: str) -> str:
    column = f" [{error.column}]" if error.column else ""
    value = f" {error.value!r}" if error.value else ""
    row = t("field_capture.row", lang, row=error.row)
    return f"{row}{column}{value}: {mark}: {error.message(lang)}"
