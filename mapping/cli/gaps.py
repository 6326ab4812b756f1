"""``calmap gaps`` and ``calmap import streets``: unmet needs per area, and the street network.

``calmap gaps`` prints, for every area in scope and need category, whether it
is covered, the nearest addressing resource or partner and its distance
(walking on the streets, or a straight line: always said), the share of the
area and of its residents within the walking limit, and the needs nobody
addresses. ``calmap import streets FILE`` loads a walkable network
(OpenStreetMap ``.osm.pbf``/``.osm`` or any line file). Without ``--user`` both
act with the database owner's rights; ``gaps --user NAME`` counts only what
that account may see.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping.cli.actions import UserOption, run_as
from mapping.cli.common import cli_actor, fail, in_transaction, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor
    from mapping.services.coverage import Coverage

FORMATS = ("text", "csv", "json")
COLUMNS = (
    "area_id", "area", "need_category", "status", "limit_m", "distance_kind",
    "nearest_layer", "nearest_id", "nearest", "nearest_m", "share_within", "population",
    "residents_within", "needs", "unmet", "unmet_need_ids", "residents_kind",
)
# How the residents were counted, in the text output.
_RESIDENTS = {"population_layer": "population layer", "even_spread": "estimate, spread evenly"}


def _rows(found: Coverage) -> list[dict[str, object]]:
    rows = []
    for c in found.cells:
        n = c.nearest
        rows.append({
            "area_id": c.area_id, "area": c.area_name, "need_category": c.need_category,
            "status": c.status, "limit_m": c.limit_m, "distance_kind": c.distance_kind,
            "nearest_layer": n.layer if n else None, "nearest_id": n.id if n else None,
            "nearest": n.name if n else None, "nearest_m": n.metres if n else None,
            "share_within": c.share_within, "population": c.population,
            "residents_within": c.residents_within, "needs": c.needs, "unmet": c.unmet,
            "unmet_need_ids": " ".join(map(str, c.unmet_ids)),
            "residents_kind": c.residents_kind,
        })
    return rows


def _footer(found: Coverage) -> list[str]:
    lines = [f"distances: {found.distance_kind.replace('_', ' ')}"
             + ("" if found.pgrouting else " (pgRouting is not installed)")]
    if found.attribution:
        lines.append(f"street network: {found.attribution}")
    for layer, pin_id, name in found.straight_sources:
        lines.append(f"straight line for {layer} {pin_id} ({name}): on an island of streets "
                     "or far from every street")
    return lines


def _residents_text(row: dict[str, object]) -> list[str]:
    """The residents in reach and how they were counted, when the area's population is known."""
    kind = row["residents_kind"]
    if not isinstance(kind, str) or row["population"] is None or row["status"] == "no_rule":
        return []
    within = "withheld" if row["residents_within"] is None else str(row["residents_within"])
    return [f"residents within: {within} of {row['population']} ({_RESIDENTS[kind]})"]


def gaps(
    area: Annotated[list[int] | None, typer.Option(help="an area's id (repeat for more)")] = None,
    team: Annotated[str | None, typer.Option(help="the areas of this team (its code)")] = None,
    city: Annotated[str | None, typer.Option(help="the areas of this city")] = None,
    output: Annotated[str, typer.Option("--format", help="text, csv or json")] = "text",
    all_cells: Annotated[
        bool, typer.Option("--all", help="covered categories too, not only the gaps")
    ] = False,
    user: UserOption = None,
) -> None:
    """Unmet needs per area: coverage of every need category within walking distance."""
    from mapping.io import spreadsheet_safe
    from mapping.services import coverage

    if output not in FORMATS:
        fail("--format: expected text, csv or json")
    with user_errors():

        def work(session: Session, actor: Actor) -> Coverage:
            return coverage.compute(session, actor, area_ids=area, team=team, city=city)

        found = run_as(user, work)
    if not all_cells:
        found.cells = coverage.ranked(found)
    rows = _rows(found)
    if output == "json":
        typer.echo(json.dumps({
            "distance_kind": found.distance_kind, "attribution": found.attribution,
            "pgrouting": found.pgrouting,
            "straight_line_sources": [
                {"layer": lay, "id": i, "name": nm} for lay, i, nm in found.straight_sources
            ],
            "cells": rows,
        }, ensure_ascii=False, indent=1))
        return
    if output == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(spreadsheet_safe.record(row))
        # The network's licence travels with what is derived from it.
        for line in _footer(found):
            writer.writerow(spreadsheet_safe.record({"area": "# " + line}))
        typer.echo(out.getvalue(), nl=False)
        return
    if not rows:
        typer.echo("no gaps: every need category is covered in every area")
    for row in rows:
        nearest = "nothing in reach" if row["nearest"] is None else (
            f"nearest {row['nearest_layer']} {row['nearest']} {row['nearest_m']:.0f} m "
            f"({str(row['distance_kind']).replace('_', ' ')})"
        )
        within = row["share_within"]
        share = "-" if not isinstance(within, float) else f"{100 * within:.0f}%"
        unmet = "withheld" if row["unmet"] is None else str(row["unmet"])
        typer.echo("\t".join([
            str(row["area"]), str(row["need_category"]), str(row["status"]).replace("_", " "),
            f"limit {row['limit_m']} m", nearest, f"within: {share}", f"unmet needs: {unmet}",
            *_residents_text(row),
        ]))
    for line in _footer(found):
        typer.echo(line)


def import_streets(
    file: Annotated[Path, typer.Argument(help=".osm.pbf, .osm, GeoJSON, GPKG or zipped SHP")],
    city: Annotated[str, typer.Option(help="the city the network serves")] = "",
    crs: Annotated[
        str | None, typer.Option(help="CRS when the file states none, e.g. EPSG:2180")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer of a GeoPackage")] = None,
) -> None:
    """Load a walkable street network (replacing the city's previous one); all or nothing."""
    from mapping import config
    from mapping.io.street_files import read_streets
    from mapping.services import streets

    with user_errors():
        network = read_streets(file, crs, layer)
        summary = in_transaction(
            config.load(),
            lambda session: streets.save_network(session, cli_actor(), network, file.name, city),
        )
    dropped = ", ".join(f"{why} {count}" for why, count in sorted(network.dropped.items()))
    typer.echo(
        f"saved {summary.edge_count} street edges, {summary.vertex_count} junctions, "
        f"{summary.length_km} km, {summary.component_count} connected parts "
        f"(the largest holds {100 * summary.largest_share:.1f}% of junctions)"
    )
    if dropped:
        typer.echo(f"left out (not walkable): {dropped}")
    typer.echo(f"attribution: {summary.attribution}")
