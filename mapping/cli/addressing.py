"""``calmap addressing …``: what addresses what, walking limits, and a need's candidates.

Distances are straight lines (``distance_kind`` says so in every answer) until
the street network is in. Without ``--user`` the command acts with the
database owner's rights; with ``--user NAME`` as that account, under its rules.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from mapping.cli.common import UserOption, fail, run_as, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor
    from mapping.services.addressing import Candidates, Rule

addressing_app = typer.Typer(
    help="What addresses what: rules, walking limits, and the resources in reach of a need.",
    no_args_is_help=True,
)


@addressing_app.command("rules")
def addressing_rules(
    need_category: Annotated[str | None, typer.Option(help="only this need category")] = None,
    user: UserOption = None,
) -> None:
    """The rules as tab-separated lines: id, need category, vocabulary, code, target groups."""
    from mapping.services import addressing

    with user_errors():
        found: list[Rule] = run_as(
            user, lambda session, actor: addressing.rules(session, need_category)
        )
    for rule in found:
        typer.echo("\t".join([
            str(rule.id), rule.need_category, rule.vocabulary, rule.code,
            " ".join(rule.target_groups) or "*",
        ]))


@addressing_app.command("limits")
def addressing_limits(user: UserOption = None) -> None:
    """The walking limits in metres by target group (``*``: everyone else)."""
    from mapping.services import addressing

    with user_errors():
        limits = run_as(user, lambda session, actor: addressing.walking_limits(session))
    for group, metres in sorted(limits.items()):
        typer.echo(f"{group}\t{metres}")


@addressing_app.command("set-limit")
def addressing_set_limit(
    target_group: Annotated[str, typer.Argument(help="a target group's code, or * for the rest")],
    metres: Annotated[int, typer.Argument(help="50 to 10000")],
    user: UserOption = None,
) -> None:
    """Set how far people of a target group are expected to walk (admins only)."""
    from mapping.services import addressing

    with user_errors():
        run_as(
            user,
            lambda session, actor: addressing.set_walking_limit(
                session, actor, target_group, metres
            ),
        )
    typer.echo(f"walking limit of {target_group}: {metres} m")


@addressing_app.command("candidates")
def addressing_candidates(
    need: Annotated[int, typer.Option(help="the need, by id")],
    limit: Annotated[int | None, typer.Option(help="metres (default: the need's own)")] = None,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    user: UserOption = None,
) -> None:
    """The resources and partners that may address a need, nearest first."""
    from mapping.services import addressing

    if output not in ("text", "json"):
        fail("--format: expected text or json")
    with user_errors():

        def work(session: Session, actor: Actor) -> Candidates:
            return addressing.candidates(session, actor, need, limit)

        found = run_as(user, work)
    if output == "json":
        typer.echo(json.dumps({
            "need_id": found.need_id,
            "need_category": found.need_category,
            "limit_m": found.limit_m,
            "distance_kind": found.distance_kind,
            "has_rule": found.has_rule,
            "candidates": [c.__dict__ for c in found.items],
        }, ensure_ascii=False, indent=1))
        return
    if not found.has_rule:
        typer.echo(f"no rule yet for need category {found.need_category}")
        return
    typer.echo(f"within {found.limit_m} m ({found.distance_kind.replace('_', ' ')}), "
               f"or in the need's area:")
    if not found.items:
        typer.echo("nothing in reach")
    for c in found.items:
        metres = "-" if c.distance_m is None else f"{c.distance_m:.0f} m"
        marks = ", ".join(m for m, on in (("same area", c.same_area), ("linked", c.linked)) if on)
        typer.echo("\t".join([c.layer, str(c.id), metres, c.code, c.name, marks or "-"]))
