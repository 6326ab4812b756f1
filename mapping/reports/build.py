"""From a snapshot to the contents of every map of the June pack, read from the database once.

The layers are read as of the snapshot (and the comparison snapshot) for a
meeting audience: public and partnership pins, never team-only ones, what a
viewer may see. Everything else is cut out of those two reads in memory
(``mapping.analysis.map_units.select``), so adding areas adds no queries and a map's
cost depends on its own pins, not on the size of the city.

Which maps: one per area that has no areas under it (Wrocław's 48 estates,
Gdańsk's 35 districts), one per team, and the city overview; ``team`` or
``area`` narrow that to one team (its areas and itself) or one area.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.analysis import action_plan, changes, map_units
from mapping.errors import UserError
from mapping.i18n import t
from mapping.io.export import LIST_SEPARATOR, ExportData
from mapping.maps.legend import legend_sections
from mapping.reports.content import MapContent, Member, PartnershipSummary
from mapping.services import snapshots
from mapping.services.accounts import Actor

# The pack is shown to a partnership meeting: what a viewer may see.
MEETING_AUDIENCE = Actor(id=0, username="calmap-june-pack", role="viewer")
PIN_LAYERS = ("resource", "partner", "need")
# Archived needs are history, not the map (as in the app's own layers).
SHOWN_NEED_STATUSES = ("identified", "being_addressed", "met")
SURVEY_HIGHLIGHTS = 6
ROW_ID = re.compile(r",\s*id\s+\S+$")
SLUG_LENGTH = 60


@dataclass(frozen=True)
class PackRequest:
    """What a user asks the pack for: a snapshot, optionally compared, for a city/team/area."""

    snapshot: str
    compare: str | None = None
    city: str | None = None
    team: str | None = None
    area: str | None = None
    language: str = "pl"


@dataclass
class PackPlan:
    """Every map the pack will render, the city-wide change report and notes for the user."""

    request: PackRequest
    snapshot_name: str
    snapshot_date: dt.date
    compare_name: str | None
    compare_date: dt.date | None
    contents: list[MapContent]
    city: MapContent
    report: changes.ChangeReport | None
    notes: list[str] = field(default_factory=list)
    # The city's own map is drawn for a whole-city pack, not for one team's or area's.
    include_city: bool = True

    def maps(self) -> list[MapContent]:
        """Every map the pack draws: areas, teams, and the city's when included."""
        return [*self.contents, *([self.city] if self.include_city else [])]


def slug(text: str, prefix: str) -> str:
    """A file-name-safe ASCII name: ``prefix-`` and the text without diacritics, cut short.

    >>> slug("Nadodrze – Ołbin", "obszar")
    'obszar-nadodrze-olbin'
    """
    ascii_text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:SLUG_LENGTH].strip("-")
    return f"{prefix}-{words}" if words else prefix


def _find_team(teams: pd.DataFrame, wanted: str) -> int:
    """The team named by code, name or id (letter case ignored)."""
    key = wanted.strip().casefold()
    for row in teams.itertuples():
        if key in (str(row.code).casefold(), str(row.name).casefold(), str(row.id)):
            return int(row.id)
    known = "; ".join(sorted(f"{r.code} ({r.name})" for r in teams.itertuples()))
    raise UserError("june.unknown_team", team=wanted, known=known or "-")


def _find_area(areas: pd.DataFrame, wanted: str) -> int:
    """The area named by its name or id (letter case ignored); a name must be unambiguous."""
    key = wanted.strip().casefold()
    hits = [int(r.id) for r in areas.itertuples() if key in (str(r.name).casefold(), str(r.id))]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UserError("june.ambiguous_area", area=wanted, ids=", ".join(map(str, hits)))
    raise UserError("june.unknown_area", area=wanted)


