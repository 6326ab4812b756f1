"""What reading a file gives (``Features``, ``Note``), how a file is refused, and the limits.

The types every reader in ``geodata`` shares, and the checks on a file as a
whole that come before any parsing: its size and the encoding asked for.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

WGS84 = "EPSG:4326"
MB = 1024 * 1024


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
