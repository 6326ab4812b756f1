"""Saving a python-pptx deck with its pictures stored in the zip as they are.

python-pptx deflates every part of the package, the map's PNG too: a PNG
is compressed already, so that is about 5 ms a deck at the demo's size and
twice that for a busier map, for a file a sixth smaller. ``save`` writes the
same parts in the same order, pictures stored and XML deflated.

python-pptx has no public setting for this: ``save`` uses its package writer
(``PackageWriter`` and ``_ZipPkgWriter`` of python-pptx 1.0), and
``tests/test_report_deck.py`` checks the result opens and its picture is stored.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pptx.opc.serialized import PackageWriter, _ZipPkgWriter
from pptx.presentation import Presentation

# Formats compressed already: deflating them again costs time and saves little.
STORED_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif"})


def save(prs: Presentation, path: str | Path) -> None:
    """Write ``prs`` to ``path`` as a .pptx, with its pictures stored rather than deflated."""
    package = prs.part.package
    _Writer(str(path), package._rels, tuple(package.iter_parts())).write_package()


class _StoringZip(_ZipPkgWriter):
    """The zip python-pptx writes, with the pictures stored."""

    def write(self, pack_uri, blob: bytes) -> None:  # noqa: ANN001 (a PackURI)
        """Add one part: stored if it is a picture, deflated otherwise."""
        if pack_uri.ext.lower() in STORED_EXTENSIONS:
            self._zipf.writestr(pack_uri.membername, blob, compress_type=zipfile.ZIP_STORED)
        else:
            self._zipf.writestr(pack_uri.membername, blob)


class _Writer(PackageWriter):
    """python-pptx's package writer, writing into ``_StoringZip``."""

    def write_package(self) -> None:
        """What ``PackageWriter._write`` does, into the storing zip."""
        with _StoringZip(self._pkg_file) as zipped:
            self._write_content_types_stream(zipped)
            self._write_pkg_rels(zipped)
            self._write_parts(zipped)
