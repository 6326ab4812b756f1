"""``calmap actions …``: list, add and update the partnership's action plan.

Without ``--user`` the command line acts with the database owner's rights
(everything, like an admin; history names ``calmap-cli``); with ``--user NAME``
it acts as that account through the app's runtime role, so the database
applies that account's rules (an editor: the needs of their own teams' areas).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from mapping.cli.common import UserOption, fail, run_as, team_id, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor
    from mapping.services.actions import ActionInfo

actions_app = typer.Typer(
    help="The action plan: what the partnership does about each need, who, by when.",
    no_args_is_help=True,
)
FORMATS = ("text", "csv", "json")
STATUS_HELP = "planned, in_progress, done or dropped"


def _json(action: ActionInfo) -> dict[str, object]:
    return {
        "id": action.id,
        "version": action.version,
        "need_id": action.need_id,
        "need": action.need_name,
        "need_category": action.need_category,
        "area_id": action.area_id,
        "area": action.area_name,
        "team": action.team_code,
        "title": action.title,
        "description": action.description,
        "partner_ids": list(action.partner_ids),
        "partners": list(action.partner_names),
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "created_by": action.created_by,
        "updated_by": action.updated_by,
        "updated_at": action.updated_at.isoformat(),
    }


@actions_app.command("list")
def actions_list(
    team: Annotated[str | None, typer.Option(help="a team, by code")] = None,
    partnership: Annotated[int | None, typer.Option(help="a partnership, by id")] = None,
    need: Annotated[int | None, typer.Option(help="a need, by id")] = None,
    output: Annotated[str, typer.Option("--format", help="text, csv or json")] = "text",
    language: Annotated[str, typer.Option(help="pl or en (csv headers and statuses)")] = "pl",
    user: UserOption = None,
) -> None:
    """The actions you may see (of a team, partnership or need), soonest due first."""
    from mapping.services import actions

    if output not in FORMATS:
        fail(f"--format: expected one of {', '.join(FORMATS)}")
    given = [v for v in (team, partnership, need) if v is not None]
    if len(given) > 1:
        fail("give at most one of --team, --partnership, --need")
    with user_errors():

        def work(session: Session, actor: Actor) -> list[ActionInfo]:
            if team is not None:
                return actions.for_team(session, actor, team_id(session, team) or 0)
            if partnership is not None:
                return actions.for_partnership(session, actor, partnership)
            if need is not None:
                return actions.for_need(session, actor, need)
            return actions.all_actions(session, actor)

        found = run_as(user, work)
    if output == "json":
        typer.echo(json.dumps([_json(a) for a in found], ensure_ascii=False, indent=1))
    elif output == "csv":
        typer.echo(actions.to_csv(found, language), nl=False)
    elif not found:
        typer.echo("no actions")
    else:
        typer.echo("id\tversion\tstatus\tdue\tneed\tarea\ttitle\tpartners")
        for a in found:
            typer.echo("\t".join([
                str(a.id), str(a.version), a.status,
                a.due_on.isoformat() if a.due_on else "-",
                f"{a.need_id} {a.need_name}", a.area_name or "-", a.title,
                ", ".join(a.partner_names) or "-",
            ]))


@actions_app.command("add")
def actions_add(
    need: Annotated[int, typer.Option(help="the need, by id")],
    title: Annotated[str, typer.Option(help='e.g. "Klub seniora we wtorki"')],
    partner: Annotated[
        list[int] | None, typer.Option(help="a responsible partner's id; repeat for more")
    ] = None,
    due: Annotated[str | None, typer.Option(help="due date, YYYY-MM-DD")] = None,
    description: Annotated[str | None, typer.Option(help="what exactly, with whom")] = None,
    status: Annotated[str, typer.Option(help=STATUS_HELP)] = "planned",
    user: UserOption = None,
) -> None:
    """Add an action to a need's plan; prints its id and version."""
    from mapping.services import actions

    with user_errors():
        ref = run_as(
            user,
            lambda session, actor: actions.create_action(
                session, actor, need, title, description=description,
                partner_ids=partner or (), due_on=due, status=status,
            ),
        )
    typer.echo(f"added action {ref.id} (version {ref.version})")


@actions_app.command("update")
def actions_update(
    action: Annotated[int, typer.Argument(help="the action's id (see `calmap actions list`)")],
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    due: Annotated[str | None, typer.Option(help="due date, YYYY-MM-DD ('' clears it)")] = None,
    title: Annotated[str | None, typer.Option(help="a new title")] = None,
    description: Annotated[str | None, typer.Option(help="a new description")] = None,
    partner: Annotated[
        list[int] | None, typer.Option(help="the responsible partners' ids (replace the list)")
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(help="the version you saw: refused if someone changed it since"),
    ] = None,
    user: UserOption = None,
) -> None:
    """Change an action's status, due date, title, description or partners."""
    from mapping.services import actions

    changes: dict[str, object] = {
        key: value
        for key, value in (("status", status), ("due_on", due), ("title", title),
                           ("description", description), ("partner_ids", partner))
        if value is not None
    }
    if not changes:
        fail("nothing to change: give --status, --due, --title, --description or --partner")
    with user_errors():

        def work(session: Session, actor: Actor) -> actions.ActionRef:
            seen = version
            if seen is None:
                seen = actions.get_action(session, actor, action).version
            return actions.update_action(session, actor, actions.ActionRef(action, seen), changes)

        ref = run_as(user, work)
    typer.echo(f"updated action {ref.id} (version {ref.version})")
