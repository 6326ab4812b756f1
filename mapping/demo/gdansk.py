"""Gdańsk: its 35 real districts, five illustrative teams and its 74 real cultural venues."""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from geodata.boundaries import dissolve, read_boundaries
from geodata.points import read_projected_points
from mapping import geometry
from mapping.db.models import (
    Resource,
    Team,
)
from mapping.demo.facts import (
    CITY_GAP_M2,
    GDANSK_DISTRICTS,
    GDANSK_SOURCE,
    GDANSK_TEAMS,
    GDANSK_VENUES,
    ILLUSTRATIVE,
    VENUE_CATEGORIES,
    VENUE_TYPE_WORDS,
    VENUES_SOURCE,
)
from mapping.demo.loader import DemoError, _Loader, _Places, _polygon, _repair_text, _text


def _load_gdansk(loader: _Loader) -> _Places:
    districts, notes = read_boundaries(GDANSK_DISTRICTS, "DZIELNICY")
    teams = _gdansk_teams(loader, set(districts["name"]))
    shapes = dict(zip(districts["name"], districts.geometry, strict=True))
    city = loader.areas(
        "city",
        None,
        {
            "Gdańsk": {
                "geom": _polygon(dissolve(shapes.values(), CITY_GAP_M2)),
                "source": "Union of the 35 districts, gaps under 5 ha between them filled – "
                f"{GDANSK_SOURCE}",
            }
        },
    )["Gdańsk"]
    repaired = {note.name: note for note in notes}
    wanted = {}
    for name, people, shape in zip(
        districts["name"], districts["L_MIESZK"], districts.geometry, strict=True
    ):
        population = int(people) if people and people > 0 else None
        unknown = "" if population else "; L_MIESZK is 0 in the source: population unknown"
        wanted[name] = {
            "team_id": teams[name].id,
            "population": population,
            "geom": _polygon(shape),
            "source": f"{GDANSK_SOURCE} (Granice dzielnic w Gdańsku, via "
            f"jusjag/dzielnice-json-power-bi){unknown}{_repair_text(repaired.get(name))}",
        }
    return _Places(loader.areas("district", city, wanted), shapes)


def _gdansk_teams(loader: _Loader, districts: set[str]) -> dict[str, Team]:
    grouped = [name for _code, _label, names in GDANSK_TEAMS for name in names]
    if sorted(grouped) != sorted(districts):
        raise DemoError(
            "GDANSK_TEAMS must name every district of the file once: missing "
            f"{sorted(districts - set(grouped))}, unknown {sorted(set(grouped) - districts)}"
        )
    teams = loader.teams(
        {
            code: {
                "name": f"Gdańsk – {label} (zespół ilustracyjny)",
                "city": "Gdańsk",
                "description": f"Dzielnice: {', '.join(names)}. Ilustracyjne grupowanie "
                "sąsiednich dzielnic, nie rzeczywista struktura MOPR w Gdańsku. / Illustrative "
                "grouping of neighbouring districts, not MOPR Gdańsk's real structure.",
                "source": f"{ILLUSTRATIVE}: grouping of districts invented for the demo, "
                "not MOPR Gdańsk's real structure",
            }
            for code, label, names in GDANSK_TEAMS
        }
    )
    return {name: teams[code] for code, _label, names in GDANSK_TEAMS for name in names}


def _load_gdansk_venues(loader: _Loader, gdansk: _Places) -> dict[str, Resource]:
    # The file's own geometry is derived; we place venues from the surveyed
    # X/Y strings. X holds the easting and Y the northing (checked against
    # the file's geometry in tests/test_geodata.py), although in geodesy
    # x is the northing.
    venues = read_projected_points(GDANSK_VENUES, east_field="X", north_field="Y", crs="EPSG:2177")
    districts = gpd.GeoDataFrame(
        {"district": list(gdansk.shapes)}, geometry=list(gdansk.shapes.values()), crs=venues.crs
    )
    # The containing polygon decides the district, not the DZIELNICA text,
    # which disagrees for 11 venues (spelling, and venues near a boundary).
    joined = gpd.sjoin(venues, districts, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    repeated = set(joined["NAZWA"][joined["NAZWA"].duplicated(keep=False)])
    wanted = {}
    for venue in joined.to_dict("records"):
        district = venue["district"] if isinstance(venue["district"], str) else None
        wanted[f"gdansk-venue-{venue['ID']}"] = {
            "source": f"{VENUES_SOURCE}, ID {venue['ID']}",
            "name": _venue_name(venue, repeated),
            "kind": "institution_public",
            "category": _venue_category(venue),
            "address": " ".join(_text(venue.get(f)) for f in ("ULICA", "NUMER")).strip() or None,
            "description": _venue_description(venue),
            "visibility": "public",
            "area_id": gdansk.rows[district].id if district else None,
            "geom": geometry.to_database(venue["geometry"]),
        }
    return loader.pins(Resource, "resources", wanted)


def _venue_name(venue: dict[str, Any], repeated: set[str]) -> str:
    name = " ".join(_text(venue["NAZWA"]).replace('""', '"').split())
    short = _text(venue.get("NAZWA_SKR"))
    # Thirty library branches share one name; their short name tells them apart.
    if venue["NAZWA"] in repeated and short and short.lower() != "brak" and short not in name:
        return f"{name} – {short}"
    return name


def _venue_category(venue: dict[str, Any]) -> str:
    typ = _text(venue.get("TYP")).lower()
    if not typ:
        typ = VENUE_TYPE_WORDS.get(_text(venue.get("RODZAJ")).lower(), "i")
    return VENUE_CATEGORIES.get(typ, VENUE_CATEGORIES["i"])


def _venue_description(venue: dict[str, Any]) -> str | None:
    lines = []
    if kind := _text(venue.get("TYP_opis")):
        lines.append(f"Rodzaj: {kind}.")
    if access := _text(venue.get("NIEPELNOSPR")):
        lines.append(f"Dostępność dla osób z niepełnosprawnościami (wg Miasta Gdańsk): {access}.")
    if remarks := _text(venue.get("UWAGI")):
        lines.append(f"Uwagi: {remarks}.")
    if modified := _text(venue.get("DATA_MOD")):
        lines.append(f"Dane z {modified}.")
    return " ".join(lines) or None
