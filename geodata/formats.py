"""Opening the GIS files people really send, safely, as features in EPSG:4326.

Supported: GeoJSON, GeoPackage, zipped Shapefile (with or without ``.cpg``;
a bare ``.shp`` beside its sidecar files too), KML and KMZ, read through
pyogrio/GDAL; and tables (CSV, XLSX rows already decoded by the caller) whose
geometry is a WKT column or two coordinate columns (``features_from_table``).

Where things are: this module reads GIS files (``read_features``);
``geodata.features`` holds what reading gives and how a file is refused,
``geodata.crs`` the coordinate systems, ``geodata.archives`` the zip
unpacking, ``geodata.tables`` features from CSV/XLSX tables.

Everything that can go wrong with the *file* raises ``FormatError`` with a
``code`` (the caller turns it into a message in the user's language) and the
values to show. What is wrong with single *features* is not decided here: the
import services report it feature by feature.

Safety: the file size is checked before anything is read; a zip is unpacked
by us, not by GDAL, with the number of members, each member's size, the total
and the compression ratio checked while unpacking, whatever the zip's
headers claim; only the members a dataset needs are written, under their
bare names, into a private temporary directory that is removed afterwards.
"""

from __future__ import annotations

import codecs
import json
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from geodata.archives import _SHAPEFILE_NEEDS, _dataset_in_zip
from geodata.crs import _in_wgs84, _sibling, _source_crs, _usable_prj, parse_crs
from geodata.features import (
    DEFAULT_LIMITS,
    MB,
    Features,
    FormatError,
    Limits,
    Note,
    check_encoding,
    check_size,
)

# Suffix → what it is. A zip may hold any of the single-file formats or a shapefile.
GIS_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".zip": "zip",
    ".kml": "KML",
    ".kmz": "KMZ",
}
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


# dBASE language driver ids GDAL understands itself; 0 means "not stated".
_DBF_LDID_OFFSET = 29
# LIBKML's bookkeeping columns: styling and timing, never an attribute of an area or place.
_KML_HOUSEKEEPING = (
    "id", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
    "drawOrder", "icon", "snippet",
)  # fmt: skip
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_OPENING = {"}": "{", "]": "["}
# Control characters no JSON text holds outside a string (and no string unescaped).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What the user is told a file failed to be.
_FORMAT_NAMES = {"GeoJSON": "GeoJSON", "GPKG": "GeoPackage", "ESRI Shapefile": "Shapefile",
                 "KML": "KML"}


# --- reading GIS files ---------------------------------------------------------------------


