"""``calmap june``: the June map pack (posters, decks, offline maps) for a snapshot.

It reads the snapshot (and the one to compare with) once, then renders on
every core; progress goes to stderr, one line per finished map, and the
last line says where the pack is. Unknown snapshot, team or area: one line
and exit code 1, before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from mapping import config, db
from mapping.cli.common import fail, ready_engine, user_errors
from mapping.errors import UserError
from mapping.i18n import t

# The reports package loads matplotlib, ReportLab and python-pptx: imported when
# the command runs, so every other `calmap` command starts quickly.
ALL_FORMATS = "pdf,pptx,html"
# Set by the June page (mapping.reports.runner): the session the pack is read as.
ACT_AS_SESSION = "CALMAP_ACT_AS_SESSION"


def june(
    snapshot: Annotated[
        str, typer.Option(help="name of the snapshot to show, e.g. 'Czerwiec 2026'")
    ],
    out: Annotated[Path, typer.Option(help="folder to write the pack into")],
    compare: Annotated[
        str | None, typer.Option(help="an earlier snapshot: the evidence of change against it")
    ] = None,
    city: Annotated[str | None, typer.Option(help="one city's areas and teams only")] = None,
    team: Annotated[
        str | None, typer.Option(help="team code or name: its areas and itself")
    ] = None,
    area: Annotated[str | None, typer.Option(help="area name or number: that area only")] = None,
    formats: Annotated[
        str, typer.Option("--formats", help="comma-separated: pdf, pptx, html")
    ] = ALL_FORMATS,
    paper: Annotated[str, typer.Option(help="poster paper: A4, A3 or A0")] = "A3",
    language: Annotated[str | None, typer.Option(help="pl or en (default CALMAP_LANGUAGE)")] = None,
    workers: Annotated[int, typer.Option(min=0, help="processes; 0: one per core")] = 0,
    zip_file: Annotated[
        Path | None, typer.Option("--zip", help="also write the pack as this zip file")
    ] = None,
) -> None:
    """Write every poster (PDF), deck (PPTX) and offline map (HTML) of the June pack."""
    from mapping.reports import build, pack

    with user_errors():
        cfg = config.load()
        lang = language or cfg.language
        request = build.PackRequest(
            snapshot=snapshot, compare=compare, city=city, team=team, area=area,
            language=lang,
        )
        chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        # The June page runs this command for its signed-in user: the child then
        # reads through the app's runtime role as that user's session, never as
        # the owner.
        token = os.environ.get(ACT_AS_SESSION)
        engine = db.make_engine(db.database_url(cfg)) if token else ready_engine(cfg)
        try:
            with db.acting_for(token), db.session_scope(engine, app_user="calmap-cli") as session:
                plan = build.plan_pack(
                    session, request, public_url=cfg.public_url,
                    on_step=lambda message: typer.echo(message, err=True),
                )
        except UserError as exc:
            # In the pack's language: the June page shows this line to its user.
            fail(t(exc.key, lang, **exc.params))
        finally:
            engine.dispose()

        def progress(done: int, total: int, name: str) -> None:
            typer.echo(f"[{done}/{total}] {name}", err=True)

        result = pack.render_pack(
            plan, out, formats=chosen, paper=paper.upper(), tiles_url=cfg.tiles_url,
            tiles_attribution=cfg.tiles_attribution,
            workers=workers or None, progress=progress,
        )
        if zip_file is not None:
            pack.zip_pack(result, zip_file)
    for note in dict.fromkeys(result.notes):
        typer.echo(f"- {note}", err=True)
    also = f" and {zip_file}" if zip_file else ""
    typer.echo(f"wrote {len(result.files)} files to {out}{also}")
