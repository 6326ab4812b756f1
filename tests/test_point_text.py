"""A marked point is written one way per language, and either way reads back as typed text."""

from __future__ import annotations

import pytest

from mapping.geometry import LonLat
from mapping.i18n import t
from mapping.ui import positions

POINT = LonLat(18.636357, 54.349168)


def test_polish_writes_decimal_commas_and_a_semicolon_between_the_numbers():
    assert positions.format_point(POINT, "pl") == "54,349168; 18,636357"
    assert t("editor.point_set", "pl", point=positions.format_point(POINT, "pl")) == (
        "Zaznaczony punkt: 54,349168; 18,636357"
    )


def test_english_writes_dots_and_a_comma():
    assert positions.format_point(POINT, "en") == "54.349168, 18.636357"
    assert positions.format_point(POINT) == "54.349168, 18.636357"


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_written_point_typed_back_in_the_coordinates_box_is_the_same_point(lang):
    assert positions.typed_point(positions.format_point(POINT, lang)) == pytest.approx(POINT)

