"""``calmap survey …``: questionnaire templates, answers, indicators, publishing needs, waves.

Registered on the ``calmap`` command by ``mapping/cli/main.py``. Like the other
commands it runs as the database owner (no signed-in user; history says
``calmap-cli``), and every failure a user can fix ends in one line on stderr
and exit code 1; an import with bad rows lists every bad row first, and
nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config, db
from mapping.cli.common import cli_actor, fail, in_transaction, raised_by
from mapping.config import ConfigError
from mapping.db.embedded_postgres import ClusterError
from mapping.errors import UserError
from surveys.disclosure import DEFAULT_THRESHOLD, SENSITIVE_THRESHOLD, Thresholds

# Like every `calmap` command module, this one imports the models, pandas and
# the survey modules inside the commands (see mapping.cli.common).
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from surveys import answers, indicators

app = typer.Typer(
    help="Resident surveys: questionnaires, answers, indicators (ankiety mieszkańców).",
    no_args_is_help=True,
)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except (ConfigError, ClusterError, db.DatabaseError, UserError, ValueError) as exc:
        if raised_by(exc, "surveys.store", "SurveyImportError"):
            for error in exc.report.errors:  # type: ignore[union-attr]
                typer.echo(_row_line(error), err=True)
        fail(str(exc))


def _row_line(error: answers.RowError) -> str:
    where = f"row {error.row}"
    if error.column:
        where += f", column {error.column!r}"
    value = f" [{error.value}]" if error.value else ""
    return f"{where}: {error.message('en')}{value}"


@app.command("template")
def template_command(
    kind: Annotated[str, typer.Argument(help="estate or seniors")],
    out: Annotated[Path, typer.Option("--out", help="where to write the XLSForm (.xlsx)")],
    version: Annotated[
        str | None, typer.Option(help="the form version (default: this year)")
    ] = None,
    city: Annotated[
        str | None, typer.Option(help="list this city's estates from the database")
    ] = None,
) -> None:
    """Write a questionnaire template as an XLSForm for KoboToolbox or ODK Central."""
    from surveys import templates, xlsform

    if kind not in templates.TEMPLATES:
        fail(f"template: expected one of {', '.join(templates.TEMPLATES)}, got {kind!r}")
    with _user_errors():
        estates = in_transaction(config.load(), lambda s: _estates(s, city)) if city else None
        content = templates.template_xlsx(kind, version, estates)
        form = xlsform.load_xlsform(content, out.name)
        out.write_bytes(content)
    typer.echo(f"wrote {out}: {form.title} ({form.form_id} v{form.version})")


def _estates(session: Session, city: str) -> list[str]:
    from mapping.services import layers

    frame = layers.areas(session, city=city)
    names = [
        str(name) for name, kind in zip(frame["name"], frame["kind"], strict=True)
        if kind == "estate"
    ]
    if not names:
        raise UserError("survey.no_estates", city=city)
    return sorted(names, key=str.casefold)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="the answers: CSV or XLSX export")],
    form: Annotated[
        str,
        typer.Option(
            "--form",
            help="an XLSForm file, a template (estate, seniors) or a stored form_id[@version]",
        ),
    ],
    wave: Annotated[str, typer.Option("--wave", help="the wave's name, e.g. 2026")],
    team: Annotated[
        str | None, typer.Option(help="team code (required for a new wave)")
    ] = None,
    collected_from: Annotated[
        str | None, typer.Option("--from", help="first day of collection, YYYY-MM-DD")
    ] = None,
    collected_to: Annotated[
        str | None, typer.Option("--to", help="last day of collection, YYYY-MM-DD")
    ] = None,
) -> None:
    """Import a file of answers into a wave: every row, or none when any row has a problem."""
    from surveys import answers, store

    if not file.is_file():
        fail(f"{file}: no such file")
    start, end = _date(collected_from, "--from"), _date(collected_to, "--to")

    def work(session: Session) -> str:
        form_row = _form(session, form)
        definition = store.definition(form_row)
        # Read here, by a reader that checks the size first: not 200 MB and more to refuse.
        table = answers.read_export_file(file)
        mapping = answers.map_columns(definition, table)
        parsed = answers.parse_answers(definition, table, mapping)
        target = store.wave_for_import(session, None, form_row, wave, team, start, end)
        report = store.import_answers(session, None, target, definition, parsed)
        return (
            f"imported {report.ready} answers into wave {target.name!r} "
            f"({form_row.form_id} v{form_row.version}) from a {table.source} file: "
            f"{report.by_estate} placed by estate, {report.by_point} by point, "
            f"{len(report.areas)} areas"
            + (f"; personal columns left out: {', '.join(mapping.personal)}"
               if mapping.personal else "")
        )

    with _user_errors():
        typer.echo(in_transaction(config.load(), work))


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}")


def _form(session: Session, reference: str):  # noqa: ANN202 - a SurveyForm
    from surveys import store, templates, xlsform

    path = Path(reference)
    if path.is_file():
        content = path.read_bytes()
        return store.register_form(session, xlsform.load_xlsform(content, path.name), content)
    if reference in templates.TEMPLATES:
        content = templates.template_xlsx(reference)
        return store.register_form(session, xlsform.load_xlsform(content, reference), content)
    return store.find_form(session, reference)


@app.command("indicators")
def indicators_command(
    wave: Annotated[str, typer.Option("--wave", help="the wave's name")],
    area: Annotated[
        str | None, typer.Option("--area", help="only this area (name or id)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    team: Annotated[str | None, typer.Option(help="team code, when names repeat")] = None,
    threshold: Annotated[
        int, typer.Option(help="smallest count shown")
    ] = DEFAULT_THRESHOLD,
    sensitive_threshold: Annotated[
        int, typer.Option(help="smallest count shown for health, addiction, violence")
    ] = SENSITIVE_THRESHOLD,
    language: Annotated[str, typer.Option(help="labels in pl or en")] = "pl",
) -> None:
    """Print a wave's indicators exactly as a viewer may see them ("x" = suppressed)."""
    from surveys import indicators, store

    if output not in ("csv", "json"):
        fail(f"--format: expected csv or json, got {output!r}")
    with _user_errors():
        limits = Thresholds(threshold, sensitive_threshold)

        def work(session: Session) -> str:
            found = store.find_wave(session, wave, team)
            table = indicators.wave_indicators(session, found.id, limits)
            if area is not None:
                table = indicators.filter_area(table, area)
            if output == "json":
                return indicators.to_json(table, language)
            return indicators.to_csv(table, language)

        text = in_transaction(config.load(), work)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command("publish")
