"""Every visible string has a Polish and an English text, and every key in use exists.

The texts are gettext catalogues (mapping/i18n/locale/*/LC_MESSAGES/calmap.po);
these tests read them, compile them and run Babel's extractor over the code.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import tomllib

import pytest

from mapping import i18n
from mapping.config import LANGUAGES
from mapping.i18n import catalogues
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


def test_every_message_of_the_template_has_a_text_in_every_po_file_and_placeholders_agree():
    assert catalogues.problems() == []


def test_the_check_names_a_missing_translation_a_fuzzy_one_and_a_placeholder_difference(
    tmp_path, monkeypatch
):
    shutil.copytree(catalogues.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path / "locale")
    english = catalogues.po_path("en")
    text = english.read_text(encoding="utf-8")
    text = text.replace('msgid "layer.need"\nmsgstr "Needs"', 'msgid "layer.need"\nmsgstr ""')
    text = text.replace('msgid "layer.area"\n', '#, fuzzy\nmsgid "layer.area"\n')
    text = text.replace("of which not pinned on the map: {count}", "of which not pinned: {n}")
    english.write_text(text, encoding="utf-8")
    found = catalogues.problems()
    assert "en: layer.need has no text" in found
    assert "en: layer.area is marked fuzzy (to be checked)" in found
    assert "en: legend.unpinned takes ['n'], pl ['count']" in found


def test_the_po_files_parse_and_compile_to_catalogues_gettext_reads():
    keys = [str(m.id) for m in catalogues.read_catalogue(catalogues.template_path()) if m.id]
    assert len(keys) > 800
    for lang in LANGUAGES:
        translation = gettext.GNUTranslations(
            __import__("io").BytesIO(catalogues.compile_po(catalogues.po_path(lang)))
        )
        assert translation.info()["language"] == lang
        assert all(translation.gettext(key) != key for key in keys)
    polish = catalogues.read_catalogue(catalogues.po_path("pl"), "pl")
    assert polish.num_plurals == 3  # jeden obszar, dwa obszary, pięć obszarów


def test_a_missing_or_stale_mo_file_is_compiled_on_first_use(tmp_path, monkeypatch):
    shutil.copytree(catalogues.LOCALE_DIR, tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.t("layer.need", "en") == "Needs"
    assert catalogues.mo_path("en").exists() and catalogues.mo_path("pl").exists()
    assert not catalogues.is_stale("en")

    english = catalogues.po_path("en")
    english.write_text(english.read_text(encoding="utf-8").replace(
        'msgstr "Needs"', 'msgstr "Wants"'), encoding="utf-8")
    old = catalogues.mo_path("en").stat().st_mtime - 10
    os.utime(catalogues.mo_path("en"), (old, old))
    assert catalogues.is_stale("en")
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.t("layer.need", "en") == "Wants"
    assert not catalogues.is_stale("en")


def test_a_message_english_lacks_shows_in_polish(tmp_path, monkeypatch):
    shutil.copytree(catalogues.LOCALE_DIR, tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setattr(i18n, "_loaded", {})
    english = catalogues.po_path("en")
    english.write_text(english.read_text(encoding="utf-8").replace(
        'msgid "layer.need"\nmsgstr "Needs"', 'msgid "layer.need"\nmsgstr ""'), encoding="utf-8")
    assert i18n.t("layer.need", "en") == "Potrzeby"
    with pytest.raises(KeyError):
        i18n.t("no.such_key", "en")


def test_babel_extraction_finds_the_keys_the_code_passes_to_t_and_all_are_in_the_catalogue():
    extracted = catalogues.extract_keys()
    literal, _, _ = used_keys()
    # Babel reads the literal t()/md_t() keys the regular expression above finds (all
    # but the few inside f-strings or chosen by a conditional expression)…
    assert set(extracted) <= literal
    assert len(set(extracted)) > 0.9 * len(literal)
    assert ("streamlit_app.py" in {path for key in extracted for path, _ in extracted[key]})
    # …and every one of them is in the template and both languages.
    template = {str(m.id) for m in catalogues.read_catalogue(catalogues.template_path()) if m.id}
    assert set(extracted) - template == set()
    assert set(extracted) - set(i18n.MESSAGES) == set()


def test_pybabel_extract_is_configured_for_the_same_sources_and_keywords():
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extract = config["tool"]["babel"]["extract_messages"]
    assert extract["input_paths"] == list(catalogues.SOURCES)
    assert extract["keywords"].split() == list(catalogues.KEYWORDS)
    assert extract["no_default_keywords"] is True
    assert "Babel" in " ".join(config["project"]["dependencies"])
    update = config["tool"]["babel"]["update_catalog"]
    assert PROJECT_ROOT / update["input_file"] == catalogues.template_path()
    assert PROJECT_ROOT / update["output_dir"] == catalogues.LOCALE_DIR
    assert config["tool"]["babel"]["compile_catalog"]["domain"] == catalogues.DOMAIN


def test_pybabel_update_leaves_the_po_files_as_they_are():
    # What `pybabel update` does with the settings in pyproject.toml: merging the
    # template into a complete catalogue rewrites it byte for byte, so translators'
    # tools and scripts/messages.py can take turns without noise in the diffs.
    import io

    from babel.messages.pofile import write_po

    template = catalogues.read_catalogue(catalogues.template_path())
    for lang in LANGUAGES:
        catalog = catalogues.read_catalogue(catalogues.po_path(lang), lang)
        catalog.update(template, no_fuzzy_matching=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, no_location=True)
        assert buffer.getvalue() == catalogues.po_path(lang).read_bytes(), lang


def _messages_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("messages_script",
                                                  PROJECT_ROOT / "scripts" / "messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keys_added_to_a_dict_on_another_branch_reach_every_catalogue_with_their_texts(
    tmp_path, monkeypatch, capsys
):
    shutil.copytree(catalogues.LOCALE_DIR, tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setattr(i18n, "_loaded", {})
    # What a branch that still had mapping/i18n.py adds at the end of its dict.
    old_dict = tmp_path / "i18n.py"
    old_dict.write_text(
        'MESSAGES: dict[str, dict[str, str]] = {\n'
        '    "layer.need": {"pl": "Potrzeby", "en": "Needs"},\n'
        '    "layer.area": {"pl": "Obszary", "en": "Estates"},\n'
        '    # The page kit\n'
        '    "kit.saved": {\n'
        '        "pl": "Zapisano {name}."\n'
        '        " Gotowe.",\n'
        '        "en": "Saved {name}. Done.",\n'
        '    },\n'
        '}\n', encoding="utf-8")
    script = _messages_script()
    assert script.main(["import-dict", str(old_dict)]) == 0
    out = capsys.readouterr().out
    assert "1 keys added of 3: kit.saved" in out
    assert "kept the catalogues' texts of 1 keys whose texts differ: layer.area" in out
    assert i18n.t("layer.area", "en") == "Areas"
    assert i18n.t("kit.saved", "pl", name="pinezkę") == "Zapisano pinezkę. Gotowe."
    assert i18n.t("kit.saved", "en", name="the pin") == "Saved the pin. Done."
    assert "#. The page kit\nmsgid \"kit.saved\"" in catalogues.po_path("pl").read_text()
    assert catalogues.problems() == []

    assert script.main(["add", "kit.gone", "--pl", "Usunięto {name}.", "--en", "Gone."]) == 0
    assert catalogues.problems() == ["en: kit.gone takes [], pl ['name']"]
    assert script.main(["check"]) == 1
    assert script.main(["add", "kit.gone", "--pl", "Usunięto {name}.",
                        "--en", "Removed {name}.", "--replace"]) == 0
    assert script.main(["check"]) == 0
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.t("kit.gone", "en", name="it") == "Removed it."


def test_the_merge_driver_keeps_both_branches_messages_and_flags_a_real_conflict(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("merge_po",
                                                  PROJECT_ROOT / "scripts" / "merge_po.py")
    merge_po = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(merge_po)

    def po(name, entries):
        path = tmp_path / f"{name}.po"
        body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())
        path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                        + body, encoding="utf-8")
        return path

    base = po("base", {"a.one": "Jeden", "a.two": "Dwa", "a.gone": "Było"})
    ours = po("ours", {"a.one": "Jeden", "a.two": "Dwa!", "a.gone": "Było", "b.mine": "Moje"})
    theirs = po("theirs", {"a.one": "Raz", "a.two": "Dwa", "c.their": "Ich"})
    assert merge_po.merge(base, ours, theirs, "pl") == []
    merged = {str(m.id): m.string for m in catalogues.read_catalogue(ours, "pl") if m.id}
    assert merged == {"a.one": "Raz", "a.two": "Dwa!", "b.mine": "Moje", "c.their": "Ich"}

    clash = po("clash", {"a.one": "Jedynka", "a.two": "Dwa"})
    assert merge_po.merge(base, clash, theirs, "pl") == ["a.one"]
