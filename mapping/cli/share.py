"""``calmap share …``: make, list and revoke read-only share links.

Without ``--user`` the command line acts with the database owner's rights
(everything, like an admin) and the link has no creator account; with
``--user NAME`` it acts as that account through the app's runtime role, so the
database applies that account's rules (an editor: their own team's scopes only).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config
from mapping.cli.common import (
    UserOption,
    area_id,
    fail,
    run_as,
    team_id,
    user_errors,
)

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor
    from mapping.services.share_links import LinkInfo

share_app = typer.Typer(
    help="Share links: a read-only public map of a city, team, partnership or area, no account.",
    no_args_is_help=True,
)


def _read_pin() -> str:
    """The PIN: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("PIN: ")
        if getpass.getpass("Repeat: ") != first:
            fail("the two PINs differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _when(moment: dt.datetime | None) -> str:
    from mapping.analysis.export_data import LOCAL_TIMEZONE

    return moment.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _scope_text(link: LinkInfo) -> str:
    what = link.scope.city if link.scope.kind == "city" else f"{link.scope.id}"
    name = f" {link.scope_name}" if link.scope_name and link.scope.kind != "city" else ""
    gone = "" if link.scope_name else " (gone)"
    return f"{link.scope.kind} {what}{name}{gone}"


@share_app.command("create")
def share_create(
    city: Annotated[str | None, typer.Option(help="a city, by name (admins only)")] = None,
    team: Annotated[str | None, typer.Option(help="a team, by code")] = None,
    partnership: Annotated[int | None, typer.Option(help="a partnership, by id")] = None,
    area: Annotated[str | None, typer.Option(help="an area, by id or name")] = None,
    days: Annotated[int, typer.Option(help="valid for this many days (1-365)")] = 30,
    pin: Annotated[bool, typer.Option("--pin", help="ask for a PIN (read from stdin)")] = False,
    label: Annotated[str | None, typer.Option(help='e.g. "Spotkanie partnerstwa 12.06"')] = None,
    user: UserOption = None,
) -> None:
    """Make a link; its token is printed once and cannot be shown again."""
    from mapping.services import share_links

    given = [name for name, value in (("city", city), ("team", team),
             ("partnership", partnership), ("area", area)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --city, --team, --partnership, --area")
    typed_pin = _read_pin() if pin else None
    with user_errors():

        def work(session: Session, actor: Actor) -> share_links.CreatedLink:
            kind = given[0]
            if kind == "city":
                scope = share_links.Scope("city", city=city)
            elif kind == "team":
                scope = share_links.Scope("team", team_id(session, team))
            elif kind == "partnership":
                scope = share_links.Scope("partnership", partnership)
            else:
                scope = share_links.Scope("area", area_id(session, area))
            return share_links.create(session, actor, scope, days, typed_pin, label)

        made = run_as(user, work)
        public_url = config.load().public_url
    link = made.link
    typer.echo(f"share link {link.id}: {_scope_text(link)}, expires {_when(link.expires_at)}"
               f"{', with a PIN' if link.has_pin else ''}")
    typer.echo(f"token (shown once): {made.token}")
    if public_url:
        typer.echo(share_links.link_url(public_url, made.token))


@share_app.command("list")
def share_list(user: UserOption = None) -> None:
    """The links you manage, newest first: id, status, scope, label, creator, dates, PIN."""
    from mapping.services import share_links

    with user_errors():
        links = run_as(user, share_links.list_links)
    if not links:
        typer.echo("no share links")
        return
    typer.echo("id\tstatus\tscope\tlabel\tcreated by\tcreated\texpires\tlast used\tpin")
    for link in links:
        typer.echo("\t".join([
            str(link.id), link.status(), _scope_text(link), link.label or "-",
            link.created_by or "-", _when(link.created_at), _when(link.expires_at),
            _when(link.last_used_at), "yes" if link.has_pin else "no",
        ]))


@share_app.command("revoke")
def share_revoke(
    link: Annotated[int, typer.Argument(help="the link's id (see `calmap share list`)")],
    user: UserOption = None,
) -> None:
    """Revoke a link at once: it and every view opened with it stop working."""
    from mapping.services import share_links

    with user_errors():
        run_as(user, lambda session, actor: share_links.revoke(session, actor, link))
    typer.echo(f"revoked share link {link}")