def publish_command(
    wave: Annotated[str, typer.Option("--wave", help="the wave's name")],
    areas: Annotated[
        list[str], typer.Option("--area", help="an area (name or id); repeat for more")
    ],
    categories: Annotated[
        list[str],
        typer.Option("--category", help="a need category code, e.g. meeting_place; repeatable"),
    ],
    team: Annotated[str | None, typer.Option(help="team code, when names repeat")] = None,
    visibility: Annotated[
        str, typer.Option(help="public, partnership or team")
    ] = "partnership",
    priority: Annotated[int, typer.Option(help="1 (high), 2 or 3 (low)")] = 2,
) -> None:
    """Publish shown need indicators as needs with provenance: every area × category, or none."""
    from surveys import indicators, publish, store

    def work(session: Session) -> list[str]:
        found = store.find_wave(session, wave, team)
        table = indicators.wave_indicators(session, found.id, with_previous=False)
        area_ids = [_area_in_wave(table, area) for area in dict.fromkeys(areas)]
        choices = [
            publish.Choice(area_id, category.strip())
            for area_id in area_ids
            for category in dict.fromkeys(categories)
        ]
        refs = publish.publish_needs(
            session, cli_actor(), found.id, choices, visibility=visibility, priority=priority
        )
        rows = {(r.area_id, r.category): r for r in table.rows if r.layer == "need"}
        lines = []
        for choice, ref in zip(dict.fromkeys(choices), refs, strict=True):
            row = rows[(choice.area_id, choice.category)]
            lines.append(
                f"need {ref.id}: {row.area_name}, {row.category} – "
                f"{publish.evidence(row, found.name).split(' / ')[-1]}"
            )
        lines.append(f"published {len(refs)} needs from wave {found.name!r}")
        return lines

    with _user_errors():
        for line in in_transaction(config.load(), work):
            typer.echo(line)


def _area_in_wave(table: indicators.WaveIndicators, area: str) -> int:
    from surveys import indicators

    ids = {row.area_id for row in indicators.filter_area(table, area).rows}
    area_id = ids.pop() if len(ids) == 1 else None
    if area_id is None:
        raise UserError("survey.area_not_in_wave", area=area)
    return area_id


@app.command("waves")
def waves_command() -> None:
    """List the waves as tab-separated lines: name, team, form, version, respondents."""
    from surveys import store

    with _user_errors():
        found = in_transaction(config.load(), store.list_waves)
    for info in found:
        typer.echo("\t".join(
            [info.name, info.team_code, info.form_id, info.version, str(info.respondents)]
        ))


@app.command("delete-wave")
def delete_wave_command(
    name: Annotated[str, typer.Argument(help="the wave's name")],
    team: Annotated[str | None, typer.Option(help="team code, when names repeat")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Delete a wave with all its answers (needs published from it stay, with provenance)."""
    from surveys import store

    if not yes and sys.stdin.isatty():
        typer.confirm(f"Delete wave {name!r} and all its answers?", abort=True)
    with _user_errors():
        count = in_transaction(config.load(),
            lambda s: store.delete_wave(s, None, store.find_wave(s, name, team))
        )
    typer.echo(f"deleted wave {name!r}: {count} answers")