def _city_of(areas: pd.DataFrame, teams: pd.DataFrame) -> dict[int, str | None]:
    """Each area's city: the nearest enclosing area of kind ``city``, else its team's city."""
    parent = dict(zip(areas["id"].astype(int), areas["parent_id"], strict=True))
    kind = dict(zip(areas["id"].astype(int), areas["kind"], strict=True))
    name = dict(zip(areas["id"].astype(int), areas["name"], strict=True))
    team = dict(zip(areas["id"].astype(int), areas["team_id"], strict=True))
    team_city = dict(zip(teams["id"].astype(int), teams["city"], strict=True))
    found: dict[int, str | None] = {}
    for area_id in parent:
        chain: list[int] = []
        current: int | None = area_id
        while current is not None and current in parent and len(chain) < 32:
            chain.append(current)
            value = parent[current]
            current = None if pd.isna(value) else int(value)
        city = next((name[a] for a in chain if kind[a] == "city"), None)
        if city is None:
            city = next(
                (team_city.get(int(team[a])) for a in chain if not pd.isna(team[a])), None
            )
        found[area_id] = city
    return found


def _pins(data: ExportData) -> dict[str, gpd.GeoDataFrame]:
    """The pin frames shaped like ``services.layers.pins``: ``category`` everywhere, lists."""
    frames = data.frames
    members = frames["partnership_member"]
    current = members.loc[members["left_on"].isna()]
    names = dict(zip(frames["partnership"]["id"], frames["partnership"]["name"], strict=True))
    partnerships: dict[int, list[str]] = {}
    for partner_id, partnership_id in zip(
        current["partner_id"], current["partnership_id"], strict=True
    ):
        if partnership_id in names:
            partnerships.setdefault(int(partner_id), []).append(names[partnership_id])
    result = {}
    for layer in PIN_LAYERS:
        frame = frames[layer].copy()
        if layer == "partner":
            frame["category"] = frame["sector"]
            frame["partnerships"] = [sorted(partnerships.get(int(i), [])) for i in frame["id"]]
        if layer == "need":
            frame = frame.loc[frame["status"].isin(SHOWN_NEED_STATUSES)]
        if "target_groups" in frame:
            frame["target_groups"] = [
                [] if v is None or pd.isna(v) else str(v).split(LIST_SEPARATOR)
                for v in frame["target_groups"]
            ]
        result[layer] = gpd.GeoDataFrame(frame.reset_index(drop=True), crs=frames[layer].crs)
    return result


def _partnerships(data: ExportData) -> list[PartnershipSummary]:
    """The partnerships of a map with their current members, by name."""
    frames = data.frames
    partner_names = dict(zip(frames["partner"]["id"], frames["partner"]["name"], strict=True))
    members = frames["partnership_member"]
    members = members.loc[members["left_on"].isna()]
    found = []
    for row in frames["partnership"].sort_values("name").itertuples():
        rows = members.loc[members["partnership_id"] == row.id]
        listed = tuple(
            sorted(
                (
                    Member(
                        partner=str(partner_names[m.partner_id]),
                        role=None if pd.isna(m.role) else str(m.role),
                        joined_on=None if pd.isna(m.joined_on) else m.joined_on,
                    )
                    for m in rows.itertuples()
                    if m.partner_id in partner_names
                ),
                key=lambda m: m.partner.casefold(),
            )
        )
        formed = None if pd.isna(row.formed_on) else row.formed_on
        found.append(PartnershipSummary(name=str(row.name), formed_on=formed, members=listed))
    return found


def _survey_highlights(needs: pd.DataFrame) -> list[str]:
    """Needs published from surveys, with their evidence: already safe aggregates."""
    published = needs.loc[(needs["source_method"] == "survey") & needs["evidence"].notna()]
    published = published.sort_values(["priority", "name"], na_position="last")
    return [f"{row.name}: {row.evidence}" for row in published.head(SURVEY_HIGHLIGHTS).itertuples()]


def _attribution(areas: pd.DataFrame, language: str) -> str:
    """Where the boundaries come from, as their rows say, each source named once.

    >>> import pandas as pd
    >>> _attribution(pd.DataFrame({"source": ["SIP Wrocławia, id 4", "SIP Wrocławia, id 5"]}),
    ...              "en")
    'Area boundaries: SIP Wrocławia. Data: MOPS, as of the snapshot date.'
    """
    # A row's source ends with its feature id in the source file: not for a poster.
    names = (ROW_ID.sub("", str(s).split(";")[0]).strip() for s in areas["source"].dropna())
    sources = sorted({n for n in names if n})
    return t("june.attribution", language, sources="; ".join(sources[:4]) or "-")


