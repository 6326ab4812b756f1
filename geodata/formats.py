"""Opening the GIS files people really send, safely, as features in EPSG:4326.

Supported: GeoJSON, GeoPackage, zipped Shapefile (with or without ``.cpg``;
a bare ``.shp`` beside its sidecar files too), KML and KMZ, read through
pyogrio/GDAL; and tables (CSV, XLSX rows already decoded by the caller) whose
geometry is a WKT column or two coordinate columns (``features_from_table``).

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
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from geodata.points import parse_decimal

WGS84 = "EPSG:4326"
MB = 1024 * 1024

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
# Members of a zip we unpack; everything else in it (images, nested zips,
# __MACOSX resource forks) is left packed.
_DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml")
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
_SHAPEFILE_NEEDS = (".shx", ".dbf")
# Formats whose coordinates are longitude/latitude by definition (RFC 7946,
# OGC KML); a WKT table usually is too, and the Poland check catches it when not.
_ALWAYS_WGS84 = ("GeoJSON", "KML")
# CRSs in which Polish files are delivered, tried when a file declares none:
# PUWG 1992 and the four PL-2000 zones. Their coordinate ranges do not overlap,
# so at most one of them puts a file in Poland.
POLISH_CRSS = ("EPSG:2180", "EPSG:2176", "EPSG:2177", "EPSG:2178", "EPSG:2179")
# Poland's bounding box with a margin (lon/lat), for telling which CRS fits.
_POLAND_BOX = (13.5, 48.5, 24.5, 55.2)
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


@dataclass(frozen=True)
class Limits:
    """How big a file may be, packed and unpacked; generous for a city, small for a bomb."""

    max_file_bytes: int = 200 * MB
    max_unpacked_bytes: int = 500 * MB
    max_member_bytes: int = 400 * MB
    max_members: int = 1000
    # Shapefiles compress 3–10×; a member a hundred times smaller packed than
    # unpacked (and big enough to matter) is built to explode.
    max_ratio: float = 100.0
    ratio_applies_above_bytes: int = 1 * MB
    max_features: int = 100_000


DEFAULT_LIMITS = Limits()


class FormatError(ValueError):
    """The file cannot be used; ``code`` names the problem, ``params`` the details.

    ``str()`` gives an English sentence for logs; the app and the CLI show the
    translated message ``import_file.<code>``.
    """

    def __init__(self, code: str, english: str, **params: Any) -> None:
        """Keep the code, an English sentence and the values the message names."""
        super().__init__(english)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Note:
    """Something the reader decided about the whole file that the user should know."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Features:
    """What a file holds, ready for an import to check feature by feature.

    ``frame`` has the file's attributes (as read) and its geometries in
    EPSG:4326 (missing where a feature has none or a row's coordinates could
    not be read). ``source_geometry`` keeps them in ``source_crs``, so that a
    check can try the axes the other way round. ``rows`` numbers each feature
    as the user finds it: the spreadsheet row of a table, else 1, 2, 3….
    ``row_problems`` maps a position in ``frame`` to (code, raw value) for
    rows whose geometry could not be read.
    """

    frame: gpd.GeoDataFrame
    source_geometry: gpd.GeoSeries
    file_format: str
    source_crs: str
    rows: list[int]
    encoding: str | None = None
    layer: str | None = None
    notes: list[Note] = field(default_factory=list)
    row_problems: dict[int, tuple[str, str]] = field(default_factory=dict)
    geometry_columns: tuple[str, ...] = ()

    @property
    def attribute_columns(self) -> list[str]:
        """The attribute names, without the geometry and the coordinate columns."""
        skip = {self.frame.geometry.name, *self.geometry_columns}
        return [str(c) for c in self.frame.columns if c not in skip]


# --- checks on the file as a whole ---------------------------------------------------------


