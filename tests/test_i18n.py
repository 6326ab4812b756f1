"""Every visible string has a Polish and an English text, and every key in use exists."""

from __future__ import annotations

import re

import pytest

from mapping import i18n
from mapping.config import LANGUAGES
from tests.streamlit_server import PROJECT_ROOT

SOURCES = [
    PROJECT_ROOT / "streamlit_app.py",
    *sorted((PROJECT_ROOT / "app_pages").glob("*.py")),
    *sorted((PROJECT_ROOT / "mapping").rglob("*.py")),
    *sorted((PROJECT_ROOT / "surveys").rglob("*.py")),
]
# t("some.key", …) with a literal key (or md_t, which escapes the values for
# Markdown); keys built with an f-string are checked through their prefixes below.
LITERAL_KEY = re.compile(r"""\b(?:md_)?t\(\s*["']([a-z_]+\.[a-z_]+)["']""")
BUILT_KEY = re.compile(r"""\b(?:md_)?t\(\s*f["']([a-z_]+\.[a-z_]*)\{""")
# Any quoted key, e.g. one chosen by a conditional before it reaches t().
QUOTED_KEY = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")


def used_keys() -> tuple[set[str], set[str], set[str]]:
    literal, prefixes, quoted = set(), set(), set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        literal |= set(LITERAL_KEY.findall(text))
        prefixes |= set(BUILT_KEY.findall(text))
        if path.name != "i18n.py":
            quoted |= set(QUOTED_KEY.findall(text))
    return literal, prefixes, quoted


@pytest.mark.parametrize("key", sorted(i18n.MESSAGES))
def test_every_key_has_a_non_empty_text_in_both_languages(key):
    texts = i18n.MESSAGES[key]
    assert set(texts) == set(LANGUAGES)
    assert all(texts[lang].strip() for lang in LANGUAGES)


def test_both_languages_take_the_same_placeholders():
    for key, texts in i18n.MESSAGES.items():
        placeholders = {lang: set(re.findall(r"\{(\w+)\}", texts[lang])) for lang in LANGUAGES}
        assert placeholders["pl"] == placeholders["en"], key


def test_every_key_the_code_uses_exists():
    literal, prefixes, _ = used_keys()
    assert literal - set(i18n.MESSAGES) == set()
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in i18n.MESSAGES), prefix


def test_no_key_is_left_unused():
    _, prefixes, quoted = used_keys()
    unused = [
        key for key in i18n.MESSAGES
        if key not in quoted and not any(key.startswith(p) for p in prefixes)
    ]
    assert unused == []


def test_polish_is_the_default_and_an_unknown_language_falls_back_to_it():
    assert i18n.t("layer.need") == "Potrzeby"
    assert i18n.t("layer.need", "en") == "Needs"
    assert i18n.t("layer.need", "de") == "Potrzeby"
    assert i18n.t("legend.area_wide", "en", count=2).endswith(": 2")


def test_a_missing_key_fails_loudly():
    with pytest.raises(KeyError):
        i18n.t("no.such_key", "pl")