def plan_pack(
    session: Session,
    request: PackRequest,
    *,
    public_url: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> PackPlan:
    """Read the snapshot(s) once and describe every map the pack holds.

    Unknown snapshot, team or area, or a comparison snapshot that is not
    earlier than the snapshot: a ``UserError``, before anything is rendered.
    """
    language = request.language
    snapshot = snapshots.get_snapshot(session, request.snapshot)
    earlier = snapshots.get_snapshot(session, request.compare) if request.compare else None
    if earlier is not None and earlier.taken_at >= snapshot.taken_at:
        raise UserError("june.compare_not_earlier", compare=earlier.name, snapshot=snapshot.name)
    if on_step:
        on_step(t("june.step_read", language, name=snapshot.name))
    after = snapshots.read_snapshot(session, MEETING_AUDIENCE, snapshot)
    before = snapshots.read_snapshot(session, MEETING_AUDIENCE, earlier) if earlier else None
    entries = catalog.entries(session)
    notes = [t("june.note_team_only", language)]
    areas, teams = after.frames["area"], after.frames["team"]
    cities = _city_of(areas, teams)
    team_id = _find_team(teams, request.team) if request.team else None
    area_id = _find_area(areas, request.area) if request.area else None
    city = request.city
    if city is not None and city.casefold() not in {str(c).casefold() for c in cities.values()}:
        known = "; ".join(sorted({c for c in cities.values() if c}))
        raise UserError("june.unknown_city", city=city, known=known or "-")
    if city is None and area_id is not None:
        city = cities.get(area_id)
    if city is None and team_id is not None:
        owned = map_units.team_area_ids(areas, team_id)
        city = next((cities[a] for a in sorted(owned) if cities.get(a)), None)
    in_city = {
        a for a, c in cities.items()
        if city is None or (c is not None and c.casefold() == city.casefold())
    }
    report = None
    if before is not None:
        report = changes.compare(
            before, after, before_label=earlier.name if earlier else "", after_label=snapshot.name
        )
    elif request.compare is None:
        notes.append(t("june.note_no_compare", language))

    def content(unit: str, unit_id: int | None, title: str, data: ExportData,
                focus: list[int], team_name: str | None, key: str) -> MapContent:
        pins = _pins(data)
        unit_changes = None
        if report is not None:
            source = {"area": report.by_area, "team": report.by_team}.get(unit)
            unit_changes = report.city if source is None else source.get(unit_id or -1)
        link = None
        if public_url and unit_id is not None:
            link = f"{public_url}/?{unit}={unit_id}"
        elif public_url:
            link = public_url + "/"
        unit_notes = list(notes)
        if all(len(frame) == 0 for frame in pins.values()):
            unit_notes.append(t("june.note_empty", language, name=title))
        return MapContent(
            unit=unit,  # type: ignore[arg-type]
            unit_id=unit_id,
            slug=key,
            title=title,
            team_name=team_name,
            city=city,
            snapshot_name=snapshot.name,
            snapshot_date=snapshot.on_date,
            compare_name=earlier.name if earlier else None,
            compare_date=earlier.on_date if earlier else None,
            language=language,
            areas=data.frames["area"],
            focus_area_ids=focus,
            pins=pins,
            catalogue=entries,
            legend=legend_sections(pins, entries, language),
            partnerships=_partnerships(data),
            changes=unit_changes,
            survey_highlights=_survey_highlights(pins["need"]),
            action_plan=action_plan.plan_rows(
                data, dict(zip(pins["need"]["id"].astype(int), pins["need"]["name"], strict=True))
            ),
            online_url=link,
            attribution=_attribution(data.frames["area"], language),
            notes=unit_notes,
        )

    team_names = dict(zip(teams["id"].astype(int), teams["name"], strict=True))
    has_children = set(areas["parent_id"].dropna().astype(int))
    if area_id is not None:
        area_ids = [area_id]
    else:
        wanted = in_city
        if team_id is not None:
            wanted &= map_units.team_area_ids(areas, team_id)
        area_ids = [
            int(a) for a in areas.sort_values("name")["id"]
            if int(a) in wanted and int(a) not in has_children
            and areas.loc[areas["id"] == a, "kind"].iloc[0] != "city"
        ]
    if team_id is not None:
        team_ids = [team_id]
    elif area_id is not None:
        team_ids = []
    else:
        team_ids = sorted(
            {int(x) for x in areas.loc[areas["id"].isin(in_city), "team_id"].dropna()}
            | ({int(x) for x in teams.loc[teams["city"] == city, "id"]} if city else set()),
            key=lambda i: team_names.get(i, ""),
        )
    owner = _area_teams(areas)
    contents = []
    for a in area_ids:
        name = str(areas.loc[areas["id"] == a, "name"].iloc[0])
        team = owner.get(a)
        contents.append(content(
            "area", a, name, map_units.select(after, area_id=a), [a],
            team_names.get(team) if team is not None else None, slug(name, f"obszar-{a}"),
        ))
    for team in team_ids:
        data = map_units.select(after, team_id=team)
        team_areas = [int(x) for x in areas.loc[areas["team_id"] == team, "id"]]
        code = str(teams.loc[teams["id"] == team, "code"].iloc[0])
        contents.append(content(
            "team", team, team_names[team], data, team_areas, team_names[team],
            slug(code, "zespol"),
        ))
    city_data = after if city is None else _city_part(after, in_city)
    city_title = city or t("june.all_cities", language)
    city_content = content(
        "city", None, city_title, city_data, _top_areas(areas, in_city), None,
        slug(city_title, "miasto"),
    )
    if not contents:
        notes.append(t("june.note_nothing", language))
    return PackPlan(
        request=request,
        snapshot_name=snapshot.name,
        snapshot_date=snapshot.on_date,
        compare_name=earlier.name if earlier else None,
        compare_date=earlier.on_date if earlier else None,
        contents=contents,
        city=city_content,
        report=report,
        notes=notes,
        include_city=team_id is None and area_id is None,
    )


def _area_teams(areas: pd.DataFrame) -> dict[int, int | None]:
    """Each area's team: its own, else the nearest enclosing area's."""
    parent = dict(zip(areas["id"].astype(int), areas["parent_id"], strict=True))
    team = dict(zip(areas["id"].astype(int), areas["team_id"], strict=True))
    found: dict[int, int | None] = {}
    for area_id in parent:
        current: int | None = area_id
        depth = 0
        while current is not None and current in parent and depth < 32:
            if not pd.isna(team[current]):
                found[area_id] = int(team[current])
                break
            value = parent[current]
            current = None if pd.isna(value) else int(value)
            depth += 1
        else:
            found[area_id] = None
    return found


def _top_areas(areas: pd.DataFrame, area_ids: set[int]) -> list[int]:
    """The areas of ``area_ids`` that no other area of them encloses (the city outline)."""
    return [
        int(a) for a, p in zip(areas["id"], areas["parent_id"], strict=True)
        if int(a) in area_ids and (pd.isna(p) or int(p) not in area_ids)
    ]


def _city_part(data: ExportData, area_ids: set[int]) -> ExportData:
    """The city's map: the union of its top areas' maps (one select per top area)."""
    top = _top_areas(data.frames["area"], area_ids)
    if len(top) == 1:
        return map_units.select(data, area_id=top[0])
    parts = [map_units.select(data, area_id=a) for a in top]
    frames = {
        name: pd.concat([p.frames[name] for p in parts]).drop_duplicates(
            subset=["id"] if "id" in data.frames[name] else None
        ).reset_index(drop=True)
        for name in data.frames
        if name != "category"
    }
    frames["category"] = data.frames["category"]
    for name in ("area", *PIN_LAYERS):
        frames[name] = gpd.GeoDataFrame(frames[name], crs=data.frames[name].crs)
    return dataclasses.replace(data, frames=frames)