def read_features(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    crs: str | None = None,
    encoding: str | None = None,
    layer: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Features:
    """Read a GIS file (path or uploaded bytes) into features in EPSG:4326.

    ``crs`` is used when the file declares none (a shapefile without a
    ``.prj``, a broken ``.prj``); GeoJSON and KML are EPSG:4326 by
    definition. ``encoding`` overrides what the file says of its attributes
    (a shapefile's ``.cpg``); without either, a shapefile's attributes are
    read as UTF-8 when they are valid UTF-8 and as CP1250 (Polish Windows)
    otherwise, and a note says so. A file with several layers is read whole
    for KML (folders), else ``layer`` or the first layer, with a note.

    >>> from geodata import FILES
    >>> found = read_features(FILES / "wroclaw_osiedla_48.geojson")
    >>> len(found.frame), found.file_format, found.source_crs, found.rows[:3]
    (48, 'GeoJSON', 'EPSG:4326', [1, 2, 3])
    """
    if isinstance(source, bytes):
        name = PurePosixPath(filename or "upload").name
        check_size(len(source), limits)
        with _private_dir() as workdir:
            # GDAL reads "a!b" as a member of an archive: the upload is written
            # under a plain name (letters, digits, spaces, . - _ ( )).
            path = workdir / (re.sub(r"[^\w .()-]", "_", name) or "upload")
            path.write_bytes(source)
            return _read_path(path, crs, encoding, layer, limits, workdir)
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormatError("unreadable", f"{path}: {exc.strerror}", name=path.name) from None
    check_size(size, limits)
    with _private_dir() as workdir:
        return _read_path(path, crs, encoding, layer, limits, workdir)


@contextmanager
def _private_dir() -> Iterator[Path]:
    workdir = Path(tempfile.mkdtemp(prefix="calmap-import-"))
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _read_path(
    path: Path,
    crs: str | None,
    encoding: str | None,
    layer: str | None,
    limits: Limits,
    workdir: Path,
) -> Features:
    suffix = path.suffix.lower()
    kind = GIS_SUFFIXES.get(suffix)
    if kind is None:
        supported = ", ".join(sorted({*GIS_SUFFIXES, *TABLE_SUFFIXES}))
        raise FormatError(
            "unsupported",
            f"{path.name}: {suffix or 'no suffix'} is not a supported format ({supported})",
            suffix=suffix or "?",
            supported=supported,
        )
    given_crs = parse_crs(crs)
    encoding = check_encoding(encoding)
    if kind in ("zip", "KMZ"):
        path = _dataset_in_zip(path, workdir / "unpacked", limits)
        kind = GIS_SUFFIXES[path.suffix.lower()]
    notes: list[Note] = []
    if kind == "ESRI Shapefile":
        _check_shapefile_parts(path)
        path = _usable_prj(path, given_crs, workdir / "without-prj")
        if encoding is None:
            encoding = _shapefile_encoding(path, notes)
    frame, layer_name = _read_layers(path, kind, layer, encoding, notes, limits)
    source_crs = _source_crs(frame, path, kind, given_crs, notes)
    frame = frame.set_crs(source_crs, allow_override=True)
    return _in_wgs84(
        frame,
        file_format=kind,
        source_crs=source_crs,
        rows=list(range(1, len(frame) + 1)),
        encoding=encoding,
        layer=layer_name,
        notes=notes,
    )


def _check_shapefile_parts(path: Path) -> None:
    siblings = {p.suffix.lower(): p for p in path.parent.iterdir() if p.stem == path.stem}
    missing = [suffix for suffix in _SHAPEFILE_NEEDS if suffix not in siblings]
    if missing:
        raise FormatError(
            "shapefile_incomplete",
            f"{path.name}: the shapefile lacks {', '.join(missing)}",
            missing=", ".join(missing),
        )


def _shapefile_encoding(path: Path, notes: list[Note]) -> str | None:
    """The attributes' encoding when neither a ``.cpg`` nor the dBASE header states it."""
    if _sibling(path, ".cpg") is not None:
        return None
    dbf = _sibling(path, ".dbf")
    if dbf is None:
        return None
    with dbf.open("rb") as handle:
        header = handle.read(32)
        if len(header) < 32 or header[_DBF_LDID_OFFSET] != 0:
            return None  # GDAL reads the language driver id itself
        header_length = int.from_bytes(header[8:10], "little")
        handle.seek(header_length)
        sample = handle.read(4 * MB)
    if sample.isascii():
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 4 MB sample is still UTF-8.
        if exc.start < len(sample) - 4:
            notes.append(Note("encoding_guessed", {"encoding": "CP1250"}))
            return "cp1250"
    notes.append(Note("encoding_guessed", {"encoding": "UTF-8"}))
    return "utf-8"


def _read_layers(
    path: Path,
    kind: str,
    layer: str | None,
    encoding: str | None,
    notes: list[Note],
    limits: Limits,
) -> tuple[gpd.GeoDataFrame, str | None]:
    try:
        layers = [str(name) for name, _type in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, OSError, RuntimeError) as exc:
        raise _unreadable(path, kind, exc) from None
    if layer is not None and layer not in layers:
        raise FormatError(
            "layer_not_found",
            f"{path.name} has no layer {layer!r}; it has {', '.join(layers)}",
            layer=layer,
            layers=", ".join(layers),
        )
    if layer is not None:
        chosen = [layer]
    elif kind == "KML":
        chosen = layers  # folders of one map: all of them
    else:
        chosen = layers[:1]
        if len(layers) > 1:
            notes.append(Note("other_layers", {"layer": layers[0], "layers": ", ".join(layers)}))
    frames = []
    for name in chosen:
        try:
            # Reading one feature more than the limit tells "too many" without a
            # second pass over the file (GDAL parses a whole GeoJSON on every open).
            frame = pyogrio.read_dataframe(
                path, layer=name, encoding=encoding, max_features=limits.max_features + 1
            )
            if not isinstance(frame, gpd.GeoDataFrame):
                # GDAL reads a table without geometry (a GeoPackage attribute table) as a
                # plain frame: a list of names is no map.
                raise FormatError(
                    "no_geometry", f"{path.name}: layer {name!r} has no geometry", layer=name
                )
            if len(frame) > limits.max_features:
                count = pyogrio.read_info(path, layer=name, encoding=encoding)["features"]
                raise FormatError(
                    "too_many_features",
                    f"{path.name} holds {count} features; at most {limits.max_features}",
                    limit=limits.max_features,
                )
            frames.append(frame)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                UnicodeDecodeError, OSError, RuntimeError) as exc:  # fmt: skip
            raise _unreadable(path, kind, exc) from None
        except shapely.errors.GEOSException:
            # GDAL passed on a geometry GEOS cannot build (a ring that does not
            # close, NaN where a corner should be): the whole read fails on it.
            raise _bad_geometry(path, name, encoding) from None
    frames = [f for f in frames if len(f)]
    if not frames:
        raise FormatError("no_features", f"{path.name} holds no features")
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if kind == "KML":
        frame = frame.drop(columns=[c for c in _KML_HOUSEKEEPING if c in frame.columns])
    return gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frames[0].crs), (
        chosen[0] if len(chosen) == 1 else None
    )