def check_size(size: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a file bigger than the limit before a byte of it is parsed."""
    if size > limits.max_file_bytes:
        raise FormatError(
            "too_big",
            f"the file has {size // MB} MB; at most {limits.max_file_bytes // MB} MB is accepted",
            megabytes=limits.max_file_bytes // MB,
            size=size // MB,
        )
    if size == 0:
        raise FormatError("empty", "the file is empty")


def check_encoding(encoding: str | None) -> str | None:
    """The encoding's canonical name, or FormatError for a name Python does not know."""
    if encoding is None or not encoding.strip():
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise FormatError(
            "bad_encoding", f"unknown encoding {encoding!r}", encoding=encoding
        ) from None


def parse_crs(crs: str | None) -> CRS | None:
    """The CRS named by ``crs`` (``EPSG:2180``, ``2180``, WKT, PROJ), or FormatError."""
    if crs is None or not str(crs).strip():
        return None
    text = str(crs).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise FormatError("bad_crs", f"unknown CRS {crs!r}", crs=crs) from None


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
            path = workdir / (name or "upload")
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


def _in_wgs84(frame: gpd.GeoDataFrame, **info: Any) -> Features:
    source = frame.geometry.copy()
    _check_finite(source, info["rows"])
    _check_looks_like_its_crs(source, info["source_crs"])
    if info["source_crs"] != WGS84:
        with warnings.catch_warnings():
            # Wrong-axis coordinates reproject to inf with a warning; the
            # Poland check reports them feature by feature.
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = frame.to_crs(WGS84)
    return Features(frame=frame, source_geometry=source, **info)


def _dataset_in_zip(archive: Path, target: Path, limits: Limits) -> Path:
    """Unpack what a dataset needs from ``archive`` into ``target``; return the dataset."""
    names = unpack_zip(archive, target, limits)
    datasets = [n for n in names if PurePosixPath(n).suffix.lower() in _DATASET_SUFFIXES]
    if archive.suffix.lower() == ".kmz":
        datasets = [n for n in datasets if n.lower().endswith(".kml")]
    if not datasets:
        listed = _listing(archive)
        raise FormatError(
            "zip_no_dataset",
            f"{archive.name} holds no .shp, .gpkg, .geojson or .kml (it holds: {listed})",
            found=listed,
        )
    shapefiles = [n for n in datasets if n.lower().endswith(".shp")]
    chosen = shapefiles if shapefiles else datasets
    if len(chosen) > 1:
        raise FormatError(
            "zip_several",
            f"{archive.name} holds several datasets ({', '.join(chosen)}); send one per zip",
            names=", ".join(chosen),
        )
    return target / chosen[0]


def _listing(archive: Path) -> str:
    with zipfile.ZipFile(archive) as packed:
        names = [i.filename for i in packed.infolist() if not i.is_dir()]
    shown = ", ".join(names[:10]) + (f" … (+{len(names) - 10})" if len(names) > 10 else "")
    return shown or "-"


def unpack_zip(archive: Path, target: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Unpack the dataset members of ``archive`` into ``target``, within ``limits``.

    Members are written under their bare names (no folders, so no path can
    leave ``target``); only dataset files and shapefile sidecars are
    unpacked. Sizes are checked against the headers first and again on every
    chunk written, so a zip that lies about its sizes is stopped as well.
    Returns the names written.
    """
    try:
        packed = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError("bad_zip", f"{archive.name}: not a zip file ({exc})") from None
    with packed:
        wanted = [m for m in packed.infolist() if _wanted_member(m)]
        check_archive(packed, archive.name, limits, wanted)
        target.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        total = 0
        for member in wanted:
            name = PurePosixPath(member.filename).name
            if name in written:
                raise FormatError(
                    "zip_several",
                    f"{archive.name} holds {name} twice (in different folders)",
                    names=name,
                )
            total = _unpack_member(packed, member, target / name, total, archive, limits)
            written.append(name)
        return written


def check_archive(
    packed: zipfile.ZipFile,
    name: str,
    limits: Limits = DEFAULT_LIMITS,
    members: Sequence[zipfile.ZipInfo] | None = None,
) -> None:
    """Refuse an archive by what its headers say, before a byte of it is unpacked.

    Too many files; ``members`` (default: all) declaring more than the limits
    unpacked, one by one or together, or a compression ratio no real data
    has; a password. Python's ``zipfile`` never returns more of a member than
    its header declares (a lie ends in a CRC error), so for a reader that
    only streams members (openpyxl reading an XLSX) this check is the limit;
    ``unpack_zip`` counts the bytes it writes as well.
    """
    everything = packed.infolist()
    if len(everything) > limits.max_members:
        raise FormatError(
            "zip_too_many",
            f"{name} holds {len(everything)} files; at most {limits.max_members}",
            limit=limits.max_members,
        )
    members = everything if members is None else members
    if sum(m.file_size for m in members) > limits.max_unpacked_bytes:
        raise _too_big_unpacked(Path(name), limits)
    for member in members:
        _check_member_header(Path(name), member, limits)


def _wanted_member(member: zipfile.ZipInfo) -> bool:
    path = PurePosixPath(member.filename)
    if member.is_dir() or path.name.startswith(".") or "__MACOSX" in path.parts:
        return False
    return path.suffix.lower() in (*_DATASET_SUFFIXES, *_SIDECARS)


def _check_member_header(archive: Path, member: zipfile.ZipInfo, limits: Limits) -> None:
    if member.flag_bits & 0x1:
        raise FormatError(
            "zip_encrypted", f"{archive.name}: {member.filename} is password-protected"
        )
    if member.file_size > limits.max_member_bytes:
        raise _too_big_unpacked(archive, limits)
    _check_ratio(archive, member.filename, member.file_size, member.compress_size, limits)


def _check_ratio(
    archive: Path, name: str, unpacked: int, packed: int, limits: Limits
) -> None:
    if unpacked > limits.ratio_applies_above_bytes and unpacked > limits.max_ratio * max(
        packed, 1
    ):
        ratio = round(unpacked / max(packed, 1))
        raise FormatError(
            "zip_bomb",
            f"{archive.name}: {name} unpacks to {ratio}× its packed size; refused as a zip bomb",
            name=name,
            ratio=ratio,
        )


def _unpack_member(
    packed: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    destination: Path,
    total: int,
    archive: Path,
    limits: Limits,
) -> int:
    size = 0
    try:
        with packed.open(member) as source, destination.open("xb") as out:
            while chunk := source.read(MB):
                size += len(chunk)
                total += len(chunk)
                # Counted as written, not as declared: the headers may lie.
                if size > limits.max_member_bytes or total > limits.max_unpacked_bytes:
                    raise _too_big_unpacked(archive, limits)
                _check_ratio(archive, member.filename, size, member.compress_size, limits)
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise FormatError(
            "bad_zip", f"{archive.name}: {member.filename} cannot be unpacked ({exc})"
        ) from None
    return total


def _too_big_unpacked(archive: Path, limits: Limits) -> FormatError:
    return FormatError(
        "zip_too_big",
        f"{archive.name} unpacks to more than {limits.max_unpacked_bytes // MB} MB "
        f"(or one file to more than {limits.max_member_bytes // MB} MB)",
        megabytes=limits.max_unpacked_bytes // MB,
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


def _usable_prj(path: Path, given: CRS | None, target: Path) -> Path:
    """The shapefile to read: as it is, or (CRS given, ``.prj`` unreadable) a copy without it.

    GDAL either fails on a broken ``.prj`` or silently reads no CRS; both
    must end in a clear message, or in the CRS the user gave.
    """
    prj = _sibling(path, ".prj")
    if prj is None:
        return path
    text = _prj_text(prj)
    try:
        CRS.from_user_input(text)
    except CRSError:
        if given is None:
            raise _bad_prj(prj, text) from None
    else:
        return path
    target.mkdir(parents=True, exist_ok=True)
    for part in path.parent.iterdir():
        if part.stem == path.stem and part.suffix.lower() in (".shp", ".shx", ".dbf", ".cpg"):
            shutil.copyfile(part, target / part.name)
    return target / path.name


def _prj_text(prj: Path) -> str:
    content = prj.read_bytes()[:100_000]
    try:
        return content.decode("utf-8").strip()
    except UnicodeDecodeError:
        return content.decode("latin-1").strip()


def _bad_prj(prj: Path, text: str) -> FormatError:
    return FormatError(
        "bad_prj",
        f"{prj.name} cannot be understood as a CRS ({text[:80]!r}); give the CRS, e.g. EPSG:2180",
        text=text[:80],
    )


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


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


def _source_crs(
    frame: gpd.GeoDataFrame, path: Path, kind: str, given: CRS | None, notes: list[Note]
) -> str:
    declared = frame.crs
    if declared is not None:
        if given is not None and CRS(declared) != given:
            notes.append(
                Note("crs_ignored", {"file_crs": _crs_name(declared), "crs": _crs_name(given)})
            )
        return _crs_name(declared)
    prj = _sibling(path, ".prj") if kind == "ESRI Shapefile" else None
    if given is not None:
        return _crs_name(given)
    if prj is not None:
        raise _bad_prj(prj, _prj_text(prj))
    if kind in _ALWAYS_WGS84:
        return WGS84
    guess = guess_polish_crs(frame.geometry)
    raise FormatError(
        "no_crs",
        f"{path.name} declares no CRS; give the one it uses"
        + (f" (its coordinates fit {guess})" if guess else ", e.g. EPSG:2180"),
        guess=guess or "EPSG:2180",
    )


def _crs_name(crs: Any) -> str:
    crs = CRS(crs)
    if len(crs.axis_info) > 2:
        # A height axis (GDAL reads a GeoJSON with Z as EPSG:4979): areas and
        # pins are stored flat, so the horizontal CRS is the one to name and use.
        crs = crs.to_2d()
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    # OGC:CRS84 is EPSG:4326 with the axes the way GeoJSON writes them.
    if crs.equals(CRS("OGC:CRS84"), ignore_axis_order=True):
        return WGS84
    authority = crs.to_authority()
    return ":".join(authority) if authority else crs.to_wkt()


def guess_polish_crs(geometry: gpd.GeoSeries | Sequence[BaseGeometry]) -> str | None:
    """The one national CRS (PUWG 1992, PL-2000 zones) that puts these coordinates in Poland.

    >>> from shapely.geometry import Point
    >>> guess_polish_crs([Point(6542396.52, 6024557.36)]), guess_polish_crs([Point(1, 1)])
    ('EPSG:2177', None)
    """
    values = [g for g in geometry if g is not None and not g.is_empty]
    if not values:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(values, dtype=object))
    fits = []
    for crs in POLISH_CRSS:
        transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lons, lats = transformer.transform([x0, x1], [y0, y1])
        west, south, east, north = _POLAND_BOX
        if all(west <= lon <= east for lon in lons) and all(south <= lat <= north for lat in lats):
            fits.append(crs)
    return fits[0] if len(fits) == 1 else None


def _check_finite(geometry: gpd.GeoSeries, rows: Sequence[int]) -> None:
    """Refuse NaN or infinite coordinates, naming the first feature that has them.

    They come from broken exports (``NaN`` and ``Infinity`` written into
    GeoJSON); left in, they would pass for "metres, not degrees" or make
    every later check meaningless.
    """
    coordinates, owners = shapely.get_coordinates(
        np.asarray(geometry, dtype=object), return_index=True
    )
    bad = ~np.isfinite(coordinates).all(axis=1)
    if bad.any():
        row = rows[int(owners[bad][0])]
        raise FormatError(
            "not_finite", f"feature {row} has coordinates that are NaN or infinite", row=row
        )


def _check_looks_like_its_crs(geometry: gpd.GeoSeries, source_crs: str) -> None:
    """Refuse metres read as degrees: a table or file said (or assumed) lon/lat but is projected."""
    if not CRS(source_crs).is_geographic:
        return
    values = geometry[geometry.notna() & ~geometry.is_empty]
    if not len(values):
        return
    x0, y0, x1, y1 = values.total_bounds
    if max(abs(x0), abs(x1)) <= 180 and max(abs(y0), abs(y1)) <= 90:
        return
    guess = guess_polish_crs(values)
    raise FormatError(
        "looks_projected",
        f"the coordinates (e.g. {x0:.0f}, {y0:.0f}) are not degrees: give the CRS"
        + (f", probably {guess}" if guess else ", e.g. EPSG:2180"),
        x=f"{x0:.0f}",
        y=f"{y0:.0f}",
        guess=guess or "EPSG:2180",
    )


# --- tables ---------------------------------------------------------------------------------


def features_from_table(
    headings: Sequence[str],
    rows: Sequence[tuple[int, Sequence[Any]]],
    *,
    wkt: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs: str | None = None,
    file_format: str = "CSV",
    encoding: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Features:
    """Features from a decoded table: geometry from a WKT column or from two coordinate columns.

    ``rows`` are (row number, cells) as the spreadsheet shows them. ``x``/``y``
    name the easting/longitude and northing/latitude columns, numbers or text
    with comma or dot decimals; ``wkt`` names a WKT (or EWKT ``SRID=…;``)
    column. Without ``crs`` the coordinates are taken as EPSG:4326
    longitude/latitude; figures that are plainly metres are refused with the
    national CRS they fit. A row whose geometry cannot be read keeps its
    attributes, gets no geometry, and is listed in ``row_problems``.

    >>> found = features_from_table(
    ...     ["nazwa", "X", "Y"], [(2, ["Biblioteka", "6542396,52", "6024557,36"])],
    ...     x="X", y="Y", crs="EPSG:2177")
    >>> point = found.frame.geometry.iloc[0]
    >>> found.source_crs, round(point.x, 4), round(point.y, 4)
    ('EPSG:2177', 18.6521, 54.3496)
    """
    if len(rows) > limits.max_features:
        raise FormatError(
            "too_many_features",
            f"the table holds {len(rows)} rows; at most {limits.max_features}",
            limit=limits.max_features,
        )
    names = [str(h).strip() if h is not None else "" for h in headings]
    records = [
        {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(names) if name}
        for _number, cells in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=[n for n in names if n])
    given = parse_crs(crs)
    problems: dict[int, tuple[str, str]] = {}
    srid: str | None = None
    if x is not None or y is not None:
        for column in (x, y):
            if column not in frame.columns:
                raise _no_column(column, names)
        geometry = _points_from_columns(frame[x], frame[y], problems)
        used: tuple[str, ...] = (x, y)  # type: ignore[assignment]
    elif wkt is not None:
        if wkt not in frame.columns:
            raise _no_column(wkt, names)
        geometry, srid = _from_wkt(frame[wkt], problems)
        used = (wkt,)
    else:
        geometry = [None] * len(frame)
        used = ()
    source_crs = _crs_name(given) if given is not None else (srid or WGS84)
    notes = [] if given is not None or srid or not used else [Note("crs_assumed", {"crs": WGS84})]
    located = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry), crs=source_crs)
    found = _in_wgs84(
        located,
        file_format=file_format,
        source_crs=source_crs,
        rows=[number for number, _cells in rows],
        encoding=encoding,
        notes=notes,
    )
    found.row_problems = problems
    found.geometry_columns = used
    return found


def _no_column(column: str | None, names: Sequence[str]) -> FormatError:
    fields = ", ".join(n for n in names if n)
    return FormatError(
        "no_column", f"no column {column!r}; the columns are {fields}", column=column,
        columns=fields,
    )


def _points_from_columns(
    xs: pd.Series, ys: pd.Series, problems: dict[int, tuple[str, str]]
) -> list[BaseGeometry | None]:
    coordinates = np.full((len(xs), 2), np.nan)
    for position, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if _blank(x) and _blank(y):
            continue
        if _blank(x) or _blank(y):
            problems[position] = ("incomplete", _text(x if _blank(y) else y))
            continue
        try:
            coordinates[position] = (parse_decimal(_number_text(x)), parse_decimal(_number_text(y)))
        except (TypeError, ValueError):
            problems[position] = ("bad_number", f"{_text(x)}; {_text(y)}")
    # One call for all rows: building points one by one is most of a big table's time.
    # shapely's stubs allow one Point for an array of unknown shape; this one is (n, 2).
    points = cast(NDArray[np.object_], shapely.points(coordinates))
    missing = np.isnan(coordinates).any(axis=1)
    return [None if gone else point for point, gone in zip(points, missing, strict=True)]


def _from_wkt(
    values: pd.Series, problems: dict[int, tuple[str, str]]
) -> tuple[list[BaseGeometry | None], str | None]:
    geometries: list[BaseGeometry | None] = []
    srids: set[str] = set()
    for position, value in enumerate(values):
        if _blank(value):
            geometries.append(None)
            continue
        text = str(value).strip()
        if text.upper().startswith("SRID="):
            prefix, _, text = text.partition(";")
            srids.add(f"EPSG:{prefix.split('=', 1)[1].strip()}")
        try:
            geometries.append(shapely.from_wkt(text))
        except (shapely.errors.GEOSException, ValueError, TypeError):
            problems[position] = ("bad_wkt", text[:80])
            geometries.append(None)
    if len(srids) > 1:
        listed = ", ".join(sorted(srids))
        raise FormatError("mixed_srid", f"the WKT mixes {listed}", srids=listed)
    srid = next(iter(srids)) if srids else None
    if srid is not None:
        parse_crs(srid)  # an unknown SRID is refused here, with its number
    return geometries, srid


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()[:80]


def _number_text(value: Any) -> str | float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return value if isinstance(value, int | float) else str(value)
