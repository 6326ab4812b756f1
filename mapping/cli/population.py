"""``calmap import population FILE --city C``: a city's population layer, all or nothing.

Address points with their residents, or a population grid (GUS's 1 km or
250 m grid: each cell counted whole at its centroid), in any format and CRS
the imports read. The layer replaces the city's previous one in one
transaction; a refused file changes nothing. Messages follow the configured
language (Polish by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mapping.cli.common import cli_actor, fail, in_transaction, user_errors
from mapping.errors import UserError
from mapping.i18n import t


def _language() -> str:
    from mapping import config

    try:
        return config.load().language
    except config.ConfigError:
        return "pl"


def import_population(
    file: Annotated[Path, typer.Argument(help="points or grid cells: GeoJSON, GPKG, SHP, CSV…")],
    city: Annotated[str, typer.Option(help="the city the layer covers")] = "",
    field: Annotated[
        str | None, typer.Option(help="attribute holding the residents (default: TOT, ludnosc…)")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS when the file states none, e.g. EPSG:2180")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer of a GeoPackage")] = None,
    attribution: Annotated[
        str, typer.Option(help="the credit the data's publisher asks for, e.g. \"GUS\"")
    ] = "",
) -> None:
    """Load a population layer (points or grid cells), replacing the city's previous one."""
    from mapping import config
    from mapping.io.population_files import read_population
    from mapping.services import population

    lang = _language()
    with user_errors():
        try:
            data = read_population(file, field, crs, layer)
            summary = in_transaction(
                config.load(), lambda session: population.save(session, cli_actor(), data, city,
                                                   attribution)
            )
        except UserError as exc:
            fail(t(exc.key, lang, **exc.params))
    typer.echo(t("population.saved", lang, points=summary.points, residents=summary.residents,
                 field=data.field, kind=t(f"population.kind_{data.kind}", lang),
                 city=city or "-"))
