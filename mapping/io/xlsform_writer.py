"""Writing XLSForm workbooks: the residents' questionnaires and the field-pin form.

Both forms are rows of ``survey``, ``choices`` and ``settings`` sheets; this
module names their choices and writes the workbook, so the two share one
writer and one way of making cells safe.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping, Sequence

from mapping.io import spreadsheet_safe


def choice_name(text: str, taken: set[str]) -> str:
    """An XLSForm choice name for a label: lowercase ASCII words joined by ``_``, unique.

    >>> choice_name("Przedmieście Oławskie", set())
    'przedmiescie_olawskie'
    >>> choice_name("Nowy Port", {"nowy_port"})
    'nowy_port_2'
    """
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_") or "obszar"
    if not base[0].isalpha():
        base = f"o_{base}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


def workbook_bytes(sheets: Mapping[str, Sequence[Sequence[str]]]) -> bytes:
    """The sheets as an XLSForm workbook (.xlsx) for KoboToolbox or ODK Central.

    Text that would start a formula gets a leading ``'``
    (``mapping.io.spreadsheet_safe``): openpyxl would otherwise store a label
    or an area name ``=…`` as a formula. Headers are bold and frozen, columns
    as wide as their text (at most 60), so the form reads well in Excel.
    """
    import openpyxl  # imported here: only form downloads need it
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty default sheet
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(spreadsheet_safe.row(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
