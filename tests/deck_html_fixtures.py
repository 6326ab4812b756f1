"""Hand-made ``MapContent`` for the deck and offline-map tests: a real Wrocław estate.

The estate's outline comes from ``geodata/files/wroclaw_osiedla_48.geojson``;
pins are generated inside it with Polish names. Which edge case each part covers:

- 45 resources: more than one slide holds, so the table must split;
- a resource named ``<script>alert(1)</script>``: printed literally, never run;
- a need with no geometry: a need of the whole area, listed but not pinned;
- the title: 200 characters, as long as a name may be;
- many new resources in the changes: the cell says "i jeszcze N".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Point

from mapping import catalog
from mapping.analysis.changes import UnitChanges
from mapping.maps.legend import legend_sections
from mapping.reports.content import MapContent, Member, PartnershipSummary
from tests.streamlit_server import PROJECT_ROOT

ESTATES = PROJECT_ROOT / "geodata" / "files" / "wroclaw_osiedla_48.geojson"
XSS = "<script>alert(1)</script>"
LONG_TITLE = ("Osiedle Gądów - Popowice Płd.: mapa zasobów i potrzeb społeczności lokalnej "
              "przygotowana przez zespół ds. organizowania społeczności lokalnej w ramach "
              "metody CAL na czerwiec — wersja ")
LONG_TITLE = (LONG_TITLE + "ż" * 200)[:200]
ESTATE = "Gądów - Popowice Płd."
COMMON = {"description": None, "address": None, "phone": None, "email": None, "www": None,
          "visibility": "public"}
RESOURCE_NAMES = [
    "Szkoła Podstawowa nr {n} im. Marii Skłodowskiej-Curie",
    "Filia nr {n} Miejskiej Biblioteki Publicznej",
    "Klub Seniora „Złota Jesień” nr {n}",
    "Świetlica środowiskowa „Źródełko” {n}",
    "Punkt pomocy żywnościowej Caritas {n}",
]
RESOURCE_CATEGORIES = ["school", "library", "senior_club", "youth_club", "food_point"]


def _points_inside(polygon, count: int) -> list[Point]:
    """``count`` points spread over ``polygon``, the same on every run."""
    minx, miny, maxx, maxy = polygon.bounds
    side = 4
    while True:
        xs = [minx + (maxx - minx) * (i + 0.5) / side for i in range(side)]
        ys = [miny + (maxy - miny) * (j + 0.5) / side for j in range(side)]
        inside = [Point(x, y) for x in xs for y in ys if polygon.contains(Point(x, y))]
        if len(inside) >= 2 * count:
            # Every k-th point, so the pins spread over the whole estate.
            step = len(inside) / count
            return [inside[int(i * step)] for i in range(count)]
        side *= 2


def estate_areas() -> gpd.GeoDataFrame:
    """The estate as the pack's ``areas`` frame (columns of ``MapContent.areas``)."""
    estates = gpd.read_file(ESTATES)
    row = estates[estates["osiedle"] == ESTATE].iloc[0]
    return gpd.GeoDataFrame(
        [{"id": 24, "name": ESTATE, "kind": "estate", "parent_id": None, "team_id": 3,
          "population": 28000, "streets": None}],
        geometry=[MultiPolygon([row.geometry]) if row.geometry.geom_type == "Polygon"
                  else row.geometry],
        crs="EPSG:4326",
    )


