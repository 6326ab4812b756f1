"""Hand-made ``MapContent`` for the poster and static-map tests: real Wrocław estates, made-up pins.

The estates come from ``geodata/files/wroclaw_osiedla_48.geojson`` (SIP
Wrocławia); the pins are generated inside them with a fixed seed and Polish
names, so every run draws the same map. No database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import make_valid
from shapely.geometry import Point

from mapping.catalog import default_entries
from mapping.maps.legend import legend_sections
from mapping.reports.content import MapContent, Member, PartnershipSummary

GEODATA = Path(__file__).resolve().parent.parent / "geodata" / "files"
ESTATES = GEODATA / "wroclaw_osiedla_48.geojson"
FOCUS = "Nadodrze"
NEIGHBOURS = ("Ołbin", "Kleczków", "Szczepin", "Stare Miasto")
WORDS = ("Świetlica", "Klub Seniora", "Stowarzyszenie", "Fundacja", "Parafia św. Łukasza",
         "Biblioteka Żółta", "Szkoła Podstawowa nr", "Przedszkole Źródełko", "Gęśla Wólka",
         "Spółdzielnia Ćma", "Koło Gospodyń", "Ośrodek Ńaprawy")
STREETS = ("ul. Łokietka", "ul. Żeromskiego", "ul. Ślężna", "ul. Jedności Narodowej",
           "pl. Staszica", "ul. Pomorska", "ul. Dubois")
LAYER_CATEGORIES = {
    "resource": ("school", "kindergarten", "library", "culture_centre", "health", "police",
                 "social_welfare"),
    "partner": ("public", "ngo", "church", "business", "informal", "council"),
    "need": ("seniors_loneliness", "after_school", "unemployment", "meeting_place", "housing",
             "safety"),
}
NEED_STATUSES = ("identified", "being_addressed", "met")


def estates() -> gpd.GeoDataFrame:
    """The focus estate and its neighbours, shaped like ``MapContent.areas``."""
    frame = gpd.read_file(ESTATES)
    frame = frame[frame["osiedle"].isin((FOCUS, *NEIGHBOURS))].copy()
    frame["geometry"] = make_valid(frame.geometry.values)
    frame = frame.rename(columns={"osiedle": "name"})
    frame["id"] = frame["id"].astype(int)
    frame["kind"] = "estate"
    frame["parent_id"] = None
    frame["team_id"] = 7
    frame["population"] = None
    frame["streets"] = None
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326").reset_index(drop=True)


def _points_in(polygon, count: int, rng: np.random.Generator) -> list[Point]:
    minx, miny, maxx, maxy = polygon.bounds
    points: list[Point] = []
    while len(points) < count:
        xs = rng.uniform(minx, maxx, count * 3)
        ys = rng.uniform(miny, maxy, count * 3)
        points += [p for p in map(Point, xs, ys) if polygon.contains(p)]
    return points[:count]


def pins(areas: gpd.GeoDataFrame, per_layer: dict[str, int], seed: int = 7,
         whole_area_needs: int = 3) -> dict[str, gpd.GeoDataFrame]:
    """Generated pins inside the focus estate, with Polish names and addresses."""
    rng = np.random.default_rng(seed)
    polygon = areas.loc[areas["name"] == FOCUS].geometry.iloc[0]
    area_id = int(areas.loc[areas["name"] == FOCUS, "id"].iloc[0])
    out = {}
    for layer, count in per_layer.items():
        categories = LAYER_CATEGORIES[layer]
        points = _points_in(polygon, count, rng)
        rows = {
            "id": range(1, count + 1),
            "area_id": [area_id] * count,
            "name": [f"{WORDS[i % len(WORDS)]} {i + 1}" for i in range(count)],
            "category": [categories[i % len(categories)] for i in range(count)],
            "address": [f"{STREETS[i % len(STREETS)]} {i % 40 + 1}" for i in range(count)],
            "phone": ["71 000 00 00"] * count,
        }
        geometry: list = list(points)
        if layer == "need":
            rows["status"] = [NEED_STATUSES[i % 3] for i in range(count)]
            # The last needs cover the whole estate: no point.
            for i in range(max(0, count - whole_area_needs), count):
                geometry[i] = None
        out[layer] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometry, crs="EPSG:4326")
    return out


def content(per_layer: dict[str, int] | None = None, *, title: str = "Nadodrze – Ośrodek Żółć",
            language: str = "pl", changes=None, **kwargs) -> MapContent:
    """A ``MapContent`` of Nadodrze with generated pins (a few hundred by default)."""
    areas = estates()
    per_layer = per_layer if per_layer is not None else {"resource": 140, "partner": 60,
                                                         "need": 100}
    layers = pins(areas, per_layer)
    for layer in ("resource", "partner", "need"):
        layers.setdefault(layer, gpd.GeoDataFrame(
            {"name": [], "category": []}, geometry=[], crs="EPSG:4326"))
    catalogue = default_entries()
    focus = int(areas.loc[areas["name"] == FOCUS, "id"].iloc[0])
    values = {
        "unit": "area", "unit_id": focus, "slug": "nadodrze", "title": title,
        "team_name": "ZTPS/7 „Aktywne Nadodrze”", "city": "Wrocław",
        "snapshot_name": "Czerwiec 2026", "snapshot_date": dt.date(2026, 6, 1),
        "language": language, "areas": areas, "focus_area_ids": [focus], "pins": layers,
        "catalogue": catalogue, "legend": legend_sections(layers, catalogue, language),
        "compare_name": "Czerwiec 2025", "compare_date": dt.date(2025, 6, 2),
        "changes": changes,
        "partnerships": [PartnershipSummary("Razem dla Nadodrza", dt.date(2010, 4, 26), (
            Member("Fundacja Ćma", "lider", dt.date(2010, 4, 26)),
            Member("Parafia św. Łukasza", None, None)))],
        "survey_highlights": ["Seniorzy najczęściej wskazują samotność (42% odpowiedzi)."],
        "online_url": "https://mapa.mops.example.pl/?area=nadodrze",
        "attribution": "Granice: SIP Wrocławia · © OpenStreetMap contributors",
        "notes": ["Pominięto 3 pinezki widoczne tylko dla zespołu."],
    }
    values.update(kwargs)
    return MapContent(**values)
