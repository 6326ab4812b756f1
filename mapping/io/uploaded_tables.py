"""The tables people upload, as offices save them: a CSV's text, delimiter and records; a workbook.

One reading for every table a user uploads (pins in bulk in ``mapping.io.bulk``,
survey answers in ``surveys.answers``): a CSV's encoding, its delimiter and
Excel's ``sep=`` line, its records with what is broken in them named
(``BrokenCsv``), and the first sheet of an XLSX workbook opened only after
its archive passed the zip limits (``UnreadableWorkbook``). Each caller turns
these errors into a message of its own; none carries a library's English.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

try:  # openpyxl parses with lxml when it is installed
    from lxml.etree import LxmlError
except ImportError:  # pragma: no cover - lxml is installed with the app
    LxmlError = ParseError


class UnreadableText(ValueError):
    """The bytes are text in none of the encodings tried (or no text at all: NUL bytes)."""


class BrokenCsv(ValueError):
    """A CSV's records cannot be read; ``problem`` says why, ``row`` is the record where.

    ``truncated``: the file ends inside a quoted cell (cut short, or a
    closing quote missing); ``cell_too_long``: a cell longer than the csv
    module's limit; ``malformed``: anything else the reader refuses.
    """

    def __init__(self, problem: str, row: int) -> None:
        """Keep the problem's code and the spreadsheet row of the record."""
        super().__init__(f"{problem} at row {row}")
        self.problem = problem
        self.row = row


class UnreadableWorkbook(ValueError):
    """An XLSX file cannot be opened: ``bomb`` (unpacks past the limits) or ``damaged``."""

    def __init__(self, problem: str) -> None:
        """Keep the problem's code."""
        super().__init__(problem)
        self.problem = problem


# What openpyxl lets through from a damaged workbook: the zip, the XML parsers, its own checks.
WORKBOOK_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError,
    IndexError, zlib.error, ParseError, LxmlError,
)  # fmt: skip


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-16 (BOM), UTF-8 (BOM or not), else CP1250.

    CP1250 is what Polish Excel writes for "CSV (rozdzielany przecinkami)";
    its diacritics are never valid UTF-8, so trying UTF-8 first is safe.
    A UTF-8 BOM is removed and reported as ``utf-8-sig``.

    >>> decode("Łódź;Kraków".encode("cp1250"))
    ('Łódź;Kraków', 'cp1250')
    >>> decode(codecs.BOM_UTF8 + "Łódź".encode())
    ('Łódź', 'utf-8-sig')
    """
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableText("utf-16") from None
    if b"\x00" in content:
        # No CSV holds NUL; binary files and UTF-16 without its BOM do, and
        # both would "decode" as UTF-8 into one column of nonsense.
        raise UnreadableText("nul")
    try:
        encoding = "utf-8-sig" if content.startswith(codecs.BOM_UTF8) else "utf-8"
        return content.decode("utf-8-sig"), encoding
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1250"), "cp1250"
    except UnicodeDecodeError:
        raise UnreadableText("cp1250") from None


def delimiter(heading_line: str) -> str:
    """The most frequent of ; tab , in the heading line, outside quotes (ties: ; tab ,).

    >>> delimiter('nazwa;"kategoria, typ";adres')
    ';'
    """
    unquoted = re.sub(r'"[^"]*"', "", heading_line)
    counts = {d: unquoted.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def reader(text: str) -> tuple[Any, str]:
    r"""A ``csv.reader`` over ``text`` and the delimiter it uses.

    Excel writes and honours a ``sep=;`` first line: it names the delimiter
    and is not a row of the sheet. Otherwise the heading line decides
    (``delimiter``). Iterating the reader may raise ``csv.Error``; its
    ``line_num`` says where.

    >>> rows, used = reader("sep=;\nnazwa;adres\nKlub;Rynek 1\n")
    >>> used, list(rows)
    (';', [['nazwa', 'adres'], ['Klub', 'Rynek 1']])
    """
    text, used = _body(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=used), used


def _body(text: str) -> tuple[str, str]:
    first_line, _, rest = text.partition("\n")
    first = first_line.strip("\r\ufeff")
    if first.lower().startswith("sep=") and len(first) == 5:
        return rest, first[4]
    return text, delimiter(first)


def records(text: str) -> tuple[Iterator[list[str]], str]:
    r"""The records of ``text`` and the delimiter, as ``reader`` reads them; problems named.

    Iterating raises ``BrokenCsv`` instead of ``csv.Error``. A file that
    ends inside a quoted cell is refused as ``truncated``: read leniently it
    would silently become one last cell holding the rest of the file. The
    strict reader says so; what else it alone refuses (``"a" b``, a quote
    inside a cell) the lenient one reads as it always has.

    >>> rows, used = records("a;b\n1;2\n")
    >>> list(rows), used
    ([['a', 'b'], ['1', '2']], ';')
    >>> list(records('a;b\n"cut;sh')[0])
    Traceback (most recent call last):
    ...
    mapping.io.uploaded_tables.BrokenCsv: truncated at row 2
    """
    body, used = _body(text)
    return _records(body, used), used


def _records(body: str, used: str) -> Iterator[list[str]]:
    done = 0
    strict = csv.reader(io.StringIO(body, newline=""), delimiter=used, strict=True)
    try:
        for row in strict:
            done += 1
            yield row
        return
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise BrokenCsv("truncated", done + 1) from None
        if "field limit" in str(exc):
            raise BrokenCsv("cell_too_long", done + 1) from None
    # Something only the strict reader refuses: read on leniently from that record.
    lenient = csv.reader(io.StringIO(body, newline=""), delimiter=used)
    number = 0
    try:
        for number, row in enumerate(lenient, start=1):  # noqa: B007 - the row of an error
            if number > done:
                yield row
    except csv.Error as exc:
        problem = "cell_too_long" if "field limit" in str(exc) else "malformed"
        raise BrokenCsv(problem, number + 1) from None


def workbook_rows(content: bytes, max_col: int | None = None) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows (cached values, not formulas) of an XLSX file, checked first.

    The archive must pass the GIS zip limits (``geodata.archives.check_archive``)
    before openpyxl opens it: openpyxl would otherwise inflate a zip bomb's
    members while parsing them. Raises ``UnreadableWorkbook``, also while
    iterating: a damaged sheet shows only when it is read.
    """
    import openpyxl  # imported here: only files that are workbooks need it

    from geodata.archives import check_archive
    from geodata.features import FormatError

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as packed:
            check_archive(packed, "xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FormatError as exc:
        bomb = exc.code in ("zip_too_big", "zip_bomb", "zip_too_many")
        raise UnreadableWorkbook("bomb" if bomb else "damaged") from None
    except WORKBOOK_ERRORS:
        raise UnreadableWorkbook("damaged") from None
    try:
        sheet = workbook.worksheets[0]
        # The stored dimensions may be wrong (files written by other tools);
        # without them openpyxl reads what is really there.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(min_row=1, max_col=max_col, values_only=True)
    except WORKBOOK_ERRORS:
        raise UnreadableWorkbook("damaged") from None
    finally:
        workbook.close()
