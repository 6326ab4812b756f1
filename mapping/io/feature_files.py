"""An import's file, in any supported format, as features; its problems as translated errors.

GIS files (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ) are opened by
``geodata.formats`` (GDAL, size limits, zip unpacked safely). CSV and XLSX are
decoded exactly as the spreadsheet import decodes them (``bulk_reading.read_table``:
encoding, delimiter, limits), and their geometry is built from a WKT column
or two coordinate columns by ``geodata.tables.features_from_table``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from geodata import features, formats, tables
from geodata.features import DEFAULT_LIMITS, Features, FormatError, Limits, Note
from mapping.errors import UserError
from mapping.i18n import t
from mapping.io import bulk_reading

# Every format an import accepts, for the upload widget and help texts.
SUFFIXES = tuple(sorted({*formats.GIS_SUFFIXES, *formats.TABLE_SUFFIXES}))


@dataclass(frozen=True)
class SourceOptions:
    """How to read a file: what it does not say about itself.

    ``crs`` is the CRS of a file that declares none (or of a table's
    coordinates); ``encoding`` overrides the attributes' encoding; ``layer``
    picks one layer of a GeoPackage; ``x_field``/``y_field`` build points from
    two columns (easting/longitude, northing/latitude) instead of the file's
    own geometry.
    """

    crs: str | None = None
    encoding: str | None = None
    layer: str | None = None
    x_field: str | None = None
    y_field: str | None = None


def open_features(
    source: str | Path | bytes,
    filename: str | None = None,
    options: SourceOptions | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Features:
    """Read any supported file (a path, or uploaded bytes with their name) as features.

    Raises ``UserError`` with a message key (``import_file.…`` or
    ``bulk.…``) for a problem with the whole file.
    """
    options = options or SourceOptions()
    name = PurePath(filename).name if filename else Path(str(source)).name
    if (options.x_field is None) != (options.y_field is None):
        raise UserError("import_file.both_columns")
    try:
        if PurePath(name).suffix.lower() in formats.TABLE_SUFFIXES:
            return _table(source, name, options, limits)
        found = formats.read_features(
            source, name, crs=options.crs, encoding=options.encoding, layer=options.layer,
            limits=limits,
        )
        if options.x_field is not None:
            found = _from_columns(found, options, limits)
        return found
    except FormatError as exc:
        raise file_error(exc) from None


def file_error(exc: FormatError) -> UserError:
    """The reader's problem as an error the app and the CLI translate."""
    return UserError(f"import_file.{exc.code}", **exc.params)


def note_text(note: Note, language: str = "pl") -> str:
    """A reader's note about the whole file, in ``language``."""
    return t(f"import_file.{note.code}", language, **note.params)


def _table(
    source: str | Path | bytes, name: str, options: SourceOptions, limits: Limits
) -> Features:
    if isinstance(source, bytes):
        content = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise FormatError("unreadable", f"{path}: {exc.strerror}", name=path.name) from None
        features.check_size(size, limits)
        # The spreadsheet reader's own limit is far below the GIS one: refuse
        # by the size on disk rather than read 200 MB to refuse it after.
        bulk_reading.check_table_size(size)
        content = path.read_bytes()
    features.check_size(len(content), limits)
    table = bulk_reading.read_table(content, name, features.check_encoding(options.encoding))
    (_number, headings), entries = table.rows[0], table.rows[1:]
    if not entries:
        raise UserError("bulk.no_rows")
    x, y, wkt = options.x_field, options.y_field, None
    if x is None:
        found: dict[str, str] = {}
        for heading in headings:
            field = bulk_reading.field_of_heading(heading)
            if field is not None:
                found.setdefault(field, str(heading).strip())
        if "lat" in found and "lon" in found:
            x, y = found["lon"], found["lat"]
        else:
            wkt = found.get("wkt")
    return tables.features_from_table(
        [str(h).strip() if h is not None else "" for h in headings],
        entries,
        wkt=wkt,
        x=x,
        y=y,
        crs=options.crs,
        file_format=table.file_format.upper(),
        encoding=table.encoding,
        limits=limits,
    )


def _from_columns(found: Features, options: SourceOptions, limits: Limits) -> Features:
    """Points from two coordinate columns of a GIS file, its own geometry set aside.

    Municipal exports keep the surveyed coordinates as text beside a
    geometry someone derived from them; the surveyed ones are the truth.
    """
    attributes = found.frame.drop(columns=found.frame.geometry.name)
    rows = [
        (number, list(values))
        for number, values in zip(found.rows, attributes.itertuples(index=False, name=None),
                                  strict=True)
    ]
    placed = tables.features_from_table(
        [str(c) for c in attributes.columns],
        rows,
        x=options.x_field,
        y=options.y_field,
        crs=options.crs,
        file_format=found.file_format,
        encoding=found.encoding,
        limits=limits,
    )
    placed.layer = found.layer
    placed.notes = [*found.notes, *placed.notes]
    return placed
