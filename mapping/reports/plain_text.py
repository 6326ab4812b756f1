"""Plain-text flowables for the poster's long lists, drawn straight onto the canvas.

ReportLab's ``Table`` and ``Paragraph`` measure and draw every cell and word
through their general machinery (styles per cell, spans, markup, nested
flowables): about 1 ms a table row, and a paragraph naming a few hundred
changes cost tens of milliseconds, so they were most of a poster's time once
an area had a few hundred pins. The lists need none of that:

- ``TextTable``: text cells in one font, a header row repeated on every
  column and page, striped rows; splits between rows, never inside one.
- ``TextParagraph``: runs of text in their own fonts (a bold label, then
  names), broken into lines as a ``Paragraph`` breaks them; splits between lines.

Text is drawn as plain strings, never parsed as markup, so user text such as
``<script>`` or ``&`` prints as typed.
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
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How much each space may shrink to fit a line (ReportLab's paragraphs use the same).
SPACE_SHRINK = rl_config.spaceShrinkage
# Rounding slack when fitting rows or lines into a height: half the frames' own.
SLACK = rl_config._FUZZ / 2


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


def wrap_runs(runs: Sequence[tuple[str, str]], size: float,
              width: float) -> list[list[tuple[str, str]]]:
    """Runs of ``(text, font)`` broken into lines of ``(word, font)`` no wider than ``width``.

    The same rule as ``wrap_text`` (spaces may shrink as in a Paragraph; a
    word longer than a line is cut between letters), over words in different fonts.
    """
    words = [(word, font) for text, font in runs
             for word in CONTROL_CHARACTERS.sub("", text).split()]
    lines: list[list[tuple[str, str]]] = []
    line: list[tuple[str, str]] = []
    used = 0.0
    for word, font in words:
        space = stringWidth(" ", font, size) if line else 0.0
        word_width = stringWidth(word, font, size)
        if line and used + space + word_width > width + SPACE_SHRINK * space * len(line):
            lines.append(line)
            line, used, space = [], 0.0, 0.0
        while word_width > width and len(word) > 1 and not line:
            cut = _longest_prefix(word, font, size, width)
            lines.append([(word[:cut], font)])
            word = word[cut:]
            word_width = stringWidth(word, font, size)
        line.append((word, font))
        used += space + word_width
    if line or not lines:
        lines.append(line)
    return lines


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points, as a Paragraph breaks it.

    Lines break at spaces, each space allowed to shrink by ReportLab's
    ``spaceShrinkage`` (so a table lays out as it did with a Paragraph per
    cell); a word longer than a line is cut between letters. An empty text
    is one empty line.
    """
    text = CONTROL_CHARACTERS.sub("", text)
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
        self._memo: dict[tuple[str, str, float], list[str]] = {}
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
        # A column repeats its texts (categories, statuses): each is broken once.
        memo = self._memo
        out = []
        for cell, width in zip(cells, self.widths, strict=True):
            key = (str(cell), font, width)
            if key not in memo:
                memo[key] = wrap_text(key[0], font, look.size, width - 2 * look.pad_x)
            out.append(memo[key])
        return out

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
            if used + height > room + SLACK:
                break
            used += height
            fitting += 1
        if fitting == 0:
            return []  # not even one row: the frame moves on to the next column
        if fitting == len(self._row_lines):
            return [self]
        return [self._piece(0, fitting), self._piece(fitting, None)]

    def draw(self) -> None:
        """The header band and the rows' stripes, then all text in two text objects."""
        look, canvas = self.look, self.canv
        tops = [self.height - self._header_height]
        for height in self._row_heights:
            tops.append(tops[-1] - height)
        canvas.setFillColor(look.header_fill)
        canvas.rect(0, tops[0], self.width, self._header_height, stroke=0, fill=1)
        for i, height in enumerate(self._row_heights):
            canvas.setFillColor(look.stripes[(self.first_row + i) % 2])
            canvas.rect(0, tops[i + 1], self.width, height, stroke=0, fill=1)
        # One text object per font: a drawString per line costs a text object each.
        self._draw_text([(self.height, self._header_lines)], look.header_font, look.header_ink)
        self._draw_text(list(zip(tops[:-1], self._row_lines, strict=True)), look.font, look.ink)
        canvas.setFillColor(look.ink)

    def _draw_text(self, rows: list[tuple[float, list[list[str]]]], font: str,
                   ink: Color) -> None:
        look = self.look
        text = self.canv.beginText()
        text.setFont(font, look.size, look.leading)
        text.setFillColor(ink)
        for top, cells in rows:
            left = look.pad_x
            for lines, width in zip(cells, self.widths, strict=True):
                # The first baseline one font size under the padding, as a table cell sets it.
                baseline = top - look.pad_y - look.size
                for line in lines:
                    if line:
                        text.setTextOrigin(left, baseline)
                        text.textOut(line)
                    baseline -= look.leading
                left += width
        self.canv.drawText(text)


class TextParagraph(Flowable):
    """Runs of plain text, each in its own font, broken into lines; splits between lines."""

    def __init__(self, runs: Sequence[tuple[str, str]], size: float, leading: float,
                 colour: Color, *, space_before: float = 0.0) -> None:
        """``runs`` are ``(text, font name)`` pairs, set one after the other."""
        super().__init__()
        self.runs, self.size, self.leading = tuple(runs), size, leading
        self.colour, self.spaceBefore = colour, space_before
        self._lines: list[list[tuple[str, str]]] | None = None
        self._wrapped_width = -1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The paragraph's lines at ``available_width``: its height is their count × leading."""
        if self._lines is None or available_width != self._wrapped_width:
            self._lines = wrap_runs(self.runs, self.size, available_width)
            self._wrapped_width = available_width
        self.width = available_width
        self.height = len(self._lines) * self.leading
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The lines that fit ``available_height``, then the rest (as a Paragraph splits)."""
        self.wrap(available_width, available_height)
        assert self._lines is not None
        # A height of exactly n lines holds n lines despite rounding (within the
        # frame's own tolerance, so the frame accepts what is kept).
        fitting = int((available_height + SLACK) // self.leading)
        if fitting <= 0:
            return []
        if fitting >= len(self._lines):
            return [self]
        return [self._part(self._lines[:fitting], self.spaceBefore),
                self._part(self._lines[fitting:], 0.0)]

    def _part(self, lines: list[list[tuple[str, str]]], space_before: float) -> TextParagraph:
        part = TextParagraph((), self.size, self.leading, self.colour, space_before=space_before)
        part._lines, part._wrapped_width = lines, self._wrapped_width
        return part

    def draw(self) -> None:
        """Every line, its words in their fonts, the first baseline one font size down."""
        assert self._lines is not None
        text = self.canv.beginText()
        text.setFillColor(self.colour)
        baseline = self.height - self.size
        for line in self._lines:
            text.setTextOrigin(0, baseline)
            font = None
            for i, (word, word_font) in enumerate(line):
                if word_font != font:
                    text.setFont(word_font, self.size, self.leading)
                    font = word_font
                text.textOut(f" {word}" if i else word)
            baseline -= self.leading
        self.canv.drawText(text)
