"""The text of a CSV file as offices save it: its encoding, its delimiter, Excel's ``sep=`` line.

One reading for every CSV a user uploads (pins in bulk in ``mapping.bulk``,
survey answers in ``surveys.answers``); each caller turns ``UnreadableText``
and ``csv.Error`` into a message of its own.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import Any


class UnreadableText(ValueError):
    """The bytes are text in none of the encodings tried."""


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
    first_line, _, rest = text.partition("\n")
    first = first_line.strip("\r\ufeff")
    if first.lower().startswith("sep=") and len(first) == 5:
        used, text = first[4], rest
    else:
        used = delimiter(first)
    return csv.reader(io.StringIO(text, newline=""), delimiter=used), used
