"""Survey answers, step 1: the exported file read into headings and rows of text.

A CSV (UTF-8 with or without a BOM, or CP1250 as Polish Excel writes it;
comma, semicolon or tab) or the first sheet of an XLSX workbook, as
KoboToolbox, ODK Central, LimeSurvey, Google Forms or a spreadsheet typed in
from paper forms export it; and which of those tools most likely wrote it.
Steps 2 and 3 are ``surveys.answer_columns`` and ``surveys.answers``.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from geodata.formats import looks_like_html
from mapping.errors import UserError
from mapping.io import uploaded_tables

# A city-wide survey is tens of thousands of rows; the bench imports 100,000.
MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000
SOURCES = ("kobo", "odk_central", "limesurvey", "google_forms", "paper")

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CSV_PROBLEMS = {
    "truncated": "survey.truncated", "cell_too_long": "survey.cell_too_long",
    "malformed": "survey.bad_csv",
}  # fmt: skip


class AnswerFileError(UserError):
    """The whole file cannot be read or does not fit the form (the message says why)."""


@dataclass
class ExportTable:
    """A file of answers as text: headings and rows, and how it was read."""

    filename: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    headings: list[str]
    rows: list[list[str]]
    digest: str

    @property
    def source(self) -> str:
        """Which tool most likely wrote the file (one of ``SOURCES``)."""
        return detect_source(self.headings)


def read_export(content: bytes, filename: str) -> ExportTable:
    """Read a CSV or XLSX file of answers into headings and rows of text.

    Raises ``AnswerFileError`` for an empty, unreadable or oversized file.
    """
    _check_size(len(content))
    if not content.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise AnswerFileError("survey.empty_file")
    digest = hashlib.sha256(content).hexdigest()
    name = PurePath(filename).name
    encoding = delimiter = None
    if content.startswith(_XLSX_MAGIC):
        file_format = "xlsx"
        records = _xlsx_records(content)
    elif content.startswith(_OLE_MAGIC):
        raise AnswerFileError("survey.old_excel")
    elif looks_like_html(content):
        raise AnswerFileError("survey.html")
    elif PurePath(name).suffix.lower() == ".xlsx":
        raise AnswerFileError("survey.not_xlsx")
    else:
        file_format = "csv"
        try:
            text, encoding = uploaded_tables.decode(content)
        except uploaded_tables.UnreadableText:
            raise AnswerFileError("survey.encoding") from None
        records, delimiter = _csv_records(text)
    # Blank rows (Excel leaves some at the end) are not answers; "".join is one C call.
    records = [row for row in records if "".join(row).strip()]
    if len(records) < 2:
        raise AnswerFileError("survey.no_answers")
    if len(records) - 1 > MAX_ROWS:
        raise AnswerFileError("survey.too_many_rows", limit=MAX_ROWS)
    headings = [cell.strip().lstrip("\ufeff") for cell in records[0]]
    width = len(headings)
    rows = [
        row if len(row) == width else row[:width] + [""] * (width - len(row))
        for row in records[1:]
    ]
    return ExportTable(name, file_format, encoding, delimiter, headings, rows, digest)


def read_export_file(path: Path) -> ExportTable:
    """``read_export`` of a file on disk, refused by its size before it is read."""
    _check_size(path.stat().st_size)
    return read_export(path.read_bytes(), path.name)


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise AnswerFileError("survey.file_too_big", megabytes=MAX_BYTES // (1024 * 1024))


def _csv_records(text: str) -> tuple[list[list[str]], str]:
    records, delimiter = uploaded_tables.records(text)
    try:
        return list(records), delimiter
    except uploaded_tables.BrokenCsv as exc:
        raise AnswerFileError(_CSV_PROBLEMS[exc.problem], row=exc.row) from None


def _xlsx_records(content: bytes) -> list[list[str]]:
    try:
        # Kobo and ODK put the main table first; repeat groups follow on other sheets.
        return [[_cell(v) for v in row] for row in uploaded_tables.workbook_rows(content)]
    except uploaded_tables.UnreadableWorkbook as exc:
        key = "survey.xlsx_bomb" if exc.problem == "bomb" else "survey.bad_xlsx"
        raise AnswerFileError(key) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fold(text: str) -> str:
    """Lowercase ASCII words for comparing headings and labels.

    >>> fold("  Szerokość Geograficzna ")
    'szerokosc geograficzna'
    """
    text = str(text).replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9/\-.\[\]_:]+", " ", text).split())


def _words(text: str) -> str:
    """Like ``fold``, with every separator a space: for comparing labels loosely."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def detect_source(headings: Sequence[str]) -> str:
    """Which tool most likely exported these headings.

    >>> detect_source(["start", "braki", "_uuid", "_submission_time"])
    'kobo'
    """
    folded = {fold(h) for h in headings}
    if {"_uuid", "_submission_time"} & folded or "_geolocation" in folded:
        return "kobo"
    if "submissiondate" in folded or "meta-instanceid" in folded or "key" in folded:
        return "odk_central"
    if {"submitdate", "lastpage", "startlanguage"} & folded:
        return "limesurvey"
    if folded & {"timestamp", "sygnatura czasowa", "znacznik czasu"}:
        return "google_forms"
    return "paper"