def estate_pins(areas: gpd.GeoDataFrame, resources: int = 45) -> dict[str, gpd.GeoDataFrame]:
    """Resources, partners and needs inside the estate, with Polish names."""
    polygon = shapely.union_all(areas.geometry.values)
    points = _points_inside(polygon, resources + 10)
    rows = []
    for i in range(resources):
        name = RESOURCE_NAMES[i % 5].format(n=i + 1)
        rows.append({**COMMON, "id": i + 1, "area_id": 24, "name": name,
                     "category": RESOURCE_CATEGORIES[i % 5], "address": f"ul. Żeromskiego {i + 1}",
                     "kind": "institution_public", "opening_hours": None,
                     "target_groups": ["seniors", "families"] if i % 2 else [],
                     "verified_on": None})
    rows[0]["name"] = XSS
    resource_frame = gpd.GeoDataFrame(rows, geometry=points[:resources], crs="EPSG:4326")
    partners = gpd.GeoDataFrame(
        [
            {**COMMON, "id": 1, "area_id": 24, "name": "Fundacja „Dobro Popowic”",
             "category": "ngo", "partnerships": ["Partnerstwo Gądów"]},
            {**COMMON, "id": 2, "area_id": 24, "name": "Parafia św. Łukasza",
             "category": "church", "partnerships": ["Partnerstwo Gądów"]},
            {**COMMON, "id": 3, "area_id": 24, "name": "Rada Osiedla Gądów",
             "category": "council", "partnerships": []},
        ],
        geometry=points[resources:resources + 3], crs="EPSG:4326",
    )
    needs = gpd.GeoDataFrame(
        [
            {**COMMON, "id": 1, "area_id": 24, "name": "Samotność osób starszych",
             "category": "seniors_loneliness", "status": "identified", "priority": 3,
             "source_method": "survey", "target_groups": ["seniors"], "evidence": None},
            {**COMMON, "id": 2, "area_id": 24, "name": "Brak miejsca spotkań dla młodzieży",
             "category": "meeting_place", "status": "being_addressed", "priority": 2,
             "source_method": "meeting", "target_groups": ["children_youth"], "evidence": None},
            {**COMMON, "id": 3, "area_id": 24, "name": "Bezrobocie długotrwałe na całym osiedlu",
             "category": "unemployment", "status": "identified", "priority": 1,
             "source_method": "statistics", "target_groups": [], "evidence": None},
        ],
        geometry=[points[resources + 3], points[resources + 4], None], crs="EPSG:4326",
    )
    return {"resource": resource_frame, "partner": partners, "need": needs}


def estate_content(language: str = "pl", **changes) -> MapContent:
    """The estate's content for the June 2026 snapshot compared with June 2025."""
    areas = estate_areas()
    pins = estate_pins(areas)
    entries = catalog.default_entries()
    return MapContent(
        unit="area", unit_id=24, slug="gadow-popowice", title=LONG_TITLE,
        team_name="Zespół nr 3 – Fabryczna", city="Wrocław",
        snapshot_name="Czerwiec 2026", snapshot_date=dt.date(2026, 6, 15), language=language,
        areas=areas, focus_area_ids=[24], pins=pins, catalogue=entries,
        legend=legend_sections(pins, entries, language),
        partnerships=[PartnershipSummary(
            name="Partnerstwo Gądów „Razem”", formed_on=dt.date(2024, 3, 12),
            members=(
                Member("Fundacja „Dobro Popowic”", "lider", dt.date(2024, 3, 12)),
                Member("Parafia św. Łukasza", "członek", dt.date(2025, 1, 20)),
                Member(XSS, None, None),
            ),
        )],
        compare_name="Czerwiec 2025", compare_date=dt.date(2025, 6, 16),
        changes=UnitChanges("area", 24, ESTATE, **({
            "new_resources": tuple(f"Nowa świetlica „Żak” nr {n}" for n in range(1, 31)),
            "closed_resources": ("Klub „Łącznik”",),
            "new_partners": ("Parafia św. Łukasza",),
            "needs_identified": ("Samotność osób starszych",),
            "needs_being_addressed": ("Brak miejsca spotkań dla młodzieży",),
            "needs_still_open": ("Bezrobocie długotrwałe na całym osiedlu",),
        } | changes)),
        survey_highlights=["68% seniorów chce spotkań w klubie osiedlowym",
                           "Młodzież najczęściej wskazuje brak boiska"],
        online_url="https://calmap.example.pl/?area=24",
        attribution="Granice osiedli: SIP Wrocławia",
        notes=["Pominięto 4 wpisy widoczne tylko dla zespołu."],
    )


def without_comparison(content: MapContent) -> MapContent:
    """The same content as a first snapshot: nothing earlier to compare with."""
    return replace(content, compare_name=None, compare_date=None, changes=None)
