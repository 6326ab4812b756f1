"""A plain-text table flowable for the poster's long lists: drawn straight onto the canvas.

ReportLab's ``Table`` measures and draws every cell through its general
machinery (styles per cell, spans, nested flowables): about 1 ms a row, so
the tables were most of a poster's time once an area had a few hundred
pins. The poster's lists need none of that: text cells in one font, a
header row repeated on every column and page, striped rows. ``TextTable``
does only that, and splits between rows, never inside one.

Cells are drawn as plain strings (``canvas.drawString``), never parsed as
markup, so user text such as ``<script>`` or ``&`` prints as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

# Characters a PDF string should not carry (a name pasted from a spreadsheet may).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How much each space may shrink to fit a line (ReportLab's paragraphs use the same).
SPACE_SHRINK = rl_config.spaceShrinkage


@dataclass(frozen=True)
class TableLook:
    """The type, padding and colours of a ``TextTable``; sizes in points."""

    font: str
    header_font: str
    size: float
    leading: float
    pad_x: float
    pad_y: float
    ink: Color
    header_ink: Color
    header_fill: Color
    stripes: tuple[Color, Color]


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points, as a Paragraph breaks it.

    Lines break at spaces, each space allowed to shrink by ReportLab's
    ``spaceShrinkage`` (so a table lays out as it did with a Paragraph per
    cell); a word longer than a line is cut between letters. An empty text
    is one empty line.
    """
    text = _CONTROL.sub("", text)
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    for part in text.replace("\r", "\n").split("\n"):
        line: list[str] = []
        used = -space
        for word in part.split():
            word_width = stringWidth(word, font, size)
            if line and used + space + word_width > width + SPACE_SHRINK * space * len(line):
                lines.append(" ".join(line))
                line, used = [], -space
            while word_width > width and len(word) > 1 and not line:
                cut = _longest_prefix(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
                word_width = stringWidth(word, font, size)
            line.append(word)
            used += space + word_width
        lines.append(" ".join(line))
    return lines


def _longest_prefix(line: str, font: str, size: float, width: float) -> int:
    """How many characters of ``line`` fit ``width`` (at least one), found by halving."""
    low, high = 1, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(line[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


class TextTable(Flowable):
    """Rows of plain text under a header row; splits between rows, repeating the header."""

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        look: TableLook,
        *,
        first_row: int = 0,
    ) -> None:
        """A table of ``rows`` with columns ``widths`` points wide.

        ``first_row`` is the index of the first row in the whole table, so
        that the stripes keep alternating across a split.
        """
        super().__init__()
        self.header, self.widths, self.look = tuple(header), tuple(widths), look
        self.first_row = first_row
        self._header_lines = self._lines(self.header, look.header_font)
        self._header_height = self._height(self._header_lines)
        self._set_rows([self._lines(tuple(row), look.font) for row in rows])

    def _set_rows(self, row_lines: list[list[list[str]]]) -> None:
        self._row_lines = row_lines
        self._row_heights = [self._height(lines) for lines in row_lines]
        self.width = sum(self.widths)
        self.height = self._header_height + sum(self._row_heights)

    def _piece(self, start: int, stop: int | None) -> TextTable:
        """Rows ``start:stop`` as a table of their own, lines already broken (no re-measuring).

        A new flowable, not a copy: the document marks flowables it has
        postponed, and a copy would carry that mark into the next frame.
        """
        piece = TextTable.__new__(TextTable)
        Flowable.__init__(piece)
        piece.header, piece.widths, piece.look = self.header, self.widths, self.look
        piece.first_row = self.first_row + start
        piece._header_lines, piece._header_height = self._header_lines, self._header_height
        piece._set_rows(self._row_lines[start:stop])
        return piece

    def _lines(self, cells: Sequence[str], font: str) -> list[list[str]]:
        look = self.look
        return [wrap_text(str(cell), font, look.size, width - 2 * look.pad_x)
                for cell, width in zip(cells, self.widths, strict=True)]

    def _height(self, cells: list[list[str]]) -> float:
        return max(len(lines) for lines in cells) * self.look.leading + 2 * self.look.pad_y

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The table's size: its columns' widths and every row's height."""
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The rows that fit ``available_height`` (under the header), then the rest."""
        room = available_height - self._header_height
        fitting, used = 0, 0.0
        for height in self._row_heights:
            if used + height > room:
                break
            used += height
            fitting += 1
        if fitting == 0:
            return []  # not even one row: the frame moves on to the next column
        if fitting == len(self._row_lines):
            return [self]
        return [self._piece(0, fitting), self._piece(fitting, None)]

    def draw(self) -> None:
        """The header band, then each row on its stripe, top to bottom."""
        look, canvas = self.look, self.canv
        top = self.height
        top = self._draw_row(self._header_lines, top, self._header_height, look.header_fill,
                             look.header_font, look.header_ink)
        for i, (lines, height) in enumerate(zip(self._row_lines, self._row_heights,
                                                strict=True)):
            stripe = look.stripes[(self.first_row + i) % 2]
            top = self._draw_row(lines, top, height, stripe, look.font, look.ink)
        canvas.setFillColor(look.ink)

    def _draw_row(self, cells: list[list[str]], top: float, height: float, fill: Color,
                  font: str, ink: Color) -> float:
        look, canvas = self.look, self.canv
        canvas.setFillColor(fill)
        canvas.rect(0, top - height, self.width, height, stroke=0, fill=1)
        canvas.setFillColor(ink)
        canvas.setFont(font, look.size)
        left = 0.0
        for lines, width in zip(cells, self.widths, strict=True):
            # The first baseline one font size under the padding, as a table cell sets it.
            baseline = top - look.pad_y - look.size
            for line in lines:
                if line:
                    canvas.drawString(left + look.pad_x, baseline, line)
                baseline -= look.leading
            left += width
        return top - height