def _unreadable(path: Path, kind: str, exc: BaseException) -> FormatError:
    """What is wrong with a file GDAL could not read, said without GDAL's own words.

    GDAL's text (English, with the private temporary path) goes to the
    English sentence for logs only; the user gets what the file is: empty,
    a web page, cut short, or simply not a ``kind`` file.
    """
    detail = str(exc).split("; It might help")[0].strip()
    if isinstance(exc, UnicodeDecodeError):
        return FormatError(
            "bad_encoding",
            f"{path.name}: the attributes are not in {exc.encoding}",
            encoding=exc.encoding,
        )
    head = _head(path)
    if not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        return FormatError("empty", f"{path.name} holds nothing but blanks")
    if looks_like_html(head):
        return FormatError("html", f"{path.name} is a web page (HTML), not {kind}", name=path.name)
    if kind == "GeoJSON":
        truncated = _truncated_json(path)
        if truncated is not None:
            return FormatError(
                "truncated",
                f"{path.name} ends too early, at byte {truncated} of a file that is not "
                "complete JSON: it was probably cut short while downloading or copying",
                size=truncated,
            )
    return FormatError(
        "not_format",
        f"{path.name}: cannot be read as {kind} ({detail})",
        name=path.name,
        format=_FORMAT_NAMES.get(kind, kind),
    )


def _head(path: Path, size: int = 64 * 1024) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def looks_like_html(head: bytes) -> bool:
    r"""True when the bytes begin like a web page: a login or error page saved under a data name.

    >>> looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>"), looks_like_html(b'{"type": 1}')
    (True, False)
    """
    start = head[:1024].lstrip(b" \t\r\n" + codecs.BOM_UTF8).lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _bad_geometry(path: Path, layer: str, encoding: str | None) -> FormatError:
    """The file's first feature whose geometry GEOS refuses, as an error naming it."""
    row: int | str = "?"
    try:
        _meta, _ids, geometries, _fields = pyogrio.raw.read(
            path, layer=layer, encoding=encoding, columns=[]
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError,
            RuntimeError):  # fmt: skip
        geometries = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shapely's note on the NaN it skips
        for number, value in enumerate(geometries, start=1):
            if value is not None and shapely.from_wkb(value, on_invalid="ignore") is None:
                row = number
                break
    return FormatError(
        "bad_geometry", f"{path.name}: feature {row} has a geometry GEOS cannot build", row=row
    )


def _truncated_json(path: Path) -> int | None:
    """The file's size when it is JSON cut short (brackets or a string left open), else None.

    >>> import tempfile; cut = Path(tempfile.mkdtemp()) / "cut.geojson"
    >>> _ = cut.write_text('{"type": "FeatureCollection", "features": [{"type": "Fea')
    >>> _truncated_json(cut)
    56
    """
    # Latin-1 maps bytes to characters one to one; UTF-8 never uses ASCII
    # bytes inside a multi-byte character, so quotes and brackets are exact.
    text = path.read_bytes().decode("latin-1").rstrip()
    body = text.lstrip(" \t\r\n\xef\xbb\xbf")
    # Only a document that starts as JSON and is text can be JSON cut short:
    # random bytes have unbalanced brackets too.
    if not body.startswith(("{", "[")) or _BINARY.search(body):
        return None
    try:
        json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        pass
    else:
        return None
    outside = _JSON_STRING.sub("", text)
    if outside.count('"'):
        return len(text)  # a string was left open at the end
    stack: list[str] = []
    for bracket in _NOT_BRACKET.sub("", outside):
        if bracket in "{[":
            stack.append(bracket)
        elif not stack or stack.pop() != _OPENING[bracket]:
            return None  # malformed, not cut short
    return len(text) if stack else None
