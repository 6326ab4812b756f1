"""Wrocław: 48 real estates in 5 former districts, the ten ZTPS teams, their pins, partnerships."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from shapely.geometry import MultiPolygon
from sqlalchemy import select

from geodata.boundaries import dissolve, read_boundaries
from mapping import catalog
from mapping.db.models import (
    Area,
    Partner,
    PartnershipArea,
    Resource,
    Team,
)
from mapping.demo.facts import (
    APPROXIMATE,
    ESTATES_SOURCE,
    ILLUSTRATIVE,
    PARTNER_EXTRAS,
    PARTNER_TEMPLATE,
    PASZ_POINTS,
    SEED_WROCLAW,
    WROCLAW_ESTATE_TABLE,
    WROCLAW_ESTATES,
    WROCLAW_PARTNERSHIPS,
    WROCLAW_RESOURCES,
    WROCLAW_TEAMS,
)
from mapping.demo.loader import (
    DemoError,
    _join,
    _kind,
    _Loader,
    _Places,
    _point,
    _polygon,
    _repair_text,
    _spot,
)


def _load_wroclaw(loader: _Loader) -> _Places:
    estates, notes = read_boundaries(WROCLAW_ESTATES, "osiedle")
    table = _estate_table()
    repaired = {note.name: note for note in notes}
    shapes: dict[str, MultiPolygon] = {}
    district_of: dict[str, str] = {}
    source_of: dict[str, str] = {}
    for estate_id, file_name, shape in zip(
        estates["id"], estates["name"], estates.geometry, strict=True
    ):
        entry = table.get(int(estate_id))
        if entry is None or entry["osiedle_name_in_geojson"] != file_name:
            raise DemoError(
                f"{WROCLAW_ESTATE_TABLE.name}: no row for estate {estate_id} {file_name!r}"
            )
        official = entry["osiedle_official_name"]
        shapes[official] = shape
        district_of[official] = entry["former_dzielnica"]
        renamed = f"; the file spells it {file_name!r}" if file_name != official else ""
        source_of[official] = (
            f"{ESTATES_SOURCE}, id {estate_id}; official name{renamed}"
            f"{_repair_text(repaired.get(file_name))}"
        )
    teams = _wroclaw_teams(loader, set(shapes))
    city = loader.areas(
        "city",
        None,
        {
            "Wrocław": {
                "geom": _polygon(dissolve(shapes.values())),
                "source": f"Union of the 48 estates – {ESTATES_SOURCE}",
            }
        },
    )["Wrocław"]
    members = {
        district: [name for name, of in district_of.items() if of == district]
        for district in dict.fromkeys(district_of.values())
    }
    districts = loader.areas(
        "district",
        city,
        {
            district: {
                "geom": _polygon(dissolve(shapes[name] for name in names)),
                "source": f"Union of its {len(names)} estates ({ESTATES_SOURCE}, estate list "
                "by former district); the district was abolished in 1991, so the boundary "
                "is approximate",
            }
            for district, names in members.items()
        },
    )
    rows: dict[str, Area] = {}
    for district, names in members.items():
        rows |= loader.areas(
            "estate",
            districts[district],
            {
                name: {
                    "team_id": teams[name].id,
                    "geom": _polygon(shapes[name]),
                    "source": source_of[name],
                }
                for name in names
            },
        )
    return _Places(rows, shapes)


def _estate_table() -> dict[int, dict[str, str]]:
    with WROCLAW_ESTATE_TABLE.open(encoding="utf-8", newline="") as handle:
        return {int(row["id_sip"]): row for row in csv.DictReader(handle)}


def _wroclaw_teams(loader: _Loader, estates: set[str]) -> dict[str, Team]:
    owned = [name for *_team, names in WROCLAW_TEAMS for name in names]
    if sorted(owned) != sorted(estates):
        raise DemoError(
            "WROCLAW_TEAMS must give every estate one team: "
            f"missing {sorted(estates - set(owned))}, unknown {sorted(set(owned) - estates)}"
        )
    wanted = {}
    for number, label, programmes, _names in WROCLAW_TEAMS:
        pal = ", ".join(f"„{p}”" for p in programmes)
        wanted[_ztps(number)] = {
            "name": f"ZTPS {number} – {label}",
            "city": "Wrocław",
            "description": f"Zespół Terenowej Pracy Socjalnej nr {number} MOPS Wrocław; "
            f"program(y) aktywności lokalnej 2013: {pal}. Przydział osiedli ilustracyjny. / "
            f"District field team no. {number}; its 2013 programmes are real, the estates "
            "it owns here are illustrative.",
            "source": f"{SEED_WROCLAW}: team number and programme names; {ILLUSTRATIVE} "
            "assignment of estates, grown from the programme's estate over its neighbours",
        }
    teams = loader.teams(wanted)
    return {name: teams[_ztps(number)] for number, *_rest, names in WROCLAW_TEAMS for name in names}


def _ztps(number: int) -> str:
    return f"WRO-ZTPS-{number:02d}"


def _load_wroclaw_resources(
    loader: _Loader, wroclaw: _Places, categories: dict[str, catalog.Entry]
) -> dict[str, Resource]:
    wanted: dict[str, dict[str, Any]] = {}
    for key, street, estate, doubt in PASZ_POINTS:
        wanted[f"wro-pasz-{key}"] = {
            "source": f"{SEED_WROCLAW}: PASZ at ul. {street} (no house number given); "
            f"{APPROXIMATE}: a representative point inside the estate {estate}{doubt}",
            "name": f"Punkt Aktywizacji Społeczno-Zawodowej (PASZ) – ul. {street}",
            "kind": _kind("activation_point", categories),
            "category": "activation_point",
            "address": f"ul. {street}, Wrocław",
            "description": "Rozmowa doradcza: trudności w powrocie na rynek pracy, potencjał, "
            "bariery, przygotowanie do poszukiwania pracy.",
            "target_groups": ["unemployed"],
            "area_id": wroclaw.rows[estate].id,
            "geom": _point(wroclaw.shapes[estate].representative_point()),
        }
    centre = _point(wroclaw.shapes["Nadodrze"].representative_point())
    nadodrze = wroclaw.rows["Nadodrze"].id
    wanted["wro-ncw"] = {
        "source": f"{SEED_WROCLAW}: name, address, opening on 2013-05-17 and activities; "
        f"{APPROXIMATE}: a representative point inside the estate Nadodrze",
        "name": "Nadodrzańskie Centrum Wsparcia",
        "kind": _kind("support_centre", categories),
        "category": "support_centre",
        "address": "ul. Rydygiera 43–45, Wrocław",
        "description": "Otwarte 17 maja 2013 r. PAL „Aktywne Nadodrze” – Akademia Lidera; "
        "poradnictwo specjalistyczne (uzależnienia, przemoc, sprawy rodzinne), prawne i "
        "zawodowe (PASZ); grupy wsparcia i samopomocowe; Akademia OSL.",
        "target_groups": ["families", "unemployed", "foster_care_leavers"],
        "area_id": nadodrze,
        "geom": centre,
    }
    # Team-only: a pin the privacy filters must hide from viewers and share links.
    wanted["wro-ncw-self-help"] = {
        "source": f"{SEED_WROCLAW} names a self-help group for addicted people at the centre; "
        f"team-only in the demo; {APPROXIMATE}: at the centre's pin",
        "name": "Grupa samopomocowa dla osób uzależnionych (NCW)",
        "kind": _kind("self_help_group", categories),
        "category": "self_help_group",
        "address": "ul. Rydygiera 43–45, Wrocław",
        "target_groups": ["addicted"],
        "visibility": "team",
        "area_id": nadodrze,
        "geom": centre,
    }
    for extra in WROCLAW_RESOURCES:
        wanted[extra.key] = {
            "source": f"{ILLUSTRATIVE}: invented for the demo; {APPROXIMATE}",
            "name": extra.name,
            "kind": _kind(extra.category, categories),
            "category": extra.category,
            "description": extra.description,
            "target_groups": list(extra.target_groups),
            "visibility": extra.visibility,
            "area_id": wroclaw.rows[extra.estate].id,
            "geom": _point(_spot(wroclaw.shapes[extra.estate], extra.key)),
        }
    return loader.pins(Resource, "resources", wanted)


def _load_wroclaw_partnerships(loader: _Loader, wroclaw: _Places) -> None:
    codes = {_ztps(spec.team) for spec in WROCLAW_PARTNERSHIPS}
    teams = {t.code: t for t in loader.session.scalars(select(Team).where(Team.code.in_(codes)))}
    partnerships = loader.partnerships(
        {
            spec.name: {
                "formed_on": spec.formed_on,
                "team_id": teams[_ztps(spec.team)].id,
                "description": f"Partnerstwo lokalne zawiązane {spec.formed_on:%d.%m.%Y} r. "
                f"(ZTPS {spec.team}). Członkowie w demo są ilustracyjni.",
                "source": f"{SEED_WROCLAW}: name and date of formation; {spec.areas_from}",
            }
            for spec in WROCLAW_PARTNERSHIPS
        }
    )
    covers = [
        {"partnership_id": partnerships[spec.name].id, "area_id": wroclaw.rows[estate].id}
        for spec in WROCLAW_PARTNERSHIPS
        for estate in spec.estates
    ]
    loader.links(PartnershipArea, "partnership_areas", ("partnership_id", "area_id"), covers)
    partners: dict[str, dict[str, Any]] = {}
    memberships: list[tuple[str, str, dict[str, Any]]] = []
    for spec in WROCLAW_PARTNERSHIPS:
        home = spec.estates[0]
        for role_key, pattern, sector, role, days in PARTNER_TEMPLATE + PARTNER_EXTRAS.get(
            spec.key, ()
        ):
            key = f"wro-{spec.key}-{role_key}"
            partners[key] = {
                "source": f"{ILLUSTRATIVE} member of {spec.name}, not its real member list; "
                f"{APPROXIMATE}",
                "name": pattern.format(team=spec.team, estate=home),
                "sector": sector,
                "area_id": wroclaw.rows[home].id,
                "geom": _point(_spot(wroclaw.shapes[home], key)),
            }
            joined = spec.formed_on + dt.timedelta(days=days)
            memberships.append((spec.name, key, {"role": role, "joined_on": joined}))
    rows = loader.pins(Partner, "partners", partners)
    _join(loader, partnerships, rows, memberships)
