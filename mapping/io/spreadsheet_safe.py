r"""Text cells a spreadsheet will not run: OWASP's rule against CSV (formula) injection.

Excel, LibreOffice Calc and Google Sheets read a cell whose text starts with
``=``, ``+``, ``-`` or ``@`` as a formula, and tab or carriage return let
such a start hide behind blank space. A pin named
``=HYPERLINK("http://x.example/","klik")`` would then run on the computer of
whoever opens the export. OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection)
is to prefix such a cell with a single quote ``'``, so it is shown as text.

The rule applies to text only: numbers stay numbers, so a negative count in
a numeric column is still ``-2``, while a phone number written ``+48 …`` in
a text column gets its quote; that is what OWASP intends. Every CSV and
XLSX file the app or the command line writes for people passes its cells
through ``cell``: the ``csv`` export (``mapping.io.export``), the HSDS tables
(``mapping.io.hsds``), the snapshot comparison (``mapping.cli.snapshot``), the
survey indicators (``surveys.indicators``) and the XLSForm templates
(``surveys.templates``). GeoPackage, GeoJSON and Shapefile are left as they
are: GIS programs, not spreadsheets, open them.

>>> cell('=HYPERLINK("http://x.example/","klik")')
'\'=HYPERLINK("http://x.example/","klik")'
>>> cell("Klub =Seniora"), cell(-2), cell(None)
('Klub =Seniora', -2, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pandas as pd

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
K = TypeVar("K")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula.

    >>> is_formula_like("-2+3"), is_formula_like("Klub -2")
    (True, False)
    """
    return text.startswith(TRIGGERS)


def cell(value: Any) -> Any:
    """``value`` made safe to open in a spreadsheet: text that starts a formula gets a ``'``.

    Anything that is not text (numbers, dates, None) is returned as it is.
    """
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """``cell`` of every value of a row, for ``csv.writer`` or ``openpyxl``'s ``append``."""
    return [cell(value) for value in values]


def record(values: Mapping[K, Any]) -> dict[K, Any]:
    """``cell`` of every value of a record, for ``csv.DictWriter``."""
    return {key: cell(value) for key, value in values.items()}


def frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells are safe; numeric and date columns untouched.

    Only columns that can hold Python strings (object and string dtypes) are
    looked at; within them only the values that are text change.
    """
    out = table.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(
            column.dtype
        ):
            out[name] = column.map(cell, na_action="ignore")
    return out
