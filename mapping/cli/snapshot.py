"""``calmap snapshot …``: name a date, list the named dates, compare two, delete one.

The command line acts with the database owner's rights (everything, like an
admin), as ``calmap export`` does; a snapshot made here is signed
``calmap-cli``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config
from mapping.cli.common import area_id, cli_actor, fail, in_transaction, team_id, user_errors

if TYPE_CHECKING:
    from mapping.analysis import changes

snapshot_app = typer.Typer(
    help="Snapshots: named moments whose map is the layers as of then; the changes between two.",
    no_args_is_help=True,
)
COMPARE_FORMATS = ("text", "csv", "json")


@snapshot_app.command("create")
def snapshot_create(
    name: Annotated[str, typer.Argument(help='e.g. "Czerwiec 2026"')],
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="YYYY-MM-DD: the layers as of the end of that day (default: this moment)",
        ),
    ] = None,
) -> None:
    """Name a moment: the layers as of now, or as of the end of --date, read from history."""
    from mapping.analysis.export_data import LOCAL_TIMEZONE
    from mapping.services import snapshots

    with user_errors():
        made = in_transaction(
            config.load(), lambda s: snapshots.create_snapshot(s, cli_actor(), name, date)
        )
    typer.echo(f"snapshot {made.name!r}: {made.on_date.isoformat()} "
               f"(as of {made.taken_at.astimezone(LOCAL_TIMEZONE).isoformat()})")


@snapshot_app.command("list")
def snapshot_list() -> None:
    """Every snapshot, oldest first: name, date, the moment read as of, who saved it."""
    from mapping.analysis.export_data import LOCAL_TIMEZONE
    from mapping.services import snapshots

    with user_errors():
        found = in_transaction(config.load(), snapshots.list_snapshots)
    if not found:
        typer.echo("no snapshots yet")
        return
    for snap in found:
        moment = snap.taken_at.astimezone(LOCAL_TIMEZONE).isoformat()
        typer.echo(f"{snap.name}\t{snap.on_date.isoformat()}\t{moment}\t{snap.created_by or ''}")


@snapshot_app.command("delete")
def snapshot_delete(name: Annotated[str, typer.Argument(help="the snapshot's name")]) -> None:
    """Delete a snapshot; the layers and their history stay as they are."""
    from mapping.services import snapshots

    with user_errors():
        in_transaction(config.load(), lambda s: snapshots.delete_snapshot(s, cli_actor(), name))
    typer.echo(f"deleted snapshot {name!r}")


@snapshot_app.command("compare")
def snapshot_compare(
    first: Annotated[str, typer.Argument(help="one snapshot's name")],
    second: Annotated[str, typer.Argument(help="the other's (the earlier one is 'before')")],
    team: Annotated[str | None, typer.Option(help="team code: that team's areas only")] = None,
    area: Annotated[
        str | None, typer.Option(help="area id or name: that area and those inside it")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or json")] = "text",
) -> None:
    """New and closed resources, new and departed partners, needs: per area, team and in all."""
    from mapping.services import snapshots

    with user_errors():
        if fmt not in COMPARE_FORMATS:
            fail(f"--format: expected one of {', '.join(COMPARE_FORMATS)}, got {fmt!r}")
        report = in_transaction(
            config.load(),
            lambda s: snapshots.compare_snapshots(
                s, cli_actor(), first, second,
                team_id=team_id(s, team), area_id=area_id(s, area),
            ),
        )
    typer.echo({"text": report_text, "csv": report_csv, "json": report_json}[fmt](report), nl=False)


def report_text(report: changes.ChangeReport) -> str:
    """The report for a terminal: the totals with names, then a line of counts per unit."""
    from mapping.analysis import changes

    lines = [f"changes from {report.before_label!r} to {report.after_label!r}", ""]
    total = report.city
    lines.append(f"total{': ' + total.name if total.name else ''}")
    for kind in changes.KINDS:
        names = total.names(kind)
        lines.append(f"  {kind}: {len(names)}" + (f" ({'; '.join(names)})" if names else ""))
    header = ["name", *changes.KINDS]
    for level, title in ((changes.TEAM, "teams"), (changes.AREA, "areas")):
        rows = report.rows(level)
        if not rows:
            continue
        lines += ["", title, "\t".join(header)]
        lines += ["\t".join(str(row[col]) for col in header) for row in rows]
    return "\n".join(lines) + "\n"


def report_csv(report: changes.ChangeReport) -> str:
    """One CSV row of counts per unit: the total, then teams, then areas.

    A name that would start a spreadsheet formula gets a leading ``'`` (OWASP).
    """
    from mapping.analysis import changes
    from mapping.io import spreadsheet_safe

    out = io.StringIO()
    writer = csv.DictWriter(out, ["level", "id", "name", *changes.KINDS], lineterminator="\n")
    writer.writeheader()
    for level in (changes.CITY, changes.TEAM, changes.AREA):
        writer.writerows(spreadsheet_safe.record(row) for row in report.rows(level))
    return out.getvalue()


def report_json(report: changes.ChangeReport) -> str:
    """Every unit with its counts and names, as JSON."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
