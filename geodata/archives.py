"""Zip files (and KMZ) unpacked by us, not by GDAL, with every limit checked while unpacking.

The number of members, each member's size, the total and the compression
ratio are checked whatever the zip's headers claim; only the members a
dataset needs are written, under their bare names, into the caller's private
directory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from geodata.features import DEFAULT_LIMITS, MB, FormatError, Limits

# Members of a zip we unpack; everything else in it (images, nested zips,
# __MACOSX resource forks) is left packed.
_DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml")
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
_SHAPEFILE_NEEDS = (".shx", ".dbf")


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
